// The fit-memory benchmark reads the heap from V8's GC trace: only the fit's isolate, only between its marks.
import { describe, expect, it } from 'vitest';
import { parseGcTrace } from '../../bench/lib/fit-memory.mjs';

const MAIN = '[100:0x3e7642c0]';
const WORKER = '[100:0x7f2c08000f00]';

describe('parseGcTrace', () => {
  it("keeps the fit's isolate between FIT-START and FIT-END: peak used, and the largest live set after a full collection", () => {
    const lines = [
      `${MAIN}     2500 ms: Mark-Compact 90.0 (99.0) -> 80.0 (95.0) MB, 9.4 / 0.0 ms  (average mu = 1.000) finalize incremental marking via task; GC in old space requested`,
      `${MAIN}     2547 ms: Mark-Compact 28.1 (32.3) -> 27.2 (32.6) MB, 49.36 / 0.01 ms  (average mu = 0.908, current mu = 0.937) testing; GC in old space requested`,
      'FIT-START',
      `${WORKER}      725 ms: Mark-Compact 11.8 (14.2) -> 99.1 (14.2) MB, 5.89 / 0.03 ms  (+ 2.2 ms in 19 steps) finalize incremental marking via task; GC in old space requested`,
      `${MAIN}     2708 ms: Scavenge 28.8 (32.6) -> 28.2 (32.6) MB, 0.88 / 0.01 ms  (average mu = 0.908, current mu = 0.908) allocation failure;`,
      `${MAIN}     3000 ms: Mark-Compact (reduce) 61.5 (70.0) -> 44.4 (60.0) MB, 30.1 / 0.0 ms  (average mu = 0.9) finalize incremental marking via task; GC in old space requested`,
      `${MAIN}     3100 ms: Scavenge 52.3 (60.0) -> 45.0 (60.0) MB, 1.2 / 0.0 ms  (average mu = 0.9) allocation failure;`,
      'some output of the fit',
      'FIT-END',
      `${MAIN}     3500 ms: Scavenge 120.0 (125.0) -> 20.0 (30.0) MB, 1.2 / 0.0 ms  (average mu = 0.9) allocation failure;`,
    ];
    expect(parseGcTrace(lines)).toEqual({ isolate: '0x3e7642c0', peakUsedMb: 61.5, peakLiveMb: 44.4, collections: 3, major: 1 });
  });

  it('says nothing without the start mark', () => {
    expect(parseGcTrace([`${MAIN}     2708 ms: Scavenge 28.8 (32.6) -> 28.2 (32.6) MB, 0.88 / 0.01 ms`])).toBeNull();
  });
});
