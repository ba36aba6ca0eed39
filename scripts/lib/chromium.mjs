// Makes sure the end-to-end tests have a Chromium before any suite runs: use the one configured,
// install Debian's `chromium` when this machine allows it (root with apt-get), or stop with one line.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

/** Where Debian's package puts the browser, and where the e2e harness looks without CHROMIUM_PATH. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The one line `npm test` ends with when it cannot get a browser. */
export const MISSING_CHROMIUM =
  'Chromium not found: run `apt-get install chromium` (Debian/Ubuntu) or set CHROMIUM_PATH to a Chromium binary, then rerun npm test.';

/**
 * What to do about Chromium, from facts about the machine (pure, so it is unit-tested):
 *   { action: 'none' }                 no suite that needs a browser is selected
 *   { action: 'use', path }            a browser is there
 *   { action: 'install' }              install Debian's package, then use DEFAULT_CHROMIUM
 *   { action: 'stop', message }        stop before any suite with this one line
 *
 * @param {{ needsBrowser: boolean, chromiumPath?: string, chromiumPathExists?: boolean,
 *           defaultExists: boolean, isRoot: boolean, hasAptGet: boolean }} facts
 */
export function chromiumPlan(facts) {
  if (!facts.needsBrowser) return { action: 'none' };
  if (facts.chromiumPath) {
    // An explicit choice is never second-guessed by an install: a wrong path is the user's to fix.
    if (facts.chromiumPathExists) return { action: 'use', path: facts.chromiumPath };
    return { action: 'stop', message: `CHROMIUM_PATH is ${facts.chromiumPath}, which does not exist: point it at a Chromium binary or unset it.` };
  }
  if (facts.defaultExists) return { action: 'use', path: DEFAULT_CHROMIUM };
  if (facts.isRoot && facts.hasAptGet) return { action: 'install' };
  return { action: 'stop', message: MISSING_CHROMIUM };
}

function onPath(command, envPath = process.env.PATH ?? '') {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** The facts chromiumPlan decides on, read from this machine. */
export function machineFacts(needsBrowser, env = process.env) {
  const chromiumPath = env.CHROMIUM_PATH || undefined;
  return {
    needsBrowser,
    chromiumPath,
    chromiumPathExists: chromiumPath ? existsSync(chromiumPath) : undefined,
    defaultExists: existsSync(DEFAULT_CHROMIUM),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasAptGet: onPath('apt-get', env.PATH),
  };
}

/** apt-get update, then install without recommends, non-interactive; true when the browser is then there. */
function installDebianChromium() {
  console.log('Chromium is missing: installing Debian\'s chromium package for the end-to-end tests (apt-get)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const quiet = { env, stdio: ['ignore', 'ignore', 'inherit'] };
  const update = spawnSync('apt-get', ['update', '-qq'], quiet);
  if (update.status !== 0) return false;
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], quiet);
  return install.status === 0 && existsSync(DEFAULT_CHROMIUM);
}

/**
 * Resolves the browser for the selected suites, installing it when it can. Returns null when no
 * browser is needed, the path otherwise; `{ error }` with the one line to print when it cannot.
 */
export function ensureChromium(needsBrowser) {
  const plan = chromiumPlan(machineFacts(needsBrowser));
  if (plan.action === 'none') return null;
  if (plan.action === 'use') return { path: plan.path };
  if (plan.action === 'stop') return { error: plan.message };
  if (installDebianChromium()) return { path: DEFAULT_CHROMIUM };
  return { error: `Installing chromium with apt-get failed. ${MISSING_CHROMIUM}` };
}
