import { expect } from 'chai';
import { ConflictError, InvalidDefinitionError, NotFoundError, NotPermittedError, ValidationError } from '../../engine/kernel/errors.js';
import { parseBpmnXml } from '../../engine/kernel/bpmn/parse.js';
import { validateDefinition } from '../../engine/kernel/bpmn/validate.js';
import { bpmn, fixtureBpmn, openTasks, shipped, testEngine, type TestEngine } from '../helpers.js';

const review = (name = 'Review') =>
  bpmn(
    'review',
    `
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="check" />
    <userTask id="check" name="${name}" ims:candidateRole="qa" ims:due="P5D">
      <extensionElements><ims:form>
        <ims:field key="decision" label="Decision" type="select" required="true">
          <ims:option value="accept" label="Accept" /><ims:option value="reject" label="Reject" />
        </ims:field>
        <ims:field key="score" label="Score" type="number" />
        <ims:field key="checkedOn" label="Checked on" type="date" />
      </ims:form></extensionElements>
    </userTask>
    <sequenceFlow id="f2" sourceRef="check" targetRef="gw" />
    <exclusiveGateway id="gw" default="toRework" />
    <sequenceFlow id="toDone" sourceRef="gw" targetRef="done">
      <conditionExpression xsi:type="tFormalExpression">\${output.check.decision == "accept" &amp;&amp; output.check.score &gt;= 3}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="toRework" sourceRef="gw" targetRef="rework" />
    <userTask id="rework" name="Rework for \${variables.title}" ims:assignee="\${variables.owner}" />
    <sequenceFlow id="f3" sourceRef="rework" targetRef="done" />
    <endEvent id="done" />`,
    'ims:businessKeyPrefix="REV"',
  );

