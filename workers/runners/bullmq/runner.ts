import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DelayedError, Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../../../engine/clock.js';
import type { JobKind, JobRecord } from '../../../engine/model.js';
import type { JobHandlers, Scheduler } from '../../../engine/scheduler/scheduler.js';
import type { Store } from '../../../engine/store/store.js';
import type { Assembly } from '../../../engine/boot/assemble.js';
import { withoutPassword, type Config, type QueueSettings } from '../../../engine/boot/config.js';

/**
 * The BullMQ runner: jobs still start life as store rows, written in the same commit as the change that
 * makes them. A relay hands new rows to BullMQ (job id = row id, delayed until the row's run time) and
 * marks them queued; BullMQ workers claim the row by id and run the same handlers as the embedded
 * scheduler. Redis only decides when and where a job runs: whether it has run is the row's status, and a
 * handler finishes its row in the commit that holds its effect, so a job delivered twice (a relay crash
 * between add and mark, a stalled job redelivered, a duplicate add) has its effect once.
 *
 * The API process runs the relay only (`startBullmqRelay`); `npm run worker` runs relay and workers
 * (`startBullmqWorker`), so jobs made by jobs are relayed without waiting for the API.
 */

export const MAIN_QUEUE = 'imsflow';
/** Email gets its own queue, so the mail rate limit never holds back timers and notices. */
export const EMAIL_QUEUE = 'imsflow-email';

/**
 * The BullMQ job id of a store row. Row ids are made by the engine (`timer-<instance>-<execution>-<dueMs>`,
 * `notify-<task>-<notice>-<dueMs>[-r<rev>]`, `escalation-<task>-<level>-<dueMs>`, `email-<message>`,
 * `start-<schedule>-<dueMs>`) and are used as they are. BullMQ refuses ids holding ':' or made of digits
 * only; should one ever occur (an element id is not checked for ':'), it is escaped, keeping the mapping
 * one to one: ids used as they are never contain '%'. The processor reads the row id from the job data.
 */
