// Proves `npm run bench -- --smoke` works end to end in under a minute and never rewrites bench/RESULTS.md.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ROOT, WRANGLER_ENV } from '../../scripts/lib/local-server.mjs';

const exec = promisify(execFile);
const RESULTS = path.join(ROOT, 'bench/RESULTS.md');
const SMOKE_LIMIT_MS = 60_000;
const dir = mkdtempSync(path.join(tmpdir(), 'touchline-bench-smoke-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bench(args: string[]) {
  return exec(process.execPath, [path.join(ROOT, 'bench/run.mjs'), ...args], {
    cwd: ROOT,
    // The running e2e Worker and its D1 state dir (for the job's read floor) instead of a private server.
    env: { ...process.env, ...WRANGLER_ENV, BASE_URL: inject('workerUrl'), BENCH_STATE_DIR: inject('stateDir') },
    timeout: SMOKE_LIMIT_MS + 10_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

describe('npm run bench -- --smoke', () => {
  it('measures size, ingest, job (time, D1 rows, bytes) and query in under a minute and writes only its --out file', { timeout: SMOKE_LIMIT_MS + 15_000 }, async () => {
    const before = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : null;
    const out = path.join(dir, 'bench.md');
    const started = Date.now();
    const { stdout } = await bench(['--smoke', '--out', out]);
    expect(Date.now() - started).toBeLessThan(SMOKE_LIMIT_MS);
    expect(stdout).toContain(`wrote ${out}`);

    const report = readFileSync(out, 'utf8');
    expect(report).toContain('Mode: **smoke**');
    expect(report).toMatch(/- CPU: .+, \d+ cores; memory [\d.]+ GiB/);
    expect(report).toMatch(/- Node v\d+/);
    // Size: the built snippet always; peers only from the cache in smoke mode, else reported unavailable.
    expect(report).toMatch(/\| Touchline `sdk\/dist\/s\.js` \| \(this repo\) \| `sdk\/dist\/s\.js` \| [\d,]+ \| [\d,]+ \| [\d,]+ \| 1\.0× \|/);
    for (const peer of ['@plausible-analytics/tracker', '@snowplow/browser-tracker', '@segment/analytics-next', 'posthog-js']) {
      expect(report).toContain(peer);
    }
    // Ingest: both routes at both concurrency levels, every batch answered 200 and adding up.
    expect(report).toMatch(/\| 1 \| `GET \/healthz` \(baseline\) \| \d+ \| [\d,]+ \|/);
    expect(report).toMatch(/\| 1 \| `POST \/e` \| \d+ \| [\d,]+ \| [\d,]+ \| [\d.,]+ \| [\d.,]+ \| [\d.,—]+ \| p50 [\d.,]+×/);
    expect(report).toMatch(/429s: 0; problems: 0\./);
    expect(report).toMatch(/\*\*[\d.]+ statements per request\*\*/);
    // Job and query: measured, or "not available" while their endpoints are being built — never failed.
    expect(report).toMatch(/## Attribution job(?! — failed)/);
    expect(report).toMatch(/\| 300 \| \d+ \| \d+ \||## Attribution job — not available/);
    expect(report).toMatch(/## Query \(credit API\)(?! — failed)/);
    expect(report).not.toContain('**Failed**');
    // Issue 11's goals: each figure with its goal and a mark; rows and bytes say why when not measured.
    expect(report).toMatch(/the read floor \(goal ≤ 30×: (pass|\*\*fail\*\*)\)/);
    expect(report).toMatch(/D1 rows written (at [\d,]+: full run [\d,]+ = [\d.]+ per touch \(goal ≤ 1 per touch: |per run: not reported by this server)/);
    expect(report).toMatch(/storage (at [\d,]+ touches: credit store .+ \(goal ≤ 0\.5×: (pass|\*\*fail\*\*)\)|\(dbstat\): \*\*not measured\*\* — )/);
    // Issue 12: the fit's memory, run under a Worker's heap (bench/lib/fit-memory.mjs).
    expect(report).toMatch(/data-driven fit memory at [\d,]+, every key's journey computed by the fit itself: completed under a 128 MB V8 heap \(goal: within a Worker's 128 MB: pass\); heap peak [\d.]+ MB, of which [\d.]+ MB was there before the fit/);
    expect(report).toMatch(/query goal, p95 ≤ 2\.5× \/healthz p95 .+ \(goal ≤ 2\.5×: (pass|\*\*fail\*\*)\)/);
    expect(report).toContain('`GET /v1/credit/compare?group_by=channel` (every model:');
    expect(report).toContain('`GET /v1/credit?model=linear&group_by=account`');
    expect(report).toMatch(/\| `GET \/v1\/influence\?conversion=opportunity&group_by=channel` \| \d+ \|/);
    expect(report).toMatch(/\| `GET \/v1\/funnel\?group_by=channel` \| \d+ \|/);

    expect(existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : null).toBe(before);
  });

  it('refuses to write bench/RESULTS.md in smoke mode', async () => {
    const err = await bench(['--smoke', '--out', RESULTS]).catch((e: { stderr: string; code: number }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toContain('smoke mode never writes bench/RESULTS.md');
  });
});
