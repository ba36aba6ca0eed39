// Helpers of the snippet's browser tests (snippet.test.ts): a recorded visitor per test, fixture pages,
// and reads of what the Worker stored in local D1 (with a privacy scan of every table).
import type { Browser, BrowserContext, Page, Request, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createSite, eventually, fixtureUrl, launchBrowser, query, visitorContext, workerUrl, type E2ESite } from './harness';

export type Row = Record<string, any>;

/** One POST /e the page made, as the browser saw it (fetch or beacon, answered or failed). */
export interface Attempt {
  kind: string;
  ids: string[];
  body: Row;
  status?: number;
  failed?: string;
}

export interface Visit {
  site: E2ESite;
  context: BrowserContext;
  page: Page;
  /** Uncaught errors of the page (pageerror), in order. */
  errors: string[];
  attempts: Attempt[];
}

let browser: Browser;
const open: BrowserContext[] = [];

/** Registers the file's hooks: one Chromium for the file, each test's contexts closed after it. */
export function useBrowser(): void {
  beforeAll(async () => {
    [browser, schema] = await Promise.all([
      launchBrowser(),
      query<{ tbl: string; cols: string }>(
        `SELECT m.name AS tbl, group_concat(p.name, ',') AS cols FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' GROUP BY m.name`,
      ),
    ]);
    expect(schema.map((t) => t.tbl)).toEqual(expect.arrayContaining(['events', 'touches', 'contacts', 'identity_links', 'conversions', 'visitors']));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
}

const sqlText = (v: string) => `'${v.replace(/'/g, "''")}'`;
export const eventsUrl = () => `${workerUrl()}/e`;

/** A new site and a new visitor's browser context whose requests to POST /e are recorded. */
export async function visitor({ init, settings }: { init?: () => void; settings?: Row } = {}): Promise<Omit<Visit, 'page' | 'errors'>> {
  const site = await createSite(settings);
  const context = await visitorContext(browser);
  open.push(context);
  if (init) await context.addInitScript(init);
  const attempts: Attempt[] = [];
  const byRequest = new Map<Request, Attempt>();
  context.on('request', (req) => {
    if (req.url() !== eventsUrl() || req.method() !== 'POST') return;
    const body = JSON.parse(req.postData() ?? '{}');
    const attempt: Attempt = { kind: req.resourceType(), ids: (body.e ?? []).map((e: Row) => e.i), body };
    attempts.push(attempt);
    byRequest.set(req, attempt);
  });
  context.on('requestfailed', (req) => {
    const attempt = byRequest.get(req);
    if (attempt) attempt.failed = req.failure()?.errorText ?? 'failed';
  });
  context.on('response', (res) => {
    const attempt = byRequest.get(res.request());
    if (attempt) attempt.status = res.status();
  });
  return { site, context, attempts };
}

/** Opens fixture page `path` (e.g. "01_landing/") for the site, with extra query parameters. */
export async function openPage(v: Omit<Visit, 'page' | 'errors'>, path: string, params = ''): Promise<Visit> {
  const page = await v.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${fixtureUrl()}/${path}?pk=${v.site.public_key}${params}`);
  return { ...v, page, errors };
}

/** Resolves once the snippet has loaded and its queue is empty: every event it made was answered. */
export async function drained(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as any).tl?.l && localStorage.getItem('tl_q') === '[]', null, { polling: 50 });
}

/** Every table's name and columns (read once): the privacy scans search all of them. */
let schema: { tbl: string; cols: string }[];

/**
 * Rows of several tables for one site, in one D1 read (each read costs seconds); events and touches in
 * time order. With `scan`, also every row of every table, whatever the site, that contains one of those
 * values (case-insensitive), as `leaks`: [{ table, row }].
 */
export async function stored(siteId: string, tables: Record<string, string[]>, scan: string[] = []): Promise<Record<string, Row[]>> {
  const order: Record<string, string> = { events: 'occurred_at, event_id', touches: 'occurred_at, touch_id' };
  const selects = Object.entries(tables).map(([table, columns]) => {
    const fields = columns.map((c) => `'${c}', ${c}`).join(', ');
    const orderBy = order[table] ? ` ORDER BY ${order[table]}` : '';
    return `(SELECT json_group_array(json_object(${fields})) FROM (SELECT * FROM ${table} WHERE site_id = ${sqlText(siteId)}${orderBy})) AS "${table}"`;
  });
  if (scan.length) {
    const match = scan.map((n) => `instr(lower(r), ${sqlText(n.toLowerCase())}) > 0`).join(' OR ');
    // quote() renders any column (text, number, null, blob) as text, so a whole row is searched at once;
    // one scalar subquery per table, as D1 refuses a UNION of this many SELECTs.
    for (const { tbl, cols } of schema) {
      const row = cols.split(',').map((c) => `quote("${c}")`).join(` || '|' || `);
      selects.push(`(SELECT json_group_array(r) FROM (SELECT ${row} AS r FROM "${tbl}") WHERE ${match}) AS "scan:${tbl}"`);
    }
  }
  const [row] = await query<Record<string, string>>(`SELECT ${selects.join(', ')}`);
  const out: Record<string, Row[]> = { leaks: [] };
  for (const [name, json] of Object.entries(row)) {
    const rows = JSON.parse(json);
    if (!name.startsWith('scan:')) out[name] = rows;
    else out.leaks.push(...rows.map((r: string) => ({ table: name.slice(5), row: r })));
  }
  return out;
}

/** Reads `stored` again until `ready` holds for what it returns (the snippet sends asynchronously). */
export async function storedOnce(read: () => Promise<Record<string, Row[]>>, ready: (rows: Record<string, Row[]>) => unknown): Promise<Record<string, Row[]>> {
  return (await eventually(async () => {
    const rows = await read();
    return ready(rows) ? rows : undefined;
  }))!;
}

/** Answers the page's fetches to POST /e with `status` (plus the CORS headers the Worker would send). */
export function fulfil(route: Route, status: number, headers: Record<string, string> = {}) {
  return route.fulfill({
    status,
    contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'e2e', message: `answered ${status} by the test`, details: [] } }),
    headers: {
      'access-control-allow-origin': fixtureUrl(),
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'Retry-After',
      ...headers,
    },
  });
}

/** Path and query of a URL, read as text: the Worker stores the fixture host 127.0.0.1 as "[redacted]". */
export const pathOf = (url: string) => url.replace(/^[a-z]+:\/\/[^/]*/i, '');

export const count = (rows: Row[], pick: (r: Row) => unknown) =>
  rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [String(pick(r))]: (acc[String(pick(r))] ?? 0) + 1 }), {});

