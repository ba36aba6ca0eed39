-- Where each entry's array lies in a rollup row's sums ({"<entry>": [start, length]}, schemas/rollup.ts),
-- so a report cuts the models it asks for out of the row with substr: json_extract parses the whole
-- row, every model's sums, to find one, and that parse was most of a year-by-account report's time.
ALTER TABLE credit_sums ADD COLUMN spans TEXT;

-- Spans must never outlive the sums they describe. The new code changes a row's spans with every
-- write of its sums (a write counter in the spans); code older than this migration, still running
-- until the new version is deployed, writes sums alone: its row loses its spans and reads as before.
CREATE TRIGGER credit_sums_spans_follow_sums AFTER UPDATE OF sums ON credit_sums
WHEN NEW.spans IS OLD.spans AND NEW.sums IS NOT OLD.sums
BEGIN
  UPDATE credit_sums SET spans = NULL WHERE rowid = NEW.rowid;
END;

-- Rows without spans still read right (with json_extract, as before), only slower. Every day with a
-- rollup row is queued (marked long ago, so it goes first): the job's next run rewrites those days and
-- their months with spans.
INSERT INTO credit_rollup_dirty (site_id, stage, day, marked_at)
SELECT DISTINCT site_id, stage, day, 0 FROM credit_sums WHERE grain = 'day'
ON CONFLICT (site_id, stage, day) DO UPDATE SET marked_at = 0;
