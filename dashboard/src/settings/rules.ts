// Loading, previewing and saving the channel rules. Loading and previewing use the read key; saving
// takes the secret key from its field for that one request and clears the field before sending.
import type { z } from 'zod';
import type { channelRulesAnswer, previewAnswer } from '../../../schemas/governance';
import { KEY_PREFIX } from '../../../schemas/keys';
import { getJson, postJson, putJson } from '../api';
import { $, errorText, status } from '../dom';
import { dateTime, num } from '../format';
import { ruleBody, setRules, showCounts } from './editor';

type RulesAnswer = z.infer<typeof channelRulesAnswer>;
type PreviewAnswer = z.infer<typeof previewAnswer>;

export async function loadRules(): Promise<void> {
  const r = await getJson<RulesAnswer>('/v1/channel-rules');
  setRules(r.rules);
  $('version').textContent =
    `version ${r.version}` +
    (r.updated_at ? ` · saved ${dateTime(r.updated_at)} UTC` : '') +
    (r.reclassification.done ? '' : ' · history still being reclassified');
}

/** How many stored touches each rule would catch, shown beside it; nothing is saved. */
export async function previewRules(): Promise<void> {
  const out = $('save-status');
  status(out, 'Previewing…');
  try {
    const p = await postJson<PreviewAnswer>('/v1/channel-rules/preview', { rules: ruleBody() });
    showCounts(p.rules);
    status(out, `${num(p.touches_scanned)} stored touches ${p.complete ? '' : '(a sample) '}checked; ${num(p.unmatched)} caught by no rule.`);
  } catch (err) {
    status(out, errorText(err), 'error');
  }
}

/** Saves the rules with the secret key typed for it, then reloads what the save changes. */
export async function saveRules(reload: () => Promise<unknown>): Promise<void> {
  const field = $<HTMLInputElement>('secret');
  const secret = field.value.trim();
  // Cleared before the request: the secret key lives in this function's variable only.
  field.value = '';
  const out = $('save-status');
  if (!secret.startsWith(KEY_PREFIX.secret)) return status(out, 'Type the secret key (sk_…) to save; it is used for this request only.', 'error');
  status(out, 'Saving…');
  try {
    const r = await putJson<RulesAnswer>('/v1/channel-rules', { rules: ruleBody() }, secret);
    const re = r.reclassification;
    status(
      out,
      `Saved as version ${r.version}: ${num(re.touches_changed ?? 0)} touches and ${num(re.spend_changed ?? 0)} spend rows reclassified` +
        `${re.done ? '' : ' so far (the rest on the next job run)'}. Credit follows on the next attribution run.`,
      'ok',
    );
    await reload();
  } catch (err) {
    status(out, errorText(err), 'error');
  }
}