describe('engine: definitions', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await testEngine();
  });

  it('deploys versions, and redeploying identical content is a no-op', async () => {
    const first = await t.imsflow.deploy(review(), 'alice');
    expect(first).to.include({ key: 'review', version: 1, created: true });
    const again = await t.imsflow.deploy(review(), 'alice');
    expect(again).to.deep.equal({ ...first, created: false });
    const second = await t.imsflow.deploy(review('Review v2'), 'alice');
    expect(second).to.include({ key: 'review', version: 2, created: true });
    expect(second.hash).to.not.equal(first.hash);
    const listed = await t.imsflow.listDefinitions();
    expect(listed.map((d) => d.version)).to.deep.equal([1, 2]);
    const deployments = (await t.store.listAudit({})).filter((e) => e.action === 'definition.deployed');
    expect(deployments).to.have.length(2);
  });

  it('rejects an invalid definition with problems that name the elements, and stores nothing', async () => {
    const xml = fixtureBpmn('broken');
    const err = await t.imsflow.deploy(xml, 'alice').catch((e) => e);
    expect(err).to.be.instanceOf(InvalidDefinitionError);
    const problems = (err as InvalidDefinitionError).problems;
    expect(problems.filter((p) => p.element === 'nobody').map((p) => p.message).join('\n')).to.match(/needs someone to do it: choose a role or a person/).and.match(/invalid due time/);
    expect(await t.imsflow.listDefinitions()).to.be.empty;
  });

  it('requires a default flow on splitting gateways and conditions on the other flows', async () => {
    const xml = fixtureBpmn('split');
    const err = (await t.imsflow.deploy(xml, 'alice').catch((e) => e)) as InvalidDefinitionError;
    expect(err.problems.map((p) => `${p.element}: ${p.message}`).join('\n')).to.match(/gw: An exclusive gateway without a name splits the flow, so every outgoing flow needs a condition or must be the default flow; missing on 2 flows without a name/).and.match(/gw: .* needs a default flow/);
  });

  it('refuses a parallel join reached from an exclusive merge, and accepts branches that end separately', async () => {
    const branches = (tail: string) =>
      bpmn(
        'joined',
        `<startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="split" />
       <parallelGateway id="split" />
       <sequenceFlow id="fa" sourceRef="split" targetRef="a" /><userTask id="a" ims:candidateRole="qa" />
       <sequenceFlow id="fb" sourceRef="split" targetRef="any" />
       <exclusiveGateway id="any" default="none" />
       <sequenceFlow id="some" sourceRef="any" targetRef="b"><conditionExpression xsi:type="tFormalExpression">\${variables.n > 0}</conditionExpression></sequenceFlow>
       <userTask id="b" ims:candidateRole="qa" />
       <sequenceFlow id="fb2" sourceRef="b" targetRef="merge" /><sequenceFlow id="none" sourceRef="any" targetRef="merge" />
       <exclusiveGateway id="merge" />
       ${tail}`,
      );
    const joined = branches(`<sequenceFlow id="fa2" sourceRef="a" targetRef="join" /><sequenceFlow id="fm" sourceRef="merge" targetRef="wait" />
       <userTask id="wait" ims:candidateRole="qa" /><sequenceFlow id="fw" sourceRef="wait" targetRef="join" />
       <parallelGateway id="join" /><sequenceFlow id="fe" sourceRef="join" targetRef="end" /><endEvent id="end" />`);
    const err = (await t.imsflow.deploy(joined, 'alice').catch((e) => e)) as InvalidDefinitionError;
    expect(err).to.be.instanceOf(InvalidDefinitionError);
    expect(err.problems.map((p) => `${p.element}: ${p.message}`)).to.deep.equal([
      'join: A parallel gateway without a name would not wait for every branch: it is reached from an exclusive gateway without a name, which merges branches (a limitation of the engine); end the branches in end events of their own (the record completes when the last one ends), or redraw.',
    ]);
    const separate = branches(`<sequenceFlow id="fa2" sourceRef="a" targetRef="endA" /><endEvent id="endA" />
       <sequenceFlow id="fm" sourceRef="merge" targetRef="endB" /><endEvent id="endB" />`);
    await t.imsflow.deploy(separate, 'alice');
    const { id } = await t.imsflow.start('joined', { variables: { n: 1 } }, 'alice');
    for (const element of ['a', 'b']) {
      const [task] = (await t.imsflow.listTasks({ instanceId: id, status: 'open' })).filter((x) => x.elementId === element);
      expect((await t.imsflow.getInstance(id)).status).to.equal('running');
      await t.imsflow.completeTask(task.id, {}, 'qa-person');
    }
    expect((await t.imsflow.getInstance(id)).status).to.equal('completed');
  });

  it('refuses a multi-instance task inside a sub-process (its tasks would never open)', async () => {
    const xml = fixtureBpmn('nested');
    const err = (await t.imsflow.deploy(xml, 'alice').catch((e) => e)) as InvalidDefinitionError;
    expect(err.problems.map((p) => `${p.element}: ${p.message}`)).to.deep.equal(['each: A task without a name runs once per item inside a sub-process, which imsflow does not support: draw it at the process level.']);
  });

  it('ships a nonconformity process that passes the same validation as uploads', async () => {
    const deployed = await t.imsflow.deploy(shipped('nonconformity.bpmn'), 'system');
    expect(deployed).to.include({ key: 'nonconformity', version: 1 });
  });
});

