// The code's layers point one way — routes → query/ingest/attribution → identity → db → schemas —
// and no module imports itself back through others (madge finds cycles).
import path from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** For each layer, the layers it may import (itself included). */
const MAY_IMPORT: Record<string, string[]> = {
  schemas: ['schemas'],
  'edge/src/db': ['edge/src/db', 'schemas'],
  'edge/src/identity': ['edge/src/identity', 'edge/src/db', 'schemas'],
  'edge/src/attribution': ['edge/src/attribution', 'edge/src/identity', 'edge/src/db', 'schemas'],
  'edge/src/ingest': ['edge/src/ingest', 'edge/src/identity', 'edge/src/db', 'schemas'],
  'edge/src/query': ['edge/src/query', 'edge/src/attribution', 'edge/src/identity', 'edge/src/db', 'schemas'],
};

/** Shared by every layer: the typed HTTP error and the Worker's bindings. */
const SHARED = ['edge/src/errors.ts', 'edge/src/env.ts'];

const layerOf = (file: string) => Object.keys(MAY_IMPORT).find((layer) => file === layer || file.startsWith(`${layer}/`));

describe('layers', async () => {
  const graph = await madge([path.join(ROOT, 'edge/src'), path.join(ROOT, 'schemas')], { fileExtensions: ['ts'], baseDir: ROOT });

  it('have no import cycles', () => {
    expect(graph.circular()).toEqual([]);
  });

  it('import only downwards', () => {
    const wrong: string[] = [];
    for (const [file, deps] of Object.entries(graph.obj())) {
      const layer = layerOf(file);
      if (!layer) continue;
      for (const dep of deps) {
        if (!SHARED.includes(dep) && !MAY_IMPORT[layer].some((allowed) => dep === allowed || dep.startsWith(`${allowed}/`))) wrong.push(`${file} → ${dep}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
