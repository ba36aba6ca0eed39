// The query API's contract: query-string validators, defaults and response shapes.
// Routes declare these with @hono/zod-openapi, which validates with them and publishes them in /openapi.json.
import { z } from 'zod';
import { definitionsChangedAt } from './governance';
import { GROUP_BY } from './dimensions';
import { LIMITS } from './limits';
import { MODEL_NAMES as MODELS } from './models';
import { queryParams } from './query-params';

export { GROUP_BY, MODELS };
export type { GroupBy } from './dimensions';
import type { ModelName } from './models';
export type { ModelName };

import { UNCREDITED_STAGE, USUAL_STAGES } from './stages';
export { UNCREDITED_STAGE, USUAL_STAGES };

export const QUERY_DEFAULTS = {
  model: 'linear',
  conversion: 'closed_won',
  group_by: 'channel',
  /** Without from/to: the last 90 whole UTC days, today included. */
  rangeDays: 90,
} as const;

const list = (values: readonly string[]) => values.join(', ');
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;

/** An ISO date (a whole UTC day) or an ISO timestamp (UTC unless it carries an offset). */
export const rangeBound = z
  .string()
  .max(40)
  .refine((s) => DATE.test(s) || TIMESTAMP.test(s), 'must be an ISO date (2026-01-31) or timestamp (2026-01-31T12:00:00Z)')
  .meta({ description: 'ISO date (UTC, whole day, inclusive) or ISO timestamp', examples: ['2026-01-31', '2026-01-31T12:00:00Z'] });

export const modelParam = z.enum(MODELS, { error: () => `model must be one of ${list(MODELS)}` });
export const groupByParam = z.enum(GROUP_BY, { error: () => `group_by must be one of ${list(GROUP_BY)}` });
/** Well-formed stage names; whether the site knows the stage is checked against its data. */
export const stageParam = z
  .string()
  .regex(/^[a-z_]{1,40}$/, `conversion must be a stage name such as ${list(USUAL_STAGES)}`);
export const windowParam = z
  .string()
  .regex(/^\d{1,4}$/, 'window_days must be a whole number of days')
  .transform(Number)
  .pipe(z.number().int().min(1, 'window_days must be 1 to 730').max(730, 'window_days must be 1 to 730'));
export const formatParam = z.enum(['json', 'csv'], { error: () => 'format must be json or csv' });
export const modelsParam = z
  .string()
  .max(400)
  .transform((s, ctx) => {
    const names = [...new Set(s.split(',').map((m) => m.trim()).filter(Boolean))];
    const bad = names.filter((m) => !(MODELS as readonly string[]).includes(m));
    if (bad.length || !names.length) {
      ctx.addIssue({ code: 'custom', message: `models must be a comma-separated list of ${list(MODELS)}` });
      return z.NEVER;
    }
    return names as ModelName[];
  })
  .meta({ description: `comma-separated, any of ${list(MODELS)}`, examples: ['first_touch,last_touch,linear'] });

/** from/to of a report: what they filter on, and the default range. */
export const rangeText = (what: string) =>
  `${what}: ISO date (UTC, whole day, inclusive) or ISO timestamp (UTC unless it has an offset). ` +
  `Default: the last ${QUERY_DEFAULTS.rangeDays} days, today included; at most ${LIMITS.queryRangeDays} days.`;
const described = <T extends z.ZodType>(schema: T, description: string) => schema.optional().meta({ description });

export const PARAM = {
  model: described(modelParam, `one of ${list(MODELS)}; default ${QUERY_DEFAULTS.model}`),
  models: described(modelsParam, `comma-separated models, any of ${list(MODELS)}; default all of them`),
  conversion: described(
    stageParam,
    `stage to report: this site's stages or ${list(USUAL_STAGES)} (400 otherwise; ${UNCREDITED_STAGE} is never credited); default ${QUERY_DEFAULTS.conversion}`,
  ),
  group_by: described(groupByParam, `one of ${list(GROUP_BY)}; default ${QUERY_DEFAULTS.group_by}`),
  window_days: described(
    windowParam,
    `attribution window; default the site's. Another value is computed per request (same numbers the job would store with it; ` +
      `at most ${LIMITS.onDemandConversions.toLocaleString('en-US')} conversions). Refused for the data-driven models ` +
      `(400 window_fixed_for_model): they are fitted on the site's window`,
  ),
  from: described(rangeBound, rangeText('Conversion time')),
  to: described(rangeBound, rangeText('Conversion time')),
  format: described(formatParam, 'json (default) or csv'),
};

