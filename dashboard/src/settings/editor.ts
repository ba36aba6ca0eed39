// The channel rules being edited: the list as typed, its table (edit, reorder, remove, add) and the
// rules as the API takes them.
import type { ChannelRule, RuleField } from '../../../schemas/governance';
import { $, esc } from '../dom';
import { num } from '../format';

/**
 * Every field a rule can test, in column order, with its placeholder. A Record over RuleField, so a
 * field added to schemas/governance.ts fails the build until it has a column here.
 */
const COLUMNS: Record<RuleField, string> = {
  source: 'g2, capterra*',
  medium: '',
  campaign: '',
  referrer_host: '',
  landing_path: '',
  touch_type: '',
};
const FIELDS = Object.keys(COLUMNS) as RuleField[];

/** A rule as typed: each condition is the field's comma-separated text. */
interface Draft {
  channel: string;
  when: Partial<Record<RuleField, string>>;
}

export interface RuleCount {
  touches: number;
  changed: number;
}

let drafts: Draft[] = [];
/** The preview's counts, one per rule, for the rules as they stood when previewed; any edit drops them. */
let counts: RuleCount[] | null = null;

const tbody = () => $('rules');

function rowHtml(d: Draft, i: number): string {
  const n = i + 1;
  const input = (field: string, value: string, placeholder: string) =>
    `<td><input value="${esc(value)}" placeholder="${esc(placeholder)}" aria-label="${field} of rule ${n}" data-rule="${i}" data-field="${field}" autocomplete="off" spellcheck="false"></td>`;
  const c = counts?.[i];
  const button = (action: string, title: string, text: string, disabled: boolean) =>
    `<button type="button" class="plain" title="${title}" aria-label="${title} rule ${n}" data-action="${action}" data-rule="${i}"${disabled ? ' disabled' : ''}>${text}</button>`;
  return `<tr class="rule"><td>${n}</td>${input('channel', d.channel, 'Review Sites')}${FIELDS.map((f) => input(f, d.when[f] ?? '', COLUMNS[f])).join('')}<td class="num" data-count="${i}">${c ? `${num(c.touches)} (${num(c.changed)} change)` : ''}</td><td class="actions">${button('up', 'move up', '↑', i === 0)}${button('down', 'move down', '↓', i === drafts.length - 1)}${button('remove', 'remove', '✕', false)}</td></tr>`;
}

function render(): void {
  tbody().innerHTML = drafts.length
    ? drafts.map(rowHtml).join('')
    : `<tr><td colspan="${FIELDS.length + 4}" class="muted">No rules: the standard channel rules apply to everything.</td></tr>`;
}

/** An edit makes the preview's counts stale: they are dropped from the state and the table. */
function dropCounts(): void {
  counts = null;
  for (const cell of tbody().querySelectorAll<HTMLElement>('[data-count]')) cell.textContent = '';
}

function move(i: number, by: number): void {
  const j = i + by;
  if (j < 0 || j >= drafts.length) return;
  [drafts[i], drafts[j]] = [drafts[j], drafts[i]];
  counts = null;
  render();
}

/** The editor's rules as the API takes them: values trimmed, empty conditions left out. */
export function ruleBody(): ChannelRule[] {
  return drafts.map((d) => {
    const when: ChannelRule['when'] = {};
    for (const f of FIELDS) {
      const values = (d.when[f] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      if (values.length) when[f] = values;
    }
    return { channel: d.channel.trim(), when };
  });
}

/** Replaces the list with the saved rules. */
export function setRules(rules: ChannelRule[]): void {
  drafts = rules.map((r) => ({ channel: r.channel, when: Object.fromEntries(FIELDS.filter((f) => r.when[f]).map((f) => [f, r.when[f]!.join(', ')])) }));
  counts = null;
  render();
}

/** Appends a rule (empty, or with these conditions) and puts the cursor in its channel name. */
export function addRule(when: Partial<Record<RuleField, string[]>> = {}): void {
  drafts.push({ channel: '', when: Object.fromEntries(Object.entries(when).map(([f, v]) => [f, v.join(', ')])) });
  counts = null;
  render();
  tbody().querySelector<HTMLInputElement>(`input[data-rule="${drafts.length - 1}"][data-field="channel"]`)?.focus();
}

/** Shows a preview's counts, one per rule in order. */
export function showCounts(c: RuleCount[]): void {
  counts = c;
  render();
}

/** Draws the header and the (empty) list, and listens to the table's inputs and buttons. */
export function initEditor(): void {
  $('rules-head').innerHTML = `<th scope="col">#</th><th scope="col">channel</th>${FIELDS.map((f) => `<th scope="col">${f}</th>`).join('')}<th scope="col" class="num">would catch</th><th scope="col"><span class="visually-hidden">order</span></th>`;
  tbody().addEventListener('input', (e) => {
    const input = e.target as HTMLInputElement;
    const d = drafts[Number(input.dataset.rule)];
    const field = input.dataset.field;
    if (!d || !field) return;
    if (field === 'channel') d.channel = input.value;
    else d.when[field as RuleField] = input.value;
    dropCounts();
  });
  tbody().addEventListener('click', (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button) return;
    const i = Number(button.dataset.rule);
    if (button.dataset.action === 'up') move(i, -1);
    else if (button.dataset.action === 'down') move(i, 1);
    else if (button.dataset.action === 'remove') {
      drafts.splice(i, 1);
      counts = null;
      render();
    }
  });
  render();
}
