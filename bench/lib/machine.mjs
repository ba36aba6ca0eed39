// Describes the machine a benchmark ran on, so RESULTS.md figures can be read against it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../scripts/lib/local-server.mjs';

function cpuModel() {
  const cpus = os.cpus();
  const name = cpus[0]?.model?.trim();
  return name || 'unknown';
}

/** The commit measured, and whether the code under test (not bench/) differs from it. */
function describeCode() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('log', '-1', '--format=%h %s');
    const dirty = git('status', '--porcelain', '--', 'edge', 'schemas', 'sdk', 'wrangler.toml', 'package.json').split('\n').filter(Boolean);
    return { commit, dirty: dirty.length };
  } catch {
    return { commit: 'unknown (not a git checkout)', dirty: 0 };
  }
}

export function describeMachine() {
  const wrangler = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/wrangler/package.json'), 'utf8')).version;
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    wrangler,
    code: describeCode(),
    // Other work on a shared machine shows here; it is why every figure is a ratio to a same-run baseline.
    loadAverage: os.loadavg(),
  };
}
