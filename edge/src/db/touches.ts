// Touches: web landings and campaigns, server-side pages and offline touches, deduped by touch id.

export interface TouchRow {
  touch_id: string;
  origin: 'web' | 'server' | 'offline';
  touch_type: string;
  occurred_at: number;
  channel: string;
  /** The caller's own channel (offline touches only): reclassification keeps it. */
  channel_sent: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
  utm_id: string | null;
  click_id_type: string | null;
  click_id: string | null;
  referrer: string | null;
  url: string | null;
  visitor_id: string | null;
  session_id: string | null;
  contact_id: string | null;
  account_domain: string | null;
}

/**
 * Inserts new touches. A web touch whose session already has a form submission at or after it
 * (the form arrived in an earlier batch) is stored as `form_fill` straight away.
 */
export function insertTouches(db: D1Database, siteId: string, rows: TouchRow[], receivedAt: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO touches (site_id, touch_id, origin, touch_type, occurred_at, received_at, channel, channel_sent, source, medium,
                            campaign, content, term, utm_id, click_id_type, click_id, referrer, url, visitor_id,
                            session_id, contact_id, account_domain)
       SELECT ?1, j.value->>'touch_id', j.value->>'origin',
              CASE WHEN j.value->>'touch_type' = 'web_visit' AND EXISTS (
                     SELECT 1 FROM events e
                     WHERE e.site_id = ?1 AND e.session_id = j.value->>'session_id' AND e.type = 'form'
                       AND e.occurred_at >= j.value->>'occurred_at')
                   THEN 'form_fill' ELSE j.value->>'touch_type' END,
              j.value->>'occurred_at', ?3, j.value->>'channel', j.value->>'channel_sent', j.value->>'source', j.value->>'medium',
              j.value->>'campaign', j.value->>'content', j.value->>'term', j.value->>'utm_id',
              j.value->>'click_id_type', j.value->>'click_id', j.value->>'referrer', j.value->>'url',
              j.value->>'visitor_id', j.value->>'session_id', j.value->>'contact_id', j.value->>'account_domain'
       FROM json_each(?2) AS j WHERE true
       ON CONFLICT (site_id, touch_id) DO NOTHING
       RETURNING touch_id`,
    )
    .bind(siteId, JSON.stringify(rows), receivedAt);
}

export interface FormSubmission {
  session_id: string;
  occurred_at: number;
}

/** A form submitted in a session upgrades that session's latest touch at or before it to `form_fill`. */
export function upgradeFormTouches(db: D1Database, siteId: string, forms: FormSubmission[]): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE touches SET touch_type = 'form_fill'
       WHERE site_id = ?1 AND touch_type = 'web_visit' AND touch_id IN (
         SELECT (SELECT t.touch_id FROM touches t
                 WHERE t.site_id = ?1 AND t.session_id = f.value->>'session_id'
                   AND t.occurred_at <= f.value->>'occurred_at'
                 ORDER BY t.occurred_at DESC, t.touch_id DESC LIMIT 1)
         FROM json_each(?2) AS f)`,
    )
    .bind(siteId, JSON.stringify(forms));
}
