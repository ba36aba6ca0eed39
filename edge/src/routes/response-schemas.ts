// What the write, admin and job routes answer with, for /openapi.json: each checked at compile time
// against the type the code returns, so the document cannot promise another shape. Report shapes
// are contract, in schemas/query.ts and schemas/pipeline.ts.
import { z } from '@hono/zod-openapi';
import type { BatchResult } from '../../../schemas/api';
import type { RunResult } from '../attribution/job';
import type { ErasureCounts } from '../db/people';
import type { SiteSettings } from '../db/sites';

/** Compile-time proof that a response schema and the TypeScript type the route returns agree. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The one error envelope of edge/src/errors.ts. */
export const errorEnvelope = z
  .object({
    error: z.object({
      code: z.string().regex(/^[a-z_]+$/).meta({ description: 'snake_case, stable: branch on this', examples: ['invalid_model'] }),
      message: z.string().meta({ description: 'for people; may change', examples: ['model must be one of first_touch, last_touch, …'] }),
      details: z.array(z.object({ index: z.number().int().optional(), path: z.string().optional(), message: z.string() })),
    }),
  })
  .openapi('Error');

export const batchResult = z
  .object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.array(z.object({ index: z.number().int(), code: z.string(), message: z.string() })),
  })
  .openapi('BatchResult');
const batchResultMatches: Same<z.infer<typeof batchResult>, BatchResult> = true;

const settings = z.object({
  window_days: z.number().int(),
  half_life_days: z.number(),
  session_minutes: z.number().int(),
  custom_weights: z.record(z.string(), z.number()),
  block_headless: z.boolean(),
  currency: z.string().meta({ description: 'ISO 4217 reporting currency' }),
  lowercase_utms: z.boolean().meta({ description: 'lower-case UTM values at ingest (never click ids)' }),
});
const settingsMatch: Same<z.infer<typeof settings>, SiteSettings> = true;
const siteFields = { id: z.string(), name: z.string(), public_key: z.string(), origins: z.array(z.string()), settings };
export const site = z.object(siteFields).openapi('Site');
export const siteCreated = z
  .object({ ...siteFields, secret_key: z.string().meta({ description: 'shown once; only its hash is stored' }) })
  .openapi('SiteCreated');
export const siteRotated = z.object({ id: z.string(), secret_key: z.string() }).openapi('SiteRotated');

export const runResult = z
  .object({
    site_id: z.string(),
    full: z.boolean(),
    refitted: z.boolean().meta({ description: 'true when this run fitted the data-driven models (markov, shapley) again' }),
    done: z.boolean().meta({ description: 'false: the time budget ran out; call again to continue' }),
    accounts_recomputed: z.number().int().meta({ description: 'attribution keys (accounts, personal contacts, lone visitors) finished' }),
    conversions_credited: z.number().int(),
    conversions_without_touch: z.number().int(),
    credit_rows_written: z.number().int().meta({ description: 'conversions whose stored credit was written or removed; unchanged credit is not rewritten' }),
    rollup_days_rebuilt: z.number().int().meta({ description: 'days of the report rollup rebuilt from changed credit' }),
    chunks: z.number().int(),
    pending: z.number().int().meta({ description: 'attribution keys still queued' }),
    rollup_days_pending: z.number().int().meta({ description: 'days still waiting for their rollup' }),
    funnel_months_rebuilt: z.number().int().meta({ description: "funnel summary months (first stage × month) rebuilt from changed keys' records" }),
    funnel_months_pending: z.number().int().meta({ description: 'funnel summary months still waiting for a rebuild' }),
    rows_written: z.number().int().meta({ description: 'D1 rows written by this call, index entries included' }),
    rows_read: z.number().int().meta({ description: 'D1 rows read by this call' }),
    duration_ms: z.number(),
    phases_ms: z
      .object({ fit: z.number(), scan: z.number(), credit: z.number(), rollup: z.number() })
      .meta({ description: 'where the time went: fitting the data-driven models, the change scan, crediting queued keys, rebuilding the report rollup and the funnel months' }),
  })
  .openapi('RunResult');
const runResultMatches: Same<z.infer<typeof runResult>, RunResult> = true;

export const erasure = z
  .object({
    erased: z.boolean(),
    contacts: z.number().int(),
    visitors: z.number().int(),
    identity_links: z.number().int(),
    events: z.number().int(),
    touches_anonymised: z.number().int(),
    touches_deleted: z.number().int(),
    conversions_detached: z.number().int(),
    keys_queued: z.number().int(),
  })
  .openapi('Erasure');
const erasureMatches: Same<Omit<z.infer<typeof erasure>, 'erased'>, ErasureCounts> = true;
export const TYPES_AGREE = [batchResultMatches, settingsMatch, runResultMatches, erasureMatches];
