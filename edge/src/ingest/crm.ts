// POST /v1/conversions: CRM milestones (lead → opportunity → closed-won with revenue).
import { conversion, type BatchResult } from '../../../schemas/api';
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { issueMessage } from '../errors';
import { storedId } from '../identity/stored-id';
import { amountToCents } from './amount';
import { ingestItems, type Rejection } from './ingest-items';
import { serverTime } from './time';
import { resolveWho } from './who';

async function buildConversion(site: Site, item: unknown, w: WriteSet, receivedAt: number): Promise<{ id: string } | Rejection> {
  const parsed = conversion.safeParse(item);
  if (!parsed.success) return { code: 'invalid_conversion', message: issueMessage(parsed.error.issues) };
  const c = parsed.data;
  const time = serverTime('occurred_at', c.occurred_at, null, receivedAt);
  if ('code' in time) return time;
  // Cents as integers, so revenue reconciles exactly (§7), and capped so that sums cannot overflow.
  const amount = c.amount === undefined ? null : amountToCents(c.amount);
  if (amount && 'code' in amount) return amount;
  const who = await resolveWho(site, w, c, time.at);
  if ('code' in who) return who;
  const id = await storedId(site, String(c.id));
  w.conversions.push({
    conversion_id: id,
    stage: c.stage,
    occurred_at: time.at,
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
