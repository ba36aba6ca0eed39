// Renders the job benchmark's section of RESULTS.md: the time table, D1 rows and storage, each beside its goal.
import { d1Command } from './d1.mjs';
import { WORKER_HEAP_MB } from './fit-memory.mjs';
import { GOAL_TOUCHES, GOALS, goalNote, goalTierNote, markedCell } from './goals.mjs';
import { fmt, fmtInt, fmtRatio, logLogSlope, ratio } from './stats.mjs';

/** Workers' default CPU limit per request; a local call longer than this in wall time is flagged. */
const WORKER_LIMIT_MS = 30_000;

export function notAvailable(reason) {
  return {
    title: 'Attribution job',
    status: 'not available',
    headline: [`attribution job: not available — ${reason}`],
    markdown: `**Not available**: ${reason}. The endpoint is being built; rerun \`npm run bench\` once it exists.`,
  };
}

const NOT_REPORTED = 'not reported by this server';
const pct = (v) => (Number.isFinite(v) ? `${fmt(v * 100, v < 0.01 ? 2 : 1)}%` : '—');

/**
 * D1 rows per run: the job's own Σ `meta.rows_written` / `meta.rows_read` over every statement,
 * summed over the calls of a run. The answers of today's job carry no such fields: then the
 * section says so rather than failing, so the harness runs on the old engine and the new alike.
 */
function rowsSection(results) {
  const largest = results.at(-1);
  const measured = results.filter((r) => r.fullRun.rowsWritten !== null);
  if (!measured.length) {
    return {
      headline: `D1 rows written per run: ${NOT_REPORTED} (\`POST /v1/attribution/run\` answers carry no \`rows_written\`) (goals ${GOALS.rowsWrittenPerTouch.text} full, ${GOALS.incrementalRowsOverFull.text} of it incremental)`,
      markdown: ['### D1 rows per run', '', `**${NOT_REPORTED}**: the answers of \`POST /v1/attribution/run\` carry no \`rows_written\` / \`rows_read\` (the job of issue 11 adds them). Goals, once reported: rows written per full run ${GOALS.rowsWrittenPerTouch.text}; per incremental run after 1% new data ${GOALS.incrementalRowsOverFull.text} of the full run's.`],
    };
  }
  const lines = results.map(({ tier, fullRun, incremental }) => {
    const perTouch = ratio(fullRun.rowsWritten, tier.n);
    const incrShare = ratio(incremental.rowsWritten, fullRun.rowsWritten);
    return (
      `| ${fmtInt(tier.n)} | ${fmtInt(fullRun.rowsWritten)} | ${markedCell(fmt(perTouch, 2), perTouch, GOALS.rowsWrittenPerTouch)} | ${fmtInt(fullRun.rowsRead)} | ` +
      `${fmtInt(incremental.rowsWritten)} | ${markedCell(pct(incrShare), incrShare, GOALS.incrementalRowsOverFull)} | ${fmtInt(incremental.rowsRead)} |`
    );
  });
  const perTouch = ratio(largest.fullRun.rowsWritten, largest.tier.n);
  const incrShare = ratio(largest.incremental.rowsWritten, largest.fullRun.rowsWritten);
  const headline = largest.fullRun.rowsWritten === null
    ? `D1 rows written per run at ${fmtInt(largest.tier.n)}: ${NOT_REPORTED}`
    : `D1 rows written at ${fmtInt(largest.tier.n)}: full run ${fmtInt(largest.fullRun.rowsWritten)} = ${fmt(perTouch, 2)} per touch ${goalNote(perTouch, GOALS.rowsWrittenPerTouch)}; ` +
      `incremental after 1% ${fmtInt(largest.incremental.rowsWritten)} = ${pct(incrShare)} of the full run's ${goalNote(incrShare, GOALS.incrementalRowsOverFull)}; ` +
      `rows read: full ${fmtInt(largest.fullRun.rowsRead)}, incremental ${fmtInt(largest.incremental.rowsRead)}`;
  return {
    headline,
    markdown: [
      '### D1 rows per run',
      '',
      'What the job reports about itself in each `POST /v1/attribution/run` answer — `rows_written` and `rows_read`, its sum of D1 `meta.rows_written` / `meta.rows_read` over every statement of the call, as local D1 counts them — summed over the calls of the run. In D1 a written row costs about a thousand times a read row, so the written count is the one with goals. "—": a count the server did not report on every call of that run.',
      '',
      `| touches | rows written, full run | per touch (goal ${GOALS.rowsWrittenPerTouch.text}) | rows read, full run | rows written, incremental (1% new) | incr. / full (goal ${GOALS.incrementalRowsOverFull.text}) | rows read, incremental |`,
      '|--:|--:|--:|--:|--:|--:|--:|',
      ...lines,
    ],
  };
}

