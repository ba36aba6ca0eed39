// One whole B2B journey through the real product: two people of one company browse the demo site in
// Chromium, the CRM posts a webinar, an opportunity and a closed-won, the job runs, and the credit
// and journey APIs return the split every rule-based model promises (docs/attribution.md).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, launchBrowser, query, visitorContext, workerUrl } from './harness';

const SK = 'sk_demo';
const DOMAIN = 'e2e-journey-corp.com';
const AMOUNT = 24_000;
type Row = Record<string, any>;

let browser: Browser;
const contexts: BrowserContext[] = [];

async function api(path: string, init: RequestInit = {}): Promise<Row> {
  const res = await fetch(`${workerUrl()}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path} → ${res.status} ${JSON.stringify(body)}`);
  return body as Row;
}

/** Waits until the snippet's queue in this tab is empty: everything it captured reached the Worker. */
async function flushed(page: Page): Promise<void> {
  await page.evaluate(() => (window as any).tl('flush'));
  await eventually(() => page.evaluate(() => (localStorage.getItem('tl_q') ?? '[]') === '[]'));
}

/** The session ends when it has been idle long enough; the test ends it instead of waiting 30 minutes. */
const expireSession = (page: Page) => page.evaluate(() => localStorage.removeItem('tl_s'));

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
});

