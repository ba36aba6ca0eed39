// Governance bodies and answers (docs/governance.md): channel rules, read keys, the change log and
// the campaign hygiene report. The Worker validates with these and documents its routes from them.
import { z } from 'zod';
import { LIMITS } from './limits';
import { queryParams } from './query-params';

/** At most this many channel rules per site: every touch is tried against each of them at ingest. */
export const MAX_CHANNEL_RULES = 100;
/** Values one condition may list. */
export const MAX_RULE_VALUES = 50;

/** What a rule can test: the stored raw fields of a touch (spend rows have only the first three). */
export const RULE_FIELDS = ['source', 'medium', 'campaign', 'referrer_host', 'landing_path', 'touch_type'] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

const pattern = z
  .string()
  .trim()
  .min(1, 'a value must not be empty')
  .max(LIMITS.stringChars)
  .regex(NO_CONTROL, 'no control characters')
  .meta({ description: 'matched whole and case-insensitively; * stands for any run of characters (none included); nothing else is special' });

const condition = z.array(pattern).min(1, 'list at least one value').max(MAX_RULE_VALUES);

export const channelRule = z
  .object({
    channel: z.string().trim().min(1, 'name the channel').max(100).regex(NO_CONTROL, 'no control characters'),
    when: z
      .object(Object.fromEntries(RULE_FIELDS.map((f) => [f, condition.optional()])) as Record<RuleField, z.ZodOptional<typeof condition>>)
      .strict()
      .refine((w) => RULE_FIELDS.some((f) => w[f] !== undefined), 'a rule needs at least one condition (use ["*"] to match any value)'),
  })
  .strict();
export type ChannelRule = z.infer<typeof channelRule>;

export const channelRulesBody = z
  .object({ rules: z.array(channelRule).max(MAX_CHANNEL_RULES, `at most ${MAX_CHANNEL_RULES} rules`) })
  .strict();

export const reclassification = z.object({
  done: z.boolean().meta({ description: 'true once every stored touch and spend row is classified by this version; else the next job run continues' }),
  touches_changed: z.number().int().optional().meta({ description: 'PUT only: touches whose channel this request changed' }),
  spend_changed: z.number().int().optional().meta({ description: 'PUT only: spend rows whose channel this request changed' }),
});

export const channelRulesAnswer = z.object({
  version: z.number().int().meta({ description: '0 before the first PUT; +1 on every change' }),
  updated_at: z.string().nullable(),
  rules: z.array(channelRule),
  reclassification: reclassification,
});

/**
 * Preview: for each rule (in order), how many stored touches it would catch as the first matching
 * rule, and how many of those would change channel. Touches sent with their own channel are left out.
 */
export const previewAnswer = z.object({
  touches_scanned: z.number().int(),
  rules: z.array(z.object({ channel: z.string(), touches: z.number().int(), changed: z.number().int() })),
  unmatched: z.number().int(),
  complete: z.boolean().meta({ description: 'false when the site has more touches than a preview reads: the counts are then of a sample (in touch id order, which is effectively random)' }),
});

/**
 * On credit, compare, influence and funnel answers: the latest change of definitions that moves credit
 * (window, half-life, custom weights, currency, channel rules), ISO; null when there has been none.
 * Optional in the type only so that report builders need not know it; the routes always set it.
 */
export const definitionsChangedAt = z
  .string()
  .nullable()
  .optional()
  .meta({ description: 'ISO time of the latest change of definitions that moves credit (GET /v1/changes); null: none since the site was made' });

export const newReadKey = z
  .object({
    name: z.string().trim().min(1, 'name the key').max(100).regex(NO_CONTROL, 'no control characters'),
    scope: z.literal('read', { error: 'scope must be "read": only read keys can be made' }),
  })
  .strict();

export const readKeyCreated = z.object({ id: z.string(), name: z.string(), key: z.string().meta({ description: 'shown this once' }) });
export const readKeyListed = z.object({ id: z.string(), name: z.string(), prefix: z.string(), created_at: z.string() });
export const readKeyList = z.object({ keys: z.array(readKeyListed) });

/** What a change log entry is about. */
export const CHANGE_KINDS = ['settings', 'custom_weights', 'channel_rules', 'origins', 'keys'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
export type ChangeActor = 'admin' | 'api';

export const changeEntry = z.object({
  at: z.string(),
  what: z.enum(CHANGE_KINDS),
  before: z.unknown(),
  after: z.unknown(),
  by: z.enum(['admin', 'api']),
});
export const changesAnswer = z.array(changeEntry);

/** A whole number from 1 to max in a query string. */
const limitParam = (max: number, description: string) =>
  z.coerce
    .number({ error: () => `limit must be a whole number from 1 to ${max}` })
    .int(`limit must be a whole number from 1 to ${max}`)
    .min(1, `limit must be a whole number from 1 to ${max}`)
    .max(max, `limit must be a whole number from 1 to ${max}`)
    .optional()
    .meta({ description });

/** GET /v1/changes. */
export const changesParams = queryParams({
  what: z
    .enum(CHANGE_KINDS, { error: () => `what must be one of ${CHANGE_KINDS.join(', ')}` })
    .optional()
    .meta({ description: 'only changes of this kind' }),
  limit: limitParam(1000, 'at most this many entries, newest first'),
});

/** GET /v1/quality/campaigns. */
export const campaignQualityParams = queryParams({
  limit: limitParam(100, 'at most this many Unassigned source/medium pairs'),
});

export const campaignQualityAnswer = z.object({
  groups: z.array(
    z.object({
      field: z.enum(['source', 'medium', 'campaign']),
      normalized: z.string(),
      variants: z.array(z.object({ value: z.string(), touches: z.number().int() })),
    }),
  ),
  unassigned: z.array(z.object({ source: z.string().nullable(), medium: z.string().nullable(), touches: z.number().int() })),
});

/**
 * The spelling a hygiene group is keyed by: trimmed, lower-cased, and `-`, `_`, `+`, `%20` and
 * spaces all written as `_`, so "Spring Sale", "spring-sale" and "spring%20sale" fall together.
 */
export function normalizeCampaignValue(value: string): string {
  return value.trim().toLowerCase().replace(/%20|[-_+ ]/g, '_');
}
