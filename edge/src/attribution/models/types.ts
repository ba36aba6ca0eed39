// The one interface every attribution model implements, and the plain data it reads.
import type { ModelName } from '../../../../schemas/models';

export interface CreditTouch {
  id: string;
  /** epoch ms */
  at: number;
  channel: string;
  touchType: string;
}

export interface CreditConversion {
  id: string;
  stage: string;
  /** epoch ms */
  at: number;
  opportunityId?: string | null;
  /** null or absent: the conversion carries no revenue, so every touch earns 0 cents. */
  amountCents?: number | null;
}

/** Indexes into the windowed, ordered touch array; an absent key is a milestone C does not have. */
export interface Milestones {
  ft?: number;
  lc?: number;
  oc?: number;
  cw?: number;
}

export interface ModelContext {
  milestones: Milestones;
  halfLifeDays: number;
  customWeights: Record<string, number>;
}

/** One conversion's path, as every model sees it: its window touches in order, and their context. */
export interface ModelInput {
  touches: readonly CreditTouch[];
  conversion: CreditConversion;
  ctx: ModelContext;
}

/** A journey as data-driven models learn from it: a key's channels in order, and whether it converted. */
export interface Journey {
  stage: string;
  channels: string[];
  converted: boolean;
  /** How many identical journeys this one stands for (default 1): a site's journeys repeat a lot. */
  count?: number;
}

/**
 * An attribution model. Rule-based models need only their conversion's path; a model that learns
 * from the site's own journeys also has `fit`, which the job runs over the site's journeys and whose
 * JSON-serialisable result is passed back to `weights`. Such a model weighs a conversion by its
 * touches' channels (and their order) alone: its credit is not stored but derived from stored credit
 * under the latest fit (derived-credit.ts), which keeps no touch times and no milestones.
 */
export interface AttributionModel {
  readonly name: ModelName;
  readonly fit?: (journeys: readonly Journey[]) => unknown;
  /** Weights aligned with `input.touches` (never empty), each ≥ 0, summing to 1. */
  weights(input: ModelInput, fit?: unknown): number[];
}
