import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { pino } from 'pino';
import { ProcessEngine } from '../../engine/process-engine.js';
import { TaskLinkSigner } from '../../engine/features/task-links/index.js';
import { Outbox } from '../../engine/features/notifications/index.js';
import type { JobRecord, MessageRecord } from '../../engine/kernel/model.js';
import { DEFAULT_POLICY, Notifier } from '../../engine/features/notifications/index.js';
import { EmbeddedScheduler } from '../../workers/runners/embedded/scheduler.js';
import { SqliteStore } from '../../engine/adapters/sqlite/index.js';
import { assemble, type Assembly } from '../../engine/boot/assemble.js';
import { shippedCatalogue, shippedPacks } from '../../processes/index.js';
import { bullmqJobId, EMAIL_QUEUE, MAIN_QUEUE, startBullmqWorker, type BullmqRunner, type BullmqRunnerOptions } from '../../workers/runners/bullmq/index.js';
import { loadConfig, type Config } from '../../engine/boot/config.js';
import { jobHandlers } from '../../engine/boot/job-handlers.js';
import { fixtureBpmn, TEST_SECRET } from '../helpers.js';
import { startLogging, type LoggingChild } from '../support/cluster.js';
import { deleteKeys, requireRedis, TEST_REDIS_URL as REDIS_URL } from '../support/redis.js';
import { TestSmtpServer } from '../support/smtp.js';

/**
 * The BullMQ runner against a real Redis and a real SQLite file. Redis: TEST_REDIS_URL, or the local
 * default. In CI (CI=true) an unreachable Redis fails these tests; elsewhere they are skipped, saying why.
 * Every test gets its own queue prefix under one per run, and the run's keys are deleted at the end.
 * Tests wait on events (BullMQ QueueEvents, worker log lines, the SMTP server, process exit), never on
 * sleeps or store polling; a job's due time is brought forward with BullMQ's promote() where the wait
 * itself is not the point. The one timed wait is for a timer's due time in the wall-clock timer test.
 */

const RUN_PREFIX = `imsflow-test-${process.pid}-${randomUUID().slice(0, 8)}`;
const silent = pino({ level: 'silent' });

/** Resolves with the event's arguments when `jobId` reaches `event` on the queue. */
function queueEvent(events: QueueEvents, event: 'completed' | 'failed' | 'delayed' | 'removed', jobId: string): Promise<Record<string, any>> {
  return new Promise((resolve) => {
    const listener = (args: { jobId: string }) => {
      if (args.jobId !== jobId) return;
      events.off(event, listener as never);
      resolve(args);
    };
    events.on(event, listener as never);
  });
}

let testNumber = 0;
const cleanups: (() => Promise<void>)[] = [];

interface Env {
  dir: string;
  prefix: string;
  env: Record<string, string>;
  config: Config;
  events: { main: QueueEvents; email: QueueEvents };
}