describe('engine: instances and tasks', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await testEngine();
    await t.imsflow.deploy(review(), 'alice');
  });

  it('starts with a generated business key, opening a task with role, due date and form', async () => {
    const started = await t.imsflow.start('review', { variables: { title: 'Batch 7', owner: 'bob' } }, 'alice');
    expect(started.businessKey).to.equal('REV-2026-0001');
    expect(started.version).to.equal(1);
    const second = await t.imsflow.start('review', {}, 'alice');
    expect(second.businessKey).to.equal('REV-2026-0002');

    const { check } = await openTasks(t.imsflow, started.id);
    expect(check).to.include({ name: 'Review', candidateRole: 'qa', status: 'open', businessKey: 'REV-2026-0001' });
    expect(check.dueAt).to.equal('2026-03-07T08:00:00.000Z');
    expect(check.form.map((f) => f.key)).to.deep.equal(['decision', 'score', 'checkedOn']);
  });

  it('accepts a caller-given business key once', async () => {
    await t.imsflow.start('review', { businessKey: 'CAPA-2026-0042' }, 'alice');
    const err = await t.imsflow.start('review', { businessKey: 'CAPA-2026-0042' }, 'alice').catch((e) => e);
    expect(err).to.be.instanceOf(ConflictError);
    expect(String(err.message)).to.include('CAPA-2026-0042');
  });

  it('routes on submitted data: accept with a good score ends the instance', async () => {
    const { id } = await t.imsflow.start('review', { variables: { owner: 'bob' } }, 'alice');
    const { check } = await openTasks(t.imsflow, id);
    const result = await t.imsflow.completeTask(check.id, { decision: 'accept', score: '4', checkedOn: '2026-03-03' }, 'carol');
    expect(result.instanceStatus).to.equal('completed');
    const instance = await t.imsflow.getInstance(id);
    expect(instance.status).to.equal('completed');
    expect(instance.output.check).to.deep.equal({ decision: 'accept', score: 4, checkedOn: '2026-03-03' });
    expect(instance.history.map((e) => e.action)).to.deep.equal(['instance.started', 'task.created', 'task.completed', 'instance.completed']);
    const completed = instance.history.find((e) => e.action === 'task.completed')!;
    expect(completed).to.include({ actor: 'carol' });
    expect(completed.old).to.deep.equal({ status: 'open' });
  });

  it('routes on submitted data: a low score goes to rework, assigned by expression', async () => {
    const { id } = await t.imsflow.start('review', { variables: { owner: 'bob', title: 'Batch 7' } }, 'alice');
    const { check } = await openTasks(t.imsflow, id);
    await t.imsflow.completeTask(check.id, { decision: 'accept', score: 2 }, 'carol');
    const { rework } = await openTasks(t.imsflow, id);
    expect(rework).to.include({ assignee: 'bob', name: 'Rework for Batch 7' });
    expect(await t.imsflow.listTasks({ assignee: 'bob', status: 'open' })).to.have.length(1);
  });

  it('validates form data and names every bad field', async () => {
    const { id } = await t.imsflow.start('review', {}, 'alice');
    const { check } = await openTasks(t.imsflow, id);
    const err = (await t.imsflow.completeTask(check.id, { decision: 'maybe', score: 'high', checkedOn: '2026-02-30', extra: 1 }, 'carol').catch((e) => e)) as ValidationError;
    expect(err).to.be.instanceOf(ValidationError);
    expect(err.fields.map((f) => f.field).sort()).to.deep.equal(['checkedOn', 'decision', 'extra', 'score']);
    const missing = (await t.imsflow.completeTask(check.id, {}, 'carol').catch((e) => e)) as ValidationError;
    expect(missing.fields).to.deep.equal([{ field: 'decision', message: 'Decision is required' }]);
    expect((await t.imsflow.getTask(check.id)).status).to.equal('open');
  });

  it('refuses to complete a task twice or an unknown task', async () => {
    const { id } = await t.imsflow.start('review', {}, 'alice');
    const { check } = await openTasks(t.imsflow, id);
    await t.imsflow.completeTask(check.id, { decision: 'reject' }, 'carol');
    const again = await t.imsflow.completeTask(check.id, { decision: 'reject' }, 'dave').catch((e) => e);
    expect(again).to.be.instanceOf(ConflictError);
    expect(again.message).to.match(/already completed by carol/);
    const unknown = await t.imsflow.completeTask('no-such-task', {}, 'dave').catch((e) => e);
    expect(unknown).to.be.instanceOf(NotFoundError);
  });

  it('keeps running instances on the version they started on', async () => {
    const old = await t.imsflow.start('review', {}, 'alice');
    await t.imsflow.deploy(review('Review (v2)'), 'alice');
    const fresh = await t.imsflow.start('review', {}, 'alice');
    expect(old.version).to.equal(1);
    expect(fresh.version).to.equal(2);
    expect((await openTasks(t.imsflow, old.id)).check.name).to.equal('Review');
    expect((await openTasks(t.imsflow, fresh.id)).check.name).to.equal('Review (v2)');
    const { check } = await openTasks(t.imsflow, old.id);
    await t.imsflow.completeTask(check.id, { decision: 'accept', score: 5 }, 'carol');
    expect((await t.imsflow.getInstance(old.id)).status).to.equal('completed');
  });

  it('cancels an instance with a reason, cancelling its open tasks', async () => {
    const { id } = await t.imsflow.start('review', {}, 'alice');
    const noReason = await t.imsflow.cancelInstance(id, ' ', 'alice').catch((e) => e);
    expect(noReason).to.be.instanceOf(ValidationError);
    await t.imsflow.cancelInstance(id, 'raised in error', 'alice');
    const instance = await t.imsflow.getInstance(id);
    expect(instance.status).to.equal('cancelled');
    expect(instance.tasks.map((task) => task.status)).to.deep.equal(['cancelled']);
    const cancelled = instance.history.find((e) => e.action === 'instance.cancelled')!;
    expect(cancelled).to.include({ actor: 'alice', reason: 'raised in error' });
    expect(cancelled.old).to.deep.equal({ status: 'running' });
    const completing = await t.imsflow.completeTask(instance.tasks[0].id, { decision: 'accept' }, 'carol').catch((e) => e);
    expect(completing).to.be.instanceOf(ConflictError);
  });

  it('stores engine state without the BPMN source', async () => {
    const { id } = await t.imsflow.start('review', {}, 'alice');
    const record = await t.store.getInstance(id);
    const state = JSON.stringify(record!.engineState);
    expect(state).to.not.include('<userTask');
    expect(state).to.not.include('"source"');
    expect(state.length).to.be.below(8000);
  });
});

