-- Touchline's base schema: tenants, raw events, derived touches, identities, conversions, credit.
-- Times are integer milliseconds since the Unix epoch (UTC). Money is integer cents.
-- Every table is keyed by site_id first: a tenant's rows are only ever read through it.

CREATE TABLE sites (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  public_key    TEXT NOT NULL UNIQUE,
  secret_hash   TEXT NOT NULL UNIQUE,       -- SHA-256 hex of the secret key; the key itself is never stored
  hash_key      TEXT NOT NULL,              -- per-site HMAC key for emails (docs/identity-and-privacy.md)
  origins       TEXT NOT NULL DEFAULT '[]', -- JSON array of allowed origins for the snippet
  settings      TEXT NOT NULL DEFAULT '{}', -- JSON: window_days, half_life_days, session_minutes, custom_weights, block_headless
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- Daily per-site counters for /v1/quality: events, duplicates, bots, rejected.
CREATE TABLE site_counters (
  site_id  TEXT NOT NULL,
  day      TEXT NOT NULL,                   -- YYYY-MM-DD (UTC)
  metric   TEXT NOT NULL,
  n        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, day, metric)
) WITHOUT ROWID;

CREATE TABLE visitors (
  site_id     TEXT NOT NULL,
  visitor_id  TEXT NOT NULL,                -- the snippet's tl_vid or a Segment anonymousId
  first_seen  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  device      TEXT,                          -- desktop | mobile | tablet | other (never the raw UA)
  PRIMARY KEY (site_id, visitor_id)
) WITHOUT ROWID;

-- Every accepted event, once: (site_id, event_id) is the dedupe key for retries and replays.
CREATE TABLE events (
  site_id      TEXT NOT NULL,
  event_id     TEXT NOT NULL,
  type         TEXT NOT NULL,               -- page | identify | track | form | conversion
  source       TEXT NOT NULL,               -- web (snippet) | server (Segment API)
  visitor_id   TEXT,
  contact_id   TEXT,                         -- HMAC of the email when the event identified someone
  session_id   TEXT,
  name         TEXT,
  url          TEXT,
  referrer     TEXT,
  props        TEXT,                         -- JSON, with identifying values redacted
  occurred_at  INTEGER NOT NULL,
  received_at  INTEGER NOT NULL,
  PRIMARY KEY (site_id, event_id)
);
CREATE INDEX events_by_visitor ON events (site_id, visitor_id, occurred_at);
CREATE INDEX events_by_session ON events (site_id, session_id, type, occurred_at);

-- Marketing interactions credited by models (docs/attribution.md). Raw fields sit beside the derived channel
-- so history can be reclassified.
CREATE TABLE touches (
  site_id         TEXT NOT NULL,
  touch_id        TEXT NOT NULL,            -- web: derived from session + attribution fields; offline: the caller's id
  origin          TEXT NOT NULL,            -- web | server | offline
  touch_type      TEXT NOT NULL,
  occurred_at     INTEGER NOT NULL,
  received_at     INTEGER NOT NULL,
  channel         TEXT NOT NULL,
  source          TEXT,
  medium          TEXT,
  campaign        TEXT,
  content         TEXT,
  term            TEXT,
  utm_id          TEXT,
  click_id_type   TEXT,
  click_id        TEXT,
  referrer        TEXT,
  url             TEXT,
  visitor_id      TEXT,
  session_id      TEXT,
  contact_id      TEXT,
  account_domain  TEXT,
  PRIMARY KEY (site_id, touch_id)
);
CREATE INDEX touches_by_visitor ON touches (site_id, visitor_id, occurred_at);
CREATE INDEX touches_by_session ON touches (site_id, session_id, occurred_at);
CREATE INDEX touches_by_contact ON touches (site_id, contact_id, occurred_at);
CREATE INDEX touches_by_account ON touches (site_id, account_domain, occurred_at);
CREATE INDEX touches_by_received ON touches (site_id, received_at);

CREATE TABLE accounts (
  site_id     TEXT NOT NULL,
  domain      TEXT NOT NULL,
  first_seen  INTEGER NOT NULL,
  PRIMARY KEY (site_id, domain)
) WITHOUT ROWID;

-- A contact is a normalised email known only by its per-site HMAC (docs/identity-and-privacy.md).
CREATE TABLE contacts (
  site_id         TEXT NOT NULL,
  contact_id      TEXT NOT NULL,            -- HMAC-SHA-256(site.hash_key, normalised email), hex
  email_domain    TEXT NOT NULL,
  account_domain  TEXT,                      -- NULL for free-mail contacts: they count as (personal)
  company         TEXT,
  first_seen      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (site_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX contacts_by_account ON contacts (site_id, account_domain);

-- Anonymous ids identified as a contact; identification is retroactive (docs/identity-and-privacy.md).
CREATE TABLE identity_links (
  site_id     TEXT NOT NULL,
  visitor_id  TEXT NOT NULL,
  contact_id  TEXT NOT NULL,
  linked_at   INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (site_id, visitor_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX identity_links_by_contact ON identity_links (site_id, contact_id);
CREATE INDEX identity_links_by_received ON identity_links (site_id, received_at);

-- CRM milestones and web form conversions; the same conversion_id updates in place (docs/api.md).
CREATE TABLE conversions (
  site_id         TEXT NOT NULL,
  conversion_id   TEXT NOT NULL,
  stage           TEXT NOT NULL,
  occurred_at     INTEGER NOT NULL,
  origin          TEXT NOT NULL,            -- crm | web | server
  contact_id      TEXT,
  visitor_id      TEXT,
  account_domain  TEXT,
  opportunity_id  TEXT,
  amount_cents    INTEGER,
  currency        TEXT,
  received_at     INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (site_id, conversion_id)
);
CREATE INDEX conversions_by_time ON conversions (site_id, stage, occurred_at);
CREATE INDEX conversions_by_account ON conversions (site_id, account_domain, occurred_at);
CREATE INDEX conversions_by_updated ON conversions (site_id, updated_at);

-- Credit per conversion, model and touch, written by the attribution job. Grouping fields are
-- copied in so that credit queries read this table alone, through its index.
CREATE TABLE credit (
  site_id         TEXT NOT NULL,
  model           TEXT NOT NULL,
  conversion_id   TEXT NOT NULL,
  touch_id        TEXT NOT NULL,            -- '' for a conversion with no touch in the window
  stage           TEXT NOT NULL,
  converted_at    INTEGER NOT NULL,
  weight          REAL NOT NULL,
  revenue_cents   INTEGER NOT NULL,
  touch_type      TEXT,
  channel         TEXT,
  source          TEXT,
  medium          TEXT,
  campaign        TEXT,
  content         TEXT,
  term            TEXT,
  account_domain  TEXT,
  PRIMARY KEY (site_id, model, conversion_id, touch_id)
);
CREATE INDEX credit_by_stage_time ON credit (site_id, model, stage, converted_at);
