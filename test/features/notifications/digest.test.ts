import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { DEFAULT_DIGEST, WeeklyDigest } from '../../../engine/features/notifications/index.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import { EmbeddedScheduler } from '../../../workers/runners/embedded/scheduler.js';
import type { Store } from '../../../engine/ports/store.js';
import { assemble, type Assembly } from '../../../engine/boot/assemble.js';
import { shippedCatalogue, shippedPacks } from '../../../processes/index.js';
import { MAIN_QUEUE, startBullmqWorker, type BullmqRunner } from '../../../workers/runners/bullmq/index.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { TEST_SECRET } from '../../helpers.js';
import { deleteKeys, requireRedis, TEST_REDIS_URL as REDIS_URL } from '../../support/redis.js';
import { TestSmtpServer } from '../../support/smtp.js';

/**
 * The steering committee's weekly digest through the real outbox and a real SMTP server (smtp-server),
 * on a fake clock: armed once per ISO week however many processes arm it, sent once however many
 * schedulers or BullMQ workers run it, each person's digest limited to their sites.
 */

const WEDNESDAY = '2026-11-25T12:00:00.000Z';
const MONDAY = '2026-11-30T07:00:00.000Z'; // ISO week 2026-W49
const NEXT_MONDAY = '2026-12-07T07:00:00.000Z';
const DAY = 86_400_000;
const silent = pino({ level: 'silent' });

function overdueTask(id: string, site: string | undefined, dueDaysAgo: number): TaskRecord {
  const due = Date.parse(WEDNESDAY) - dueDaysAgo * DAY;
  return {
    id,
    instanceId: `i-${id}`,
    definitionKey: 'capa',
    businessKey: `CAPA-${id}`,
    ...(site && { site }),
    elementId: 'work',
    executionId: `work_${id}`,
    name: `Work on ${id}`,
    candidateRole: 'quality-manager',
    status: 'open',
    createdAt: new Date(due - 10 * DAY).toISOString(),
    dueAt: new Date(due).toISOString(),
    form: [],
    revision: 1,
  };
}

async function seedPeopleAndTasks(store: Store, save: (u: { id: string; roles: string[]; sites: string[]; active?: boolean }) => Promise<unknown>): Promise<void> {
  await save({ id: 'steer-a', roles: ['steering-committee'], sites: ['A'] });
  await save({ id: 'steer-b', roles: ['steering-committee'], sites: ['B'] });
  await save({ id: 'steer-gone', roles: ['steering-committee'], sites: ['A'], active: false });
  await save({ id: 'staff-a', roles: ['staff'], sites: ['A'] });
  await store.commit({
    tasks: [overdueTask('a1', 'A', 40), overdueTask('a2', 'A', 3), overdueTask('b1', 'B', 12), overdueTask('none', undefined, 100)].map((record) => ({ record, expectedRevision: null })),
    audit: [],
  });
}