describe('engine: loops', () => {
  it('rejects a loop that has no wait state, and accepts one through a user task', async () => {
    const t = await testEngine();
    const err = (await t.imsflow.deploy(fixtureBpmn('loop-without-wait'), 'alice').catch((e) => e)) as InvalidDefinitionError;
    expect(err).to.be.instanceOf(InvalidDefinitionError);
    expect(err.problems.map((p) => p.message).join()).to.match(/loop would run forever/);
    expect((await t.imsflow.deploy(fixtureBpmn('loop-through-task'), 'alice')).version).to.equal(1);
  });
});

describe('engine: multi-instance user tasks', () => {
  const parallel = fixtureBpmn('parallel');

  it('opens one task per collection item at once, and goes on when all are done', async () => {
    const t = await testEngine();
    await t.imsflow.deploy(parallel, 'alice');
    const { id } = await t.imsflow.start('parallel', { variables: { actions: [{ title: 'Fix', owner: 'al' }, { title: 'Train', owner: 'bo' }] } }, 'alice');
    const tasks = await t.imsflow.listTasks({ instanceId: id, status: 'open' });
    expect(tasks.map((task) => [task.elementId, task.name, task.assignee]).sort()).to.deep.equal([
      ['act', 'Action: Fix', 'al'],
      ['act', 'Action: Train', 'bo'],
    ]);
    expect(new Set(tasks.map((task) => task.executionId)).size).to.equal(2);
    // each task knows its iteration; in any order, each step from saved state, every completed
    // iteration's form is kept in the task's output, by index, with its collection element
    expect(tasks.map((task) => task.iteration).sort((a, b) => a!.index - b!.index)).to.deep.equal([
      { index: 0, item: { title: 'Fix', owner: 'al' } },
      { index: 1, item: { title: 'Train', owner: 'bo' } },
    ]);
    await t.imsflow.completeTask(tasks.find((task) => task.assignee === 'bo')!.id, { done: 'trained' }, 'bo');
    expect(Object.keys(await openTasks(t.imsflow, id))).to.deep.equal(['act']);
    expect((await t.imsflow.getInstance(id)).output.act).to.deep.equal([{ index: 1, item: { title: 'Train', owner: 'bo' }, data: { done: 'trained' } }]);
    await t.imsflow.completeTask(tasks.find((task) => task.assignee === 'al')!.id, { done: 'fixed' }, 'al');
    expect(Object.keys(await openTasks(t.imsflow, id))).to.deep.equal(['after']);
    expect((await t.imsflow.getInstance(id)).output.act).to.deep.equal([
      { index: 0, item: { title: 'Fix', owner: 'al' }, data: { done: 'fixed' } },
      { index: 1, item: { title: 'Train', owner: 'bo' }, data: { done: 'trained' } },
    ]);
  });

  it('a multi-instance task entered again (a loop back) starts a new list of iterations', async () => {
    const t = await testEngine();
    await t.imsflow.deploy(
      fixtureBpmn('again'),
      'alice',
    );
    const { id } = await t.imsflow.start('again', { variables: { actions: [{ title: 'Fix', owner: 'al' }, { title: 'Train', owner: 'bo' }] } }, 'alice');
    for (const task of await t.imsflow.listTasks({ instanceId: id, status: 'open' })) await t.imsflow.completeTask(task.id, { done: `round 1 ${task.assignee}` }, task.assignee!);
    const [check] = await t.imsflow.listTasks({ instanceId: id, status: 'open' });
    await t.imsflow.completeTask(check.id, { again: true }, 'qa-person');
    expect((await t.imsflow.getInstance(id)).output.act).to.deep.equal([]);
    const second = await t.imsflow.listTasks({ instanceId: id, status: 'open' });
    await t.imsflow.completeTask(second.find((task) => task.assignee === 'al')!.id, { done: 'round 2 al' }, 'al');
    expect((await t.imsflow.getInstance(id)).output.act).to.deep.equal([{ index: 0, item: { title: 'Fix', owner: 'al' }, data: { done: 'round 2 al' } }]);
  });
});

