import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { sentenceText } from '../../../api/pages/components/History.js';
import { PAGE_MESSAGES } from '../../../api/pages/reader.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { holdsTask } from '../../../engine/features/access/index.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { MessageCatalogue, readerFor } from '../../../engine/kernel/i18n/index.js';
import type { TaskRecord, UserRecord } from '../../../engine/kernel/model.js';
import { historyEntry } from '../../../engine/kernel/present/index.js';
import { bpmn } from '../../helpers.js';

/**
 * Out of office with a delegate, on a fake clock: refused with the field named when the delegate is not a
 * colleague at the person's site with their roles; from the first day (a durable job) the delegate holds,
 * sees and is told about the person's assigned tasks and completes one, the trail naming both ("Bob
 * Builder for Alice Auditor") in en/de/fr, while separation of duties applies to the delegate himself;
 * when the period ends (a durable job) everything is the person's alone again. Every change audited.
 */

const MONDAY = '2026-11-30T09:00:00.000Z';
const REVIEW = bpmn(
  'ooo-review',
  `<startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="prepare" />
   <userTask id="prepare" name="Prepare the review" ims:assignee="\${variables.preparer}" /><sequenceFlow id="f2" sourceRef="prepare" targetRef="approve" />
   <userTask id="approve" name="Approve the review" ims:assignee="\${variables.approver}" ims:notBy="prepare" /><sequenceFlow id="f3" sourceRef="approve" targetRef="e" /><endEvent id="e" />`,
);

