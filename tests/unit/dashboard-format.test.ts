// The dashboard's money formatting follows the site's reporting currency that the reports carry:
// a EUR site reads €, never the $ it starts from.
import { afterEach, describe, expect, it } from 'vitest';
import { money, moneyShort, setCurrency } from '../../dashboard/src/format';

afterEach(() => setCurrency('USD'));

describe('money on the dashboard', () => {
  it('starts in USD and follows the currency a report carries', () => {
    expect(money(12000)).toBe('$12,000');
    setCurrency('EUR');
    expect(money(12000)).toBe('€12,000');
    expect(moneyShort(1_500_000)).toBe('€1.5M');
    expect(moneyShort(45_000)).toBe('€45k');
    setCurrency('GBP');
    expect(money(5)).toBe('£5');
  });

  it('keeps the last currency when an answer carries none', () => {
    setCurrency('EUR');
    setCurrency(undefined);
    expect(money(1)).toBe('€1');
    expect(money(null)).toBe('—');
  });
});
