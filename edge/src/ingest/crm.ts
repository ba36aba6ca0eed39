// POST /v1/conversions: CRM milestones (lead → opportunity → closed-won with revenue).
import { conversion, type BatchResult } from '../../../schemas/api';
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { amountToCents } from './amount';
import { ingestItems, type Rejection } from './ingest-items';
import { readServerItem } from './server-item';

async function buildConversion(site: Site, item: unknown, w: WriteSet, receivedAt: number): Promise<{ id: string } | Rejection> {
  const read = await readServerItem(site, w, item, conversion, 'invalid_conversion', receivedAt);
  if ('code' in read) return read;
  const { data: c, id, at, who } = read;
  // Cents as integers, so revenue reconciles to the cent, and capped so that report sums cannot overflow.
  const amount = c.amount === undefined ? null : amountToCents(c.amount);
  if (amount && 'code' in amount) return amount;
  w.conversions.push({
    conversion_id: id,
    stage: c.stage,
    occurred_at: at,
    origin: 'crm',
    contact_id: who.contactId,
    visitor_id: who.visitorId,
    account_domain: who.accountDomain,
    // Redacted with every other stored field: hashed when it holds personal data (redact-writes.ts).
    opportunity_id: c.opportunity_id === undefined ? null : String(c.opportunity_id),
    amount_cents: amount?.cents ?? null,
    currency: c.currency?.toUpperCase() ?? null,
  });
  return { id };
}

export function ingestConversions(db: D1Database, site: Site, items: unknown[], receivedAt: number): Promise<BatchResult> {
  return ingestItems(db, site, items, {
    counter: 'conversions',
    build: (item, w) => buildConversion(site, item, w, receivedAt),
    fresh: (committed) => committed.changedConversions,
  }, receivedAt);
}
