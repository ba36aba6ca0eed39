-- Credit engine v2: credit grows with conversions, not with conversions × touches × models.
--
-- `credit` held one row per conversion × touch × model with eight copied grouping fields, and
-- `credit_daily` one row per model × dimension × day × key; both are replaced. Existing sites are
-- recomputed: dropping attribution_state makes every site's next job run a full one.

DROP TABLE credit;
DROP TABLE credit_daily;
DROP TABLE attribution_conversions;
DROP TABLE attribution_progress;
DELETE FROM attribution_state;
DELETE FROM attribution_dirty;

-- One row per credited conversion (per part, for a window so large that one row would near D1's
-- row limit): every model's weight units per touch, and each touch's grouping fields, as one JSON
-- document (schemas/credit.ts). closed_lost and not-yet-credited conversions have no row. `akey` is
-- the attribution key it was credited under, so a conversion that moves to another key has its
-- credit found and replaced; `computed_at` stamps the run that wrote it (a concurrent run's guard).
CREATE TABLE credit (
  site_id        TEXT NOT NULL,
  conversion_id  TEXT NOT NULL,
  part           INTEGER NOT NULL,
  akey           TEXT NOT NULL,
  stage          TEXT NOT NULL,
  converted_at   INTEGER NOT NULL,
  amount_cents   INTEGER NOT NULL,
  window_touches INTEGER NOT NULL,          -- touches in the window; 0: credited "(no touch)"
  computed_at    INTEGER NOT NULL,
  payload_hash   INTEGER NOT NULL,          -- of the whole payload: an unchanged recompute writes nothing
  payload        TEXT NOT NULL,
  PRIMARY KEY (site_id, conversion_id, part)
);
CREATE INDEX credit_by_akey ON credit (site_id, akey, converted_at);
CREATE INDEX credit_by_stage_time ON credit (site_id, stage, converted_at);

-- What credit adds up to per stage, dimension and UTC day of conversion (whole days since the epoch),
-- and per calendar month (grain 'month', `day` = the month's first day), for every key of that
-- dimension and every model at once, so a year's report reads 12 month rows: `sums` is
-- {"<key>": {"<model>": [weight units, cents, credited touches]}} (cents past 2^53 as a string).
-- A day with very many keys is split into parts, each self-contained. Rebuilt a day at a time from
-- `credit` (never added to), so it cannot drift; one row per day and dimension keeps the rows a
-- run writes few.
CREATE TABLE credit_rollup (
  site_id  TEXT NOT NULL,
  stage    TEXT NOT NULL,
  dim      TEXT NOT NULL,
  grain    TEXT NOT NULL,               -- 'day' | 'month'
  day      INTEGER NOT NULL,
  part     INTEGER NOT NULL,
  sums     TEXT NOT NULL,
  PRIMARY KEY (site_id, stage, dim, grain, day, part)
);

-- Days whose credit changed since their rollup was built: the job rebuilds them once the key queue
-- is drained (a full run would otherwise rebuild every day once per call), or when they wait too long.
CREATE TABLE credit_rollup_dirty (
  site_id    TEXT NOT NULL,
  stage      TEXT NOT NULL,
  day        INTEGER NOT NULL,
  marked_at  INTEGER NOT NULL,
  PRIMARY KEY (site_id, stage, day)
) WITHOUT ROWID;

-- A queued key's pending work starts at its conversions at or after (since, since_id): credit of a
-- conversion at T depends only on data at or before T, so a touch at t re-credits only conversions
-- at T ≥ t. A heavy key is credited a slice at a time in (time, id) order by moving `since` forward.
ALTER TABLE attribution_dirty ADD COLUMN since INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attribution_dirty ADD COLUMN since_id TEXT NOT NULL DEFAULT '';

-- What the last scan saw of its rescan overlap (counts and sums of the stamps of rows received in
-- the two minutes before its watermark): a rescan re-reads that interval only when it changed, i.e.
-- when a request committed late, so finished keys are not re-queued by rows already scanned.
ALTER TABLE attribution_state ADD COLUMN overlap_digest TEXT NOT NULL DEFAULT '';
-- Where the scan in progress starts (set and read inside the scan's own transaction).
ALTER TABLE attribution_state ADD COLUMN scan_from INTEGER NOT NULL DEFAULT 0;
