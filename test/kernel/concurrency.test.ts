import { expect } from 'chai';
import { ConflictError } from '../../engine/kernel/errors.js';
import { EmbeddedScheduler } from '../../workers/runners/embedded/scheduler.js';
import { DAY, fixtureBpmn, testEngine, timerJobs } from '../helpers.js';

/** Four parallel tasks and a one-day timer, joined: the join needs every completion and the timer. */
const parallel = fixtureBpmn('concurrency-parallel');

describe('concurrency on one instance', () => {
  it('simultaneous completions and timer fires lose no update and complete nothing twice', async function () {
    this.timeout(60_000);
    const t = await testEngine();
    await t.imsflow.deploy(parallel, 'alice');
    const instances = [];
    for (let i = 0; i < 10; i += 1) instances.push(await t.imsflow.start('parallel', {}, 'alice'));
    const tasks = await t.imsflow.listTasks({ status: 'open', limit: 1000 });
    expect(tasks).to.have.length(40);

    t.clock.advance(DAY);
    // A second scheduler on the same store: both race for the timer jobs.
    const rival = new EmbeddedScheduler(t.store, t.clock, t.handlers, { workerId: 'rival' });
    const completions = tasks.flatMap((task) => [
      t.imsflow.completeTask(task.id, {}, 'first'),
      t.imsflow.completeTask(task.id, {}, 'second'),
    ]);
    const results = await Promise.allSettled([...completions, t.scheduler.runDue(), rival.runDue()]);
    const completionResults = results.slice(0, completions.length);

    for (let i = 0; i < tasks.length; i += 1) {
      const pair = completionResults.slice(2 * i, 2 * i + 2);
      const won = pair.filter((r) => r.status === 'fulfilled');
      const lost = pair.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won, `task ${tasks[i].id} completed once`).to.have.length(1);
      expect(lost[0].reason).to.be.instanceOf(ConflictError);
      expect(String(lost[0].reason.message)).to.match(/already completed/);
    }
    expect(results.slice(-2).map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled']);

    for (const { id } of instances) {
      const instance = await t.imsflow.getInstance(id);
      expect(instance.status, `instance ${instance.businessKey}`).to.equal('completed');
      const count = (action: string) => instance.history.filter((e) => e.action === action).length;
      expect(count('task.completed')).to.equal(4);
      expect(count('timer.fired')).to.equal(1);
      expect(count('instance.completed')).to.equal(1);
    }
    expect(await timerJobs(t.store, { status: 'scheduled' })).to.be.empty;
    expect(await timerJobs(t.store, { status: 'running' })).to.be.empty;
    expect((await timerJobs(t.store, { status: 'done' })).length).to.equal(10);
    expect((await t.imsflow.verifyAuditTrail()).ok).to.equal(true);
  });
});
