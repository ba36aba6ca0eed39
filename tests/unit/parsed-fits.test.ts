// Stored fits as the models read them (attribution/parsed-fits.ts): the same stored text
// gives the same parsed objects, so what a model derives once per fit is not derived again per read.
import { describe, expect, it } from 'vitest';
import { parseFits } from '../../edge/src/attribution/parsed-fits';

const fitText = (v: number) => JSON.stringify({ shapley: { channels: [{ channel: 'Email' }, { channel: 'Events' }], game: [[[0], v], [[0, 1], v + 0.25]] } });

describe('parsed fits', () => {
  it('are the same objects for the same stored text, and new ones for another', () => {
    const first = parseFits([{ stage: 'lead', fit: fitText(0.5) }]);
    // As each rollup round and each report reads them again: a new string with the same text.
    const again = parseFits([{ stage: 'lead', fit: fitText(0.5) }]);
    expect(again.get('lead')).toBe(first.get('lead'));
    const other = parseFits([{ stage: 'lead', fit: fitText(0.25) }]);
    expect(other.get('lead')).not.toBe(first.get('lead'));
    expect(other.get('lead')!.get('shapley')).toEqual(JSON.parse(fitText(0.25)).shapley);
  });

  it('read what is stored however many fits this isolate has seen', () => {
    for (let i = 0; i < 100; i++) {
      const text = fitText(i / 100);
      const parsed = parseFits([{ stage: `s${i % 7}`, fit: text }]).get(`s${i % 7}`)!;
      expect(Object.fromEntries(parsed)).toEqual(JSON.parse(text));
    }
  });

  it('are parsed for their read alone when too large to keep, and read the same', () => {
    const big = JSON.stringify({ shapley: { channels: [{ channel: 'x'.repeat(4_100_000) }], game: [] } });
    const first = parseFits([{ stage: 'lead', fit: big }]).get('lead')!;
    const again = parseFits([{ stage: 'lead', fit: big }]).get('lead')!;
    expect(again).not.toBe(first);
    expect(Object.fromEntries(again)).toEqual(JSON.parse(big));
  });
});