const MiB = 2 ** 20;
/** Bytes in MiB, or KiB below one MiB (smoke tiers). */
function fmtBytes(b) {
  if (!Number.isFinite(b)) return '—';
  return Math.abs(b) >= MiB ? `${fmt(b / MiB, 1)} MiB` : `${fmt(b / 1024, 0)} KiB`;
}

/** "credit 80.0 MiB + 40.0 MiB indexes, credit_daily 60.0 MiB": the parts of a storage group. */
function describeParts(group) {
  return group.parts
    .filter((p) => p.table || p.indexes)
    .map((p) => `\`${p.name}\` ${fmtBytes(p.table)}${p.indexes ? ` + ${fmtBytes(p.indexes)} indexes` : ''}`)
    .join(', ');
}

/**
 * Storage per tier (dbstat): the credit store against the touches table, each with its indexes.
 * Every site lives in one D1 file, so each figure is the difference of two readings around the one
 * step that writes that tier's rows (see the method text below).
 */
function storageSection(results, whole) {
  const largest = results.at(-1);
  const measured = results.filter((r) => !r.tier.seedBytes?.unavailable && !r.fullBytes?.unavailable && r.tier.seedBytes && r.fullBytes);
  const method =
    'Bytes are whole pages as SQLite\'s `dbstat` counts them (`SELECT name, SUM(pgsize) FROM dbstat GROUP BY name` through Debian\'s `sqlite3 -readonly` on the local D1 file, its WAL included; indexes mapped to their tables through `sqlite_master`; freelist pages belong to no table). ' +
    'The credit store is every table named `credit*` or `attribution_*` (today `credit`, the rollup `credit_sums` with its queue `credit_rollup_dirty`, and the job\'s `attribution_*` state), with its indexes. ' +
    'All sites share one D1 file and dbstat sees tables, not sites, so each tier is measured as a difference of two readings of the whole file around the one step that writes that tier\'s rows and nothing else: the touches across the tier\'s seeding (the ingest benchmark runs after all seeding), the credit store across its full run. ' +
    'In today\'s schema every table and index of both is keyed by `site_id` first (`touches` by rowid, in insertion order), so one site\'s rows fill their own pages and the difference is that site\'s storage, give or take a page split where it meets a neighbour. ' +
    'The figures are those of the seed and of its full run: the 1% new data and the incremental run come after.';
  if (!measured.length) {
    const reason = largest.fullBytes?.unavailable ?? largest.tier.seedBytes?.unavailable ?? whole?.unavailable ?? 'no dbstat readings were taken';
    return {
      headline: `storage (dbstat): **not measured** — ${reason} (goal: credit store ${GOALS.creditOverTouchesBytes.text} the touches table and its indexes)`,
      markdown: ['### Storage (bytes in the local D1 file)', '', `**Not measured**: ${reason}.`, '', method],
    };
  }
  const lines = results.map(({ tier, fullBytes }) => {
    const t = tier.seedBytes;
    if (!t || t.unavailable || !fullBytes || fullBytes.unavailable) return `| ${fmtInt(tier.n)} | — | — | — | — | — |`;
    const share = ratio(fullBytes.credit.total, t.touches.total);
    return (
      `| ${fmtInt(tier.n)} | ${fmtBytes(t.touches.table)} | ${fmtBytes(t.touches.indexes)} | ${fmtBytes(fullBytes.credit.table)} | ${fmtBytes(fullBytes.credit.indexes)} | ` +
      `${markedCell(fmtRatio(share, 2), share, GOALS.creditOverTouchesBytes)} |`
    );
  });
  const last = measured.at(-1);
  const share = ratio(last.fullBytes.credit.total, last.tier.seedBytes.touches.total);
  const dbstatMs = results.reduce((s, r) => s + (r.tier.seedBytes?.dbstatMs ?? 0) + (r.fullBytes?.dbstatMs ?? 0), 0) + (whole?.dbstatMs ?? 0);
  const notes = [
    `- At ${fmtInt(last.tier.n)} touches, credit store by table: ${describeParts(last.fullBytes.credit) || 'nothing written'}; touches: ${describeParts(last.tier.seedBytes.touches)}.`,
  ];
  if (whole && !whole.unavailable) {
    notes.push(
      `- Whole file after every run (every site in it: the tiers, with their 1% new data and incremental runs, and any other, such as the ingest benchmark's, whose touches have no credit): touches ${fmtBytes(whole.touches.total)}, credit store ${fmtBytes(whole.credit.total)} = ${fmtRatio(ratio(whole.credit.total, whole.touches.total), 2)}; ${fmtBytes(whole.file)} in tables and indexes. A cross-check only: the goal is read per tier, above.`,
    );
  }
  // A tier left out says why, so a missing figure is never silent.
  for (const { tier, fullBytes } of results) {
    if (measured.some((m) => m.tier === tier)) continue;
    const reason = tier.seedBytes?.unavailable ?? fullBytes?.unavailable ?? 'no dbstat reading was taken';
    notes.push(`- ${fmtInt(tier.n)} touches: not measured — ${reason}.`);
  }
  notes.push(`- dbstat took ${fmt(dbstatMs / 1000, 1)} s over the run, outside every timed figure.`);
  return {
    headline:
      `storage at ${fmtInt(last.tier.n)} touches: credit store ${fmtBytes(last.fullBytes.credit.total)} = ${fmtRatio(share, 2)} the touches table and its indexes (${fmtBytes(last.tier.seedBytes.touches.total)}) ${goalNote(share, GOALS.creditOverTouchesBytes)}` +
      (last === largest ? '' : ` (not measured at ${fmtInt(largest.tier.n)})`),
    markdown: [
      '### Storage (bytes in the local D1 file)',
      '',
      method,
      '',
      `| touches | touches table | touches indexes | credit store tables | credit store indexes | credit store / touches, with indexes (goal ${GOALS.creditOverTouchesBytes.text}) |`,
      '|--:|--:|--:|--:|--:|--:|',
      ...lines,
      '',
      ...notes,
    ],
  };
}

