import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../engine/kernel/clock.js';
import { ServiceRegistry } from '../../engine/kernel/services.js';
import { bpmn, DAY, fireDueTimers, fixtureBpmn, openTasks, shipped, testEngine, type TestEngine, timerJobs } from '../helpers.js';

/** A task with a 30-day interrupting boundary timer, and an intermediate 2-hour timer before it. */
const escalating = fixtureBpmn('escalating');

describe('durable timers', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await testEngine();
    await t.imsflow.deploy(escalating, 'alice');
  });

  it('waits on the store, not the wall clock, and fires each timer once when due', async () => {
    const { id } = await t.imsflow.start('escalating', {}, 'alice');
    expect(await openTasks(t.imsflow, id)).to.deep.equal({});
    const [pauseJob] = await timerJobs(t.store, { instanceId: id, status: 'scheduled' });
    expect(pauseJob.runAt).to.equal('2026-03-02T10:00:00.000Z');

    t.clock.advance(2 * 60 * 60 * 1000 - 1);
    expect(await fireDueTimers(t)).to.equal(0);
    t.clock.advance(1);
    expect(await fireDueTimers(t)).to.equal(1);
    expect(Object.keys(await openTasks(t.imsflow, id))).to.deep.equal(['work']);
    const [boundary] = await timerJobs(t.store, { instanceId: id, status: 'scheduled' });
    expect(boundary.runAt).to.equal('2026-04-01T10:00:00.000Z');
    expect(await fireDueTimers(t)).to.equal(0);
  });

  it('a timer date already past on the wall clock but ahead on imsflow\'s clock waits until that date', async () => {
    // the fake clock stands at 2026-03-02; this date is before the wall clock of every run from 2026-09 on
    await t.imsflow.deploy(bpmn('dated', `
    <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <intermediateCatchEvent id="wait"><timerEventDefinition><timeDate>2026-06-01T00:00:00Z</timeDate></timerEventDefinition></intermediateCatchEvent>
    <sequenceFlow id="f2" sourceRef="wait" targetRef="work" /><userTask id="work" ims:candidateRole="staff" />
    <sequenceFlow id="f3" sourceRef="work" targetRef="end" /><endEvent id="end" />`), 'alice');
    const { id } = await t.imsflow.start('dated', {}, 'alice');
    expect(await openTasks(t.imsflow, id)).to.deep.equal({});
    const [dated] = await timerJobs(t.store, { instanceId: id, status: 'scheduled' });
    expect(dated.runAt).to.equal('2026-06-01T00:00:00.000Z');
    t.clock.set(new Date('2026-05-31T23:59:00Z'));
    expect(await fireDueTimers(t)).to.equal(0);
    t.clock.set(new Date('2026-06-01T00:00:00Z'));
    expect(await fireDueTimers(t)).to.equal(1);
    expect(Object.keys(await openTasks(t.imsflow, id))).to.deep.equal(['work']);
  });

  it('an interrupting boundary timer cancels the task and moves on', async () => {
    const { id } = await t.imsflow.start('escalating', {}, 'alice');
    t.clock.advance(2 * 60 * 60 * 1000);
    await t.scheduler.runDue();
    const { work } = await openTasks(t.imsflow, id);
    t.clock.advance(30 * DAY);
    expect(await fireDueTimers(t)).to.equal(1);
    expect((await t.imsflow.getTask(work.id)).status).to.equal('cancelled');
    expect(Object.keys(await openTasks(t.imsflow, id))).to.deep.equal(['escalate']);
    const actions = (await t.imsflow.getInstance(id)).history.map((e) => e.action);
    expect(actions.filter((a) => a === 'timer.fired')).to.have.length(2);
    expect(actions).to.include('task.cancelled');
  });

  it('completing the task first cancels its boundary timer job', async () => {
    const { id } = await t.imsflow.start('escalating', {}, 'alice');
    t.clock.advance(2 * 60 * 60 * 1000);
    await t.scheduler.runDue();
    const { work } = await openTasks(t.imsflow, id);
    await t.imsflow.completeTask(work.id, {}, 'bob');
    expect(await timerJobs(t.store, { instanceId: id, status: 'scheduled' })).to.be.empty;
    expect((await timerJobs(t.store, { instanceId: id, status: 'cancelled' })).map((j) => j.payload.elementId)).to.deep.equal(['late']);
    t.clock.advance(31 * DAY);
    expect(await fireDueTimers(t)).to.equal(0);
    expect((await t.imsflow.getInstance(id)).status).to.equal('completed');
  });
});

describe('timer cycles', () => {
  it('a non-interrupting R2/P1D boundary cycle fires twice, a day apart, then stops', async () => {
    const t = await testEngine();
    await t.imsflow.deploy(
      fixtureBpmn('chased'),
      'alice',
    );
    const { id } = await t.imsflow.start('chased', {}, 'alice');
    // bpmn-engine runs one token at a time per activity: a second nudge waits until the first is done.
    const nudges = async () => (await t.imsflow.listTasks({ instanceId: id })).filter((task) => task.elementId === 'nudge');
    for (const expected of [1, 2, 2]) {
      t.clock.advance(DAY);
      await t.scheduler.runDue();
      const found = await nudges();
      expect(found).to.have.length(expected);
      for (const task of found.filter((n) => n.status === 'open')) await t.imsflow.completeTask(task.id, {}, 'qa-lead');
    }
    expect(await timerJobs(t.store, { instanceId: id, status: 'scheduled' })).to.be.empty;
    expect((await timerJobs(t.store, { instanceId: id, status: 'done' })).map((j) => j.runAt)).to.deep.equal(['2026-03-03T08:00:00.000Z', '2026-03-04T08:00:00.000Z']);
  });
});

