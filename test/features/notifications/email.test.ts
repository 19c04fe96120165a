import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Email } from 'postal-mime';
import { pino } from 'pino';
import { startServer } from '../../../api/server.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { Outbox } from '../../../engine/features/notifications/index.js';
import { RateLimiter, SmtpMailer } from '../../../engine/adapters/smtp/smtp-mailer.js';
import { renderNotice } from '../../../engine/features/notifications/index.js';
import type { AuditEvent, JobRecord, MessageRecord, NoticeKind, TaskRecord, UserRecord } from '../../../engine/kernel/model.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { DAY, fixtureBpmn, testEngine } from '../../helpers.js';
import { TestSmtpServer } from '../../support/smtp.js';
import { FORM_BODY, http, XML_BODY } from '../../support/http.js';
import { signInOperator } from '../../support/operator.js';

/**
 * Email end to end: a real SMTP server in the process, a listening server on SQLite with a fake clock, jobs
 * run with scheduler.runDue(). Plus the notice templates and the SMTP adapter on their own.
 */

const HOUR = 60 * 60 * 1000;
const MINUTE = 60 * 1000;


function titleOf(html: string): string {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';
}

function addresses(email: Email): string[] {
  return (email.to ?? []).map((a) => ('address' in a ? String(a.address) : ''));
}

function linkIn(email: Email): string {
  const link = /Open the task: (\S+)/.exec(email.text ?? '')?.[1];
  expect(link, `no link in: ${email.text}`).to.be.a('string');
  expect(email.html).to.include(`href="${link}"`);
  return link!;
}

