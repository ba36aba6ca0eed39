// The OpenAPI document's components: every request and response schema, derived from zod with
// z.toJSONSchema() so the document cannot drift from the validators the Worker runs.
import { z } from 'zod';
import {
  conversion,
  conversionsBody,
  createSite,
  offlineTouch,
  patchSite,
  segmentBatch,
  segmentMessage,
  touchesBody,
  type BatchResult,
} from '../../../schemas/api';
import { funnelReport, influenceReport } from '../../../schemas/pipeline';
import { compareReport, creditReport, journeyReport, modelsReport, qualityReport } from '../../../schemas/query';
import { exchangeRate, ratesBody, spendBody, spendItem } from '../../../schemas/spend';
import { wireBatch, wireEvent } from '../../../schemas/wire';
import type { RunResult } from '../attribution/job';
import type { ErasureCounts } from '../db/people';
import type { SiteSettings } from '../db/sites';

/** Compile-time proof that a response schema and the TypeScript type the route returns agree. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const errorEnvelope = z.object({
  error: z.object({
    code: z.string().regex(/^[a-z_]+$/).meta({ description: 'snake_case, stable: branch on this' }),
    message: z.string().meta({ description: 'for people; may change' }),
    details: z.array(z.object({ index: z.number().int().optional(), path: z.string().optional(), message: z.string() })),
  }),
});

const batchResult = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), code: z.string(), message: z.string() })),
});
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
const site = z.object({ id: z.string(), name: z.string(), public_key: z.string(), origins: z.array(z.string()), settings });
const siteCreated = site.extend({ secret_key: z.string().meta({ description: 'shown once; only its hash is stored' }) });
const siteRotated = z.object({ id: z.string(), secret_key: z.string() });

const runResult = z.object({
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
  rows_written: z.number().int().meta({ description: 'D1 rows written by this call, index entries included' }),
  rows_read: z.number().int().meta({ description: 'D1 rows read by this call' }),
  duration_ms: z.number(),
  phases_ms: z
    .object({ fit: z.number(), scan: z.number(), credit: z.number(), rollup: z.number() })
    .meta({ description: 'where the time went: fitting the data-driven models, the change scan, crediting queued keys, rebuilding the report rollup' }),
});
const runResultMatches: Same<z.infer<typeof runResult>, RunResult> = true;

const erasure = z.object({
  erased: z.boolean(),
  contacts: z.number().int(),
  visitors: z.number().int(),
  identity_links: z.number().int(),
  events: z.number().int(),
  touches_anonymised: z.number().int(),
  touches_deleted: z.number().int(),
  conversions_detached: z.number().int(),
  keys_queued: z.number().int(),
});
const erasureMatches: Same<Omit<z.infer<typeof erasure>, 'erased'>, ErasureCounts> = true;
export const TYPES_AGREE = [batchResultMatches, settingsMatch, runResultMatches, erasureMatches];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** A list body whose items are validated one by one (a bad item rejects only itself): items documented by reference. */
const withItems = (schema: z.ZodType, field: string, item: string) => {
  const json = jsonSchema(schema, 'input');
  const props = json.properties as Record<string, Record<string, unknown>>;
  props[field] = { ...props[field], items: ref(item) };
  return json;
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** Built on first use (z.toJSONSchema is not free) and kept for the isolate's life. */
export function componentSchemas(): Record<string, Record<string, unknown>> {
  return {
    Error: jsonSchema(errorEnvelope, 'output'),
    BatchResult: jsonSchema(batchResult, 'output'),
    WireEvent: jsonSchema(wireEvent, 'input'),
    WireBatch: withItems(wireBatch, 'e', 'WireEvent'),
    SegmentMessage: jsonSchema(segmentMessage, 'input'),
    SegmentBatch: withItems(segmentBatch, 'batch', 'SegmentMessage'),
    OfflineTouch: jsonSchema(offlineTouch, 'input'),
    TouchesBody: withItems(touchesBody, 'touches', 'OfflineTouch'),
    Conversion: jsonSchema(conversion, 'input'),
    ConversionsBody: withItems(conversionsBody, 'conversions', 'Conversion'),
    SpendItem: jsonSchema(spendItem, 'input'),
    SpendBody: withItems(spendBody, 'spend', 'SpendItem'),
    ExchangeRate: jsonSchema(exchangeRate, 'input'),
    ExchangeRatesBody: withItems(ratesBody, 'rates', 'ExchangeRate'),
    RunResult: jsonSchema(runResult, 'output'),
    Erasure: jsonSchema(erasure, 'output'),
    CreateSite: jsonSchema(createSite, 'input'),
    PatchSite: jsonSchema(patchSite, 'input'),
    Site: jsonSchema(site, 'output'),
    SiteCreated: jsonSchema(siteCreated, 'output'),
    SiteRotated: jsonSchema(siteRotated, 'output'),
    CreditReport: jsonSchema(creditReport, 'output'),
    CompareReport: jsonSchema(compareReport, 'output'),
    JourneyReport: jsonSchema(journeyReport, 'output'),
    QualityReport: jsonSchema(qualityReport, 'output'),
    ModelsReport: jsonSchema(modelsReport, 'output'),
    InfluenceReport: jsonSchema(influenceReport, 'output'),
    FunnelReport: jsonSchema(funnelReport, 'output'),
  };
}

/** Query parameters of a route, from its zod validator (one OpenAPI parameter per key). */
export function queryParameters(schema: z.ZodObject, descriptions: Record<string, string>): Record<string, unknown>[] {
  const props = (jsonSchema(schema, 'input').properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    description: descriptions[name] ?? (s.description as string | undefined) ?? '',
    schema: s,
  }));
}