describe('a full B2B journey', () => {
  it('credits LinkedIn, Google, the blog and the webinar exactly as every model says', async () => {
    const base = workerUrl();
    // Custom weights for this run: a webinar counts three times a web visit.
    await api('/admin/sites/site_demo', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ settings: { custom_weights: { webinar: 3 } } }),
    });

    // 1. The champion clicks a LinkedIn ad.
    const champion = await visitorContext(browser);
    contexts.push(champion);
    const p1 = await champion.newPage();
    await p1.goto(`${base}/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=q4-abm&li_fat_id=li-e2e-1`);
    await p1.goto(`${base}/pricing`);
    await flushed(p1);

    // 2. Later, a new session: the champion comes back from a Google search.
    await expireSession(p1);
    await p1.goto(`${base}/product`, { referer: 'https://www.google.com/' });
    await flushed(p1);

    // 3. A colleague, on her own laptop, reads the blog and registers for the webinar.
    const colleague = await visitorContext(browser);
    contexts.push(colleague);
    const p2 = await colleague.newPage();
    await p2.goto(`${base}/blog/account-based-attribution`);
    await p2.click('a[href="/webinar"]');
    await p2.waitForURL('**/webinar');
    await p2.fill('input[name=email]', `Maria.Lopez@${DOMAIN}`);
    await p2.fill('input[name=company]', 'E2E Journey Corp');
    await Promise.all([p2.waitForURL('**/thanks**'), p2.click('button[type=submit]')]);
    await flushed(p2);

    // 4. The champion requests a demo: a lead.
    await p1.goto(`${base}/demo`);
    await p1.fill('input[name=email]', `sam.taylor@${DOMAIN}`);
    await p1.fill('input[name=company]', 'E2E Journey Corp');
    await p1.fill('textarea[name=message]', 'Please show us account-level reporting.');
    await Promise.all([p1.waitForURL('**/thanks**'), p1.click('button[type=submit]')]);
    await flushed(p1);

    // 5. The CRM: the colleague attended the webinar; an opportunity opens and closes won.
    const t = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(await api('/v1/touches', { method: 'POST', body: JSON.stringify({ touches: [
      { id: 'e2e-webinar-attendance', occurred_at: iso(t + 1_000), touch_type: 'webinar', email: `maria.lopez@${DOMAIN}`, campaign: 'attribution-101' },
    ] }) })).toMatchObject({ accepted: 1 });
    expect(await api('/v1/conversions', { method: 'POST', body: JSON.stringify({ conversions: [
      { id: 'e2e-opp-open', stage: 'opportunity', occurred_at: iso(t + 2_000), account_domain: DOMAIN, opportunity_id: 'OPP-E2E', amount: AMOUNT },
      { id: 'e2e-opp-won', stage: 'closed_won', occurred_at: iso(t + 3_000), account_domain: DOMAIN, opportunity_id: 'OPP-E2E', amount: AMOUNT, currency: 'USD' },
    ] }) })).toMatchObject({ accepted: 2 });

    // 6. The job runs.
    await eventually(async () => (await api('/v1/attribution/run', { method: 'POST' })).done);

    // The journey shows every touch of both people, in order, and the conversions.
    const journey = await api(`/v1/accounts/${DOMAIN}/journey`);
    expect(journey.contacts).toHaveLength(2);
    for (const c of journey.contacts) expect(c.contact_id).toMatch(/^[0-9a-f]{64}$/);
    const touches = journey.touches as Row[];
    expect(touches.map((x) => [x.channel, x.touch_type, x.campaign])).toEqual([
      ['Paid Social', 'web_visit', 'q4-abm'],
      ['Organic Search', 'form_fill', null],
      ['Direct', 'form_fill', null],
      ['Events', 'webinar', 'attribution-101'],
    ]);
    expect(new Set(touches.map((x) => x.contact_id)).size).toBe(2);
    expect(journey.conversions.map((c: Row) => c.stage).sort()).toEqual(['closed_won', 'lead', 'opportunity']);

    // Milestones: FT = LinkedIn; LC = the blog visit (last touch before the first lead, the demo form);
    // OC = CW = the webinar. Shares in the touches' order [LinkedIn, Google, blog, webinar]:
    const at = touches.map((x) => Date.parse(x.occurred_at));
    const won = journey.conversions.find((c: Row) => c.stage === 'closed_won');
    const T = Date.parse(won.occurred_at);
    const decay = at.map((a) => 2 ** (-((T - a) / 86_400_000) / 7));
    const sum = decay.reduce((n, d) => n + d, 0);
    const expected: Record<string, number[]> = {
      first_touch: [1, 0, 0, 0],
      last_touch: [0, 0, 0, 1],
      last_non_direct: [0, 0, 0, 1],
      linear: [0.25, 0.25, 0.25, 0.25],
      time_decay: decay.map((d) => d / sum),
      u_shaped: [0.4, 0.1, 0.1, 0.4],
      w_shaped: [0.3, 0.1, 0.3, 0.3],
      full_path: [0.225, 0.1, 0.225, 0.45],
      custom: [1 / 6, 1 / 6, 1 / 6, 3 / 6],
    };
    const credit = won.credit as Record<string, { touch_id: string; weight: number; revenue: number }[]>;
    for (const [model, shares] of Object.entries(expected)) {
      const byTouch = new Map(credit[model].map((c) => [c.touch_id, c]));
      const weights = touches.map((x) => byTouch.get(x.touch_id)?.weight ?? 0);
      // Stored as whole billionths of a conversion: within one unit (1e-9) of the exact share.
      weights.forEach((w, i) => expect(Math.abs(w - shares[i]), `${model} weight of touch ${i}`).toBeLessThanOrEqual(1e-9));
      const revenue = touches.map((x) => byTouch.get(x.touch_id)?.revenue ?? 0);
      revenue.forEach((r, i) => expect(Math.abs(r - AMOUNT * shares[i]), `${model} revenue of touch ${i}`).toBeLessThanOrEqual(0.01));
      expect(Math.round(revenue.reduce((n, r) => n + r, 0) * 100), `${model} revenue reconciles`).toBe(AMOUNT * 100);
    }

    // And the credit API, grouped by channel, returns the same split for this account's deal.
    for (const model of Object.keys(expected)) {
      const report = await api(`/v1/credit?model=${model}&conversion=closed_won&group_by=channel`);
      const rows = new Map((report.rows as Row[]).map((r) => [r.key, r]));
      const channels = ['Paid Social', 'Organic Search', 'Direct', 'Events'];
      channels.forEach((ch, i) => {
        if (expected[model][i] === 0) expect(rows.get(ch)?.revenue ?? 0).toBe(0);
        else expect(Math.abs(rows.get(ch)!.revenue - AMOUNT * expected[model][i]), `${model} ${ch}`).toBeLessThanOrEqual(0.01);
      });
      // No spend was sent: grouped by channel, the totals carry spend 0 and no ROAS.
      expect(report.totals).toEqual({ conversions: 1, revenue: AMOUNT, spend: 0, roas: null, cost_per_conversion: 0 });
    }

    // Nothing identifying was stored on the way.
    const dump = JSON.stringify(await query(`SELECT * FROM contacts`)) + JSON.stringify(await query(`SELECT * FROM events`));
    expect(dump.toLowerCase()).not.toContain(`maria.lopez@${DOMAIN}`);
    expect(dump.toLowerCase()).not.toContain(`sam.taylor@${DOMAIN}`);
  });
});
