// Shared helpers for Worker tests: real HTTP requests into the Worker, sites made through the admin API.
import { env, SELF } from 'cloudflare:test';
import { expect } from 'vitest';

export const BASE = 'http://touchline.test';
export const ORIGIN = 'https://www.acme-site.test';
export const BROWSER_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

export interface TestSite {
  id: string;
  public_key: string;
  secret_key: string;
}

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, init);
}

export async function createSite(name = 'Test site', extra: Record<string, unknown> = {}): Promise<TestSite> {
  const res = await call('/admin/sites', {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, origins: [ORIGIN], ...extra }),
  });
  if (res.status !== 201) throw new Error(`createSite: ${res.status} ${await res.text()}`);
  return res.json();
}

let seq = 0;
/** A unique, valid event id. */
export const uid = (prefix = 'ev') => `${prefix}_${Date.now().toString(36)}_${(seq++).toString(36).padStart(4, '0')}`;

export function postEvents(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call('/e', {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA, origin: ORIGIN, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function postServer(path: string, key: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** POSTs a server-side batch that must be accepted whole: 200 and no item rejected. */
export async function sendAccepted(site: TestSite, path: string, body: unknown): Promise<void> {
  const res = await postServer(path, site.secret_key, body);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { rejected: unknown[] }).rejected).toEqual([]);
}

/** A snippet page event made now. */
export function pageEvent(session: string, url: string, extra: Record<string, unknown> = {}) {
  return { i: uid(), y: 'page', c: Date.now(), s: session, u: url, ...extra };
}

export function batch(pk: string, events: unknown[], extra: Record<string, unknown> = {}) {
  return { k: pk, v: 'vis_' + uid('v'), t: Date.now(), e: events, ...extra };
}

export async function rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
  const { results } = await env.DB.prepare(sql).bind(...params).all<T>();
  return results;
}

export async function errorOf(res: Response): Promise<{ code: string; message: string; details: unknown[] }> {
  const body = (await res.json()) as { error: { code: string; message: string; details: unknown[] } };
  return body.error;
}
