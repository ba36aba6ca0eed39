// Calls the Worker's API from the dashboard pages: reads with the read key, downloads any answer as CSV
// (format=csv), and makes the one kind of write the settings page allows with a secret key typed for it.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | undefined>;

let readKey = '';

export function setReadKey(key: string): void {
  readKey = key;
}

export function apiUrl(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * One API call. With `secretKey` the call is a write authorised by a key the user typed for it: that
 * key is used for this request only, and its refusal says nothing about the read key.
 */
async function request(url: string, init: RequestInit = {}, secretKey?: string): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${secretKey ?? readKey}`);
  const res = await fetch(url, { ...init, headers });
  if (res.ok) return res;
  let code = String(res.status);
  let message = res.statusText;
  try {
    const body = (await res.json()) as { error?: { code: string; message: string } };
    if (body.error) ({ code, message } = body.error);
  } catch {
    // not a JSON error envelope: keep the status text
  }
  // An unknown or revoked read key: the page goes back to asking for one (main.ts and settings/main.ts listen).
  if (res.status === 401 && secretKey === undefined) window.dispatchEvent(new CustomEvent('touchline:key-refused', { detail: message }));
  throw new ApiError(`${code}: ${message}`, res.status, code);
}

const jsonBody = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export async function getJson<T>(path: string, params: Params = {}): Promise<T> {
  return (await request(apiUrl(path, params))).json() as Promise<T>;
}

/** A POST that only reads (a preview), with the read key. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return (await request(path, jsonBody('POST', body))).json() as Promise<T>;
}

/** A write with a secret key the user typed for it: passed in, used for this request, kept nowhere. */
export async function putJson<T>(path: string, body: unknown, secretKey: string): Promise<T> {
  return (await request(path, jsonBody('PUT', body), secretKey)).json() as Promise<T>;
}

/** Saves a blob as a file: the key travels in a header, so a plain link cannot download it. */
export function saveFile(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** The API's own CSV of a report, named as the API names it. */
export async function downloadCsv(path: string, params: Params): Promise<void> {
  const res = await request(apiUrl(path, { ...params, format: 'csv' }));
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'touchline.csv';
  saveFile(await res.blob(), name);
}
