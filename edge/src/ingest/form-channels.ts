// A form turns its session's touch from web_visit into form_fill after the touch was classified (in
// SQL, as it is stored or later). When the site has a rule on touch_type, that can change the touch's
// channel, so the touches of the sessions a request touched with forms are classified again.
import { sessionTouches, type StoredTouchFields } from '../db/channel-rules';
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { siteRules } from './channel-rules';
import { touchChanges, writeChanges } from './reclassify';

/** Only sites with a touch_type condition pay the extra read. */
const usesTouchType = (site: Site) => site.channelRules.some((r) => r.when.touch_type !== undefined);

export async function reclassifyFormSessions(db: D1Database, site: Site, w: WriteSet, now: number): Promise<void> {
  if (!w.forms.length || !usesTouchType(site)) return;
  const sessions = [...new Set(w.forms.map((f) => f.session_id))];
  const { results } = await sessionTouches(db, site.id, sessions).all<StoredTouchFields>();
  const rules = siteRules(site);
  const changes = touchChanges(results, rules);
  if (changes.length) await writeChanges(db, site.id, site.channelRulesVersion, 'touches', changes, rules, now);
}
