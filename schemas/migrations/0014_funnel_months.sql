-- GET /v1/funnel read every key_funnel row of the site (migration 0012) and joined each to its first
-- touch (migration 0009) on every request. The job now packs what the funnel tallies per first stage
-- and UTC month of each key's first conversion of that stage (schemas/funnel-months.ts), so a report
-- over a year reads about thirteen rows.

-- One row per site × first stage × month (`month` = the month's first day, days since the epoch) ×
-- part (a month too large for one row is split between its keys): in `t0s` each key's first time of
-- the stage, in `stages` its earliest time of every other stage at or after it, and in one column per
-- dimension the group each key falls in. A report reads `stages` and the column it groups by (and
-- `t0s` of the months at the ends of its range), as they are. No key and no person identifier is
-- stored (accounts are, as credit_sums holds them).
CREATE TABLE funnel_months (
  site_id       TEXT NOT NULL,
  stage         TEXT NOT NULL,
  month         INTEGER NOT NULL,
  part          INTEGER NOT NULL,
  t0s           TEXT NOT NULL,
  stages        TEXT NOT NULL,
  g_channel     TEXT NOT NULL,
  g_source      TEXT NOT NULL,
  g_medium      TEXT NOT NULL,
  g_campaign    TEXT NOT NULL,
  g_content     TEXT NOT NULL,
  g_term        TEXT NOT NULL,
  g_touch_type  TEXT NOT NULL,
  g_account     TEXT NOT NULL,
  PRIMARY KEY (site_id, stage, month, part)
) WITHOUT ROWID;

-- Months to rebuild from key_funnel and key_first_touch: marked in the batch that changes a key's
-- record or first touch (and by erasure), taken off by the rebuild that wrote them, only if not
-- marked again since it read them.
CREATE TABLE funnel_months_dirty (
  site_id    TEXT NOT NULL,
  stage      TEXT NOT NULL,
  month      INTEGER NOT NULL,
  marked_at  INTEGER NOT NULL,
  PRIMARY KEY (site_id, stage, month)
) WITHOUT ROWID;

-- Every month of every stage that has records is built on the job's next run (marked long ago, so it goes first).
INSERT INTO funnel_months_dirty (site_id, stage, month, marked_at)
SELECT DISTINCT k.site_id, j.key, CAST(julianday(date((j.value ->> '$[0]') / 1000, 'unixepoch', 'start of month')) - 2440587.5 AS INTEGER), 0
FROM key_funnel k, json_each(k.stages) j WHERE true
ON CONFLICT (site_id, stage, month) DO UPDATE SET marked_at = 0;
