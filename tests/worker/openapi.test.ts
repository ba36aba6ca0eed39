// GET /openapi.json: generated from the routes' own declarations, it documents every route the Worker
// serves and nothing else, and real responses of every documented operation (successes and errors,
// JSON and CSV) validate against it, with no undocumented field; so do the request bodies sent.
import { MODEL_NAMES as MODELS } from '../../schemas/models';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { app } from '../../edge/src/app';
import { batch, BROWSER_UA, call, createSite, ORIGIN, pageEvent, type TestSite } from './helpers';
import { validate } from './json-schema';
import { ago, iso, runJob, seedScenario } from './query-fixtures';

type Doc = { openapi: string; paths: Record<string, Record<string, any>>; components: any };
let doc: Doc;
let site: TestSite;
const hits = new Set<string>();

beforeAll(async () => {
  const res = await call('/openapi.json');
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
  site = await createSite('OpenAPI');
  await seedScenario(site);
  await runJob(site);
});

/** Sends a request, then checks its status is documented for the operation and its body fits the schema. */
async function exercise(method: string, template: string, url: string, init: RequestInit = {}) {
  const op = doc.paths[template]?.[method];
  expect(op, `${method.toUpperCase()} ${template} is documented`).toBeDefined();
  let bodyErrors: string[] = [];
  if (typeof init.body === 'string' && op.requestBody && init.body.startsWith('{')) {
    const [type] = Object.keys(op.requestBody.content);
    bodyErrors = validate(op.requestBody.content[type].schema, JSON.parse(init.body), doc);
  }
  const res = await call(url, { ...init, method: method.toUpperCase() });
  const label = `${method.toUpperCase()} ${url} → ${res.status}`;
  // What the API accepted, the document must accept too.
  if (res.ok) expect(bodyErrors, `${label}: request body fits the documented schema`).toEqual([]);
  const documented = op.responses[String(res.status)] ?? op.responses[`${String(res.status)[0]}XX`];
  expect(documented, `${label} is a documented status`).toBeDefined();
  hits.add(`${method} ${template} ${res.status}`);
  const text = await res.text();
  if (!documented.content) {
    expect(text, label).toBe('');
    return res;
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  expect(Object.keys(documented.content), `${label} content type`).toContain(type);
  const value = type === 'application/json' ? JSON.parse(text) : text;
  expect(validate(documented.content[type].schema, value, doc, '$', true), label).toEqual([]);
  return res;
}

const postKey = () =>
  call('/v1/keys', { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'k', scope: 'read' }) });
