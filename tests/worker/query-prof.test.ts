import { createExecutionContext, env } from 'cloudflare:test';
import { expect, it } from 'vitest';
import { app } from '../../edge/src/app';
import { runAttribution, Budget } from '../../edge/src/attribution/job';
import { findSiteById } from '../../edge/src/db/sites';
// @ts-ignore
import { crmDataset } from '../../bench/lib/crm-data.mjs';
import { createSite } from './helpers';

it('profiles the job', async () => {
  const site = await createSite('prof');
  const N = 100_000;
  const data = crmDataset({ touches: N, seed: 42 + N, now: Date.now(), tag: 'p' });
  const post = async (path: string, field: string, part: unknown[]) => {
    const res = await app.fetch(new Request(`http://x.test${path}`, { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}`, 'content-type': 'application/json' }, body: JSON.stringify({ [field]: part }) }), env, createExecutionContext());
    expect(res.status).toBe(200);
  };
  for (const part of data.touchChunks(0, N)) await post('/v1/touches', 'touches', part);
  for (const part of data.conversionChunks(0, data.conversions)) await post('/v1/conversions', 'conversions', part);
  const s = (await findSiteById(env.DB, site.id))!;
  const db = env.DB;
  const stats: Record<string, { ms: number; n: number; read: number; written: number }> = {};
  const orig = db.batch.bind(db);
  (db as any).batch = async (stmts: D1PreparedStatement[]) => {
    const res = await orig(stmts);
    res.forEach((r: any, i: number) => {
      const sql: string = ((stmts[i] as any).statement ?? (stmts[i] as any).sql ?? '?').replace(/\s+/g, ' ');
      const k = sql.slice(0, 70);
      const e = (stats[k] ??= { ms: 0, n: 0, read: 0, written: 0 });
      e.ms += r.meta.duration; e.n++; e.read += r.meta.rows_read; e.written += r.meta.rows_written;
    });
    return res;
  };
  let t = performance.now();
  const out = await runAttribution(db, s, { budget: new Budget(600_000, 100_000), scanOverlapMs: 0 });
  console.log('job', performance.now() - t, JSON.stringify(out));
  for (const [k, v] of Object.entries(stats).sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) console.log(v.ms.toFixed(0).padStart(7), 'ms', String(v.n).padStart(5), 'x read', v.read, 'written', v.written, k);
  for (const k of Object.keys(stats)) delete stats[k];
  for (const part of data.touchChunks(1, N / 100)) await post('/v1/touches', 'touches', part);
  for (const part of data.conversionChunks(1, data.conversions / 100)) await post('/v1/conversions', 'conversions', part);
  t = performance.now();
  const inc = await runAttribution(db, s, { budget: new Budget(600_000, 100_000), scanOverlapMs: 0 });
  console.log('incremental', performance.now() - t, JSON.stringify(inc));
  for (const [k, v] of Object.entries(stats).sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) console.log(v.ms.toFixed(0).padStart(7), 'ms', String(v.n).padStart(5), 'x read', v.read, 'written', v.written, k);
  (db as any).batch = orig;
  const rows = await db.prepare('SELECT (SELECT COUNT(*) FROM credit WHERE site_id = ?1) c, (SELECT COUNT(*) FROM credit_daily WHERE site_id = ?1) d').bind(site.id).first();
  console.log(rows);
}, 900_000);
