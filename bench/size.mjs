// Size benchmark: the built snippet's raw / gzip -9 / brotli bytes beside peers' shipped browser bundles.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { ROOT } from '../scripts/lib/local-server.mjs';
import { fmtInt, fmtRatio, ratio } from './lib/stats.mjs';

const SNIPPET = path.join(ROOT, 'sdk/dist/s.js');
/** Peers live outside the project's dependencies, in an ignored cache folder (bench/.tmp/ is in .gitignore). */
const PEER_CACHE = path.join(ROOT, 'bench/.tmp/peers');
/** One peer's install normally takes seconds; past this the registry is taken as unreachable. */
const INSTALL_TIMEOUT_MS = 90_000;

/**
 * Each peer's browser bundle: the file a site actually ships when it loads the tool the documented
 * way. Versions are pinned so that reruns compare like with like; bump them deliberately.
 */
export const PEERS = [
  {
    name: '@plausible-analytics/tracker',
    version: '0.4.6',
    file: 'plausible.js',
    note: 'the npm tracker: one minified ES module, the package’s only bundle',
  },
  {
    name: '@snowplow/browser-tracker',
    version: '4.10.1',
    file: 'dist/index.umd.min.js',
    note: 'minified UMD build',
  },
  {
    name: '@segment/analytics-next',
    version: '1.84.3',
    file: 'dist/umd/standalone.js',
    note: 'entry of the CDN build (analytics.js); chunks it lazy-loads (destinations, middleware) not counted',
  },
  {
    name: 'posthog-js',
    version: '1.449.2',
    file: 'dist/array.js',
    note: 'what the PostHog snippet loads; lazy-loaded extensions (recorder, surveys…) not counted',
  },
];

export function measureBytes(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

/**
 * Runs npm with a hard time limit. npm has been seen to hang after extracting a package and to
 * ignore the first SIGTERM, so the limit ends in SIGKILL.
 */
function npm(args, { cwd, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.resume();
    let timedOut = false;
    const term = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5_000).unref();
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(term);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(term);
      if (code === 0 && !timedOut) resolve();
      else reject(new Error(timedOut ? `npm install timed out after ${timeoutMs / 1000} s` : err || `npm exited with ${code}`));
    });
  });
}

/** Installs one peer into its own cache folder (a shared folder would be pruned by the next install). */
async function installPeer(peer, { allowDownload }) {
  const dir = path.join(PEER_CACHE, `${peer.name.replace(/[@/]/g, '_')}-${peer.version}`);
  const file = path.join(dir, 'node_modules', peer.name, peer.file);
  if (existsSync(file)) return { file, cached: true };
  if (!allowDownload) return { error: 'not in the cache (smoke mode downloads nothing)' };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), '{"private": true}\n');
  // --ignore-scripts: nothing of theirs runs here; --no-save: nothing touches the project.
  const args = ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', `${peer.name}@${peer.version}`];
  try {
    try {
      await npm(args, { cwd: dir, timeoutMs: INSTALL_TIMEOUT_MS });
    } catch (err) {
      // A hang is often transient (seen here: one install stalled for minutes, the next took 6 s); one retry.
      if (!/timed out/.test(err.message)) throw err;
      await npm(args, { cwd: dir, timeoutMs: INSTALL_TIMEOUT_MS });
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const reason = String(err.message).split('\n').find((l) => /ERR|error|timed out/i.test(l)) ?? 'npm install failed';
    return { error: `registry unavailable or install failed: ${reason.trim().slice(0, 160)}` };
  }
  if (!existsSync(file)) return { error: `installed, but ${peer.file} is not in the package` };
  return { file, cached: false };
}

export async function runSize({ smoke }) {
  const own = measureBytes(readFileSync(SNIPPET));
  const rows = [{ name: 'Touchline `sdk/dist/s.js`', version: '(this repo)', file: 'sdk/dist/s.js', ...own, note: 'built by `npm run build`' }];
  const unavailable = [];
  for (const peer of PEERS) {
    const got = await installPeer(peer, { allowDownload: !smoke });
    if (got.error) {
      unavailable.push({ ...peer, reason: got.error });
      continue;
    }
    rows.push({ name: `\`${peer.name}\``, version: peer.version, file: peer.file, ...measureBytes(readFileSync(got.file)), note: peer.note, cached: got.cached });
  }

  const lines = [
    '| bundle | version | file | raw B | gzip -9 B | brotli 11 B | gzip vs Touchline |',
    '|---|---|---|--:|--:|--:|--:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.version} | \`${r.file}\` | ${fmtInt(r.raw)} | ${fmtInt(r.gzip)} | ${fmtInt(r.brotli)} | ${fmtRatio(ratio(r.gzip, own.gzip), 1)} |`,
    ),
  ];
  const notes = rows.filter((r) => r.version !== '(this repo)').map((r) => `- ${r.name}: ${r.note}.`);
  for (const u of unavailable) notes.push(`- \`${u.name}@${u.version}\`: **unavailable** — ${u.reason}.`);

  const peerGzip = rows.slice(1).map((r) => ({ name: r.name, x: ratio(r.gzip, own.gzip) }));
  const smallest = peerGzip.sort((a, b) => a.x - b.x)[0];
  return {
    title: 'Snippet size',
    status: 'ok',
    data: { own, peers: rows.slice(1), unavailable },
    headline: [
      `snippet ${fmtInt(own.gzip)} B gzip -9 (${fmtInt(own.brotli)} B brotli, ${fmtInt(own.raw)} B raw)` +
        (smallest ? `; the smallest peer measured, ${smallest.name}, is ${fmtRatio(smallest.x, 1)} that (gzip)` : '; no peer measured'),
    ],
    markdown: [
      'Baseline: Touchline\'s own snippet, so each peer reads as "N× our bytes" (sizes are exact; no noise).',
      'Peers are installed on demand with `npm install --prefix bench/.tmp/peers/<peer> --no-save --ignore-scripts <name>@<version>` (cached there, never project dependencies).',
      'gzip is `zlib` level 9; brotli is quality 11 (max).',
      '',
      ...lines,
      '',
      ...notes,
    ].join('\n'),
  };
}
