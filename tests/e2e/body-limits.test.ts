// Bodies over the size limits, sent chunked (no Content-Length) to the Worker under wrangler dev: the
// answer is always the 413 JSON error, however far past the limit the sender goes.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { workerUrl } from './harness';

/** POSTs `bytes` bytes in 16 KB chunks with Transfer-Encoding: chunked; resolves with the status and body, or the error. */
function postChunked(path: string, bytes: number, headers: Record<string, string>): Promise<{ status: number | string; body: string }> {
  const url = new URL(path, workerUrl());
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => resolve({ status: `error: ${err.message}`, body: '' }));
    const chunk = Buffer.alloc(16 * 1024, 'x');
    let sent = 0;
    const write = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

describe('bodies over the limit, sent chunked', () => {
  it.each([
    ['/e', 200_000, { 'content-type': 'text/plain' }, 65_536],
    ['/e', 4_000_000, { 'content-type': 'text/plain' }, 65_536],
    ['/v1/touches', 2_000_000, { 'content-type': 'application/json', authorization: 'Bearer sk_demo' }, 524_288],
  ])('POST %s with %i bytes is 413 payload_too_large', async (path, bytes, headers, limit) => {
    const { status, body } = await postChunked(path, bytes, headers);
    expect(status).toBe(413);
    expect(JSON.parse(body)).toEqual({ error: { code: 'payload_too_large', message: `request body is larger than ${limit} bytes`, details: [] } });
  });
});