export function report(ctx, results, { seedConcurrency, maxRunCalls, maxRunMs }, wholeFile) {
  const slope = logLogSlope(results.map((r) => ({ x: r.tier.n, y: r.fullRun.ms })));
  const floorSlope = logLogSlope(results.filter((r) => r.floor).map((r) => ({ x: r.tier.n, y: r.floor.floorMs })));
  const rows = results.map(({ tier, fullRun, floor, incremental }) => {
    const f = floor?.floorMs;
    const overFloor = ratio(fullRun.ms, f);
    const overFull = ratio(incremental.ms, fullRun.ms);
    return (
      `| ${fmtInt(tier.n)} | ${fmtInt(tier.data.accounts)} | ${fmtInt(tier.data.conversions)} | ${fmt(tier.seed.touches.ms / 1000, 1)} s | ` +
      `${fmt(fullRun.ms / 1000, 2)} s | ${f === undefined ? '—' : `${fmt(f, f < 10 ? 2 : 0)} ms`} | ${markedCell(fmtRatio(overFloor, 0), overFloor, GOALS.fullOverFloor)} | ` +
      `${fmt(incremental.ms / 1000, 2)} s | ${fmtRatio(ratio(incremental.ms, f), 0)} | ${markedCell(fmtRatio(overFull, 2), overFull, GOALS.incrementalOverFull)} |`
    );
  });
  const details = results.map(
    ({ tier, fullRun, incremental, added, reached }) =>
      `- ${fmtInt(tier.n)} touches: seeded at ${fmt((tier.n / tier.seed.touches.ms) * 1000, 0)} touches/s; ` +
      `full run ${fullRun.calls} call${fullRun.calls === 1 ? '' : 's'} (full: ${fullRun.full}), ${fmtInt(fullRun.accounts)} keys, ${fmtInt(fullRun.conversions)} conversions, ${fmtInt(fullRun.creditRows)} credit rows; ` +
      `incremental after +${fmtInt(added.touches)} touches and +${fmtInt(added.conversions)} conversions: ${incremental.calls} call${incremental.calls === 1 ? '' : 's'}, ${fmtInt(incremental.accounts)} keys, ${fmtInt(incremental.creditRows)} credit rows; ` +
      `the ${fmtInt(reached.accounts)} accounts the new data reaches hold ${fmt(reached.touchShare * 100, 0)}% of all touches; ` +
      `longest single call ${fmt(Math.max(fullRun.longestMs, incremental.longestMs) / 1000, 1)} s${Math.max(fullRun.longestMs, incremental.longestMs) > WORKER_LIMIT_MS ? ' (**over 30 s**: past the 20-second budget the route sets itself)' : ''}.`,
  );
  const largest = results.at(-1);
  const extra = [];
  if (!ctx.full && !ctx.smoke && Number.isFinite(slope)) {
    const scale = GOAL_TOUCHES / largest.tier.n;
    const est = largest.fullRun.ms * scale ** slope;
    const estFloor = largest.floor ? largest.floor.floorMs * scale ** (Number.isFinite(floorSlope) ? floorSlope : 1) : NaN;
    extra.push(
      `- **1M touches, extrapolated** (default mode does not seed 1M; \`npm run bench -- --full\` measures it): full run ≈ ${fmt(est / 1000, 0)} s = ${fmt(largest.fullRun.ms / 1000, 1)} s × 10^${fmt(slope, 2)}; read floor ≈ ${fmt(estFloor, 0)} ms (floor exponent ${fmt(floorSlope, 2)}), ratio ≈ ${fmtRatio(ratio(est, estFloor), 0)} ${goalNote(ratio(est, estFloor), GOALS.fullOverFloor)}.`,
    );
  }
  extra.push(
    '- Incremental work is per account: an account that gains one touch or conversion has all its conversions recomputed over their windows. The new data follows the same skew as the history (busy accounts stay busy), so the accounts it reaches hold a large share of all touches — the "hold N%" figure, computed from the generator — and that share, not the 1%, bounds what an account-level incremental run can save.',
  );
  extra.push(
    '- Both runs start once what they process is ≥ 2 minutes old, as the cron (every 15 min) mostly meets it. A client that loops on `POST /v1/attribution/run` right after sending data pays more when the run needs several calls: each call re-scans changes received up to 2 minutes before the previous call\'s watermark (SCAN_OVERLAP_MS, the margin for requests still committing) and re-queues their keys, so the new data\'s accounts are recomputed again until it is 2 minutes old.',
  );
  const retried = results.filter((r) => r.fullRun.proxyRetries || r.incremental.proxyRetries);
  if (retried.length) {
    extra.push(
      `- wrangler dev's proxy answered 503 "Your worker restarted mid-request" within milliseconds (it does on the call after a long one; the Worker did no work) ${retried.map((r) => `${r.fullRun.proxyRetries + r.incremental.proxyRetries}× at ${fmtInt(r.tier.n)} touches`).join(', ')}; those calls were sent again (the job is idempotent), their 500 ms pauses not counted.`,
    );
  }
  const unfinished = results.filter((r) => !r.fullRun.done || !r.incremental.done);
  if (unfinished.length) extra.push(`- **Not finished within ${maxRunCalls} calls / ${maxRunMs / 60_000} min** at ${unfinished.map((r) => fmtInt(r.tier.n)).join(', ')} touches: times are lower bounds.`);
  const rejected = results.flatMap((r) => [r.tier.seed.touches, r.tier.seed.conversions]).filter((s) => s.rejected);
  if (rejected.length) extra.push(`- Seeding rejections: ${rejected.map((s) => `${s.rejected} (first: ${JSON.stringify(s.firstRejection)})`).join('; ')}.`);
  const f0 = results[0].floor;
  const rowsWritten = rowsSection(results);
  const storage = storageSection(results, wholeFile);
  const overFloor = ratio(largest.fullRun.ms, largest.floor?.floorMs);
  const overFull = ratio(largest.incremental.ms, largest.fullRun.ms);
  const headline = [
    `attribution job: growth exponent ${fmt(slope, 2)} (log-log, ${results.map((r) => fmtInt(r.tier.n)).join(' → ')} touches); ` +
      `full run at ${fmtInt(largest.tier.n)} = ${fmt(largest.fullRun.ms / 1000, 1)} s = ${fmtRatio(overFloor, 0)} the read floor ${goalNote(overFloor, GOALS.fullOverFloor)}; ` +
      `incremental after 1% new data = ${fmtRatio(overFull, 2)} the full run ${goalNote(overFull, GOALS.incrementalOverFull)} (${largest.incremental.calls} call${largest.incremental.calls === 1 ? '' : 's'})${goalTierNote(largest.tier.n)}`,
    fitHeadline(largest),
    fitMemoryHeadline(largest),
    refitHeadline(largest),
    rowsWritten.headline,
    storage.headline,
  ];
  const markdown = [
    'Baseline: the **read floor**, the time to read all of the site\'s touches once, which no job can beat: ' +
      '`' + d1Command('<state>', 'SELECT COUNT(*), SUM(occurred_at), SUM(LENGTH(touch_id) + LENGTH(channel) + …) FROM touches WHERE site_id = …') + '` ' +
      '(bench/lib/d1.mjs). The aggregate reads every column the job needs but returns one row, so nothing is printed or transferred; the figure is D1\'s own `meta.duration` for the statement, ' +
      'which leaves out wrangler\'s start-up. The statement repeats K times in one command (K × touches ≈ 2M rows, so small tiers add up to whole milliseconds); per-scan mean; the floor is the median over two readings of 3 commands each (1 in smoke mode), one just before the tier\'s full run and one just after it, so that a change of machine load during the run weighs on both sides. ' +
      'It is SQLite scanning in-process, warm in the OS page cache, with no Worker↔D1 round trip: a strict lower bound.',
    `Data: synthetic, seeded PRNG (bench/lib/crm-data.mjs): touches over touches/50 accounts (skewed: a few busy accounts), up to 5 contacts each, browsers stitched by email + anonymous id, 10% free-mail contacts, 4% never-identified visitors; 60% web visits with UTMs, 40% offline types; conversions = touches/50 (lead → closed_won with revenue) by account domain or contact email. Seeded through the public API — \`POST /v1/touches\` and \`POST /v1/conversions\`, 500 items per request, ${seedConcurrency} in flight — so contacts, accounts and identity links are written exactly as the Worker writes them. Each tier is its own site in the same local D1.`,
    'Full run: the first `POST /v1/attribution/run` calls on a fresh site (the job runs full when a site has no state), repeated while it answers `done: false`; the time is the wall time over all calls. Incremental: after adding 1% more touches and conversions (recent activity, same account skew), the calls until done again. ' +
      'Refit: after the incremental run, one `POST /v1/attribution/run?refit=true` (what the first run of each UTC day does); its `phases_ms.fit` is the fit alone, which reads again only the journeys of the keys the 1% new data changed, where the full run\'s fit computed every key\'s that the full run\'s credit chunks did not store (they store the journeys of the keys they credit). ' +
      `${ctx.smoke ? 'Smoke mode does not wait out the job\'s 2-minute rescan overlap, so its incremental figure includes rescanning the seed.' : 'The full run starts ≥ 2 min after seeding, and the incremental run ≥ 2 min after its new data (every tier\'s full run comes first, so only the last tier waits), so that the job\'s 2-minute rescan overlap (SCAN_OVERLAP_MS) does not count data twice.'}`,
    '',
    `| touches | accounts | conversions | seeding (HTTP) | full run | read floor | full / floor (goal ${GOALS.fullOverFloor.text}) | incremental (1% new) | incr. / floor | incr. / full (goal ${GOALS.incrementalOverFull.text}) |`,
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
    '',
    ...details,
    `- Read floor just before and just after each full run (the figure above is the median of both readings' commands): ${results.map((r) => (r.floor?.beforeMs !== undefined ? `${fmtInt(r.tier.n)}: ${fmt(r.floor.beforeMs, r.floor.beforeMs < 10 ? 2 : 0)} / ${fmt(r.floor.afterMs, r.floor.afterMs < 10 ? 2 : 0)} ms` : `${fmtInt(r.tier.n)}: —`)).join(', ')}.`,
    `- Growth exponent (least-squares slope of log time over log touches): full run **${fmt(slope, 2)}**, read floor ${fmt(floorSlope, 2)} (1 = linear).`,
    ...extra,
    f0?.wallDiffMs !== undefined
      ? `- Cross-check of the floor by wall time (command minus the same command repeating \`SELECT 1\`, per scan): ${results.map((r) => `${fmtInt(r.tier.n)}: ${fmt(r.floor?.wallDiffMs, 0)} ms`).join(', ')} — wrangler's start-up varies by seconds on a shared machine, which is why \`meta.duration\` is the figure used.`
      : f0
        ? '- Smoke mode skips the wall-time cross-check of the floor.'
        : '- Read floor: not measured (no local state dir: set BENCH_STATE_DIR with BASE_URL).',
    '',
    ...fitMemoryMarkdown(largest),
    '',
    ...rowsWritten.markdown,
    '',
    ...storage.markdown,
  ].join('\n');
  return {
    title: 'Attribution job',
    status: 'ok',
    headline,
    markdown,
    data: { slope, floorSlope, tiers: results.map((r) => ({ n: r.tier.n, siteId: r.tier.site.id, seed: r.tier.seed, fullRun: r.fullRun, floor: r.floor, incremental: r.incremental, refit: r.refit })) },
  };
}

