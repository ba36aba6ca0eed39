// The change log: every change of settings, custom weights, channel rules, origins and keys, newest first.
import type { z } from 'zod';
import type { changesAnswer } from '../../../schemas/governance';
import { getJson } from '../api';
import { $, esc, table } from '../dom';
import { dateTime } from '../format';

type Changes = z.infer<typeof changesAnswer>;

const brief = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v));

export async function loadChanges(): Promise<void> {
  const list = await getJson<Changes>('/v1/changes', { limit: '100' });
  const rows = list.map((c) => [esc(dateTime(c.at, true)), esc(c.what), esc(c.by), `<code>${esc(brief(c.before))}</code>`, `<code>${esc(brief(c.after))}</code>`]);
  $('changes').innerHTML = rows.length ? table(['at (UTC)', 'what', 'by', 'before', 'after'], rows) : '<p class="status empty">No changes recorded yet.</p>';
}
