// splitMonths: whole days of a report as whole calendar months (read from month rows) and the days around them.
import { describe, expect, it } from 'vitest';
import { splitMonths } from '../../edge/src/query/range';

const day = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000;

describe('splitMonths', () => {
  it('takes whole months and leaves the days around them', () => {
    expect(splitMonths({ first: day('2026-01-15'), last: day('2026-04-10') })).toEqual({
      months: { first: day('2026-02-01'), last: day('2026-03-01') },
      days: [
        { first: day('2026-01-15'), last: day('2026-01-31') },
        { first: day('2026-04-01'), last: day('2026-04-10') },
      ],
    });
  });
  it('a range of exact months has no days around it; February and leap years end where they end', () => {
    expect(splitMonths({ first: day('2024-02-01'), last: day('2024-02-29') })).toEqual({ months: { first: day('2024-02-01'), last: day('2024-02-01') }, days: [] });
    expect(splitMonths({ first: day('2025-12-01'), last: day('2026-01-31') })).toEqual({ months: { first: day('2025-12-01'), last: day('2026-01-01') }, days: [] });
  });
  it('a range inside one month is days only', () => {
    const span = { first: day('2026-03-02'), last: day('2026-03-30') };
    expect(splitMonths(span)).toEqual({ months: null, days: [span] });
  });
  it('covers every day exactly once', () => {
    for (let first = day('2025-11-20'); first < day('2026-01-10'); first += 3) {
      for (let last = first; last < first + 120; last += 7) {
        const { months, days } = splitMonths({ first, last });
        const covered: number[] = [];
        for (const d of days) for (let x = d.first; x <= d.last; x++) covered.push(x);
        if (months) {
          for (let m = months.first; m <= months.last; ) {
            const d = new Date(m * 86_400_000);
            const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 86_400_000;
            for (let x = m; x < next; x++) covered.push(x);
            m = next;
          }
        }
        covered.sort((a, b) => a - b);
        expect(covered).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i));
      }
    }
  });
});
