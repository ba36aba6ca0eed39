// DELETE /v1/people: erasure leaves no trace of the person's contact or visitor ids in any table,
// and the credit recomputed afterwards still reconciles.
import { flatCredit } from './credit-rows';
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { auditCredit } from '../../edge/src/attribution/audit';
import { findSiteById } from '../../edge/src/db/sites';
import { batch, call, createSite, errorOf, pageEvent, postEvents, rows, type TestSite, sendAccepted } from './helpers';

const DAY = 86_400_000;
const NOW = Date.now() - 60_000;
const ago = (days: number) => NOW - days * DAY;

const send = sendAccepted;

function erase(site: TestSite, email: string, method = 'DELETE'): Promise<Response> {
  return call(`/v1/people?email=${encodeURIComponent(email)}`, { method, headers: { authorization: `Bearer ${site.secret_key}` } });
}

async function runJob(site: TestSite) {
  const res = await call('/v1/attribution/run', { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}` } });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ done: true });
  expect((await auditCredit(env.DB, (await findSiteById(env.DB, site.id))!)).problems).toEqual([]);
}

/** Every row of every table, as text, for one site: where an identifier could hide. */
async function everything(site: TestSite): Promise<string[]> {
  const tables = await rows<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  );
  const out: string[] = [];
  for (const { name } of tables) {
    const columns = await rows<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, name);
    const bySite = columns.some((c) => c.name === 'site_id') ? ' WHERE site_id = ?' : columns.some((c) => c.name === 'id') ? ' WHERE id = ?' : null;
    if (!bySite) continue;
    for (const row of await rows(`SELECT * FROM "${name}"${bySite}`, site.id)) out.push(`${name}: ${JSON.stringify(row)}`);
  }
  return out;
}

const linear = async (site: TestSite, conversionId: string) =>
  (await flatCredit(site.id, { conversionId, model: 'linear' })).map(({ touch_id, account_domain }) => ({ touch_id, account_domain }));

describe('DELETE /v1/people', () => {
  it('removes the contact, its links, visitor ids and identifying data, and credit still reconciles', async () => {
    const site = await createSite();
    const page = (messageId: string, anonymousId: string, days: number) => ({
      messageId,
      anonymousId,
      timestamp: new Date(ago(days)).toISOString(),
      context: { campaign: { source: 'google', medium: 'cpc', name: 'q3' }, page: { url: 'https://www.acme-site.test/' } },
    });
    // Ann: two devices through Segment, one through the snippet (with a form), an offline touch.
    await send(site, '/v1/page', page('msg-ann-laptop', 'ann-laptop-zq81', 20));
    await send(site, '/v1/page', page('msg-ann-phone1', 'ann-phone-zq82', 10));
    await send(site, '/v1/identify', { anonymousId: 'ann-laptop-zq81', traits: { email: 'ann@acme.com' } });
    await send(site, '/v1/identify', { anonymousId: 'ann-phone-zq82', userId: 'crm-user-42', traits: { email: 'ann@acme.com' } });
    const landing = pageEvent('ann-sess-zq83', 'https://www.acme-site.test/?utm_source=news&utm_medium=email', {
      l: 1,
      c: Date.now() - 3 * 3_600_000,
    });
    const form = { i: 'ev-ann-form-zq', y: 'form', c: Date.now() - 3 * 3_600_000 + 1000, s: 'ann-sess-zq83', m: 'ann@acme.com', g: 'lead' };
    expect((await postEvents(batch(site.public_key, [landing, form], { v: 'ann-tablet-zq84' }))).status).toBe(200);
    // A device Ann shares with Carol, of another company.
    await send(site, '/v1/page', page('msg-shared-dev', 'shared-dev-zq85', 6));
    await send(site, '/v1/identify', { anonymousId: 'shared-dev-zq85', traits: { email: 'ann@acme.com' } });
    await send(site, '/v1/identify', { anonymousId: 'shared-dev-zq85', traits: { email: 'carol@other.com' } });
    await send(site, '/v1/touches', {
      touches: [
        { id: 't-ann-webinar', occurred_at: ago(15), touch_type: 'webinar', email: 'ann@acme.com' },
        { id: 't-bob-meeting', occurred_at: ago(12), touch_type: 'meeting', email: 'bob@acme.com' },
        { id: 't-joe-webinar', occurred_at: ago(9), touch_type: 'webinar', email: 'joe@gmail.com' },
      ],
    });
    await send(site, '/v1/conversions', {
      conversions: [
        { id: 'conv-acme-won', stage: 'closed_won', occurred_at: NOW, email: 'ann@acme.com', amount: 1000 },
        { id: 'conv-ann-lead', stage: 'lead', occurred_at: ago(1), anonymous_id: 'ann-phone-zq82' },
        { id: 'conv-joe-won1', stage: 'closed_won', occurred_at: NOW, email: 'joe@gmail.com', amount: 99 },
        { id: 'conv-carol-ld', stage: 'lead', occurred_at: ago(1), email: 'carol@other.com' },
      ],
    });
    await runJob(site);

    const [{ contact_id: ann }] = await rows<{ contact_id: string }>(
      'SELECT contact_id FROM identity_links WHERE site_id = ? AND visitor_id = ?',
      site.id,
      'ann-laptop-zq81',
    );
    const annVisitors = (await rows<{ visitor_id: string }>('SELECT visitor_id FROM identity_links WHERE site_id = ? AND contact_id = ?', site.id, ann)).map(
      (r) => r.visitor_id,
    );
    expect(annVisitors).toEqual(expect.arrayContaining(['ann-laptop-zq81', 'ann-phone-zq82', 'ann-tablet-zq84', 'shared-dev-zq85']));
    expect(annVisitors.some((v) => v.startsWith('u_'))).toBe(true);
    expect((await linear(site, 'conv-carol-ld')).map((c) => c.touch_id)).toContain('s_msg-shared-dev');

    const res = await erase(site, '  Ann@ACME.com ');
    expect(res.status).toBe(200);
    const counts = (await res.json()) as Record<string, number | boolean>;
    expect(counts).toMatchObject({ erased: true, contacts: 1, visitors: annVisitors.length - 1 });
    expect(counts.touches_anonymised).toBeGreaterThanOrEqual(4);
    expect(counts.events).toBeGreaterThan(0);
    // The CRM won deal, the phone's lead and the snippet form's own lead conversion.
    expect(counts.conversions_detached).toBe(3);

    const leaks = async () => (await everything(site)).filter((line) => [ann, ...annVisitors].some((id) => line.includes(id)));
    expect(await leaks()).toEqual([]);
    await runJob(site);
    expect(await leaks()).toEqual([]);
    expect(await rows('SELECT 1 FROM events WHERE site_id = ? AND session_id = ?', site.id, 'ann-sess-zq83')).toEqual([]);

    // Ann's touches stay with Acme as anonymous account-level touches; Bob's are untouched.
    const won = await linear(site, 'conv-acme-won');
    expect(won.map((c) => c.touch_id)).toEqual(expect.arrayContaining(['s_msg-ann-laptop', 's_msg-ann-phone1', 't-ann-webinar', 't-bob-meeting']));
    expect(new Set(won.map((c) => c.account_domain))).toEqual(new Set(['acme.com']));
    // The lead that only knew Ann's phone now resolves to nobody.
    expect((await linear(site, 'conv-ann-lead')).map((c) => c.account_domain)).toEqual(['(no touch)']);
    // Carol keeps her own history but loses the shared device's.
    expect((await linear(site, 'conv-carol-ld')).map((c) => c.touch_id)).not.toContain('s_msg-shared-dev');
    expect(await rows('SELECT touch_id FROM touches WHERE site_id = ? AND touch_id = ? AND visitor_id IS NULL', site.id, 's_msg-shared-dev')).toHaveLength(1);
  });

  it("deletes a free-mail person's touches, whose only account was themselves", async () => {
    const site = await createSite();
    await send(site, '/v1/touches', {
      touches: [{ id: 't-joe-webinar', occurred_at: ago(9), touch_type: 'webinar', email: 'joe@gmail.com', anonymous_id: 'joe-laptop-qq1' }],
    });
    await send(site, '/v1/conversions', {
      conversions: [{ id: 'conv-joe-won1', stage: 'closed_won', occurred_at: NOW, email: 'joe@gmail.com', amount: 99 }],
    });
    await runJob(site);
    expect((await linear(site, 'conv-joe-won1')).map((c) => c.account_domain)).toEqual(['(personal)']);

    const res = await erase(site, 'joe@gmail.com');
    expect(await res.json()).toMatchObject({ erased: true, touches_deleted: 1, touches_anonymised: 0, conversions_detached: 1 });
    // Before the job runs again, no job table names the person either.
    expect((await everything(site)).filter((l) => l.includes('(personal):') || l.includes('joe-laptop-qq1'))).toEqual([]);
    await runJob(site);
    expect(await rows('SELECT touch_id FROM touches WHERE site_id = ?', site.id)).toEqual([]);
    expect((await linear(site, 'conv-joe-won1')).map((c) => c.touch_id)).toEqual(['']);
    expect(await rows('SELECT amount_cents, contact_id FROM conversions WHERE site_id = ?', site.id)).toEqual([{ amount_cents: 9900, contact_id: null }]);
  });

  it('is idempotent, and validates its input', async () => {
    const site = await createSite();
    const unknown = await erase(site, 'nobody@nowhere.com');
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ erased: false, contacts: 0, visitors: 0, events: 0 });
    expect((await erase(site, 'not-an-email')).status).toBe(400);
    const missing = await call('/v1/people', { method: 'DELETE', headers: { authorization: `Bearer ${site.secret_key}` } });
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).code).toBe('missing_email');
    expect((await erase(site, 'a@b.com', 'GET')).status).toBe(405);
    // One person per request: a repeated email is refused, and nobody is erased.
    const repeated = await call('/v1/people?email=a%40b.com&email=c%40d.com', { method: 'DELETE', headers: { authorization: `Bearer ${site.secret_key}` } });
    expect([repeated.status, (await errorOf(repeated)).code]).toEqual([400, 'repeated_email']);
    expect((await call('/v1/people?email=a%40b.com', { method: 'DELETE' })).status).toBe(401);
  });
});
