// GET /v1/influence: its query-string validator and response shape.
// Routes validate with these; edge/src/query/openapi.ts publishes them through z.toJSONSchema().
import { z } from 'zod';
import { GROUP_BY } from './dimensions';
import { LIMITS } from './limits';
import { formatParam, groupByParam, rangeBound, stageParam } from './query';

const range = { from: rangeBound.optional(), to: rangeBound.optional(), format: formatParam.optional() };

/** GET /v1/influence. Unknown parameters are refused. */
export const influenceParams = z.object({ conversion: stageParam.optional(), group_by: groupByParam.optional(), ...range }).strict();

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
  totals: z.object({ conversions: count, revenue: money }).meta({ description: 'the sourced columns add up to these; the influenced ones exceed them by design' }),
  rows: z.array(influenceRow).max(LIMITS.queryRows),
});

export type InfluenceReport = z.infer<typeof influenceReport>;
