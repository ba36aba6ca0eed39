-- The credit rollup, laid out for reads of a few models: each row lists its keys once and holds every
-- model's sums as one flat array aligned with them, {"k": [keys], "<model>": [units, cents, touches, …]},
-- so a report extracts the models it asks for in SQL (`json_extract(sums, '$."linear"')`) and carries
-- nothing of the others to the Worker. A one-model report of a year by account read every key's entry
-- of every model before (edge/src/attribution/rollup.ts says more).
--
-- A new table, not new rows in the old one: code that still writes the old layout (a run of the
-- previous version between this migration and the deploy) can then never write a row the new code
-- would misread. Dropping the old table makes such a run fail whole (its rebuild batch rolls back, the
-- days stay queued) rather than consume the queue.
CREATE TABLE credit_sums (
  site_id  TEXT NOT NULL,
  stage    TEXT NOT NULL,
  dim      TEXT NOT NULL,
  grain    TEXT NOT NULL,               -- 'day' | 'month' (`day` = the month's first day)
  day      INTEGER NOT NULL,
  part     INTEGER NOT NULL,
  sums     TEXT NOT NULL,
  PRIMARY KEY (site_id, stage, dim, grain, day, part)
);

DROP TABLE credit_rollup;

-- Every day with credit is rebuilt into the new table on the job's next run (marked long ago, so it
-- goes first); months are built up from their days as the days are rebuilt.
INSERT INTO credit_rollup_dirty (site_id, stage, day, marked_at)
SELECT DISTINCT site_id, stage, converted_at / 86400000, 0 FROM credit WHERE part = 0
ON CONFLICT (site_id, stage, day) DO UPDATE SET marked_at = 0;
