// POST /v1/conversions: CRM milestones (lead → opportunity → closed-won with revenue).
import { conversion, type BatchResult } from '../../../schemas/api';
import type { Site } from '../db/sites';
import { commitWrites, WriteSet } from '../db/write-set';
import { issueMessage } from '../errors';
import { settleBatch, tallyOf } from './settle';
import { serverTime } from './time';
import { resolveWho } from './who';

export async function ingestConversions(db: D1Database, site: Site, items: unknown[], receivedAt: number): Promise<BatchResult> {
  const w = new WriteSet();
  const rejected: BatchResult['rejected'] = [];
  const ids: { index: number; id: string }[] = [];

  for (let index = 0; index < items.length; index++) {
    const parsed = conversion.safeParse(items[index]);
    if (!parsed.success) {
      rejected.push({ index, code: 'invalid_conversion', message: issueMessage(parsed.error.issues) });
      continue;
    }
    const c = parsed.data;
    const time = serverTime(c.occurred_at, null, receivedAt);
    if ('code' in time) {
      rejected.push({ index, ...time });
      continue;
    }
    const who = await resolveWho(site, w, c, time.at);
    if ('code' in who) {
      rejected.push({ index, ...who });
      continue;
    }
    w.conversions.push({
      conversion_id: c.id,
      stage: c.stage,
      occurred_at: time.at,
      origin: 'crm',
      contact_id: who.contactId,
      visitor_id: who.visitorId,
      account_domain: who.accountDomain,
      opportunity_id: c.opportunity_id ?? null,
      // Cents as integers, so revenue reconciles exactly (§7).
      amount_cents: c.amount === undefined ? null : Math.round(c.amount * 100),
      currency: c.currency?.toUpperCase() ?? null,
    });
    ids.push({ index, id: c.id });
  }

  const committed = await commitWrites(db, site.id, w, receivedAt, tallyOf('conversions', ids, rejected));
  return settleBatch(ids, committed.changedConversions, rejected);
}