/** A temp data folder, a fresh queue prefix and QueueEvents on both queues, read from the stream's start. */
async function environment(extra: Record<string, string> = {}): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'imsflow-bullmq-'));
  testNumber += 1;
  const prefix = `${RUN_PREFIX}-t${testNumber}`;
  const env = {
    IMSFLOW_DATA: dir,
    REDIS_URL,
    IMSFLOW_QUEUE_PREFIX: prefix,
    IMSFLOW_SECRET: TEST_SECRET.toString('hex'),
    IMSFLOW_RELAY_MS: '100',
    IMSFLOW_JOB_ATTEMPTS: '3',
    IMSFLOW_JOB_BACKOFF_MS: '50',
    LOG_LEVEL: 'silent',
    // these tests count the rows relayed; the weekly digest job every process arms (test/features/notifications/digest.test.ts) would be one more
    IMSFLOW_DIGEST: 'off',
    ...extra,
  };
  const config = loadConfig(env);
  // lastEventId 0: the prefix is new, so reading its streams from the start cannot miss an early event.
  const queueEvents = (name: string) => new QueueEvents(name, { connection: { url: REDIS_URL }, prefix, lastEventId: '0-0' });
  const events = { main: queueEvents(MAIN_QUEUE), email: queueEvents(EMAIL_QUEUE) };
  await Promise.all([events.main.waitUntilReady(), events.email.waitUntilReady()]);
  cleanups.push(async () => {
    await Promise.all([events.main.close(), events.email.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, prefix, env, config, events };
}

/** An in-process worker (relay and BullMQ workers) on its own store, stopped after the test. */
async function inProcessWorker(e: Env, extra: Partial<BullmqRunnerOptions> = {}): Promise<{ assembly: Assembly; runner: BullmqRunner }> {
  const assembly = await assemble(e.config, { logger: silent, packs: shippedPacks, catalogue: shippedCatalogue() });
  const runner = await startBullmqWorker(e.config, assembly, silent, extra);
  cleanups.push(async () => {
    await runner.stop();
    await assembly.close();
  });
  return { assembly, runner };
}

function job(id: string, kind: JobRecord['kind'], runAt: Date, payload: Record<string, unknown> = {}): JobRecord {
  return { id, kind, runAt: runAt.toISOString(), status: 'scheduled', payload, attempts: 0 };
}

/** A finishing handler that counts its runs: what a real handler does, without the engine around it. */
function countingHandler(store: Assembly['store'], runs: JobRecord[]) {
  return async (row: JobRecord, worker: string) => {
    runs.push(row);
    await store.commit({ finishJob: { id: row.id, lockedBy: worker }, audit: [] });
  };
}

/** An outbox message and its email job, as the notifier writes them. */
async function queueEmail(store: SqliteStore, subject: string): Promise<{ message: MessageRecord; jobId: string }> {
  const message: MessageRecord = {
    id: randomUUID(),
    kind: 'reminder',
    to: 'alice@example.com',
    subject,
    text: `${subject}\n`,
    html: `<p>${subject}</p>`,
    status: 'queued',
    attempts: 0,
    createdAt: new Date().toISOString(),
  };
  const jobId = `email-${message.id}`;
  await store.commit({ messages: [message], scheduleJobs: [job(jobId, 'email', new Date(), { messageId: message.id })], audit: [] });
  return { message, jobId };
}

/** `node --import tsx workers/main.ts` as `npm run worker` runs it, with the test's environment, logging at info. */
function workerProcess(env: Record<string, string>): LoggingChild {
  const worker = startLogging('workers/main.ts', { ...env, LOG_LEVEL: 'info' });
  cleanups.push(() => worker.kill());
  return worker;
}

describe('BullMQ job ids', () => {
  it('maps every engine job id shape to a BullMQ-safe id, one to one', () => {
    const shapes = [
      'timer-5f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f-pause_1a2b3c-1772438400000',
      'notify-5f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f-reminder-1772438400000',
      'notify-5f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f-assigned-1772438400000-r3',
      'escalation-5f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f-2-1772438400000',
      'email-5f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f',
      'start-monthly-audit-1772438400000',
    ];
    for (const id of shapes) expect(bullmqJobId(id)).to.equal(id);
    // Not made by the engine today, but never handed to BullMQ as they are: ':' and all-digit ids.
    const odd = ['timer-x-wait:1-17', '12345', 'a%3Ab', 'a:b'];
    const mapped = odd.map(bullmqJobId);
    for (const id of mapped) expect(id).to.not.include(':').and.not.match(/^\d+$/);
    expect(new Set(mapped).size).to.equal(odd.length);
  });
});

describe('BullMQ runner (real Redis, SQLite file)', function () {
  this.timeout(30_000);

  before(async function () {
    await requireRedis(this, 'the BullMQ tests');
  });

  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  after(async () => {
    await deleteKeys(`${RUN_PREFIX}-*`);
  });

  it('runs a job relayed twice only once, and ignores a duplicate delivery', async () => {
    const e = await environment();
    const { assembly, runner } = await inProcessWorker(e, { relay: false });
    const runs: JobRecord[] = [];
    assembly.handlers.notify = countingHandler(assembly.store, runs);
    runner.start();
    const dueAt = new Date(Date.now() + 3_600_000);
    const id = `notify-relay-twice-${dueAt.getTime()}`;
    await assembly.store.commit({ scheduleJobs: [job(id, 'notify', dueAt)], audit: [] });
    const completed = queueEvent(e.events.main, 'completed', id);

    await runner.enqueue(await assembly.store.listUnqueuedJobs(10)); // added, then the relay "crashed"
    expect((await assembly.store.getJob(id))?.queuedAt).to.equal(undefined);
    expect(await runner.runDue()).to.equal(1); // the next pass adds the same id again, and marks it
    expect((await assembly.store.getJob(id))?.queuedAt).to.be.a('string');
    const counts = await runner.queues.main.getJobCounts('delayed', 'waiting', 'active', 'completed', 'failed');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).to.equal(1);
    expect(counts.delayed).to.equal(1);

    await (await runner.queues.main.getJob(id))!.promote(); // its due time comes
    expect((await completed).returnvalue).to.deep.equal({ outcome: 'ran' });
    expect(runs).to.have.length(1);
    expect((await assembly.store.getJob(id))?.status).to.equal('done');
    expect(await runner.runDue()).to.equal(0);

    // A queue delivering the job again (another BullMQ job for the same row) finds it done and does nothing.
    const duplicate = queueEvent(e.events.main, 'completed', 'duplicate-delivery');
    await runner.queues.main.add('notify', { id, kind: 'notify', runAt: new Date().toISOString() }, { jobId: 'duplicate-delivery' });
    expect((await duplicate).returnvalue).to.deep.equal({ outcome: 'skipped', status: 'done' });
    expect(runs).to.have.length(1);
  });

  it('fires a BPMN timer due in 200 ms through a delayed BullMQ job', async () => {
    const e = await environment();
    const { assembly, runner } = await inProcessWorker(e);
    runner.start();
    const xml = fixtureBpmn('shortPause');
    await assembly.imsflow.deploy(xml, 'test');
    const { id: instanceId } = await assembly.imsflow.start('shortPause', {}, 'test');
    const [timer] = (await assembly.store.listJobs({ instanceId })).filter((j) => j.kind === 'timer');
    expect(Date.parse(timer.runAt) - Date.now()).to.be.at.most(200);

    // The commit that armed the timer triggered a relay pass; the job waits in BullMQ's delayed set.
    const { returnvalue } = await queueEvent(e.events.main, 'completed', bullmqJobId(timer.id));
    expect(returnvalue).to.deep.equal({ outcome: 'ran' });
    const queued = await runner.queues.main.getJob(bullmqJobId(timer.id));
    // Added with the time left as its delay, and not started before the timer's due time.
    expect(queued?.opts.delay).to.be.within(1, 250);
    expect(queued!.processedOn!).to.be.at.least(Date.parse(timer.runAt) - 5);
    expect((await assembly.store.getJob(timer.id))?.status).to.equal('done');
    const tasks = await assembly.imsflow.listTasks({ instanceId, status: 'open' });
    expect(tasks.map((t) => t.elementId)).to.deep.equal(['work']);
  });

  describe('a task completed before its reminder is due', () => {
    const xml = fixtureBpmn('remindSoon');

    async function startAndComplete(assembly: Assembly, events: QueueEvents) {
      await assembly.imsflow.saveUser({ id: 'alice', email: 'alice@example.com', name: 'Alice', roles: ['qa'] }, 'test');
      await assembly.imsflow.deploy(xml, 'test');
      const { id: instanceId } = await assembly.imsflow.start('remindSoon', {}, 'test');
      const reminder = (await assembly.store.listJobs({ instanceId })).find((j) => j.payload.notice === 'reminder')!;
      // Relayed: it waits in BullMQ's delayed set, due in an hour.
      await queueEvent(events, 'delayed', bullmqJobId(reminder.id));
      const [task] = await assembly.imsflow.listTasks({ instanceId, status: 'open' });
      const removed = queueEvent(events, 'removed', bullmqJobId(reminder.id));
      await assembly.imsflow.completeTask(task.id, {}, 'alice');
      return { reminder, task, removed };
    }

    async function expectNoEffect(assembly: Assembly, reminder: JobRecord, taskId: string) {
      expect((await assembly.store.getJob(reminder.id))?.status).to.equal('cancelled');
      const messages = await assembly.store.listMessages({ taskId });
      expect(messages.map((m) => m.kind)).to.not.include('reminder');
      expect((await assembly.store.getTask(taskId))?.notifications?.map((n) => n.kind) ?? []).to.not.include('reminder');
    }

    it('removes the delayed BullMQ job (best effort)', async () => {
      const e = await environment();
      const { assembly, runner } = await inProcessWorker(e);
      runner.start();
      const { reminder, task, removed } = await startAndComplete(assembly, e.events.main);
      // The completion's commit cancelled the row; the runner's commit hook then removed the BullMQ job.
      expect((await removed).prev).to.equal('delayed');
      expect(await runner.queues.main.getJob(bullmqJobId(reminder.id))).to.equal(undefined);
      await expectNoEffect(assembly, reminder, task.id);
    });

    it('a BullMQ job left in place after cancelling finds its row cancelled and does nothing', async () => {
      const e = await environment();
      const { assembly, runner } = await inProcessWorker(e, { removeCancelled: false });
      runner.start();
      const { reminder, task } = await startAndComplete(assembly, e.events.main);
      // Its due time comes (promoted rather than waited for): the job runs against a cancelled row.
      const completed = queueEvent(e.events.main, 'completed', bullmqJobId(reminder.id));
      await (await runner.queues.main.getJob(bullmqJobId(reminder.id)))!.promote();
      const { returnvalue } = await completed;
      expect(returnvalue).to.deep.equal({ outcome: 'skipped', status: 'cancelled' });
      await expectNoEffect(assembly, reminder, task.id);
    });
  });

  it('retries a handler that fails twice with backoff, and BullMQ keeps the errors', async () => {
    const e = await environment({ IMSFLOW_JOB_ATTEMPTS: '5', IMSFLOW_JOB_BACKOFF_MS: '50' });
    const { assembly, runner } = await inProcessWorker(e);
    const seen: (string | undefined)[] = [];
    assembly.handlers.notify = async (row, worker) => {
      seen.push(row.lastError);
      if (seen.length <= 2) throw new Error(`flaky ${seen.length}`);
      await assembly.store.commit({ finishJob: { id: row.id, lockedBy: worker }, audit: [] });
    };
    runner.start();
    const id = `notify-flaky-${Date.now()}`;
    const completed = queueEvent(e.events.main, 'completed', id);
    await assembly.store.commit({ scheduleJobs: [job(id, 'notify', new Date())], audit: [] });
    await completed;

    // Each attempt saw the previous failure on the row (back to scheduled with lastError in between).
    expect(seen).to.deep.equal([undefined, 'flaky 1', 'flaky 2']);
    const row = await assembly.store.getJob(id);
    expect(row).to.include({ status: 'done', attempts: 3, lastError: 'flaky 2' });
    const queued = (await runner.queues.main.getJob(id))!;
    expect(queued.attemptsMade).to.equal(3);
    expect(queued.failedReason).to.equal('flaky 2');
    expect(queued.stacktrace).to.have.length(2);
    // Backoff 50 ms then 100 ms before the third attempt.
    expect(queued.processedOn! - queued.timestamp).to.be.at.least(150);
  });

  it('fails a job that fails every attempt, in the store and in BullMQ', async () => {
    const e = await environment({ IMSFLOW_JOB_ATTEMPTS: '3', IMSFLOW_JOB_BACKOFF_MS: '20' });
    const { assembly, runner } = await inProcessWorker(e);
    let calls = 0;
    assembly.handlers.escalation = async () => {
      calls += 1;
      throw new Error(`mail relay refuses us (${calls})`);
    };
    runner.start();
    const id = `escalation-hopeless-1-${Date.now()}`;
    const failed = queueEvent(e.events.main, 'failed', id);
    await assembly.store.commit({ scheduleJobs: [job(id, 'escalation', new Date())], audit: [] });
    expect((await failed).failedReason).to.equal('mail relay refuses us (3)');

    expect(calls).to.equal(3);
    expect(await assembly.store.getJob(id)).to.include({ status: 'failed', attempts: 3, lastError: 'mail relay refuses us (3)' });
    const queued = (await runner.queues.main.getJob(id))!;
    expect(await queued.getState()).to.equal('failed');
    expect(queued.attemptsMade).to.equal(3);
    expect(queued.failedReason).to.equal('mail relay refuses us (3)');
    // Kept: nothing re-relays it, and a later pass has nothing to do.
    expect(await runner.runDue()).to.equal(0);
  });

  it('hands a job again when its worker died and Redis no longer holds it', async () => {
    const e = await environment();
    const { assembly, runner } = await inProcessWorker(e, { relay: false });
    const runs: JobRecord[] = [];
    assembly.handlers.notify = countingHandler(assembly.store, runs);
    runner.start();
    const id = `notify-orphan-${Date.now()}`;
    const now = new Date();
    await assembly.store.commit({ scheduleJobs: [job(id, 'notify', now)], audit: [] });
    // Queued, claimed by a worker that died; its lease has ended, and Redis lost the job (flushed, say).
    await assembly.store.markJobsQueued([id], now.toISOString());
    await assembly.store.claimJob(id, 'dead-worker', now.toISOString(), new Date(now.getTime() - 1).toISOString());
    const completed = queueEvent(e.events.main, 'completed', id);
    expect(await runner.reconcile()).to.equal(1);
    await completed;
    expect(runs).to.have.length(1);
    expect(await assembly.store.getJob(id)).to.include({ status: 'done', attempts: 2 });
  });

  describe('worker processes (npm run worker)', () => {
    let smtp: TestSmtpServer;
    beforeEach(async () => {
      smtp = await new TestSmtpServer().start();
      cleanups.push(() => smtp.stop());
    });

    it('on SIGTERM stops taking jobs, finishes the job in hand and exits 0', async () => {
      const e = await environment({ SMTP_URL: smtp.url });
      const store = new SqliteStore(e.config.databaseFile);
      await store.init();
      cleanups.push(() => store.close());
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      let release!: () => void;
      smtp.holdNext = () => {
        held();
        return new Promise((resolve) => (release = resolve));
      };

      const worker = workerProcess(e.env);
      await worker.logged('imsflow worker is running');
      const first = await queueEmail(store, 'in hand at shutdown');
      const completed = queueEvent(e.events.email, 'completed', first.jobId);
      await holding; // the worker is sending it: the SMTP server holds the message

      worker.child.kill('SIGTERM');
      await worker.logged('shutting down: finishing the jobs in hand');
      const second = await queueEmail(store, 'made after shutdown began');
      release();
      expect(await worker.exited).to.equal(0);
      expect((await completed).returnvalue).to.deep.equal({ outcome: 'ran' });

      expect(smtp.received.map((m) => m.subject)).to.deep.equal(['in hand at shutdown']);
      expect(await store.getMessage(first.message.id)).to.include({ status: 'sent', attempts: 1 });
      expect((await store.getJob(first.jobId))?.status).to.equal('done');
      // Not taken by the stopping worker: it stays in the store for the next relay and worker.
      expect((await store.getJob(second.jobId))?.status).to.equal('scheduled');
    });

    it('after SIGKILL mid-send, a second worker takes over and the email arrives once', async () => {
      const e = await environment({
        SMTP_URL: smtp.url,
        IMSFLOW_WORKER_LOCK_MS: '1000',
        IMSFLOW_WORKER_STALLED_MS: '500',
        IMSFLOW_WORKER_LEASE_MS: '1500',
      });
      const store = new SqliteStore(e.config.databaseFile);
      await store.init();
      cleanups.push(() => store.close());
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      let discarded!: () => void;
      const dropped = new Promise<void>((resolve) => (discarded = resolve));
      // Held until the sender's connection drops; the server then discards the message.
      smtp.holdNext = async (message) => {
        held();
        await message.dropped;
        discarded();
      };

      const first = workerProcess(e.env);
      await first.logged('imsflow worker is running');
      const { message, jobId } = await queueEmail(store, 'survives a crash');
      await holding;
      const claimed = await store.getJob(jobId);
      expect(claimed).to.include({ status: 'running', attempts: 1 });

      first.child.kill('SIGKILL');
      expect(await first.exited).to.equal(null);
      await dropped;
      expect(smtp.received).to.have.length(0);
      expect(await store.getMessage(message.id)).to.include({ status: 'queued' });

      // The second worker finds the job stalled in BullMQ; its claim waits for the dead worker's lease to end.
      const completed = queueEvent(e.events.email, 'completed', jobId);
      const second = workerProcess(e.env);
      expect((await completed).returnvalue).to.deep.equal({ outcome: 'ran' });

      expect(smtp.received.map((m) => m.subject)).to.deep.equal(['survives a crash']);
      expect(smtp.droppedWhileHeld).to.equal(1);
      expect(await store.getMessage(message.id)).to.include({ status: 'sent', attempts: 1 });
      const done = await store.getJob(jobId);
      expect(done).to.include({ status: 'done', attempts: 2 });
      expect(done?.lockedBy).to.not.equal(claimed?.lockedBy);

      second.child.kill('SIGTERM');
      expect(await second.exited).to.equal(0);
      expect(smtp.received).to.have.length(1);
    });
  });
});

describe('a BPMN timer fired after its due time on the wall clock (embedded scheduler)', () => {
  it('moves the instance on (bpmn-engine completes an overdue timer on resume without arming it)', async () => {
    const store = new SqliteStore(':memory:');
    await store.init();
    const imsflow = new ProcessEngine({ store });
    const notifier = new Notifier({ store, clock: imsflow.clock, policy: DEFAULT_POLICY, links: new TaskLinkSigner(TEST_SECRET), baseUrl: 'http://imsflow.test', mailConfigured: false });
    const scheduler = new EmbeddedScheduler(store, imsflow.clock, jobHandlers({ imsflow, notifier, outbox: new Outbox(store, imsflow.clock, undefined) }));
    await imsflow.deploy(
      fixtureBpmn('latePause'),
      'test',
    );
    const { id } = await imsflow.start('latePause', {}, 'test');
    const [timer] = await store.listJobs({ instanceId: id });
    // Waiting for the due time itself (no event to await): the point is a timer fired after it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(timer.runAt) - Date.now()) + 20));
    await scheduler.runDue();
    expect((await store.listAudit({ instanceId: id })).map((a) => a.action)).to.include('timer.fired');
    expect((await imsflow.listTasks({ instanceId: id, status: 'open' })).map((t) => t.elementId)).to.deep.equal(['work']);
    await store.close();
  });
});