/** A listening server on a fresh data folder, with users saved through the API. */
async function serverWith(env: Record<string, string>, clock: FakeClock, users: (Partial<UserRecord> & { id: string })[], logger = pino({ level: 'silent' })) {
  const dir = mkdtempSync(join(tmpdir(), 'imsflow-email-'));
  // IMSFLOW_DIGEST off: these tests count every email, and the steering committee's Monday digest (test/features/notifications/digest.test.ts) would be one more
  const server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_ADMIN_EMAIL: 'admin@imsflow.test', IMSFLOW_ADMIN_PASSWORD: 'correct horse battery staple', IMSFLOW_DIGEST: 'off', ...env }), { clock, logger });
  await signInOperator(server);
  for (const { id, ...user } of users) expect((await http('PUT', `${server.url}/api/users/${id}`, user)).status).to.equal(200);
  return {
    server,
    api: (path: string) => `${server.url}/api${path}`,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('email: the mail server is down, then back', () => {
  let smtp: TestSmtpServer;
  let env: Awaited<ReturnType<typeof serverWith>>;
  let clock: FakeClock;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    clock = new FakeClock('2026-05-04T07:00:00Z');
    env = await serverWith({ SMTP_URL: smtp.url }, clock, [{ id: 'qm1', email: 'quinn@example.com', name: 'Quinn', roles: ['quality-manager'] }, { id: 'bob', email: 'bob@example.com', name: 'Bob Owner', roles: ['staff'] }]);
  });
  after(async () => {
    await env?.close();
    await smtp?.stop();
  });

  it('keeps a failed message with its SMTP error, retries with backoff, and sends it once', async () => {
    const { server, api } = env;
    smtp.refuseWith = '451 try later';
    const started = await http('POST', api('/processes/nonconformity/instances'), { variables: { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } });
    const [task] = (await http('GET', api(`/tasks?instance=${started.json.id}`))).json.items as TaskRecord[];
    await server.scheduler.runDue();
    const failedAt = clock.now().getTime();

    const messageOf = async (): Promise<MessageRecord> => {
      const items = (await http('GET', api(`/outbox?task=${task.id}`))).json.items as MessageRecord[];
      expect(items).to.have.length(1);
      return items[0];
    };
    let message = await messageOf();
    expect(message).to.include({ status: 'failed', attempts: 1, to: 'quinn@example.com', kind: 'assigned' });
    expect(message.lastError).to.match(/451 try later/);
    expect((await http('GET', api('/outbox?status=failed'))).json.items.map((m: MessageRecord) => m.id)).to.deep.equal([message.id]);
    const jobId = `email-${message.id}`;
    let job = (await server.imsflow.store.getJob(jobId)) as JobRecord;
    expect(job).to.include({ status: 'scheduled', attempts: 1, runAt: new Date(failedAt + 10_000).toISOString() });
    expect(job.lastError).to.match(/451 try later/);
    expect(smtp.received).to.have.length(0);

    // still down at the retry: the attempt is counted and the backoff doubles
    clock.advance(10_000);
    await server.scheduler.runDue();
    message = await messageOf();
    expect(message).to.include({ status: 'failed', attempts: 2 });
    job = (await server.imsflow.store.getJob(jobId)) as JobRecord;
    expect(job).to.include({ status: 'scheduled', attempts: 2, runAt: new Date(failedAt + 10_000 + 20_000).toISOString() });

    // back up, but the retry is not due yet
    smtp.refuseWith = undefined;
    clock.advance(20_000 - 1);
    await server.scheduler.runDue();
    expect(smtp.received).to.have.length(0);
    expect((await messageOf()).status).to.equal('failed');

    clock.advance(1);
    await server.scheduler.runDue();
    await smtp.waitFor(1);
    message = await messageOf();
    expect(message).to.include({ status: 'sent', attempts: 3, sentAt: clock.now().toISOString() });
    expect(message).to.not.have.property('lastError');
    expect((await server.imsflow.store.getJob(jobId))?.status).to.equal('done');
    const [email] = smtp.received;
    expect(addresses(email)).to.deep.equal(['quinn@example.com']);
    expect(email.subject).to.equal(`New task: Assess and contain (${started.json.businessKey} · Scratched vial, lot 12)`);
    expect(email.messageId).to.equal(`<${message.id}@imsflow.local>`);

    // nothing is sent twice, however often the jobs run
    clock.advance(HOUR);
    await server.scheduler.runDue();
    await server.scheduler.runDue();
    expect(smtp.received).to.have.length(1);
    const sentEvents = (await server.imsflow.store.listAudit({ target: `message:${message.id}`, limit: 100 })).filter((e) => e.action === 'email.sent');
    expect(sentEvents.map((e) => e.new)).to.deep.equal([{ kind: 'assigned', to: 'quinn@example.com', subject: message.subject, attempts: 3 }]);
    // the link in the late email still opens the task
    expect((await http('GET', linkIn(email))).status).to.equal(200);
  });

  it('drops a notice whose task closed while the mail server was down', async () => {
    const { server, api } = env;
    smtp.refuseWith = '451 try later';
    const before = smtp.received.length;
    const started = await http('POST', api('/processes/nonconformity/instances'), { variables: { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } });
    const [task] = (await http('GET', api(`/tasks?instance=${started.json.id}`))).json.items as TaskRecord[];
    await server.scheduler.runDue();
    expect(((await http('GET', api(`/outbox?task=${task.id}`))).json.items as MessageRecord[]).map((m) => m.status)).to.deep.equal(['failed']);
    const asQuinn = { 'content-type': 'application/json', authorization: `Bearer ${(await server.accounts.createApiToken('qm1', 'test', 'test')).token}` };
    expect((await http('POST', api(`/tasks/${task.id}/complete`), { data: { severity: 'minor', containment: 'done', actionNeeded: false } }, asQuinn)).status).to.equal(200);
    smtp.refuseWith = undefined;
    clock.advance(HOUR);
    await server.scheduler.runDue();
    // the notice that failed (the completion may add its own "completed" notice to the task's outbox)
    const message = ((await http('GET', api(`/outbox?task=${task.id}`))).json.items as MessageRecord[]).find((m) => m.kind === 'assigned')!;
    expect(message.status).to.equal('dropped');
    expect(message.lastError).to.match(/task was completed/);
    expect(smtp.received.slice(before).map((m) => m.subject)).to.not.include(message.subject);
  });
});

