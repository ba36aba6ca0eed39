// The settings page's entry: reads with the read key the dashboard holds in this tab (or one typed
// here, checked by the same rule), then loads the channel rules, campaign hygiene and change log.
import { setReadKey } from '../api';
import { $, errorText, status } from '../dom';
import { checkKey, forgetKey, keepKey, storedKey } from '../key';
import { loadChanges } from './changes';
import { addRule, initEditor } from './editor';
import { initHygiene, loadHygiene } from './hygiene';
import { loadRules, previewRules, saveRules } from './rules';

let held = '';

/** Drops the read key from the tab, with the reason if any: a refused key is not kept, not even in the field. */
function refuseKey(message: string): void {
  forgetKey();
  setReadKey('');
  held = '';
  $<HTMLInputElement>('key').value = '';
  $('key-state').textContent = '';
  $('forget-key').hidden = true;
  if (message) status($('status'), message, 'error');
  else status($('status'), 'The read key is forgotten in this tab.');
}

function useKey(raw: string): boolean {
  const check = checkKey(raw);
  if (!check.ok) {
    refuseKey(check.message);
    return false;
  }
  held = raw.trim();
  setReadKey(held);
  keepKey(held);
  $<HTMLInputElement>('key').value = '';
  $('key-state').textContent = `Read key ${held.slice(0, 7)}…`;
  $('forget-key').hidden = false;
  return true;
}

function loadAll(): Promise<void> {
  const line = $('status');
  status(line, 'Loading…');
  delete document.body.dataset.loaded;
  return Promise.all([loadRules(), loadHygiene(), loadChanges()]).then(
    () => {
      status(line, 'Loaded.');
      document.body.dataset.loaded = 'true';
    },
    // A refused key has already said why (refuseKey); any other failure is said here.
    (err) => {
      if (held) status(line, errorText(err), 'error');
    },
  );
}

function init(): void {
  initEditor();
  initHygiene();
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const typed = $<HTMLInputElement>('key').value;
    // An empty field with a key already held reloads with it.
    if (typed.trim() === '' && held) void loadAll();
    else if (useKey(typed)) void loadAll();
  });
  window.addEventListener('touchline:key-refused', (e) => {
    if (held) refuseKey(`The Worker did not accept this read key (${(e as CustomEvent<string>).detail}). It may have been revoked: paste another.`);
  });
  $('forget-key').onclick = () => refuseKey('');
  $('add').onclick = () => addRule();
  $('preview').onclick = () => void previewRules();
  $('save').onclick = () => {
    const button = $<HTMLButtonElement>('save');
    button.disabled = true;
    void saveRules(() => Promise.all([loadRules(), loadChanges(), loadHygiene()])).finally(() => (button.disabled = false));
  };
  const key = storedKey();
  if (key && useKey(key)) void loadAll();
  else $<HTMLInputElement>('key').focus();
}

init();
