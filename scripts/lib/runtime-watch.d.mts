// Types for runtime-watch.mjs, for its unit test.
export function workerdChildren(psOutput: string, parentPid: number): number[];
export function watchRuntime(wranglerPid: number, onDeath: () => void, opts?: { pollMs?: number }): Promise<() => void>;
