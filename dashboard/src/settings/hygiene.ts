// Campaign hygiene: spellings that differ only in case or separators, and the source/medium pairs that
// land in Unassigned, each with "Make a rule from this".
import type { z } from 'zod';
import type { campaignQualityAnswer } from '../../../schemas/governance';
import { getJson } from '../api';
import { $, esc, table } from '../dom';
import { num } from '../format';
import { addRule } from './editor';

type CampaignQuality = z.infer<typeof campaignQualityAnswer>;

let unassigned: CampaignQuality['unassigned'] = [];

const empty = (text: string) => `<p class="status empty">${esc(text)}</p>`;

export async function loadHygiene(): Promise<void> {
  const q = await getJson<CampaignQuality>('/v1/quality/campaigns');
  unassigned = q.unassigned;
  const groups = q.groups.map((g) => [esc(g.field), `<code>${esc(g.normalized)}</code>`, esc(g.variants.map((v) => `${v.value} (${num(v.touches)})`).join(' · '))]);
  $('groups').innerHTML = groups.length ? table(['field', 'normalised', 'spellings (touches)'], groups) : empty('No inconsistent spellings found.');
  const pairs = q.unassigned.map((u, i) => [
    esc(u.source ?? '(none)'),
    esc(u.medium ?? '(none)'),
    `<span class="num">${num(u.touches)}</span>`,
    `<button type="button" class="plain" data-pair="${i}">Make a rule from this</button>`,
  ]);
  $('unassigned').innerHTML = pairs.length ? table(['source', 'medium', '<span class="num">touches</span>', '<span class="visually-hidden">action</span>'], pairs) : empty('No touch lands in Unassigned.');
}

/** "Make a rule from this": a new rule for the pair, ready to be named. */
export function initHygiene(): void {
  $('unassigned').addEventListener('click', (e) => {
    const i = (e.target as HTMLElement).closest<HTMLElement>('[data-pair]')?.dataset.pair;
    const u = i === undefined ? undefined : unassigned[Number(i)];
    if (!u) return;
    addRule({ ...(u.source ? { source: [u.source] } : {}), ...(u.medium ? { medium: [u.medium] } : {}) });
  });
}
