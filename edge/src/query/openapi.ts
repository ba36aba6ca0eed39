// GET /openapi.json: the OpenAPI 3.1 description of every endpoint of docs/api.md, built from the zod schemas.
import { LIMITS } from '../../../schemas/limits';
import { FUNNEL_STAGES, funnelParams, influenceParams } from '../../../schemas/pipeline';
import { compareParams, creditParams, GROUP_BY, journeyParams, MODELS, modelsParams, qualityParams, QUERY_DEFAULTS, USUAL_STAGES } from '../../../schemas/query';
import { MAX_SPEND_DAYS } from '../../../schemas/spend';
import { componentSchemas, queryParameters } from './openapi-schemas';
import { ON_DEMAND_MAX_CONVERSIONS } from '../attribution/on-demand';

type Json = Record<string, unknown>;
type Security = 'secret' | 'admin' | 'none';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request (see error.code and error.details)',
  401: 'missing or unknown key',
  403: 'key or origin not allowed (a public key on a secret-key route)',
  404: 'not found',
  413: 'body or batch too large',
  415: 'wrong content type',
  429: 'rate limited; retry after Retry-After seconds',
};

interface Operation {
  summary: string;
  description?: string;
  tag: string;
  security: Security;
  parameters?: Json[];
  body?: { schema: Json; type?: string };
  ok: { status: number; description: string; content?: Json; headers?: Json };
  errors: number[];
}

function operation(o: Operation): Json {
  const secret = [{ secretKey: [] }, { secretKeyBasic: [] }];
  // Query routes also take a read key (rk_…).
  const security = { secret: o.tag === 'Query' ? [...secret, { readKey: [] }] : secret, admin: [{ adminToken: [] }], none: [] }[o.security];
  const responses: Json = { [o.ok.status]: { description: o.ok.description, ...(o.ok.content ? { content: o.ok.content } : {}), ...(o.ok.headers ? { headers: o.ok.headers } : {}) } };
  for (const status of o.errors) {
    responses[status] = {
      description: ERROR_TEXT[status],
      content: json(ref('Error')),
      ...(status === 429 ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } } } : {}),
    };
  }
  responses['5XX'] = { description: 'a real fault; the request can be retried', content: json(ref('Error')) };
  return {
    summary: o.summary,
    ...(o.description ? { description: o.description } : {}),
    tags: [o.tag],
    security,
    ...(o.parameters ? { parameters: o.parameters } : {}),
    ...(o.body ? { requestBody: { required: true, content: { [o.body.type ?? 'application/json']: { schema: o.body.schema } } } } : {}),
    responses,
  };
}

const batchOk = { status: 200, description: 'per-item result: accepted + duplicates + rejected = sent', content: json(ref('BatchResult')) };
const SECRET_WRITE = [400, 401, 403, 413, 415];
const QUERY_ERRORS = [400, 401, 403];
const reportOk = (schema: string, what: string) => ({
  status: 200,
  description: `${what} (JSON; CSV with format=csv or Accept: text/csv)`,
  content: { ...json(ref(schema)), 'text/csv': { schema: { type: 'string' } } },
});

const RANGE_TEXT =
  `Conversion time, ISO date (UTC, whole day, inclusive) or ISO timestamp (UTC unless it has an offset). ` +
  `Default: the last ${QUERY_DEFAULTS.rangeDays} days, today included; at most ${LIMITS.queryRangeDays} days.`;
const REPORT_PARAMS: Record<string, string> = {
  model: `one of ${MODELS.join(', ')}; default ${QUERY_DEFAULTS.model}`,
  models: `comma-separated models; default all of them`,
  conversion: `stage to report: this site's stages or ${USUAL_STAGES.join(', ')} (400 otherwise; closed_lost is never credited); default ${QUERY_DEFAULTS.conversion}`,
  group_by: `one of ${GROUP_BY.join(', ')}; default ${QUERY_DEFAULTS.group_by}`,
  from: RANGE_TEXT,
  to: RANGE_TEXT,
  window_days: `attribution window; default the site's. Another value is computed per request (same numbers the job would store with it; at most ${ON_DEMAND_MAX_CONVERSIONS.toLocaleString('en-US')} conversions). Refused for the data-driven models (400 window_fixed_for_model): they are fitted on the site's window`,
  format: 'json (default) or csv',
  stages: `comma-separated stages in funnel order (not closed_lost: lost deals count in win_rate); default ${FUNNEL_STAGES.join(',')}`,
};

