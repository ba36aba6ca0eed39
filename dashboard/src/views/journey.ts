// One account's journey: its touches on a timeline (one lane per channel, conversions on their own
// lane), and for a chosen conversion each touch's credit under every compared model.
import type { JourneyReport } from '../../../schemas/query';
import { downloadCsv, getJson } from '../api';
import { colorFor, draw, modelColor } from '../charts';
import { $, csvButton, errorText, esc, status, table } from '../dom';
import { isStale, type CreditReport, type Filters } from '../filters';
import { dateTime, money, moneyShort, setCurrency, shortDate } from '../format';

type Journey = JourneyReport;
type Touch = Journey['touches'][number];
type Conversion = Journey['conversions'][number];

const CONVERSIONS_LANE = 'Conversions';
let current: Journey | null = null;
let filters: Filters | null = null;

/** The accounts with the most credited revenue in the range: one click shows each journey. */
export async function loadAccounts(f: Filters): Promise<void> {
  filters = f;
  const list = $('journey-accounts');
  try {
    const r = await getJson<CreditReport>('/v1/credit', { model: f.model, conversion: f.conversion, group_by: 'account', from: f.from, to: f.to });
    if (isStale(f)) return;
    setCurrency(r.currency);
    const accounts = r.rows.filter((x) => x.key.includes('.') && x.revenue > 0).sort((a, b) => b.revenue - a.revenue).slice(0, 8);
    list.innerHTML = accounts.map((a) => `<li><button type="button" class="link" data-domain="${esc(a.key)}">${esc(a.key)}</button> <small>${money(a.revenue)}</small></li>`).join('');
    const domainInput = $<HTMLInputElement>('journey-domain');
    if (!domainInput.value && accounts.length) domainInput.value = accounts[0].key;
    if (domainInput.value) await loadJourney(domainInput.value);
    else status($('journey-status'), 'No account with credited revenue in this range: type a domain.', 'empty');
  } catch (err) {
    status($('journey-status'), errorText(err), 'error');
  }
}

export async function loadJourney(domain: string): Promise<void> {
  const f = filters;
  if (!f) return;
  const statusEl = $('journey-status');
  status(statusEl, 'Loading…');
  $<HTMLInputElement>('journey-domain').value = domain;
  const params = { models: f.models.join(',') };
  const path = `/v1/accounts/${encodeURIComponent(domain)}/journey`;
  csvButton($<HTMLButtonElement>('journey-csv'), statusEl, () => downloadCsv(path, params));
  try {
    const answer = await getJson<Journey>(path, params);
    if (isStale(f) || $<HTMLInputElement>('journey-domain').value !== domain) return;
    current = answer;
    const picker = $<HTMLSelectElement>('journey-conversion');
    const credited = current.conversions.filter((c) => c.credited);
    picker.innerHTML = credited
      .map((c, i) => `<option value="${i}">${esc(c.stage)} · ${shortDate(c.occurred_at)}${c.amount === null ? '' : ` · ${money(c.amount)}`}</option>`)
      .join('');
    // The deal itself by default: the latest closed-won, else the latest conversion with an amount.
    const best = [...credited.keys()].reverse().find((i) => credited[i].stage === 'closed_won') ?? [...credited.keys()].reverse().find((i) => credited[i].amount !== null) ?? credited.length - 1;
    picker.value = String(Math.max(best, 0));
    picker.onchange = () => drawJourney(credited[Number(picker.value)]);
    status(statusEl, `${domain}: ${current.contacts.length} contacts, ${current.touches.length} touches, ${current.conversions.length} conversions.`);
    drawJourney(credited[Number(picker.value)]);
  } catch (err) {
    status(statusEl, errorText(err), 'error');
  }
}

