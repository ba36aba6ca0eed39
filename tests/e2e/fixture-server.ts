// A static server for tests/e2e/fixtures/NN_name/*.html. `{{WORKER}}` in a page becomes the Worker's URL,
// and `{{SNIPPET}}` the documented embed (stub + script tag) for the public key the test passes as ?pk=
// (and, with ?api=http://127.0.0.1:PORT, a data-api that sends the events through a test's proxy).
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';

const DIR = path.join(import.meta.dirname, 'fixtures');
const STUB = '<script>window.tl=window.tl||function(){(tl.q=tl.q||[]).push(arguments)}</script>';

/** docs/snippet.md's two tags, exactly as a customer pastes them, with this run's Worker and key. */
function snippetTag(workerUrl: string, publicKey: string | null, api: string | null): string {
  const key = publicKey && /^pk_[A-Za-z0-9_]+$/.test(publicKey) ? publicKey : '';
  const dataApi = api && /^http:\/\/127\.0\.0\.1:\d+$/.test(api) ? ` data-api="${api}"` : '';
  return `${STUB}\n  <script async src="${workerUrl}/s.js" data-site="${key}"${dataApi}></script>`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function startFixtureServer(port: number, workerUrl: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const requested = new URL(req.url ?? '/', 'http://x');
    const pathname = requested.pathname;
    const file = path.normalize(path.join(DIR, pathname.endsWith('/') ? `${pathname}index.html` : pathname));
    if (!file.startsWith(DIR)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const html = (await readFile(file, 'utf8'))
        .replaceAll('{{SNIPPET}}', snippetTag(workerUrl, requested.searchParams.get('pk'), requested.searchParams.get('api')))
        .replaceAll('{{WORKER}}', workerUrl);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
