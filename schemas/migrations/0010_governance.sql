-- Governance (docs/governance.md): read-only keys, custom channel rules with their reclassification
-- progress, and the change log of everything that defines what reports mean.
-- Numbered 0010 (not 0009) so that a migration added on another branch meanwhile cannot clash.

-- Read keys (rk_…) for dashboards and BI tools: only the SHA-256 of the key is stored, like the
-- secret key's. Revoked keys keep their row (the change log names them) but never authenticate.
CREATE TABLE read_keys (
  site_id     TEXT NOT NULL,
  key_id      TEXT NOT NULL,
  name        TEXT NOT NULL,
  prefix      TEXT NOT NULL,              -- the key's first characters, so a user can tell keys apart
  key_hash    TEXT NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER,
  PRIMARY KEY (site_id, key_id)
) WITHOUT ROWID;

-- A site's channel rules, tried before the GA4 rules. `version` counts changes; the reclassification
-- of stored touches and spend to `version` walks them in id order and keeps its place here, so a large
-- site is reclassified over several requests or job runs and never twice from the start.
CREATE TABLE channel_rules (
  site_id          TEXT PRIMARY KEY,
  version          INTEGER NOT NULL,
  rules            TEXT NOT NULL,         -- JSON: [{channel, when: {field: [pattern, …]}}]
  updated_at       INTEGER NOT NULL,
  reclass_version  INTEGER NOT NULL,      -- the version stored rows are classified by once the walk ends
  reclass_phase    TEXT NOT NULL,         -- 'touches' | 'spend' | 'done'
  reclass_cursor   TEXT NOT NULL          -- the last id walked in this phase
) WITHOUT ROWID;

-- The caller's own channel of an offline touch (NULL when it was classified): reclassification never
-- overrides it. Offline touches stored before this column existed cannot tell the two apart, so they
-- keep the channel they have (as if it had been sent).
ALTER TABLE touches ADD COLUMN channel_sent TEXT;
UPDATE touches SET channel_sent = channel WHERE origin = 'offline';

-- Every change of a site's settings, custom weights, channel rules, origins and keys, with what it
-- was before and after (JSON) and who made it. moves_credit marks the changes that move credit, whose
-- latest time reports carry as definitions_changed_at.
CREATE TABLE changes (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  site_id       TEXT NOT NULL,
  at            INTEGER NOT NULL,
  what          TEXT NOT NULL,
  before        TEXT,
  after         TEXT,
  by            TEXT NOT NULL,            -- 'admin' | 'api'
  moves_credit  INTEGER NOT NULL
);
CREATE INDEX changes_by_site ON changes (site_id, at);
CREATE INDEX changes_moving_credit ON changes (site_id, at) WHERE moves_credit = 1;
