// A static server for tests/e2e/fixtures/NN_name/*.html; `{{WORKER}}` in a page becomes the Worker's URL.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';

const DIR = path.join(import.meta.dirname, 'fixtures');

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
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path.normalize(path.join(DIR, pathname.endsWith('/') ? `${pathname}index.html` : pathname));
    if (!file.startsWith(DIR)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const html = (await readFile(file, 'utf8')).replaceAll('{{WORKER}}', workerUrl);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