describe('email: no mail server configured (embedded default)', () => {
  const lines: string[] = [];
  let env: Awaited<ReturnType<typeof serverWith>>;
  const clock = new FakeClock('2026-05-04T07:00:00Z');

  before(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    env = await serverWith({}, clock, [{ id: 'qm1', email: 'quinn@example.com', name: 'Quinn', roles: ['quality-manager'] }, { id: 'bob', email: 'bob@example.com', name: 'Bob Owner', roles: ['staff'] }], logger);
  });
  after(async () => {
    await env?.close();
  });

  it('holds messages in the outbox and writes their working links to the log', async () => {
    const { server, api } = env;
    const started = await http('POST', api('/processes/nonconformity/instances'), { variables: { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } });
    const [task] = (await http('GET', api(`/tasks?instance=${started.json.id}`))).json.items as TaskRecord[];
    await server.scheduler.runDue();

    const held = (await http('GET', api('/outbox?status=held'))).json.items as MessageRecord[];
    expect(held.map((m) => [m.kind, m.to, m.taskId, m.attempts])).to.deep.equal([['assigned', 'quinn@example.com', task.id, 0]]);
    const [message] = held;
    expect(message.link).to.match(new RegExp(`^${server.url}/t/[\\w-]+\\.[\\w-]+$`));
    expect(message.text).to.include(message.link);
    expect((await http('GET', api('/outbox?status=sent'))).json.items).to.deep.equal([]);
    expect((await http('GET', api('/outbox?status=queued'))).json.items).to.deep.equal([]);
    // nothing waits to be sent
    expect((await server.imsflow.store.listJobs({ instanceId: started.json.id })).filter((j) => j.kind === 'email')).to.deep.equal([]);

    const logged = lines.map((l) => JSON.parse(l)).filter((entry) => entry.link);
    expect(logged).to.have.length(1);
    expect(logged[0]).to.include({ to: 'quinn@example.com', subject: message.subject, link: message.link, level: 30 });
    expect(logged[0].msg).to.match(/no mail server configured/);

    const page = await http('GET', logged[0].link);
    expect(page.status).to.equal(200);
    expect(titleOf(page.text)).to.match(/^Assess and contain/);
  });

  it('an email job found without a mailer holds its message instead of failing', async () => {
    const t = await testEngine();
    const outbox = new Outbox(t.store, t.clock, undefined);
    const message: MessageRecord = {
      id: 'm1',
      kind: 'assigned',
      to: 'quinn@example.com',
      subject: 's',
      text: 't',
      html: 'h',
      status: 'queued',
      attempts: 0,
      createdAt: t.clock.now().toISOString(),
    };
    const job: JobRecord = { id: 'email-m1', kind: 'email', runAt: message.createdAt, status: 'scheduled', payload: { messageId: 'm1' }, attempts: 0 };
    await t.store.commit({ messages: [message], scheduleJobs: [job], audit: [] });
    const [claimed] = await t.store.claimDueJobs(t.clock.now().toISOString(), 'w', new Date(t.clock.now().getTime() + MINUTE).toISOString(), 10);
    expect(await outbox.handleEmail(claimed, 'w')).to.equal('held');
    expect((await t.store.getMessage('m1'))?.status).to.equal('held');
    expect((await t.store.getJob('email-m1'))?.status).to.equal('done');
    await t.store.close();
  });
});

