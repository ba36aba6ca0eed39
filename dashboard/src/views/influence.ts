// Influenced vs sourced pipeline per channel: a deal counts for every channel that touched it
// (influenced) and once for the channel of its first touch (sourced), so only sourced sums to the total.
import type { InfluenceReport } from '../../../schemas/pipeline';
import { downloadCsv, getJson } from '../api';
import { draw } from '../charts';
import { $, csvButton, errorText, esc, status, table } from '../dom';
import { isStale, type Filters } from '../filters';
import { money, moneyShort, setCurrency } from '../format';

/** Pipeline is the amount of opportunities: the stage this view reads. */
const PIPELINE_STAGE = 'opportunity';

export async function loadInfluence(f: Filters): Promise<void> {
  const statusEl = $('influence-status');
  const params = { conversion: PIPELINE_STAGE, group_by: 'channel', from: f.from, to: f.to };
  csvButton($<HTMLButtonElement>('influence-csv'), statusEl, () => downloadCsv('/v1/influence', params));
  try {
    const r = await getJson<InfluenceReport>('/v1/influence', params);
    if (isStale(f)) return;
    setCurrency(r.currency);
    const rows = [...r.rows].sort((a, b) => b.influenced_revenue - a.influenced_revenue);
    draw(
      $<HTMLCanvasElement>('influence-chart'),
      {
        type: 'bar',
        data: {
          labels: rows.map((x) => x.key),
          datasets: [
            { label: 'Influenced pipeline', data: rows.map((x) => x.influenced_revenue), backgroundColor: '#76b7b2' },
            { label: 'Sourced pipeline', data: rows.map((x) => x.sourced_revenue), backgroundColor: '#4e79a7' },
          ],
        },
        options: {
          scales: { x: { grid: { display: false } }, y: { ticks: { callback: (v) => moneyShort(Number(v)) } } },
          plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y)}` } } },
        },
      },
      'Influenced and sourced opportunity pipeline per channel',
    );
    status(
      statusEl,
      rows.length ? `${r.totals.conversions} opportunities worth ${money(r.totals.revenue)} in this range.` : 'No opportunities in this range.',
      rows.length ? 'info' : 'empty',
    );
    $('influence-table').innerHTML = table(
      ['channel', 'influenced pipeline', 'influenced opps', 'sourced pipeline', 'sourced opps'],
      rows.map((x) => [esc(x.key), money(x.influenced_revenue), String(x.influenced_conversions), money(x.sourced_revenue), String(x.sourced_conversions)]),
      ['Total', '', '', money(r.totals.revenue), String(r.totals.conversions)],
    );
  } catch (err) {
    status(statusEl, errorText(err), 'error');
  }
}