describe('weekly steering committee digest (embedded scheduler, real SMTP, fake clock)', function () {
  let smtp: TestSmtpServer;
  let server: RunningServer;
  let clock: FakeClock;
  let dir: string;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    dir = mkdtempSync(join(tmpdir(), 'imsflow-digest-'));
    clock = new FakeClock(WEDNESDAY);
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', SMTP_URL: smtp.url, IMSFLOW_MAIL_RATE: '1000' }), { clock, logger: silent });
    await seedPeopleAndTasks(server.imsflow.store, (u) => server.imsflow.saveUser({ ...u, email: `${u.id}@example.com`, name: `Person ${u.id}` }, 'test-setup'));
  });

  after(async () => {
    await server?.close();
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is armed at start for next Monday 07:00 UTC, once per ISO week', async () => {
    const store = server.imsflow.store;
    expect(await store.getJob('digest-2026-W49')).to.include({ kind: 'digest', status: 'scheduled', runAt: MONDAY });
    // another process starting on the same store arms the same week's job: still one
    await new WeeklyDigest({ store, clock, ...DEFAULT_DIGEST, baseUrl: () => 'http://other', mailConfigured: true }).arm();
    expect((await store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === 'digest').map((j) => j.id)).to.deep.equal(['digest-2026-W49']);
    expect(await server.scheduler.runDue()).to.equal(0);
    expect(smtp.received).to.have.length(0);
  });

  it('sends each steering committee member their sites\' overdue summary once, even with schedulers racing', async () => {
    clock.set(MONDAY);
    const second = new EmbeddedScheduler(server.imsflow.store, clock, server.assembly.handlers, { workerId: 'second-process' });
    await Promise.all([server.scheduler.runDue(), second.runDue()]);
    await smtp.waitFor(2);
    expect(smtp.received).to.have.length(2);
    const to = (email: (typeof smtp.received)[number]) => email.to?.[0]?.address;
    const byPerson = Object.fromEntries(smtp.received.map((email) => [to(email), email]));
    expect(Object.keys(byPerson).sort()).to.deep.equal(['steer-a@example.com', 'steer-b@example.com']);

    // site A and records without a site: a1 (45 days overdue by Monday), a2 (8), none (105)
    const a = byPerson['steer-a@example.com'];
    expect(a.subject).to.equal('Weekly digest, week 49 of 2026: 3 overdue, 0 escalated');
    expect(a.text).to.contain('The overdue summary for A in week 49 of 2026 (as of 30 Nov 2026, 07:00):');
    expect(a.text).to.contain('Overdue: 3\n');
    expect(a.text).to.contain('Overdue 8–30 days: 1\nOverdue 31–90 days: 1\nOverdue more than 90 days: 1');
    expect(a.text).to.contain('CAPA-none: Work on none (no site), due 17 Aug 2026, 12:00, 105 days overdue');
    expect(a.text).to.contain('CAPA-a1').and.contain('CAPA-a2').and.not.contain('CAPA-b1');
    expect(a.text).to.contain(`Open the dashboard: ${server.url}/dashboard`);
    expect(a.html).to.contain(`href="${server.url}/dashboard"`);
    const b = byPerson['steer-b@example.com'];
    expect(b.subject).to.equal('Weekly digest, week 49 of 2026: 2 overdue, 0 escalated');
    expect(b.text).to.contain('CAPA-b1').and.contain('CAPA-none').and.not.contain('CAPA-a1');

    const store = server.imsflow.store;
    expect(await store.getJob('digest-2026-W49')).to.include({ status: 'done' });
    expect(await store.getJob('digest-2026-W50')).to.include({ status: 'scheduled', runAt: NEXT_MONDAY });
    const sent = (await store.listAudit({ target: 'digest:2026-W49' })).map((e) => [e.action, (e.new as { to: string[] }).to]);
    expect(sent).to.deep.equal([['digest.sent', ['steer-a', 'steer-b']]]);
    const messages = (await store.listMessages({})).filter((m) => m.kind === 'digest');
    expect(messages.map((m) => [m.to, m.status])).to.have.deep.members([
      ['steer-a@example.com', 'sent'],
      ['steer-b@example.com', 'sent'],
    ]);
  });

  it('goes out once a week, even across a restart', async () => {
    const store = server.imsflow.store;
    const digest = new WeeklyDigest({ store, clock, ...DEFAULT_DIGEST, baseUrl: () => server.url, mailConfigured: true });
    await digest.arm();
    await store.commit({ ensureJobs: [{ ...digest.jobAfter(new Date(Date.parse(MONDAY) - 1000)) }], audit: [] });
    expect(await store.getJob('digest-2026-W49')).to.include({ status: 'done' });
    expect(await server.scheduler.runDue()).to.equal(0);
    expect(smtp.received).to.have.length(2);
    clock.set(NEXT_MONDAY);
    await server.scheduler.runDue();
    await smtp.waitFor(4);
    expect(smtp.received.slice(2).map((m) => m.subject).sort()).to.deep.equal(['Weekly digest, week 50 of 2026: 2 overdue, 0 escalated', 'Weekly digest, week 50 of 2026: 3 overdue, 0 escalated']);
    expect(await store.getJob('digest-2026-W51')).to.include({ status: 'scheduled' });
  });
});

