// Bytes per table and index of the local D1 file, read with Debian's `sqlite3` and its `dbstat` table: the job benchmark's storage figures.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
/** Where miniflare keeps D1 databases under a `--persist-to` dir: one `<hash>.sqlite` per database. */
const D1_DIR = ['v3', 'd1', 'miniflare-D1DatabaseObject'];
/** Tables of the credit store (today credit, credit_sums — the rollup — credit_rollup_dirty, attribution_*). */
const CREDIT_STORE = /^(credit|attribution_)/;
/**
 * `dbstat` counts whole pages (pgsize), free space inside them included: what the file holds, not
 * the payload. Pages on the freelist belong to no table and are left out. The join maps each index
 * (and the autoindex of a primary key) to its table; sqlite_master itself has no row of its own.
 */
const BYTES_SQL =
  'SELECT s.name AS name, COALESCE(m.tbl_name, s.name) AS tbl, COALESCE(m.type, \'table\') AS type, s.bytes AS bytes ' +
  'FROM (SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name) s LEFT JOIN sqlite_master m ON m.name = s.name';

const probes = new Map();

/**
 * The storage probe for a state dir, opened once per run (seeding and the job share it): `{ unavailable }`
 * says why bytes cannot be measured (no state dir, no `sqlite3`, no dbstat in it, no D1 file). The
 * benchmarks are not part of CI, so a missing tool is reported, not installed.
 */
export function openDbBytes(stateDir) {
  if (!probes.has(stateDir)) probes.set(stateDir, probe(stateDir));
  return probes.get(stateDir);
}

async function probe(stateDir) {
  if (!stateDir) return { unavailable: 'no local state dir (set BENCH_STATE_DIR with BASE_URL)' };
  try {
    await exec('sqlite3', ['-version']);
  } catch (err) {
    return { unavailable: err.code === 'ENOENT' ? '`sqlite3` is not installed (Debian: `apt-get install sqlite3`)' : `\`sqlite3 -version\` failed: ${err.message}` };
  }
  const file = findD1File(stateDir);
  if (!file) return { unavailable: `no local D1 file with a \`touches\` table under ${path.join(stateDir, ...D1_DIR)}` };
  try {
    // One b-tree only (dbstat honours name =), so the check costs nothing on a large file.
    await exec('sqlite3', ['-readonly', file, "SELECT COUNT(*) FROM dbstat WHERE name = 'sqlite_master'"]);
  } catch (err) {
    return { unavailable: `\`sqlite3 -readonly\` could not read \`dbstat\` (${String(err.stderr || err.message).trim().split('\n')[0]})` };
  }
  return {
    file,
    /** Bytes per b-tree right now (Map name → { tbl, type, bytes }), and how long dbstat took. */
    snapshot: async () => {
      const started = performance.now();
      const byName = await readBytes(file);
      return { byName, ms: performance.now() - started };
    },
  };
}

/** The `.sqlite` in the state dir that holds the product's schema (miniflare keeps a metadata.sqlite beside it). */
function findD1File(stateDir) {
  const dir = path.join(stateDir, ...D1_DIR);
  if (!existsSync(dir)) return null;
  const candidates = readdirSync(dir).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  // The hash names say nothing; only the schema does, and reading it is cheap.
  return candidates.map((f) => path.join(dir, f)).find(hasTouches) ?? null;
}

function hasTouches(file) {
  try {
    const sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'touches'";
    return execFileSync('sqlite3', ['-readonly', file, sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === '1';
  } catch {
    return false;
  }
}

async function readBytes(file) {
  // -readonly: the running Worker owns the file (WAL mode); this reader never writes, and sees
  // every committed transaction, the WAL's included.
  const { stdout } = await exec('sqlite3', ['-readonly', '-json', file, BYTES_SQL], { maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 });
  const rows = stdout.trim() ? JSON.parse(stdout) : [];
  return new Map(rows.map((r) => [r.name, { tbl: r.tbl, type: r.type, bytes: Number(r.bytes) }]));
}

/** A snapshot, or `{ error }`: a failed reading is reported, never fatal to the time figures around it. */
async function safeSnapshot(probe) {
  try {
    return await probe.snapshot();
  } catch (err) {
    return { error: `dbstat failed: ${String(err.stderr || err.message).trim().split('\n')[0]}` };
  }
}

/**
 * Runs `step` and returns its value with the storage it wrote: dbstat over the whole file just before
 * and just after it (outside the step's own timing), so that the difference is that step's alone as
 * long as nothing else writes meanwhile. `bytes.unavailable` says why when it cannot be measured.
 */
export async function bytesAround(stateDir, step) {
  const probe = await openDbBytes(stateDir);
  const before = probe.snapshot ? await safeSnapshot(probe) : { error: probe.unavailable };
  const value = await step();
  const after = before.error ? before : await safeSnapshot(probe);
  if (after.error) return { value, bytes: { unavailable: after.error } };
  return { value, bytes: { ...storageSummary(diffBytes(after.byName, before.byName)), dbstatMs: before.ms + after.ms } };
}

/** The whole file as it stands (every site in it), summarised; `unavailable` says why not. */
export async function wholeFileBytes(stateDir) {
  const probe = await openDbBytes(stateDir);
  const s = probe.snapshot ? await safeSnapshot(probe) : { error: probe.unavailable };
  return s.error ? { unavailable: s.error } : { ...storageSummary(s.byName), dbstatMs: s.ms };
}

/**
 * What changed between two snapshots, b-tree by b-tree. All sites share the file and dbstat knows
 * b-trees, not sites: the difference around a step that writes one site's rows only is that site's share.
 */
export function diffBytes(after, before) {
  const out = new Map();
  for (const name of new Set([...after.keys(), ...before.keys()])) {
    const a = after.get(name);
    const b = before.get(name);
    out.set(name, { tbl: (a ?? b).tbl, type: (a ?? b).type, bytes: (a?.bytes ?? 0) - (b?.bytes ?? 0) });
  }
  return out;
}

/** Table and index bytes per table; the touches table, the credit store (every credit* and attribution_* table) and the whole file. */
export function storageSummary(byName) {
  const tables = new Map();
  let file = 0;
  for (const { tbl, type, bytes } of byName.values()) {
    const t = tables.get(tbl) ?? { table: 0, indexes: 0 };
    if (type === 'index') t.indexes += bytes;
    else t.table += bytes;
    tables.set(tbl, t);
    file += bytes;
  }
  const group = (names) => {
    const parts = names.map((n) => ({ name: n, ...tables.get(n) }));
    const table = parts.reduce((s, p) => s + p.table, 0);
    const indexes = parts.reduce((s, p) => s + p.indexes, 0);
    return { parts, table, indexes, total: table + indexes };
  };
  return {
    touches: group(tables.has('touches') ? ['touches'] : []),
    credit: group([...tables.keys()].filter((n) => CREDIT_STORE.test(n)).sort()),
    file,
  };
}
