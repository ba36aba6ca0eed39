// GET /v1/influence and GET /v1/funnel: their query-string validators, defaults and response shapes.
// Routes declare these with @hono/zod-openapi, which validates with them and publishes them in /openapi.json.
import { z } from 'zod';
import { definitionsChangedAt } from './governance';
import { GROUP_BY } from './dimensions';
import { LIMITS } from './limits';
import { PARAM, rangeBound, rangeText, UNCREDITED_STAGE, USUAL_STAGES } from './query';
import { queryParams } from './query-params';

/** Stages of the funnel when `stages` is not given: the usual stages, in pipeline order. */
export const FUNNEL_STAGES = USUAL_STAGES;
export const MAX_FUNNEL_STAGES = 10;

const STAGE = /^[a-z_]{1,40}$/;

/** `stages=lead,opportunity,closed_won`: distinct stage names, in funnel order. */
export const stagesParam = z
  .string()
  .max(500)
  .transform((s, ctx) => {
    const names = s.split(',').map((x) => x.trim());
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (!names.length || names.length > MAX_FUNNEL_STAGES || names.some((n) => !STAGE.test(n))) {
      return fail(`stages must be a comma-separated list of 1 to ${MAX_FUNNEL_STAGES} stage names such as ${FUNNEL_STAGES.join(',')}`);
    }
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) return fail(`stages lists ${twice} twice`);
    if (names.includes(UNCREDITED_STAGE)) return fail('closed_lost is not a stage to reach: lost deals are counted in win_rate');
    return names;
  })
  .meta({ description: `comma-separated stages in funnel order; default ${FUNNEL_STAGES.join(',')}`, examples: ['lead,opportunity,closed_won'] });

const range = { from: PARAM.from, to: PARAM.to, format: PARAM.format };

/** GET /v1/influence. */
export const influenceParams = queryParams({ conversion: PARAM.conversion, group_by: PARAM.group_by, ...range });
/** GET /v1/funnel: from/to select the cohort by its first-stage conversion. */
export const funnelParams = queryParams({
  stages: stagesParam.optional().meta({
    description: `comma-separated stages in funnel order (not ${UNCREDITED_STAGE}: lost deals count in win_rate); default ${FUNNEL_STAGES.join(',')}`,
  }),
  group_by: PARAM.group_by,
  from: rangeBound.optional().meta({ description: rangeText("Time of the cohort's first-stage conversion") }),
  to: rangeBound.optional().meta({ description: rangeText("Time of the cohort's first-stage conversion") }),
  format: PARAM.format,
});

const money = z.number().meta({ description: 'currency units with cents, e.g. 1234.56' });
const count = z.number().int();

export const influenceRow = z.object({
  key: z.string(),
  influenced_conversions: count.meta({ description: 'conversions with at least one window touch of this key, each counted once' }),
  influenced_revenue: money.meta({ description: 'their whole amounts' }),
  sourced_conversions: count.meta({ description: 'conversions whose first window touch has this key' }),
  sourced_revenue: money,
});

export const influenceReport = z.object({
  conversion: z.string(),
  group_by: z.enum(GROUP_BY),
  from: z.string(),
  to: z.string(),
  window_days: z.number().int().meta({ description: "the site's window: influence reads stored credit" }),
  currency: z.string().meta({ description: 'the reporting currency of the revenue' }),
  definitions_changed_at: definitionsChangedAt,
  totals: z.object({ conversions: count, revenue: money }).meta({ description: 'the sourced columns add up to these; the influenced ones exceed them by design' }),
  rows: z.array(influenceRow).max(LIMITS.queryRows),
});

const byStage = <T extends z.ZodType>(value: T) => z.record(z.string(), value);
const funnelCells = {
  reached: byStage(count).meta({ description: 'keys that reached each stage (reaching a stage passes every earlier one)' }),
  rate: byStage(z.number().nullable()).meta({ description: 'per later stage of each step: reached ÷ reached at the stage before, 4 decimals; null when that is 0' }),
  median_days: byStage(z.number().nullable()).meta({
    description: 'per later stage of each step: median days between the earliest conversions of the two stages, over keys with both; null when none',
  }),
  win_rate: z.number().nullable().meta({ description: 'keys with closed_won ÷ keys with closed_won or closed_lost, 4 decimals; null when none' }),
};

export const funnelReport = z.object({
  stages: z.array(z.string()),
  group_by: z.enum(GROUP_BY),
  from: z.string(),
  to: z.string(),
  definitions_changed_at: definitionsChangedAt,
  totals: z.object(funnelCells).meta({ description: 'the whole cohort' }),
  rows: z.array(z.object({ key: z.string().meta({ description: "the cohort key's first touch at or before its first-stage conversion" }), ...funnelCells })).max(LIMITS.queryRows),
});

export type InfluenceReport = z.infer<typeof influenceReport>;
export type FunnelReport = z.infer<typeof funnelReport>;
export type FunnelCells = Omit<FunnelReport['rows'][number], 'key'>;
