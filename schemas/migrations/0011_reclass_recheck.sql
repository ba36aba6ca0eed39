-- Channel rules, second step (docs/governance.md): the recheck after a change keeps its place, so a
-- window with more rows than one run reads is still checked to its end, and spend is rechecked too.
-- A new migration rather than an edit of 0010: 0010 may already be applied to local databases.

-- Never read: the walk's target is always `version` (its writes are guarded by it).
ALTER TABLE channel_rules DROP COLUMN reclass_version;

-- Where the recheck of rows received (touches) or received/updated (spend) since shortly before the
-- latest change stands: the last (time, id) checked. It ends once it is past the time other Worker
-- instances may still hold the previous rules, recheck_until (edge/src/ingest/reclassify.ts).
ALTER TABLE channel_rules ADD COLUMN recheck_until INTEGER NOT NULL DEFAULT 0;   -- 0: nothing to recheck
ALTER TABLE channel_rules ADD COLUMN recheck_touches_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channel_rules ADD COLUMN recheck_touches_id TEXT NOT NULL DEFAULT '';
ALTER TABLE channel_rules ADD COLUMN recheck_spend_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channel_rules ADD COLUMN recheck_spend_id TEXT NOT NULL DEFAULT '';

CREATE INDEX spend_by_updated ON spend (site_id, updated_at);
