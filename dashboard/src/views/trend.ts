// Credited revenue by channel, week by week, stacked: one credit query per week of the range (the
// API answers one range per query), with a marker where the credit definitions last changed.
import { getJson, saveFile } from '../api';
import { colorFor, draw, markerPlugin } from '../charts';
import { $, csvButton, errorText, esc, status, table } from '../dom';
import { isStale, type CreditReport, type Filters } from '../filters';
import { money, moneyShort, setCurrency, shortDate } from '../format';
import { weeks, type Range } from '../range';

/** At most this many weekly queries in flight: a year is 53 of them. */
const PARALLEL = 4;
/** Channels beyond the largest ones are summed as "Other" so the stack stays readable. */
const MAX_SERIES = 9;

async function mapLimited<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function loadTrend(f: Filters): Promise<void> {
  const statusEl = $('trend-status');
  status(statusEl, 'Loading…');
  try {
    const buckets = weeks(f);
    const answers = await mapLimited(buckets, PARALLEL, (w: Range) =>
      getJson<CreditReport>('/v1/credit', { model: f.model, conversion: f.conversion, group_by: 'channel', from: w.from, to: w.to }),
    );
    if (isStale(f)) return;
    setCurrency(answers[0]?.currency);
    const totals = new Map<string, number>();
    for (const a of answers) for (const r of a.rows) totals.set(r.key, (totals.get(r.key) ?? 0) + r.revenue);
    const ranked = [...totals.entries()].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k]) => k);
    const shown = ranked.slice(0, MAX_SERIES);
    const series = ranked.length > MAX_SERIES ? [...shown, 'Other'] : shown;
    const value = (a: CreditReport, key: string) =>
      key === 'Other' ? a.rows.filter((r) => !shown.includes(r.key)).reduce((n, r) => n + r.revenue, 0) : (a.rows.find((r) => r.key === key)?.revenue ?? 0);
    const labels = buckets.map((w) => shortDate(w.from));
    const changed = answers.map((a) => a.definitions_changed_at).find(Boolean) ?? null;
    const markerIndex = () => {
      if (!changed) return null;
      const day = changed.slice(0, 10);
      const i = buckets.findIndex((w) => w.from <= day && day <= w.to);
      return i < 0 ? null : i;
    };
    draw(
      $<HTMLCanvasElement>('trend-chart'),
      {
        type: 'bar',
        data: {
          labels,
          datasets: series.map((key) => ({ label: key, data: answers.map((a) => value(a, key)), backgroundColor: colorFor(key), stack: 'revenue' })),
        },
        options: {
          scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, ticks: { callback: (v) => moneyShort(Number(v)) } } },
          plugins: {
            legend: { position: 'bottom' },
            tooltip: { mode: 'index', callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y)}` } },
          },
        },
        plugins: [markerPlugin(markerIndex, 'definitions changed')],
      },
      `Credited ${f.conversion} revenue by channel per week, ${f.model} model, ${f.from} to ${f.to}: ${series.length} channels over ${buckets.length} weeks`,
    );
    const total = answers.reduce((n, a) => n + a.totals.revenue, 0);
    const conversions = answers.reduce((n, a) => n + a.totals.conversions, 0);
    status(
      statusEl,
      ranked.length
        ? `${money(total)} credited to ${conversions} ${f.conversion} conversions by the ${f.model} model, ${buckets.length} weeks${changed ? `; credit definitions changed ${changed.slice(0, 10)} (dashed line)` : ''}.`
        : `No credited ${f.conversion} revenue in this range.`,
      ranked.length ? 'info' : 'empty',
    );
    const head = ['week from', ...series.map(esc), 'total'];
    const rows = answers.map((a, i) => [buckets[i].from, ...series.map((k) => money(value(a, k))), money(a.totals.revenue)]);
    $('trend-table').innerHTML = table(head, rows);
    // The weekly table is put together here from the API's answers, so its CSV is too.
    csvButton($<HTMLButtonElement>('trend-csv'), statusEl, async () => {
      const lines = [['week_from', 'week_to', 'channel', 'revenue', 'conversions'].join(',')];
      answers.forEach((a, i) => {
        for (const r of a.rows) lines.push([buckets[i].from, buckets[i].to, `"${r.key.replace(/"/g, '""')}"`, r.revenue, r.conversions].join(','));
      });
      saveFile(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }), `credit_weekly_${f.model}_${f.conversion}_${f.from}_${f.to}.csv`);
    });
  } catch (err) {
    status(statusEl, errorText(err), 'error');
  }
}
