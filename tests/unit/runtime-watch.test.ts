// npm start's watch on wrangler's workerd children: which processes count as the Worker's runtime.
import { describe, expect, it } from 'vitest';
import { workerdChildren } from '../../scripts/lib/runtime-watch.mjs';

describe('workerdChildren', () => {
  it('lists the workerd processes of one parent, by pid, on Linux (comm) and macOS (path) alike', () => {
    const ps = [
      '    1     0 init',
      ' 7470  7339 node',
      ' 7481  7470 esbuild',
      ' 7487  7470 workerd',
      ' 8406  7470 /work/node_modules/@cloudflare/workerd-darwin-arm64/bin/workerd',
      ' 9001  9000 workerd',
      '',
    ].join('\n');
    expect(workerdChildren(ps, 7470)).toEqual([7487, 8406]);
    expect(workerdChildren(ps, 1234)).toEqual([]);
  });
});
