import * as Elements from 'bpmn-elements';
import { MAX_OPEN_ITERATIONS } from './bpmn/validate.js';
import { timerProblem } from './durations.js';

/**
 * bpmn-elements behaviours with imsflow's rules enforced at run time too, for what validation cannot
 * see (a timer value that comes from a variable) and as a second line behind validation.
 */

const WHOLE_EXPRESSION = /^\$\{[^}]*\}$/;

/** Refuses unsafe timer values before the date library sees them (some make it loop for hours). */
class SafeTimerEventDefinition extends (Elements.TimerEventDefinition as any) {
  parse(timerType: 'timeDuration' | 'timeDate' | 'timeCycle', value: string) {
    const problem = timerProblem(timerType, String(value));
    if (problem) throw new Error(`invalid timer: ${problem}`);
    return super.parse(timerType, value);
  }

  /**
   * bpmn-elements measures a timeDate against the wall clock; imsflow's clock may differ (tests, a
   * restored backup). Measured against the step's clock, a date still ahead is armed, never fired early.
   */
  _getTimers(executeMessage: unknown) {
    const result = super._getTimers(executeMessage);
    const now = (this as any).environment?.timers?.now?.() as Date | undefined;
    if (now && result?.timerType === 'timeDate' && result.timeDate && result.expireAt instanceof Date) result.timeout = result.expireAt.getTime() - now.getTime();
    return result;
  }
}

/**
 * A condition is one `${...}` expression. Anything else (a script, bare text) fails the flow: bpmn-elements
 * would otherwise take unrecognised text as an always-true expression.
 */
class SafeSequenceFlow extends (Elements.SequenceFlow as any) {
  getCondition() {
    const condition = this.behaviour?.conditionExpression;
    if (condition && (condition.language || !WHOLE_EXPRESSION.test(String(condition.body ?? '').trim()))) {
      const id = this.id;
      return {
        type: 'refused',
        execute(_message: unknown, callback?: (err: Error) => void) {
          const err = new Error(`condition on ${id} refused: only one \${...} expression is allowed`);
          if (callback) return callback(err);
          throw err;
        },
      };
    }
    return super.getCondition();
  }
}

/**
 * A multi-instance activity may have at most MAX_OPEN_ITERATIONS iterations. Validation refuses a literal
 * count above it; a count or collection from a variable is checked here, before any iteration opens, so
 * the step fails (an incident naming the element and the count) instead of running for minutes.
 */
class BoundedLoopCharacteristics extends ((Elements as any).MultiInstanceLoopCharacteristics as any) {
  execute(executeMessage: any) {
    if (!this.characteristics && executeMessage) {
      const environment = this.activity.environment;
      const count = (source: string, expression: unknown) => {
        if (expression === undefined || expression === null || expression === '') return;
        const value = environment.resolveExpression(expression, executeMessage);
        const n = Array.isArray(value) ? value.length : typeof value === 'number' || typeof value === 'string' ? Number(value) : NaN;
        if (Number.isFinite(n) && n > MAX_OPEN_ITERATIONS) {
          const what = Array.isArray(value) ? `holds ${n} items` : `is ${n}`;
          throw new Error(`the ${source} of ${this.activity.id} (${String(expression)}) ${what}: above the limit of ${MAX_OPEN_ITERATIONS} iterations per multi-instance activity`);
        }
      };
      count('loop cardinality', this.loopCardinality);
      count('collection', this.collection);
    }
    return super.execute(executeMessage);
  }
}

/** The element set imsflow runs with: bpmn-elements' own, with the safe behaviours above. */
export const imsflowElements: Record<string, unknown> = {
  ...Elements,
  TimerEventDefinition: SafeTimerEventDefinition,
  SequenceFlow: SafeSequenceFlow,
  MultiInstanceLoopCharacteristics: BoundedLoopCharacteristics,
};