function paths(): Json {
  const secretBody = (summary: string, schema: string, description?: string) =>
    ({ post: operation({ summary, description, tag: 'Server-side', security: 'secret', body: { schema: ref(schema) }, ok: batchOk, errors: SECRET_WRITE }) });
  return {
    '/healthz': { get: operation({ summary: 'Liveness', tag: 'Operations', security: 'none', ok: { status: 200, description: 'up', content: json({ type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false }) }, errors: [] }) },
    '/openapi.json': { get: operation({ summary: 'This document', tag: 'Operations', security: 'none', ok: { status: 200, description: 'OpenAPI 3.1', content: json({ type: 'object' }) }, errors: [] }) },
    '/s.js': {
      get: operation({
        summary: 'The browser snippet, served first-party',
        tag: 'Public',
        security: 'none',
        ok: { status: 200, description: 'JavaScript, cached a day and revalidated by ETag (304 when If-None-Match matches)', content: { 'text/javascript': { schema: { type: 'string' } } } },
        errors: [],
      }),
    },
    '/e': {
      post: operation({
        summary: 'Snippet event batch',
        description: `text/plain JSON (no CORS preflight). At most ${LIMITS.snippetEvents} events and ${LIMITS.snippetBodyBytes / 1024} KB. The public key travels in the body (k); CORS only for the site's origins. Bots are answered per item with code "bot".`,
        tag: 'Public',
        security: 'none',
        body: { schema: ref('WireBatch'), type: 'text/plain' },
        ok: {
          ...batchOk,
          headers: {
            'TL-Session-Minutes': { schema: { type: 'integer' }, description: "the site's session_minutes: the snippet keeps sessions by it" },
            'Set-Cookie': { schema: { type: 'string' }, description: 'tl_vid re-set for a year when the batch carries a visitor id (v)' },
          },
        },
        errors: [400, 401, 403, 413, 415, 429],
      }),
      options: operation({ summary: 'CORS preflight', tag: 'Public', security: 'none', ok: { status: 204, description: 'allowed methods and headers' }, errors: [] }),
    },
    '/v1/batch': secretBody('Segment-compatible batch', 'SegmentBatch', 'The Segment HTTP tracking API batch: identify, track and page messages.'),
    '/v1/identify': secretBody('Segment identify', 'SegmentMessage'),
    '/v1/track': secretBody('Segment track', 'SegmentMessage'),
    '/v1/page': secretBody('Segment page', 'SegmentMessage'),
    '/v1/touches': secretBody(
      'Offline touches',
      'TouchesBody',
      "Events, webinars, meetings, calls, direct mail, partner referrals, sales outreach. A touch sent by email is the contact's (at the contact's account); account_domain with an email moves the contact to that account; a free-mail account_domain is rejected per item (free_mail_account).",
    ),
    '/v1/conversions': secretBody(
      'CRM conversions',
      'ConversionsBody',
      "The same id again updates that conversion and its credit; amount, currency and opportunity_id left out of a resend keep their stored values. Identity rules as for /v1/touches (free_mail_account per item).",
    ),
    '/v1/spend': secretBody(
      'Spend',
      'SpendBody',
      `What a campaign or source cost: one day (date) or a range (start_date, end_date; at most ${MAX_SPEND_DAYS} days) spread evenly over its days in whole cents. The same id again replaces it. Without channel it is classified from source/medium/campaign like a touch. Per-item codes: invalid_spend, invalid_id, invalid_date, range_too_long, invalid_amount, amount_too_large, invalid_currency.`,
    ),
    '/v1/exchange-rates': secretBody(
      'Exchange rates',
      'ExchangeRatesBody',
      "From date on, 1 unit of currency = rate units of the site's reporting currency. Conversion amounts and spend in that currency are converted at the latest rate at or before their date; the conversions a new or changed rate converts are re-credited on the next job run. Per-item codes: invalid_exchange_rate, invalid_currency, invalid_date, invalid_rate, reporting_currency.",
    ),
    '/v1/attribution/run': {
      post: operation({
        summary: "Run this site's attribution job now",
        tag: 'Server-side',
        security: 'secret',
        parameters: [
          { name: 'full', in: 'query', required: false, description: 'recompute every conversion', schema: { type: 'string', enum: ['true', 'false', '1', '0'] } },
          {
            name: 'refit',
            in: 'query',
            required: false,
            description: 'fit the data-driven models (markov, shapley) again now, and recompute every conversion with the new fit',
            schema: { type: 'string', enum: ['true', 'false', '1', '0'] },
          },
        ],
        ok: { status: 200, description: 'what the run did', content: json(ref('RunResult')) },
        errors: [400, 401, 403],
      }),
    },
    '/v1/people': {
      delete: operation({
        summary: 'Erase a person',
        description: 'Identity links, contact record and identifying data. Idempotent.',
        tag: 'Server-side',
        security: 'secret',
        parameters: [{ name: 'email', in: 'query', required: true, schema: { type: 'string' } }],
        ok: { status: 200, description: 'what was erased', content: json(ref('Erasure')) },
        errors: [400, 401, 403],
      }),
    },
    '/v1/credit': {
      get: operation({
        summary: 'Channel credit',
        description: 'Credit per key for one model and stage. Rows are sorted by revenue, then conversions (descending), then key; the "(no touch)" row holds conversions without a touch in the window, so rows add up to totals. NULL fields report as "(not set)". CSV text fields starting with = + - @ get a leading apostrophe.',
        tag: 'Query',
        security: 'secret',
        parameters: queryParameters(creditParams, REPORT_PARAMS),
        ok: reportOk('CreditReport', 'credit rows and totals'),
        errors: QUERY_ERRORS,
      }),
    },
    '/v1/credit/compare': {
      get: operation({
        summary: 'Model comparison',
        description: "The same rows with one column per model, sorted by the first model's revenue, conversions, then key.",
        tag: 'Query',
        security: 'secret',
        parameters: queryParameters(compareParams, REPORT_PARAMS),
        ok: reportOk('CompareReport', 'credit per key per model'),
        errors: QUERY_ERRORS,
      }),
    },
    '/v1/influence': {
      get: operation({
        summary: 'Influenced and sourced conversions',
        description:
          'Per key: conversions with at least one window touch of it (each once) and their whole revenue, and conversions whose first window touch has it. Sourced columns add up to totals ("(no touch)" included); influenced ones exceed them by design.',
        tag: 'Query',
        security: 'secret',
        parameters: queryParameters(influenceParams, REPORT_PARAMS),
        ok: reportOk('InfluenceReport', 'influence rows and totals'),
        errors: QUERY_ERRORS,
      }),
    },
    '/v1/funnel': {
      get: operation({
        summary: 'Stage funnel',
        description:
          'The cohort is every key whose first conversion of the first stage falls in from–to, grouped by its first touch at or before it ("(no touch)" when none). A key reaches a later stage with a conversion of it at or after the cohort conversion; reaching a stage passes every earlier one.',
        tag: 'Query',
        security: 'secret',
        parameters: queryParameters(funnelParams, { ...REPORT_PARAMS, from: `Time of the cohort's first-stage conversion. ${RANGE_TEXT}`, to: RANGE_TEXT }),
        ok: reportOk('FunnelReport', 'funnel rows and totals'),
        errors: QUERY_ERRORS,
      }),
    },
    '/v1/accounts/{domain}/journey': {
      get: operation({
        summary: 'Account journey',
        description: `Contacts (hashed ids), touches in time order as the job stitches them, conversions and their stored credit per touch per model. from/to optionally filter touch and conversion time; more than ${LIMITS.queryRows.toLocaleString('en-US')} touches is a 400.`,
        tag: 'Query',
        security: 'secret',
        parameters: [{ name: 'domain', in: 'path', required: true, schema: { type: 'string' } }, ...queryParameters(journeyParams, { ...REPORT_PARAMS, from: 'ISO date or timestamp; optional', to: 'ISO date or timestamp; optional' })],
        ok: reportOk('JourneyReport', 'the journey'),
        errors: [400, 401, 403, 404],
      }),
    },
    '/v1/models': {
      get: operation({
        summary: 'Data-driven models explained',
        description:
          "The latest fit of markov and shapley for one stage (conversion, default closed_won), learned from the site's converting and non-converting journeys: P(conversion) and each channel's removal effect, each channel's Shapley value and the most frequent channel sets. Fitted on the job's first run of each UTC day, after a settings change, and on POST /v1/attribution/run?refit=true. 404 until a fit exists.",
        tag: 'Query',
        security: 'secret',
        parameters: queryParameters(modelsParams, REPORT_PARAMS),
        ok: { status: 200, description: 'the fit, explained', content: json(ref('ModelsReport')) },
        errors: [400, 401, 403, 404],
      }),
    },
    '/v1/quality': {
      get: operation({
        summary: 'Data quality',
        description: 'Counters, touches and conversions over whole UTC days of the range; visitors and contacts as they stand now.',
        tag: 'Query',
        security: 'secret',
        parameters: queryParameters(qualityParams, REPORT_PARAMS),
        ok: reportOk('QualityReport', 'the quality report'),
        errors: QUERY_ERRORS,
      }),
    },
    '/admin/sites': {
      post: operation({ summary: 'Create a site', tag: 'Admin', security: 'admin', body: { schema: ref('CreateSite') }, ok: { status: 201, description: 'the site and its secret key (shown once)', content: json(ref('SiteCreated')) }, errors: [400, 401, 413, 415] }),
    },
    '/admin/sites/{id}': {
      get: operation({ summary: 'Read a site', tag: 'Admin', security: 'admin', parameters: [idParam], ok: { status: 200, description: 'the site', content: json(ref('Site')) }, errors: [401, 404] }),
      patch: operation({ summary: 'Change origins and settings', tag: 'Admin', security: 'admin', parameters: [idParam], body: { schema: ref('PatchSite') }, ok: { status: 200, description: 'the site', content: json(ref('Site')) }, errors: [400, 401, 404, 413, 415] }),
    },
    '/admin/sites/{id}/rotate': {
      post: operation({ summary: 'Issue a new secret key', tag: 'Admin', security: 'admin', parameters: [idParam], ok: { status: 200, description: 'the new secret key (shown once)', content: json(ref('SiteRotated')) }, errors: [401, 404] }),
    },
  };
}

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

let cached: Json | null = null;

export function openApiDocument(): Json {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Touchline API',
      version: '1',
      description:
        'First-party B2B attribution. Every error is {"error": {"code", "message", "details"}}; a known path called with another method answers 405 method_not_allowed.',
    },
    servers: [{ url: '/' }],
    tags: ['Public', 'Server-side', 'Query', 'Governance', 'Admin', 'Operations'].map((name) => ({ name })),
    paths: paths(),
    components: {
      securitySchemes: {
        secretKey: { type: 'http', scheme: 'bearer', description: 'the site secret key, sk_…' },
        secretKeyBasic: { type: 'http', scheme: 'basic', description: 'the secret key as the Basic username (Segment convention)' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
        readKey: { type: 'http', scheme: 'bearer', description: 'a read key, rk_…: query routes only (POST /v1/keys)' },
      },
      schemas: componentSchemas(),
    },
  };
  return cached;
}
