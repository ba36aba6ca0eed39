// Conversion stage names every site shares, free of zod so the dashboard can import the values.

/**
 * Stages always accepted as `conversion`, with or without data (a site's own stages are accepted
 * too), in pipeline order: the funnel's default stages.
 */
export const USUAL_STAGES = ['lead', 'mql', 'sql', 'opportunity', 'closed_won'] as const;
/** Stored but never credited (docs/attribution.md), so never a valid `conversion`. */
export const UNCREDITED_STAGE = 'closed_lost';
