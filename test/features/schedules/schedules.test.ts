import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ValidationError } from '../../../engine/kernel/errors.js';
import { applyConfiguredSchedules } from '../../../engine/boot/configured-starts.js';
import { DAY, shipped, testEngine, type TestEngine } from '../../helpers.js';

describe('scheduled starts', () => {
  let t: TestEngine;
  beforeEach(async () => {
    // 2026-02-27 is a Friday.
    t = await testEngine({ clock: new (await import('../../../engine/kernel/clock.js')).FakeClock('2026-02-27T12:00:00Z') });
    await t.imsflow.deploy(shipped('nonconformity.bpmn'), 'alice');
  });

  const startsOf = async () => (await t.store.listInstances({ key: 'nonconformity' })).map((i) => [i.startedBy, i.variables.scheduledFor]);

  it('starts the process once at each cron occurrence in its time zone', async () => {
    // Every weekday at 09:00 in Berlin (08:00 UTC in winter).
    await t.imsflow.saveSchedule({ id: 'weekday-check', processKey: 'nonconformity', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', variables: { owner: 'bob' } }, 'alice');
    const [job] = (await t.store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === 'scheduled-start');
    expect(job.runAt).to.equal('2026-03-02T08:00:00.000Z');

    t.clock.set('2026-03-02T07:59:59Z');
    await t.scheduler.runDue();
    expect(await startsOf()).to.deep.equal([]);
    t.clock.set('2026-03-02T08:00:00Z');
    await t.scheduler.runDue();
    await t.scheduler.runDue();
    expect(await startsOf()).to.deep.equal([['schedule:weekday-check', '2026-03-02T08:00:00.000Z']]);

    const [next] = (await t.store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === 'scheduled-start');
    expect(next.runAt).to.equal('2026-03-03T08:00:00.000Z');
    const started = (await t.store.listAudit({})).filter((e) => e.action === 'instance.started');
    expect(started.map((e) => e.actor)).to.deep.equal(['schedule:weekday-check']);
  });

  it('a site\'s schedule starts records of that site, and a bad site is refused', async () => {
    await t.imsflow.saveSchedule({ id: 'basel-review', processKey: 'nonconformity', cron: '0 6 * * *', timezone: 'UTC', variables: { owner: 'bob' }, site: 'basel' }, 'alice');
    t.clock.advance(DAY);
    await t.scheduler.runDue();
    const started = await t.store.listInstances({ key: 'nonconformity' });
    expect(started.map((i) => i.site)).to.deep.equal(['basel']);
    expect((await t.store.listTasks({ instanceId: started[0].id })).map((task) => task.site)).to.deep.equal(['basel']);
    const created = (await t.store.listAudit({})).find((e) => e.action === 'schedule.created');
    expect(created?.new).to.deep.include({ site: 'basel' });
    const bad = (await t.imsflow.saveSchedule({ id: 'x', processKey: 'nonconformity', cron: '0 9 * * *', site: 'no site!' }, 'a').catch((e) => e)) as ValidationError;
    expect(bad.fields.map((f) => f.field)).to.deep.equal(['site']);
  });

  it('catches up one occurrence after downtime, not every missed one', async () => {
    await t.imsflow.saveSchedule({ id: 'daily', processKey: 'nonconformity', cron: '0 6 * * *', timezone: 'UTC', variables: { owner: 'bob' } }, 'alice');
    t.clock.advance(5 * DAY);
    await t.scheduler.runDue();
    expect(await startsOf()).to.have.length(1);
    const [next] = (await t.store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === 'scheduled-start');
    expect(Date.parse(next.runAt)).to.be.greaterThan(t.clock.now().getTime());
  });

  it('a changed or deleted schedule stops its pending occurrence', async () => {
    await t.imsflow.saveSchedule({ id: 'review', processKey: 'nonconformity', cron: '0 9 1 3 *', timezone: 'Europe/Berlin' }, 'alice');
    await t.imsflow.saveSchedule({ id: 'review', processKey: 'nonconformity', cron: '0 9 1 4 *', timezone: 'Europe/Berlin' }, 'alice');
    const pending = (await t.store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === 'scheduled-start');
    expect(pending.map((j) => j.runAt)).to.deep.equal(['2026-04-01T07:00:00.000Z']);
    await t.imsflow.deleteSchedule('review', 'alice');
    expect((await t.store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === 'scheduled-start')).to.be.empty;
    t.clock.set('2026-04-02T00:00:00Z');
    await t.scheduler.runDue();
    expect(await startsOf()).to.deep.equal([]);
    expect((await t.store.listAudit({})).map((e) => e.action)).to.include.members(['schedule.created', 'schedule.updated', 'schedule.deleted']);
  });

  it('refuses a bad cron, time zone or unknown process, naming the field', async () => {
    const cron = (await t.imsflow.saveSchedule({ id: 'x', processKey: 'nonconformity', cron: '61 * * * *' }, 'a').catch((e) => e)) as ValidationError;
    expect(cron.fields[0].field).to.equal('cron');
    const zone = (await t.imsflow.saveSchedule({ id: 'x', processKey: 'nonconformity', cron: '0 9 * * *', timezone: 'Mars/Olympus' }, 'a').catch((e) => e)) as ValidationError;
    expect(zone.fields[0].field).to.equal('timezone');
    const unknown = await t.imsflow.saveSchedule({ id: 'x', processKey: 'nope', cron: '0 9 * * *' }, 'a').catch((e) => e);
    expect(unknown.name).to.equal('NotFoundError');
    expect(await t.store.listSchedules()).to.be.empty;
  });

  it('applies the schedules of a configuration file, and removes those taken out of it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imsflow-schedules-'));
    try {
      const file = join(dir, 'schedules.json');
      const logger = pino({ level: 'silent' });
      writeFileSync(file, JSON.stringify([{ id: 'management-review', processKey: 'nonconformity', cron: '0 9 15 1 *', timezone: 'Europe/Dublin' }]));
      await applyConfiguredSchedules(t.imsflow, file, logger);
      await t.imsflow.saveSchedule({ id: 'by-api', processKey: 'nonconformity', cron: '0 9 * * 1' }, 'alice');
      await applyConfiguredSchedules(t.imsflow, file, logger);
      expect((await t.store.listSchedules()).map((s) => [s.id, s.source, s.revision])).to.deep.equal([
        ['by-api', 'api', 0],
        ['management-review', 'config', 0],
      ]);
      writeFileSync(file, '[]');
      await applyConfiguredSchedules(t.imsflow, file, logger);
      expect((await t.store.listSchedules()).map((s) => s.id)).to.deep.equal(['by-api']);
      writeFileSync(file, '[{"id": "bad", "processKey": "nonconformity", "cron": "0 9 * * *", "extra": 1}]');
      const err = await applyConfiguredSchedules(t.imsflow, file, logger).catch((e) => e);
      expect(err.message).to.match(/IMSFLOW_SCHEDULES/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('task changes', () => {
  let t: TestEngine;
  let taskId: string;
  beforeEach(async () => {
    t = await testEngine();
    await t.imsflow.deploy(shipped('nonconformity.bpmn'), 'alice');
    await t.imsflow.saveUser({ id: 'bob', email: 'bob@example.com', name: 'Bob', roles: ['staff'] }, 'admin');
    await t.imsflow.saveUser({ id: 'carol', email: 'carol@example.com', name: 'Carol', roles: ['quality-manager'] }, 'admin');
    const { id } = await t.imsflow.start('nonconformity', { variables: { owner: 'bob' } }, 'alice');
    taskId = (await t.imsflow.listTasks({ instanceId: id }))[0].id;
  });

  const pendingTimes = async (kind: string) =>
    (await t.store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === kind && j.payload.taskId === taskId).map((j) => `${j.payload.notice ?? j.payload.level}@${j.runAt}`);

  it('a new due date replans reminders and escalations, with the reason in the audit trail', async () => {
    expect(await pendingTimes('escalation')).to.deep.equal(['1@2026-03-10T08:00:00.000Z', '2@2026-03-17T08:00:00.000Z']);
    await t.imsflow.changeDueDate(taskId, '2026-03-20T08:00:00Z', 'waiting for the supplier report', 'carol');
    expect(await pendingTimes('escalation')).to.deep.equal(['1@2026-03-23T08:00:00.000Z', '2@2026-03-30T08:00:00.000Z']);
    expect(await pendingTimes('notify')).to.include('reminder@2026-03-19T08:00:00.000Z');
    const event = (await t.store.listAudit({ target: `task:${taskId}` })).find((e) => e.action === 'task.due-changed')!;
    expect(event).to.include({ actor: 'carol', reason: 'waiting for the supplier report' });
    expect(event.old).to.deep.equal({ dueAt: '2026-03-07T08:00:00.000Z' });
    const noReason = await t.imsflow.changeDueDate(taskId, '2026-03-20T08:00:00Z', '', 'carol').catch((e) => e);
    expect(noReason).to.be.instanceOf(ValidationError);
  });

  it('reassignment revokes the links already sent and tells the new holder', async () => {
    await t.scheduler.runDue();
    const before = await t.store.listLinkTokens(taskId);
    expect(before.map((token) => token.userId)).to.deep.equal(['carol']);
    await t.imsflow.reassignTask(taskId, { assignee: 'bob' }, 'Carol is on leave', 'carol');
    const task = await t.imsflow.getTask(taskId);
    expect(task).to.include({ assignee: 'bob' });
    expect(task.candidateRole).to.equal(undefined);
    expect((await t.store.listLinkTokens(taskId)).map((token) => [token.userId, token.revokedReason])).to.deep.equal([['carol', 'reassigned: Carol is on leave']]);
    await t.scheduler.runDue();
    const tokens = await t.store.listLinkTokens(taskId);
    expect(tokens.filter((token) => !token.revokedAt).map((token) => token.userId)).to.deep.equal(['bob']);
    const unknownUser = await t.imsflow.reassignTask(taskId, { assignee: 'nobody' }, 'x', 'carol').catch((e) => e);
    expect(unknownUser).to.be.instanceOf(ValidationError);
  });

  it('validates users and keeps emails unique', async () => {
    const bad = (await t.imsflow.saveUser({ id: 'x y', email: 'not-an-email', name: '', roles: ['Quality Manager'] }, 'admin').catch((e) => e)) as ValidationError;
    expect(bad.fields.map((f) => f.field).sort()).to.deep.equal(['email', 'id', 'name', 'roles']);
    const clash = await t.imsflow.saveUser({ id: 'robert', email: 'BOB@example.com', name: 'Robert' }, 'admin').catch((e) => e);
    expect(clash.name).to.equal('ConflictError');
  });
});
