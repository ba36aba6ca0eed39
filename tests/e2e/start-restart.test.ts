// `npm start` notices when the Worker's runtime (workerd) dies under wrangler, says so, and restarts it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/lib/local-server.mjs';
import { eventually } from './harness';
import { freePort } from './fixture-server';

/** [pid, ppid, args] of every process. */
const processes = () =>
  execFileSync('ps', ['-A', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));

describe('npm start', () => {
  it('restarts the Worker when its workerd process dies (as on running out of memory)', async () => {
    const port = await freePort();
    const stateDir = mkdtempSync(path.join(tmpdir(), 'touchline-start-'));
    const start = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], { cwd: ROOT, env: { ...process.env, PORT: String(port), STATE_DIR: stateDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    start.stdout.on('data', (d) => (output += d));
    start.stderr.on('data', (d) => (output += d));
    try {
      await eventually(async () => output.includes('Touchline is running'), { timeoutMs: 120_000 });
      const healthy = async () => (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
      expect(await healthy()).toBe(true);

      // The Worker's own workerd: a child of this run's wrangler that is not the proxy listening on the port.
      const wrangler = processes().find((p) => p.args.includes('wrangler-dist/cli.js dev') && p.args.includes(`--port ${port}`))!;
      const runtime = processes().find((p) => p.ppid === wrangler.pid && p.args.includes('workerd') && !p.args.includes(`entry=127.0.0.1:${port}`))!;
      expect(runtime).toBeDefined();
      process.kill(runtime.pid, 'SIGKILL');

      await eventually(async () => output.includes('restarted; the Worker answers again'), { timeoutMs: 120_000 });
      expect(output).toContain("the Worker's runtime (workerd) stopped unexpectedly");
      expect(await healthy()).toBe(true);
      expect(start.exitCode).toBeNull();
    } finally {
      const exited = new Promise((resolve) => start.once('exit', resolve));
      start.kill('SIGTERM');
      await exited;
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 300_000);
});
