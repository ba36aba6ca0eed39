// `npm start`: the whole product locally — Worker, local D1, demo site and dashboard — no login, no network.
import path from 'node:path';
import { ROOT, startLocalServer } from './lib/local-server.mjs';

const port = Number(process.env.PORT ?? 8787);
const stateDir = path.resolve(ROOT, process.env.STATE_DIR ?? '.wrangler/state');
const CRON = '*/15 * * * *';

console.log('Touchline: building the snippet, applying migrations, starting the Worker…');
const server = await startLocalServer({ port, stateDir, quiet: false });
const { url } = server;

// wrangler dev does not fire crons by itself: call the scheduled handler on the same cadence.
const fireCron = () => fetch(`${url}/__scheduled?cron=${encodeURIComponent(CRON)}`).catch(() => {});
const cronTimer = setInterval(fireCron, 15 * 60_000);

console.log(`
Touchline is running.
  Demo site      ${url}/
  Dashboard      ${url}/dashboard
  Snippet        ${url}/s.js
  API            ${url}/v1/…   (secret key sk_demo)
  Public key     pk_demo
  Secret key     sk_demo
  Admin token    dev-admin-token   (from .dev.vars)
  Local D1       ${path.relative(ROOT, stateDir) || stateDir}
  Attribution    every 15 minutes, or: curl -X POST ${url}/v1/attribution/run -H 'Authorization: Bearer sk_demo'
Press Ctrl-C to stop.
`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  clearInterval(cronTimer);
  await server.stop();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
server.child.on('exit', (code) => {
  if (!stopping) {
    console.error(`wrangler dev stopped (code ${code})`);
    process.exit(code ?? 1);
  }
});
