// The dashboard's entry: takes a read key (never a secret key), keeps the filters, and loads every view.
import { setReadKey } from './api';
import { $, esc } from './dom';
import { DATA_DRIVEN, isStale, latestFilters, MODEL_NAMES, setLatest, STAGES, type Filters } from './filters';
import { checkKey, forgetKey, keepKey, storedKey } from './key';
import { presetRange, type Preset } from './range';
import { loadFunnel } from './views/funnel';
import { loadInfluence } from './views/influence';
import { loadAccounts, loadJourney } from './views/journey';
import { loadModels } from './views/models';
import { loadQuality } from './views/quality';
import { loadReturn } from './views/return';
import { loadTrend } from './views/trend';

/** Compared by default: the common rule-based models and both data-driven ones. */
const DEFAULT_MODELS = ['first_touch', 'last_touch', 'linear', 'w_shaped', ...DATA_DRIVEN];
const FALLBACK_MODELS: string[] = [...MODEL_NAMES];

let preset: Preset = '90d';

/** A key handed over in the address's fragment (never sent to a server) is kept for this tab and removed from the address. */
function keyFromFragment(): string | null {
  const m = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (!m) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(m[1]);
}

/** Back to the key form with a reason: the key is dropped from the tab. */
function refuseKey(message: string): void {
  const msg = $('key-message');
  msg.textContent = message;
  msg.className = 'status error';
  if (message) msg.setAttribute('role', 'alert');
  else msg.removeAttribute('role');
  forgetKey();
  setReadKey('');
  $<HTMLInputElement>('key').value = '';
  $('key-state').textContent = '';
  document.body.classList.remove('ready');
}

function useKey(raw: string): boolean {
  const check = checkKey(raw);
  const msg = $('key-message');
  if (!check.ok) {
    // A refused key is not kept, not even in the field.
    refuseKey(check.message);
    return false;
  }
  msg.textContent = '';
  msg.removeAttribute('role');
  setReadKey(raw.trim());
  keepKey(raw);
  $<HTMLInputElement>('key').value = '';
  $('key-state').textContent = `Read key ${raw.trim().slice(0, 7)}…`;
  document.body.classList.add('ready');
  return true;
}

function filters(): Filters {
  const range = preset === 'custom' ? { from: $<HTMLInputElement>('from').value, to: $<HTMLInputElement>('to').value } : presetRange(preset, Date.now());
  const models = [...document.querySelectorAll<HTMLInputElement>('#models input:checked')].map((i) => i.value);
  return { ...range, conversion: $<HTMLSelectElement>('conversion').value, model: $<HTMLSelectElement>('model').value, models: models.length ? models : DEFAULT_MODELS };
}

function loadAll(): void {
  const f = filters();
  if (!f.from || !f.to) return;
  $<HTMLInputElement>('from').value = f.from;
  $<HTMLInputElement>('to').value = f.to;
  $('range-label').textContent = `${f.from} to ${f.to}`;
  setLatest(f);
  delete document.body.dataset.loaded;
  void Promise.all([loadTrend(f), loadModels(f), loadReturn(f), loadInfluence(f), loadFunnel(f), loadAccounts(f), loadQuality(f)]).then(() => {
    // What the page shows is complete for these filters (tests wait on it).
    if (!isStale(f)) document.body.dataset.loaded = `${f.from}..${f.to}`;
  });
}

function setPreset(p: Preset): void {
  preset = p;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#presets button')) b.setAttribute('aria-pressed', String(b.dataset.preset === p));
  $('custom-range').hidden = p !== 'custom';
  if (p !== 'custom') loadAll();
}

/** The model names come from the Worker's own API description, so a new model shows up here by itself. */
async function modelNames(): Promise<string[]> {
  try {
    const doc = (await (await fetch('/openapi.json')).json()) as { paths: Record<string, { get: { parameters: { name: string; schema: { enum?: string[] } }[] } }> };
    return doc.paths['/v1/credit'].get.parameters.find((p) => p.name === 'model')?.schema.enum ?? FALLBACK_MODELS;
  } catch {
    return FALLBACK_MODELS;
  }
}

async function init(): Promise<void> {
  $('key-curl').textContent = $('key-curl').textContent!.replace('https://YOUR-WORKER', location.origin);
  $('conversion').innerHTML = STAGES.map((s) => `<option${s === 'closed_won' ? ' selected' : ''}>${s}</option>`).join('');
  // The key form is live from the start (a key typed before the model names arrive must not fall
  // through to the browser's own form submission); the views load once the names are in.
  const named = modelNames().then((names) => {
    $('model').innerHTML = names.map((m) => `<option${m === 'w_shaped' ? ' selected' : ''}>${esc(m)}</option>`).join('');
    $('models').innerHTML = names.map((m) => `<label><input type="checkbox" value="${esc(m)}"${DEFAULT_MODELS.includes(m) ? ' checked' : ''}> ${esc(m)}</label>`).join('');
  });
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const typed = $<HTMLInputElement>('key').value;
    void named.then(() => {
      if (useKey(typed)) loadAll();
    });
  });
  $('forget-key').onclick = () => refuseKey('');
  window.addEventListener('touchline:key-refused', (e) => {
    if (document.body.classList.contains('ready')) refuseKey(`The Worker did not accept this read key (${(e as CustomEvent<string>).detail}). It may have been revoked: paste another.`);
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>('#presets button')) b.onclick = () => setPreset(b.dataset.preset as Preset);
  $('apply-range').onclick = () => loadAll();
  for (const id of ['conversion', 'model']) $(id).onchange = () => loadAll();
  // The compared models matter to the comparison and the journey only: the rest is not asked again.
  $('models').onchange = () => {
    const f = latestFilters();
    if (!f) return;
    f.models = filters().models;
    void loadModels(f);
    const domain = $<HTMLInputElement>('journey-domain').value.trim();
    if (domain) void loadJourney(domain);
  };
  $('journey-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const d = $<HTMLInputElement>('journey-domain').value.trim();
    if (d) void loadJourney(d);
  });
  $('journey-accounts').onclick = (e) => {
    const d = (e.target as HTMLElement).dataset?.domain;
    if (d) void loadJourney(d);
  };

  const key = keyFromFragment() ?? storedKey();
  await named;
  if (key && useKey(key)) setPreset('90d');
  else if (!key) $<HTMLInputElement>('key').focus();
}

void init();
