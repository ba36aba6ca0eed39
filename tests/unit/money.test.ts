// Money as exact integers: decimal text to cents and conversion at a decimal rate, from tables of
// hand-computed cases, including the ones a float gets wrong.
import { describe, expect, it } from 'vitest';
import { convertCents, decimalCents, decimalText, exceeds, parseDecimal } from '../../schemas/money';

const cents = (v: unknown) => {
  const d = parseDecimal(v);
  return d ? Number(decimalCents(d)) : null;
};

describe('parseDecimal and decimalCents', () => {
  it.each([
    [0.29, 29], // 0.29 × 100 = 28.999999999999996 as a float
    [19.99, 1999],
    [1234567.89, 123456789],
    ['12.345', 1235], // half up
    ['12.344', 1234],
    [0.125, 13],
    [0.005, 1],
    [0.004, 0],
    [1e21, 1e23],
    ['7', 700],
    [' 7.5 ', 750],
    [0, 0],
    [9007199254740.99, 900719925474099],
  ])('%j is %i cents', (value, expected) => expect(cents(value)).toBe(expected));

  it.each([[-1], ['-1'], ['1,5'], ['1e'], ['0x10'], [''], [NaN], [Infinity], [null], [true], ['1 2']])('%j is not a decimal', (value) =>
    expect(parseDecimal(value)).toBeNull(),
  );

  it('compares with a whole number of units exactly, and prints canonical text', () => {
    expect(exceeds(parseDecimal('10000000000')!, 10_000_000_000n)).toBe(false);
    expect(exceeds(parseDecimal('10000000000.001')!, 10_000_000_000n)).toBe(true);
    expect(decimalText(parseDecimal('1.08450')!)).toBe('1.0845');
    expect(decimalText(parseDecimal('0.0067')!)).toBe('0.0067');
    expect(decimalText(parseDecimal(2e-7)!)).toBe('0.0000002');
    expect(decimalText(parseDecimal('25000')!)).toBe('25000');
  });
});

describe('convertCents', () => {
  it.each([
    [100_000, '1.0845', 108_450],
    [1000, '1.0845', 1085], // 1,084.5 exactly, half up (a float product says 1,084.4999…)
    [3334, '0.8', 2667], // 2,667.2
    [3333, '0.8', 2666],
    [200_000, '1.08', 216_000],
    [123, '1', 123],
    [5, '0.0067', 0],
  ])('%i cents × %s = %i', (c, rate, expected) => expect(convertCents(c, rate)).toBe(expected));

  it('holds out what it cannot convert exactly', () => {
    expect(convertCents(9e15, '1000')).toBeNull();
    expect(convertCents(100, 'abc')).toBeNull();
  });
});
