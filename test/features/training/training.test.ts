import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { SESSION_COOKIE } from '../../../api/auth.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import type { EmbeddedScheduler } from '../../../workers/runners/embedded/scheduler.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { DAY } from '../../helpers.js';
import { callWithToken, type Reply } from '../../support/http.js';
import { userWithToken } from '../../support/operator.js';

/**
 * Training on change: publishing a version gives everyone active in the roles that act in the process (its
 * user tasks' candidate roles and its owner role) a read-and-understood task for that version, through the
 * shipped `training-acknowledgement` process: assigned to the person, due at a date, reminded like every
 * task, with an email link. The version's coverage and the list of who is not yet trained follow it.
 */

const START = '2026-06-01T08:00:00.000Z';
const PASSWORD = 'correct horse battery staple';
const KEY = 'tr-demo';
const IMS = 'http://imsflow.org/schema/bpmn/ims/1.0';

/** Staff record a deviation, quality managers assess it; process owners own the process. */
function processXml(due = 'P5D'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:ims="${IMS}" id="defs-${KEY}" targetNamespace="http://imsflow.org/test">
  <process id="${KEY}" name="Deviation handling" isExecutable="true" ims:ownerRole="process-owner">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="record" />
    <userTask id="record" name="Record the deviation" ims:candidateRole="staff" ims:due="${due}" />
    <sequenceFlow id="f2" sourceRef="record" targetRef="assess" />
    <userTask id="assess" name="Assess the deviation" ims:candidateRole="quality-manager" ims:due="P3D" />
    <sequenceFlow id="f3" sourceRef="assess" targetRef="done" />
    <endEvent id="done" />
  </process>
</definitions>`;
}

describe('training on change: read-and-understood tasks for a new version (HTTP, SQLite, fake clock)', function () {
  let server: RunningServer;
  let clock: FakeClock;
  let dir: string;
  let version: number;
  const tokens: Record<string, string> = {};
  const call = (user: string, method: string, path: string, body?: unknown): Promise<Reply> => callWithToken(server.url, tokens[user], method, path, body);
  const trainingTasks = async () => (await server.imsflow.store.listTasks({ limit: 1000 })).filter((t) => t.definitionKey === 'training-acknowledgement');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-training-'));
    clock = new FakeClock(START);
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock, logger: pino({ level: 'silent' }) });
    const people: { id: string; name: string; roles: string[]; sites?: string[] }[] = [
      { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'] },
      { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'], sites: ['dublin'] },
      { id: 'st-dan', name: 'Dan Staff', roles: ['staff'], sites: ['dublin'] },
      { id: 'st-eve', name: 'Eve Staff', roles: ['staff', 'quality-manager'], sites: ['basel'] },
      { id: 'au-fay', name: 'Fay Auditor', roles: ['auditor'], sites: ['dublin'] },
      { id: 'sc-gus', name: 'Gus Steering', roles: ['steering-committee'], sites: ['dublin'] },
      { id: 'admin', name: 'Ada Admin', roles: ['admin'] },
    ];
    for (const person of people) {
      tokens[person.id] = await userWithToken(server, person);
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
    // a staff member who left: not trained
    await server.imsflow.saveUser({ id: 'st-old', email: 'st-old@example.com', name: 'Old Staff', roles: ['staff'], active: false }, 'test-setup');
    await server.imsflow.deploy(processXml(), 'po-anna', 'first version');

    const draft = await call('po-anna', 'POST', '/api/drafts', { key: KEY });
    expect((await call('po-anna', 'PUT', `/api/drafts/${draft.json.id}`, { xml: processXml('P2D'), revision: 0 })).status).to.equal(200);
    expect((await call('po-anna', 'POST', `/api/drafts/${draft.json.id}/submit`, { reason: 'record deviations within two days', impact: 'staff record faster', revision: 1 })).status).to.equal(200);
    const review = await call('qm-cara', 'POST', `/api/drafts/${draft.json.id}/review`, { decision: 'approve', reason: 'agreed', signature: { email: 'qm-cara@example.com', password: PASSWORD } });
    expect(review.status, review.text).to.equal(200);
    // effective in three weeks: training is due by then
    const published = await call('po-anna', 'POST', `/api/drafts/${draft.json.id}/publish`, { effectiveAt: '2026-06-22' });
    expect(published.status, published.text).to.equal(201);
    expect(published.json.training).to.deep.equal({ assigned: 4, dueAt: '2026-06-22T00:00:00.000Z' });
    version = published.json.version;
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each active person in the process\'s roles a training task due when it takes effect', async () => {
    const tasks = await trainingTasks();
    // staff and quality-manager (candidate roles), process-owner (owner role); Eve holds two roles but gets one task
    expect(tasks.map((t) => t.assignee).sort()).to.deep.equal(['po-anna', 'qm-cara', 'st-dan', 'st-eve']);
    for (const task of tasks) {
      expect(task).to.include({ status: 'open', name: `Read and understood: Deviation handling version ${version}`, dueAt: '2026-06-22T00:00:00.000Z', elementId: 'acknowledge' });
      expect(task.form.find((f) => f.key === 'understood')).to.include({ type: 'checkbox', required: true });
    }
    // each on the person's own site, so the site's overseers see it
    expect(Object.fromEntries(tasks.map((t) => [t.assignee, t.site ?? null]))).to.deep.equal({ 'po-anna': null, 'qm-cara': 'dublin', 'st-dan': 'dublin', 'st-eve': 'basel' });
    // the person sees it in their task list
    const mine = await call('st-dan', 'GET', '/api/tasks?mine=true');
    expect(mine.json.items.map((t: { name: string }) => t.name)).to.deep.equal([`Read and understood: Deviation handling version ${version}`]);
  });

  it('assigns the training in the publishing commit, with an audit event per person', async () => {
    const events = await server.imsflow.store.listAudit({ target: `definition:${KEY}@${version}`, limit: 100 });
    expect(events.map((e) => e.action)).to.deep.equal(['definition.published', 'training.assigned', 'training.assigned', 'training.assigned', 'training.assigned']);
    const assigned = events.filter((e) => e.action === 'training.assigned');
    expect(assigned.map((e) => (e.new as { user: string }).user).sort()).to.deep.equal(['po-anna', 'qm-cara', 'st-dan', 'st-eve']);
    expect(assigned.every((e) => e.actor === 'po-anna' && e.at === events[0].at && e.reason === `version ${version} of Deviation handling was published`)).to.equal(true);
    // one commit: the published event and the last training event enclose nothing but this publication's events
    const all = await server.imsflow.store.listAudit({ afterSeq: events[0].seq - 1, limit: 1000 });
    const last = assigned[assigned.length - 1].seq;
    const between = all.filter((e) => e.seq <= last).map((e) => e.action);
    expect(new Set(between)).to.deep.equal(new Set(['definition.published', 'draft.published', 'instance.started', 'task.created', 'training.assigned']));
  });

  it('shows the version\'s training coverage; site overseers see their site\'s people', async () => {
    const coverage = await call('admin', 'GET', `/api/processes/${KEY}/versions/${version}/training`);
    expect(coverage.status).to.equal(200);
    expect(coverage.json).to.include({ due: '2026-06-22T00:00:00.000Z', acknowledged: 0, total: 4 });
    expect(coverage.json.items.map((i: { user: string; status: string; role: string }) => [i.user, i.status, i.role])).to.have.deep.members([
      ['po-anna', 'open', 'process-owner'],
      ['qm-cara', 'open', 'quality-manager'],
      ['st-dan', 'open', 'staff'],
      ['st-eve', 'open', 'staff'],
    ]);
    const dublin = await call('qm-cara', 'GET', `/api/processes/${KEY}/versions/${version}/training`);
    expect(dublin.json.items.map((i: { user: string }) => i.user).sort()).to.deep.equal(['po-anna', 'qm-cara', 'st-dan']);
    expect((await call('st-dan', 'GET', `/api/processes/${KEY}/versions/${version}/training`)).status).to.equal(403);
    // the versions list counts the same people as the training list: a Dublin reader's 3, not all 4 (issue 15
    // found "0 of 6" beside "0 of 3" on one page)
    const [ofCara] = (await call('qm-cara', 'GET', `/api/processes/${KEY}/versions`)).json.items;
    expect(ofCara.training).to.deep.equal({ acknowledged: dublin.json.acknowledged, total: dublin.json.total });
    expect(dublin.json.total).to.equal(3);
    const [v] = (await call('st-dan', 'GET', `/api/processes/${KEY}/versions`)).json.items;
    expect(v.training).to.deep.equal({ acknowledged: 0, total: 3 });
    const [ofAdmin] = (await call('admin', 'GET', `/api/processes/${KEY}/versions`)).json.items;
    expect(ofAdmin.training).to.deep.equal({ acknowledged: 0, total: 4 });
  });

  it('reminds the person before the due date with a link, as for every task', async () => {
    const [dan] = (await trainingTasks()).filter((t) => t.assignee === 'st-dan');
    const scheduler = server.scheduler as EmbeddedScheduler;
    await scheduler.runDue();
    const assignedMail = await server.imsflow.store.listMessages({ taskId: dan.id });
    expect(assignedMail.map((m) => m.kind)).to.deep.equal(['assigned']);
    // two days before the due date (ims:remindBefore="P2D")
    clock.set('2026-06-20T00:00:01.000Z');
    await scheduler.runDue();
    const messages = await server.imsflow.store.listMessages({ taskId: dan.id });
    expect(messages.map((m) => m.kind)).to.deep.equal(['assigned', 'reminder']);
    const reminder = messages[1];
    expect(reminder).to.include({ to: 'st-dan@example.com', userId: 'st-dan' });
    expect(reminder.subject).to.include('Read and understood');
    expect(reminder.link).to.match(/\/t\//);
  });

  it('completes the acknowledgement: refused without the confirmation; then coverage and the outstanding list follow', async () => {
    const [dan] = (await trainingTasks()).filter((t) => t.assignee === 'st-dan');
    const unticked = await call('st-dan', 'POST', `/api/tasks/${dan.id}/complete`, { data: { understood: false } });
    expect(unticked.status).to.equal(400);
    expect(unticked.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['understood']);
    const done = await call('st-dan', 'POST', `/api/tasks/${dan.id}/complete`, { data: { understood: true } });
    expect(done.status, done.text).to.equal(200);
    expect(done.json.instanceStatus).to.equal('completed');

    const coverage = (await call('admin', 'GET', `/api/processes/${KEY}/versions/${version}/training`)).json;
    expect(coverage).to.include({ acknowledged: 1, total: 4 });
    expect(coverage.items.find((i: { user: string }) => i.user === 'st-dan')).to.include({ status: 'acknowledged', acknowledgedAt: '2026-06-20T00:00:01.000Z', taskId: dan.id });
    const [v] = (await call('admin', 'GET', `/api/processes/${KEY}/versions`)).json.items;
    expect(v.training).to.deep.equal({ acknowledged: 1, total: 4 });

    const outstanding = await call('sc-gus', 'GET', '/api/training/outstanding');
    expect(outstanding.status).to.equal(200);
    // Gus sees Dublin and the site-less record; Dan is trained
    expect(outstanding.json.items.map((i: { user: string }) => i.user)).to.deep.equal(['po-anna', 'qm-cara']);
    expect(outstanding.json.items[0]).to.include({ processKey: KEY, version, name: 'Anna Owner', dueAt: '2026-06-22T00:00:00.000Z', overdue: false });
    const everyone = await call('admin', 'GET', '/api/training/outstanding');
    expect(everyone.json.items.map((i: { user: string }) => i.user)).to.deep.equal(['po-anna', 'qm-cara', 'st-eve']);
    const basel = await call('admin', 'GET', '/api/training/outstanding?site=basel');
    expect(basel.json.items.map((i: { user: string }) => i.user)).to.deep.equal(['st-eve']);
    expect((await call('sc-gus', 'GET', '/api/training/outstanding?site=basel')).status).to.equal(403);
    expect((await call('st-dan', 'GET', '/api/training/outstanding')).status).to.equal(403);
  });

  it('lists on the steering dashboard who is not yet trained, of the viewer\'s sites only', async () => {
    const { token } = await server.accounts.login('sc-gus@example.com', PASSWORD, 'test');
    const page = await fetch(`${server.url}/dashboard`, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    expect(page.status).to.equal(200);
    const html = await page.text();
    const section = html.slice(html.indexOf('id="training"'));
    expect(section).to.match(/2 acknowledgements outstanding, 0 overdue/);
    expect(section).to.include('Anna Owner').and.to.include('Cara Quality');
    // Dan has acknowledged; Eve is of Basel, which Gus does not see
    expect(section).not.to.include('Dan Staff');
    expect(section).not.to.include('Eve Staff');
    // the process by its name, not its key
    expect(section).to.include(`Deviation handling, version ${version}`);
  });

  it('marks overdue training, sends questions to the process owners, and still counts the acknowledgement', async () => {
    clock.advance(3 * DAY);
    const outstanding = (await call('admin', 'GET', '/api/training/outstanding')).json.items;
    expect(outstanding.map((i: { overdue: boolean }) => i.overdue)).to.deep.equal([true, true, true]);
    const [eve] = (await trainingTasks()).filter((t) => t.assignee === 'st-eve');
    const asked = await call('st-eve', 'POST', `/api/tasks/${eve.id}/complete`, { data: { understood: true, questions: true, comments: 'Does the two-day limit count weekends?' } });
    expect(asked.status, asked.text).to.equal(200);
    const answer = (await server.imsflow.listTasks({ instanceId: eve.instanceId, status: 'open' }))[0];
    expect(answer).to.include({ elementId: 'answer', candidateRole: 'process-owner' });
    const coverage = (await call('admin', 'GET', `/api/processes/${KEY}/versions/${version}/training`)).json;
    expect(coverage).to.include({ acknowledged: 2, total: 4 });
    expect((await call('admin', 'GET', '/api/training/outstanding')).json.items.map((i: { user: string }) => i.user)).to.deep.equal(['po-anna', 'qm-cara']);
  });
});
