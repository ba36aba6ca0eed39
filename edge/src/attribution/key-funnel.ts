// Keeps each key's funnel record (db/key-funnel.ts, schemas/key-funnel.ts) from the conversions the
// chunk loads anyway: every conversion of each key it credits, closed_lost included. A record is
// rebuilt whole from them and written only when its text changed, so an unchanged rerun writes none.
//
// Why every key whose conversions changed gets here: a conversion's new key is queued by the scan
// that saw it change (conversions, links, contacts), and the key it left by the scans (through its
// credit's key) or by ingest (an account a contact leaves: db/identity.ts). A closed_lost conversion
// has no credit, so nothing knew the key it left: the chunk that takes one in queues the key it was
// last filed under (key_funnel_lost), unless that key is in the chunk and rebuilt anyway.
import { keyFunnelRecord } from '../../../schemas/key-funnel';
import type { CandidateConversion } from '../db/attribution';
import type { KeyFunnelRow, LostFiling } from '../db/key-funnel';

const LOST = 'closed_lost';
/**
 * Where a key left by a closed_lost conversion is queued from: no credit depends on closed_lost, so
 * only the key's record is redone, none of its credit.
 */
const RECORD_ONLY_SINCE = Number.MAX_SAFE_INTEGER;

export interface KeyFunnelChanges {
  writes: KeyFunnelRow[];
  /** Keys left without conversions: in no funnel. */
  removals: string[];
  filings: LostFiling[];
  /** Conversions that are no longer closed_lost: their filing goes. */
  unfiled: string[];
  /** Keys outside the chunk that a closed_lost conversion of the chunk's keys was last filed under. */
  left: { akey: string; since: number }[];
  /** Keys whose record or filings are written: their writes are guarded by the key's mark. */
  changed: Set<string>;
}

/** Conversions whose filing the chunk must read: closed_lost now, or never credited (perhaps closed_lost before). */
export function filingsToRead(members: Iterable<CandidateConversion>): string[] {
  const ids: string[] = [];
  for (const c of members) if (c.stage === LOST || c.credited_akey === null) ids.push(c.conversion_id);
  return ids;
}

export function keyFunnelChanges(
  keys: readonly { akey: string; members: readonly CandidateConversion[] }[],
  stored: ReadonlyMap<string, string>,
  filed: ReadonlyMap<string, string>,
  inChunk: { has(akey: string): boolean },
): KeyFunnelChanges {
  const out: KeyFunnelChanges = { writes: [], removals: [], filings: [], unfiled: [], left: [], changed: new Set() };
  for (const { akey, members } of keys) {
    const stages = keyFunnelRecord(members.map((c) => ({ stage: c.stage, at: c.occurred_at })));
    if (stages === null) {
      if (stored.has(akey)) {
        out.removals.push(akey);
        out.changed.add(akey);
      }
    } else if (stored.get(akey) !== stages) {
      out.writes.push({ akey, stages });
      out.changed.add(akey);
    }
    for (const c of members) {
      const filing = filed.get(c.conversion_id);
      if (filing !== undefined && filing !== akey && !inChunk.has(filing)) out.left.push({ akey: filing, since: RECORD_ONLY_SINCE });
      if (c.stage === LOST && filing !== akey) {
        out.filings.push({ conversion_id: c.conversion_id, akey });
        out.changed.add(akey);
      } else if (c.stage !== LOST && filing !== undefined) {
        out.unfiled.push(c.conversion_id);
        out.changed.add(akey);
      }
    }
  }
  return out;
}