export function bullmqJobId(rowId: string): string {
  if (/^\d+$/.test(rowId)) return `%${rowId}`;
  if (!/[:%]/.test(rowId)) return rowId;
  return rowId.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/** What a BullMQ job carries: the row id (the row holds everything else), kind and run time for dashboards. */
export interface QueuedJobData {
  id: string;
  kind: JobKind;
  runAt: string;
}

/** What the processor returns, kept on the completed BullMQ job. */
export interface QueuedJobResult {
  /** ran: the handler ran and finished the row · skipped: the row was done, cancelled, failed or gone. */
  outcome: 'ran' | 'skipped';
  /** The row's status when it was skipped. */
  status?: JobRecord['status'] | 'missing';
}

/** Stalled jobs (their worker died) are put back this many times; then BullMQ fails them, and so does the row. */
const MAX_STALLED_COUNT = 2;

export interface BullmqRunnerOptions {
  redisUrl: string;
  settings: QueueSettings;
  /** Most emails per second across all workers (BullMQ rate limiter on the email queue). */
  mailRatePerSecond: number;
  store: Store;
  clock: Clock;
  /** Looked up per job, so a caller can wrap a handler. */
  handlers: JobHandlers;
  logger: Logger;
  /** Run BullMQ workers in this process; without, this process only relays. */
  work: boolean;
  /**
   * Remove the delayed BullMQ job when a commit through this process's store cancels its row (a task
   * completed before its reminder). Best effort, default on: a job left in place runs, finds its row
   * cancelled and does nothing.
   */
  removeCancelled?: boolean;
  /**
   * Relay on an interval and after this process's commits (default). Off: start() starts the workers
   * only and rows are relayed by explicit runDue() calls (tests that stage a relay crash).
   */
  relay?: boolean;
  workerId?: string;
  /** Rows read from the store per relay batch. */
  relayBatch?: number;
}

export class BullmqRunner implements Scheduler {
  readonly workerId: string;
  readonly queues: { main: Queue<QueuedJobData, QueuedJobResult>; email: Queue<QueuedJobData, QueuedJobResult> };
  readonly workers: Worker<QueuedJobData, QueuedJobResult>[] = [];
  private readonly settings: QueueSettings;
  private readonly logger: Logger;
  private stopped = true;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private kickPending = false;
  private readonly housekeeping = new Set<Promise<unknown>>();
  private unwatch: (() => void) | undefined;

  private constructor(
    private readonly options: BullmqRunnerOptions,
    /** A plain connection for the relay's own look-ups (is a finished BullMQ record in the way?). */
    private readonly redis: Redis,
  ) {
    this.settings = options.settings;
    this.logger = options.logger;
    this.workerId = options.workerId ?? `bullmq-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const defaultJobOptions: JobsOptions = {
      attempts: this.settings.attempts,
      backoff: { type: 'exponential', delay: this.settings.backoffMs },
      // Completed records are kept a day (with the errors of earlier attempts); failed ones until someone looks.
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: false,
    };
    const queue = (name: string) =>
      new Queue<QueuedJobData, QueuedJobResult>(name, { connection: { url: options.redisUrl }, prefix: this.settings.prefix, defaultJobOptions });
    this.queues = { main: queue(MAIN_QUEUE), email: queue(EMAIL_QUEUE) };
    for (const q of Object.values(this.queues)) q.on('error', (err) => this.logger.warn({ err: err.message, queue: q.name }, 'BullMQ queue error'));
  }

  /** Connects to Redis (failing fast and clearly when it cannot be reached); call start() to begin. */
  static async open(options: BullmqRunnerOptions): Promise<BullmqRunner> {
    await checkReachable(options.redisUrl);
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 20 });
    redis.on('error', (err) => options.logger.warn({ err: err.message }, 'Redis connection error'));
    const runner = new BullmqRunner(options, redis);
    await Promise.all(Object.values(runner.queues).map((q) => q.waitUntilReady()));
    return runner;
  }

  start(): void {
    if (!this.stopped || this.closed) return;
    this.stopped = false;
    if (this.options.work && this.workers.length === 0) this.startWorkers();
    if (this.options.relay === false) return;
    this.watchCommits();
    let reconciledAt = 0;
    const tick = async () => {
      if (this.stopped) return;
      await this.runDue().catch((err: Error) => this.logger.warn({ err: err.message }, 'relay pass failed; will retry'));
      if (!this.stopped && Date.now() - reconciledAt >= this.settings.stalledMs) {
        reconciledAt = Date.now();
        await this.reconcile().catch((err: Error) => this.logger.warn({ err: err.message }, 'looking for orphaned jobs failed; will retry'));
      }
      if (!this.stopped) this.timer = setTimeout(() => this.track(tick()), this.settings.relayMs);
    };
    this.timer = setTimeout(() => this.track(tick()), 0);
  }

  /**
   * Stops relaying and taking jobs, waits for the jobs in hand (Worker.close lets them finish and commit)
   * and for relay passes and removals under way,
   * then closes the Redis connections. The store stays open: its owner closes it. Jobs the last handlers
   * made stay unqueued in the store until a relay (the API's, another worker's) hands them on.
   */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.stopped = true;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.workers.map((w) => w.close()));
    while (this.running) await this.running.catch(() => undefined);
    while (this.housekeeping.size) await Promise.allSettled([...this.housekeeping]);
    this.unwatch?.();
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /**
   * One relay pass: hands every scheduled, not yet queued row to BullMQ, soonest first, and returns how
   * many. Passes run one at a time; concurrent callers wait for the pass in progress, then run their own.
   * The jobs themselves run on the workers when due (this does not wait for them).
   */
  async runDue(): Promise<number> {
    while (this.running) await this.running.catch(() => undefined);
    if (this.closed) return 0;
    this.running = this.relay();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /**
   * Adds rows to BullMQ without marking them queued: what a relay does before it could crash. Adding an
   * id BullMQ already holds (delayed, waiting, active) is ignored by BullMQ; a finished BullMQ record of
   * a row the engine has scheduled again is removed first, or the new run would be ignored with it.
   */
  async enqueue(rows: JobRecord[]): Promise<void> {
    const now = this.options.clock.now().getTime();
    for (const [queue, batch] of this.byQueue(rows)) {
      await this.clearFinished(queue, batch);
      await queue.addBulk(
        batch.map((row) => ({
          name: row.kind,
          data: { id: row.id, kind: row.kind, runAt: row.runAt },
          opts: { jobId: bullmqJobId(row.id), delay: Math.max(0, Date.parse(row.runAt) - now) },
        })),
      );
    }
  }

  /** The BullMQ queue a row goes to. */
  queueOf(kind: JobKind): Queue<QueuedJobData, QueuedJobResult> {
    return kind === 'email' ? this.queues.email : this.queues.main;
  }

  private async relay(): Promise<number> {
    const batchSize = this.options.relayBatch ?? 1000;
    let total = 0;
    for (;;) {
      const rows = await this.options.store.listUnqueuedJobs(batchSize);
      if (rows.length === 0) return total;
      await this.enqueue(rows);
      // A crash before this line re-adds the same ids on the next pass, which BullMQ ignores.
      await this.options.store.markJobsQueued(
        rows.map((r) => r.id),
        this.options.clock.now().toISOString(),
      );
      total += rows.length;
      if (rows.length < batchSize || this.closed) return total;
    }
  }

  private byQueue(rows: JobRecord[]): Map<Queue<QueuedJobData, QueuedJobResult>, JobRecord[]> {
    const groups = new Map<Queue<QueuedJobData, QueuedJobResult>, JobRecord[]>();
    for (const row of rows) {
      const queue = this.queueOf(row.kind);
      groups.set(queue, [...(groups.get(queue) ?? []), row]);
    }
    return groups;
  }

  /** Removes finished (completed or failed) BullMQ records of rows that are still scheduled in the store. */
  private async clearFinished(queue: Queue<QueuedJobData, QueuedJobResult>, rows: JobRecord[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const row of rows) {
      pipeline.zscore(queue.toKey('completed'), bullmqJobId(row.id));
      pipeline.zscore(queue.toKey('failed'), bullmqJobId(row.id));
    }
    const replies = (await pipeline.exec()) ?? [];
    for (const [index, row] of rows.entries()) {
      const finished = replies[2 * index]?.[1] !== null || replies[2 * index + 1]?.[1] !== null;
      if (!finished) continue;
      // A concurrent relay's job may have just run it: only a row that is still scheduled needs a new run.
      const current = await this.options.store.getJob(row.id);
      if (current?.status === 'scheduled') await queue.remove(bullmqJobId(row.id));
    }
  }

  /**
   * Registers an after-commit hook on this process's store: a commit that schedules jobs triggers a relay
   * pass right away (the interval is the safety net), and one that cancels jobs removes their delayed
   * BullMQ jobs. After commit, so only stored jobs are relayed; every before hook (webhooks) has added its
   * jobs to the change by then. Commits from other processes are relayed by the interval; their cancelled
   * jobs run as no-ops.
   */
  private watchCommits(): void {
    this.unwatch = this.options.store.afterCommit((change) => {
      if (change.scheduleJobs?.length) this.kick();
      if (change.cancelJobs?.length && this.options.removeCancelled !== false) this.track(this.removeCancelled(change.cancelJobs));
    });
  }

  /** Asks for a relay pass soon; many commits in a row share one pass. */
  private kick(): void {
    if (this.stopped || this.kickPending) return;
    this.kickPending = true;
    setImmediate(() => {
      this.kickPending = false;
      if (this.stopped) return;
      this.track(this.runDue().catch((err: Error) => this.logger.warn({ err: err.message }, 'relay pass failed; the interval will retry')));
    });
  }

  private async removeCancelled(ids: string[]): Promise<void> {
    for (const id of ids) {
      try {
        let removed = false;
        for (const queue of Object.values(this.queues)) removed = (await queue.remove(bullmqJobId(id))) === 1 || removed;
        // Scheduled again (same id) while the removal was under way: put it back.
        const row = await this.options.store.getJob(id);
        if (row?.status === 'scheduled' && row.queuedAt) await this.enqueue([row]);
        if (removed) this.logger.debug({ job: id }, 'removed the BullMQ job of a cancelled job');
      } catch (err) {
        // An active (locked) job cannot be removed; it finds its row cancelled and does nothing.
        this.logger.debug({ job: id, err: (err as Error).message }, 'could not remove the BullMQ job of a cancelled job');
      }
    }
  }

  private track(promise: Promise<unknown>): void {
    this.housekeeping.add(promise);
    void promise.finally(() => this.housekeeping.delete(promise));
  }

  // ---- workers ------------------------------------------------------------------------------------------

  private startWorkers(): void {
    // One settings object for every worker: stalled-job recovery is throttled by the slowest checker.
    // What is kept of finished jobs is in the job options the relay adds them with.
    const common = {
      connection: { url: this.options.redisUrl, maxRetriesPerRequest: null },
      prefix: this.settings.prefix,
      name: this.workerId,
      concurrency: this.settings.concurrency,
      lockDuration: this.settings.lockMs,
      stalledInterval: this.settings.stalledMs,
      maxStalledCount: MAX_STALLED_COUNT,
    };
    const rate = this.options.mailRatePerSecond;
    const max = Math.max(1, Math.floor(rate));
    const processor = (job: Job<QueuedJobData, QueuedJobResult>, token?: string) => this.process(job, token);
    this.workers.push(
      new Worker<QueuedJobData, QueuedJobResult>(MAIN_QUEUE, processor, common),
      new Worker<QueuedJobData, QueuedJobResult>(EMAIL_QUEUE, processor, { ...common, limiter: { max, duration: Math.round((1000 * max) / rate) } }),
    );
    for (const worker of this.workers) {
      worker.on('error', (err) => this.logger.warn({ err: err.message, queue: worker.name }, 'BullMQ worker error'));
      worker.on('failed', (job, err) => {
        if (job && job.finishedOn) this.track(this.settleFailed(job, err));
      });
    }
  }

  /**
   * Claims the row and runs its handler. A row that is done, cancelled, failed or gone is skipped
   * quietly: that is a duplicate delivery. A row held by another worker (a stalled job redelivered while
   * the dead worker's lease lasts) is put back in BullMQ until the lease ends, without using an attempt;
   * returning quietly would leave the row running with nobody to finish it.
   */
  private async process(job: Job<QueuedJobData, QueuedJobResult>, token?: string): Promise<QueuedJobResult> {
    const { store, clock } = this.options;
    let row: JobRecord | undefined;
    // A row seen scheduled after a failed claim was given back meanwhile (its holder's attempt failed):
    // claim again. Skipping it would end BullMQ's record of the job while the row still waits to run.
    for (let look = 0; !row; look += 1) {
      const now = clock.now();
      row = await store.claimJob(job.data.id, this.workerId, now.toISOString(), new Date(now.getTime() + this.settings.leaseMs).toISOString());
      if (row) break;
      const current = await store.getJob(job.data.id);
      if (current?.status === 'running' && current.lockedUntil) {
        this.logger.info({ job: current.id, lockedBy: current.lockedBy, until: current.lockedUntil }, 'job is held by another worker; retrying when its lease ends');
        await job.moveToDelayed(Math.max(Date.parse(current.lockedUntil), Date.now()) + 50, token);
        throw new DelayedError();
      }
      if (current?.status !== 'scheduled') return { outcome: 'skipped', status: current?.status ?? 'missing' };
      if (look >= 3) throw new Error(`job ${current.id} kept changing hands while it was claimed; BullMQ retries it`);
    }
    try {
      await this.options.handlers[row.kind](row, this.workerId);
      return { outcome: 'ran' };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      // BullMQ's exponential backoff after attempt n waits backoffMs·2^(n−1); the row shows the same time.
      const retryAt = last ? null : new Date(clock.now().getTime() + this.settings.backoffMs * 2 ** job.attemptsMade).toISOString();
      await store.failJob(row.id, this.workerId, error.message, retryAt);
      this.logger.warn({ job: row.id, attempt: job.attemptsMade + 1, err: error.message, retryAt }, last ? 'job failed for good' : 'job failed; will retry');
      throw error;
    }
  }

  /**
   * BullMQ failed a job for good before its handler ran (the claim itself kept failing): the row would
   * stay scheduled and queued with nothing left in Redis to run it, so it is failed too, where it shows.
   */
  private async settleFailed(job: Job<QueuedJobData, QueuedJobResult>, err: Error): Promise<void> {
    try {
      const { store, clock } = this.options;
      const row = await store.getJob(job.data.id);
      if (row?.status !== 'scheduled' || !row.queuedAt) return;
      const now = clock.now();
      const claimed = await store.claimJob(row.id, this.workerId, now.toISOString(), new Date(now.getTime() + this.settings.leaseMs).toISOString());
      if (!claimed) return;
      await store.failJob(row.id, this.workerId, `BullMQ gave up: ${err.message}`, null);
      this.logger.error({ job: row.id, err: err.message }, 'job failed for good');
    } catch (error) {
      this.logger.warn({ job: job.data.id, err: (error as Error).message }, 'could not record a failed BullMQ job on its row');
    }
  }

  /**
   * Rows left running after their lease ended, whose BullMQ job will not come back: BullMQ failed it
   * after it stalled too often (its workers kept dying: that fails in Redis without any worker event),
   * or Redis lost it. The first are failed on the row too; the second are handed to BullMQ again.
   * Rows whose BullMQ job is still waiting, delayed or active are left to it.
   */
  async reconcile(): Promise<number> {
    const { store, clock } = this.options;
    const now = clock.now().getTime();
    const orphans = (await store.listJobs({ status: 'running' })).filter((r) => r.queuedAt && r.lockedBy && r.lockedUntil && Date.parse(r.lockedUntil) <= now);
    let settled = 0;
    for (const row of orphans) {
      const queue = this.queueOf(row.kind);
      const job = await queue.getJob(bullmqJobId(row.id));
      const state = job ? await job.getState() : 'unknown';
      if (state === 'failed' || state === 'completed') {
        const reason = state === 'failed' ? `BullMQ gave up: ${job?.failedReason}` : 'the handler returned without finishing its job';
        await store.failJob(row.id, row.lockedBy!, reason, null);
        this.logger.error({ job: row.id, err: reason }, 'job failed for good');
      } else if (state === 'unknown') {
        await queue.addBulk([{ name: row.kind, data: { id: row.id, kind: row.kind, runAt: row.runAt }, opts: { jobId: bullmqJobId(row.id) } }]);
        this.logger.warn({ job: row.id }, 'job was running on a worker that is gone and Redis no longer holds it: queued again');
      } else {
        continue;
      }
      settled += 1;
    }
    return settled;
  }
}

/** Why Redis at `url` cannot be reached, or null when it answers PING. Never retries. */
export async function redisProblem(url: string, timeoutMs = 5000): Promise<string | null> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  let cause: Error | undefined;
  probe.on('error', (err: Error) => (cause ??= err));
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (err) {
    return `cannot reach Redis at ${withoutPassword(url)}: ${(cause ?? (err as Error)).message}`;
  } finally {
    probe.disconnect();
  }
}

/** Fails fast, naming the address, when Redis cannot be reached (the clients would otherwise retry forever). */
async function checkReachable(url: string): Promise<void> {
  const problem = await redisProblem(url);
  if (problem) throw new Error(`${problem} (REDIS_URL)`);
}

function runnerOptions(config: Config, assembly: Assembly, logger: Logger, work: boolean): BullmqRunnerOptions {
  if (!config.redisUrl) throw new Error('invalid configuration:\n  REDIS_URL: required to run jobs on BullMQ');
  return {
    redisUrl: config.redisUrl,
    settings: config.queue,
    mailRatePerSecond: config.mailRatePerSecond,
    store: assembly.store,
    clock: assembly.imsflow.clock,
    handlers: assembly.handlers,
    logger,
    work,
  };
}

/** The API process with REDIS_URL: hands jobs to BullMQ; `npm run worker` processes run them. */
export async function startBullmqRelay(config: Config, assembly: Assembly, logger: Logger): Promise<Scheduler> {
  return BullmqRunner.open(runnerOptions(config, assembly, logger, false));
}

/** `npm run worker`: BullMQ workers running the job handlers, and a relay for the jobs they make. */
export async function startBullmqWorker(config: Config, assembly: Assembly, logger: Logger, extra: Partial<BullmqRunnerOptions> = {}): Promise<BullmqRunner> {
  return BullmqRunner.open({ ...runnerOptions(config, assembly, logger, true), ...extra });
}
