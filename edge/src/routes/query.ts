// The marketer query API: channel credit, model comparison, influence, the stage funnel, account
// journeys, data-driven fits, data quality.
// Mounted under /v1, behind the secret-key check in app.ts; every read is keyed by the key's own site.
// Each route's query parameters are its schemas/ validator, checked by the router before the handler.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { LIMITS } from '../../../schemas/limits';
import {
  accountDomain,
  compareParams,
  compareReport,
  creditParams,
  creditReport,
  journeyParams,
  journeyReport,
  MODELS,
  modelsParams,
  modelsReport,
  qualityParams,
  qualityReport,
  QUERY_DEFAULTS,
} from '../../../schemas/query';
import { funnelParams, funnelReport, influenceParams, influenceReport } from '../../../schemas/pipeline';
import { DATA_DRIVEN } from '../attribution/models';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { normaliseDomain } from '../identity/email';
import { buildCompareReport, buildCreditReport, type ReportRequest } from '../query/credit-report';
import { compareCsv, creditCsv, funnelCsv, influenceCsv, journeyCsv, qualityCsv } from '../query/csv';
import { buildFunnel } from '../query/funnel';
import { buildInfluence } from '../query/influence';
import { buildJourney } from '../query/journey';
import { wantsCsv } from '../query/params';
import { buildModelsReport } from '../query/models-report';
import { buildQuality } from '../query/quality';
import { parseRange } from '../query/range';
import { methodNotAllowed } from './method-not-allowed';
import { errorResponses, reportResponse, SECURITY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';

export const query = createRouter();

/** What every query route shares: its tag, the secret or a read key, and the errors of a bad parameter or key. */
const queryRoute = <Q extends z.ZodObject, P extends string>(o: {
  path: P;
  summary: string;
  description: string;
  query: Q;
  /** The report's schema and its name among the document's components. */
  report: [name: string, schema: z.ZodType];
  what: string;
  notFound?: boolean;
  params?: z.ZodObject;
  csv?: boolean;
}) =>
  createRoute({
    method: 'get',
    path: o.path,
    tags: [TAG.query],
    summary: o.summary,
    description: o.description,
    security: SECURITY.read,
    request: { query: o.query, ...(o.params ? { params: o.params } : {}) },
    responses: {
      200: reportResponse(o.report[1].openapi(o.report[0]), o.what, o.csv ?? true),
      ...(o.notFound ? errorResponses(400, 401, 403, 404) : errorResponses(400, 401, 403)),
    },
  });

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

const creditRoute = queryRoute({
  path: '/credit',
  summary: 'Channel credit',
  description:
    'Credit per key for one model and stage. Rows are sorted by revenue, then conversions (descending), then key; the "(no touch)" row holds conversions without a touch in the window, so rows add up to totals. NULL fields report as "(not set)". CSV text fields starting with = + - @ get a leading apostrophe.',
  query: creditParams,
  report: ['CreditReport', creditReport],
  what: 'credit rows and totals',
});
query.openapi(creditRoute, async (c) => {
  const p = c.req.valid('query');
  const req = reportRequest(p, [p.model ?? QUERY_DEFAULTS.model]);
  const report = await buildCreditReport(c.env.DB, c.get('site'), req);
  const name = `credit_${report.model}_${report.conversion}_${report.group_by}_${report.from}_${report.to}`;
  return respond(c, wantsCsv(c, p.format), report, creditCsv, name);
});
query.all('/credit', methodNotAllowed);

const compareRoute = queryRoute({
  path: '/credit/compare',
  summary: 'Model comparison',
  description: "The same rows with one column per model, sorted by the first model's revenue, conversions, then key.",
  query: compareParams,
  report: ['CompareReport', compareReport],
  what: 'credit per key per model',
});
query.openapi(compareRoute, async (c) => {
  const p = c.req.valid('query');
  // Without a list, every model, but with window_days only those that take one (not the data-driven ones).
  const req = reportRequest(p, p.models ?? MODELS.filter((m) => p.window_days === undefined || !DATA_DRIVEN.has(m)));
  const report = await buildCompareReport(c.env.DB, c.get('site'), req);
  const name = `credit_compare_${report.conversion}_${report.group_by}_${report.from}_${report.to}`;
  return respond(c, wantsCsv(c, p.format), report, compareCsv, name);
});
query.all('/credit/compare', methodNotAllowed);

const journeyRoute = queryRoute({
  path: '/accounts/{domain}/journey',
  summary: 'Account journey',
  description: `Contacts (hashed ids), touches in time order as the job stitches them, conversions and their stored credit per touch per model. from/to optionally filter touch and conversion time; more than ${LIMITS.queryRows.toLocaleString('en-US')} touches is a 400.`,
  query: journeyParams,
  params: z.object({ domain: z.string().meta({ description: 'the account domain, such as acme.com' }) }),
  report: ['JourneyReport', journeyReport],
  what: 'the journey',
  notFound: true,
});
query.openapi(journeyRoute, async (c) => {
  const p = c.req.valid('query');
  const domain = normaliseDomain(c.req.param('domain'));
  const valid = accountDomain.safeParse(domain);
  if (!valid.success) throw new ApiError(400, 'invalid_domain', `${valid.error.issues[0].message}; free-mail and anonymous groups have no journey`);
  const range = p.from || p.to ? parseRange(p.from, p.to, Date.now()) : null;
  const report = await buildJourney(c.env.DB, c.get('site'), { domain, models: p.models ?? [...MODELS], range });
  return respond(c, wantsCsv(c, p.format), report, journeyCsv, `journey_${domain}`);
});
query.all('/accounts/:domain/journey', methodNotAllowed);

const modelsRoute = queryRoute({
  path: '/models',
  summary: 'Data-driven models explained',
  description:
    "The latest fit of markov and shapley for one stage (conversion, default closed_won), learned from the site's converting and non-converting journeys: P(conversion) and each channel's removal effect, each channel's Shapley value and the most frequent channel sets. Fitted on the job's first run of each UTC day, after a settings change, and on POST /v1/attribution/run?refit=true. Until a stage is fitted the answer is still 200, with fitted_at null and a note saying why.",
  query: modelsParams,
  report: ['ModelsReport', modelsReport],
  what: 'the fit, explained',
  csv: false,
});
query.openapi(modelsRoute, async (c) => {
  const p = c.req.valid('query');
  return c.json(await buildModelsReport(c.env.DB, c.get('site'), p.conversion ?? QUERY_DEFAULTS.conversion), 200);
});
query.all('/models', methodNotAllowed);

const influenceRoute = queryRoute({
  path: '/influence',
  summary: 'Influenced and sourced conversions',
  description:
    'Per key: conversions with at least one window touch of it (each once) and their whole revenue, and conversions whose first window touch has it. Sourced columns add up to totals ("(no touch)" included); influenced ones exceed them by design.',
  query: influenceParams,
  report: ['InfluenceReport', influenceReport],
  what: 'influence rows and totals',
});
query.openapi(influenceRoute, async (c) => {
  const p = c.req.valid('query');
  const report = await buildInfluence(c.env.DB, c.get('site'), {
    stage: p.conversion ?? QUERY_DEFAULTS.conversion,
    dim: p.group_by ?? QUERY_DEFAULTS.group_by,
    range: parseRange(p.from, p.to, Date.now()),
  });
  return respond(c, wantsCsv(c, p.format), report, influenceCsv, `influence_${report.conversion}_${report.group_by}_${report.from}_${report.to}`);
});
query.all('/influence', methodNotAllowed);

const funnelRoute = queryRoute({
  path: '/funnel',
  summary: 'Stage funnel',
  description:
    'The cohort is every key whose first conversion of the first stage falls in from–to, grouped by its first touch at or before it ("(no touch)" when none). A key reaches a later stage with a conversion of it at or after the cohort conversion; reaching a stage passes every earlier one.',
  query: funnelParams,
  report: ['FunnelReport', funnelReport],
  what: 'funnel rows and totals',
});
query.openapi(funnelRoute, async (c) => {
  const p = c.req.valid('query');
  const report = await buildFunnel(c.env.DB, c.get('site'), {
    stages: p.stages,
    dim: p.group_by ?? QUERY_DEFAULTS.group_by,
    range: parseRange(p.from, p.to, Date.now()),
  });
  return respond(c, wantsCsv(c, p.format), report, funnelCsv, `funnel_${report.group_by}_${report.from}_${report.to}`);
});
query.all('/funnel', methodNotAllowed);

const qualityRoute = queryRoute({
  path: '/quality',
  summary: 'Data quality',
  description: 'Counters, touches and conversions over whole UTC days of the range; visitors and contacts as they stand now.',
  query: qualityParams,
  report: ['QualityReport', qualityReport],
  what: 'the quality report',
});
query.openapi(qualityRoute, async (c) => {
  const p = c.req.valid('query');
  const report = await buildQuality(c.env.DB, c.get('site'), parseRange(p.from, p.to, Date.now(), true));
  return respond(c, wantsCsv(c, p.format), report, qualityCsv, `quality_${report.from}_${report.to}`);
});
query.all('/quality', methodNotAllowed);