describe('email: reminders and escalations over time', () => {
  const HOSTILE_TITLE = `<script>alert("t")</script> & 'leak'`;
  const T0 = Date.parse('2026-05-04T07:00:00Z');
  let smtp: TestSmtpServer;
  let env: Awaited<ReturnType<typeof serverWith>>;
  let clock: FakeClock;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    clock = new FakeClock(new Date(T0));
    env = await serverWith({ SMTP_URL: smtp.url, IMSFLOW_MAIL_RATE: '1000' }, clock, [
      { id: 'maria', email: 'maria@example.com', name: 'Maria Manager', roles: ['production-manager'] },
      { id: 'bob', email: 'bob@example.com', name: 'Bob Owner', roles: ['production'], managerId: 'maria' },
      { id: 'tina', email: 'tina@example.com', name: 'Tina Lead', roles: ['team-lead'] },
      { id: 'sam', email: 'sam@example.com', name: 'Sam Steering', roles: ['steering-committee'] },
    ]);
    const reminded = fixtureBpmn('reminded');
    const handover = fixtureBpmn('handover');
    for (const xml of [reminded, handover]) {
      const deployed = await http('POST', env.api('/definitions'), xml, XML_BODY);
      expect(deployed.status, deployed.text).to.equal(201);
    }
  });
  after(async () => {
    await env?.close();
    await smtp?.stop();
  });

  /** How many of the received emails the test has looked at: the rest arrived since. */
  let seen = 0;
  async function arrivedSince(count = 0): Promise<Email[]> {
    await smtp.waitFor(seen + count);
    const emails = smtp.received.slice(seen);
    seen = smtp.received.length;
    return emails;
  }

  /** Moves the clock to `at`, runs due jobs, and returns what arrived since the last look. */
  async function runUntil(at: number, count = 0): Promise<Email[]> {
    expect(at).to.be.at.least(clock.now().getTime());
    clock.set(new Date(at));
    await env.server.scheduler.runDue();
    return arrivedSince(count);
  }

  /** Nothing arrives until a minute before `at`; exactly one email, to `to`, arrives at `at`. */
  async function exactlyAt(at: number, to: string, subject: RegExp): Promise<Email> {
    if (at - MINUTE >= clock.now().getTime()) expect(await runUntil(at - MINUTE), `early, before ${new Date(at).toISOString()}`).to.deep.equal([]);
    const emails = await runUntil(at, 1);
    expect(emails.map((e) => [addresses(e), e.subject])).to.have.length(1);
    expect(addresses(emails[0])).to.deep.equal([to]);
    expect(emails[0].subject).to.match(subject);
    return emails[0];
  }

  it('tells the assignee at start, before due, at due and when overdue, then the manager', async () => {
    const { server, api } = env;
    const started = await http('POST', api('/processes/reminded/instances'), { variables: { owner: 'bob', title: HOSTILE_TITLE } });
    expect(started.status).to.equal(201);
    const key = started.json.businessKey;
    const [task] = (await http('GET', api(`/tasks?instance=${started.json.id}`))).json.items as TaskRecord[];
    const name = `Fix ${HOSTILE_TITLE}`;
    expect(task).to.include({ name, assignee: 'bob', dueAt: new Date(T0 + 5 * DAY).toISOString() });

    const assigned = await exactlyAt(T0, 'bob@example.com', /^New task: Fix <script>/);
    // the record by its title too (the start form's title field), escaped like every value
    expect(assigned.subject).to.equal(`New task: ${name} (${key} · ${HOSTILE_TITLE})`);
    expect(assigned.html).to.include(`Fix &lt;script>alert(&quot;t&quot;)&lt;/script> &amp; 'leak'`);
    expect(assigned.html).to.not.include('<script');
    const firstLink = linkIn(assigned);

    const reminder = await exactlyAt(T0 + 4 * DAY, 'bob@example.com', /^Reminder: .* is due 9 May 2026, 07:00$/);
    expect(reminder.text).to.include('This task is due 9 May 2026, 07:00.');
    expect(reminder.text).to.match(/\nTimes are in \S.*\.\n/);
    expect(reminder.html).to.not.include('<script');
    const due = await exactlyAt(T0 + 5 * DAY, 'bob@example.com', /^Due now: /);
    expect(due.text).to.include('This task is due now.');
    const overdue = await exactlyAt(T0 + 7 * DAY, 'bob@example.com', /^Overdue: .* was due 9 May 2026, 07:00$/);
    expect(overdue.text).to.include('is still open');
    const escalation = await exactlyAt(T0 + 8 * DAY, 'maria@example.com', /^Escalation \(level 1\): .* is overdue$/);
    // the holder by name, not by user id
    expect(escalation.text).to.include('has been escalated to you (level 1). It is assigned to Bob Owner.');
    expect(escalation.text).to.include('Hello Maria Manager,');
    // every email has its own working link
    const links = [assigned, reminder, due, overdue, escalation].map(linkIn);
    expect(new Set(links).size).to.equal(5);
    // maria does not hold the task: her escalation links to the task page behind sign-in, not a personal link
    expect(links[4]).to.equal(`${server.url}/tasks/${task.id}`);
    expect((await http('GET', links[4])).status, 'the page asks to sign in').to.equal(303);

    const current = (await http('GET', api(`/tasks/${task.id}`))).json as TaskRecord;
    expect(current.escalationLevel).to.equal(1);
    expect(current.notifications).to.deep.equal([
      { at: new Date(T0).toISOString(), kind: 'assigned', to: ['bob'] },
      { at: new Date(T0 + 4 * DAY).toISOString(), kind: 'reminder', to: ['bob'] },
      { at: new Date(T0 + 5 * DAY).toISOString(), kind: 'due', to: ['bob'] },
      { at: new Date(T0 + 7 * DAY).toISOString(), kind: 'overdue', to: ['bob'] },
      { at: new Date(T0 + 8 * DAY).toISOString(), kind: 'escalation', level: 1, to: ['maria'] },
    ]);
    const audit = await server.imsflow.store.listAudit({ target: `task:${task.id}`, limit: 1000 });
    const of = (action: string) => audit.filter((e: AuditEvent) => e.action === action);
    expect(of('task.notified').map((e) => [e.at, (e.new as { notice: string; to: string[] }).notice, (e.new as { to: string[] }).to])).to.deep.equal([
      [new Date(T0).toISOString(), 'assigned', ['bob']],
      [new Date(T0 + 4 * DAY).toISOString(), 'reminder', ['bob']],
      [new Date(T0 + 5 * DAY).toISOString(), 'due', ['bob']],
      [new Date(T0 + 7 * DAY).toISOString(), 'overdue', ['bob']],
    ]);
    expect(of('task.escalated').map((e) => [e.at, e.new])).to.deep.equal([
      [new Date(T0 + 8 * DAY).toISOString(), { escalationLevel: 1, to: 'manager', notified: ['maria'] }],
    ]);
    const sent = (await http('GET', api(`/outbox?task=${task.id}`))).json.items as MessageRecord[];
    expect(sent.map((m) => [m.kind, m.to, m.status])).to.deep.equal([
      ['assigned', 'bob@example.com', 'sent'],
      ['reminder', 'bob@example.com', 'sent'],
      ['due', 'bob@example.com', 'sent'],
      ['overdue', 'bob@example.com', 'sent'],
      ['escalation', 'maria@example.com', 'sent'],
    ]);

    // bob completes with the very first link; the next overdue reminder (day 9) and the second escalation
    // step (day 11) are cancelled; only the requester (the operator who started it) is told, once
    expect(await runUntil(T0 + 8 * DAY + HOUR)).to.deep.equal([]);
    const page = await http('POST', firstLink, new URLSearchParams({ done: 'on' }).toString(), FORM_BODY);
    expect(page.status).to.equal(200);
    expect(titleOf(page.text)).to.match(/^Thank you/);
    // the hostile title shown as text: its "<" escaped (Preact leaves ">" as it is in text, which is safe)
    expect(page.text).to.include('Fix &lt;script').and.not.include('Fix <script');
    expect((await runUntil(T0 + 30 * DAY, 1)).map((e) => [addresses(e), e.subject])).to.deep.equal([[['operator@imsflow.test'], `Completed: ${name} (${key} · ${HOSTILE_TITLE})`]]);
    const jobs = (await server.imsflow.store.listJobs({ instanceId: started.json.id })).filter((j) => j.payload.taskId === task.id && j.kind !== 'email');
    expect(jobs.filter((j) => j.status === 'scheduled')).to.deep.equal([]);
    expect(jobs.filter((j) => j.status === 'cancelled').map((j) => [j.kind, j.payload.notice ?? `level ${j.payload.level}`, j.runAt])).to.have.deep.members([
      ['notify', 'overdue', new Date(T0 + 9 * DAY).toISOString()],
      ['escalation', 'level 2', new Date(T0 + 11 * DAY).toISOString()],
    ]);
    const requester = (await server.imsflow.store.listAudit({ target: `task:${task.id}`, limit: 1000 })).filter((e) => e.action === 'task.requester-notified');
    expect(requester.map((e) => (e.new as { to: string[] }).to)).to.deep.equal([['operator']]);
    expect((await http('GET', api(`/outbox?task=${task.id}`))).json.items).to.have.length(6);
  });

  it('an escalation that reassigns gives the task to the role and revokes the old links', async () => {
    const { server, api } = env;
    const start = clock.now().getTime();
    const started = await http('POST', api('/processes/handover/instances'), { variables: { owner: 'bob' } });
    const [task] = (await http('GET', api(`/tasks?instance=${started.json.id}`))).json.items as TaskRecord[];
    const bobsFirst = linkIn(await exactlyAt(start, 'bob@example.com', /^New task: Hand over/));
    const bobsSecond = linkIn(await exactlyAt(start + DAY, 'bob@example.com', /^Due now: Hand over/));
    expect((await http('GET', bobsFirst)).status).to.equal(200);

    const toTina = await exactlyAt(start + 2 * DAY, 'tina@example.com', /^Escalation \(level 1\): Hand over/);
    expect(toTina.text).to.include('has been escalated to you (level 1).');
    const current = (await http('GET', api(`/tasks/${task.id}`))).json as TaskRecord;
    expect(current).to.include({ candidateRole: 'team-lead', status: 'open', escalationLevel: 1 });
    expect(current).to.not.have.property('assignee');
    const reassigned = (await server.imsflow.store.listAudit({ target: `task:${task.id}`, limit: 1000 })).filter((e) => e.action === 'task.reassigned');
    expect(reassigned.map((e) => [e.actor, e.old, e.new, e.reason])).to.deep.equal([
      ['system', { assignee: 'bob' }, { candidateRole: 'team-lead' }, 'escalation level 1'],
    ]);

    for (const link of [bobsFirst, bobsSecond]) {
      for (const reply of [await http('GET', link), await http('POST', link, 'note=mine', FORM_BODY)]) {
        expect(reply.status).to.equal(410);
        expect(titleOf(reply.text)).to.match(/^This link is no longer valid/);
      }
    }
    const tokens = await server.imsflow.store.listLinkTokens(task.id);
    expect(tokens.map((t) => [t.userId, t.revokedReason ?? null])).to.deep.equal([
      ['bob', 'reassigned by escalation level 1'],
      ['bob', 'reassigned by escalation level 1'],
      ['tina', null],
    ]);
    expect((await http('GET', api(`/tasks/${task.id}`))).json.status).to.equal('open');

    const page = await http('POST', linkIn(toTina), 'note=taken+over', FORM_BODY);
    expect(page.status).to.equal(200);
    expect((await http('GET', api(`/tasks/${task.id}`))).json).to.include({ status: 'completed', completedBy: 'tina' });
    // the overdue reminder of day 3 was cancelled with the completion; only the requester is told
    expect((await runUntil(start + 10 * DAY, 1)).map((e) => [addresses(e), (e.subject ?? '').split(':')[0]])).to.deep.equal([[['operator@imsflow.test'], 'Completed']]);
  });
});

