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

  it('looks like a company: several campaigns per paid channel, named offline programs with their cost, lost deals', () => {
    const plan = buildJourneys({ ...opts, accounts: 300, days: 365, seed: 5 });
    expect(plan.stats.accounts).toBe(300);
    const campaigns = new Map<string, Set<string>>();
    for (const m of plan.segment as { context?: { page?: { url?: string } } }[]) {
      const q = new URL(m.context?.page?.url ?? 'http://x/').searchParams;
      if (q.get('utm_medium') && q.get('utm_campaign')) {
        const key = `${q.get('utm_source')}/${q.get('utm_medium')}`;
        campaigns.set(key, (campaigns.get(key) ?? new Set()).add(q.get('utm_campaign')!));
      }
    }
    expect(campaigns.get('linkedin/paid_social')!.size).toBeGreaterThanOrEqual(3);
    expect(campaigns.get('google/cpc')!.size).toBeGreaterThanOrEqual(3);
    const types = new Set(plan.touches.map((t: { touch_type: string }) => t.touch_type));
    for (const t of ['event', 'webinar', 'meeting']) expect(types).toContain(t);
    const stages = plan.conversions.map((c: { stage: string }) => c.stage);
    expect(stages.filter((s: string) => s === 'closed_lost').length).toBeGreaterThan(10);
    expect(stages.filter((s: string) => s === 'closed_won').length).toBeGreaterThan(10);
    // The programs the touches name are paid for, as ranges with their channel.
    const { spend } = buildSpend({ seed: 5, now: opts.now });
    const programs = new Set(plan.touches.map((t: { campaign: string }) => t.campaign));
    expect(spend.filter((s) => s.channel && programs.has(s.campaign)).length).toBeGreaterThan(3);
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
