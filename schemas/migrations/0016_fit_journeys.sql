-- Each credit row keeps its touches' channels in window order (schemas/credit.ts encodeJourney), so a
-- data-driven fit reads every conversion's journey from `credit` (one short column, grouped in SQL)
-- instead of loading every touch of the site's windows again (edge/src/attribution/fit.ts).
--
-- `journey_hash` is the payload_hash the journey was written with. Code older than this migration,
-- still running until the new version is deployed, rewrites payloads without journeys: its rows then
-- carry a payload_hash that no longer matches, and a fit reads their journeys from the payload. Rows
-- written before this migration have none, and are read the same way until the job recomputes them.
ALTER TABLE credit ADD COLUMN journey TEXT;
ALTER TABLE credit ADD COLUMN journey_hash INTEGER;

-- Each key's non-converting journeys as of its last change, so that a fit recomputes only the keys
-- whose touches, identities or conversions changed since the last one (edge/src/db/tails.ts): the
-- channels of the key's touches within window_days before its latest touch (`latest`) and how long
-- before it each one is (`ages`, ms), and per stage how many of them lie at or before the key's latest
-- conversion of that stage ({"<stage>": n}; NULL when none do). A key without touches has no row.
CREATE TABLE key_tails (
  site_id  TEXT NOT NULL,
  akey     TEXT NOT NULL,
  latest   INTEGER NOT NULL,
  journey  TEXT NOT NULL,
  ages     TEXT NOT NULL,
  cuts     TEXT,
  PRIMARY KEY (site_id, akey)
) WITHOUT ROWID;

-- Keys whose row above is out of date: marked by the job's change scan (and by ingest and erasure
-- where the scan cannot see the key), taken off by the fit that recomputes them. `since`: the key's
-- touches at or after it may have changed (added, moved, reclassified; 0: any), so a fit reads only
-- those and keeps the rest of the row; a change of conversions alone marks it far in the future.
CREATE TABLE key_tails_dirty (
  site_id    TEXT NOT NULL,
  akey       TEXT NOT NULL,
  since      INTEGER NOT NULL,
  marked_at  INTEGER NOT NULL,
  PRIMARY KEY (site_id, akey)
) WITHOUT ROWID;

-- When every key's row was last computed at once; NULL: the next fit computes every key (a new
-- site, a change of window or of channel rules).
ALTER TABLE attribution_state ADD COLUMN tails_at INTEGER;
