// A form turns its session's touch from web_visit into form_fill after the touch was classified (in
// SQL, as it is stored or later). When the site has a rule on touch_type, that can change the touch's
// channel, so the touches of the sessions a request touched with forms are classified again.
import { readChannelRules, sessionTouches, type StoredTouchFields } from '../db/channel-rules';
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { compileRules } from './channel-rules';
import { touchChanges, writeChanges } from './reclassify';

/**
 * The rules are read from the database here, not taken from the site row (which this instance may
 * have cached from before a change): a walk that passed this touch as a web_visit counted on the form
 * path to classify its form_fill by the current rules. One small read per batch that carries forms.
 */
export async function reclassifyFormSessions(db: D1Database, site: Site, w: WriteSet, now: number): Promise<void> {
  if (!w.forms.length) return;
  const current = await readChannelRules(db, site.id);
  // Only a touch_type condition can tell a form_fill from the web_visit it was.
  if (!current || !current.rules.some((r) => r.when.touch_type !== undefined)) return;
  const sessions = [...new Set(w.forms.map((f) => f.session_id))];
  const { results } = await sessionTouches(db, site.id, sessions).all<StoredTouchFields>();
  const rules = compileRules(current.rules);
  const changes = touchChanges(results, rules);
  if (changes.length) await writeChanges(db, site.id, current.version, 'touches', changes, rules, now);
}
