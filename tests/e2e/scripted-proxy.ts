// A proxy in front of the Worker's POST /e that answers some requests itself, as a test scripts it.
// Unlike page.route, it sees every request Chromium sends, beacons from a page being left included.
import { createServer, type IncomingMessage } from 'node:http';
import { freePort } from './fixture-server';

export interface ProxiedRequest {
  /** "fetch" (Sec-Fetch-Mode: cors) or "beacon" (no-cors: what sendBeacon sends). */
  kind: 'fetch' | 'beacon';
  body: { k?: string; e?: { i: string; y: string; u?: string }[] };
  ids: string[];
  status?: number;
}

/** Returns a status to answer with, or null to pass the request on to the Worker. */
export type Script = (req: ProxiedRequest) => number | null;

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => resolve(body));
  });

export async function startScriptedProxy(workerUrl: string, allowOrigin: string, script: Script) {
  const seen: ProxiedRequest[] = [];
  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    let body: ProxiedRequest['body'] = {};
    try {
      body = JSON.parse(text);
    } catch {}
    const entry: ProxiedRequest = { kind: req.headers['sec-fetch-mode'] === 'cors' ? 'fetch' : 'beacon', body, ids: (body.e ?? []).map((e) => e.i) };
    seen.push(entry);
    const status = script(entry);
    if (status !== null) {
      entry.status = status;
      const cors = { 'access-control-allow-origin': allowOrigin, 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'Retry-After' };
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '1', ...cors });
      return res.end(JSON.stringify({ error: { code: 'scripted', message: `answered ${status} by the test`, details: [] } }));
    }
    const forwarded = await fetch(`${workerUrl}${req.url}`, {
      method: req.method,
      headers: Object.fromEntries(['content-type', 'origin', 'user-agent', 'cookie'].filter((h) => req.headers[h]).map((h) => [h, String(req.headers[h])])),
      body: req.method === 'POST' ? text : undefined,
    });
    entry.status = forwarded.status;
    const headers: Record<string, string> = {};
    forwarded.headers.forEach((value, name) => (headers[name] = value));
    delete headers['content-encoding'];
    delete headers['content-length'];
    res.writeHead(forwarded.status, headers).end(await forwarded.text());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}