describe('engine: due dates from the record', () => {
  it('ims:due may be an expression giving a date, a duration or nothing', async () => {
    const t = await testEngine();
    await t.imsflow.deploy(
      fixtureBpmn('dated'),
      'alice',
    );
    const actions = [
      { title: 'A', owner: 'al', due: '2026-06-30' },
      { title: 'B', owner: 'bo', due: 'P10D' },
      { title: 'C', owner: 'cy' },
      { title: 'D', owner: 'di', due: 'next week' },
    ];
    const { id } = await t.imsflow.start('dated', { variables: { actions } }, 'alice');
    const tasks = await t.imsflow.listTasks({ instanceId: id, status: 'open' });
    expect(Object.fromEntries(tasks.map((task) => [task.assignee, task.dueAt ?? null]))).to.deep.equal({
      al: '2026-06-30T23:59:59.999Z',
      bo: '2026-03-12T08:00:00.000Z',
      cy: null,
      di: null,
    });
    const reminders = (await t.store.listJobs({ instanceId: id, status: 'scheduled' })).filter((j) => j.payload.notice === 'reminder');
    expect(reminders.map((j) => j.runAt).sort()).to.deep.equal(['2026-03-11T08:00:00.000Z', '2026-06-29T23:59:59.999Z']);
  });
});