const secret = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${site.secret_key}`, ...extra });
const admin = { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' };
const jsonBody = (body: unknown, headers: Record<string, string> = secret({ 'content-type': 'application/json' })) => ({
  headers,
  body: JSON.stringify(body),
});

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1, public, and documents every route the app serves, and only those', () => {
    expect(doc.openapi).toBe('3.1.0');
    // The dashboard and this reference are HTML pages for people (docs/operations.md, docs/api.md), not
    // part of the HTTP API.
    const served = app.routes
      .filter((r) => r.method !== 'ALL' && !/^\/(dashboard|docs)(\/|$)/.test(r.path))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect([...new Set(served)].sort()).toEqual([...documented].sort());
    for (const path of ['/e', '/s.js', '/v1/batch', '/v1/touches', '/v1/conversions', '/v1/attribution/run', '/v1/people', '/admin/sites', '/v1/credit', '/v1/credit/compare', '/v1/accounts/{domain}/journey', '/v1/quality', '/v1/spend', '/v1/exchange-rates', '/v1/influence', '/v1/funnel']) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });

  it('catches a response that does not fit (the validator is not a no-op)', () => {
    const schema = { $ref: '#/components/schemas/CreditReport' };
    expect(doc.components.schemas.CreditReport.properties.rows).toBeDefined();
    expect(validate(schema, { model: 'linear' }, doc).length).toBeGreaterThan(0);
    const extra = { accepted: 1, duplicates: 0, rejected: [], extra: 1 };
    expect(validate({ $ref: '#/components/schemas/BatchResult' }, extra, doc, '$', true)).toEqual(['$.extra: not in the documented properties']);
  });

  it('describes who may call each operation, its tag, and its errors in the one envelope', () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['adminToken', 'readKey', 'secretKey', 'secretKeyBasic']);
    expect(doc.components.securitySchemes.secretKeyBasic).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(doc.components.securitySchemes.readKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect((doc as any).tags.map((t: { name: string }) => t.name)).toEqual(['Public', 'Server-side', 'Query', 'Governance', 'Admin', 'Operations']);
    const error = { $ref: '#/components/schemas/Error' };
    const secretKey = [{ secretKey: [] }, { secretKeyBasic: [] }];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const label = `${method} ${path}`;
        expect(op.tags, label).toHaveLength(1);
        // Every /v1 route takes the secret key, and some a read key too (checked against the API below).
        const reads = path.startsWith('/v1/') && op.security.some((s: object) => 'readKey' in s);
        const security = path.startsWith('/v1/') ? (reads ? [...secretKey, { readKey: [] }] : secretKey) : path.startsWith('/admin/') ? [{ adminToken: [] }] : [];
        expect(op.security, label).toEqual(security);
        if (op.tags[0] === 'Query') expect(reads, `${label}: a read key reads every report`).toBe(true);
        expect(op.responses['5XX'].content['application/json'].schema, label).toEqual(error);
        for (const [status, answer] of Object.entries<any>(op.responses)) {
          if (/^[45]/.test(status)) expect(answer.content['application/json'].schema, `${label} ${status}`).toEqual(error);
        }
        if (path.startsWith('/v1/')) expect(Object.keys(op.responses), label).toEqual(expect.arrayContaining(['401', '403']));
        if (op.tags[0] === 'Query' && path !== '/v1/models') expect(op.responses['200'].content['text/csv'], label).toBeDefined();
      }
    }
    expect(doc.paths['/e'].post.responses['429'].headers['Retry-After']).toBeDefined();
    expect(doc.paths['/e'].post.requestBody.content['text/plain'].schema).toEqual({ $ref: '#/components/schemas/WireBatch' });
    expect(doc.components.schemas.WireBatch.properties.e.items).toEqual({ $ref: '#/components/schemas/WireEvent' });
    expect(doc.paths['/v1/batch'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SegmentBatch' });
    expect(doc.paths['/v1/touches'].post.responses['413']).toBeDefined();
    for (const report of ['CreditReport', 'CompareReport', 'JourneyReport', 'ModelsReport', 'InfluenceReport', 'FunnelReport', 'QualityReport']) {
      expect(doc.components.schemas[report], report).toBeDefined();
    }
  });

  it('lists readKey on exactly the operations a read key may call (403 read_only_key on the others)', async () => {
    const readKey = ((await (await postKey()).json()) as { key: string }).key;
    const allowed: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        const url = path.replace('{domain}', 'aaa.com').replace('{id}', 'key_nope');
        const res = await call(url, { method: method.toUpperCase(), headers: { authorization: `Bearer ${readKey}` } });
        const code = res.status === 403 ? ((await res.json()) as { error: { code: string } }).error.code : null;
        if (code !== 'read_only_key') allowed.push(`${method} ${path}`);
        const documented = op.security.some((s: object) => 'readKey' in s);
        expect([`${method} ${path}`, documented], `${method} ${path} answered a read key ${res.status} ${code ?? ''}`).toEqual([`${method} ${path}`, code !== 'read_only_key']);
      }
    }
    // The reports, the governance reads and the rule preview; never key management or a write.
    expect(allowed).toEqual(expect.arrayContaining(['get /v1/credit', 'get /v1/changes', 'get /v1/channel-rules', 'post /v1/channel-rules/preview', 'get /v1/quality/campaigns']));
    expect(allowed).not.toContain('get /v1/keys');
    expect(allowed).not.toContain('put /v1/channel-rules');
  });

  it('every documented operation answers as documented, successes and errors', async () => {
    const pk = site.public_key;
    // Public
    await exercise('get', '/healthz', '/healthz');
    await exercise('get', '/openapi.json', '/openapi.json');
    await exercise('get', '/s.js', '/s.js');
    await exercise('options', '/e', '/e', { headers: { origin: ORIGIN } });
    const browser = { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': BROWSER_UA };
    await exercise('post', '/e', '/e', { headers: browser, body: JSON.stringify(batch(pk, [pageEvent('sess_openapi_1', `${ORIGIN}/`, { l: 1 })])) });
    await exercise('post', '/e', '/e', { headers: browser, body: JSON.stringify({ k: pk }) });
    await exercise('post', '/e', '/e', { headers: browser, body: JSON.stringify(batch('pk_unknown_key_000', [pageEvent('sess_openapi_1', `${ORIGIN}/`)])) });
    await exercise('post', '/e', '/e', { headers: browser, body: JSON.stringify(batch(site.secret_key, [pageEvent('sess_openapi_1', `${ORIGIN}/`)])) });
    await exercise('post', '/e', '/e', { headers: browser, body: JSON.stringify(batch(pk, Array.from({ length: 51 }, () => pageEvent('sess_openapi_1', `${ORIGIN}/`)))) });
    await exercise('post', '/e', '/e', { headers: { ...browser, 'content-type': 'application/xml' }, body: '<e/>' });

    // Server-side writes
    const message = { messageId: 'msg-openapi-001', anonymousId: 'anon-openapi-1', timestamp: iso(ago(1)) };
    await exercise('post', '/v1/batch', '/v1/batch', jsonBody({ batch: [{ ...message, type: 'page' }] }));
    await exercise('post', '/v1/batch', '/v1/batch', jsonBody({ batch: [] }));
    await exercise('post', '/v1/identify', '/v1/identify', jsonBody({ ...message, messageId: 'msg-openapi-002', traits: { email: 'o1@openapi.com' } }));
    await exercise('post', '/v1/track', '/v1/track', jsonBody({ ...message, messageId: 'msg-openapi-003', event: 'Signed Up' }));
    await exercise('post', '/v1/page', '/v1/page', jsonBody({ ...message, messageId: 'msg-openapi-004' }));
    await exercise('post', '/v1/page', '/v1/page', jsonBody(message, { 'content-type': 'application/json' }));
    await exercise('post', '/v1/page', '/v1/page', jsonBody(message, { authorization: `Bearer ${pk}`, 'content-type': 'application/json' }));
    await exercise('post', '/v1/page', '/v1/page', { headers: secret({ 'content-type': 'text/plain' }), body: '{}' });
    await exercise('post', '/v1/touches', '/v1/touches', jsonBody({ touches: [{ id: 't-openapi-0001', occurred_at: iso(ago(2)), touch_type: 'webinar', account_domain: 'openapi.com' }] }));
    await exercise('post', '/v1/touches', '/v1/touches', jsonBody({ touches: 'nope' }));
    await exercise('post', '/v1/touches', '/v1/touches', jsonBody({ touches: Array.from({ length: 501 }, () => ({})) }));
    await exercise('post', '/v1/conversions', '/v1/conversions', jsonBody({ conversions: [{ id: 'conv-openapi-01', stage: 'closed_won', occurred_at: iso(ago(1)), account_domain: 'openapi.com', amount: 12.5, currency: 'EUR' }] }));
    const day = (days: number) => iso(ago(days)).slice(0, 10);
    await exercise('post', '/v1/spend', '/v1/spend', jsonBody({ spend: [{ id: 'spend-openapi-1', date: day(2), amount: 120.5, source: 'google', medium: 'cpc', campaign: 'brand' }] }));
    await exercise('post', '/v1/spend', '/v1/spend', jsonBody({ spend: [{ id: 'spend-openapi-2', start_date: day(9), end_date: day(3), amount: '99.99', channel: 'Events', currency: 'eur' }] }));
    await exercise('post', '/v1/spend', '/v1/spend', jsonBody({ spend: [] }));
    await exercise('post', '/v1/spend', '/v1/spend', jsonBody({ spend: Array.from({ length: 501 }, () => ({})) }));
    await exercise('post', '/v1/exchange-rates', '/v1/exchange-rates', jsonBody({ rates: [{ currency: 'EUR', date: day(30), rate: 1.0845 }] }));
    await exercise('post', '/v1/exchange-rates', '/v1/exchange-rates', jsonBody({ rates: 'nope' }));
    await exercise('post', '/v1/attribution/run', '/v1/attribution/run', { headers: secret() });
    await exercise('post', '/v1/attribution/run', '/v1/attribution/run?full=maybe', { headers: secret() });
    await exercise('delete', '/v1/people', '/v1/people?email=o1@openapi.com', { headers: secret() });
    await exercise('delete', '/v1/people', '/v1/people', { headers: secret() });

    // Query: JSON, CSV and errors
    for (const [template, url] of [
      ['/v1/credit', '/v1/credit?group_by=campaign'],
      ['/v1/credit/compare', '/v1/credit/compare?models=linear,w_shaped'],
      ['/v1/accounts/{domain}/journey', '/v1/accounts/aaa.com/journey'],
      ['/v1/quality', '/v1/quality'],
      ['/v1/influence', '/v1/influence?group_by=campaign'],
      ['/v1/funnel', '/v1/funnel?stages=lead,closed_won'],
    ]) {
      await exercise('get', template, url, { headers: secret() });
      await exercise('get', template, `${url}${url.includes('?') ? '&' : '?'}format=csv`, { headers: secret() });
      await exercise('get', template, url, { headers: secret({ accept: 'text/csv' }) });
      await exercise('get', template, `${url}${url.includes('?') ? '&' : '?'}bogus=1`, { headers: secret() });
      await exercise('get', template, url);
      await exercise('get', template, url, { headers: { authorization: `Bearer ${pk}` } });
    }
    await exercise('get', '/v1/credit', '/v1/credit?window_days=150&group_by=account', { headers: secret() });
    await exercise('get', '/v1/credit/compare', '/v1/credit/compare?models=linear&group_by=touch_type', { headers: secret() });
    await exercise('get', '/v1/funnel', '/v1/funnel?group_by=account&stages=lead,opportunity,closed_won', { headers: secret() });
    await exercise('get', '/v1/accounts/{domain}/journey', '/v1/accounts/ccc.com/journey', { headers: secret() });
    await exercise('get', '/v1/accounts/{domain}/journey', '/v1/accounts/nope.com/journey', { headers: secret() });
    await exercise('get', '/v1/models', '/v1/models', { headers: secret() });
    await exercise('get', '/v1/models', '/v1/models?conversion=sql', { headers: secret() });
    await exercise('get', '/v1/models', '/v1/models?conversion=closed_lost', { headers: secret() });
    await exercise('get', '/v1/models', '/v1/models', { headers: { authorization: `Bearer ${pk}` } });
    await exercise('get', '/v1/models', '/v1/models');
    await exercise('get', '/v1/credit', '/v1/credit?model=markov&window_days=30', { headers: secret() });

    // Governance: read keys, channel rules, the change log, campaign hygiene
    const made = await exercise('post', '/v1/keys', '/v1/keys', jsonBody({ name: 'Doc key', scope: 'read' }));
    const readKey = ((await (await postKey()).json()) as { id: string; key: string });
    await exercise('post', '/v1/keys', '/v1/keys', jsonBody({ name: 'Doc key', scope: 'write' }));
    await exercise('get', '/v1/keys', '/v1/keys', { headers: secret() });
    await exercise('get', '/v1/keys', '/v1/keys', { headers: { authorization: `Bearer ${readKey.key}` } });
    await exercise('delete', '/v1/keys/{id}', `/v1/keys/${readKey.id}`, { headers: secret() });
    await exercise('delete', '/v1/keys/{id}', '/v1/keys/key_nope', { headers: secret() });
    expect(made.status).toBe(201);
    const rules = [{ channel: 'Review Sites', when: { source: ['g2', 'capterra*'] } }];
    await exercise('put', '/v1/channel-rules', '/v1/channel-rules', { method: 'PUT', ...jsonBody({ rules }) });
    await exercise('put', '/v1/channel-rules', '/v1/channel-rules', { method: 'PUT', ...jsonBody({ rules: Array.from({ length: 101 }, () => rules[0]) }) });
    await exercise('get', '/v1/channel-rules', '/v1/channel-rules', { headers: secret() });
    await exercise('post', '/v1/channel-rules/preview', '/v1/channel-rules/preview', jsonBody({ rules }));
    await exercise('get', '/v1/changes', '/v1/changes', { headers: secret() });
    await exercise('get', '/v1/changes', '/v1/changes?what=nope', { headers: secret() });
    await exercise('get', '/v1/quality/campaigns', '/v1/quality/campaigns', { headers: secret() });
    await exercise('get', '/v1/quality/campaigns', '/v1/quality/campaigns?limit=1000', { headers: secret() });
    // Rules must not move this test's other expectations: back to none.
    await exercise('put', '/v1/channel-rules', '/v1/channel-rules', { method: 'PUT', ...jsonBody({ rules: [] }) });

    // Admin
    const created = await exercise('post', '/admin/sites', '/admin/sites', jsonBody({ name: 'Doc site', origins: ['https://doc.test'] }, admin));
    expect(created.status).toBe(201);
    await exercise('post', '/admin/sites', '/admin/sites', jsonBody({ name: '' }, admin));
    await exercise('post', '/admin/sites', '/admin/sites', jsonBody({ name: 'x' }, { 'content-type': 'application/json' }));
    await exercise('get', '/admin/sites/{id}', `/admin/sites/${site.id}`, { headers: admin });
    await exercise('get', '/admin/sites/{id}', '/admin/sites/site_nope', { headers: admin });
    await exercise('patch', '/admin/sites/{id}', `/admin/sites/${site.id}`, jsonBody({ settings: { half_life_days: 10 } }, admin));
    await exercise('patch', '/admin/sites/{id}', `/admin/sites/${site.id}`, jsonBody({ settings: { window_days: 0 } }, admin));
    const other = await createSite('Rotated');
    await exercise('post', '/admin/sites/{id}/rotate', `/admin/sites/${other.id}/rotate`, { headers: admin });
    await exercise('post', '/admin/sites/{id}/rotate', '/admin/sites/site_nope/rotate', { headers: admin });

    // Every documented operation was exercised with its success status.
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const ok = Object.keys(op.responses).find((s) => s.startsWith('2'))!;
        expect(hits, `${method} ${path} ${ok}`).toContain(`${method} ${path} ${ok}`);
      }
    }
    expect(hits.size).toBeGreaterThan(50);
  }, 30_000);

  it('documents query parameters from the validators, with defaults and allowed values', () => {
    const params = doc.paths['/v1/credit'].get.parameters.map((p: any) => p.name);
    expect(params).toEqual(['model', 'conversion', 'group_by', 'window_days', 'from', 'to', 'format']);
    const model = doc.paths['/v1/credit'].get.parameters.find((p: any) => p.name === 'model');
    expect(model.schema.enum).toEqual([...MODELS]);
    expect(model.description).toContain('default linear');
    expect(doc.paths['/v1/credit'].get.responses['200'].content['text/csv']).toBeDefined();
  });
});

describe("the routers' validation hook (edge/src/routes/openapi-router.ts)", () => {
  const codeOf = async (url: string, method = 'GET') => {
    const res = await call(url, { method, headers: secret() });
    return [res.status, ((await res.json()) as { error: { code: string; message: string } }).error] as const;
  };

  it('answers a refused query string with the codes and messages of the API', async () => {
    expect(await codeOf('/v1/credit?groupby=channel')).toEqual([400, expect.objectContaining({ code: 'unknown_parameter', message: 'unknown query parameter groupby; this route takes model, conversion, group_by, window_days, from, to, format' })]);
    expect(await codeOf('/v1/credit?model=nope')).toEqual([400, expect.objectContaining({ code: 'invalid_model' })]);
    expect(await codeOf('/v1/funnel?stages=lead&stages=mql')).toEqual([400, expect.objectContaining({ code: 'invalid_query', message: 'give each parameter once: stages was repeated' })]);
    expect(await codeOf('/v1/attribution/run?full=maybe', 'POST')).toEqual([400, expect.objectContaining({ code: 'invalid_query', message: 'full must be true or false' })]);
    expect(await codeOf('/v1/attribution/run?full=1&full=1', 'POST')).toEqual([400, expect.objectContaining({ code: 'invalid_query' })]);
    expect(await codeOf('/v1/people?email=a@b.com&email=c@d.com', 'DELETE')).toEqual([400, expect.objectContaining({ code: 'repeated_email' })]);
    expect(await codeOf('/v1/people?email=', 'DELETE')).toEqual([400, expect.objectContaining({ code: 'missing_email' })]);
    expect(await codeOf('/v1/changes?since=1')).toEqual([400, expect.objectContaining({ code: 'unknown_parameter', message: 'unknown query parameter since; this route takes what, limit' })]);
    expect(await codeOf('/v1/changes?what=nope')).toEqual([400, expect.objectContaining({ code: 'invalid_what', message: expect.stringMatching(/^what must be one of settings, /) })]);
    expect(await codeOf('/v1/quality/campaigns?limit=x')).toEqual([400, expect.objectContaining({ code: 'invalid_limit', message: 'limit must be a whole number from 1 to 100' })]);
  });

  it('answers a refused JSON body or path with the codes of the API', async () => {
    const send = async (method: string, url: string, body: unknown) => {
      const res = await call(url, { method, headers: secret({ 'content-type': 'application/json' }), body: JSON.stringify(body) });
      return [res.status, ((await res.json()) as { error: { code: string } }).error.code] as const;
    };
    const rule = { channel: 'X', when: { source: ['x'] } };
    expect(await send('PUT', '/v1/channel-rules', { rules: Array.from({ length: 101 }, () => rule) })).toEqual([400, 'too_many_rules']);
    expect(await send('PUT', '/v1/channel-rules', { rules: [{ ...rule, when: {} }] })).toEqual([400, 'invalid_channel_rules']);
    expect(await send('PUT', '/v1/channel-rules', { rules: [], extra: 1 })).toEqual([400, 'invalid_body']);
    expect(await send('POST', '/v1/keys', { name: 'k', scope: 'write' })).toEqual([400, 'invalid_scope']);
    expect(await send('POST', '/v1/keys', { scope: 'read' })).toEqual([400, 'invalid_name']);
    expect(await codeOf(`/v1/keys/${'k'.repeat(65)}`, 'DELETE')).toEqual([400, expect.objectContaining({ code: 'invalid_path' })]);
  });
});

describe('request bodies', () => {
  it('the documented request schemas accept what the API accepts', () => {
    const schemas = doc.components.schemas;
    const touch = { id: 't-openapi-0001', occurred_at: iso(ago(2)), touch_type: 'webinar', account_domain: 'openapi.com' };
    expect(validate(schemas.TouchesBody, { touches: [touch] }, doc)).toEqual([]);
    expect(validate(schemas.TouchesBody, { touches: [{ ...touch, id: 4711 }] }, doc)).toEqual([]);
    expect(validate(schemas.TouchesBody, { touches: [{ ...touch, id: ' padded' }] }, doc)).not.toEqual([]);
    expect(validate(schemas.WireBatch, batch('pk_x', [pageEvent('sess_openapi_1', `${ORIGIN}/`, { l: 1 })]), doc)).toEqual([]);
    expect(validate(schemas.CreateSite, { name: 'S', origins: ['https://s.test'], settings: { window_days: 30 } }, doc)).toEqual([]);
  });
});