/**
 * The daily refit after the 1% new data: the fit alone (phases_ms.fit), which reads again only the
 * journeys of the keys that changed since the full run's fit, against the read floor.
 */
function refitHeadline({ tier, refit, floor }) {
  const fit = refit?.phases?.fit;
  if (!refit?.refitted || !Number.isFinite(fit)) return 'data-driven refit: not measured (the server did not report a refit)';
  const overFloor = ratio(fit, floor?.floorMs);
  return (
    `data-driven refit at ${fmtInt(tier.n)} (\`?refit=true\` after the 1% new data, as each UTC day's first run refits): ${fmt(fit / 1000, 2)} s = ${fmtRatio(overFloor, 1)} the read floor ` +
    `${goalNote(overFloor, GOALS.fitOverFloor)}; that run took ${fmt(refit.ms / 1000, 2)} s in all (re-rolling every credited day under the new fit: rollup ${fmt(refit.phases.rollup / 1000, 2)} s), ` +
    `rows written ${fmtInt(refit.rowsWritten)}`
  );
}

/** The data-driven fit inside the full run (every key's journeys computed, those of credited keys by the credit chunks): its time against the read floor and the rest of the run. */
function fitHeadline({ tier, fullRun, floor }) {
  const p = fullRun.phases;
  if (!p) return 'data-driven fit: not reported by this server (`phases_ms` missing from the job\'s answer)';
  const overFloor = ratio(p.fit, floor?.floorMs);
  const rest = fullRun.ms - p.fit;
  return (
    `data-driven fit (markov + shapley, every stage) in the full run at ${fmtInt(tier.n)}, computing the journeys of every key the credit chunks did not (keys without conversions, lone visitors): ${fmt(p.fit / 1000, 2)} s = ${fmtRatio(overFloor, 1)} the read floor ${goalNote(overFloor, GOALS.fitOverFloor)}, ` +
    `${fmtRatio(ratio(p.fit, rest), 2)} the rest of the full run (scan ${fmt(p.scan / 1000, 2)} s, credit ${fmt(p.credit / 1000, 2)} s, rollup ${fmt(p.rollup / 1000, 2)} s)`
  );
}

