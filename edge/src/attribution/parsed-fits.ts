// Stored fits as the models read them, parsed once per stored text in an isolate (the fits are
// read by derived-credit.ts and the reports; stored by db/fits.ts).

/** stage → model name → fit, as the models read them. */
export type SiteFits = ReadonlyMap<string, ReadonlyMap<string, unknown>>;

/**
 * Fits parsed, by their stored text (a stage's models together), in this isolate. A fit read again
 * is then the same object, so what a model derives from it once per fit (models/data-driven.ts
 * perFit: Shapley values per channel set, Markov shares) is derived once, not once per read: the
 * rollup reads the fits with every round of days, and reports with every request. A handful of
 * sites' current fits; cleared whole when full, since fits change daily.
 */
const PARSED = new Map<string, ReadonlyMap<string, unknown>>();
const PARSED_MAX = 32;
/**
 * And at most this many characters of fit text held: a fit grows with a site's channels and
 * channel sets, and an isolate has 128 MB. A larger fit is parsed for its read alone, as before.
 */
const PARSED_MAX_CHARS = 4_000_000;
let parsedChars = 0;

function parsedStageFit(text: string): ReadonlyMap<string, unknown> {
  let fit = PARSED.get(text);
  if (!fit) {
    fit = new Map(Object.entries(JSON.parse(text) as Record<string, unknown>));
    if (text.length > PARSED_MAX_CHARS) return fit;
    if (PARSED.size >= PARSED_MAX || parsedChars + text.length > PARSED_MAX_CHARS) {
      PARSED.clear();
      parsedChars = 0;
    }
    PARSED.set(text, fit);
    parsedChars += text.length;
  }
  return fit;
}

/** The stored fits (db/fits.ts: a stage and its fits' text) as the models read them (models never change a fit). */
export function parseFits(rows: readonly { stage: string; fit: string }[]): SiteFits {
  return new Map(rows.map((r) => [r.stage, parsedStageFit(r.fit)]));
}
