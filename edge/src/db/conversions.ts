// CRM and web conversions. The same conversion id updates in place; an identical resend changes nothing.

export interface ConversionRow {
  conversion_id: string;
  stage: string;
  occurred_at: number;
  origin: 'crm' | 'web' | 'server';
  contact_id: string | null;
  visitor_id: string | null;
  account_domain: string | null;
  opportunity_id: string | null;
  amount_cents: number | null;
  currency: string | null;
}

/**
 * RETURNING lists conversions that were inserted or changed; the others were identical resends.
 * A resend says who and what stage afresh; the deal's opportunity_id, amount and currency are kept
 * when it leaves them out (a CRM often sends a stage change alone), and replaced when it sends them.
 */
export function upsertConversions(db: D1Database, siteId: string, rows: ConversionRow[], now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO conversions (site_id, conversion_id, stage, occurred_at, origin, contact_id, visitor_id,
                                account_domain, opportunity_id, amount_cents, currency, received_at, updated_at)
       SELECT ?1, j.value->>'conversion_id', j.value->>'stage', j.value->>'occurred_at', j.value->>'origin',
              j.value->>'contact_id', j.value->>'visitor_id', j.value->>'account_domain', j.value->>'opportunity_id',
              j.value->>'amount_cents', j.value->>'currency', ?3, ?3
       FROM json_each(?2) AS j WHERE true
       ON CONFLICT (site_id, conversion_id) DO UPDATE SET
         stage = excluded.stage, occurred_at = excluded.occurred_at, contact_id = excluded.contact_id,
         visitor_id = excluded.visitor_id, account_domain = excluded.account_domain,
         opportunity_id = COALESCE(excluded.opportunity_id, conversions.opportunity_id),
         amount_cents = COALESCE(excluded.amount_cents, conversions.amount_cents),
         currency = COALESCE(excluded.currency, conversions.currency), updated_at = excluded.updated_at
       WHERE conversions.stage IS NOT excluded.stage OR conversions.occurred_at IS NOT excluded.occurred_at
          OR conversions.contact_id IS NOT excluded.contact_id OR conversions.visitor_id IS NOT excluded.visitor_id
          OR conversions.account_domain IS NOT excluded.account_domain
          OR conversions.opportunity_id IS NOT COALESCE(excluded.opportunity_id, conversions.opportunity_id)
          OR conversions.amount_cents IS NOT COALESCE(excluded.amount_cents, conversions.amount_cents)
          OR conversions.currency IS NOT COALESCE(excluded.currency, conversions.currency)
       RETURNING conversion_id`,
    )
    .bind(siteId, JSON.stringify(rows), now);
}
