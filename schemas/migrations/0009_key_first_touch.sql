-- The funnel groups each cohort key by its first touch (docs/api.md, "Funnel"). Looking that touch up
-- at query time walks every contact and linked device of every cohort account; the job keeps it
-- instead, for every key it credits, in the same batch as the key's credit.

-- One row per attribution key that has touches: its first touch (time, then id) and the fields a
-- funnel groups by. No person identifiers: keys that name a person are removed with the person.
CREATE TABLE key_first_touch (
  site_id      TEXT NOT NULL,
  akey         TEXT NOT NULL,
  occurred_at  INTEGER NOT NULL,
  touch_id     TEXT NOT NULL,
  touch_type   TEXT NOT NULL,
  channel      TEXT NOT NULL,
  source       TEXT,
  medium       TEXT,
  campaign     TEXT,
  content      TEXT,
  term         TEXT,
  PRIMARY KEY (site_id, akey)
) WITHOUT ROWID;

-- Month rows of credit_rollup are kept by adding each rebuilt day's change (new day − old day)
-- instead of re-reading every day of the month; that is exact only if one rebuild at a time reads
-- and writes a site's rollup. The rebuilding run holds this lease (a random token until a time) and
-- every write batch of the rebuild checks it, so a run that lost it writes nothing.
ALTER TABLE attribution_state ADD COLUMN rollup_lease TEXT;
ALTER TABLE attribution_state ADD COLUMN rollup_lease_until INTEGER;

-- Where a queued key's touches changed (NULL: they did not — a full recompute after a settings or
-- fit change, a conversion or exchange-rate change): only then must its first touch be looked for
-- again, so a daily full recompute does not read every key's history for it.
ALTER TABLE attribution_dirty ADD COLUMN touched_since INTEGER;
