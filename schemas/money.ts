// Money as exact integers: decimal text to whole cents, and a conversion into the reporting currency
// at a decimal exchange rate, both rounded half up from the exact value (never through a float).

/** A non-negative decimal: value = digits × 10^−scale. */
export interface Decimal {
  digits: bigint;
  scale: number;
}

const DECIMAL = /^(\d{1,30})(?:\.(\d{1,30}))?(?:[eE]([+-]?\d{1,2}))?$/;

/**
 * Reads a non-negative decimal from its text, or from a JSON number through its shortest decimal
 * form (String(19.99) is "19.99", whatever the float holds), so 19.99 is exactly 1999 cents.
 * Returns null for anything else (signs, NaN, hex, spaces inside).
 */
export function parseDecimal(value: unknown): Decimal | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    text = String(value);
  } else if (typeof value === 'string') text = value.trim();
  else return null;
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const fraction = m[2] ?? '';
  let digits = BigInt(m[1] + fraction);
  let scale = fraction.length - Number(m[3] ?? 0);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits, scale };
}

/** n ÷ d rounded half up, for n ≥ 0 and d > 0. */
function divideHalfUp(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

/** Whole cents of a decimal amount, rounded half up (12.345 → 1235). */
export function decimalCents(d: Decimal): bigint {
  return divideHalfUp(d.digits * 100n, 10n ** BigInt(d.scale));
}

/** Whether the decimal is greater than a whole number of units. */
export function exceeds(d: Decimal, units: bigint): boolean {
  return d.digits > units * 10n ** BigInt(d.scale);
}

/** The canonical text of a decimal (no exponent, no trailing zeros): how rates are stored. */
export function decimalText(d: Decimal): string {
  let s = d.digits.toString().padStart(d.scale + 1, '0');
  if (d.scale > 0) s = `${s.slice(0, -d.scale)}.${s.slice(-d.scale)}`.replace(/\.?0+$/, '');
  return s;
}

/**
 * Cents in the reporting currency: `cents` × the stored decimal `rate`, rounded half up to a whole
 * cent. Null when the rate is unreadable or the result is no longer an exact JavaScript integer
 * (an amount of billions at a rate of millions): such an amount is held out like one without a rate.
 */
export function convertCents(cents: number, rate: string): number | null {
  const r = parseDecimal(rate);
  if (!r || !Number.isSafeInteger(cents) || cents < 0) return null;
  const out = divideHalfUp(BigInt(cents) * r.digits, 10n ** BigInt(r.scale));
  return out <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(out) : null;
}
