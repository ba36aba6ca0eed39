// Server-side API bodies (admin, Segment-compatible tracking, offline touches, CRM conversions):
// the validators the Worker uses and the types they infer. Defined once, here.
import { z } from 'zod';
import { currencyCode } from './currencies';
import { LIMITS, LONE_SURROGATE, SERVER_ID_PATTERN } from './limits';
import { ISO_TIMESTAMP_PATTERN } from './time';

const text = z.string().max(LIMITS.stringChars);
const url = z.string().max(LIMITS.urlChars);
const name = z.string().regex(/^[a-z_]{1,40}$/, 'must match [a-z_]{1,40}');

/** Site settings (docs/api.md). Every field optional on input; defaults live in edge/src/db/sites.ts. */
export const siteSettings = z
  .object({
    window_days: z.number().int().min(1).max(730),
    half_life_days: z.number().positive().max(365),
    session_minutes: z.number().int().min(1).max(24 * 60),
    custom_weights: z.record(name, z.number().min(0).max(1000)),
    block_headless: z.boolean(),
    currency: currencyCode,
    lowercase_utms: z.boolean(),
  })
  .partial()
  .strict();

const HOST = /^(?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|\[[0-9a-f:.]+\])$/;
const ORIGIN_RULE = 'an origin is scheme://host[:port] as a browser sends it: http or https, no path, user name or wildcard (list each site)';

/**
 * Stored as the browser sends its Origin header (lower-case, punycode, no default port, no trailing
 * slash), so that "https://WWW.Acme.com:443/" matches the browser's "https://www.acme.com". Checked
 * after normalising: "https://a.com@evil.com" is evil.com with a user name, and "https://*.acme.com"
 * is no host a browser can be on.
 */