const rangeParams = { from: PARAM.from, to: PARAM.to, format: PARAM.format };
const reportParams = {
  conversion: PARAM.conversion,
  group_by: PARAM.group_by,
  window_days: PARAM.window_days,
  ...rangeParams,
};

/** GET /v1/credit. */
export const creditParams = queryParams({ model: PARAM.model, ...reportParams });
/** GET /v1/credit/compare; models defaults to every model. */
export const compareParams = queryParams({ models: PARAM.models, ...reportParams });
/** GET /v1/accounts/:domain/journey; from/to (optional) filter touches and conversions by time. */
export const journeyParams = queryParams({
  models: PARAM.models,
  from: described(rangeBound, 'ISO date or timestamp; optional: without it, the whole journey'),
  to: described(rangeBound, 'ISO date or timestamp; optional: without it, the whole journey'),
  format: PARAM.format,
});
/** GET /v1/models: the latest data-driven fit of one stage. */
export const modelsParams = queryParams({ conversion: PARAM.conversion });
/** GET /v1/quality; from/to are taken as whole UTC days (site counters are daily). */
export const qualityParams = queryParams(rangeParams);

export const accountDomain = z
  .string()
  .max(253)
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be an account domain such as example.com');

// ---- Responses ----

const money = z.number().meta({ description: 'currency units with cents, e.g. 1234.56' });
const conversions = z.number().meta({ description: 'Σ credit weights: fractional conversions, 4 decimals' });
const pct = z.number().nullable().meta({ description: 'percent, 0–100, 2 decimals; null when there is nothing to divide by' });
const reportHeader = {
  conversion: z.string(),
  group_by: z.enum(GROUP_BY),
  from: z.string().meta({ description: 'effective start: the date given (or defaulted), else the ISO timestamp' }),
  to: z.string(),
  window_days: z.number().int().meta({ description: 'the window used; the site setting unless window_days was given' }),
};
/**
 * Spend and return, only when grouped by channel, source, medium or campaign: spend dated in the
 * range on the key, and ratios of the sums (never averages), null when the divisor is 0.
 */
const spend = money.optional().meta({ description: 'spend dated in from–to on this key, in the reporting currency (channel, source, medium, campaign only)' });
const ratios = {
  roas: z.number().nullable().optional().meta({ description: 'revenue ÷ spend, 4 decimals; null when spend is 0' }),
  cost_per_conversion: money.nullable().optional().meta({ description: 'spend ÷ conversions; null when conversions are 0' }),
};
const currency = z.string().meta({ description: "the site's reporting currency (ISO 4217): revenue and spend are in it" });

export const creditCell = z.object({ conversions, revenue: money, touches: z.number().int(), ...ratios });
export const creditTotals = z.object({ conversions, revenue: money, spend, ...ratios });

export const creditReport = z.object({
  model: z.enum(MODELS),
  ...reportHeader,
  currency,
  definitions_changed_at: definitionsChangedAt,
  totals: creditTotals,
  rows: z.array(z.object({ key: z.string(), conversions, revenue: money, touches: z.number().int(), spend, ...ratios })).max(LIMITS.queryRows),
});

export const compareReport = z.object({
  models: z.array(z.enum(MODELS)),
  ...reportHeader,
  currency,
  definitions_changed_at: definitionsChangedAt,
  totals: z.record(z.string(), creditTotals),
  rows: z.array(z.object({ key: z.string(), spend, models: z.record(z.string(), creditCell) })).max(LIMITS.queryRows),
});

