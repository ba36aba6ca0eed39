// Runs the product locally: builds the snippet and the dashboard, applies migrations to local D1, ensures the demo
// site and starts `wrangler dev`. Shared by `npm start`, the end-to-end tests and the benchmarks.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
// wrangler's bin script forwards to this CLI in a child process; for `dev` we run the CLI itself so
// that SIGTERM reaches the process that owns workerd (stopping the wrapper would orphan it).
const WRANGLER_CLI = path.join(ROOT, 'node_modules/wrangler/wrangler-dist/cli.js');
const ROLLUP = path.join(ROOT, 'node_modules/rollup/dist/bin/rollup');

/** Offline and quiet: no telemetry, update check or cf.json download (TOOLCHAIN.md). */
export const WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

export function baseUrl() {
  return process.env.BASE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
}

function run(cmd, args, { quiet = true, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cmd, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...WRANGLER_ENV, ...env },
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${code}):\n${out}`))));
  });
}

/** Builds what the Worker imports at bundle time: the snippet (sdk/dist/s.js) and the dashboard's scripts (dashboard/dist/app.js, settings.js). */
export async function buildAssets() {
  await run(ROLLUP, ['-c', 'sdk/rollup.config.mjs', '--silent']);
  await run(ROLLUP, ['-c', 'dashboard/rollup.config.mjs', '--silent']);
}

/** Creates .dev.vars with the local admin token when missing (docs/operations.md); never overwrites it. */
export function ensureDevVars() {
  const file = path.join(ROOT, '.dev.vars');
  if (!existsSync(file)) writeFileSync(file, 'ADMIN_TOKEN=dev-admin-token\n');
  const match = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(file, 'utf8'));
  return match ? match[1].trim() : undefined;
}

export async function applyMigrations(stateDir) {
  await run(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', stateDir]);
}

const sqlString = (v) => `'${String(v).replace(/'/g, "''")}'`;

/** Ensures the local demo site (pk_demo / sk_demo) whose origins are the local server itself. */
export async function ensureDemoSite(stateDir, port) {
  const origins = JSON.stringify([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const values = {
    secret_hash: sqlString(createHash('sha256').update('sk_demo').digest('hex')),
    hash_key: sqlString(randomBytes(24).toString('base64url')),
    origins: sqlString(origins),
    now: String(Date.now()),
  };
  const sql = readFileSync(path.join(ROOT, 'schemas/seed/demo-site.sql'), 'utf8').replace(/:(\w+)/g, (m, k) => values[k] ?? m);
  const tmp = path.join(stateDir, 'demo-site.sql');
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(tmp, sql);
  await run(WRANGLER, ['d1', 'execute', 'DB', '--local', '--persist-to', stateDir, '--file', tmp, '--yes']);
}

async function waitUntilUp(url, child, timeoutMs = 60_000) {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      // A Worker that failed to build can hold the request open: never wait on one probe for long.
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the Worker did not answer on ${url} within ${timeoutMs / 1000} s`);
}

/**
 * Starts the whole local stack and resolves once the Worker answers. `stop()` ends wrangler (and
 * with it workerd) by its own PID, as TOOLCHAIN.md advises.
 */
export async function startLocalServer({ port = 8787, stateDir = path.join(ROOT, '.wrangler/state'), quiet = true, build = true, vars = {} } = {}) {
  if (build) await buildAssets();
  ensureDevVars();
  await applyMigrations(stateDir);
  await ensureDemoSite(stateDir, port);
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const child = spawn(
    process.execPath,
    ['--no-warnings', '--experimental-vm-modules', WRANGLER_CLI, 'dev', '--ip', '127.0.0.1', '--port', String(port), '--test-scheduled', '--persist-to', stateDir, '--show-interactive-dev-session=false', '--assets', 'demo-site', ...varArgs],
    { cwd: ROOT, env: { ...process.env, ...WRANGLER_ENV }, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'] },
  );
  let log = '';
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(url, child);
  } catch (err) {
    child.kill('SIGTERM');
    throw new Error(`${err.message}\n${log}`);
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000).unref();
    });
  return { url, child, stop, log: () => log };
}
