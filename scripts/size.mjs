// `npm run size`: raw, gzip -9 and brotli sizes of the snippet and its inline stub; exits 1 over budget.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = `${root}sdk/dist/s.js`;
const STUB_FILE = `${root}sdk/src/stub.html`;
/** docs/snippet.md: the whole snippet at most 2,048 bytes gzip -9, the inline stub at most 100 bytes. */
const SNIPPET_GZIP_BUDGET = 2048;
const STUB_BUDGET = 100;

if (!existsSync(BUNDLE)) {
  execFileSync(process.execPath, [`${root}node_modules/rollup/dist/bin/rollup`, '-c', 'sdk/rollup.config.mjs'], { cwd: root, stdio: 'inherit' });
}

const measure = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }).length,
});

const stub = readFileSync(STUB_FILE, 'utf8').split('\n').find((line) => /^<script>.*<\/script>$/.test(line));
if (!stub) {
  console.error(`no inline <script>…</script> line in ${STUB_FILE}`);
  process.exit(1);
}
const snippet = measure(readFileSync(BUNDLE));
const inline = measure(Buffer.from(stub));

console.log('file              raw   gzip -9  brotli 11');
for (const [name, m] of [['sdk/dist/s.js', snippet], ['inline stub', inline]]) {
  console.log(`${name.padEnd(16)}${String(m.raw).padStart(5)}${String(m.gzip).padStart(10)}${String(m.brotli).padStart(11)}`);
}

const over = [];
if (snippet.gzip > SNIPPET_GZIP_BUDGET) over.push(`s.js is ${snippet.gzip} bytes gzip -9, over the ${SNIPPET_GZIP_BUDGET}-byte budget`);
if (inline.raw > STUB_BUDGET) over.push(`the inline stub is ${inline.raw} bytes, over the ${STUB_BUDGET}-byte budget`);
for (const line of over) console.error(line);
console.log(over.length ? 'over budget' : `within budget: ${SNIPPET_GZIP_BUDGET - snippet.gzip} bytes gzip to spare`);
process.exit(over.length ? 1 : 0);
