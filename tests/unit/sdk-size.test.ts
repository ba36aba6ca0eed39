// The snippet's size is a test (docs/snippet.md): the built s.js at most 2,048 bytes gzip -9, the inline stub 100 bytes.
import { readFileSync } from 'node:fs';
import { rollup, type OutputOptions, type RollupOptions } from 'rollup';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
let built = '';

beforeAll(async () => {
  // The same build as `npm run build`, written to sdk/dist/s.js so the measured file is the served one.
  const config: RollupOptions & { output: OutputOptions } = (await import(/* @vite-ignore */ new URL('sdk/rollup.config.mjs', root).href)).default;
  const bundle = await rollup({ ...config, onwarn: () => {} });
  await bundle.write(config.output);
  await bundle.close();
  built = readFileSync(new URL('sdk/dist/s.js', root), 'utf8');
}, 60_000);

describe('snippet size', () => {
  it('is at most 2,048 bytes gzip -9', () => {
    const gzip = gzipSync(built, { level: 9 }).length;
    console.log(`sdk/dist/s.js: ${Buffer.byteLength(built)} bytes raw, ${gzip} bytes gzip -9`);
    expect(gzip).toBeLessThanOrEqual(2048);
  });

  it('is one self-contained IIFE: no imports, requires or exports', () => {
    expect(built).toMatch(/^!function\(\)\{/);
    expect(built).not.toMatch(/\bimport\s*\(|\bimport\s*[{*"']|\brequire\(|\bexport\s/);
  });

  it('has an inline stub of at most 100 bytes, exactly the contract one', () => {
    const stub = readFileSync(new URL('sdk/src/stub.html', root), 'utf8')
      .split('\n')
      .find((line) => line.startsWith('<script>'))!;
    expect(stub).toBe('<script>window.tl=window.tl||function(){(tl.q=tl.q||[]).push(arguments)}</script>');
    expect(Buffer.byteLength(stub)).toBeLessThanOrEqual(100);
  });
});
