// The performance goals of issue 11 (credit engine v2) and issue 13 (influence, funnel), so that each figure they name is reported beside its goal with a pass/fail mark.

/** The goals are set at this tier (`npm run bench -- --full`); smaller runs are marked against them as an indication only. */
export const GOAL_TOUCHES = 1_000_000;

/** Every goal is an upper bound on a ratio measured in one run (the machines are too noisy for absolute figures). */
export const GOALS = {
  fullOverFloor: { max: 30, text: '≤ 30×' },
  /** Issue 12: fitting both data-driven models at 1M touches. */
  fitOverFloor: { max: 5, text: '≤ 5×' },
  incrementalOverFull: { max: 0.1, text: '≤ 0.1×' },
  rowsWrittenPerTouch: { max: 1, text: '≤ 1 per touch' },
  incrementalRowsOverFull: { max: 0.1, text: '≤ 10%' },
  creditOverTouchesBytes: { max: 0.5, text: '≤ 0.5×' },
  queryP95OverHealthz: { max: 2.5, text: '≤ 2.5×' },
  /** Issue 13: /v1/influence and /v1/funnel. */
  pipelineP95OverHealthz: { max: 3, text: '≤ 3×' },
};

/** 'pass', '**fail**', or '—' when the figure was not measured (a missing figure is never a pass). */
export function mark(value, goal) {
  if (!Number.isFinite(value)) return '—';
  return value <= goal.max ? 'pass' : '**fail**';
}

/** "(goal ≤ 30×: pass)": the suffix headline figures carry. */
export function goalNote(value, goal) {
  return `(goal ${goal.text}: ${mark(value, goal)})`;
}

/** A table cell: the figure and its mark, e.g. "314× **fail**". */
export function markedCell(text, value, goal) {
  return Number.isFinite(value) ? `${text} ${mark(value, goal)}` : text;
}

/** Said once where figures are marked below the goals' tier. */
export function goalTierNote(touches) {
  return touches === GOAL_TOUCHES ? '' : ` (goals are set at ${GOAL_TOUCHES.toLocaleString('en-US')} touches: marked here at ${touches.toLocaleString('en-US')} as an indication)`;
}
