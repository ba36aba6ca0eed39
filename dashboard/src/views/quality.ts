// Data quality: can the numbers above be trusted? Events, duplicates, bots, identification, Direct
// and Unassigned share, conversions without a touch, free mail and amounts without an exchange rate.
import type { QualityReport } from '../../../schemas/query';
import { downloadCsv, getJson } from '../api';
import { $, csvButton, errorText, esc, status } from '../dom';
import { isStale, type Filters } from '../filters';
import { num } from '../format';

const pctOf = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)}%`);

export async function loadQuality(f: Filters): Promise<void> {
  const statusEl = $('quality-status');
  const params = { from: f.from, to: f.to };
  csvButton($<HTMLButtonElement>('quality-csv'), statusEl, () => downloadCsv('/v1/quality', params));
  try {
    const q = await getJson<QualityReport>('/v1/quality', params);
    if (isStale(f)) return;
    // [value, label, warn when] — a tile turns amber when the number undermines the reports.
    const tiles: [string, string, boolean][] = [
      [num(q.ingest.events), 'events stored', false],
      [num(q.ingest.offline_touches), 'offline touches', false],
      [num(q.ingest.conversions), 'CRM conversions', false],
      [num(q.ingest.duplicates), 'duplicates ignored', false],
      [num(q.ingest.bots_dropped), 'bot events dropped', false],
      [pctOf(q.identity.identified_visitors_pct), 'visitors identified', (q.identity.identified_visitors_pct ?? 100) < 20],
      [pctOf(q.touches.unassigned_or_direct_pct), 'touches Direct or Unassigned', (q.touches.unassigned_or_direct_pct ?? 0) > 30],
      [pctOf(q.conversions.without_touch_pct), 'conversions without a touch', (q.conversions.without_touch_pct ?? 0) > 20],
      [pctOf(q.identity.free_mail_contacts_pct), 'contacts on free mail', (q.identity.free_mail_contacts_pct ?? 0) > 40],
      [
        num(q.currency.unconverted_amounts),
        `amounts without an exchange rate${q.currency.currencies_without_rate.length ? ` (${q.currency.currencies_without_rate.map(esc).join(', ')})` : ''}`,
        q.currency.unconverted_amounts > 0,
      ],
    ];
    $('quality-tiles').innerHTML = tiles.map(([v, label, warn]) => `<div class="kpi${warn ? ' warn' : ''}"><b>${v}</b><span>${label}</span></div>`).join('');
    status(statusEl, 'Amber tiles weaken the reports above; docs/dashboard.md says what to do about each.');
  } catch (err) {
    status(statusEl, errorText(err), 'error');
  }
}
