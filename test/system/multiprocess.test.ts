import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Accounts } from '../../engine/features/accounts/index.js';
import { ProcessEngine } from '../../engine/process-engine.js';
import type { AuditEvent, InstanceRecord, JobRecord, MessageRecord, TaskRecord } from '../../engine/kernel/model.js';
import { SqliteStore } from '../../engine/adapters/sqlite/index.js';
import { MAIN_QUEUE } from '../../workers/runners/bullmq/index.js';
import { fixtureBpmn, TEST_SECRET } from '../helpers.js';
import { Cluster, type ApiHandle, type ChildHandle } from '../support/cluster.js';
import { deleteKeys, requireRedis, TEST_REDIS_URL as REDIS_URL } from '../support/redis.js';
import { TestSmtpServer } from '../support/smtp.js';

/**
 * Scale mode for real: two API processes and two worker processes (`api/main.ts`, `workers/main.ts` as
 * child processes) on one SQLite file (WAL) and one Redis, email to an in-process SMTP server. Clients
 * drive record lifecycles through both APIs at once — every completion is sent to both APIs at the same
 * moment — while BPMN timers (PT1S) fire and reminders (due PT4S, reminder PT3S before) come due on the
 * workers, in real time: the durations are seconds, and the test awaits each effect by watching the store
 * and the SMTP server with a deadline, never by sleeping. Afterwards every count is checked: each record
 * started, completed, its timer fired and its tasks completed exactly once, one notice of each kind per
 * task, one email per outbox message (by Message-ID), no job left running or failed, the audit hash chain
 * intact. The second test SIGKILLs a worker and an API process mid-load, restarts them, and checks the
 * same: nothing lost, nothing doubled (an email whose sender died between the SMTP server's acceptance and
 * the commit may arrive twice with the same Message-ID — SMTP cannot do better — and only then).
 *
 * Redis: TEST_REDIS_URL or the local default; with CI=true an unreachable Redis fails the test.
 * MP_RECORDS sets the records per phase (default 120).
 */

const PREFIX = `imsflow-mp-${process.pid}-${randomUUID().slice(0, 8)}`;
const PROCESS_KEY = 'mpLoad';
/** Records per phase; every one runs start → task → timer → task with reminder → end, all at once. */
const RECORDS = Number(process.env.MP_RECORDS ?? 120);
/** How long one record's lifecycle may take, and how long the system may take to settle afterwards. */
const DEADLINE_MS = 120_000;

const DEFINITION = fixtureBpmn(PROCESS_KEY);

const OWNERS = ['ana', 'ben', 'cho', 'dev'];

interface Totals {
  /** Completion requests answered 200, 409, or lost with their connection (the process died). */
  ok: number;
  conflict: number;
  lost: number;
  /** Starts repeated after a lost connection and answered 409 (the first had committed). */
  startsRecovered: number;
}

