// The marketer query API: channel credit, model comparison, influence, the stage funnel, account
// journeys, data-driven fits, data quality.
// Mounted under /v1, behind the secret-key check in app.ts; every read is keyed by the key's own site.
import { Hono, type Context } from 'hono';
import {
  accountDomain,
  compareParams,
  creditParams,
  journeyParams,
  MODELS,
  modelsParams,
  qualityParams,
  QUERY_DEFAULTS,
} from '../../../schemas/query';
import { funnelParams, influenceParams } from '../../../schemas/pipeline';
import { DATA_DRIVEN } from '../attribution/models';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { normaliseDomain } from '../identity/email';
import { buildCompareReport, buildCreditReport, type ReportRequest } from '../query/credit-report';
import { compareCsv, creditCsv, funnelCsv, influenceCsv, journeyCsv, qualityCsv } from '../query/csv';
import { buildFunnel } from '../query/funnel';
import { buildInfluence } from '../query/influence';
import { buildJourney } from '../query/journey';
import { parseQuery, wantsCsv } from '../query/params';
import { buildModelsReport } from '../query/models-report';
import { definitionsChangedAt } from '../query/definitions';
import { buildQuality } from '../query/quality';
import { parseRange } from '../query/range';
import { methodNotAllowed } from './method-not-allowed';

export const query = new Hono<AppEnv>();

/** JSON, or CSV as a download named after what it holds. Vary: the same URL answers both. */
function respond<T>(c: Context<AppEnv>, csv: boolean, body: T, toCsv: (b: T) => string, name: string): Response {
  c.header('Vary', 'Accept');
  c.header('Cache-Control', 'private, no-store');
  if (!csv) return c.json(body);
  c.header('Content-Type', 'text/csv; charset=utf-8');
  c.header('Content-Disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv"`);
  return c.body(toCsv(body));
}

function reportRequest(
  p: { conversion?: string; group_by?: ReportRequest['dim']; from?: string; to?: string; window_days?: number },
  models: ReportRequest['models'],
): ReportRequest {
  return {
    models,
    stage: p.conversion ?? QUERY_DEFAULTS.conversion,
    dim: p.group_by ?? QUERY_DEFAULTS.group_by,
    range: parseRange(p.from, p.to, Date.now()),
    windowDays: p.window_days,
  };
}

query.get('/credit', async (c) => {
  const p = parseQuery(c, creditParams);
  const req = reportRequest(p, [p.model ?? QUERY_DEFAULTS.model]);
  const report = { ...(await buildCreditReport(c.env.DB, c.get('site'), req)), definitions_changed_at: await definitionsChangedAt(c.env.DB, c.get('site').id) };
  const name = `credit_${report.model}_${report.conversion}_${report.group_by}_${report.from}_${report.to}`;
  return respond(c, wantsCsv(c, p.format), report, creditCsv, name);
});
query.all('/credit', methodNotAllowed);

query.get('/credit/compare', async (c) => {
  const p = parseQuery(c, compareParams);
  // Without a list, every model, but with window_days only those that take one (not the data-driven ones).
  const req = reportRequest(p, p.models ?? MODELS.filter((m) => p.window_days === undefined || !DATA_DRIVEN.has(m)));
  const report = { ...(await buildCompareReport(c.env.DB, c.get('site'), req)), definitions_changed_at: await definitionsChangedAt(c.env.DB, c.get('site').id) };
  const name = `credit_compare_${report.conversion}_${report.group_by}_${report.from}_${report.to}`;
  return respond(c, wantsCsv(c, p.format), report, compareCsv, name);
});
query.all('/credit/compare', methodNotAllowed);

query.get('/accounts/:domain/journey', async (c) => {
  const p = parseQuery(c, journeyParams);
  const domain = normaliseDomain(c.req.param('domain'));
  const valid = accountDomain.safeParse(domain);
  if (!valid.success) throw new ApiError(400, 'invalid_domain', `${valid.error.issues[0].message}; free-mail and anonymous groups have no journey`);
  const range = p.from || p.to ? parseRange(p.from, p.to, Date.now()) : null;
  const report = await buildJourney(c.env.DB, c.get('site'), { domain, models: p.models ?? [...MODELS], range });
  return respond(c, wantsCsv(c, p.format), report, journeyCsv, `journey_${domain}`);
});
query.all('/accounts/:domain/journey', methodNotAllowed);

query.get('/models', async (c) => {
  const p = parseQuery(c, modelsParams);
  return c.json(await buildModelsReport(c.env.DB, c.get('site'), p.conversion ?? QUERY_DEFAULTS.conversion));
});
query.all('/models', methodNotAllowed);

query.get('/influence', async (c) => {
  const p = parseQuery(c, influenceParams);
  const report = {
    ...(await buildInfluence(c.env.DB, c.get('site'), {
      stage: p.conversion ?? QUERY_DEFAULTS.conversion,
      dim: p.group_by ?? QUERY_DEFAULTS.group_by,
      range: parseRange(p.from, p.to, Date.now()),
    })),
    definitions_changed_at: await definitionsChangedAt(c.env.DB, c.get('site').id),
  };
  return respond(c, wantsCsv(c, p.format), report, influenceCsv, `influence_${report.conversion}_${report.group_by}_${report.from}_${report.to}`);
});
query.all('/influence', methodNotAllowed);

query.get('/funnel', async (c) => {
  const p = parseQuery(c, funnelParams);
  const report = {
    ...(await buildFunnel(c.env.DB, c.get('site'), {
      stages: p.stages,
      dim: p.group_by ?? QUERY_DEFAULTS.group_by,
      range: parseRange(p.from, p.to, Date.now()),
    })),
    definitions_changed_at: await definitionsChangedAt(c.env.DB, c.get('site').id),
  };
  return respond(c, wantsCsv(c, p.format), report, funnelCsv, `funnel_${report.group_by}_${report.from}_${report.to}`);
});
query.all('/funnel', methodNotAllowed);

query.get('/quality', async (c) => {
  const p = parseQuery(c, qualityParams);
  const report = await buildQuality(c.env.DB, c.get('site'), parseRange(p.from, p.to, Date.now(), true));
  return respond(c, wantsCsv(c, p.format), report, qualityCsv, `quality_${report.from}_${report.to}`);
});
query.all('/quality', methodNotAllowed);
