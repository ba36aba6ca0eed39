// Loopback-only HTTP for the benchmarks: a keep-alive client, a load runner bounded in count and time, and set-up calls.
import http from 'node:http';
import { ADMIN_TOKEN } from './server.mjs';

// node:http with keep-alive costs the client less CPU per request than fetch: the load generator
// shares the machine's two cores with wrangler and workerd, so its own cost skews every figure.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Guards every benchmark request: only loopback addresses are ever a target (.library/env limits). */
function assertLoopback(url) {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\./.test(host))) {
    throw new Error(`benchmarks only send traffic to loopback addresses, not ${url.host}`);
  }
}

/**
 * One request; resolves with status, headers, body text and wall milliseconds. Never rejects on HTTP
 * status. A kept-alive socket the server closed while idle fails the request that reuses it
 * ("socket hang up" / ECONNRESET, seen after the job benchmark's idle floor measurement): that
 * request never reached the server, so it is sent once more on a fresh socket (Node's advice).
 */
export async function request(base, path, opts = {}) {
  try {
    return await requestOnce(base, path, opts);
  } catch (err) {
    if (!err.reusedSocket || !(err.code === 'ECONNRESET' || /socket hang up/.test(err.message))) throw err;
    return requestOnce(base, path, opts);
  }
}

function requestOnce(base, path, { method = 'GET', headers = {}, body, timeoutMs = 120_000 } = {}) {
  const url = new URL(path, base);
  assertLoopback(url);
  const payload = body === undefined ? undefined : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      url,
      { method, agent, headers: payload ? { ...headers, 'content-length': payload.length } : headers, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
    if (payload) req.write(payload);
    req.end();
  });
}

export async function json(base, path, opts) {
  const res = await request(base, path, opts);
  let data = null;
  try {
    data = res.text ? JSON.parse(res.text) : null;
  } catch {
    // not JSON: callers look at status and text
  }
  return { ...res, data };
}

export function secretJson(base, path, key, body, { method = 'POST', timeoutMs } = {}) {
  return json(base, path, {
    method,
    timeoutMs,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A site made through the admin API, its origins the server itself (so /e accepts our Origin). */
export async function createSite(base, name, settings = {}) {
  const res = await json(base, '/admin/sites', {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, origins: [base], settings }),
  });
  if (res.status !== 201) throw new Error(`POST /admin/sites answered ${res.status}: ${res.text.slice(0, 300)}`);
  return res.data;
}

/**
 * Closed loop: `concurrency` workers each send the next request as soon as their last one answers,
 * until `requests` were sent or `maxMs` passed. `make(i)` returns [path, options]; `check(res, i)`
 * may return an error string for a wrong answer (counted, not thrown).
 */
export async function runLoad(base, { requests, concurrency, maxMs, make, check }) {
  const latencies = [];
  const statuses = {};
  const problems = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + maxMs;
  async function worker() {
    while (next < requests && performance.now() < deadline) {
      const i = next++;
      const [path, opts] = make(i);
      let res;
      try {
        res = await request(base, path, opts);
      } catch (err) {
        problems.push(String(err.message ?? err));
        continue;
      }
      latencies.push(res.ms);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      let problem = null;
      try {
        problem = check?.(res, i) ?? null;
      } catch (err) {
        problem = `unreadable answer (${err.message}): ${res.text.slice(0, 120)}`;
      }
      if (problem && problems.length < 1000) problems.push(problem);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  return { latencies, statuses, problems, sent: next, elapsedMs };
}