describe('notice templates', () => {
  const HOSTILE = `<script>alert('x')</script> & "q"`;
  // as the renderer escapes text: < & " (a > or ' cannot open a tag or end an attribute there)
  const ESCAPED = `&lt;script>alert('x')&lt;/script> &amp; &quot;q&quot;`;
  const task: TaskRecord = {
    id: 'task-1',
    instanceId: 'inst-1',
    definitionKey: 'nc',
    businessKey: `NC-${HOSTILE}`,
    elementId: 'assess',
    executionId: 'exec-1',
    name: `Assess ${HOSTILE}`,
    assignee: `bob ${HOSTILE}`,
    candidateRole: `role ${HOSTILE}`,
    status: 'open',
    createdAt: '2026-05-04T07:00:00.000Z',
    dueAt: '2026-05-09T07:00:00.000Z',
    completedBy: `qm ${HOSTILE}`,
    form: [],
    revision: 0,
  };
  const recipient: UserRecord = { id: 'u', email: 'u@example.com', name: `Una ${HOSTILE}`, roles: [], active: true, createdAt: task.createdAt };
  const link = 'https://ims.example.com/t/abc.def?x=1&y="2"';
  const kinds: NoticeKind[] = ['assigned', 'reminder', 'due', 'overdue', 'escalation', 'completed'];
  const ALLOWED_TAGS = new Set(['!doctype', 'html', '/html', 'head', '/head', 'meta', 'title', '/title', 'body', '/body', 'p', '/p', 'table', '/table', 'tr', '/tr', 'th', '/th', 'td', '/td', 'a', '/a']);

  for (const kind of kinds) {
    it(`${kind}: subject, text and HTML, every record value escaped in the HTML`, () => {
      const withLink = kind === 'completed' ? undefined : link;
      const mail = renderNotice(kind, { task, recipient, link: withLink, level: 2 });
      expect(mail.subject).to.be.a('string').and.not.equal('');
      expect(mail.subject).to.include(task.name).and.include(task.businessKey);
      expect(mail.subject).to.not.match(/[\r\n]/);
      expect(mail.text).to.include(`Hello ${recipient.name},`);
      expect(mail.text).to.include(`Task: ${task.name}`);
      expect(mail.text).to.include(`Record: ${task.businessKey}`);
      expect(mail.text).to.include('Due: 9 May 2026, 07:00');
      // the HTML holds only the template's own tags, whatever the records say
      const tags = [...mail.html.matchAll(/<([!/]?[a-zA-Z]+)/g)].map((m) => m[1].toLowerCase());
      expect(tags.filter((t) => !ALLOWED_TAGS.has(t))).to.deep.equal([]);
      expect(mail.html).to.not.include(HOSTILE);
      expect(mail.html).to.include(`Hello Una ${ESCAPED},`);
      expect(mail.html).to.include(`>Assess ${ESCAPED}</td>`);
      expect(mail.html).to.include(`>NC-${ESCAPED}</td>`);
      if (withLink) {
        expect(mail.text).to.include(`Open the task: ${link}`);
        expect(mail.html).to.include('<a href="https://ims.example.com/t/abc.def?x=1&amp;y=&quot;2&quot;"').and.include('>Open the task</a>');
      } else {
        expect(mail.text).to.not.include('Open the task');
        expect(mail.html).to.not.include('<a ');
      }
    });
  }

  it('each kind says something of its own', () => {
    const rendered = kinds.map((kind) => renderNotice(kind, { task, recipient, link, level: 2 }));
    expect(new Set(rendered.map((m) => m.subject)).size).to.equal(kinds.length);
    expect(new Set(rendered.map((m) => m.text)).size).to.equal(kinds.length);
    const byKind = Object.fromEntries(kinds.map((k, i) => [k, rendered[i]]));
    expect(byKind.escalation.subject).to.match(/^Escalation \(level 2\)/);
    expect(byKind.escalation.html).to.include(`It is assigned to bob ${ESCAPED}`);
    expect(byKind.completed.html).to.include(`by qm ${ESCAPED}`);
    const forRole = renderNotice('assigned', { task: { ...task, assignee: undefined }, recipient, link });
    expect(forRole.html).to.include(`A task is waiting for your role (role ${ESCAPED}).`);
    const noDue = renderNotice('assigned', { task: { ...task, dueAt: undefined }, recipient, link });
    expect(noDue.text).to.not.include('Due:');
  });
});

