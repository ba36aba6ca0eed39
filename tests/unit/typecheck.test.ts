// The sources and tests type-check (`npm run typecheck`'s four projects). Vitest and wrangler strip
// types without checking them, so without this a type error reaches main unseen.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const PROJECTS = ['tsconfig.json', 'sdk/tsconfig.json', 'dashboard/tsconfig.json', 'tsconfig.node.json'];
/** tsc takes 10-40 s per project here; a loaded CI machine may take several times that. */
const TIMEOUT_MS = 300_000;

describe('types', () => {
  it.each(PROJECTS)('%s type-checks', { timeout: TIMEOUT_MS }, async (project) => {
    const result = await promisify(execFile)(process.execPath, [TSC, '-p', project], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }).then(
      () => '',
      (err: { stdout?: string; message: string }) => err.stdout || err.message,
    );
    expect(result).toBe('');
  });
});
