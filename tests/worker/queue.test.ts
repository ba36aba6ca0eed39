// The job's key queue: a key marked again while a chunk works on it stays queued, even when both
// marks carry the same time; a per-key write of a chunk that no longer holds its key's mark rolls
// back whole (db/guard.ts).
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BATCH_ABORTED } from '../../edge/src/db/guard';
import { dequeueKeys, enqueueKeys, guardKeys, readDirty, type DirtyKey } from '../../edge/src/db/queue';
import { createSite, rows } from './helpers';

const queued = async (siteId: string) => (await readDirty(env.DB, siteId, 10).all<DirtyKey>()).results;

describe('the key queue', () => {
  it('keeps a key marked again with the same stamp while a chunk held it, from the earlier start', async () => {
    const { id } = await createSite('Queue');
    await env.DB.batch(enqueueKeys(env.DB, id, [{ akey: 'k.com', since: 500 }], 1000, 'touches'));
    const [read] = await queued(id);
    expect(read).toMatchObject({ akey: 'k.com', marked_at: 1000, since: 500 });
    // New data for the key, stamped with the same time (a reclassification page, say), earlier start.
    await env.DB.batch(enqueueKeys(env.DB, id, [{ akey: 'k.com', since: 200 }], 1000, 'credit'));
    await env.DB.batch(dequeueKeys(env.DB, id, [read]));
    expect(await queued(id)).toEqual([{ akey: 'k.com', marked_at: 1001, since: 200, since_id: '', touched_since: 500 }]);
  });

  it("rolls back a chunk's per-key writes when its key was re-marked or taken by another run", async () => {
    const { id } = await createSite('Queue guard');
    await env.DB.batch(enqueueKeys(env.DB, id, [{ akey: 'g.com', since: 0 }], 2000, 'touches'));
    const [read] = await queued(id);
    const write = (touch: string) =>
      env.DB.prepare(
        `INSERT INTO key_first_touch (site_id, akey, occurred_at, touch_id, touch_type, channel) VALUES (?1, 'g.com', 1, ?2, 'call', 'Sales')
         ON CONFLICT (site_id, akey) DO UPDATE SET touch_id = excluded.touch_id`,
      ).bind(id, touch);
    const stored = () => rows<{ touch_id: string }>('SELECT touch_id FROM key_first_touch WHERE site_id = ?1', id);

    await env.DB.batch([...guardKeys(env.DB, id, [read]), write('t-first')]);
    expect(await stored()).toEqual([{ touch_id: 't-first' }]);

    await env.DB.batch(enqueueKeys(env.DB, id, [{ akey: 'g.com', since: 0 }], 2000, 'touches'));
    await expect(env.DB.batch([...guardKeys(env.DB, id, [read]), write('t-stale')])).rejects.toThrow(BATCH_ABORTED);
    const [again] = await queued(id);
    await env.DB.batch(dequeueKeys(env.DB, id, [again]));
    await expect(env.DB.batch([...guardKeys(env.DB, id, [again]), write('t-late')])).rejects.toThrow(BATCH_ABORTED);
    expect(await stored()).toEqual([{ touch_id: 't-first' }]);
  });
});
