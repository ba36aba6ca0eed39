// The headers of the Worker's HTML pages (the dashboard, its settings page, the API reference): one
// Content-Security-Policy, with each page's own allowances passed in, and the headers that go with it.
import type { Context } from 'hono';

export interface PagePolicy {
  /** Sources images may come from besides this origin, e.g. data: for Swagger UI's icons, blob: for chart downloads. */
  img?: readonly string[];
}

/**
 * Only this origin, for scripts, styles and requests; no inline or third-party script, no plugins,
 * no framing, no form posts, no <base>. Inline styles are allowed: Chart.js sizes its canvas and
 * Swagger UI (React) sets style attributes that way.
 */
export function contentSecurityPolicy(policy: PagePolicy = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "connect-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    ["img-src 'self'", ...(policy.img ?? [])].join(' '),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * A page that may hold a key while open: never cached, framed, sniffed or named in a Referer, and
 * run under the policy.
 */
export function setPageHeaders(c: Context, csp: string): void {
  c.header('Cache-Control', 'no-store');
  c.header('X-Frame-Options', 'DENY');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Content-Security-Policy', csp);
}
