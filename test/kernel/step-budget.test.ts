import { expect } from 'chai';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ValidationError } from '../../engine/kernel/errors.js';
import { ProcessEngine } from '../../engine/process-engine.js';
import { ServiceRegistry } from '../../engine/kernel/services.js';
import { fixtureBpmn, openTasks, testEngine } from '../helpers.js';
import { expectNoStall } from '../support/responsiveness.js';

/** How many iterations its count asks for: the plan task's answer (decided after the start). */
const planned = fixtureBpmn('planned');

/** Runs `work` and returns its result with the p99 event-loop delay (ms) measured meanwhile. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; p99Ms: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    // one more tick, so a delay that ended just now is sampled too
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { result, p99Ms: histogram.percentile(99) / 1e6 };
  } finally {
    histogram.disable();
  }
}

describe('Step budget: no engine step holds the server', () => {
  it('turns a multi-instance count of 200,000 from an earlier answer into an incident', async () => {
    const { imsflow } = await testEngine();
    await imsflow.deploy(planned, 'owner');
    const { id } = await imsflow.start('planned', {}, 'alice');
    const { plan } = await openTasks(imsflow, id);

    const { result, p99Ms } = await measured(() => imsflow.completeTask(plan.id, { count: 200_000 }, 'alice'));
    expect(result.instanceStatus).to.equal('incident');
    expectNoStall({ eventLoopDelayP99Ms: p99Ms }, 'while the step was refused');
    const [incident] = await imsflow.listIncidents({ instanceId: id, status: 'open' });
    expect(incident.message).to.include('check').and.include('200000').and.include('limit of 200');
    // the answer is kept; nothing was opened
    expect((await imsflow.getTask(plan.id)).status).to.equal('completed');
    expect(await openTasks(imsflow, id)).to.deep.equal({});
  });

  it('opens every iteration of a count within the limit', async () => {
    const { imsflow } = await testEngine();
    await imsflow.deploy(planned, 'owner');
    const { id } = await imsflow.start('planned', {}, 'alice');
    const { plan } = await openTasks(imsflow, id);
    expect((await imsflow.completeTask(plan.id, { count: 4 }, 'alice')).instanceStatus).to.equal('running');
    expect(await imsflow.listTasks({ instanceId: id, status: 'open' })).to.have.length(4);
  });

  it('refuses a start whose collection holds 5,000 items (limit 200), naming the variable', async () => {
    const { imsflow, store } = await testEngine();
    await imsflow.deploy(
      fixtureBpmn('listed'),
      'owner',
    );
    const refused = await imsflow.start('listed', { variables: { actions: Array.from({ length: 5000 }, (_, i) => i) } }, 'alice').catch((err: unknown) => err);
    expect(refused).to.be.instanceOf(ValidationError);
    expect((refused as ValidationError).fields).to.have.length(1);
    expect((refused as ValidationError).fields[0]).to.include({ field: 'variables.actions' });
    expect((refused as ValidationError).fields[0].message).to.include('holds 5000 items');
    expect(await store.listInstances({ key: 'listed' })).to.have.length(0);
  });

  it('a step that overruns its budget without reaching a wait state becomes an incident', async () => {
    const services = new ServiceRegistry().register('never-answers', { description: 'a remote system that hangs', run: () => new Promise(() => {}) });
    const { store, clock } = await testEngine({ services });
    // a short step budget (the server's default is 30 s)
    const budgeted = new ProcessEngine({ store, clock, services, stepTimeoutMs: 300 });
    await budgeted.deploy(
      fixtureBpmn('hanging'),
      'owner',
    );
    const { result, p99Ms } = await measured(() => budgeted.start('hanging', {}, 'alice'));
    expect(result.status).to.equal('incident');
    expectNoStall({ eventLoopDelayP99Ms: p99Ms }, 'while the step overran its budget');
    const [incident] = await budgeted.listIncidents({ instanceId: result.id });
    expect(incident.message).to.equal('the process did not reach a wait state within 0.3 s');
  });
});