describe('SmtpMailer', () => {
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await new TestSmtpServer().start();
  });
  after(async () => {
    await smtp?.stop();
  });

  it('sends text and HTML with a stable Message-ID, and subjects cannot add headers', async () => {
    const mailer = new SmtpMailer({ url: smtp.url, from: 'imsflow <no-reply@imsflow.local>', domain: 'ims.example.com' });
    try {
      await mailer.send({ messageId: 'msg-1', to: 'x@example.com', subject: 'Fix it\r\nBcc: evil@example.com', text: 'plain', html: '<p>rich</p>' });
      await smtp.waitFor(1);
    } finally {
      await mailer.close();
    }
    const [email] = smtp.received.slice(-1);
    expect(email.messageId).to.equal('<msg-1@ims.example.com>');
    expect(email.text?.trim()).to.equal('plain');
    expect(email.html?.trim()).to.equal('<p>rich</p>');
    expect(email.bcc).to.equal(undefined);
    expect(email.headers.map((h) => h.key)).to.not.include('bcc');
    expect(email.subject).to.not.match(/[\r\n]/);
  });

  it('rejects when the server refuses, with the SMTP reply in the error', async () => {
    const mailer = new SmtpMailer({ url: smtp.url, from: 'imsflow <no-reply@imsflow.local>' });
    smtp.refuseWith = '451 try later';
    try {
      let error: Error | undefined;
      await mailer.send({ messageId: 'msg-2', to: 'x@example.com', subject: 's', text: 't', html: 'h' }).catch((err: Error) => (error = err));
      expect(error?.message).to.match(/451 try later/);
    } finally {
      smtp.refuseWith = undefined;
      await mailer.close();
    }
  });

  it('the rate limiter spaces sends 1/rate apart, in arrival order', async () => {
    const limiter = new RateLimiter(50);
    const started = performance.now();
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => limiter.take().then(() => order.push(i))));
    // five takes at 50/s: the first at once, the last 4 × 20 ms later
    expect(performance.now() - started).to.be.at.least(75);
    expect(order).to.deep.equal([0, 1, 2, 3, 4]);
  });
});
