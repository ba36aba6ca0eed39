// The simulation is seeded: the same seed and clock give the same journeys, a different seed others.
import { describe, expect, it } from 'vitest';
import { buildJourneys } from '../../scripts/simulate/journeys.mjs';
import { buildSpend } from '../../scripts/simulate/spend.mjs';

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

  it('spends every day of a year per campaign, some campaigns without deals, one of them in euros with rates', () => {
    const { spend, rates } = buildSpend({ seed: 3, now: opts.now });
    expect(buildSpend({ seed: 3, now: opts.now })).toEqual({ spend, rates });
    const daily = spend.filter((s) => s.date);
    const days = new Set(daily.map((s) => s.date));
    expect(days.size).toBe(365);
    expect(new Set(spend.map((s) => s.id)).size).toBe(spend.length);
    expect(spend.some((s) => s.start_date && s.end_date)).toBe(true);
    for (const s of spend) expect(s.amount).toBeGreaterThan(0);
    // Campaigns the journeys' UTMs carry get deals; the others are spend with no return.
    const pages = buildJourneys({ ...opts, seed: 3 }).segment.map((m: { context?: { page?: { url?: string } } }) => m.context?.page?.url ?? '').join(' ');
    const campaigns = [...new Set(spend.map((s) => s.campaign))];
    expect(campaigns.filter((c) => pages.includes(`utm_campaign=${c}`)).length).toBeGreaterThan(0);
    expect(campaigns.filter((c) => !pages.includes(`utm_campaign=${c}`)).length).toBeGreaterThan(1);
    expect(new Set(spend.map((s) => s.currency ?? 'USD'))).toEqual(new Set(['USD', 'EUR']));
    // A rate at or before every euro day (weekdays only, as published).
    const eurDays = spend.filter((s) => s.currency === 'EUR').map((s) => s.date!);
    expect(rates[0].date <= eurDays.sort()[0]).toBe(true);
    expect(rates.every((r) => r.currency === 'EUR' && r.rate > 0.9 && r.rate < 1.3)).toBe(true);
    expect(buildJourneys({ ...opts, seed: 3 }).conversions.some((c: { currency?: string }) => c.currency === 'EUR')).toBe(true);
  });
});
