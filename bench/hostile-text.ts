import { checkExpressions, resolveTemplate } from '../engine/kernel/expressions.js';
import { timerProblem } from '../engine/kernel/durations.js';
import { elapsedMs, nowNs, progress, round, type BenchModule, type BenchOptions, type BenchResult } from './common.js';

/**
 * Untrusted text read in linear time (issue 13, finding 1): how long the expression check takes on a
 * 1.8 MB attribute of "${" repeated 900,000 times (the pattern it replaced took over 17 minutes) and on
 * one of 120,000 good expressions (refused past 200), a template of 200 expressions resolved, and a
 * 1.8 MB timer value refused.
 */

/** The fastest of a few runs, in ms: the cost of the work, not of a GC pause that happened to fall in it. */
function fastest(runs: number, fn: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < runs; i += 1) {
    const start = nowNs();
    fn();
    best = Math.min(best, elapsedMs(start));
  }
  return best;
}

export const hostileTextModule: BenchModule = {
  name: 'hostile-text',
  async run(options: BenchOptions): Promise<BenchResult> {
    const runs = options.quick ? 3 : 10;
    progress('hostile text: expression check, template resolution and timer values at 1.8 MB');
    const hostile = '${'.repeat(900_000);
    const checkMs = fastest(runs, () => checkExpressions(hostile));
    const many = 'a${variables.x}'.repeat(120_000);
    const manyMs = fastest(runs, () => checkExpressions(many));
    const template = 'a${variables.x}'.repeat(200);
    const resolveMs = fastest(runs, () => resolveTemplate(template, { variables: { x: 'X' }, output: {} }));
    const timer = `P${'1'.repeat(1_800_000)}X`;
    const timerMs = fastest(runs, () => timerProblem('timeDuration', timer));
    return {
      hostile_template_check_ms_1_8mb: round(checkMs),
      many_expressions_check_ms_1_8mb: round(manyMs),
      template_resolve_ms_200_expressions: round(resolveMs, 3),
      hostile_timer_value_check_ms_1_8mb: round(timerMs),
    };
  },
};
