// Server-side API bodies (admin, Segment-compatible tracking, offline touches, CRM conversions):
// the validators the Worker uses and the types they infer. Defined once, here.
import { z } from 'zod';
import { currencyCode } from './currencies';
import { EVENT_ID_PATTERN, LIMITS } from './limits';

const text = z.string().max(LIMITS.stringChars);
const url = z.string().max(LIMITS.urlChars);
const name = z.string().regex(/^[a-z_]{1,40}$/, 'must match [a-z_]{1,40}');

/** Site settings (CONTRACT §2). Every field optional on input; defaults live in edge/src/db/sites.ts. */
export const siteSettings = z
  .object({
    window_days: z.number().int().min(1).max(730),
    half_life_days: z.number().positive().max(365),
    session_minutes: z.number().int().min(1).max(24 * 60),
    custom_weights: z.record(name, z.number().min(0).max(1000)),
    block_headless: z.boolean(),
    currency: currencyCode,
  })
  .partial()
  .strict();

function parsesAsUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stored as the browser sends its Origin header (lower-case, no default port, no trailing slash),
 * so that "https://WWW.Acme.com:443/" matches the browser's "https://www.acme.com".
 */
const origin = z
  .string()
  .max(LIMITS.urlChars)
  .regex(/^https?:\/\/[^/\s?#]+\/?$/, 'origin must be scheme://host[:port] with no path')
  .refine(parsesAsUrl, 'origin must be a valid URL')
  .transform((o) => new URL(o).origin);

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

/** ISO-8601 timestamp string or epoch milliseconds. */
export const timestamp = z.union([
  z.string().max(64).refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 timestamp'),
  z.number().int().nonnegative(),
]);

const email = z.string().max(LIMITS.stringChars);
const domain = z
  .string()
  .max(253)
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain such as example.com');
const anonymousId = z.string().min(1).max(LIMITS.stringChars);

/** Traits the Worker reads (the rest pass through); their limits are §8's like any other field. */
const segmentTraits = z
  .object({ email: text.optional(), company: z.union([text, z.object({ name: text.optional() }).passthrough()]).optional() })
  .passthrough();

/** A Segment HTTP tracking API message (identify, track, page; also inside /v1/batch). */
export const segmentMessage = z
  .object({
    type: z.enum(['identify', 'track', 'page', 'screen', 'group', 'alias']).optional(),
    messageId: text.optional(),
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
    id: z.string().regex(EVENT_ID_PATTERN, 'id must be 8-64 characters of [A-Za-z0-9_-]'),
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
    id: z.string().regex(EVENT_ID_PATTERN, 'id must be 8-64 characters of [A-Za-z0-9_-]'),
    stage: name,
    occurred_at: timestamp,
    ...who,
    opportunity_id: text.optional(),
    amount: z.number().min(0).max(1e13).optional(),
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

/** Per-item outcome of every batch write endpoint (CONTRACT §4). */
export interface BatchResult {
  accepted: number;
  duplicates: number;
  rejected: { index: number; code: string; message: string }[];
}
