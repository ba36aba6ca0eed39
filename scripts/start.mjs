// `npm start`: the whole product locally — Worker, local D1, demo site and dashboard — no login, no network.
// If the Worker's runtime dies under wrangler (out of memory after many long job runs), it is restarted.
import path from 'node:path';
import { ROOT, startLocalServer } from './lib/local-server.mjs';
import { watchRuntime } from './lib/runtime-watch.mjs';

const port = Number(process.env.PORT ?? 8787);
const stateDir = path.resolve(ROOT, process.env.STATE_DIR ?? '.wrangler/state');
const CRON = '*/15 * * * *';
/** More deaths than this within RESTART_WINDOW_MS is a crash loop: stop rather than restart forever. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 10 * 60_000;

console.log('Touchline: building the snippet, applying migrations, starting the Worker…');
let server = await startLocalServer({ port, stateDir, quiet: false });
const { url } = server;
let stopping = false;
let restarting = false;
let stopWatching = () => {};
const restarts = [];

/** Exits with wrangler when it stops by itself; watches the runtime under it. */
async function supervise(current) {
  current.child.on('exit', (code) => {
    if (stopping || restarting) return;
    console.error(`Touchline: wrangler dev stopped (code ${code}); exiting.`);
    process.exit(code ?? 1);
  });
  stopWatching = await watchRuntime(current.child.pid, () => restart());
}

async function restart() {
  const now = Date.now();
  restarts.push(now);
  while (restarts[0] < now - RESTART_WINDOW_MS) restarts.shift();
  if (restarts.length > MAX_RESTARTS) {
    console.error(`Touchline: the Worker's runtime (workerd) died ${restarts.length} times in ${RESTART_WINDOW_MS / 60_000} minutes; stopping. See its output above.`);
    stopping = true;
    await server.stop();
    process.exit(1);
  }
  console.error("Touchline: the Worker's runtime (workerd) stopped unexpectedly (see its output above, e.g. out of memory); restarting it…");
  restarting = true;
  await server.stop();
  server = await startLocalServer({ port, stateDir, quiet: false, build: false });
  restarting = false;
  await supervise(server);
  console.error(`Touchline: restarted; the Worker answers again on ${url}.`);
}

await supervise(server);

// wrangler dev does not fire crons by itself: call the scheduled handler on the same cadence.
const fireCron = () => fetch(`${url}/__scheduled?cron=${encodeURIComponent(CRON)}`).catch(() => {});
const cronTimer = setInterval(fireCron, 15 * 60_000);

console.log(`
Touchline is running.
  Demo site      ${url}/
  Dashboard      ${url}/dashboard   (takes a read key: npm run simulate prints a link with one; docs/dashboard.md)
  Snippet        ${url}/s.js
  API            ${url}/v1/…   (secret key sk_demo)
  Public key     pk_demo
  Secret key     sk_demo
  Admin token    dev-admin-token   (from .dev.vars)
  Local D1       ${path.relative(ROOT, stateDir) || stateDir}
  Attribution    every 15 minutes, or: curl -X POST ${url}/v1/attribution/run -H 'Authorization: Bearer sk_demo'
Press Ctrl-C to stop.
`);

async function shutdown() {
  if (stopping) return;
  stopping = true;
  stopWatching();
  clearInterval(cronTimer);
  await server.stop();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