describe('engine: separation of duties (ims:notBy)', () => {
  /** Written, reviewed by someone else, approved by a third person: the review and approval name who may not. */
  const document = (review = 'write', approve = 'write, review') =>
    bpmn(
      'document',
      `
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="write" />
    <userTask id="write" name="Write the report" ims:candidateRole="qa" />
    <sequenceFlow id="f2" sourceRef="write" targetRef="review" />
    <userTask id="review" name="Review the report" ims:candidateRole="qa" ims:notBy="${review}" />
    <sequenceFlow id="f3" sourceRef="review" targetRef="approve" />
    <userTask id="approve" name="Approve the report" ims:candidateRole="qa" ims:notBy="${approve}" />
    <sequenceFlow id="f4" sourceRef="approve" targetRef="done" />
    <endEvent id="done" />`,
      'ims:businessKeyPrefix="DOC"',
    );

  let t: TestEngine;
  beforeEach(async () => {
    t = await testEngine();
  });

  it('reads the ids, space- or comma-separated, into the task spec', async () => {
    for (const approve of ['write review', 'write,review', ' write ,  review write ']) {
      const { spec, problems } = validateDefinition(await parseBpmnXml(document('write', approve)), { services: new Set() });
      expect(problems, approve).to.deep.equal([]);
      expect(spec!.userTasks.get('write')!.notBy).to.equal(undefined);
      expect(spec!.userTasks.get('review')!.notBy).to.deep.equal(['write']);
      expect(spec!.userTasks.get('approve')!.notBy, approve).to.deep.equal(['write', 'review']);
    }
  });

  it('refuses the author as reviewer with the reason, before anything is completed', async () => {
    await t.imsflow.deploy(document(), 'alice');
    const { id } = await t.imsflow.start('document', {}, 'alice');
    await t.imsflow.completeTask((await openTasks(t.imsflow, id)).write.id, {}, 'alice');
    const { review } = await openTasks(t.imsflow, id);
    expect(await t.imsflow.separationOfDutiesConflict(review, 'bob')).to.equal(undefined);
    const err = await t.imsflow.completeTask(review.id, {}, 'alice').catch((e) => e);
    expect(err).to.be.instanceOf(NotPermittedError);
    expect(err.message).to.equal('separation of duties: you completed “Write the report” (write) of DOC-2026-0001, so you may not complete “Review the report”');
    expect(await t.imsflow.separationOfDutiesConflict(review, 'alice')).to.equal(err.message);
    // nothing moved: the review is open, no completion was recorded
    expect((await t.imsflow.getTask(review.id)).status).to.equal('open');
    const instance = await t.imsflow.getInstance(id);
    expect(instance.output.review).to.equal(undefined);
    expect(instance.history.filter((e) => e.action === 'task.completed')).to.have.length(1);
    // refused before the form is looked at: a wrong form does not hide who may not complete it
    const withBadData = await t.imsflow.completeTask(review.id, { unknown: 1 }, 'alice').catch((e) => e);
    expect(withBadData).to.be.instanceOf(NotPermittedError);
  });

  it('lets another person complete it, and names every task the actor completed that is listed', async () => {
    await t.imsflow.deploy(document(), 'alice');
    const { id } = await t.imsflow.start('document', {}, 'alice');
    await t.imsflow.completeTask((await openTasks(t.imsflow, id)).write.id, {}, 'alice');
    await t.imsflow.completeTask((await openTasks(t.imsflow, id)).review.id, {}, 'bob');
    const { approve } = await openTasks(t.imsflow, id);
    const byAuthor = await t.imsflow.completeTask(approve.id, {}, 'alice').catch((e) => e);
    expect(byAuthor).to.be.instanceOf(NotPermittedError);
    expect(byAuthor.message).to.match(/you completed “Write the report” \(write\)/);
    const byReviewer = await t.imsflow.completeTask(approve.id, {}, 'bob').catch((e) => e);
    expect(byReviewer).to.be.instanceOf(NotPermittedError);
    expect(byReviewer.message).to.equal('separation of duties: you completed “Review the report” (review) of DOC-2026-0001, so you may not complete “Approve the report”');
    const result = await t.imsflow.completeTask(approve.id, {}, 'carol');
    expect(result.instanceStatus).to.equal('completed');
    expect((await t.imsflow.getInstance(id)).tasks.map((task) => [task.elementId, task.completedBy])).to.have.deep.members([
      ['write', 'alice'],
      ['review', 'bob'],
      ['approve', 'carol'],
    ]);
  });

  it('counts only the tasks of the same instance', async () => {
    await t.imsflow.deploy(document(), 'alice');
    const first = await t.imsflow.start('document', {}, 'alice');
    const second = await t.imsflow.start('document', {}, 'alice');
    await t.imsflow.completeTask((await openTasks(t.imsflow, first.id)).write.id, {}, 'alice');
    await t.imsflow.completeTask((await openTasks(t.imsflow, second.id)).write.id, {}, 'bob');
    // alice wrote the first report, not the second: she may review the second
    await t.imsflow.completeTask((await openTasks(t.imsflow, second.id)).review.id, {}, 'alice');
    expect(Object.keys(await openTasks(t.imsflow, second.id))).to.deep.equal(['approve']);
  });

  it('reads the start event as whoever started the record: a requester does not approve their own request', async () => {
    await t.imsflow.deploy(document('start'), 'alice');
    const { id, businessKey } = await t.imsflow.start('document', {}, 'alice');
    await t.imsflow.completeTask((await openTasks(t.imsflow, id)).write.id, {}, 'bob');
    const { review } = await openTasks(t.imsflow, id);
    const byStarter = await t.imsflow.completeTask(review.id, {}, 'alice').catch((e) => e);
    expect(byStarter).to.be.instanceOf(NotPermittedError);
    expect(byStarter.message).to.equal(`separation of duties: you started ${businessKey}, so you may not complete “Review the report”`);
    expect((await t.imsflow.getTask(review.id)).status).to.equal('open');
    await t.imsflow.completeTask(review.id, {}, 'carol');
    expect(Object.keys(await openTasks(t.imsflow, id))).to.deep.equal(['approve']);
  });

  it('rejects ids that are not other user tasks of the process, naming the element', async () => {
    const problemsOf = async (xml: string) => ((await t.imsflow.deploy(xml, 'alice').catch((e) => e)) as InvalidDefinitionError).problems.map((p) => `${p.element}: ${p.message}`);
    expect(await problemsOf(document('review'))).to.deep.equal(['review: The task “Review the report” names itself among the tasks whose performers may not do it: choose other tasks.']);
    expect(await problemsOf(document('write', 'writ review'))).to.deep.equal(['approve: The task “Approve the report” names “writ” among the tasks whose performers may not do it, but this process has no such element.']);
    expect(await problemsOf(document('done'))).to.deep.equal(['review: The task “Review the report” names the end event “done” among the tasks whose performers may not do it: only tasks are done by a person.']);
    expect(await problemsOf(document(' , '))).to.deep.equal(['review: The task “Review the report” names no task whose performers may not do it: choose the tasks, or remove the rule.']);
    expect(await t.imsflow.listDefinitions()).to.be.empty;
  });
});

