// `npm test`: every suite — unit (node), deploy (the production bundle, built offline), Worker
// (workerd + real local D1), end-to-end (Chromium, installed first when missing and this machine
// allows it) — then one plain closing line "N passed, N failed" summing them all, as CI reads it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureChromium } from './lib/chromium.mjs';
import { buildAssets, ROOT, WRANGLER_ENV } from './lib/local-server.mjs';

const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const OUT = path.join(ROOT, '.tmp/test-results');
const SUITES = [
  { name: 'unit', config: 'vitest.unit.config.ts' },
  { name: 'deploy', config: 'vitest.deploy.config.ts' },
  { name: 'worker', config: 'vitest.worker.config.ts' },
  { name: 'e2e', config: 'vitest.e2e.config.ts', needsBrowser: true },
];

const only = process.argv.slice(2);
const selected = SUITES.filter((s) => !only.length || only.includes(s.name));
const unknown = only.filter((name) => !SUITES.some((s) => s.name === name));
if (unknown.length) {
  console.error(`unknown suite ${unknown.join(', ')}; choose from ${SUITES.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

// Before any suite: the browser the e2e suite drives, installed here when the machine allows it.
const chromium = ensureChromium(selected.some((s) => s.needsBrowser));
if (chromium?.error) {
  console.error(chromium.error);
  process.exit(1);
}
const suiteEnv = { ...process.env, ...WRANGLER_ENV, ...(chromium ? { CHROMIUM_PATH: chromium.path } : {}) };

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

function runSuite({ name, config }) {
  const report = path.join(OUT, `${name}.json`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
      cwd: ROOT,
      env: suiteEnv,
      stdio: 'inherit',
    });
    child.on('exit', (code) => {
      if (!existsSync(report)) return resolve({ name, passed: 0, failed: 1, note: `no report (exit ${code})` });
      const r = JSON.parse(readFileSync(report, 'utf8'));
      // A suite that crashed before its tests ran still counts as a failure.
      const failed = r.numFailedTests + (code !== 0 && r.numFailedTests === 0 ? 1 : 0);
      resolve({ name, passed: r.numPassedTests, failed, skipped: r.numPendingTests + r.numTodoTests });
    });
  });
}

console.log('Building the snippet and the dashboard…');
await buildAssets();
const results = [];
for (const suite of selected) {
  console.log(`\n━━ ${suite.name} tests ━━`);
  results.push(await runSuite(suite));
}

console.log('');
for (const r of results) console.log(`${r.name.padEnd(7)} ${r.passed} passed, ${r.failed} failed${r.note ? ` (${r.note})` : ''}`);
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const skipped = results.reduce((n, r) => n + (r.skipped ?? 0), 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
