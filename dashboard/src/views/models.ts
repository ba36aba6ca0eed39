// Model comparison: each channel's credited revenue under every chosen model as grouped bars, and
// what the data-driven models (markov, shapley) learned from the site's journeys, in plain numbers.
import type { CompareReport, ModelsReport } from '../../../schemas/query';
import { downloadCsv, getJson } from '../api';
import { draw, modelColor } from '../charts';
import { $, csvButton, errorText, esc, status, table } from '../dom';
import { isStale, type Filters } from '../filters';
import { dateTime, money, moneyShort, pct, setCurrency } from '../format';

export async function loadModels(f: Filters): Promise<void> {
  const statusEl = $('models-status');
  status(statusEl, 'Loading…');
  const params = { models: f.models.join(','), conversion: f.conversion, group_by: 'channel', from: f.from, to: f.to };
  csvButton($<HTMLButtonElement>('models-csv'), statusEl, () => downloadCsv('/v1/credit/compare', params));
  try {
    const r = await getJson<CompareReport>('/v1/credit/compare', params);
    if (isStale(f)) return;
    setCurrency(r.currency);
    // Largest channels first, by their mean credit over the compared models (no model's view is favoured).
    const mean = (x: CompareReport['rows'][number]) => r.models.reduce((n, m) => n + x.models[m].revenue, 0) / r.models.length;
    r.rows.sort((a, b) => mean(b) - mean(a));
    draw(
      $<HTMLCanvasElement>('models-chart'),
      {
        type: 'bar',
        data: {
          labels: r.rows.map((x) => x.key),
          datasets: r.models.map((m) => ({ label: m, data: r.rows.map((x) => x.models[m].revenue), backgroundColor: modelColor(m) })),
        },
        options: {
          scales: { x: { grid: { display: false } }, y: { ticks: { callback: (v) => moneyShort(Number(v)) } } },
          plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y)}` } } },
        },
      },
      `Credited ${f.conversion} revenue per channel under ${r.models.length} models, grouped by channel`,
    );
    status(statusEl, r.rows.length ? `Each bar is one model's credit for the channel; every model shares out the same ${money(r.totals[r.models[0]]?.revenue)}.` : `No credited ${f.conversion} conversions in this range.`, r.rows.length ? 'info' : 'empty');
    $('models-table').innerHTML = table(
      ['channel', ...r.models.map(esc)],
      r.rows.map((x) => [esc(x.key), ...r.models.map((m) => money(x.models[m].revenue))]),
      ['Total', ...r.models.map((m) => money(r.totals[m].revenue))],
    );
  } catch (err) {
    status(statusEl, errorText(err), 'error');
  }
  await loadFit(f);
}

/** The latest fit of markov and shapley for the stage, explained; the dashboard says when data is low. */
async function loadFit(f: Filters): Promise<void> {
  const statusEl = $('fit-status');
  try {
    const fit = await getJson<ModelsReport>('/v1/models', { conversion: f.conversion });
    if (isStale(f)) return;
    if (fit.fitted_at === null) {
      // A young site: the stage has no fit yet, which is a state to show, not an error.
      draw($<HTMLCanvasElement>('fit-chart'), { type: 'bar', data: { labels: [], datasets: [] } }, `No data-driven fit for ${f.conversion} yet`);
      $('fit-low').hidden = true;
      $('fit-low').textContent = '';
      $('fit-table').innerHTML = '';
      status(statusEl, fit.note, 'empty');
      return;
    }
    const shapleyTotal = fit.shapley.channels.reduce((n, c) => n + Math.max(c.value, 0), 0);
    const shapleyShare = new Map(fit.shapley.channels.map((c) => [c.channel, shapleyTotal ? Math.max(c.value, 0) / shapleyTotal : 0]));
    const channels = [...fit.markov.channels].sort((a, b) => b.share - a.share);
    draw(
      $<HTMLCanvasElement>('fit-chart'),
      {
        type: 'bar',
        data: {
          labels: channels.map((c) => c.channel),
          datasets: [
            { label: 'Markov: share of removal effect', data: channels.map((c) => c.share), backgroundColor: modelColor('markov') },
            { label: 'Shapley: share of value', data: channels.map((c) => shapleyShare.get(c.channel) ?? 0), backgroundColor: modelColor('shapley') },
          ],
        },
        options: {
          indexAxis: 'y',
          scales: { x: { ticks: { callback: (v) => pct(Number(v)) } }, y: { grid: { display: false } } },
          plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${pct(c.parsed.x, 1)}` } } },
        },
      },
      `What the data-driven models learned for ${f.conversion}: each channel's share under Markov and Shapley`,
    );
    $('fit-low').hidden = !fit.low_data;
    $('fit-low').textContent = fit.low_data
      ? `Low data: only ${fit.journeys.converting} converting journeys (under 30). Markov and Shapley credit is unsteady until more deals close; read it beside the rule-based models.`
      : '';
    status(
      statusEl,
      `Fitted ${dateTime(fit.fitted_at)} UTC on ${fit.journeys.converting} converting and ${fit.journeys.non_converting} non-converting journeys (${fit.window_days}-day window). A walk through the channels ends in a ${fit.conversion} with probability ${pct(fit.markov.p_conversion, 1)}.`,
    );
    $('fit-table').innerHTML =
      table(
        ['channel', 'Markov removal effect', 'Markov share', 'Shapley value'],
        channels.map((c) => [esc(c.channel), pct(c.removal_effect, 1), pct(c.share, 1), (fit.shapley.channels.find((s) => s.channel === c.channel)?.value ?? 0).toFixed(2)]),
      ) +
      '<h4>Most frequent channel sets</h4>' +
      table(
        ['channels', 'journeys', 'converted', 'rate'],
        fit.shapley.sets.slice(0, 10).map((s) => [esc(s.channels.join(' + ')), String(s.journeys), String(s.conversions), pct(s.rate, 1)]),
      );
  } catch (err) {
    status(statusEl, errorText(err), 'error');
  }
}
