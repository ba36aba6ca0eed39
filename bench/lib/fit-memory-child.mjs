// Runs one site's data-driven fit (edge/src/attribution/fit.ts, bundled) in this Node process against
// a copy of the local D1, for bench/lib/fit-memory.mjs, which starts it under a heap limit with
// --trace-gc and reads the heap from that trace. Usage: node … fit-memory-child.mjs BUNDLE D1_DIR SITE_ID
import { pathToFileURL } from 'node:url';
import { Miniflare } from 'miniflare';

const [bundle, d1Dir, siteId] = process.argv.slice(2);
const { D1Meter, clearTails, findSiteById, fitSite } = await import(pathToFileURL(bundle).href);

// The database id is wrangler.toml's: local D1 files are named after it.
const mf = new Miniflare({
  modules: true,
  script: 'export default { fetch() { return new Response(null, { status: 404 }); } };',
  d1Databases: { DB: '00000000-0000-0000-0000-000000000000' },
  d1Persist: d1Dir,
});
try {
  const db = await mf.getD1Database('DB');
  const site = await findSiteById(db, siteId);
  if (!site) throw new Error(`no site ${siteId} in ${d1Dir}`);
  // No stored journey and no completeness mark: the fit computes every key's journey itself, the
  // most it ever does (after a full scan the credit chunks compute most of them).
  await db.batch([...clearTails(db, siteId), db.prepare('UPDATE attribution_state SET tails_at = NULL WHERE site_id = ?1').bind(siteId)]);
  globalThis.gc?.();
  const before = process.memoryUsage();
  // The trace's lines between these two marks are the fit's.
  console.log('FIT-START');
  // Between GCs (the trace) and while the fit awaits D1: memory outside the V8 heap (answers'
  // buffers) is seen only by sampling.
  let externalPeak = 0;
  const sample = () => {
    const m = process.memoryUsage();
    externalPeak = Math.max(externalPeak, m.external + m.arrayBuffers);
  };
  const sampler = setInterval(sample, 20);
  const started = performance.now();
  const meter = new D1Meter(db);
  const fits = await fitSite(meter, site, Date.now());
  const ms = performance.now() - started;
  clearInterval(sampler);
  sample();
  console.log('FIT-END');
  const result = {
    ms,
    heapBeforeBytes: before.heapUsed,
    externalBeforeBytes: before.external + before.arrayBuffers,
    externalPeakBytes: externalPeak,
    journeys: fits.reduce((n, f) => n + f.converting + f.non_converting, 0),
  };
  console.log(`FIT-RESULT ${JSON.stringify(result)}`);
} finally {
  await mf.dispose();
}
