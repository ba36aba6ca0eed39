// Memory of the data-driven fit: runs a site's fit (the Worker's own code, bundled) in a Node process
// whose V8 heap is capped at a Worker's 128 MB, against a copy of the local D1, and reads the heap
// from V8's GC trace.
//
// Why not in workerd itself: wrangler dev's isolate has no memory limit, and its inspector answers
// heap questions only between tasks, never during the fit's long synchronous parts. V8's GC trace
// reports the heap at every collection, synchronous parts included. Node's V8 stores full 64-bit
// pointers where a Worker's compresses them to 32 bits, so the same objects take more room here:
// figures are an upper bound on what the fit takes in a Worker. The Node process also holds
// Miniflare's own client (the D1 binding's proxy), counted against the cap too.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../../scripts/lib/local-server.mjs';

export const WORKER_HEAP_MB = 128;
const CHILD = path.join(ROOT, 'bench/lib/fit-memory-child.mjs');
const MAX_FIT_MS = 10 * 60_000;

/** The fit and what the child needs around it, from the Worker's sources, for Node. */
async function bundleFit(outDir) {
  const outfile = path.join(outDir, 'fit.mjs');
  await build({
    stdin: {
      contents: [
        "export { fitSite } from './edge/src/attribution/fit';",
        "export { D1Meter } from './edge/src/db/meter';",
        "export { findSiteById } from './edge/src/db/sites';",
        "export { clearTails } from './edge/src/db/tails';",
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/**
 * One V8 GC trace line: "[pid:0x…]  1234 ms: Mark-Compact 80.1 (95.3) -> 60.2 (90.1) MB, …": the
 * isolate, then heap used (committed) before → after, in MB.
 */
const GC_LINE = /^\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: ([A-Za-z -]+?)(?: \([a-z ]+\))? ([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/;

/**
 * The main isolate's heap over the fit: the trace lines between FIT-START and FIT-END whose isolate
 * is the one that ran the explicit collection just before FIT-START (Miniflare's client runs a
 * worker thread of its own, with its own isolate and its own lines).
 */
export function parseGcTrace(lines) {
  const start = lines.indexOf('FIT-START');
  const end = lines.indexOf('FIT-END', start);
  if (start < 0) return null;
  let isolate = null;
  for (let i = start - 1; i >= 0 && !isolate; i--) if (/GC in old space requested/.test(lines[i]) && /testing/.test(lines[i])) isolate = GC_LINE.exec(lines[i])?.[1] ?? null;
  let peakUsedMb = 0;
  let peakLiveMb = 0;
  let collections = 0;
  let major = 0;
  for (const line of lines.slice(start + 1, end < 0 ? undefined : end)) {
    const m = GC_LINE.exec(line);
    if (!m || m[1] !== isolate) continue;
    collections++;
    const [, , kind, before, , after] = m;
    peakUsedMb = Math.max(peakUsedMb, Number(before), Number(after));
    // What a full collection leaves is what is held at that moment: the live set.
    if (/Mark-Compact/.test(kind)) {
      major++;
      peakLiveMb = Math.max(peakLiveMb, Number(after));
    }
  }
  return { isolate, peakUsedMb, peakLiveMb, collections, major };
}

/**
 * Copies the local D1 (the server must be idle: no request in flight) and runs the fit of `siteId`
 * on the copy under a `limitMb` heap. Resolves with whether it completed and the heap it used.
 */
export async function measureFitMemory(stateDir, siteId, { limitMb = WORKER_HEAP_MB } = {}) {
  const work = mkdtempSync(path.join(tmpdir(), 'touchline-fit-memory-'));
  try {
    const bundle = await bundleFit(work);
    const d1 = path.join(work, 'd1');
    cpSync(path.join(stateDir, 'v3/d1'), d1, { recursive: true });
    const { code, stdout, stderr } = await runChild(['--max-heap-size=' + limitMb, '--trace-gc', '--expose-gc', CHILD, bundle, d1, siteId]);
    const lines = stdout.split('\n');
    const trace = parseGcTrace(lines);
    const resultLine = lines.find((l) => l.startsWith('FIT-RESULT '));
    const outOfMemory = /heap out of memory|Reached heap limit/i.test(stderr + stdout);
    if (code !== 0 || !resultLine) {
      return { completed: false, outOfMemory, limitMb, ...trace, error: outOfMemory ? `out of memory under a ${limitMb} MB heap` : (stderr.trim().split('\n').slice(-5).join(' ') || `exit ${code}`) };
    }
    return { completed: true, limitMb, ...trace, ...JSON.parse(resultLine.slice('FIT-RESULT '.length)) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function runChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), MAX_FIT_MS);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 1 : 0), stdout, stderr });
    });
  });
}
