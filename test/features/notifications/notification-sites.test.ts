import { expect } from 'chai';
import { DAY, shipped, testEngine } from '../../helpers.js';

describe('notifications respect sites', () => {
  it('tells and escalates only to role holders of the task\'s site', async () => {
    const t = await testEngine();
    await t.imsflow.deploy(shipped('nonconformity.bpmn'), 'admin');
    const person = (id: string, roles: string[], sites: string[]) => t.imsflow.saveUser({ id, email: `${id}@example.com`, name: id, roles, sites }, 'admin');
    await person('qm-dublin', ['quality-manager'], ['dublin']);
    await person('qm-basel', ['quality-manager'], ['basel']);
    await person('sc-dublin', ['steering-committee'], ['dublin']);
    await person('sc-basel', ['steering-committee'], ['basel']);
    await person('qm-both', ['quality-manager'], ['basel', 'dublin']);
    await person('root', ['admin'], []);

    const { id } = await t.imsflow.start('nonconformity', { variables: { owner: 'nobody' }, site: 'basel' }, 'root');
    await t.scheduler.runDue();
    const [task] = await t.imsflow.listTasks({ instanceId: id });
    expect(task.site).to.equal('basel');
    const told = async (kind: string) => (await t.store.listMessages({ taskId: task.id })).filter((m) => m.kind === kind).map((m) => m.userId).sort();
    expect(await told('assigned')).to.deep.equal(['qm-basel', 'qm-both']);
    expect((await t.store.listLinkTokens(task.id)).map((token) => token.userId).sort()).to.deep.equal(['qm-basel', 'qm-both']);

    // The default chain: day 3 overdue to the manager (none: falls back to the process owner role,
    // quality-manager here), day 10 to the steering committee — of Basel only.
    t.clock.advance(5 * DAY + 10 * DAY + 1);
    await t.scheduler.runDue();
    expect(await told('escalation')).to.deep.equal(['qm-basel', 'qm-both', 'sc-basel']);
  });
});
