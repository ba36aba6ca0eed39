// GET /v1/models: the latest data-driven fit of one stage, explained — removal effects and
// P(conversion) for markov, channel values and the most frequent channel sets for shapley.
import { UNCREDITED_STAGE, USUAL_STAGES, type ModelsReport } from '../../../schemas/query';
import type { MarkovFit } from '../attribution/models/markov';
import type { ShapleyFit } from '../attribution/models/shapley';
import { readFit, type StoredFit } from '../db/fits';
import { siteStages } from '../db/reports';
import type { Site } from '../db/sites';
import { ApiError } from '../errors';
import { checkStage } from './credit-report';

/** Under this many converting journeys a fit is flagged: its numbers move a lot with each new one. */
export const LOW_DATA_JOURNEYS = 30;

export async function buildModelsReport(db: D1Database, site: Site, stage: string): Promise<ModelsReport> {
  if (stage === UNCREDITED_STAGE) throw new ApiError(400, 'invalid_conversion', 'closed_lost conversions are never credited, so no model is fitted for them');
  const row = await readFit(db, site.id, stage).first<StoredFit>();
  // A known stage without a fit is not a missing resource: its fit just does not exist yet. An
  // unknown stage is still a 400 (most likely a typo), as on every query route.
  if (!row) {
    const usual = (USUAL_STAGES as readonly string[]).includes(stage);
    checkStage(stage, usual ? null : (await siteStages(db, site.id).all<{ stage: string }>()).results.map((r) => r.stage));
    return {
      conversion: stage,
      fitted_at: null,
      note: `No fit for ${stage} conversions yet: the attribution job fits the data-driven models for every stage with conversions on its first run of each UTC day, or on POST /v1/attribution/run?refit=true.`,
    };
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
