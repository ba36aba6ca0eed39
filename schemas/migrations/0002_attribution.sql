-- State of the incremental attribution job (docs/attribution.md) and the indexes its reads and erasure need.
--
-- The job groups credit by "attribution key" (akey): an account domain; '(personal):<contact_id>'
-- for a free-mail contact; '(visitor):<visitor_id>' for a visitor never identified; and
-- '(none):<conversion_id>' for a conversion that resolves to nobody (credited "(no touch)").

-- One row per site: how far the change scan has read, and the settings credit was computed with.
CREATE TABLE attribution_state (
  site_id        TEXT PRIMARY KEY,
  watermark      INTEGER NOT NULL,          -- received_at / updated_at already scanned (ms)
  settings_hash  TEXT NOT NULL,             -- window, half-life, custom weights, model version
  last_run_at    INTEGER NOT NULL,
  last_full_at   INTEGER
) WITHOUT ROWID;

-- Attribution keys whose credit must be recomputed. The scan enqueues them in the same
-- transaction that advances the watermark, and each chunk dequeues its keys in the transaction
-- that writes their credit: a run that dies half way leaves exactly the unfinished keys here.
CREATE TABLE attribution_dirty (
  site_id    TEXT NOT NULL,
  akey       TEXT NOT NULL,
  marked_at  INTEGER NOT NULL,              -- a key re-marked while being computed is kept for the next chunk
  PRIMARY KEY (site_id, akey)
) WITHOUT ROWID;

-- The key each conversion was last credited under, so a conversion that moves to another
-- account (a new identity link, a changed CRM record) has its old credit found and removed.
CREATE TABLE attribution_conversions (
  site_id        TEXT NOT NULL,
  conversion_id  TEXT NOT NULL,
  akey           TEXT NOT NULL,
  computed_at    INTEGER NOT NULL,
  PRIMARY KEY (site_id, conversion_id)
) WITHOUT ROWID;
CREATE INDEX attribution_conversions_by_akey ON attribution_conversions (site_id, akey);

-- Conversions attach by contact or anonymous id as well as by account (docs/identity-and-privacy.md).
CREATE INDEX conversions_by_contact ON conversions (site_id, contact_id);
CREATE INDEX conversions_by_visitor ON conversions (site_id, visitor_id);
-- A contact whose account changes moves its touches: the scan reads contacts by update time.
CREATE INDEX contacts_by_updated ON contacts (site_id, updated_at);
-- A form submission upgrades a touch to form_fill without touching its received_at; partial, so
-- page views (the bulk of events) pay nothing for it.
CREATE INDEX events_forms_by_received ON events (site_id, received_at) WHERE type = 'form';
-- Erasure finds a person's events by contact; only identifying events carry one.
CREATE INDEX events_by_contact ON events (site_id, contact_id) WHERE contact_id IS NOT NULL;