describe('engine: ims:requiredWhen', () => {
  const form = (requiredWhen: string) =>
    bpmn(
      'triage',
      `
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="decide" />
    <userTask id="decide" name="Decide" ims:candidateRole="qa">
      <extensionElements><ims:form>
        <ims:field key="fullCapa" label="Full CAPA needed" type="select" required="true">
          <ims:option value="yes" label="Yes" /><ims:option value="no" label="No" />
        </ims:field>
        <ims:field key="justification" label="Justification" type="longtext" ims:requiredWhen="${requiredWhen}" />
      </ims:form></extensionElements>
    </userTask>
    <sequenceFlow id="f2" sourceRef="decide" targetRef="done" />
    <endEvent id="done" />`,
    );

  it('refuses an ims:requiredWhen rule naming no field of the form, and reads a good one', async () => {
    const t = await testEngine();
    const problemsOf = async (xml: string) => ((await t.imsflow.deploy(xml, 'alice').catch((e) => e)) as InvalidDefinitionError).problems.map((p) => `${p.element}: ${p.message}`);
    expect(await problemsOf(form('fullCap=no'))).to.deep.equal(['decide: The task “Decide”: the form field “justification” is required depending on “fullCap”, which is no field of this form.']);
    expect(await problemsOf(form('fullCapa=no|'))).to.deep.equal(['decide: The task “Decide”: the form field “justification” is required when “fullCapa=no|”, which must read <field key>=<value>[|<value>…], e.g. fullCapa=no, every value non-empty.']);
    expect(await problemsOf(form('fullCapa=nope'))).to.deep.equal(['decide: The task “Decide”: the form field “justification” is required depending on a value of “fullCapa” that is none of its options (yes, no).']);
    expect(await t.imsflow.listDefinitions()).to.be.empty;
    const { spec, problems } = validateDefinition(await parseBpmnXml(form('fullCapa = no | yes')), { services: new Set() });
    expect(problems).to.deep.equal([]);
    expect(spec!.userTasks.get('decide')!.form[1]!.requiredWhen).to.deep.equal({ field: 'fullCapa', values: ['no', 'yes'] });
  });

  it('reads a key alone as "required when that field is filled in", refusing one naming no field', async () => {
    const read = async (rule: string) => validateDefinition(await parseBpmnXml(form(rule)), { services: new Set() });
    const { spec, problems } = await read('fullCapa');
    expect(problems).to.deep.equal([]);
    expect(spec!.userTasks.get('decide')!.form[1]!.requiredWhen).to.deep.equal({ field: 'fullCapa', values: [] });
    expect((await read('fullCap')).problems.map((p) => p.code)).to.deep.equal(['required-when-unknown']);
  });
});