describe('weekly steering committee digest (two BullMQ workers, real Redis, real SMTP)', function () {
  this.timeout(30_000);
  const prefix = `imsflow-test-digest-${process.pid}-${randomUUID().slice(0, 8)}`;
  let smtp: TestSmtpServer;
  let dir: string;
  const stops: (() => Promise<void>)[] = [];

  before(async function () {
    await requireRedis(this, 'the BullMQ digest test');
  });

  after(async () => {
    while (stops.length) await stops.pop()!();
    await smtp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await deleteKeys(`${prefix}*`);
  });

  it('runs the week\'s digest once with two workers on the same store', async () => {
    smtp = await new TestSmtpServer().start();
    dir = mkdtempSync(join(tmpdir(), 'imsflow-digest-bullmq-'));
    const config = loadConfig({ IMSFLOW_DATA: dir, REDIS_URL, IMSFLOW_QUEUE_PREFIX: prefix, IMSFLOW_SECRET: TEST_SECRET.toString('hex'), SMTP_URL: smtp.url, IMSFLOW_MAIL_RATE: '1000', LOG_LEVEL: 'silent' });
    const clock = new FakeClock(WEDNESDAY);
    const events = new QueueEvents(MAIN_QUEUE, { connection: { url: REDIS_URL }, prefix, lastEventId: '0-0' });
    await events.waitUntilReady();
    stops.push(() => events.close());
    const workers: { assembly: Assembly; runner: BullmqRunner }[] = [];
    for (let i = 0; i < 2; i += 1) {
      // each worker process arms the digest at start (assemble), on the same SQLite file
      const assembly = await assemble(config, { clock, logger: silent, baseUrl: 'http://ims.example', packs: shippedPacks, catalogue: shippedCatalogue() });
      const runner = await startBullmqWorker(config, assembly, silent, { relay: false });
      runner.start();
      stops.push(async () => {
        await runner.stop();
        await assembly.close();
      });
      workers.push({ assembly, runner });
    }
    const store = workers[0].assembly.store;
    await seedPeopleAndTasks(store, (u) => workers[0].assembly.imsflow.saveUser({ ...u, email: `${u.id}@example.com`, name: `Person ${u.id}` }, 'test-setup'));
    expect((await store.listJobs({})).filter((j) => j.kind === 'digest').map((j) => j.id)).to.deep.equal(['digest-2026-W49']);

    clock.set(MONDAY);
    const completed = new Promise<Record<string, unknown>>((resolve) => {
      const listener = (args: { jobId: string; returnvalue: unknown }) => {
        if (args.jobId === 'digest-2026-W49') resolve(args as never);
      };
      events.on('completed', listener as never);
    });
    // both relays hand the due row to BullMQ (the second add of the same id is ignored); one worker runs it
    await Promise.all(workers.map((w) => w.runner.runDue()));
    expect((await completed).returnvalue).to.deep.equal({ outcome: 'ran' });
    await Promise.all(workers.map((w) => w.runner.runDue())); // relay the email jobs the digest made
    await smtp.waitFor(2);
    expect(smtp.received.map((m) => m.to?.[0]?.address).sort()).to.deep.equal(['steer-a@example.com', 'steer-b@example.com']);
    expect(smtp.received.map((m) => m.subject).sort()).to.deep.equal(['Weekly digest, week 49 of 2026: 2 overdue, 0 escalated', 'Weekly digest, week 49 of 2026: 3 overdue, 0 escalated']);
    expect(await store.getJob('digest-2026-W49')).to.include({ status: 'done' });
    expect((await store.listAudit({ target: 'digest:2026-W49' })).map((e) => e.action)).to.deep.equal(['digest.sent']);
    expect((await store.listMessages({})).filter((m) => m.kind === 'digest')).to.have.length(2);
  });
});
