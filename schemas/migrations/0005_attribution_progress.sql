-- How far the job got through a heavy attribution key (one with many conversions), which it credits
-- a slice of conversions at a time so that no single invocation holds or writes a whole huge
-- account: `cursor` is the last conversion id done, in id order. The row counts only while
-- `marked_at` equals the key's attribution_dirty.marked_at: a key re-marked by new data starts over.
CREATE TABLE attribution_progress (
  site_id    TEXT NOT NULL,
  akey       TEXT NOT NULL,
  marked_at  INTEGER NOT NULL,
  cursor     TEXT NOT NULL,
  PRIMARY KEY (site_id, akey)
) WITHOUT ROWID;
