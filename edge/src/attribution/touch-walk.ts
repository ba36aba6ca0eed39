// Every touch of a site in a time range, grouped by the keys it is stitched to and handed over one
// key at a time: what a data-driven fit reads. One walk of one index reads each touch once; the
// Worker stitches with the site's contacts and links held in memory (schemas/akey.ts touchAkeys).
//
// Why a walk and not the job's per-key loads: those reach a key's touches through its contacts and
// links, an index lookup per contact and per touch, and read a touch once per path that reaches it.
// At a million touches, fitting the same site in turns (old code, then this), the fit took 11–12 s
// instead of 20–21 s and read 1.3M rows instead of 3.0M.
import { stitching, touchAkeys } from '../../../schemas/akey';
import type { D1Meter } from '../db/meter';
import { isTooBig } from '../db/attribution';
import { stitchingPage, touchIdsByRowid, touchPage, type TouchCursor } from '../db/fits';

/**
 * Touches per page: ~100 bytes each as JSON, so a page stays well under D1's 2 MB value limit; a page
 * of unusually long values that passes it is read again in smaller pages.
 */
const TOUCHES_PER_PAGE = 10_000;
/** Touch ids asked per statement when ties in time need them. */
const IDS_PER_STATEMENT = 5_000;

/** Which identity column a page's touch names (db/fits.ts touchPage). */
const ACCOUNT = 0;
const CONTACT = 1;
type PageTouch = [rowid: number, received: number, at: number, channel: string, kind: 0 | 1 | 2 | null, identity: string | null];

/** Identities per page of their reads. */
const IDENTITIES_PER_PAGE = 5_000;

/** Every contact ([contact_id, account_domain]) or identity link ([visitor_id, contact_id]) of the site, in key order. */
async function readIdentities(meter: D1Meter, siteId: string, table: 'contacts' | 'links', perPage: number): Promise<[string, string | null][]> {
  const all: [string, string | null][] = [];
  for (let after: [string, string] | null = ['', '']; after; ) {
    const [page]: { n: number; rows: string }[] = await meter.all(stitchingPage(meter.db, siteId, table, after, perPage));
    const rows = JSON.parse(page.rows) as [string, string | null][];
    let last: [string, string] = after;
    for (const row of rows) {
      all.push(row);
      const second = row[1] ?? '';
      if (row[0] > last[0] || (row[0] === last[0] && second > last[1])) last = [row[0], second];
    }
    after = page.n < perPage ? null : last;
  }
  return all;
}

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
 * time then id (ids are read only where two of a key's touches share a time): their times, and their
 * channels as indices into the returned `channels`, complete once the walk returns. The arrays are
 * reused for the next key. Memory: four numbers per (touch, key) pair, and each distinct key, channel
 * and identity once.
 */
export async function walkKeyTouches(
  meter: D1Meter,
  siteId: string,
  range: { from: number; to: number },
  visit: (akey: string, times: Float64Array, channels: Int32Array) => void,
  { touchesPerPage = TOUCHES_PER_PAGE, identitiesPerPage = IDENTITIES_PER_PAGE } = {},
): Promise<{ touches: number; keys: number; pages: number; channels: readonly string[] }> {
  // Read into the maps of `stitching` and dropped: only the maps stay for the walk.
  const stitch = stitching(
    (await readIdentities(meter, siteId, 'contacts', identitiesPerPage)).map(([contact_id, account_domain]) => ({ contact_id, account_domain })),
    (await readIdentities(meter, siteId, 'links', identitiesPerPage)).map(([visitor_id, contact_id]) => ({ visitor_id, contact_id: contact_id! })),
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

  // The keys of each identity the pages name, found once by the stitching rule and kept by kind:
  // at a million touches, one lookup per touch is most of the Worker's time.
  const identityKeys = [new Map<string, number[]>(), new Map<string, number[]>(), new Map<string, number[]>()];
  const keysOf = (kind: 0 | 1 | 2, value: string): number[] =>
    touchAkeys(
      { account_domain: kind === ACCOUNT ? value : null, contact_id: kind === CONTACT ? value : null, visitor_id: kind > CONTACT ? value : null },
      stitch,
    ).map((akey) => keyIndex.get(akey) ?? (keyIndex.set(akey, keyNames.length), keyNames.push(akey) - 1));

  for (let cursor: TouchCursor | null = { received: -1, rowid: -1 }, limit = touchesPerPage; cursor; ) {
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
    let lastReceived = -1;
    let lastRowid = -1;
    for (const [r, received, occurred, name, kind, identity] of list) {
      if (received > lastReceived || (received === lastReceived && r > lastRowid)) {
        lastReceived = received;
        lastRowid = r;
      }
      if (kind === null || identity === null) continue;
      const known = identityKeys[kind];
      let keys = known.get(identity);
      if (!keys) known.set(identity, (keys = keysOf(kind, identity)));
      if (!keys.length) continue;
      let c = channelIndex.get(name);
      if (c === undefined) channelIndex.set(name, (c = channelNames.push(name) - 1));
      for (let j = 0; j < keys.length; j++) {
        key.push(keys[j]);
        at.push(occurred);
        channel.push(c);
        rowid.push(r);
      }
    }
    touches += list.length;
    cursor = page.n < limit ? null : { received: lastReceived, rowid: lastRowid };
    limit = Math.min(touchesPerPage, limit * 2);
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
  const tiedKeys = new Set<number>();
  for (let k = 0; k < keyNames.length; k++) {
    const slice = order.subarray(starts[k], starts[k + 1]);
    slice.sort((a, b) => times[a] - times[b] || rowids[a] - rowids[b]);
    for (let j = 1; j < slice.length; j++) {
      if (times[slice[j]] === times[slice[j - 1]]) {
        tied.add(rowids[slice[j]]).add(rowids[slice[j - 1]]);
        tiedKeys.add(k);
      }
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
  const byId = (a: number, b: number) => {
    const x = idOf.get(rowids[a]) ?? '';
    const y = idOf.get(rowids[b]) ?? '';
    return times[a] - times[b] || (x < y ? -1 : x > y ? 1 : 0);
  };

  // Each key's touches copied into one pair of buffers, reused: the visitor must not keep them.
  let longest = 0;
  for (let k = 0; k < keyNames.length; k++) longest = Math.max(longest, starts[k + 1] - starts[k]);
  const keyTimes = new Float64Array(longest);
  const keyChannels = new Int32Array(longest);
  for (let k = 0; k < keyNames.length; k++) {
    const slice = order.subarray(starts[k], starts[k + 1]);
    if (tiedKeys.has(k)) slice.sort(byId);
    for (let j = 0; j < slice.length; j++) {
      keyTimes[j] = times[slice[j]];
      keyChannels[j] = channel.values[slice[j]];
    }
    visit(keyNames[k], keyTimes.subarray(0, slice.length), keyChannels.subarray(0, slice.length));
  }
  return { touches, keys: keyNames.length, pages, channels: channelNames };
}