const iso = z.string().meta({ description: 'ISO timestamp (UTC)' });
export const journeyReport = z.object({
  domain: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  models: z.array(z.enum(MODELS)),
  contacts: z.array(z.object({ contact_id: z.string().meta({ description: 'HMAC-SHA-256 of the email; never the email' }), first_seen: iso })),
  touches: z.array(
    z.object({
      touch_id: z.string(),
      occurred_at: iso,
      touch_type: z.string(),
      channel: z.string(),
      source: z.string().nullable(),
      medium: z.string().nullable(),
      campaign: z.string().nullable(),
      content: z.string().nullable(),
      term: z.string().nullable(),
      origin: z.string(),
      contact_id: z.string().nullable(),
      via: z.enum(['account', 'contact', 'visitor']).meta({ description: 'how the touch reaches the account (stitching rule)' }),
    }),
  ),
  conversions: z.array(
    z.object({
      conversion_id: z.string(),
      stage: z.string(),
      occurred_at: iso,
      amount: money.nullable(),
      currency: z.string().nullable(),
      opportunity_id: z.string().nullable(),
      credited: z.boolean().meta({ description: 'false for closed_lost and for conversions the job has not reached yet' }),
      credit: z.record(
        z.string(),
        z.array(z.object({ touch_id: z.string().nullable().meta({ description: 'null: no touch in the window' }), weight: z.number(), revenue: money })),
      ),
    }),
  ),
});

export const qualityReport = z.object({
  from: z.string(),
  to: z.string(),
  ingest: z.object({
    events: z.number().int(),
    offline_touches: z.number().int(),
    conversions: z.number().int(),
    duplicates: z.number().int(),
    bots_dropped: z.number().int(),
    rejected: z.number().int(),
  }),
  identity: z.object({
    visitors: z.number().int(),
    identified_visitors: z.number().int(),
    identified_visitors_pct: pct,
    contacts: z.number().int(),
    free_mail_contacts: z.number().int(),
    free_mail_contacts_pct: pct,
  }),
  touches: z.object({
    total: z.number().int(),
    direct: z.number().int(),
    unassigned: z.number().int(),
    direct_pct: pct,
    unassigned_pct: pct,
    unassigned_or_direct_pct: pct,
  }),
  conversions: z.object({ credited: z.number().int(), without_touch: z.number().int(), without_touch_pct: pct }),
  currency: z.object({
    reporting: currency,
    unconverted_amounts: z.number().int().meta({ description: 'unconverted_conversions + unconverted_spend: amounts held out of revenue and spend for want of a rate' }),
    unconverted_conversions: z.number().int().meta({ description: 'conversions in the range with an amount in another currency and no rate at or before their date' }),
    unconverted_spend: z.number().int().meta({ description: 'spend items with a day in the range in another currency and no rate at or before it' }),
    currencies_without_rate: z.array(z.string()).meta({ description: 'the currencies of those amounts: send rates for them' }),
  }),
});

const fittedModels = z.object({
  conversion: z.string(),
  fitted_at: iso,
  window_days: z.number().int().meta({ description: "the site's window the journeys were built with" }),
  journeys: z.object({ converting: z.number().int(), non_converting: z.number().int() }),
  low_data: z.boolean().meta({ description: 'true under 30 converting journeys: the fit says little yet' }),
  markov: z.object({
    p_conversion: z.number().meta({ description: 'probability that a journey from its start ends in a conversion' }),
    channels: z.array(
      z.object({
        channel: z.string(),
        removal_effect: z.number().meta({ description: 'share of conversions lost if the channel were removed: 1 − P without it ÷ P' }),
        share: z.number().meta({ description: 'removal effect ÷ Σ removal effects' }),
      }),
    ),
  }),
  shapley: z.object({
    channels: z.array(z.object({ channel: z.string(), value: z.number().meta({ description: "Σ over converting journeys of the channel's share" }) })),
    sets: z.array(
      z.object({ channels: z.array(z.string()), journeys: z.number().int(), conversions: z.number().int(), rate: z.number() }),
    ).meta({ description: 'the 50 most frequent sets of channels a journey had, and how often they converted' }),
  }),
});

/** A valid stage the job has not fitted yet: an ordinary state of a young site, so a 200 that says so. */
const unfittedModels = z.object({
  conversion: z.string(),
  fitted_at: z.null().meta({ description: 'null: the stage has no fit yet' }),
  note: z.string().meta({ description: 'why there is no fit, and when the job makes one' }),
});

export const modelsReport = z.union([fittedModels, unfittedModels]).meta({
  description: 'the latest fit of the stage, or (fitted_at null) a note that the job has not fitted it yet',
});

export type CreditReport = z.infer<typeof creditReport>;
export type ModelsReport = z.infer<typeof modelsReport>;
export type CompareReport = z.infer<typeof compareReport>;
export type JourneyReport = z.infer<typeof journeyReport>;
export type QualityReport = z.infer<typeof qualityReport>;
