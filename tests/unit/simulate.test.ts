// The simulation is seeded: the same seed and clock give the same journeys, a different seed others.
import { describe, expect, it } from 'vitest';
import { buildJourneys } from '../../scripts/simulate/journeys.mjs';

const opts = { accounts: 25, days: 90, origin: 'http://127.0.0.1:8787', now: Date.UTC(2026, 10, 22, 12) };

describe('simulate', () => {
  it('is deterministic for a seed', () => {
    expect(buildJourneys({ ...opts, seed: 1 })).toEqual(buildJourneys({ ...opts, seed: 1 }));
    expect(buildJourneys({ ...opts, seed: 1 })).not.toEqual(buildJourneys({ ...opts, seed: 2 }));
  });

  it('makes realistic B2B data: several contacts per account, free mail, direct traffic, offline touches, revenue', () => {
    const plan = buildJourneys({ ...opts, seed: 3 });
    expect(plan.stats.accounts).toBe(25);
    expect(plan.stats.contacts).toBeGreaterThan(40);
    expect(plan.stats.freeMail).toBeGreaterThan(0);
    const pages = plan.segment.filter((m: { type: string }) => m.type === 'page');
    expect(pages.some((m: { context: { page: { referrer?: string; url: string } } }) => !m.context.page.referrer && !m.context.page.url.includes('?'))).toBe(true);
    expect(plan.touches.length).toBeGreaterThan(0);
    expect(plan.conversions.some((c: { stage: string; amount?: number }) => c.stage === 'closed_won' && c.amount! > 0)).toBe(true);
    // Every event lies in the past, and snippet events within the 72 h the Worker accepts.
    for (const b of plan.snippet) for (const e of b.e) expect(opts.now - e.c).toBeLessThan(72 * 3600_000);
  });
});
