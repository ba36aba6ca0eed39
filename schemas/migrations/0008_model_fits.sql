-- Data-driven attribution (markov, shapley): the latest fit of each stage, learned from the site's
-- own converting and non-converting journeys, and when the site was last fitted.

-- One row per site and stage: `fit` is {"markov": …, "shapley": …} as the models read it
-- (edge/src/attribution/models/markov.ts, shapley.ts); the journey counts explain it.
CREATE TABLE model_fits (
  site_id          TEXT NOT NULL,
  stage            TEXT NOT NULL,
  fitted_at        INTEGER NOT NULL,
  window_days      INTEGER NOT NULL,
  converting       INTEGER NOT NULL,
  non_converting   INTEGER NOT NULL,
  fit              TEXT NOT NULL,
  PRIMARY KEY (site_id, stage)
);

-- When the site's fits were made (NULL: never). The job refits on its first run of each UTC day.
ALTER TABLE attribution_state ADD COLUMN fitted_at INTEGER;
