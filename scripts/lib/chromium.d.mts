// Types for chromium.mjs, for its unit test.
export const DEFAULT_CHROMIUM: string;
export const MISSING_CHROMIUM: string;
export interface ChromiumFacts {
  needsBrowser: boolean;
  chromiumPath?: string;
  chromiumPathExists?: boolean;
  defaultExists: boolean;
  isRoot: boolean;
  hasAptGet: boolean;
}
export type ChromiumPlan =
  | { action: 'none' }
  | { action: 'use'; path: string }
  | { action: 'install' }
  | { action: 'stop'; message: string };
export function chromiumPlan(facts: ChromiumFacts): ChromiumPlan;
export function machineFacts(needsBrowser: boolean, env?: Record<string, string | undefined>): ChromiumFacts;
export function ensureChromium(needsBrowser: boolean): null | { path: string } | { error: string };