describe('out of office: a delegate holds my tasks for a period', function () {
  this.timeout(60_000);
  let server: RunningServer;
  let clock: FakeClock;
  let dir: string;
  const person = async (id: string) => (await server.imsflow.store.getUser(id)) as UserRecord;
  const openTask = async (instanceId: string) => (await server.imsflow.listTasks({ instanceId, status: 'open' }))[0];
  const runAll = async () => {
    for (let ran = await server.scheduler.runDue(); ran > 0; ran = await server.scheduler.runDue());
  };
  const refusal = (promise: Promise<unknown>) => promise.then(() => [], (err: { fields?: { field: string; message: string }[] }) => err.fields ?? []);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-ooo-'));
    clock = new FakeClock(MONDAY);
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_DIGEST: 'off' }), { clock, logger: pino({ level: 'silent' }) });
    const save = (id: string, name: string, roles: string[], sites: string[]) => server.imsflow.saveUser({ id, email: `${id}@example.com`, name, roles, sites, timeZone: 'Europe/Zurich' }, 'test-setup');
    await save('alice', 'Alice Auditor', ['auditor', 'quality-manager'], ['basel']);
    await save('bob', 'Bob Builder', ['auditor', 'quality-manager'], ['basel']);
    await save('carol', 'Carol Cross', ['auditor', 'quality-manager'], ['zurich']);
    await save('sam', 'Sam Staff', ['staff'], ['basel']);
    await server.imsflow.deploy(REVIEW, 'test-setup');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a delegate who is not a colleague at my site with my roles, naming the field', async () => {
    const set = (input: Record<string, string>) => refusal(server.imsflow.setAbsence('alice', input, 'alice'));
    const [elsewhere] = await set({ fromDay: '2026-12-01', toDay: '2026-12-04', delegate: 'carol' });
    expect(elsewhere).to.deep.equal({ field: 'delegate', message: 'Carol Cross does not work at basel' });
    const [lacking] = await set({ fromDay: '2026-12-01', toDay: '2026-12-04', delegate: 'sam' });
    expect(lacking).to.deep.equal({ field: 'delegate', message: 'Sam Staff does not hold the roles auditor, quality-manager that your tasks may need' });
    expect(await set({ fromDay: '2026-12-04', toDay: '2026-12-01', delegate: 'alice' })).to.deep.equal([
      { field: 'to', message: 'the last day comes before the first' },
      { field: 'delegate', message: 'choose someone other than yourself' },
    ]);
    expect((await set({ fromDay: 'soon', toDay: '2026-11-01', delegate: 'bob' })).map((f) => f.field)).to.deep.equal(['from', 'to']);
    expect(await refusal(server.imsflow.setAbsence('alice', { fromDay: '2026-12-01', toDay: '2026-12-04', delegate: 'bob' }, 'bob'))).to.deep.equal([]);
    expect((await person('alice')).absence).to.equal(undefined);
    expect((await server.imsflow.possibleDelegates('alice')).map((u) => u.id)).to.deep.equal(['bob']);
  });

  let review: { id: string };
  it('hands my tasks to the delegate from the first day of the period, on my clock (durable job)', async () => {
    review = await server.imsflow.start('ooo-review', { variables: { preparer: 'alice', approver: 'alice' }, site: 'basel' }, 'test-setup');
    await runAll();
    await server.imsflow.setAbsence('alice', { fromDay: '2026-12-01', toDay: '2026-12-04', delegate: 'bob' }, 'alice');
    const set = await person('alice');
    // Tuesday 00:00 to Saturday 00:00 in Zurich
    expect(set.absence).to.deep.include({ from: '2026-11-30T23:00:00.000Z', until: '2026-12-04T23:00:00.000Z', delegate: 'bob' });
    expect(set.absence?.started).to.equal(undefined);
    const task = await openTask(review.id);
    expect(holdsTask(await person('bob'), task)).to.equal(false);

    clock.set('2026-11-30T23:00:00.000Z');
    await runAll();
    const bob = await person('bob');
    expect(bob.standingInFor).to.deep.equal(['alice']);
    expect(holdsTask(bob, task)).to.equal(true);
    const listed = await server.imsflow.listTasks({ status: 'open', forUser: { id: 'bob', roles: bob.roles, standingInFor: bob.standingInFor } });
    expect(listed.map((t) => t.id)).to.deep.equal([task.id]);
    const audit = await server.imsflow.store.listAudit({ target: 'user:alice' });
    expect(audit.map((e) => [e.action, e.actor])).to.deep.include.members([
      ['user.out-of-office-set', 'alice'],
      ['user.out-of-office-started', 'system'],
    ]);
  });

  it('tells the delegate of new tasks assigned to me meanwhile', async () => {
    const started = await server.imsflow.start('ooo-review', { variables: { preparer: 'alice', approver: 'bob' }, site: 'basel' }, 'test-setup');
    await runAll();
    const task = await openTask(started.id);
    const notices = await server.imsflow.store.listMessages({ taskId: task.id });
    expect(notices.map((m) => [m.kind, m.userId])).to.deep.equal([['assigned', 'bob']]);
  });

  it('lets the delegate complete my task, the trail naming both, in en, de and fr', async () => {
    const bob = await person('bob');
    const task = await openTask(review.id);
    await server.imsflow.tasks.complete({ principal: { user: bob }, arrival: { via: 'session' }, taskId: task.id, data: {} });
    const [event] = (await server.imsflow.store.listAudit({ target: `task:${task.id}` })).filter((e) => e.action === 'task.completed');
    expect(event.actor).to.equal('bob');
    expect(event.new).to.deep.include({ status: 'completed', onBehalfOf: 'alice' });
    const names: Record<string, string> = { alice: 'Alice Auditor', bob: 'Bob Builder' };
    const entry = historyEntry(event, { personName: (id) => names[id], task: () => task });
    const catalogue = new MessageCatalogue([PAGE_MESSAGES]);
    const said = (locale: string) => sentenceText(readerFor(catalogue, locale, 'Europe/Zurich'), entry);
    expect(said('en-GB')).to.equal('Bob Builder for Alice Auditor completed Prepare the review');
    expect(said('de-CH')).to.contain('Bob Builder in Vertretung von Alice Auditor');
    expect(said('fr-FR')).to.contain('Bob Builder pour le compte de Alice Auditor');
    expect(entry.changes.map((c) => c.key)).to.not.include('onBehalfOf');
  });

  it('keeps separation of duties for the delegate himself: Bob prepared, so he may not approve for Alice', async () => {
    const approve = (await openTask(review.id)) as TaskRecord;
    expect(approve.elementId).to.equal('approve');
    expect(approve.assignee).to.equal('alice');
    const refused = await server.imsflow.tasks.complete({ principal: { user: await person('bob') }, arrival: { via: 'session' }, taskId: approve.id, data: {} }).catch((err: Error) => err.name);
    expect(refused).to.equal('NotPermittedError');
  });

  it('returns my tasks to me alone when the period ends (durable job), audited', async () => {
    const approve = await openTask(review.id);
    clock.set('2026-12-04T22:59:59.000Z');
    await runAll();
    expect((await person('bob')).standingInFor).to.deep.equal(['alice']);
    clock.set('2026-12-04T23:00:00.000Z');
    await runAll();
    const bob = await person('bob');
    expect(bob.standingInFor).to.equal(undefined);
    expect(holdsTask(bob, approve)).to.equal(false);
    expect((await person('alice')).absence).to.equal(undefined);
    const [ended] = (await server.imsflow.store.listAudit({ target: 'user:alice' })).filter((e) => e.action === 'user.out-of-office-ended');
    expect(ended).to.deep.include({ actor: 'system', reason: 'the period ended' });
    const names: Record<string, string> = { alice: 'Alice Auditor', bob: 'Bob Builder' };
    const reader = readerFor(new MessageCatalogue([PAGE_MESSAGES]), 'en-GB', 'Europe/Zurich');
    expect(sentenceText(reader, historyEntry(ended, { personName: (id) => names[id] }))).to.equal('Alice Auditor is back: Bob Builder no longer holds their tasks');
    // and notices go to me again
    const started = await server.imsflow.start('ooo-review', { variables: { preparer: 'alice', approver: 'bob' }, site: 'basel' }, 'test-setup');
    await runAll();
    const notices = await server.imsflow.store.listMessages({ taskId: (await openTask(started.id)).id });
    expect(notices.map((m) => m.userId)).to.deep.equal(['alice']);
  });

  it('starts at once when the first day is today, and ends at once when I end it', async () => {
    clock.set('2026-12-07T08:00:00.000Z');
    await server.imsflow.setAbsence('alice', { fromDay: '2026-12-07', toDay: '2026-12-07', delegate: 'bob' }, 'alice');
    expect((await person('bob')).standingInFor).to.deep.equal(['alice']);
    await server.imsflow.clearAbsence('alice', 'alice');
    expect((await person('bob')).standingInFor).to.equal(undefined);
    expect((await person('alice')).absence).to.equal(undefined);
    // the jobs of the ended period find nothing to do
    clock.set('2026-12-08T00:00:00.000Z');
    await runAll();
    expect((await server.imsflow.store.listAudit({ target: 'user:alice' })).filter((e) => e.action === 'user.out-of-office-ended')).to.have.length(2);
  });
});
