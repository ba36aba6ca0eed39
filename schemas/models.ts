// The attribution models the product offers, by the names the API and stored credit use.
// Implementations live in edge/src/attribution/models/ (one file each) and are listed in its
// registry, which must cover exactly these names (the compiler checks it).

export const MODEL_NAMES = [
  'first_touch',
  'last_touch',
  'last_non_direct',
  'linear',
  'time_decay',
  'u_shaped',
  'w_shaped',
  'full_path',
  'custom',
  'markov',
  'shapley',
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The models fitted from the site's journeys rather than computed by a rule (the registry's models with a fit; a unit test checks they agree). */
export const DATA_DRIVEN_MODELS = ['markov', 'shapley'] as const satisfies readonly ModelName[];
