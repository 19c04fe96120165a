import { expect } from 'chai';
import { FakeClock } from '../../engine/kernel/clock.js';
import { ServiceRegistry } from '../../engine/kernel/services.js';
import { bpmn, testEngine, type TestEngine } from '../helpers.js';

// What a retried step and one commit leave in the audit trail: business keys without gaps, and one time.

/** Three parallel reviews; each raises two follow-up records when done, so racing completions retry starts. */
const programme = bpmn(
  'programme',
  `
  <startEvent id="start" /><sequenceFlow id="s" sourceRef="start" targetRef="split" />
  <parallelGateway id="split" />
  ${['a', 'b', 'c']
    .map(
      (id) => `
  <sequenceFlow id="to_${id}" sourceRef="split" targetRef="${id}" />
  <userTask id="${id}" name="Review ${id}" ims:candidateRole="staff" />
  <sequenceFlow id="raise_${id}" sourceRef="${id}" targetRef="raise${id}" />
  <serviceTask id="raise${id}" name="Plan audits" ims:service="plan-audits" />
  <sequenceFlow id="from_${id}" sourceRef="raise${id}" targetRef="join" />`,
    )
    .join('')}
  <parallelGateway id="join" />
  <sequenceFlow id="e" sourceRef="join" targetRef="end" /><endEvent id="end" />`,
  'ims:businessKeyPrefix="PRG"',
);

const audit = bpmn(
  'audit',
  `
  <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="plan" />
  <userTask id="plan" name="Plan audit" ims:candidateRole="auditor" />
  <sequenceFlow id="f2" sourceRef="plan" targetRef="end" /><endEvent id="end" />`,
  'ims:businessKeyPrefix="AUD"',
);

const planAudits = new ServiceRegistry().register('plan-audits', {
  description: 'starts two linked audits',
  async run(context) {
    for (const n of [1, 2]) context.startLinked({ processKey: 'audit', variables: { title: `Audit ${n}` }, label: `Audit ${n}` });
    return {};
  },
});

/** Counts the commits that lost a compare-and-swap race: tried (before hook) but never stored (after hook). */
function countLostRaces(t: TestEngine): { readonly lost: number } {
  let tried = 0;
  let stored = 0;
  t.store.beforeCommit(() => void (tried += 1));
  t.store.afterCommit(() => void (stored += 1));
  return {
    get lost() {
      return tried - stored;
    },
  };
}

/** A clock that moves a millisecond every time it is read, as a real one does between statements. */
class TickingClock extends FakeClock {
  override now(): Date {
    const now = super.now();
    this.set(new Date(now.getTime() + 1));
    return now;
  }
}

describe('a retried step and one commit in the audit trail', () => {
  it('racing completions that retry their linked starts leave no gap in the business keys', async function () {
    this.timeout(60_000);
    const t = await testEngine({ services: planAudits });
    await t.imsflow.deploy(programme, 'alice');
    await t.imsflow.deploy(audit, 'alice');
    const lostRaces = countLostRaces(t);
    const programmes = [];
    for (let i = 0; i < 3; i += 1) programmes.push(await t.imsflow.start('programme', {}, 'alice'));
    const reviews = await t.imsflow.listTasks({ status: 'open', limit: 100 });
    expect(reviews).to.have.length(9);

    await Promise.all(reviews.map((task) => t.imsflow.completeTask(task.id, {}, 'ann')));

    expect(lostRaces.lost, 'completions lost races and were retried').to.be.greaterThan(0);
    const audits = await t.store.listInstances({ key: 'audit' });
    const expected = Array.from({ length: 18 }, (_, i) => `AUD-2026-${String(i + 1).padStart(4, '0')}`);
    expect(audits.map((a) => a.businessKey).sort()).to.deep.equal(expected);
    for (const { id } of programmes) {
      const done = await t.imsflow.getInstance(id);
      expect(done.status).to.equal('completed');
      expect(done.links?.filter((l) => l.rel === 'started')).to.have.length(6);
    }
    // the next record takes the next number
    expect((await t.imsflow.start('audit', {}, 'alice')).businessKey).to.equal('AUD-2026-0019');
    expect((await t.imsflow.verifyAuditTrail()).ok).to.equal(true);
  });

  it('a start that fails after numbering its record gives the number back', async () => {
    const t = await testEngine();
    await t.imsflow.deploy(audit, 'alice');
    expect((await t.imsflow.start('audit', {}, 'alice')).businessKey).to.equal('AUD-2026-0001');
    const refuse = t.store.beforeCommit(() => {
      throw new Error('the disk is full');
    });
    await t.imsflow.start('audit', {}, 'alice').then(
      () => expect.fail('the start was stored'),
      (err: Error) => expect(err.message).to.equal('the disk is full'),
    );
    refuse();
    expect((await t.imsflow.start('audit', {}, 'alice')).businessKey).to.equal('AUD-2026-0002');
  });

  it('the events of the commit that completes a record share one time, and the record does not end before its task', async () => {
    const t = await testEngine({ clock: new TickingClock('2026-03-02T08:00:00Z') });
    await t.imsflow.deploy(audit, 'alice');
    const started = await t.imsflow.start('audit', {}, 'alice');
    const before = await t.imsflow.getInstance(started.id);
    const lastSeq = Math.max(...before.history.map((e) => e.seq));
    const [plan] = before.tasks;

    await t.imsflow.completeTask(plan.id, {}, 'ann');

    const after = await t.imsflow.getInstance(started.id);
    const commit = after.history.filter((e) => e.seq > lastSeq).sort((a, b) => a.seq - b.seq);
    expect(commit.map((e) => e.action)).to.include.members(['task.completed', 'instance.completed']);
    expect(new Set(commit.map((e) => e.at)), 'one time for the whole commit').to.have.property('size', 1);
    const task = after.tasks.find((x) => x.id === plan.id)!;
    expect(Date.parse(after.endedAt!)).to.be.at.least(Date.parse(task.completedAt!));
    // and the whole trail reads in order
    const times = after.history.sort((a, b) => a.seq - b.seq).map((e) => Date.parse(e.at));
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    // the start commit also kept one time: its events equal the record's start
    const start = after.history.filter((e) => e.seq <= lastSeq);
    expect(new Set(start.map((e) => e.at))).to.deep.equal(new Set([after.startedAt]));
  });
});
