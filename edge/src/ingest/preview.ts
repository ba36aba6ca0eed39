// What a set of channel rules would do to a site's stored touches, before it is saved: per rule, the
// touches it would catch (as the first rule that matches) and how many of them would change channel.
import { touchPage, type StoredTouchFields } from '../db/channel-rules';
import type { ChannelRule } from '../../../schemas/governance';
import { compileRules, firstMatchingRule } from './channel-rules';
import { classifyTouch, ruleInputOfTouch } from './classify';

/** A preview reads at most this many touches (in pages): beyond it, the counts are of a sample. */
const PREVIEW_ROWS = 20_000;
const PAGE_ROWS = 2_000;

export interface RulePreview {
  touches_scanned: number;
  rules: { channel: string; touches: number; changed: number }[];
  unmatched: number;
  complete: boolean;
}

export async function previewRules(db: D1Database, siteId: string, ruleList: ChannelRule[]): Promise<RulePreview> {
  const rules = compileRules(ruleList);
  const out: RulePreview = { touches_scanned: 0, rules: ruleList.map((r) => ({ channel: r.channel, touches: 0, changed: 0 })), unmatched: 0, complete: true };
  let cursor = '';
  let read = 0;
  for (;;) {
    if (read >= PREVIEW_ROWS) {
      out.complete = false;
      break;
    }
    const { results } = await touchPage(db, siteId, cursor, PAGE_ROWS).all<StoredTouchFields>();
    read += results.length;
    for (const t of results) {
      if (t.channel_sent !== null) continue;
      out.touches_scanned++;
      const i = firstMatchingRule(rules, ruleInputOfTouch(t));
      if (i < 0) {
        out.unmatched++;
        continue;
      }
      out.rules[i].touches++;
      if (classifyTouch(t, rules) !== t.channel) out.rules[i].changed++;
    }
    if (results.length < PAGE_ROWS) break;
    cursor = results[results.length - 1].touch_id;
  }
  return out;
}
