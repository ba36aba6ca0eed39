// The stage funnel by source: keys whose first lead falls in the range, grouped by their first
// touch, with how many reached each stage, the step rates, the days per step and the win rate.
import type { FunnelCells, FunnelReport } from '../../../schemas/pipeline';
import { downloadCsv, getJson } from '../api';
import { draw } from '../charts';
import { $, csvButton, errorText, esc, status, table } from '../dom';
import { isStale, type Filters } from '../filters';
import { num, pct } from '../format';

const STAGE_COLORS = ['#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];

export async function loadFunnel(f: Filters): Promise<void> {
  const statusEl = $('funnel-status');
  const params = { group_by: 'channel', from: f.from, to: f.to };
  csvButton($<HTMLButtonElement>('funnel-csv'), statusEl, () => downloadCsv('/v1/funnel', params));
  try {
    const r = await getJson<FunnelReport>('/v1/funnel', params);
    if (isStale(f)) return;
    const rows = [...r.rows].sort((a, b) => b.reached[r.stages[0]] - a.reached[r.stages[0]]);
    draw(
      $<HTMLCanvasElement>('funnel-chart'),
      {
        type: 'bar',
        data: {
          labels: rows.map((x) => x.key),
          datasets: r.stages.map((s, i) => ({ label: s, data: rows.map((x) => x.reached[s]), backgroundColor: STAGE_COLORS[i % STAGE_COLORS.length] })),
        },
        options: {
          scales: { x: { grid: { display: false } }, y: { ticks: { precision: 0 } } },
          plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { afterLabel: (c) => (c.datasetIndex ? `step rate ${pct(rows[c.dataIndex].rate[r.stages[c.datasetIndex]])}` : '') } } },
        },
      },
      `How many accounts reached each stage, by the channel of their first touch`,
    );
    const t = r.totals;
    status(
      statusEl,
      rows.length ? `${t.reached[r.stages[0]]} new ${r.stages[0]}s; ${t.reached[r.stages[r.stages.length - 1]]} reached ${r.stages[r.stages.length - 1]}; win rate ${pct(t.win_rate)}.` : `No key had its first ${r.stages[0]} in this range.`,
      rows.length ? 'info' : 'empty',
    );
    const cells = (c: FunnelCells) => [
      ...r.stages.map((s, i) => (i ? `${c.reached[s]} <small>${pct(c.rate[s])}${c.median_days[s] === null ? '' : `, ${num(c.median_days[s])} d`}</small>` : String(c.reached[s]))),
      pct(c.win_rate),
    ];
    $('funnel-table').innerHTML = table(['first touch', ...r.stages.map(esc), 'win rate'], rows.map((x) => [esc(x.key), ...cells(x)]), ['Total', ...cells(t)]);
  } catch (err) {
    status(statusEl, errorText(err), 'error');
  }
}
