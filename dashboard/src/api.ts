// Reads the query API with the read key, and downloads any of its answers as CSV (format=csv).

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

async function request(url: string): Promise<Response> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${readKey}` } });
  if (res.ok) return res;
  let code = String(res.status);
  let message = res.statusText;
  try {
    const body = (await res.json()) as { error?: { code: string; message: string } };
    if (body.error) ({ code, message } = body.error);
  } catch {
    // not a JSON error envelope: keep the status text
  }
  // An unknown or revoked key: the page goes back to asking for one (main.ts listens).
  if (res.status === 401) window.dispatchEvent(new CustomEvent('touchline:key-refused', { detail: message }));
  throw new ApiError(`${code}: ${message}`, res.status, code);
}

export async function getJson<T>(path: string, params: Params = {}): Promise<T> {
  return (await request(apiUrl(path, params))).json() as Promise<T>;
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
