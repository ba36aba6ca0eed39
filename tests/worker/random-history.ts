// A random history of touches over every stitching path, for tests that check what the job reads
// against a key's whole history: account touches, contacts, linked browsers, a browser shared by
// two accounts, free-mail contacts, lone visitors, ties in time, and touches older than a year.
import { pick } from '../unit/helpers/journeys';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const NOW = Date.now() - 60_000;
const CHANNELS = ['Paid Search', 'Organic Search', 'Email', 'Events', 'Direct'];

export function randomHistory(rand: () => number, n: number) {
  const domains = ['a.test', 'b.test', 'c.test', 'd.test'];
  const touches = [];
  for (let i = 0; i < n; i++) {
    // Whole hours over ~500 days: some older than a fit's year, and ties within a key.
    const at = NOW - Math.floor(rand() * 500 * 24) * HOUR;
    const t: Record<string, unknown> = { id: `w${i.toString(36)}-${Math.floor(rand() * 1e6).toString(36)}`, occurred_at: new Date(at).toISOString(), touch_type: 'event', channel: pick(rand, CHANNELS) };
    const domain = pick(rand, domains);
    const who = rand();
    if (who < 0.2) t.account_domain = domain;
    else if (who < 0.4) t.email = `p${Math.floor(rand() * 3)}@${domain}`;
    else if (who < 0.5) Object.assign(t, { email: `p${Math.floor(rand() * 3)}@${domain}`, anonymous_id: `v-${domain}-${Math.floor(rand() * 3)}` });
    else if (who < 0.65) t.anonymous_id = `v-${domain}-${Math.floor(rand() * 3)}`;
    else if (who < 0.75) t.email = `free${Math.floor(rand() * 3)}@gmail.com`;
    else if (who < 0.8) t.anonymous_id = 'v-shared';
    else t.anonymous_id = `lone-${Math.floor(rand() * 8)}`;
    touches.push(t);
  }
  // One browser identified as two people of two accounts: its touches belong to both.
  touches.push({ id: 'shared-a', occurred_at: new Date(NOW - 3 * DAY).toISOString(), touch_type: 'event', channel: 'Email', anonymous_id: 'v-shared', email: 'p0@a.test' });
  touches.push({ id: 'shared-b', occurred_at: new Date(NOW - 2 * DAY).toISOString(), touch_type: 'event', channel: 'Email', anonymous_id: 'v-shared', email: 'p1@b.test' });
  // Three touches of one key at one instant: their order is their ids'.
  for (const id of ['tie-c', 'tie-a', 'tie-b']) touches.push({ id, occurred_at: new Date(NOW - 5 * DAY).toISOString(), touch_type: 'event', channel: id === 'tie-a' ? 'Direct' : 'Events', account_domain: 'c.test' });
  return touches;
}

