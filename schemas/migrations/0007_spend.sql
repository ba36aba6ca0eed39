-- Spend and return: what campaigns cost, dated exchange rates into the site's reporting currency,
-- and influence sums in the credit rollup.

-- One row per spend item, as sent (the same spend_id again replaces it). Raw fields are kept beside
-- the channel so that it can be reclassified; channel_sent is the caller's channel, NULL when the
-- channel was classified from source/medium/campaign. amount_cents is the whole item in `currency`.
CREATE TABLE spend (
  site_id       TEXT NOT NULL,
  spend_id      TEXT NOT NULL,
  first_day     INTEGER NOT NULL,          -- whole UTC days since the epoch, inclusive
  last_day      INTEGER NOT NULL,
  amount_cents  INTEGER NOT NULL,
  currency      TEXT NOT NULL,
  channel       TEXT NOT NULL,
  channel_sent  TEXT,
  source        TEXT,
  medium        TEXT,
  campaign      TEXT,
  received_at   INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (site_id, spend_id)
) WITHOUT ROWID;

-- The item spread over its days in whole cents (largest remainder), in the item's currency:
-- reports read days in a range, and convert each day at the latest rate at or before it.
CREATE TABLE spend_days (
  site_id   TEXT NOT NULL,
  spend_id  TEXT NOT NULL,
  day       INTEGER NOT NULL,
  cents     INTEGER NOT NULL,
  PRIMARY KEY (site_id, spend_id, day)
) WITHOUT ROWID;
-- Covering for reports: the key columns come with it.
CREATE INDEX spend_days_by_day ON spend_days (site_id, day, cents);

-- From `day` on (whole UTC days since the epoch), 1 `currency` = `rate` units of the reporting
-- currency. `rate` is decimal text, so conversions are exact (schemas/money.ts).
CREATE TABLE exchange_rates (
  site_id      TEXT NOT NULL,
  currency     TEXT NOT NULL,
  day          INTEGER NOT NULL,
  rate         TEXT NOT NULL,
  received_at  INTEGER NOT NULL,
  PRIMARY KEY (site_id, currency, day)
) WITHOUT ROWID;

-- A rate that arrives re-credits the conversions of its currency from its day on.
CREATE INDEX conversions_by_currency ON conversions (site_id, currency, occurred_at) WHERE currency IS NOT NULL;

-- The rollup now also holds, per key, the conversions its touches influenced: every stored day is
-- rebuilt once (marked long ago, so the job rebuilds them on its next run).
INSERT INTO credit_rollup_dirty (site_id, stage, day, marked_at)
SELECT DISTINCT site_id, stage, converted_at / 86400000, 0 FROM credit WHERE part = 0
ON CONFLICT (site_id, stage, day) DO UPDATE SET marked_at = 0;
