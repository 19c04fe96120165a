import { expect } from 'chai';
import { checkDefinition, LINT_RULES, type DefinitionProblem } from '../../engine/kernel/bpmn/lint.js';
import { InvalidDefinitionError } from '../../engine/kernel/errors.js';
import { registerImsServices } from '../../processes/index.js';
import { shippedCatalogue, shippedPacks, shippedProcesses } from '../../processes/index.js';
import { packFieldTypes } from '../../engine/packs.js';
import { bpmn, testEngine } from '../helpers.js';

/**
 * The one rule set (engine/kernel/bpmn/lint.ts): the chosen bpmnlint rules and validateDefinition together.
 * Deployment refuses exactly what checkDefinition reports (the modeler's problems panel runs the same
 * module in the browser: test/modeler/modeler.test.ts and test/modeler/miwg-roundtrip.test.ts), every shipped process
 * passes, and each bpmnlint rule refuses the drawing it is there for, naming the element.
 */

const services = () => registerImsServices({ catalogue: shippedCatalogue() }).names();

/** What deployment says about a file: its problems, or [] when it deployed. */
async function deployProblems(xml: string): Promise<DefinitionProblem[]> {
  const { imsflow } = await testEngine();
  try {
    await imsflow.deploy(xml, 'tester');
    return [];
  } catch (err) {
    if (err instanceof InvalidDefinitionError) return err.problems;
    throw err;
  }
}

const task = (id: string) => `<userTask id="${id}" name="${id}" ims:candidateRole="staff" />`;
const flow = (id: string, from: string, to: string, condition?: string) =>
  `<sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}">${condition ? `<conditionExpression>${condition}</conditionExpression>` : ''}</sequenceFlow>`;

/** One drawing per bpmnlint rule, each wrong in the way the rule is there for. */
const BROKEN: Record<keyof typeof LINT_RULES, { xml: string; element: string }> = {
  'no-disconnected': {
    element: 'lonely',
    xml: bpmn('p', `<startEvent id="s" />${task('a')}<endEvent id="e" />${flow('f1', 's', 'a')}${flow('f2', 'a', 'e')}${task('lonely')}`),
  },
  'no-implicit-start': {
    element: 'orphan',
    xml: bpmn('p', `<startEvent id="s" />${task('a')}${task('orphan')}<endEvent id="e" />${flow('f1', 's', 'a')}${flow('f2', 'a', 'e')}${flow('f3', 'orphan', 'e')}`),
  },
  'no-implicit-end': {
    element: 'deadEnd',
    xml: bpmn(
      'p',
      `<startEvent id="s" />${task('a')}<parallelGateway id="fork" />${task('deadEnd')}<endEvent id="e" />${flow('f1', 's', 'a')}${flow('f2', 'a', 'fork')}${flow('f3', 'fork', 'e')}${flow('f4', 'fork', 'deadEnd')}`,
    ),
  },
  'end-event-required': {
    element: 'p',
    xml: bpmn('p', `<startEvent id="s" />${task('a')}${flow('f1', 's', 'a')}`),
  },
  'no-duplicate-sequence-flows': {
    element: 'f2',
    xml: bpmn('p', `<startEvent id="s" />${task('a')}<endEvent id="e" />${flow('f1', 's', 'a')}${flow('f2', 's', 'a')}${flow('f3', 'a', 'e')}`),
  },
  'no-implicit-split': {
    element: 'a',
    xml: bpmn('p', `<startEvent id="s" />${task('a')}${task('b')}<endEvent id="e" /><endEvent id="e2" />${flow('f1', 's', 'a')}${flow('f2', 'a', 'e')}${flow('f3', 'a', 'b')}${flow('f4', 'b', 'e2')}`),
  },
  'conditional-flows': {
    element: 'f3',
    xml: bpmn(
      'p',
      `<startEvent id="s" />${task('a')}<endEvent id="e" /><endEvent id="e2" />${flow('f1', 's', 'a')}${flow('f2', 'a', 'e', '${output.a.ok == true}')}${flow('f3', 'a', 'e2')}`,
    ),
  },
};

