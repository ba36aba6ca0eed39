// Money on server-side bodies (conversion amounts, spend): integer cents, exactly, up to the cap
// that keeps report sums from overflowing.
import { LIMITS } from '../../../schemas/limits';

export type Cents = { cents: number } | { code: string; message: string };

const MAX_UNITS = (LIMITS.maxAmountCents / 100).toLocaleString('en-US');
const tooLarge = { code: 'amount_too_large', message: `amount must be at most ${MAX_UNITS} currency units` };
const invalid = { code: 'invalid_amount', message: 'amount must be a number or decimal string of zero or more, such as 1200 or "1200.50"' };

/**
 * Cents of an amount sent as a JSON number or a decimal string, from its decimal digits: a JSON 1.005
 * is the double 1.00499999…, but prints, and was written, as 1.005, which is 101 cents (half up).
 */
export function amountToCents(amount: number | string): Cents {
  if (typeof amount === 'number' && amount > LIMITS.maxAmountCents / 100) return tooLarge;
  const text = typeof amount === 'number' ? String(amount) : amount.trim();
  // Below 1e-6 a number prints in exponent form; it is 0 cents all the same.
  if (typeof amount === 'number' && amount >= 0 && /e-/.test(text)) return { cents: 0 };
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return invalid;
  const [, whole, fraction = ''] = m;
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2)) + (fraction[2] >= '5' ? 1n : 0n);
  return cents > BigInt(LIMITS.maxAmountCents) ? tooLarge : { cents: Number(cents) };
}
