// Types for fit-memory.mjs, for its unit test.
export const WORKER_HEAP_MB: number;
export interface GcTrace {
  isolate: string | null;
  peakUsedMb: number;
  peakLiveMb: number;
  collections: number;
  major: number;
}
export function parseGcTrace(lines: readonly string[]): GcTrace | null;
