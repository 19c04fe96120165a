import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Email } from 'postal-mime';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import type { InboxItem } from '../../../engine/features/inbox/index.js';
import { callWithToken, http, type Reply } from '../../support/http.js';
import { userWithToken } from '../../support/operator.js';
import { TestSmtpServer } from '../../support/smtp.js';

/**
 * The inbox and the review notices (issue 16, "nobody is told about reviews"): GET /api/inbox lists what
 * waits on each person by their roles and sites (tasks to do or claim, changes to sign or publish,
 * extension requests to decide); a submitted change emails every person who may sign it, reminds them while
 * it is unsigned, and tells its author the outcome and the process owners what awaits publication. A real
 * SMTP server in the process, a listening server on SQLite, a fake clock; jobs run with runDue().
 */

const START = '2026-05-04T07:00:00.000Z';
const DAY = 86_400_000;
const PASSWORD = 'correct horse battery staple';
const KEY = 'inbox-check';
const IMS = 'http://imsflow.org/schema/bpmn/ims/1.0';
const XML = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:ims="${IMS}" id="defs-${KEY}" targetNamespace="http://imsflow.org/test">
  <process id="${KEY}" name="Batch check" isExecutable="true" ims:ownerRole="quality-manager" ims:businessKeyPrefix="BC">
    <startEvent id="start" />
    <sequenceFlow id="toCheck" sourceRef="start" targetRef="check" />
    <userTask id="check" name="Check the batch" ims:candidateRole="staff" ims:due="P5D" />
    <sequenceFlow id="toEnd" sourceRef="check" targetRef="done" />
    <endEvent id="done" />
  </process>
