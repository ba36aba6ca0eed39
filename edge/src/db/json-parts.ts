// Splits many rows into JSON array parameters that stay far below D1's limits (one value ≤ 2 MB,
// ≤ 100 bound parameters), so multi-row writes are a few statements, never one per row.

/** JSON parameters of at most `maxChars` (and `maxItems`), never splitting one item. */
export function jsonParts(encoded: string[], maxChars = 200_000, maxItems = 1000): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let chars = 0;
  for (const e of encoded) {
    if (current.length && (chars + e.length > maxChars || current.length >= maxItems)) {
      parts.push(`[${current.join(',')}]`);
      current = [];
      chars = 0;
    }
    current.push(e);
    chars += e.length + 1;
  }
  if (current.length) parts.push(`[${current.join(',')}]`);
  return parts;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