/** Whether the fit ran within a Worker's heap (bench/lib/fit-memory.mjs), and the heap it used. */
function fitMemoryHeadline({ tier, fullRun }) {
  const m = fullRun.fitMemory;
  if (!m) return `data-driven fit memory at ${fmtInt(tier.n)}: not measured`;
  if (m.error && !m.outOfMemory) return `data-driven fit memory at ${fmtInt(tier.n)}: not measured — ${m.error}`;
  const goal = `(goal: within a Worker's ${WORKER_HEAP_MB} MB: ${m.completed ? 'pass' : '**fail**'})`;
  if (!m.completed) return `data-driven fit memory at ${fmtInt(tier.n)}: **out of memory** under a ${m.limitMb} MB V8 heap ${goal}`;
  return (
    `data-driven fit memory at ${fmtInt(tier.n)}, every key's journey computed by the fit itself: completed under a ${m.limitMb} MB V8 heap ${goal}; ` +
    `heap peak ${fmt(m.peakUsedMb, 1)} MB, of which ${fmt(m.heapBeforeBytes / MiB, 1)} MB was there before the fit (Miniflare's client, the loaded code); ` +
    (m.major ? `largest live heap after a full collection ${fmt(m.peakLiveMb, 1)} MB (${m.major} full of ${m.collections} collections)` : `no full collection during the fit (${m.collections} minor)`) +
    `; ${fmtInt(m.journeys)} journeys, ${fmt(m.ms / 1000, 1)} s`
  );
}

