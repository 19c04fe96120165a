import { expect } from 'chai';
import { ServiceRegistry } from '../../../engine/kernel/services.js';
import { bpmn, fixtureBpmn, testEngine } from '../../helpers.js';

/**
 * Linked records: a service task asks for another record to be started (an audit's nonconformity raising a
 * CAPA). The new record, its first tasks and the links on both sides land in the same commit as the step,
 * or nothing does.
 */

const finding = fixtureBpmn('finding');

const followUp = (key: string) =>
  bpmn(
    key,
    `
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="handle" />
    <userTask id="handle" name="Handle \${variables.title}" ims:candidateRole="quality-manager" ims:due="P7D" />
    <sequenceFlow id="f2" sourceRef="handle" targetRef="end" />
    <endEvent id="end" />`,
    'ims:businessKeyPrefix="FUP"',
  );

function raisingServices(target = 'follow-up'): ServiceRegistry {
  return new ServiceRegistry().register('raise', {
    description: 'starts one linked follow-up per reported nonconformity',
    async run(context) {
      const count = Number((context.output.report as { count: number }).count);
      // what a service may read of other records
      const open = await context.records.instances({ key: target, status: 'running' });
      for (let n = 1; n <= count; n += 1) context.startLinked({ processKey: target, variables: { title: `NC ${n}` }, label: `Nonconformity ${n}` });
      return { raised: count, alreadyOpen: open.length };
    },
  });
}

describe('linked records (a service starts another record)', () => {
  it('starts each requested record with the step, linked both ways, with its first task', async () => {
    const t = await testEngine({ services: raisingServices() });
    await t.imsflow.deploy(finding, 'alice');
    await t.imsflow.deploy(followUp('follow-up'), 'alice');
    const audit = await t.imsflow.start('finding', { site: 'basel' }, 'alice');
    const [report] = await t.imsflow.listTasks({ instanceId: audit.id, status: 'open' });
    await t.imsflow.completeTask(report.id, { count: 2 }, 'ann');

    const parent = await t.imsflow.getInstance(audit.id);
    expect(parent.status).to.equal('completed');
    expect(parent.output.raise).to.deep.equal({ raised: 2, alreadyOpen: 0 });
    const started = parent.links ?? [];
    expect(started.map((l) => [l.rel, l.processKey, l.businessKey, l.elementId, l.label])).to.deep.equal([
      ['started', 'follow-up', 'FUP-2026-0001', 'raise', 'Nonconformity 1'],
      ['started', 'follow-up', 'FUP-2026-0002', 'raise', 'Nonconformity 2'],
    ]);
    expect(parent.history.filter((e) => e.action === 'instance.linked').map((e) => e.reason)).to.deep.equal(['Nonconformity 1', 'Nonconformity 2']);

    for (const [n, link] of started.entries()) {
      const child = await t.imsflow.getInstance(link.instanceId);
      expect(child).to.include({ key: 'follow-up', status: 'running', site: 'basel', startedBy: 'ann' });
      expect(child.variables).to.deep.equal({ title: `NC ${n + 1}` });
      expect(child.links?.map((l) => [l.rel, l.instanceId, l.businessKey, l.label])).to.deep.equal([['origin', audit.id, audit.businessKey, `Nonconformity ${n + 1}`]]);
      expect(child.tasks.map((task) => [task.name, task.status, task.site])).to.deep.equal([[`Handle NC ${n + 1}`, 'open', 'basel']]);
      const startedEvent = child.history.find((e) => e.action === 'instance.started')!;
      expect(startedEvent.reason).to.equal(`started by ${audit.businessKey}: Nonconformity ${n + 1}`);
    }
    // the first task's reminders were planned like any other task's
    const jobs = await t.store.listJobs({ instanceId: started[0].instanceId, status: 'scheduled' });
    expect(jobs.length).to.be.greaterThan(0);
    expect((await t.imsflow.verifyAuditTrail()).ok).to.equal(true);
  });

  it('a linked record that cannot start becomes an incident, and a retry starts it', async () => {
    const t = await testEngine({ services: raisingServices('not-deployed') });
    await t.imsflow.deploy(finding, 'alice');
    const audit = await t.imsflow.start('finding', {}, 'alice');
    const [report] = await t.imsflow.listTasks({ instanceId: audit.id, status: 'open' });
    await t.imsflow.completeTask(report.id, { count: 1 }, 'ann');

    const parent = await t.imsflow.getInstance(audit.id);
    expect(parent.status).to.equal('incident');
    expect(parent.links ?? []).to.deep.equal([]);
    expect(parent.incidents.map((i) => [i.elementId, i.message])).to.deep.equal([['raise', 'could not start a linked record: no process "not-deployed" is deployed']]);
    expect((await t.imsflow.getTask(report.id)).status).to.equal('completed');
    expect(await t.store.listInstances({})).to.have.length(1);

    await t.imsflow.deploy(followUp('not-deployed'), 'alice');
    expect(await t.imsflow.retryIncident(parent.incidents[0].id, 'alice')).to.deep.equal({ status: 'resolved' });
    const after = await t.imsflow.getInstance(audit.id);
    expect(after.status).to.equal('completed');
    expect(after.links?.map((l) => l.businessKey)).to.deep.equal(['FUP-2026-0001']);
  });

  it('a chain of records starting records stops after three links, as an incident', async () => {
    const services = new ServiceRegistry().register('again', {
      description: 'starts another record of the same process',
      run(context) {
        context.startLinked({ processKey: 'chain', variables: {}, label: `after ${context.businessKey}` });
      },
    });
    const t = await testEngine({ services });
    await t.imsflow.deploy(
      fixtureBpmn('chain'),
      'alice',
    );
    await t.imsflow.start('chain', {}, 'alice');
    const all = await t.store.listInstances({});
    expect(all.map((i) => [i.businessKey, i.status]).sort()).to.deep.equal([
      ['CH-2026-0001', 'running'],
      ['CH-2026-0002', 'running'],
      ['CH-2026-0003', 'incident'],
    ]);
    const last = await t.imsflow.getInstance(all.find((i) => i.status === 'incident')!.id);
    expect(last.incidents[0].message).to.match(/linked records may start others only 3 deep/);
  });
});
