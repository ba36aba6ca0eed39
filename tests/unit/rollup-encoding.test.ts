// The credit rollup's stored rows (schemas/rollup.ts): model first, keys once; read back whole or one model at a time, exactly.
import { describe, expect, it } from 'vitest';
import { addColumn, addEncodedDay, addModelSums, addSums, codePoints, encodeDay, totalCents, type KeySums, type ModelSums } from '../../edge/src/attribution/rollup-rows';
import { ROLLUP_KEYS, SPANS_ASCII, type RollupSpans, type StoredCents, type StoredRollupRow } from '../../schemas/rollup';

const ORDER = ['first_touch', 'linear', '(influenced)'];

function day(entries: [key: string, model: string, units: number, cents: number | bigint, touches: number][]): Map<string, KeySums> {
  const keys = new Map<string, KeySums>();
  for (const [key, model, units, cents, touches] of entries) {
    if (!keys.has(key)) keys.set(key, new Map());
    addSums(keys.get(key)!, model, units, cents, touches);
  }
  return keys;
}

/** Every key's sums as plain [units, cents as a string, touches], for comparison. */
function plain(keys: ReadonlyMap<string, KeySums>) {
  return Object.fromEntries(
    [...keys].map(([key, sums]) => [key, Object.fromEntries([...sums].map(([m, s]) => [m, [s.units, String(totalCents(s)), s.touches]]))]),
  );
}

/** The stored sums of each part. */
const sumsOf = (keys: ReadonlyMap<string, KeySums>, order = ORDER, maxChars?: number) => encodeDay(keys, order, maxChars).map((p) => p.sums);

/** What SQLite's substr(sums, start, length) gives for text: it counts code points, from 1. */
const substr = (text: string, start: number, length: number) => [...text].slice(start - 1, start - 1 + length).join('');
/** What CAST(substr(CAST(sums AS BLOB), start, length) AS TEXT) gives: it counts UTF-8 bytes, from 1. */
const byteSubstr = (text: string, start: number, length: number) => Buffer.from(text, 'utf8').subarray(start - 1, start - 1 + length).toString('utf8');

function readAll(parts: string[], models = new Set(ORDER)): Map<string, KeySums> {
  const keys = new Map<string, KeySums>();
  const into = (key: string) => keys.get(key) ?? keys.set(key, new Map()).get(key)!;
  for (const json of parts) addEncodedDay(json, models, into);
  return keys;
}

