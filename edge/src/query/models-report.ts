// GET /v1/models: the latest data-driven fit of one stage, explained — removal effects and
// P(conversion) for markov, channel values and the most frequent channel sets for shapley.
import { UNCREDITED_STAGE, type ModelsReport } from '../../../schemas/query';
import type { MarkovFit } from '../attribution/models/markov';
import type { ShapleyFit } from '../attribution/models/shapley';
import { readFit, type StoredFit } from '../db/fits';
import type { Site } from '../db/sites';
import { ApiError } from '../errors';

/** Under this many converting journeys a fit is flagged: its numbers move a lot with each new one. */
export const LOW_DATA_JOURNEYS = 30;

export async function buildModelsReport(db: D1Database, site: Site, stage: string): Promise<ModelsReport> {
  if (stage === UNCREDITED_STAGE) throw new ApiError(400, 'invalid_conversion', 'closed_lost conversions are never credited, so no model is fitted for them');
  const row = await readFit(db, site.id, stage).first<StoredFit>();
  if (!row) {
    throw new ApiError(404, 'not_found', `no fit for ${stage} conversions yet: the attribution job fits the data-driven models for every stage with conversions on its next run`);
  }
  const fit = JSON.parse(row.fit) as { markov: MarkovFit; shapley: ShapleyFit };
  return {
    conversion: stage,
    fitted_at: new Date(row.fitted_at).toISOString(),
    window_days: row.window_days,
    journeys: { converting: row.converting, non_converting: row.non_converting },
    low_data: row.converting < LOW_DATA_JOURNEYS,
    markov: fit.markov,
    shapley: { channels: fit.shapley.channels, sets: fit.shapley.sets },
  };
}
