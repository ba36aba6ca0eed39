// CSV renderings of the query API's reports (RFC 4180: quoted where needed, CRLF line ends).
import type { FunnelReport, InfluenceReport } from '../../../schemas/pipeline';
import type { CompareReport, CreditReport, JourneyReport, QualityReport } from '../../../schemas/query';

type Cell = string | number | null;

/**
 * Quotes a field that holds a comma, quote or line break. A text field starting with = + - @ or a
 * tab gets a leading apostrophe: campaign names come from any visitor's URL, and a spreadsheet
 * would otherwise run "=HYPERLINK(…)" as a formula (OWASP CSV injection).
 */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

const conv = (n: number) => n.toFixed(4);
const money = (n: number | null) => (n === null ? null : n.toFixed(2));

const ratio = (n: number | null | undefined) => (n === null || n === undefined ? null : n.toFixed(4));

/** Spend columns come with the spend fields (grouped by channel, source, medium or campaign). */
export function creditCsv(r: CreditReport): string {
  const spend = r.totals.spend !== undefined;
  return toCsv(
    ['key', 'conversions', 'revenue', 'touches', ...(spend ? ['spend', 'roas', 'cost_per_conversion'] : [])],
    r.rows.map((x) => [
      x.key,
      conv(x.conversions),
      money(x.revenue),
      x.touches,
      ...(spend ? [money(x.spend ?? 0), ratio(x.roas), money(x.cost_per_conversion ?? null)] : []),
    ]),
  );
}

export function compareCsv(r: CompareReport): string {
  const spend = r.models.some((m) => r.totals[m]?.spend !== undefined);
  const columns = (m: string) => [`${m}_conversions`, `${m}_revenue`, `${m}_touches`, ...(spend ? [`${m}_roas`, `${m}_cost_per_conversion`] : [])];
  return toCsv(
    ['key', ...(spend ? ['spend'] : []), ...r.models.flatMap(columns)],
    r.rows.map((x) => [
      x.key,
      ...(spend ? [money(x.spend ?? 0)] : []),
      ...r.models.flatMap((m) => {
        const c = x.models[m];
        return [conv(c.conversions), money(c.revenue), c.touches, ...(spend ? [ratio(c.roas), money(c.cost_per_conversion ?? null)] : [])];
      }),
    ]),
  );
}

export function influenceCsv(r: InfluenceReport): string {
  return toCsv(
    ['key', 'influenced_conversions', 'influenced_revenue', 'sourced_conversions', 'sourced_revenue'],
    r.rows.map((x) => [x.key, x.influenced_conversions, money(x.influenced_revenue), x.sourced_conversions, money(x.sourced_revenue)]),
  );
}

/** One line per key: reached per stage, then rate and median days per later stage, then the win rate. */
export function funnelCsv(r: FunnelReport): string {
  const later = r.stages.slice(1);
  return toCsv(
    ['key', ...r.stages.map((s) => `reached_${s}`), ...later.map((s) => `rate_${s}`), ...later.map((s) => `median_days_${s}`), 'win_rate'],
    r.rows.map((x) => [
      x.key,
      ...r.stages.map((s) => x.reached[s]),
      ...later.map((s) => ratio(x.rate[s])),
      ...later.map((s) => (x.median_days[s] === null ? null : x.median_days[s]!.toFixed(2))),
      ratio(x.win_rate),
    ]),
  );
}

/** The journey as one time-ordered list of touches and conversions; per-touch credit is in the JSON form. */
export function journeyCsv(r: JourneyReport): string {
  const rows: { at: string; cells: Cell[] }[] = [
    ...r.touches.map((t) => ({
      at: t.occurred_at,
      cells: ['touch', t.occurred_at, t.touch_id, t.touch_type, t.channel, t.source, t.medium, t.campaign, t.content, t.term, t.contact_id, null],
    })),
    ...r.conversions.map((c) => ({
      at: c.occurred_at,
      cells: ['conversion', c.occurred_at, c.conversion_id, c.stage, null, null, null, null, null, null, null, money(c.amount)],
    })),
  ];
  rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return toCsv(
    ['kind', 'occurred_at', 'id', 'type_or_stage', 'channel', 'source', 'medium', 'campaign', 'content', 'term', 'contact_id', 'amount'],
    rows.map((x) => x.cells),
  );
}

/** One metric per line: section.name,value. */
export function qualityCsv(r: QualityReport): string {
  const rows: Cell[][] = [['from', r.from], ['to', r.to]];
  for (const section of ['ingest', 'identity', 'touches', 'conversions', 'currency'] as const) {
    for (const [name, value] of Object.entries(r[section])) rows.push([`${section}.${name}`, Array.isArray(value) ? value.join(' ') : value]);
  }
  return toCsv(['metric', 'value'], rows);
}