function drawJourney(conversion: Conversion | undefined): void {
  const j = current;
  if (!j) return;
  const lanes = [...new Set(j.touches.map((t) => t.channel)), CONVERSIONS_LANE];
  const creditOf = (model: string, touchId: string) => conversion?.credit[model]?.find((x) => x.touch_id === touchId);
  // Dots are sized by the model chosen at the top when it is among the compared ones.
  const sizeModel = filters && (j.models as readonly string[]).includes(filters.model) ? filters.model : j.models[0];
  const byTouch = new Map(j.touches.map((t) => [t.touch_id, t]));
  draw(
    $<HTMLCanvasElement>('journey-chart'),
    {
      type: 'scatter',
      data: {
        datasets: [
          ...lanes.slice(0, -1).map((lane) => ({
            label: lane,
            data: j.touches.filter((t) => t.channel === lane).map((t) => ({ x: Date.parse(t.occurred_at), y: lane as unknown as number, id: t.touch_id })),
            backgroundColor: colorFor(lane),
            // A touch that earned more of the chosen conversion's credit is drawn larger.
            pointRadius: (ctx: { raw?: unknown }) => 4 + 10 * (creditOf(sizeModel, (ctx.raw as { id: string })?.id)?.weight ?? 0),
          })),
          {
            label: CONVERSIONS_LANE,
            data: j.conversions.map((c) => ({ x: Date.parse(c.occurred_at), y: CONVERSIONS_LANE as unknown as number, id: c.conversion_id })),
            backgroundColor: '#111827',
            pointStyle: 'triangle',
            pointRadius: 7,
          },
        ],
      },
      options: {
        scales: {
          x: { type: 'linear', ticks: { callback: (v) => shortDate(new Date(Number(v)).toISOString()), maxTicksLimit: 8 } },
          y: { type: 'category', labels: lanes, offset: true, grid: { display: false } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (c) => {
                const id = (c.raw as { id: string }).id;
                const t = byTouch.get(id);
                if (!t) {
                  const conv = j.conversions.find((x) => x.conversion_id === id);
                  return conv ? `${conv.stage} ${dateTime(conv.occurred_at)}${conv.amount === null ? '' : ` · ${money(conv.amount)}`}` : id;
                }
                return [`${t.channel} · ${t.touch_type}${t.campaign ? ` · ${t.campaign}` : ''}`, dateTime(t.occurred_at), ...j.models.map((m) => `${m}: ${money(creditOf(m, id)?.revenue ?? 0)}`)];
              },
            },
          },
        },
      },
    },
    `Timeline of ${j.domain}: ${j.touches.length} touches across ${lanes.length - 1} channels and ${j.conversions.length} conversions`,
  );
  // Each credited touch of the chosen conversion, its revenue under every model side by side.
  const creditedTouches = j.touches.filter((t) => j.models.some((m) => creditOf(m, t.touch_id)));
  draw(
    $<HTMLCanvasElement>('journey-credit-chart'),
    {
      type: 'bar',
      data: {
        labels: creditedTouches.map((t) => `${shortDate(t.occurred_at)} · ${t.channel}`),
        datasets: j.models.map((m) => ({ label: m, data: creditedTouches.map((t) => creditOf(m, t.touch_id)?.revenue ?? 0), backgroundColor: modelColor(m) })),
      },
      options: {
        scales: { x: { grid: { display: false } }, y: { ticks: { callback: (v) => moneyShort(Number(v)) } } },
        plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y)}` } } },
      },
    },
    `Credit of each touch of the chosen conversion under ${j.models.length} models`,
  );
  $('journey-table').innerHTML = table(
    ['when (UTC)', 'channel', 'type', 'campaign', ...j.models.map(esc)],
    j.touches.map((t) => [
      dateTime(t.occurred_at),
      esc(t.channel),
      esc(t.touch_type),
      esc(t.campaign ?? ''),
      ...j.models.map((m) => {
        const c = creditOf(m, t.touch_id);
        return c ? `${money(c.revenue)} <small>${(c.weight * 100).toFixed(0)}%</small>` : '';
      }),
    ]),
  );
}
