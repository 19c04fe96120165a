import { expect } from 'chai';
import { onMessageProblem, type MessageProblem } from '../../engine/kernel/i18n/index.js';

/**
 * Registers hooks in the calling `describe`: each of its tests fails when a message it rendered was missing
 * in the reader's language or would not format (engine/kernel/i18n reports them through onMessageProblem).
 */
export function expectEveryMessageFound(): void {
  let problems: MessageProblem[] = [];
  let restore = () => {};
  beforeEach(() => {
    problems = [];
    restore = onMessageProblem((p) => problems.push(p));
  });
  afterEach(() => {
    restore();
    expect(problems, 'missing or broken messages').to.deep.equal([]);
  });
}
