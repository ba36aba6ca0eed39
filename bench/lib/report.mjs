// Writes bench/RESULTS.md (or the smoke run's temp file) from the machine description and each benchmark's section.
import { writeFileSync } from 'node:fs';
import { fmt } from './stats.mjs';

export function renderReport({ machine, startedAt, finishedAt, mode, args, server, sections }) {
  const minutes = (finishedAt - startedAt) / 60_000;
  const lines = [
    '# Touchline benchmarks',
    '',
    `Written by \`npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}\` (bench/run.mjs); rerun it to refresh. Mode: **${mode}**.`,
    'Every figure sits beside a baseline measured in the same run, and the ratio is the number to compare across runs: the machines are shared and noisy.',
    '',
    '## Machine and run',
    '',
    `- Date: ${new Date(startedAt).toISOString()} (run took ${fmt(minutes, 1)} min)`,
    `- CPU: ${machine.cpu}, ${machine.cores} cores; memory ${fmt(machine.memoryGiB, 1)} GiB`,
    `- Node ${machine.node}, wrangler ${machine.wrangler}, ${machine.os}`,
    `- Load average at start (1/5/15 min): ${machine.loadAverage.map((l) => fmt(l, 2)).join(' / ')} — other work shares these cores`,
    `- Code: commit ${machine.code.commit}${machine.code.dirty ? ` plus ${machine.code.dirty} uncommitted change(s) in edge/, schemas/ or sdk/ (work in progress was measured as it stood)` : ''}`,
    `- Server: ${server ?? 'none (size only)'}; all traffic to 127.0.0.1`,
    '',
    '## Headline',
    '',
    ...sections.flatMap((s) => s.headline.map((h) => `- ${h}`)),
    '',
    '## Commands',
    '',
    '```sh',
    'npm run bench              # default: size, ingest, job at 10k and 100k touches (1M extrapolated), query at 100k',
    'npm run bench -- --full    # adds the 1M-touch tier: seeding it over HTTP takes ~9 min here, the whole run ~22 min',
    'npm run bench -- --smoke --out /tmp/bench.md   # under a minute, tiny sizes, no peer download; never writes RESULTS.md',
    'npm run bench -- --only size,ingest            # a subset (size, ingest, job, query)',
    'BASE_URL=http://127.0.0.1:8787 BENCH_STATE_DIR=.wrangler/state npm run bench   # against a running Worker',
    '```',
    '',
  ];
  for (const s of sections) {
    lines.push(`## ${s.title}${s.status === 'ok' ? '' : ` — ${s.status}`}`, '', s.markdown, '');
  }
  return lines.join('\n');
}

export function writeReport(file, text) {
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}