const origin = z
  .string()
  .max(LIMITS.urlChars)
  .transform((raw, ctx) => {
    let url: URL | null = null;
    try {
      url = new URL(raw.trim());
    } catch {}
    const bare = url && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash && !/[?#]$/.test(raw.trim());
    if (!url || !bare || !/^https?:$/.test(url.protocol) || !HOST.test(url.hostname)) {
      ctx.addIssue({ code: 'custom', message: ORIGIN_RULE });
      return z.NEVER;
    }
    return url.origin;
  })
  .meta({ description: ORIGIN_RULE, examples: ['https://www.acme.com'] });

export const createSite = z
  .object({
    name: z.string().min(1).max(200),
    origins: z.array(origin).max(50).default([]),
    settings: siteSettings.default({}),
  })
  .strict();

export const patchSite = z
  .object({
    name: z.string().min(1).max(200).optional(),
    origins: z.array(origin).max(50).optional(),
    settings: siteSettings.optional(),
  })
  .strict();

/**
 * ISO 8601 text or epoch milliseconds. Only the shape is checked here; the ingest answers a text
 * that is not a real ISO 8601 instant per item with invalid_timestamp (schemas/time.ts).
 */
export const timestamp = z.union([
  z.string().max(64).meta({ pattern: ISO_TIMESTAMP_PATTERN, description: 'ISO 8601: 2026-01-31, 2026-01-31T12:00:00Z or with an offset; UTC without one' }),
  z.number().int().nonnegative().meta({ description: 'epoch milliseconds' }),
]);

/** A server-side id: text, or a whole number taken as its decimal digits (a CRM's 4711). */
export const serverId = z.union([
  z
    .string()
    .min(1)
    .max(LIMITS.serverIdChars)
    .regex(SERVER_ID_PATTERN, 'id must have no control characters and no white space at either end')
    .refine((s) => !LONE_SURROGATE.test(s), 'id must be valid Unicode'),
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
]).meta({ description: 'a CRM id as it is: 1-128 characters, no control characters, no space at either end (4711, 0065g00000AbCdEAAZ, deal:2026/acme #1)' });

/** Money: a JSON number or a decimal string, at most 10,000,000,000 units; converted to cents exactly. */
const amount = z
  .union([
    z.number().meta({ minimum: 0, maximum: LIMITS.maxAmountCents / 100 }),
    z.string().max(40).meta({ pattern: '^\\d+(?:\\.\\d+)?$' }),
  ])
  .meta({ description: `zero or more, at most ${(LIMITS.maxAmountCents / 100).toLocaleString('en-US')} (400 amount_too_large); cents rounded half up` });

const email = z.string().max(LIMITS.stringChars);
/** Checked after normalising (www. and a trailing dot go), per item: invalid_account_domain. */
const domain = z.string().min(1).max(253).meta({ description: 'a company domain such as acme.com', examples: ['acme.com'] });
const anonymousId = z.string().min(1).max(LIMITS.stringChars);

/** Traits the Worker reads (the rest pass through); their limits are docs/limits.md's like any other field. */
const segmentTraits = z
  .object({ email: text.optional(), company: z.union([text, z.object({ name: text.optional() }).passthrough()]).optional() })
  .passthrough();

/** A Segment HTTP tracking API message (identify, track, page; also inside /v1/batch). */
export const segmentMessage = z
  .object({
    type: z.enum(['identify', 'track', 'page', 'screen', 'group', 'alias']).optional(),
    messageId: serverId.optional(),
    anonymousId: z.union([text, z.number()]).optional(),
    userId: z.union([text, z.number()]).optional(),
    event: text.optional(),
    name: text.optional(),
    traits: segmentTraits.optional(),
    // A page's URL and referrer may come as properties (analytics.js does both): same limits as context.page.
    properties: z.object({ url: url.optional(), referrer: url.optional() }).passthrough().optional(),
    context: z
      .object({
        page: z
          .object({ url: url.optional(), referrer: url.optional(), title: text.optional(), path: url.optional() })
          .passthrough()
          .optional(),
        campaign: z
          .object({
            name: text.optional(),
            source: text.optional(),
            medium: text.optional(),
            term: text.optional(),
            content: text.optional(),
            id: text.optional(),
            campaign: text.optional(),
          })
          .passthrough()
          .optional(),
        traits: segmentTraits.optional(),
        userAgent: z.string().max(LIMITS.urlChars).optional(),
      })
      .passthrough()
      .optional(),
    timestamp: timestamp.optional(),
    originalTimestamp: timestamp.optional(),
    sentAt: timestamp.optional(),
  })
  .passthrough();

export const segmentBatch = z.object({
  batch: z.array(z.unknown()).min(1).max(LIMITS.serverItems),
  sentAt: timestamp.optional(),
  context: z.record(z.string(), z.unknown()).optional(),
}).passthrough();

const who = {
  email: email.optional(),
  anonymous_id: anonymousId.optional(),
  account_domain: domain.optional(),
};
const needsWho = (v: { email?: string; anonymous_id?: string; account_domain?: string }) =>
  Boolean(v.email || v.anonymous_id || v.account_domain);
const whoMessage = { message: 'one of email, anonymous_id or account_domain is required' };

/** POST /v1/touches item: an offline touch (event, webinar, meeting, call, direct mail, …). */
export const offlineTouch = z
  .object({
    id: serverId,
    occurred_at: timestamp,
    touch_type: name,
    ...who,
    channel: text.optional(),
    source: text.optional(),
    medium: text.optional(),
    campaign: text.optional(),
    content: text.optional(),
    term: text.optional(),
    url: url.optional(),
  })
  .strict()
  .refine(needsWho, whoMessage);

/** POST /v1/conversions item: a CRM milestone. The same id updates it. */
export const conversion = z
  .object({
    id: serverId,
    stage: name,
    occurred_at: timestamp,
    ...who,
    opportunity_id: serverId.optional(),
    amount: amount.optional(),
    currency: z.string().regex(/^[A-Za-z]{3}$/, 'currency must be an ISO 4217 code').optional(),
  })
  .strict()
  .refine(needsWho, whoMessage);

export const touchesBody = z.object({ touches: z.array(z.unknown()).min(1).max(LIMITS.serverItems) }).strict();
export const conversionsBody = z
  .object({ conversions: z.array(z.unknown()).min(1).max(LIMITS.serverItems) })
  .strict();

export type SiteSettingsInput = z.infer<typeof siteSettings>;
export type SegmentMessage = z.infer<typeof segmentMessage>;
export type OfflineTouchInput = z.infer<typeof offlineTouch>;
export type ConversionInput = z.infer<typeof conversion>;

/** Per-item outcome of every batch write endpoint (docs/api.md). */
export interface BatchResult {
  accepted: number;
  duplicates: number;
  rejected: { index: number; code: string; message: string }[];
}
