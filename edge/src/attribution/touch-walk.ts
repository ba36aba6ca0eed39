// Every touch of a site in a time range, grouped by the keys it is stitched to and handed over one
// key at a time: what a data-driven fit reads. One walk of one index reads each touch once; the
// Worker stitches with the site's contacts and links held in memory (schemas/akey.ts touchAkeys).
//
// Why a walk and not the job's per-key loads: those reach a key's touches through its contacts and
// links, an index lookup per contact and per touch, which at a million touches cost the fit most of
// its time; walking one index in storage order costs about a fifth of that per touch.
import { stitching, touchAkeys } from '../../../schemas/akey';
import type { D1Meter } from '../db/meter';
import { isTooBig } from '../db/attribution';
import { stitchingRows, touchIdsByRowid, touchPage, type TouchCursor } from '../db/fits';
import type { JourneyTouch } from './models/journeys';

/**
 * Touches per page: ~100 bytes each as JSON, so a page stays well under D1's 2 MB value limit; a page
 * of unusually long values that passes it is read again in smaller pages.
 */
const TOUCHES_PER_PAGE = 10_000;
/** Touch ids asked per statement when ties in time need them. */
const IDS_PER_STATEMENT = 5_000;

type PageTouch = [rowid: number, received: number, at: number, channel: string, account: string | null, contact: string | null, visitor: string | null];

/** One growable column of numbers: a touch's key, time, channel and rowid each live in one. */
class Column<A extends Float64Array | Int32Array> {
  length = 0;
  constructor(
    public values: A,
    private readonly make: (n: number) => A,
  ) {}
  push(v: number): void {
    if (this.length === this.values.length) {
      const grown = this.make(Math.ceil(this.values.length * 1.5) + 1024);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = v;
  }
}
const floats = (n: number) => new Float64Array(n);
const ints = (n: number) => new Int32Array(n);

/**
 * Calls `visit` once per key with a touch in `range`, with all of its touches in the range sorted by
 * time then id (ids are read only where two of a key's touches share a time; other touches carry '').
 * Memory: four numbers per (touch, key) pair and each distinct key, channel and identity once.
 */
export async function walkKeyTouches(
  meter: D1Meter,
  siteId: string,
  range: { from: number; to: number },
  visit: (akey: string, touches: JourneyTouch[]) => void,
  pageSize = TOUCHES_PER_PAGE,
): Promise<{ touches: number; keys: number; pages: number }> {
  const rows = stitchingRows(meter.db, siteId);
  const [contacts, links] = await meter.batch([rows.contacts, rows.links]);
  const stitch = stitching(
    contacts.results as unknown as { contact_id: string; account_domain: string | null }[],
    links.results as unknown as { visitor_id: string; contact_id: string }[],
  );

  const keyIndex = new Map<string, number>();
  const keyNames: string[] = [];
  const channelIndex = new Map<string, number>();
  const channelNames: string[] = [];
  const key = new Column(ints(0), ints);
  const at = new Column(floats(0), floats);
  const channel = new Column(ints(0), ints);
  const rowid = new Column(floats(0), floats);
  let touches = 0;
  let pages = 0;
  let limit = pageSize;

  for (let cursor: TouchCursor | null = { received: -1, rowid: -1 }; cursor; ) {
    let page: { n: number; touches: string };
    try {
      [page] = await meter.all<{ n: number; touches: string }>(touchPage(meter.db, siteId, cursor, range, limit));
    } catch (err) {
      if (!isTooBig(err) || limit === 1) throw err;
      limit = Math.max(1, Math.floor(limit / 4));
      continue;
    }
    pages++;
    const list = JSON.parse(page.touches) as PageTouch[];
    let last: TouchCursor | null = null;
    for (const [r, received, occurred, name, account_domain, contact_id, visitor_id] of list) {
      if (!last || received > last.received || (received === last.received && r > last.rowid)) last = { received, rowid: r };
      let c = channelIndex.get(name);
      if (c === undefined) channelIndex.set(name, (c = channelNames.push(name) - 1));
      for (const akey of touchAkeys({ account_domain, contact_id, visitor_id }, stitch)) {
        let k = keyIndex.get(akey);
        if (k === undefined) keyIndex.set(akey, (k = keyNames.push(akey) - 1));
        key.push(k);
        at.push(occurred);
        channel.push(c);
        rowid.push(r);
      }
    }
    touches += list.length;
    cursor = page.n < limit ? null : last;
    limit = Math.min(pageSize, limit * 2);
  }

  // Each key's entries together (a counting sort by key), then in time order within the key.
  const n = key.length;
  const starts = new Int32Array(keyNames.length + 1);
  for (let i = 0; i < n; i++) starts[key.values[i] + 1]++;
  for (let k = 0; k < keyNames.length; k++) starts[k + 1] += starts[k];
  const order = new Int32Array(n);
  const fill = starts.slice(0, keyNames.length);
  for (let i = 0; i < n; i++) order[fill[key.values[i]]++] = i;
  const times = at.values;
  const rowids = rowid.values;
  const tied = new Set<number>();
  for (let k = 0; k < keyNames.length; k++) {
    const slice = order.subarray(starts[k], starts[k + 1]);
    slice.sort((a, b) => times[a] - times[b] || rowids[a] - rowids[b]);
    for (let j = 1; j < slice.length; j++) {
      if (times[slice[j]] === times[slice[j - 1]]) tied.add(rowids[slice[j]]).add(rowids[slice[j - 1]]);
    }
  }

  // Two touches of a key at the same instant are ordered by id, as every model orders them.
  const idOf = new Map<number, string>();
  const tiedList = [...tied];
  for (let i = 0; i < tiedList.length; i += IDS_PER_STATEMENT * 10) {
    const statements = [];
    for (let j = i; j < Math.min(tiedList.length, i + IDS_PER_STATEMENT * 10); j += IDS_PER_STATEMENT) {
      statements.push(touchIdsByRowid(meter.db, siteId, tiedList.slice(j, j + IDS_PER_STATEMENT)));
    }
    for (const r of await meter.batch<{ r: number; touch_id: string }>(statements)) for (const row of r.results) idOf.set(row.r, row.touch_id);
  }

  for (let k = 0; k < keyNames.length; k++) {
    const list: JourneyTouch[] = [];
    for (let j = starts[k]; j < starts[k + 1]; j++) {
      const i = order[j];
      list.push({ at: times[i], id: idOf.get(rowids[i]) ?? '', channel: channelNames[channel.values[i]] });
    }
    visit(keyNames[k], list);
  }
  return { touches, keys: keyNames.length, pages };
}
