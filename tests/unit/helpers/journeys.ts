// Seeded random journeys and touches for the data-driven models' property tests (no test runs here).
import type { CreditTouch, Journey } from '../../../edge/src/attribution/models';

/** mulberry32: a tiny seeded PRNG, so every random case is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

export function randomJourneys(rand: () => number, opts: { channels: readonly string[]; count: number; maxLength: number; conversionRate?: number }): Journey[] {
  const out: Journey[] = [];
  for (let i = 0; i < opts.count; i++) {
    const length = 1 + Math.floor(rand() * opts.maxLength);
    const channels = Array.from({ length }, () => pick(rand, opts.channels));
    out.push({ stage: 'lead', channels, converted: rand() < (opts.conversionRate ?? 0.4) });
  }
  return out;
}

export function shuffled<T>(rand: () => number, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** One touch per channel, a day apart, as a conversion's window would hold them. */
export function touchesOf(channels: readonly string[]): CreditTouch[] {
  return channels.map((channel, i) => ({ id: `t${i}`, at: Date.UTC(2024, 0, 1) + i * 86_400_000, channel, touchType: 'web_visit' }));
}

export const journey = (path: string, converted: boolean, stage = 'lead'): Journey => ({ stage, channels: path.split('>'), converted });

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);


/** The same journeys with each distinct one once and its `count` (as the job hands them to a fit). */
export function counted(journeys: readonly Journey[]): Journey[] {
  const distinct = new Map<string, Journey>();
  for (const j of journeys) {
    const id = JSON.stringify([j.converted, j.channels]);
    const seen = distinct.get(id);
    if (seen) seen.count = (seen.count ?? 1) + 1;
    else distinct.set(id, { ...j, channels: [...j.channels], count: 1 });
  }
  return [...distinct.values()];
}
