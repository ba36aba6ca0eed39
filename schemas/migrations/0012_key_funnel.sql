-- The funnel's cohort (docs/api.md, "Funnel") derived every conversion's attribution key at query
-- time, through contacts and identity links, and then grouped them. The job keeps what the funnel
-- needs per key instead, in the same batch as the key's credit and first touch (migration 0009).

-- One row per attribution key that has conversions (closed_lost included), touches or not: per
-- stage, the times the funnel can ask for (schemas/key-funnel.ts), as JSON {"<stage>": [ms, …]}.
-- No person identifiers: keys that name a person are removed with the person.
CREATE TABLE key_funnel (
  site_id  TEXT NOT NULL,
  akey     TEXT NOT NULL,
  stages   TEXT NOT NULL,
  PRIMARY KEY (site_id, akey)
) WITHOUT ROWID;

-- Where the job last filed each closed_lost conversion. Every other conversion's key is its credit's
-- (credit.akey); closed_lost has no credit, and a key it leaves must still be recomputed.
CREATE TABLE key_funnel_lost (
  site_id        TEXT NOT NULL,
  conversion_id  TEXT NOT NULL,
  akey           TEXT NOT NULL,
  PRIMARY KEY (site_id, conversion_id)
) WITHOUT ROWID;
-- Erasure removes the rows of the keys that name the person.
CREATE INDEX key_funnel_lost_by_akey ON key_funnel_lost (site_id, akey);