describe('several API and worker processes on one SQLite file and one Redis', function () {
  this.timeout(300_000);

  let dir = '';
  let store: SqliteStore;
  let imsflow: ProcessEngine;
  let smtp: TestSmtpServer;
  let cluster: Cluster;
  let env: Record<string, string>;
  const tokens = new Map<string, string>();
  const apis: ApiHandle[] = [];
  const workers: ChildHandle[] = [];
  /** Where clients send requests: the API processes alive now. */
  let live: string[] = [];

  before(async function () {
    await requireRedis(this, 'the multi-process test');
    dir = mkdtempSync(join(tmpdir(), 'imsflow-mp-'));
    smtp = await new TestSmtpServer().start();
    env = {
      IMSFLOW_DATA: dir,
      REDIS_URL,
      IMSFLOW_QUEUE_PREFIX: PREFIX,
      IMSFLOW_SECRET: TEST_SECRET.toString('hex'),
      SMTP_URL: smtp.url,
      IMSFLOW_MAIL_RATE: '2000',
      IMSFLOW_RELAY_MS: '200',
      IMSFLOW_WORKER_CONCURRENCY: '10',
      // A dead worker's jobs come back within seconds: BullMQ's lock and stalled check, then the row's lease.
      IMSFLOW_WORKER_LOCK_MS: '3000',
      IMSFLOW_WORKER_STALLED_MS: '1000',
      IMSFLOW_WORKER_LEASE_MS: '6000',
      IMSFLOW_JOB_ATTEMPTS: '25',
      IMSFLOW_JOB_BACKOFF_MS: '100',
      // Only the notices the definition asks for: no overdue reminders, no escalations.
      IMSFLOW_REMIND_EVERY: '',
      IMSFLOW_ESCALATIONS: '',
      LOG_LEVEL: 'warn',
    };

    // The test seeds the shared file before the processes start, as an administrator would.
    store = new SqliteStore(join(dir, 'imsflow.db'));
    await store.init();
    imsflow = new ProcessEngine({ store });
    await imsflow.deploy(DEFINITION, 'test', 'multi-process test');
    const accounts = new Accounts(store, imsflow.clock);
    await imsflow.saveUser({ id: 'root', email: 'root@example.com', name: 'Admin', roles: ['admin'] }, 'test');
    for (const id of ['starter', ...OWNERS]) {
      await imsflow.saveUser({ id, email: `${id}@example.com`, name: id, roles: ['staff'] }, 'test');
      tokens.set(id, (await accounts.createApiToken(id, 'load', 'test')).token);
    }

    cluster = new Cluster(env);
    apis.push(...(await Promise.all([cluster.startApi('api-1'), cluster.startApi('api-2')])));
    live = apis.map((a) => a.url);
    const queue = { redisUrl: REDIS_URL, prefix: PREFIX, name: MAIN_QUEUE };
    workers.push(await cluster.startWorker('worker-1', queue));
    workers.push(await cluster.startWorker('worker-2', queue));
  });

  afterEach(function () {
    // what the processes said last, next to a failure
    if (this.currentTest?.state === 'failed') console.log(cluster?.output());
  });

  after(async () => {
    await cluster?.stopAll();
    await smtp?.stop();
    await store?.close();
    await deleteKeys(`${PREFIX}:*`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // ---- clients -----------------------------------------------------------------------------------------

  /**
   * Sends a request to a live API; a connection that fails (the process died, or is starting again) is
   * retried on another with the same body, up to the deadline. `lost` counts the failed connections.
   */
  async function send(user: string, method: string, path: string, body: unknown, prefer: number, counts: { lost: number }): Promise<{ status: number; json: any }> {
    const deadline = Date.now() + DEADLINE_MS;
    for (let attempt = 0; ; attempt += 1) {
      const base = live[(prefer + attempt) % live.length];
      try {
        const res = await fetch(`${base}/api${path}`, {
          method,
          headers: { authorization: `Bearer ${tokens.get(user)}`, 'content-type': 'application/json' },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
        return { status: res.status, json: await res.json() };
      } catch (err) {
        counts.lost += 1;
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /**
   * The store as the test process sees it (the same SQLite file), re-read every 150 ms while anyone
   * waits; each waiter checks its condition on the fresh reading. One reader for all records.
   */
  const watch = (() => {
    let snapshot = new Map<string, TaskRecord[]>();
    let waiters: (() => void)[] = [];
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      const tasks = await store.listTasks({ limit: 1_000_000 });
      const next = new Map<string, TaskRecord[]>();
      for (const task of tasks) next.set(task.instanceId, [...(next.get(task.instanceId) ?? []), task]);
      snapshot = next;
      const now = waiters;
      waiters = [];
      for (const resolve of now) resolve();
      timer = waiters.length ? setTimeout(tick, 150) : undefined;
    };
    return {
      async until<T>(what: string, find: (tasks: TaskRecord[]) => T | undefined | Promise<T | undefined>, instanceId: string): Promise<T> {
        const deadline = Date.now() + DEADLINE_MS;
        for (;;) {
          const found = await find(snapshot.get(instanceId) ?? []);
          if (found !== undefined) return found;
          if (Date.now() > deadline) throw new Error(`instance ${instanceId}: ${what} did not happen within ${DEADLINE_MS} ms; tasks: ${JSON.stringify(snapshot.get(instanceId))}`);
          await new Promise<void>((resolve) => {
            waiters.push(resolve);
            timer ??= setTimeout(tick, 150);
          });
        }
      },
    };
  })();

  const notified = (task: TaskRecord, kind: string) => (task.notifications ?? []).some((n) => n.kind === kind);

  /** The task, once its people have been told of it (the notices are recorded) and their emails went out. */
  async function toldAbout(task: TaskRecord | undefined, kinds: string[]): Promise<TaskRecord | undefined> {
    if (!task || !kinds.every((kind) => notified(task, kind))) return undefined;
    const messages = await store.listMessages({ taskId: task.id });
    return kinds.every((kind) => messages.some((m) => m.kind === kind && m.status === 'sent')) ? task : undefined;
  }

  /**
   * Completes a task by sending the same completion to two APIs at the same moment (a double click that
   * reaches two processes): exactly one may win; the other must be told 409.
   */
  async function completeTwice(task: TaskRecord, n: number, totals: Totals, pairs: number[][]): Promise<void> {
    const owner = task.assignee!;
    const replies = await Promise.all([0, 1].map((side) => send(owner, 'POST', `/tasks/${task.id}/complete`, { data: {} }, n + side, totals)));
    for (const reply of replies) {
      if (reply.status === 200) totals.ok += 1;
      else if (reply.status === 409) totals.conflict += 1;
      else throw new Error(`completing ${task.id} answered ${reply.status}: ${JSON.stringify(reply.json)}`);
    }
    pairs.push(replies.map((r) => r.status).sort());
  }

  /** One record, as its people would run it: start, wait for the notice, complete, timer, reminder, complete. */
  async function lifecycle(phase: string, n: number, totals: Totals, pairs: number[][], onFirstCompleted: () => void): Promise<string> {
    const businessKey = `MP-${phase}-${String(n).padStart(4, '0')}`;
    const owner = OWNERS[n % OWNERS.length];
    const counts = { lost: 0 };
    let started = await send('starter', 'POST', `/processes/${PROCESS_KEY}/instances`, { businessKey, variables: { owner, title: businessKey } }, n, counts);
    // a start whose answer was lost is repeated with the same business key: 409 means the first one counts
    if (started.status === 409 && counts.lost > 0) {
      totals.startsRecovered += 1;
      const found = (await store.listInstances({ key: PROCESS_KEY, limit: 100_000 })).find((i) => i.businessKey === businessKey);
      started = { status: 201, json: { id: found?.id } };
    }
    totals.lost += counts.lost;
    if (started.status !== 201 || !started.json.id) throw new Error(`starting ${businessKey} answered ${started.status}: ${JSON.stringify(started.json)}`);
    const id: string = started.json.id;

    const first = await watch.until('the first task and its notice', (tasks) => toldAbout(tasks.find((t) => t.elementId === 'first'), ['assigned']), id);
    await completeTwice(first, n, totals, pairs);
    onFirstCompleted();
    // the timer fires on a worker (PT1S), then the second task is told about, and reminded of, on the workers
    const second = await watch.until(
      'the timer, the second task, its notice and its reminder',
      (tasks) => toldAbout(tasks.find((t) => t.elementId === 'second'), ['assigned', 'reminder']),
      id,
    );
    await completeTwice(second, n + 1, totals, pairs);
    return id;
  }

  async function runPhase(phase: string, during?: (firstCompleted: number) => Promise<void> | void): Promise<{ ids: string[]; totals: Totals; pairs: number[][] }> {
    const totals: Totals = { ok: 0, conflict: 0, lost: 0, startsRecovered: 0 };
    const pairs: number[][] = [];
    let firstCompleted = 0;
    const side: Promise<void>[] = [];
    const ids = await Promise.all(
      Array.from({ length: RECORDS }, (_, n) =>
        lifecycle(phase, n, totals, pairs, () => {
          firstCompleted += 1;
          const work = during?.(firstCompleted);
          if (work) side.push(work);
        }),
      ),
    );
    await Promise.all(side);
    return { ids, totals, pairs };
  }

  // ---- the checks --------------------------------------------------------------------------------------

  /** Waits until every message of these records is sent and has arrived, and no job of theirs is left to run. */
  async function settled(ids: Set<string>): Promise<{ messages: MessageRecord[]; jobs: JobRecord[] }> {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const messages = (await store.listMessages({ limit: 1_000_000 })).filter((m) => m.instanceId && ids.has(m.instanceId));
      const jobs = (await Promise.all([...ids].map((id) => store.listJobs({ instanceId: id })))).flat();
      const received = receivedIds();
      const pending = jobs.filter((j) => j.status === 'running' || (j.status === 'scheduled' && Date.parse(j.runAt) <= Date.now()));
      // a message whose task was completed before it could go out is dropped, not sent: that is no loss
      const unsent = messages.filter((m) => (m.status !== 'sent' || !received.has(m.id)) && m.status !== 'dropped');
      if (!pending.length && !unsent.length) return { messages, jobs };
      if (Date.now() > deadline) {
        throw new Error(`not settled within ${DEADLINE_MS} ms: ${pending.length} jobs still to run (${JSON.stringify(pending.slice(0, 3))}), ${unsent.length} messages not delivered (${JSON.stringify(unsent.slice(0, 3).map((m) => ({ id: m.id, status: m.status, lastError: m.lastError })))})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** How often each outbox message id arrived at the SMTP server (its Message-ID is <id@imsflow.local>). */
  function receivedIds(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const email of smtp.received) {
      const id = /^<([^@>]+)@/.exec(email.messageId ?? '')?.[1];
      if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  async function checkEverything(ids: string[], options: { resendAllowed: boolean }): Promise<{ messages: number; resent: number }> {
    const idSet = new Set(ids);
    expect(idSet.size, 'one record per business key').to.equal(RECORDS);
    const { messages, jobs } = await settled(idSet);

    const instances = (await store.listInstances({ key: PROCESS_KEY, limit: 100_000 })).filter((i) => idSet.has(i.id));
    expect(instances.map((i: InstanceRecord) => i.status)).to.deep.equal(Array(RECORDS).fill('completed'));
    const audit = await store.listAudit({ limit: Number.MAX_SAFE_INTEGER });
    const byInstance = new Map<string, AuditEvent[]>();
    for (const event of audit) if (event.instanceId && idSet.has(event.instanceId)) byInstance.set(event.instanceId, [...(byInstance.get(event.instanceId) ?? []), event]);
    for (const id of ids) {
      const events = byInstance.get(id) ?? [];
      const count = (action: string) => events.filter((e) => e.action === action).length;
      const what = `instance ${id}: ${events.map((e) => e.action).join(', ')}`;
      expect(count('instance.started'), what).to.equal(1);
      expect(count('instance.completed'), what).to.equal(1);
      expect(count('timer.fired'), what).to.equal(1);
      expect(count('task.created'), what).to.equal(2);
      expect(count('task.completed'), what).to.equal(2);
      expect(count('task.cancelled') + count('incident.opened'), what).to.equal(0);

      const tasks = await store.listTasks({ instanceId: id });
      expect(tasks.map((t) => `${t.elementId}:${t.status}`).sort(), what).to.deep.equal(['first:completed', 'second:completed']);
      for (const task of tasks) {
        const kinds = (task.notifications ?? []).map((n) => n.kind);
        const once = (kind: string) => kinds.filter((k) => k === kind).length;
        expect(once('assigned'), `${task.elementId} of ${id}: ${kinds}`).to.equal(1);
        if (task.elementId === 'second') expect(once('reminder'), `${task.elementId} of ${id}: ${kinds}`).to.equal(1);
        expect(once('due'), `${task.elementId} of ${id}: ${kinds}`).to.be.at.most(1);
        // one outbox message per notice (each to the task's one owner), and one to the starter on completion
        const own = messages.filter((m) => m.taskId === task.id);
        expect(own.filter((m) => m.kind === 'completed').map((m) => m.userId), `completion notices of ${task.id}`).to.deep.equal(['starter']);
        for (const kind of new Set(kinds)) expect(own.filter((m) => m.kind === kind).length, `${kind} messages of ${task.id}`).to.equal(once(kind));
      }
      const timers = jobs.filter((j) => j.instanceId === id && j.kind === 'timer');
      expect(timers.map((j) => j.status), `timer jobs of ${id}`).to.deep.equal(['done']);
    }
    expect(jobs.filter((j) => j.status === 'failed' || j.status === 'running'), 'jobs failed or left running').to.deep.equal([]);
    expect(await store.listIncidents({ status: 'open' })).to.deep.equal([]);

    // exactly one email per outbox message; a second copy only of a message whose first sender was killed
    const received = receivedIds();
    const resent = messages.filter((m) => (received.get(m.id) ?? 0) > 1);
    for (const message of messages) {
      if (message.status === 'dropped') expect(received.get(message.id), `dropped message ${message.id}`).to.equal(undefined);
      else expect(received.get(message.id), `emails with Message-ID ${message.id}`).to.be.at.least(1);
    }
    if (!options.resendAllowed) expect(resent.map((m) => m.id), 'messages sent twice').to.deep.equal([]);
    for (const message of resent) {
      const job = jobs.find((j) => j.id === `email-${message.id}`);
      expect(job?.attempts, `message ${message.id} arrived twice: its email job must have been taken over from a dead worker`).to.be.at.least(2);
      expect(received.get(message.id)).to.equal(2);
    }

    const chain = await imsflow.verifyAuditTrail();
    expect(chain, 'audit hash chain').to.include({ ok: true });
    return { messages: messages.length, resent: resent.length };
  }

  // ---- the tests ---------------------------------------------------------------------------------------

  it('runs hundreds of concurrent completions, timers and reminders exactly once across 2 APIs and 2 workers', async () => {
    const t0 = Date.now();
    const { ids, totals, pairs } = await runPhase('a');
    console.log(`      ${RECORDS} records, ${4 * RECORDS} completion requests in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // every completion was sent to both APIs at once: one 200 and one 409 each, never two wins
    expect(pairs).to.have.length(2 * RECORDS);
    expect(pairs.filter((p) => p[0] !== 200 || p[1] !== 409)).to.deep.equal([]);
    expect(totals).to.deep.equal({ ok: 2 * RECORDS, conflict: 2 * RECORDS, lost: 0, startsRecovered: 0 });
    const { messages } = await checkEverything(ids, { resendAllowed: false });
    expect(messages).to.be.at.least(5 * RECORDS);
  });

  it('loses and doubles nothing when a worker and an API are killed mid-load', async () => {
    let killed = false;
    const { ids, totals, pairs } = await runPhase('b', async (firstCompleted) => {
      if (killed || firstCompleted < RECORDS / 3) return;
      killed = true;
      const [api, worker] = [apis[0], workers[0]];
      live = [apis[1].url];
      await Promise.all([cluster.kill(api), cluster.kill(worker)]);
      const queue = { redisUrl: REDIS_URL, prefix: PREFIX, name: MAIN_QUEUE };
      const [apiAgain, workerAgain] = await Promise.all([cluster.startApi('api-1 again', api.port), cluster.startWorker('worker-1 again', queue)]);
      apis[0] = apiAgain;
      workers[0] = workerAgain;
      live = apis.map((a) => a.url);
    });
    expect(killed, 'the processes were killed during the load').to.equal(true);
    // never two wins for one task; a task whose winning answer was lost with its process shows no 200
    expect(pairs.filter((p) => p[0] === 200 && p[1] === 200)).to.deep.equal([]);
    expect(totals.ok + totals.conflict).to.equal(4 * RECORDS);
    expect(totals.ok).to.be.at.least(2 * RECORDS - totals.lost);
    const { messages, resent } = await checkEverything(ids, { resendAllowed: true });
    expect(messages).to.be.at.least(5 * RECORDS);
    console.log(`      after the kill: ${totals.lost} lost connections, ${totals.startsRecovered} starts recovered by business key, ${resent} of ${messages} emails resent with the same Message-ID, ${smtp.peerResets} SMTP transactions reset by the killed worker`);
  });
});
