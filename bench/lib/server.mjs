// Finds the Worker the benchmarks talk to (BASE_URL) or starts a private one, and reads its CPU time.
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalServer } from '../../scripts/lib/local-server.mjs';

export const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? 'dev-admin-token';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Every process whose parent chain reaches `root` (wrangler → workerd ×2, esbuild), plus root. */
function processTree(root) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const tree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** The PID listening on a loopback port, found through /proc (no `ss` or `lsof` needed). */
function listenerPid(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // state 0A = LISTEN
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]);
    }
  }
  if (!inodes.size) return null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1])) return Number(entry);
      }
    } catch {
      // not ours to read, or gone
    }
  }
  return null;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux (getconf CLK_TCK)

/** User + system CPU milliseconds consumed so far by these processes (0 for any that ended). */
export function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // ended
    }
  }
  return ticks * TICK_MS;
}

/**
 * The server to measure. With BASE_URL, the running one (its D1 state dir from BENCH_STATE_DIR, for
 * the read floor); otherwise a private wrangler dev on a free port with a temp state dir, stopped
 * and removed by `stop()`.
 */
export async function acquireServer() {
  if (process.env.BASE_URL) {
    const url = process.env.BASE_URL.replace(/\/$/, '');
    const port = Number(new URL(url).port || 80);
    const listener = listenerPid(port);
    // wrangler's node process owns both workerd processes; the listener is the entry workerd.
    let root = listener;
    if (listener) {
      const stat = readFileSync(`/proc/${listener}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (/wrangler/.test(safeRead(`/proc/${ppid}/cmdline`))) root = ppid;
    }
    return {
      url,
      own: false,
      stateDir: process.env.BENCH_STATE_DIR || null,
      pids: () => (root ? processTree(root) : []),
      logTail: () => null,
      stop: async () => {},
      describe: `the Worker at BASE_URL (${url})`,
    };
  }
  const stateDir = mkdtempSync(path.join(tmpdir(), 'touchline-bench-'));
  let server;
  for (let attempt = 1; !server; attempt++) {
    try {
      server = await withStartLimit(startLocalServer({ port: await freePort(), stateDir, build: false }));
    } catch (err) {
      // A free port can be taken by another process before wrangler binds it (many run here): retry once.
      if (attempt < 2 && /Address already in use/.test(err.message)) continue;
      rmSync(stateDir, { recursive: true, force: true });
      throw err;
    }
  }
  return {
    url: server.url,
    own: true,
    stateDir,
    pids: () => processTree(server.child.pid),
    /** The end of wrangler's output: where the Worker's stack trace is when a request failed. */
    logTail: (lines = 40) => server.log().split('\n').slice(-lines).join('\n'),
    stop: async () => {
      await server.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
    describe: `a private \`wrangler dev\` on ${server.url} with a fresh local D1 in a temp dir`,
  };
}

/**
 * startLocalServer waits for /healthz, but when the Worker fails to build, workerd holds that request
 * open and the wait never ends. Past the limit, our own wrangler child is stopped by its PID, which
 * makes startLocalServer fail with wrangler's output (the build error).
 */
const START_LIMIT_MS = 120_000;
async function withStartLimit(starting) {
  let timer;
  const limit = new Promise((resolve) => {
    timer = setTimeout(resolve, START_LIMIT_MS);
  });
  const first = await Promise.race([starting.then(() => 'up', () => 'failed'), limit.then(() => 'late')]);
  clearTimeout(timer);
  if (first === 'late') {
    for (const pid of processTree(process.pid)) {
      if (pid !== process.pid && /wrangler-dist\/cli\.js\0dev/.test(safeRead(`/proc/${pid}/cmdline`))) process.kill(pid, 'SIGTERM');
    }
  }
  try {
    return await starting;
  } catch (err) {
    // wrangler's output follows the message; keep the part that says why (a build error, usually).
    throw new Error(`the local Worker did not start${first === 'late' ? ` within ${START_LIMIT_MS / 1000} s` : ''}: ${String(err.message).slice(0, 3000)}`);
  }
}

function safeRead(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
