// The data-driven fit reads every key's journeys through the same stitching as credit: accounts
// through their direct, contact and linked-visitor touches, free-mail contacts, and lone visitors
// (read in pages of one walk), each key once; and a key with more touches in range than one D1
// value can hold is read by rows instead of grouped, for the fit and for credit alike.
import { describe, expect, it } from 'vitest';
import { flatCredit } from './credit-rows';
import { createSite, sendAccepted as send, type TestSite } from './helpers';
import { getJson, runJob } from './query-fixtures';

const DAY = 86_400_000;
const NOW = Date.now() - 60_000;
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();

interface ModelsReport {
  journeys: { converting: number; non_converting: number };
  shapley: { sets: { channels: string[]; journeys: number; conversions: number }[] };
}

/** The fit's channel sets as {set: [journeys, conversions]}, independent of their order. */
async function fittedSets(site: TestSite, stage: string) {
  const report = await getJson<ModelsReport>(site, `/v1/models?conversion=${stage}`);
  const sets = Object.fromEntries(report.shapley.sets.map((s) => [s.channels.join('+'), [s.journeys, s.conversions]]));
  return { journeys: report.journeys, sets };
}

describe('the data-driven fit over stitched keys', () => {
  it('learns from each key once, through every stitching path, lone visitors included', async () => {
    const site = await createSite();
    await send(site, '/v1/touches', {
      touches: [
        // acme.test: a touch of the account, one of a browser linked later to its contact, one of the contact.
        { id: 'acme-direct', occurred_at: ago(30), touch_type: 'event', channel: 'A', account_domain: 'acme.test' },
        { id: 'acme-browser', occurred_at: ago(15), touch_type: 'event', channel: 'C', anonymous_id: 'v-acme' },
        { id: 'acme-contact', occurred_at: ago(12), touch_type: 'event', channel: 'B', anonymous_id: 'v-acme', email: 'pat@acme.test' },
        // After its lead: a non-converting journey of its own.
        { id: 'acme-after', occurred_at: ago(2), touch_type: 'event', channel: 'A', account_domain: 'acme.test' },
        // A free-mail contact (a personal key) and three anonymous browsers nobody identified.
        { id: 'sam-1', occurred_at: ago(8), touch_type: 'event', channel: 'A', email: 'sam@gmail.com' },
        { id: 'sam-2', occurred_at: ago(6), touch_type: 'event', channel: 'B', email: 'sam@gmail.com' },
        { id: 'lone-1a', occurred_at: ago(5), touch_type: 'event', channel: 'C', anonymous_id: 'v-lone-1' },
        { id: 'lone-1b', occurred_at: ago(4), touch_type: 'event', channel: 'C', anonymous_id: 'v-lone-1' },
        { id: 'lone-2', occurred_at: ago(3), touch_type: 'event', channel: 'A', anonymous_id: 'v-lone-2' },
        // Last touched before the fit's 365 days: no journey.
        { id: 'lone-old', occurred_at: ago(500), touch_type: 'event', channel: 'B', anonymous_id: 'v-old' },
      ],
    });
    await send(site, '/v1/conversions', { conversions: [{ id: 'acme-lead', stage: 'lead', occurred_at: ago(10), account_domain: 'acme.test' }] });
    expect(await runJob(site)).toMatchObject({ refitted: true, done: true });

    // Converting: acme's A > C > B. Non-converting: acme's A after its lead, sam's A > B, v-lone-1's
    // C > C, v-lone-2's A. v-acme is part of acme, not a lone visitor; v-old is too old.
    expect(await fittedSets(site, 'lead')).toEqual({
      journeys: { converting: 1, non_converting: 4 },
      sets: { 'A+B+C': [1, 1], A: [2, 0], 'A+B': [1, 0], C: [1, 0] },
    });
  });

  it('reads a key past the D1 value limit by rows: the same journeys and credit as any other key', async () => {
    const site = await createSite();
    // 2,200 touches of 1,000-character channels: over 2 MB as one grouped value, for each key.
    const N = 2_200;
    const long = (c: string) => c.repeat(1_000);
    const touches = [
      ...Array.from({ length: N }, (_, i) => ({ id: `big-acct-${i}`, occurred_at: ago(40 - (i / N) * 20), touch_type: 'event', channel: long('Y'), account_domain: 'big.test' })),
      ...Array.from({ length: N }, (_, i) => ({ id: `big-lone-${i}`, occurred_at: ago(20 - (i / N) * 10), touch_type: 'event', channel: long('X'), anonymous_id: 'v-big' })),
    ];
    for (let i = 0; i < touches.length; i += 400) await send(site, '/v1/touches', { touches: touches.slice(i, i + 400) });
    await send(site, '/v1/conversions', { conversions: [{ id: 'big-lead', stage: 'lead', occurred_at: ago(15), account_domain: 'big.test' }] });
    expect(await runJob(site)).toMatchObject({ refitted: true, done: true, conversions_credited: 1 });

    expect(await fittedSets(site, 'lead')).toEqual({
      journeys: { converting: 1, non_converting: 1 },
      sets: { [long('Y')]: [1, 1], [long('X')]: [1, 0] },
    });
    const linear = await flatCredit(site.id, { conversionId: 'big-lead', model: 'linear' });
    expect(linear).toHaveLength(N);
    expect(linear.reduce((n, r) => n + r.weight, 0)).toBeCloseTo(1, 9);
  }, 180_000);
});
