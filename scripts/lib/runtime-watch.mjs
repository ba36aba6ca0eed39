// Notices when the Worker's runtime dies under `wrangler dev`. wrangler runs workerd as child
// processes (a proxy on the port, the Worker itself) and does not notice when the Worker's one exits
// (a local run died with "JavaScript heap out of memory" after ~25 long job runs): the port stays
// open, requests hang. So the children are counted, and fewer than at start means one died.
import { execFile } from 'node:child_process';

const POLL_MS = 2000;
/** Consecutive polls short of a runtime: wrangler's own reload (a source edit) replaces one in under a second. */
const MISSES = 3;

/** The pids of workerd processes whose parent is `parentPid`, from `ps -A -o pid=,ppid=,comm=` output. */
export function workerdChildren(psOutput, parentPid) {
  return psOutput
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, ppid, comm]) => pid && Number(ppid) === parentPid && /workerd$/.test(comm ?? ''))
    .map(([pid]) => Number(pid));
}

function listProcesses() {
  return new Promise((resolve) => execFile('ps', ['-A', '-o', 'pid=,ppid=,comm='], (err, stdout) => resolve(err ? null : stdout)));
}

/**
 * Calls `onDeath` once when `wranglerPid` has had fewer workerd children than it had when watching
 * began (call it once the Worker answers) for MISSES polls in a row. Resolves, once that count is
 * known, to a function that stops watching. Where `ps` is missing (Windows), it watches nothing.
 */
export async function watchRuntime(wranglerPid, onDeath, { pollMs = POLL_MS } = {}) {
  const count = async () => {
    const ps = await listProcesses();
    return ps === null ? null : workerdChildren(ps, wranglerPid).length;
  };
  let expected = (await count()) ?? 0;
  let misses = 0;
  let stopped = false;
  const timer = setInterval(async () => {
    const running = await count();
    if (stopped || running === null) return;
    expected = Math.max(expected, running);
    misses = running < expected ? misses + 1 : 0;
    if (misses >= MISSES) {
      stop();
      onDeath();
    }
  }, pollMs);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}