describe('one rule set for deployment and the modeler (engine/kernel/bpmn/lint.ts)', () => {
  it('passes every shipped process', async () => {
    for (const { file, xml } of shippedProcesses()) {
      const { problems, spec } = await checkDefinition(xml, { services: services(), fieldTypes: new Set(packFieldTypes(shippedPacks).map((type) => type.type)) });
      expect(problems, file).to.deep.equal([]);
      expect(spec, file).to.not.equal(undefined);
    }
  });

  for (const [rule, { xml, element }] of Object.entries(BROKEN)) {
    it(`bpmnlint/${rule}: refuses the drawing at deployment, naming ${element}, exactly as checkDefinition reports it`, async () => {
      const checked = (await checkDefinition(xml, { services: new Set() })).problems;
      const mine = checked.filter((p) => p.rule === `bpmnlint/${rule}`);
      expect(mine.map((p) => p.element), JSON.stringify(checked)).to.include(element);
      expect(mine[0]!.message).to.match(/[a-z]/).and.not.match(/^Element /); // said in our words, not bpmnlint's
      expect(await deployProblems(xml)).to.deep.equal(checked);
    });
  }

  it('gives the same answer on every call, without false duplicates', async () => {
    const { xml } = BROKEN['no-duplicate-sequence-flows'];
    const first = await checkDefinition(xml, { services: new Set() });
    const second = await checkDefinition(xml, { services: new Set() });
    expect(second.problems).to.deep.equal(first.problems);
  });

  it('reads flows from sourceRef/targetRef: a file without <incoming>/<outgoing> passes as one with them', async () => {
    const xml = bpmn('p', `<startEvent id="s" />${task('a')}<endEvent id="e" />${flow('f1', 's', 'a')}${flow('f2', 'a', 'e')}`);
    expect((await checkDefinition(xml, { services: new Set() })).problems).to.deep.equal([]);
  });

  it('refuses a reminder longer than the time to the due date', async () => {
    const withReminder = (before: string) =>
      bpmn('p', `<startEvent id="s" /><userTask id="a" name="a" ims:candidateRole="staff" ims:due="P14D" ims:remindBefore="${before}" /><endEvent id="e" />${flow('f1', 's', 'a')}${flow('f2', 'a', 'e')}`);
    expect(await deployProblems(withReminder('P20D'))).to.deep.equal([
      {
        element: 'a',
        message: 'The task “a” would remind 20 days before a due date only 14 days after it opens: the reminder must be shorter than the time to the due date.',
        code: 'reminder-after-opening',
        args: { kind: 'task', name: 'a', remindBefore: '20 days', due: '14 days' },
      },
    ]);
    expect(await deployProblems(withReminder('P3D'))).to.deep.equal([]);
  });

  it('names elements by what the owner drew and their name, never by id or BPMN internals, with a code to translate by', async () => {
    const xml = bpmn(
      'p',
      `<startEvent id="StartEvent_1" name="Deviation found" /><userTask id="Activity_0381m78" name="Assess and contain" />
       <intermediateThrowEvent id="Event_1x2"><compensateEventDefinition /></intermediateThrowEvent>
       <exclusiveGateway id="Gateway_0k" name="Contained?" /><endEvent id="Event_end" name="Closed" /><endEvent id="Event_again" name="Escalated" />
       ${flow('Flow_1', 'StartEvent_1', 'Activity_0381m78')}${flow('Flow_2', 'Activity_0381m78', 'Event_1x2')}${flow('Flow_3', 'Event_1x2', 'Gateway_0k')}
       ${flow('Flow_4', 'Gateway_0k', 'Event_end', '${output.Activity_0381m78.ok == true}')}${flow('Flow_5', 'Gateway_0k', 'Event_again')}`,
    );
    const { problems } = await checkDefinition(xml, { services: new Set() });
    const said = Object.fromEntries(problems.map((p) => [p.code, p]));
    expect(said['task-needs-holder']).to.deep.equal({
      element: 'Activity_0381m78',
      message: 'The task “Assess and contain” needs someone to do it: choose a role or a person.',
      code: 'task-needs-holder',
      args: { kind: 'task', name: 'Assess and contain' },
    });
    expect(said['trigger-not-supported']?.message).to.equal('A compensation throw event without a name is not supported: intermediate throw events must be plain.');
    // a flow without a name is named by its ends
    expect(said['split-needs-conditions']?.message).to.include('missing on the flow from “Contained?” to “Escalated”');
    expect(said['conditional-flows']?.message).to.equal('The flow from “Contained?” to “Escalated” leaves a split without a condition: give it a condition, or make it the default flow.');
    for (const problem of problems) {
      expect(problem.message, problem.code).not.to.match(/Activity_|Event_|Gateway_|Flow_|ims:|\$\{|IntermediateThrowEvent|bpmn/);
      expect(problem.message, problem.code).to.match(/^[A-Z].*\.$/);
      expect(problem.code).to.be.a('string');
    }
  });

  it('tells a file from another tool everything it could not run', async () => {
    const xml = bpmn('p', `<startEvent id="s" /><scriptTask id="script" name="script" /><endEvent id="e" />${flow('f1', 's', 'script')}${flow('f2', 'script', 'e')}`).replace('isExecutable="true"', 'isExecutable="false"');
    const { problems } = await checkDefinition(xml, { services: new Set() });
    expect(problems.map((p) => p.element)).to.include.members(['definitions', 'script']);
  });
});
