// A batch of items that replace what is stored under their id (spend items, exchange rates): each
// item checked on its own, the last of an id in the request kept, and the per-item answer built from
// which ids the write found new or changed.
import type { BatchResult } from '../../../schemas/api';
import { issueMessage } from '../errors';

export type Rejection = { code: string; message: string };

/** A validation failure as a per-item rejection, coded by the field it is about (`codes`), else `fallback`. */
export function rejectionOf(issues: { path: PropertyKey[]; message: string }[], codes: Record<string, string>, fallback: string): Rejection {
  return { code: codes[String(issues[0].path[0] ?? '')] ?? fallback, message: issueMessage(issues) };
}

export async function replacingBatch<Row>(
  items: unknown[],
  check: (raw: unknown) => Row | Rejection,
  idOf: (row: Row) => string,
  /** Stores the rows; resolves with the ids whose stored value was new or changed. */
  write: (rows: Row[]) => Promise<Set<string>>,
): Promise<BatchResult> {
  const rejected: BatchResult['rejected'] = [];
  const valid: { index: number; id: string }[] = [];
  // The same id twice in one request: the later item is the one kept, as if sent after the first.
  const latest = new Map<string, Row>();
  items.forEach((raw, index) => {
    const row = check(raw);
    if (typeof row === 'object' && row !== null && 'code' in row) rejected.push({ index, ...(row as Rejection) });
    else {
      const id = idOf(row as Row);
      valid.push({ index, id });
      latest.delete(id);
      latest.set(id, row as Row);
    }
  });
  const fresh = latest.size ? await write([...latest.values()]) : new Set<string>();
  // Each id stored new or changed is accepted once; every other valid item is a duplicate.
  let accepted = 0;
  const claimed = new Set<string>();
  for (const { id } of valid) {
    if (fresh.has(id) && !claimed.has(id)) {
      claimed.add(id);
      accepted++;
    }
  }
  rejected.sort((a, b) => a.index - b.index);
  return { accepted, duplicates: valid.length - accepted, rejected };
}
