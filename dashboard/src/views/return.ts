// Return on spend: spend against credited revenue per channel and per campaign, with ROAS and cost
// per conversion as the API computes them (from the sums, never averaged).
import { downloadCsv, getJson } from '../api';
import { draw } from '../charts';
import { $, csvButton, errorText, esc, status, table } from '../dom';
import { isStale, type CreditReport, type Filters } from '../filters';
import { money, moneyShort, num, setCurrency } from '../format';

/** Campaigns shown in the chart: the largest by spend plus revenue (the table lists them all). */
const TOP_CAMPAIGNS = 12;

async function loadOne(f: Filters, dim: 'channel' | 'campaign'): Promise<void> {
  const statusEl = $(`return-${dim}-status`);
  const params = { model: f.model, conversion: f.conversion, group_by: dim, from: f.from, to: f.to };
  csvButton($<HTMLButtonElement>(`return-${dim}-csv`), statusEl, () => downloadCsv('/v1/credit', params));
  try {
    const r = await getJson<CreditReport>('/v1/credit', params);
    if (isStale(f)) return;
    setCurrency(r.currency);
    const rows = [...r.rows].sort((a, b) => (b.spend ?? 0) + b.revenue - ((a.spend ?? 0) + a.revenue));
    // "(not set)" gathers touches without a campaign (organic, direct…): no campaign to judge, so the table keeps it and the chart does not.
    const shown = dim === 'campaign' ? rows.filter((x) => x.key !== '(not set)').slice(0, TOP_CAMPAIGNS) : rows;
    draw(
      $<HTMLCanvasElement>(`return-${dim}-chart`),
      {
        type: 'bar',
        data: {
          labels: shown.map((x) => (x.roas === null || x.roas === undefined ? x.key : `${x.key} · ROAS ${num(x.roas, 1)}`)),
          datasets: [
            { label: 'Spend', data: shown.map((x) => x.spend ?? 0), backgroundColor: '#f59e9e' },
            { label: `Credited revenue (${f.model})`, data: shown.map((x) => x.revenue), backgroundColor: '#4e79a7' },
          ],
        },
        options: {
          indexAxis: 'y',
          scales: { x: { ticks: { callback: (v) => moneyShort(Number(v)) } }, y: { grid: { display: false } } },
          plugins: {
            legend: { position: 'bottom' },
            tooltip: {
              callbacks: {
                label: (c) => `${c.dataset.label}: ${money(c.parsed.x)}`,
                afterBody: (items) => {
                  const x = shown[items[0].dataIndex];
                  return [`ROAS ${num(x.roas, 2)}`, `Cost per conversion ${money(x.cost_per_conversion)}`];
                },
              },
            },
          },
        },
      },
      `Spend and credited revenue per ${dim}, ${f.model} model`,
    );
    const t = r.totals;
    status(
      statusEl,
      rows.length ? `Spend ${money(t.spend)}, credited revenue ${money(t.revenue)}: ROAS ${num(t.roas, 2)}, ${money(t.cost_per_conversion)} per conversion.` : 'No spend or credit in this range. Send spend with POST /v1/spend.',
      rows.length ? 'info' : 'empty',
    );
    $(`return-${dim}-table`).innerHTML = table(
      [dim, 'spend', 'revenue', 'conversions', 'ROAS', 'cost / conversion'],
      rows.map((x) => [esc(x.key), money(x.spend), money(x.revenue), num(x.conversions, 2), num(x.roas, 2), money(x.cost_per_conversion)]),
      ['Total', money(t.spend), money(t.revenue), num(t.conversions, 2), num(t.roas, 2), money(t.cost_per_conversion)],
    );
  } catch (err) {
    status(statusEl, errorText(err), 'error');
  }
}

export async function loadReturn(f: Filters): Promise<void> {
  await Promise.all([loadOne(f, 'channel'), loadOne(f, 'campaign')]);
}
