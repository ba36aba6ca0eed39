// The snippet → POST /e wire format: short keys, documented once here. The Worker validates with
// these schemas; the snippet imports only the types (`import type`), so no validator ships to browsers.
import { z } from 'zod';
import { EVENT_ID_PATTERN, LIMITS } from './limits';

const url = z.string().max(LIMITS.urlChars);
const text = z.string().max(LIMITS.stringChars);

/** One event. Keys are one letter to keep the snippet and its requests small. */
export const wireEvent = z.object({
  /** event id, client-made, unique: the Worker dedupes on it (8–64 of [A-Za-z0-9_-]) */
  i: z.string().regex(EVENT_ID_PATTERN, 'event id must be 8-64 characters of [A-Za-z0-9_-]'),
  /** type */
  y: z.enum(['page', 'identify', 'track', 'form']),
  /** created at, client clock, epoch ms */
  c: z.number().int().nonnegative(),
  /** session id (the snippet's, shared across tabs) */
  s: z.string().regex(EVENT_ID_PATTERN, 'session id must be 8-64 characters of [A-Za-z0-9_-]'),
  /** 1 on the first page view of a session: the landing that makes a touch */
  l: z.literal(1).optional(),
  /** page URL (location.href) */
  u: url.optional(),
  /** external referrer, sent with the landing page view */
  r: url.optional(),
  /** page title */
  h: text.optional(),
  /** track: event name */
  n: text.optional(),
  /** track: properties (flat) */
  p: z.record(z.string().max(64), z.union([text, z.number(), z.boolean(), z.null()])).optional(),
  /** identify / form: email as typed (normalised and hashed at the edge, never stored) */
  m: text.optional(),
  /** identify / form: company name or website */
  o: text.optional(),
  /** form: id, name and action of the form element */
  f: z.object({ i: text.optional(), n: text.optional(), a: url.optional() }).optional(),
  /** form: conversion stage from data-tl-conversion */
  g: z.string().regex(/^[a-z_]{1,40}$/, 'stage must match [a-z_]{1,40}').optional(),
});

/** The batch envelope. Events are validated one by one so that one bad event rejects only itself. */
export const wireBatch = z.object({
  /** site public key */
  k: z.string().min(1).max(128),
  /** anonymous visitor id (tl_vid); absent when consent is withheld or GPC is on */
  v: z.string().regex(EVENT_ID_PATTERN, 'visitor id must be 8-64 characters of [A-Za-z0-9_-]').optional(),
  /** sent at, client clock, epoch ms: with c, corrects clock skew (received − (t − c)) */
  t: z.number().int().nonnegative(),
  /** 1 when navigator.webdriver is true: automation, filtered as a bot unless the site allows headless */
  b: z.literal(1).optional(),
  /** events, at most 50 */
  e: z.array(z.unknown()).min(1).max(LIMITS.snippetEvents),
});

export type WireEvent = z.infer<typeof wireEvent>;
export type WireBatch = Omit<z.infer<typeof wireBatch>, 'e'> & { e: WireEvent[] };