describe('encodeDay', () => {
  const sample = day([
    ['Paid Search', 'first_touch', 1_000_000_000, 12_345, 1],
    ['Paid Search', 'linear', 500_000_000, 6_172, 2],
    ['Paid Search', '(influenced)', 1, 12_345, 2],
    ['Email', 'linear', 500_000_000, 6_173, 1],
    ['Email', '(influenced)', 1, 12_345, 1],
    // A key literally named like the keys' entry is just a key.
    [ROLLUP_KEYS, 'linear', 7, 0, 1],
  ]);

  it('lists keys once, sorted, and each model as one flat array aligned with them (0,0,0 where it gives a key nothing)', () => {
    const [row, ...more] = sumsOf(sample, ORDER);
    expect(more).toEqual([]);
    expect(JSON.parse(row)).toEqual({
      k: ['Email', 'Paid Search', 'k'],
      first_touch: [0, 0, 0, 1_000_000_000, 12_345, 1, 0, 0, 0],
      linear: [500_000_000, 6_173, 1, 500_000_000, 6_172, 2, 7, 0, 1],
      '(influenced)': [1, 12_345, 1, 1, 12_345, 2, 0, 0, 0],
    });
    // The same sums in another insertion order are the same string (the rebuild writes only rows that differ).
    expect(sumsOf(new Map([...sample].reverse()), ORDER)).toEqual([row]);
  });

  it('writes integers with three or more trailing zeros with an exponent, which reads back as the same number', () => {
    const keys = day([
      ['a', 'linear', 1_000_000_000, 12_345_000, 1_000],
      ['b', 'linear', 333_333_333, 100, 2],
      ['c', 'linear', 2_500_000_000, -7_000, 3],
      ['d', 'linear', 9_007_199_254_740_000, 0, 4],
    ]);
    const [row] = sumsOf(keys, ['linear']);
    expect(row).toBe('{"k":["a","b","c","d"],"linear":[1e9,12345e3,1000,333333333,100,2,25e8,-7e3,3,900719925474e4,0,4]}');
    expect(plain(readAll([row], new Set(['linear'])))).toEqual(plain(keys));
  });

  it('leaves out a model with nothing in the row', () => {
    const [row] = sumsOf(day([['Email', 'linear', 1_000_000_000, 100, 1]]), ORDER);
    expect(Object.keys(JSON.parse(row) as StoredRollupRow)).toEqual(['k', 'linear']);
  });

  it('reads back exactly what it wrote, whole or one model at a time', () => {
    expect(plain(readAll(sumsOf(sample, ORDER)))).toEqual(plain(sample));
    const linear = readAll(sumsOf(sample, ORDER), new Set(['linear']));
    expect(plain(linear)).toEqual({
      Email: { linear: [500_000_000, '6173', 1] },
      'Paid Search': { linear: [500_000_000, '6172', 2] },
      k: { linear: [7, '0', 1] },
    });
  });

  it('keeps cents past 2^53 exact, as strings, and adds them in BigInt', () => {
    const big = 4_000_000_000_000_000_000n;
    const keys = day([['Events', 'linear', 1_000_000_000, big, 1]]);
    const [row] = sumsOf(keys, ORDER);
    expect(row).toBe('{"k":["Events"],"linear":[1e9,"4000000000000000000",1]}');
    const sum = readAll([row, row, row]);
    expect(totalCents(sum.get('Events')!.get('linear')!)).toBe(3n * big);
  });

  it('splits a large day into self-contained parts that read back as the whole', () => {
    const many = day(Array.from({ length: 500 }, (_, i): [string, string, number, number, number] => [`acct${i}.example.com`, 'linear', 1_000_000_000, i * 101, 3]));
    const parts = sumsOf(many, ORDER, 2_000);
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) {
      const row = JSON.parse(part) as StoredRollupRow;
      expect(row.linear.length).toBe(3 * row.k.length);
      expect(part.length).toBeLessThan(2_000 + 200);
    }
    expect(plain(readAll(parts))).toEqual(plain(many));
  });

  it('takes a row away again with sign -1 (the rebuild subtracts a stored day from its month)', () => {
    const keys = readAll(sumsOf(sample, ORDER));
    const into = (key: string) => keys.get(key) ?? keys.set(key, new Map()).get(key)!;
    for (const json of sumsOf(sample, ORDER)) addEncodedDay(json, new Set(ORDER), into, -1);
    for (const sums of keys.values()) for (const s of sums.values()) expect([s.units, totalCents(s), s.touches]).toEqual([0, 0n, 0]);
  });

  it('reads one model from the arrays SQL extracts (keys, then the model, null when the row lacks it)', () => {
    const keys = new Map<string, KeySums>();
    const into = (key: string) => keys.get(key) ?? keys.set(key, new Map()).get(key)!;
    const extracted = JSON.parse('[["a","b"],[1,"9007199254740993",1,0,0,0],null]') as [string[], ...(StoredCents[] | null)[]];
    addModelSums(extracted[0], extracted[1], 'linear', into);
    addModelSums(extracted[0], extracted[2], 'markov', into);
    expect(plain(keys)).toEqual({ a: { linear: [1, '9007199254740993', 1] } });
  });

  it('adds the arrays of a model into one map per model, many keys and rows, exactly', () => {
    const byKey = new Map<string, ModelSums>();
    const keys = Array.from({ length: 3_000 }, (_, i) => `acct${i}.example.com`);
    const values = keys.flatMap((_, i) => (i % 10 ? [1_000_000_000, i, 1] : [0, 0, 0]));
    for (let row = 0; row < 3; row++) addColumn(keys, values, byKey);
    addColumn(['acct1.example.com'], [0, '9007199254740993', 0], byKey);
    addColumn(['acct1.example.com'], null, byKey);
    expect(byKey.size).toBe(2_700);
    expect(byKey.has('acct0.example.com')).toBe(false);
    const one = byKey.get('acct1.example.com')!;
    expect([one.units, totalCents(one), one.touches]).toEqual([3_000_000_000, 9_007_199_254_740_996n, 3]);
    const other = byKey.get('acct2999.example.com')!;
    expect([other.units, other.cents, other.bigCents, other.touches]).toEqual([3_000_000_000, 8_997, undefined, 3]);
  });
});