function fitMemoryMarkdown(largest) {
  const mem = largest.fullRun.memory;
  return [
    '### Data-driven fit memory',
    '',
    `A Worker's isolate has ${WORKER_HEAP_MB} MB. After the largest tier's full run, while the server is idle, the fit (\`fitSite\` of edge/src/attribution/fit.ts, bundled from the Worker's sources) runs again on a copy of the local D1, with every stored journey and the completeness mark cleared, so it computes every key's journey itself: the most a fit ever does. ` +
      `It runs in a Node process whose V8 heap is capped at ${WORKER_HEAP_MB} MB (\`--max-heap-size=${WORKER_HEAP_MB}\`), talking to D1 through Miniflare, and V8's GC trace (\`--trace-gc\`) gives its heap at every collection, synchronous parts included (bench/lib/fit-memory.mjs). ` +
      'The figures are an upper bound on a Worker\'s: Node\'s V8 stores full 64-bit pointers where a Worker\'s compresses them to 32 bits, and the capped heap also holds Miniflare\'s client. (wrangler dev\'s own isolate has no memory limit, and its inspector answers heap questions only between tasks.)',
    '',
    `- ${fitMemoryHeadline(largest)}.`,
    ...(largest.fullRun.fitMemory?.completed
      ? [`- Outside the V8 heap (buffers, such as D1's answers in transit), sampled every 20 ms during the fit (whenever it waited on D1): at most ${fmt(largest.fullRun.fitMemory.externalPeakBytes / MiB, 1)} MB (${fmt(largest.fullRun.fitMemory.externalBeforeBytes / MiB, 1)} MB just before it).`]
      : []),
    mem
      ? `- Cross-check: workerd's resident memory over the whole full run (credit and rollup too, and local D1's SQLite inside workerd) peaked at ${fmt(mem.peakBytes / MiB, 0)} MiB, ${fmt(mem.growthBytes / MiB, 0)} MiB over its ${fmt(mem.beforeBytes / MiB, 0)} MiB before (sampled from /proc every 100 ms).`
      : '- Cross-check by workerd\'s resident memory: not measured (no local workerd process).',
  ];
}
