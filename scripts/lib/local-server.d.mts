// Types for local-server.mjs, for the TypeScript tests and benchmarks that start the local stack.
import type { ChildProcess } from 'node:child_process';

export const ROOT: string;
export const WRANGLER_ENV: Record<string, string>;
export function baseUrl(): string;
export function buildAssets(): Promise<void>;
export function ensureDevVars(): string | undefined;
export function applyMigrations(stateDir: string): Promise<void>;
export function ensureDemoSite(stateDir: string, port: number): Promise<void>;
export interface LocalServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
  log(): string;
}
export function startLocalServer(opts?: {
  port?: number;
  stateDir?: string;
  quiet?: boolean;
  build?: boolean;
  vars?: Record<string, string>;
}): Promise<LocalServer>;
