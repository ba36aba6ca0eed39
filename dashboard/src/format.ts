// How numbers, money and dates read on the dashboard: one place, so every view says it the same way.

let currency = 'USD';

/**
 * The site's reporting currency, as the last API answer gave it: every view whose report carries
 * money (credit, compare, influence) calls this with the answer's `currency` before formatting it.
 */
export function setCurrency(code: string | undefined): void {
  if (code) currency = code;
}

export function money(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n.toLocaleString('en-US', { style: 'currency', currency, maximumFractionDigits: 0 });
}

/** Short money for chart axes: $1.2M, $45k. */
export function moneyShort(n: number): string {
  const abs = Math.abs(n);
  const symbol = (0).toLocaleString('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).replace(/[\d\s.,]/g, '');
  if (abs >= 1e6) return `${symbol}${(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e3) return `${symbol}${(n / 1e3).toFixed(0)}k`;
  return `${symbol}${n.toFixed(0)}`;
}

export function pct(r: number | null | undefined, digits = 0): string {
  return r === null || r === undefined ? '—' : `${(r * 100).toFixed(digits)}%`;
}

export function num(n: number | null | undefined, digits = 0): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** 2026-03-04 → "Mar 4" (UTC, as the API's dates are). */
export function shortDate(iso: string): string {
  return new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** An API timestamp as "2026-03-04 09:15" (UTC), with ":42" seconds when asked. */
export function dateTime(iso: string, seconds = false): string {
  return iso.slice(0, seconds ? 19 : 16).replace('T', ' ');
}
