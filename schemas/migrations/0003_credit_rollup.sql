-- Daily credit rollup for the query API, and exact integer weights so that rollups add and subtract exactly.
--
-- credit.weight_units: a credit row's weight in billionths. The job splits 1,000,000,000 units per
-- conversion and model by largest remainder (like cents), so a conversion's units sum to exactly
-- 1e9 and Σ conversions over any grouping is exact integer arithmetic, however often the rollup is
-- updated. Rows written before this migration get their rounded weight here; the model-version bump
-- that ships with it recomputes every site with exact units on the job's next run.
ALTER TABLE credit ADD COLUMN weight_units INTEGER NOT NULL DEFAULT 0;
UPDATE credit SET weight_units = CAST(ROUND(weight * 1000000000) AS INTEGER);

-- One row per (model, stage, grouping dimension, UTC day of conversion, key): what the credit
-- rows of that group add up to. The job keeps it in step with `credit` in the same D1 batch that
-- rewrites a conversion's credit (subtract old rows, delete, insert, add new rows; all-zero rows
-- are dropped). `day` is whole UTC days since the epoch (converted_at / 86400000); `dim` is one of
-- channel, source, medium, campaign, content, term, touch_type, account, and `key` the row's value
-- of it, '(not set)' for NULL. `touches` counts credit rows with a touch (a touch credited by two
-- conversions counts twice); a "(no touch)" row counts 0 there but always carries 1e9 units, so a
-- row whose three sums are 0 holds no credit rows at all.
CREATE TABLE credit_daily (
  site_id        TEXT NOT NULL,
  model          TEXT NOT NULL,
  stage          TEXT NOT NULL,
  dim            TEXT NOT NULL,
  day            INTEGER NOT NULL,
  key            TEXT NOT NULL,
  weight_units   INTEGER NOT NULL,
  revenue_cents  INTEGER NOT NULL,
  touches        INTEGER NOT NULL,
  PRIMARY KEY (site_id, model, stage, dim, day, key)
) WITHOUT ROWID;

-- Existing credit, rolled up once (the job's statement in edge/src/db/credit.ts, for every site);
-- from here on the job maintains it. Rows are summed per field tuple first, then fanned out per dimension.
INSERT INTO credit_daily (site_id, model, stage, dim, day, key, weight_units, revenue_cents, touches)
SELECT g.site_id, g.model, g.stage, d.value, g.day,
       COALESCE(CASE d.value WHEN 'channel' THEN g.channel WHEN 'source' THEN g.source WHEN 'medium' THEN g.medium
         WHEN 'campaign' THEN g.campaign WHEN 'content' THEN g.content WHEN 'term' THEN g.term
         WHEN 'touch_type' THEN g.touch_type WHEN 'account' THEN g.account_domain END, '(not set)'),
       SUM(g.units), SUM(g.cents), SUM(g.touches)
FROM (
  SELECT site_id, model, stage, converted_at / 86400000 AS day,
         channel, source, medium, campaign, content, term, touch_type, account_domain,
         SUM(weight_units) AS units, SUM(revenue_cents) AS cents, SUM(touch_id <> '') AS touches
  FROM credit
  GROUP BY site_id, model, stage, day, channel, source, medium, campaign, content, term, touch_type, account_domain) g
CROSS JOIN json_each('["channel","source","medium","campaign","content","term","touch_type","account"]') d
GROUP BY g.site_id, g.model, g.stage, d.value, g.day,
  COALESCE(CASE d.value WHEN 'channel' THEN g.channel WHEN 'source' THEN g.source WHEN 'medium' THEN g.medium
    WHEN 'campaign' THEN g.campaign WHEN 'content' THEN g.content WHEN 'term' THEN g.term
    WHEN 'touch_type' THEN g.touch_type WHEN 'account' THEN g.account_domain END, '(not set)');
