// Times SQL on the local D1 with `wrangler d1 execute --local`: the read floor of the job benchmark.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, WRANGLER_ENV } from '../../scripts/lib/local-server.mjs';
import { median } from './stats.mjs';

const exec = promisify(execFile);
const WRANGLER = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
/** Enough repeated scans per command that D1's millisecond timer resolves small tiers. */
const ROWS_PER_COMMAND = 2_000_000;
const MAX_REPEATS = 200;

export function d1Command(stateDir, sql) {
  return `wrangler d1 execute DB --local --persist-to ${stateDir} --json --command "${sql}"`;
}

/** Runs statements (separated by ';'); resolves with each one's result and D1's own duration, and the command's wall time. */
export async function d1Execute(stateDir, sql) {
  const started = performance.now();
  const { stdout } = await exec(process.execPath, [WRANGLER, 'd1', 'execute', 'DB', '--local', '--persist-to', stateDir, '--json', '--command', sql], {
    cwd: ROOT,
    env: { ...process.env, ...WRANGLER_ENV },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 5 * 60_000,
  });
  const wallMs = performance.now() - started;
  const statements = JSON.parse(stdout).map((r) => ({ rows: r.results ?? [], durationMs: Number(r.meta?.duration) }));
  return { wallMs, statements };
}

export const FLOOR_SQL = (siteId) =>
  'SELECT COUNT(*) AS n, SUM(occurred_at) AS t, SUM(LENGTH(touch_id) + LENGTH(channel) + LENGTH(touch_type) + ' +
  'IFNULL(LENGTH(account_domain), 0) + IFNULL(LENGTH(contact_id), 0) + IFNULL(LENGTH(visitor_id), 0)) AS b ' +
  `FROM touches WHERE site_id = '${siteId}'`;

/**
 * Time to read every touch of a site once, in the storage engine itself: the aggregate reads each
 * column the job needs (time, channel, type, the three identity keys) and returns one row, so nothing
 * is printed or transferred. The figure is D1's own statement duration (`meta.duration`), which leaves
 * out wrangler's start-up; the statement repeats K times per command so that small tiers add up to
 * whole milliseconds, and the per-scan mean is taken over `reps` commands (median). With `crossCheck`,
 * wall time of the command minus the same command repeating `SELECT 1` is kept too.
 */
export async function touchReadFloor(stateDir, siteId, { reps, crossCheck, expectedRows }) {
  if (!/^[A-Za-z0-9_-]+$/.test(siteId)) throw new Error(`unexpected site id ${siteId}`);
  const k = Math.max(1, Math.min(MAX_REPEATS, Math.round(ROWS_PER_COMMAND / Math.max(1, expectedRows))));
  const scan = Array(k).fill(FLOOR_SQL(siteId)).join('; ');
  const trivial = Array(k).fill('SELECT 1').join('; ');
  const perScan = [];
  const wallDiff = [];
  let rows = 0;
  // Interleaved, so drift in machine load hits both sides alike.
  for (let i = 0; i < reps; i++) {
    const t = crossCheck ? await d1Execute(stateDir, trivial) : null;
    const s = await d1Execute(stateDir, scan);
    perScan.push(s.statements.reduce((n, st) => n + st.durationMs, 0) / k);
    if (t) wallDiff.push(Math.max(0, (s.wallMs - t.wallMs) / k));
    rows = s.statements[0]?.rows[0]?.n ?? 0;
  }
  return { floorMs: median(perScan), wallDiffMs: wallDiff.length ? median(wallDiff) : undefined, repeats: k, reps, rows, perScan, wallDiff };
}

/**
 * One floor from readings taken just before and just after the run it is compared with: the median
 * of every command of both, so that a change of machine load during the run weighs on both sides
 * (two benchmark runs 20 minutes apart read 609 and 878 ms at 1M from one reading each).
 */
export function bracketedFloor(before, after) {
  const perScan = [...before.perScan, ...after.perScan];
  const wallDiff = [...before.wallDiff, ...after.wallDiff];
  return {
    floorMs: median(perScan),
    wallDiffMs: wallDiff.length ? median(wallDiff) : undefined,
    beforeMs: before.floorMs,
    afterMs: after.floorMs,
    repeats: before.repeats,
    reps: perScan.length,
    rows: after.rows,
    perScan,
    wallDiff,
  };
}
