// A site's key never reveals anything of another site: every query route, called with site A's key and
// site B's domains, conversion ids, stages and time ranges, answers exactly as if B did not exist.
import { describe, expect, it } from 'vitest';
import { createSite, errorOf, type TestSite } from './helpers';
import { ago, get, iso, runJob, seedScenario, send } from './query-fixtures';

const B_ONLY = ['bonly.com', 'b_secret_stage', 'conv-bonly-won', 't-bonly-event', 'b-campaign', 'sharedco.com'];

/** B: the same ids and domains as A, different amounts, plus data only B has. */
async function seedOther(site: TestSite) {
  await seedScenario(site);
  await send(site, '/v1/touches', {
    touches: [
      { id: 't-bonly-event', occurred_at: ago(200), touch_type: 'event', account_domain: 'bonly.com', campaign: 'b-campaign' },
      { id: 't-aaa-bcall01', occurred_at: ago(2), touch_type: 'call', account_domain: 'aaa.com', campaign: 'b-campaign' },
      { id: 't-shared-b001', occurred_at: ago(3), touch_type: 'webinar', email: 'x@sharedco.com' },
    ],
  });
  await send(site, '/v1/conversions', {
    conversions: [
      { id: 'conv-aaa-won01', stage: 'closed_won', occurred_at: ago(1), account_domain: 'aaa.com', amount: 987654 },
      { id: 'conv-bonly-won', stage: 'closed_won', occurred_at: ago(1), account_domain: 'bonly.com', amount: 4242 },
      { id: 'conv-bonly-sec', stage: 'b_secret_stage', occurred_at: ago(2), account_domain: 'bonly.com' },
      { id: 'conv-shared-01', stage: 'closed_won', occurred_at: ago(1), email: 'x@sharedco.com', amount: 1 },
    ],
  });
}

/** Every query route with B's domains, ranges around B's conversions, and B's window-sensitive data. */
function probes(): string[] {
  const range = `from=${iso(ago(2.5))}&to=${iso(ago(0.5))}`;
  const dims = ['channel', 'source', 'medium', 'campaign', 'content', 'term', 'touch_type', 'account'];
  return [
    ...dims.map((g) => `/v1/credit?group_by=${g}&${range}`),
    ...dims.map((g) => `/v1/credit?group_by=${g}&window_days=300`),
    '/v1/credit?group_by=account&from=2026-01-01&to=2026-12-31',
    `/v1/credit/compare?group_by=campaign&${range}`,
    '/v1/credit/compare?group_by=account&window_days=300',
    '/v1/credit/compare?conversion=lead&group_by=account',
    '/v1/accounts/aaa.com/journey',
    '/v1/accounts/bbb.com/journey?format=csv',
    `/v1/accounts/aaa.com/journey?${range}`,
    '/v1/quality',
    `/v1/quality?${range}`,
    '/v1/credit?format=csv&group_by=account',
  ];
}

async function snapshot(site: TestSite) {
  const out: Record<string, string> = {};
  for (const path of probes()) {
    const res = await get(site, path);
    expect(res.status, path).toBe(200);
    out[path] = await res.text();
  }
  return out;
}

describe('query tenancy', () => {
  it("site A's key sees nothing of site B, whatever B's domains, ids, stages and ranges", async () => {
    const a = await createSite('Tenant A');
    await seedScenario(a);
    await runJob(a);
    const alone = await snapshot(a);

    const b = await createSite('Tenant B');
    await seedOther(b);
    await runJob(b);
    // B's data is there for B's key…
    const bView = JSON.stringify(await snapshot(b));
    for (const marker of ['bonly.com', 'b-campaign', '987654', 'sharedco.com']) expect(bView).toContain(marker);
    // …and A's answers are byte for byte what they were before B existed.
    const withB = await snapshot(a);
    expect(withB).toEqual(alone);
    for (const text of Object.values(withB)) for (const marker of B_ONLY) expect(text).not.toContain(marker);

    // B's account and B's stage are unknown to A, and the error names only A's stages.
    for (const domain of ['bonly.com', 'sharedco.com']) {
      const res = await get(a, `/v1/accounts/${domain}/journey`);
      expect([res.status, (await errorOf(res)).code]).toEqual([404, 'not_found']);
    }
    const stage = await get(a, '/v1/credit?conversion=b_secret_stage');
    const error = await errorOf(stage);
    expect([stage.status, error.code]).toEqual([400, 'invalid_conversion']);
    expect(error.message).not.toContain('b_secret_stage');
    expect(error.message).toContain('demo_booked');
    // B's key, for contrast, knows its stage.
    expect((await get(b, '/v1/credit?conversion=b_secret_stage')).status).toBe(200);
  }, 30_000);
});