describe('restart', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-restart-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a P30D timer and open tasks survive a restart, and the timer fires once', async () => {
    const file = join(dir, 'imsflow.db');
    const clock = new FakeClock('2026-03-02T08:00:00Z');
    const before = await testEngine({ file, clock });
    await before.imsflow.deploy(escalating, 'alice');
    await before.imsflow.deploy(shipped('nonconformity.bpmn'), 'alice');
    const timed = await before.imsflow.start('escalating', {}, 'alice');
    const nc = await before.imsflow.start('nonconformity', { variables: { owner: 'bob' } }, 'alice');
    clock.advance(2 * 60 * 60 * 1000);
    await before.scheduler.runDue();
    await before.store.close();

    // A new process: new store connection, empty definition cache, new scheduler identity.
    const after = await testEngine({ file, clock, workerId: 'after-restart' });
    const { assess } = await openTasks(after.imsflow, nc.id);
    await after.imsflow.completeTask(assess.id, { severity: 'minor', containment: 'sorted', actionNeeded: true }, 'carol');
    expect(Object.keys(await openTasks(after.imsflow, nc.id))).to.deep.equal(['act']);

    clock.advance(30 * DAY);
    expect(await fireDueTimers(after)).to.equal(1);
    expect(await fireDueTimers(after)).to.equal(0);
    expect(Object.keys(await openTasks(after.imsflow, timed.id))).to.deep.equal(['escalate']);
    const fired = (await after.imsflow.getInstance(timed.id)).history.filter((e) => e.action === 'timer.fired');
    expect(fired).to.have.length(2);
    expect((await after.imsflow.verifyAuditTrail()).ok).to.equal(true);
    await after.store.close();
  });

  it('a dead worker\'s job is taken over after its lease, and runs once', async () => {
    const file = join(dir, 'imsflow.db');
    const clock = new FakeClock('2026-03-02T08:00:00Z');
    const t = await testEngine({ file, clock });
    await t.imsflow.deploy(escalating, 'alice');
    const { id } = await t.imsflow.start('escalating', {}, 'alice');
    clock.advance(2 * 60 * 60 * 1000);
    // A worker claims the job and dies before doing anything.
    const claimedJobs = await t.store.claimDueJobs(clock.now().toISOString(), 'dead-worker', new Date(clock.now().getTime() + 60_000).toISOString(), 10);
    const claimed = claimedJobs.find((job) => job.kind === 'timer')!;
    expect(claimed.payload.elementId).to.equal('pause');
    expect(await fireDueTimers(t)).to.equal(0);
    clock.advance(60_000);
    expect(await fireDueTimers(t)).to.equal(1);
    expect(Object.keys(await openTasks(t.imsflow, id))).to.deep.equal(['work']);
    // The dead worker waking up cannot finish the job a second time.
    const late = await t.imsflow.fireTimer(claimed.id, 'dead-worker').catch((e) => e);
    expect(late).to.be.instanceOf(Error);
    expect((await t.imsflow.getInstance(id)).history.filter((e) => e.action === 'timer.fired')).to.have.length(1);
    await t.store.close();
  });
});

describe('incidents', () => {
  const withService = fixtureBpmn('scored');

  it('a failing service makes an incident, and a retry resumes from it', async () => {
    let outage = true;
    const services = new ServiceRegistry().register('risk-score', {
      description: 'severity × occurrence',
      run: ({ output }) => {
        if (outage) throw new Error('risk service unavailable');
        const intake = output.intake as { severity: number; occurrence: number };
        return { rpn: intake.severity * intake.occurrence };
      },
    });
    const t = await testEngine({ services });
    // The form has no fields, so give intake one via a deploy of the same flow with a form.
    await t.imsflow.deploy(
      withService.replace(
        '<userTask id="intake" name="Intake" ims:candidateRole="qa" />',
        `<userTask id="intake" name="Intake" ims:candidateRole="qa"><extensionElements><ims:form>
           <ims:field key="severity" type="number" required="true" /><ims:field key="occurrence" type="number" required="true" />
         </ims:form></extensionElements></userTask>`,
      ),
      'alice',
    );
    const { id } = await t.imsflow.start('scored', {}, 'alice');
    const { intake } = await openTasks(t.imsflow, id);
    const result = await t.imsflow.completeTask(intake.id, { severity: 8, occurrence: 9 }, 'carol');
    expect(result.instanceStatus).to.equal('incident');
    expect((await t.imsflow.getTask(intake.id)).status).to.equal('completed');

    const [incident] = await t.imsflow.listIncidents({ status: 'open' });
    expect(incident).to.include({ instanceId: id, elementId: 'score', status: 'open' });
    expect(incident.message).to.include('risk service unavailable');

    const stillDown = await t.imsflow.retryIncident(incident.id, 'admin');
    expect(stillDown.status).to.equal('open');
    expect((await t.imsflow.getIncident(incident.id)).attempts).to.equal(2);

    outage = false;
    expect((await t.imsflow.retryIncident(incident.id, 'admin')).status).to.equal('resolved');
    const instance = await t.imsflow.getInstance(id);
    expect(instance.status).to.equal('running');
    expect(instance.output.score).to.deep.equal({ rpn: 72 });
    expect(Object.keys(await openTasks(t.imsflow, id))).to.deep.equal(['review']);
    expect(instance.history.map((e) => e.action)).to.include.members(['incident.opened', 'incident.retry-failed', 'incident.resolved']);
  });
});