describe('spans', () => {
  /** Every entry of every part, sliced out as SQL slices it, equals the entry JSON.parse finds. */
  function expectSpansSlice(keys: ReadonlyMap<string, KeySums>, maxChars?: number) {
    const parts = encodeDay(keys, ORDER, maxChars);
    for (const { sums, spans } of parts) {
      const row = JSON.parse(sums) as StoredRollupRow;
      const { [SPANS_ASCII]: ascii, ...at } = JSON.parse(spans) as RollupSpans & { [SPANS_ASCII]?: number };
      expect(Object.keys(at)).toEqual(Object.keys(row));
      // Marked ASCII exactly when it is, and then sliced as a blob to the same entries.
      expect(ascii === 1).toBe(/^[\x00-\x7f]*$/.test(sums));
      for (const [entry, [start, length]] of Object.entries(at)) {
        const slice = substr(sums, start, length);
        expect(slice.startsWith('[') && slice.endsWith(']'), entry).toBe(true);
        expect(JSON.parse(slice), entry).toEqual(row[entry]);
        if (ascii) expect(byteSubstr(sums, start, length), entry).toBe(slice);
      }
    }
    return parts;
  }

  it('count code points, as SQLite counts text', () => {
    expect(codePoints('abc')).toBe(3);
    expect(codePoints('Zürich')).toBe(6);
    expect(codePoints('🚀 launch')).toBe(8);
    expect(codePoints(JSON.stringify('\uD800 lone'))).toBe(JSON.stringify('\uD800 lone').length);
  });

  it('locate each entry of a row, whatever characters its keys hold', () => {
    const keys = day([
      ['Paid Search', 'linear', 500_000_000, 6_172, 2],
      ['Zürich Süd', 'linear', 500_000_000, 6_173, 1],
      ['🚀 launch "q3" \\ [1]', 'first_touch', 1_000_000_000, 12_345, 1],
      ['客户.example.cn', '(influenced)', 1, 12_345, 2],
      ['\uD800 lone', 'linear', 7, 0, 1],
      [ROLLUP_KEYS, 'linear', 7, 9_007_199_254_740_993n, 1],
    ]);
    const [part] = expectSpansSlice(keys);
    expect(JSON.parse(part.spans)).toHaveProperty('k');
  });

  it('mark an ASCII row, whose spans then count bytes too, and leave any other row unmarked', () => {
    const [ascii] = expectSpansSlice(day([['Paid Search', 'linear', 500_000_000, 6_172, 2]]));
    expect(JSON.parse(ascii.spans)).toHaveProperty([SPANS_ASCII], 1);
    const [other] = expectSpansSlice(day([['Zürich Süd', 'linear', 500_000_000, 6_173, 1]]));
    expect(JSON.parse(other.spans)).not.toHaveProperty([SPANS_ASCII]);
  });

  it('locate the entries of each part of a split day', () => {
    const many = day(Array.from({ length: 300 }, (_, i): [string, string, number, number, number] => [`${i % 7 ? 'acct' : '🚀'}${i}.example.com`, i % 2 ? 'linear' : 'first_touch', 1_000_000_000, i * 101, 3]));
    expect(expectSpansSlice(many, 1_500).length).toBeGreaterThan(5);
  });

  it('are the same for the same sums (the rebuild writes only rows that differ)', () => {
    const keys = day([['a', 'linear', 1, 2, 3], ['b', 'first_touch', 4, 5, 6]]);
    expect(encodeDay(new Map([...keys].reverse()), ORDER)).toEqual(encodeDay(keys, ORDER));
  });
});