</definitions>`;

const PEOPLE = [
  { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'] },
  { id: 'po-ben', name: 'Ben Owner', roles: ['process-owner'] },
  { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'], sites: ['north'] },
  { id: 'qm-olga', name: 'Olga Quality', roles: ['quality-manager'], sites: ['south'] },
  { id: 'st-dan', name: 'Dan Staff', roles: ['staff'], sites: ['north'] },
  { id: 'st-eve', name: 'Eve Staff', roles: ['staff'], sites: ['north'] },
];

describe('the inbox and the notices of change review (HTTP, SQLite, SMTP, fake clock)', function () {
  this.timeout(60_000);
  let server: RunningServer;
  let smtp: TestSmtpServer;
  let clock: FakeClock;
  let dir: string;
  const tokens: Record<string, string> = {};
  const call = (user: string, method: string, path: string, body?: unknown): Promise<Reply> => callWithToken(server.url, tokens[user], method, path, body);
  const inboxOf = async (user: string): Promise<InboxItem[]> => {
    const reply = await call(user, 'GET', '/api/inbox');
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.json.count).to.equal(reply.json.items.length);
    return reply.json.items;
  };
  const kinds = async (user: string) => (await inboxOf(user)).map((i) => `${i.kind}:${i.ask}`);
  const to = (email: Email) => (email.to ?? []).map((a) => ('address' in a ? String(a.address) : '')).join(',');
  /** The emails that arrived since `from`, as "address: subject". */
  const mailSince = (from: number) => smtp.received.slice(from).map((e) => `${to(e)}: ${e.subject}`).sort();
  /** Runs due jobs (the notice, then the emails it queued) and waits for `count` more emails. */
  const deliver = async (count: number) => {
    const before = smtp.received.length;
    await server.scheduler.runDue();
    await server.scheduler.runDue();
    await smtp.waitFor(before + count);
    return mailSince(before);
  };
  let taskId: string;
  let draftId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-inbox-'));
    smtp = await new TestSmtpServer().start();
    clock = new FakeClock(START);
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_DIGEST: 'off', SMTP_URL: smtp.url }), { clock, logger: pino({ level: 'silent' }) });
    for (const person of PEOPLE) {
      tokens[person.id] = await userWithToken(server, person);
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
    const v1 = await http('POST', `${server.url}/api/definitions?reason=first%20version`, XML, { 'content-type': 'application/xml', authorization: `Bearer ${tokens['po-anna']}` });
    expect(v1.status, v1.text).to.equal(201);
    const started = await call('qm-cara', 'POST', `/api/processes/${KEY}/instances`, { site: 'north', variables: { title: 'Cloudy tablets' } });
    expect(started.status, started.text).to.equal(201);
    taskId = (await server.imsflow.listTasks({ instanceId: started.json.id, status: 'open' }))[0]!.id;
    await deliver(2); // the task's assignment notice to Dan and Eve
  });

  after(async () => {
    await server?.close();
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a role\'s task to claim for everyone of that role at its site, then only for who claimed it', async () => {
    const [item] = await inboxOf('st-dan');
    expect(item).to.include({ kind: 'task', ask: 'claim', title: `${(await server.imsflow.getTask(taskId)).businessKey} · Cloudy tablets`, step: 'Check the batch', since: START, overdue: false, link: `/tasks/${taskId}`, site: 'north' });
    expect(item!.dueAt).to.equal(new Date(Date.parse(START) + 5 * DAY).toISOString());
    expect(await kinds('st-eve')).to.deep.equal(['task:claim']);
    expect(await kinds('qm-olga')).to.deep.equal([]);
    expect((await call('st-dan', 'POST', `/api/tasks/${taskId}/claim`)).status).to.equal(200);
    expect(await kinds('st-dan')).to.deep.equal(['task:complete']);
    expect(await kinds('st-eve')).to.deep.equal([]);
  });

  it('lists an extension request for the process owner role at the task\'s site, not for the one who asked', async () => {
    const asked = await call('st-dan', 'POST', `/api/tasks/${taskId}/extensions`, { dueAt: '2026-05-20', reason: 'the lab is closed for a week' });
    expect(asked.status, asked.text).to.equal(201);
    const [request] = await inboxOf('qm-cara');
    expect(request).to.include({ kind: 'extension', ask: 'decide', since: START, reason: 'the lab is closed for a week', toDueAt: '2026-05-20T23:59:59.999Z', link: `/tasks/${taskId}#extensions-title` });
    expect(request!.from).to.deep.equal({ id: 'st-dan', name: 'Dan Staff' });
    expect(await kinds('qm-olga')).to.deep.equal([]);
    expect(await kinds('st-dan')).to.deep.equal(['task:complete']);
    // the approvers were told by email too (the existing notice), Cara only: Olga is of another site
    expect(await deliver(1)).to.deep.equal(['qm-cara@example.com: Extension requested: Check the batch (BC-2026-0001 · Cloudy tablets) to 20 May 2026, 23:59']);
  });

  it('emails every person who may sign a submitted change, with the review page\'s link, and lists it in their inbox', async () => {
    const created = await call('po-anna', 'POST', '/api/drafts', { key: KEY, reason: 'longer checks' });
    expect(created.status, created.text).to.equal(201);
    draftId = created.json.id;
    const saved = await call('po-anna', 'PUT', `/api/drafts/${draftId}`, { xml: XML.replace('ims:due="P5D"', 'ims:due="P7D"'), revision: 0 });
    expect(saved.status, saved.text).to.equal(200);
    clock.advance(60_000);
    const submitted = await call('po-anna', 'POST', `/api/drafts/${draftId}/submit`, { reason: 'checks take a week', impact: 'running checks keep their due date', revision: 1 });
    expect(submitted.status, submitted.text).to.equal(200);

    // everyone who may sign and did not edit it: the other process owner and both quality managers
    expect(await deliver(3)).to.deep.equal(['po-ben@example.com: Please review: change to Batch check', 'qm-cara@example.com: Please review: change to Batch check', 'qm-olga@example.com: Please review: change to Batch check']);
    const mail = smtp.received.find((e) => to(e) === 'qm-olga@example.com' && e.subject === 'Please review: change to Batch check')!;
    const link = `${server.url}/modeler/drafts/${draftId}/review`;
    expect(mail.text).to.include('Anna Owner has submitted a change to the process Batch check for review');
    expect(mail.text).to.include('Reason for the change: checks take a week');
    expect(mail.text).to.include(`Review and sign the change: ${link}`);
    expect(mail.html).to.include(`href="${link}"`);

    for (const reviewer of ['po-ben', 'qm-cara', 'qm-olga']) {
      const review = (await inboxOf(reviewer)).find((i) => i.kind === 'review');
      expect(review, reviewer).to.include({ ask: 'sign', title: 'Batch check', draftId, link: `/modeler/drafts/${draftId}/review`, since: '2026-05-04T07:01:00.000Z', reason: 'checks take a week' });
      expect(review!.from).to.deep.equal({ id: 'po-anna', name: 'Anna Owner' });
    }
    // not the author, not staff
    expect(await kinds('po-anna')).to.deep.equal([]);
    expect(await kinds('st-dan')).to.deep.equal(['task:complete']);
    const told = (await server.imsflow.store.listAudit({ target: `draft:${draftId}`, limit: 100 })).filter((e) => e.action === 'draft.notified');
    expect(told.map((e) => e.new)).to.deep.equal([{ key: KEY, notice: 'review-requested', to: ['po-ben', 'qm-cara', 'qm-olga'], status: 'in-review' }]);
  });

  it('reminds the reviewers every two days while the change is unsigned', async () => {
    clock.advance(DAY);
    await server.scheduler.runDue();
    expect(smtp.received.filter((e) => /^Reminder: the change/.test(e.subject ?? ''))).to.have.length(0);
    clock.advance(DAY);
    const first = (await deliver(3)).filter((m) => m.includes('the change'));
    expect(first).to.deep.equal(['po-ben@example.com', 'qm-cara@example.com', 'qm-olga@example.com'].map((a) => `${a}: Reminder: the change to Batch check still awaits review`));
    clock.advance(2 * DAY);
    expect((await deliver(3)).filter((m) => m.includes('the change'))).to.deep.equal(first);
  });

  it('tells the author of the approval, the other process owners that it awaits publication, and stops reminding', async () => {
    const approved = await call('qm-cara', 'POST', `/api/drafts/${draftId}/review`, { decision: 'approve', reason: 'a week is realistic', signature: { email: 'qm-cara@example.com', password: PASSWORD } });
    expect(approved.status, approved.text).to.equal(200);
    expect(await deliver(2)).to.deep.equal(['po-anna@example.com: Approved: your change to Batch check', 'po-ben@example.com: Ready to publish: change to Batch check']);
    const toAnna = smtp.received.find((e) => to(e) === 'po-anna@example.com' && /^Approved/.test(e.subject ?? ''))!;
    expect(toAnna.text).to.include('Your change to the process Batch check was approved and signed by Cara Quality.');
    expect(toAnna.text).to.include('It can now be published as the next version.');
    expect(toAnna.text).to.include('Reason for the decision: a week is realistic');

    for (const owner of ['po-anna', 'po-ben']) expect((await inboxOf(owner)).map((i) => `${i.kind}:${i.ask}:${i.title}`), owner).to.deep.equal(['publish:publish:Batch check']);
    for (const qm of ['qm-cara', 'qm-olga']) expect((await inboxOf(qm)).filter((i) => i.kind === 'review' || i.kind === 'publish'), qm).to.deep.equal([]);

    const before = smtp.received.length;
    clock.advance(10 * DAY);
    await server.scheduler.runDue();
    await server.scheduler.runDue();
    expect(smtp.received.slice(before).filter((e) => /review|publish/i.test(e.subject ?? ''))).to.deep.equal([]);
    const published = await call('po-ben', 'POST', `/api/drafts/${draftId}/publish`, { reason: 'in effect now' });
    expect(published.status, published.text).to.equal(201);
    expect(await kinds('po-anna')).to.deep.equal([]);
  });

  it('tells the author of a rejection with the reviewer\'s reason', async () => {
    const created = await call('po-ben', 'POST', '/api/drafts', { key: KEY });
    const saved = await call('po-ben', 'PUT', `/api/drafts/${created.json.id}`, { xml: XML.replace('ims:due="P5D"', 'ims:due="P1D"'), revision: 0 });
    expect(saved.status, saved.text).to.equal(200);
    expect((await call('po-ben', 'POST', `/api/drafts/${created.json.id}/submit`, { reason: 'faster', impact: 'none', revision: 1 })).status).to.equal(200);
    await deliver(3); // po-anna, qm-cara, qm-olga are asked
    const rejected = await call('qm-olga', 'POST', `/api/drafts/${created.json.id}/review`, { decision: 'reject', reason: 'one day is too short for the lab', signature: { email: 'qm-olga@example.com', password: PASSWORD } });
    expect(rejected.status, rejected.text).to.equal(200);
    expect(await deliver(1)).to.deep.equal(['po-ben@example.com: Rejected: your change to Batch check']);
    const mail = smtp.received.at(-1)!;
    expect(mail.text).to.include('was rejected by Olga Quality');
    expect(mail.text).to.include('Reason for the decision: one day is too short for the lab');
    const audit = (await server.imsflow.store.listAudit({ target: `draft:${created.json.id}`, limit: 100 })).filter((e) => e.action === 'draft.notified').map((e) => (e.new as { notice: string }).notice);
    expect(audit).to.deep.equal(['review-requested', 'change-rejected']);
    // a rejected change is no longer reminded of
    const before = smtp.received.length;
    clock.advance(3 * DAY);
    await server.scheduler.runDue();
    await server.scheduler.runDue();
    expect(smtp.received.slice(before).filter((e) => /the change/.test(e.subject ?? ''))).to.deep.equal([]);
  });

  it('puts overdue items first, then the soonest due', async () => {
    // Dan holds the batch check (due 9 May: the extension is undecided) and, since the publication, a
    // read-and-understood task of the new version; a second check now waits for his role
    clock.advance(5 * DAY);
    const second = await call('qm-cara', 'POST', `/api/processes/${KEY}/instances`, { site: 'north', variables: { title: 'Chipped tablets' } });
    expect(second.status).to.equal(201);
    const items = await inboxOf('st-dan');
    expect(items.map((i) => i.overdue)).to.deep.equal([true, false, false]);
    expect(items[0]!.title).to.match(/Cloudy tablets$/);
    expect(items.map((i) => i.ask).sort()).to.deep.equal(['claim', 'complete', 'complete']);
    expect(items[1]!.dueAt! <= items[2]!.dueAt!).to.equal(true);
  });
});
