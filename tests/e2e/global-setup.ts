// Starts the local stack once for all browser tests (fresh D1 in a temp dir, free ports) and a
// static server for the numbered fixture pages, which embed the snippet from the Worker. With
// BASE_URL set (docs/operations.md), the tests use that running Worker instead, and read its local D1 from
// STATE_DIR (default .wrangler/state, where `npm start` keeps it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT, startLocalServer } from '../../scripts/lib/local-server.mjs';
import { freePort, startFixtureServer } from './fixture-server';

declare module 'vitest' {
  export interface ProvidedContext {
    workerUrl: string;
    fixtureUrl: string;
    stateDir: string;
  }
}

export default async function setup(project: TestProject) {
  const external = process.env.BASE_URL?.replace(/\/$/, '');
  if (external) {
    const fixtures = await startFixtureServer(await freePort(), external);
    project.provide('workerUrl', external);
    project.provide('fixtureUrl', fixtures.url);
    project.provide('stateDir', path.resolve(process.env.STATE_DIR ?? path.join(ROOT, '.wrangler/state')));
    return () => fixtures.close();
  }
  const stateDir = mkdtempSync(path.join(tmpdir(), 'touchline-e2e-'));
  // A free port can be taken between the probe and wrangler's bind: one retry on another port.
  const worker = await startLocalServer({ port: await freePort(), stateDir, build: false }).catch(async () =>
    startLocalServer({ port: await freePort(), stateDir, build: false }),
  );
  const fixtures = await startFixtureServer(await freePort(), worker.url);
  project.provide('workerUrl', worker.url);
  project.provide('fixtureUrl', fixtures.url);
  project.provide('stateDir', stateDir);
  return async () => {
    await fixtures.close();
    await worker.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
}
