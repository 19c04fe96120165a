import * as Elements from 'bpmn-elements';
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

/** The element set imsflow runs with: bpmn-elements' own, with the safe behaviours above. */
export const imsflowElements: Record<string, unknown> = {
  ...Elements,
  TimerEventDefinition: SafeTimerEventDefinition,
  SequenceFlow: SafeSequenceFlow,
};