describe('engine: ims:role and ims:siteFrom on person fields', () => {
  const form = (attributes: string, type = 'person') =>
    bpmn(
      'audit',
      `
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="plan" />
    <userTask id="plan" name="Plan the audit" ims:candidateRole="auditor">
      <extensionElements><ims:form>
        <ims:field key="site" label="Site" type="text" />
        <ims:field key="lead" label="Lead auditor" type="${type}" ${attributes} />
      </ims:form></extensionElements>
    </userTask>
    <sequenceFlow id="f2" sourceRef="plan" targetRef="done" />
    <endEvent id="done" />`,
    );

  it('refuses a role the directory does not have at deployment, naming the task and the field', async () => {
    const t = await testEngine();
    const problemsOf = async (xml: string) => ((await t.imsflow.deploy(xml, 'alice').catch((e) => e)) as InvalidDefinitionError).problems.map((p) => `${p.element}: ${p.message}`);
    expect(await problemsOf(form('ims:role="lead-auditor"'))).to.deep.equal([
      'plan: The task “Plan the audit”: the form field “lead” asks for the role “lead-auditor”, which is no role of the directory (admin, process-owner, quality-manager, auditor, staff, steering-committee).',
    ]);
    expect(await problemsOf(form('ims:role="auditor"', 'text'))).to.deep.equal(['plan: The task “Plan the audit”: the form field “lead” is a text field and cannot ask for a role: only a person field can.']);
    expect(await problemsOf(form('ims:siteFrom="nowhere"'))).to.deep.equal([
      'plan: The task “Plan the audit”: the person field “lead” takes its site from “nowhere”, which must be another text or choice field of this form (only a person field takes a site).',
    ]);
    expect(await t.imsflow.listDefinitions()).to.be.empty;
    const { spec, problems } = validateDefinition(await parseBpmnXml(form('ims:role="auditor" ims:siteFrom="site"')), { services: new Set() });
    expect(problems).to.deep.equal([]);
    expect(spec!.userTasks.get('plan')!.form[1]).to.deep.include({ role: 'auditor', siteFrom: 'site' });
  });
});
