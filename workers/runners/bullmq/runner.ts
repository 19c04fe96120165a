import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, type JobsOptions, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../../../engine/kernel/clock.js';
import type { JobKind, JobRecord } from '../../../engine/kernel/model.js';
import type { JobHandlers, JobRunner } from '../../../engine/ports/job-runner.js';
import type { Store } from '../../../engine/ports/store.js';
import type { Assembly, JobRunnerFactory } from '../../../engine/boot/assemble.js';
import type { Config, QueueSettings } from '../../../engine/boot/config.js';
import { startWorkers } from './processor.js';
import { checkReachable, EMAIL_QUEUE, MAIN_QUEUE, type JobQueue, type QueuedJobData, type QueuedJobResult } from './queues.js';
import { reconcileOrphans } from './reconcile.js';
import { enqueue, relayPass, removeCancelled, type RelayContext } from './relay.js';

/**
 * The BullMQ runner: jobs still start life as store rows, written in the same commit as the change that
 * makes them. A relay hands new rows to BullMQ (job id = row id, delayed until the row's run time) and
 * marks them queued; BullMQ workers claim the row by id and run the same handlers as the embedded
 * scheduler. Redis only decides when and where a job runs: whether it has run is the row's status, and a
 * handler finishes its row in the commit that holds its effect, so a job delivered twice (a relay crash
 * between add and mark, a stalled job redelivered, a duplicate add) has its effect once.
 *
 * The API process runs the relay only (`startBullmqRelay`); `npm run worker` runs relay and workers
 * (`startBullmqWorker`), so jobs made by jobs are relayed without waiting for the API. The parts: relay.ts
 * (store rows to BullMQ), processor.ts (the BullMQ workers), reconcile.ts (rows whose BullMQ job is gone).
 */

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

export class BullmqRunner implements JobRunner {
  readonly workerId: string;
  readonly queues: { main: JobQueue; email: JobQueue };
  readonly workers: Worker<QueuedJobData, QueuedJobResult>[] = [];
  private readonly settings: QueueSettings;
  private readonly logger: Logger;
  private readonly relayContext: RelayContext;
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
    const queue = (name: string): JobQueue =>
      new Queue<QueuedJobData, QueuedJobResult>(name, { connection: { url: options.redisUrl }, prefix: this.settings.prefix, defaultJobOptions });
    this.queues = { main: queue(MAIN_QUEUE), email: queue(EMAIL_QUEUE) };
    for (const q of Object.values(this.queues)) q.on('error', (err) => this.logger.warn({ err: err.message, queue: q.name }, 'BullMQ queue error'));
    this.relayContext = { store: options.store, clock: options.clock, logger: this.logger, redis, queueOf: (kind) => this.queueOf(kind) };
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

  /** Adds rows to BullMQ without marking them queued: what a relay does before it could crash (relay.ts). */
  async enqueue(rows: JobRecord[]): Promise<void> {
    await enqueue(this.relayContext, rows);
  }

  /** The BullMQ queue a row goes to. */
  queueOf(kind: JobKind): JobQueue {
    return kind === 'email' ? this.queues.email : this.queues.main;
  }

  private relay(): Promise<number> {
    return relayPass(this.relayContext, this.options.relayBatch ?? 1000, () => this.closed);
  }

  /** Rows left running after their lease ended whose BullMQ job will not come back (reconcile.ts). */
  reconcile(): Promise<number> {
    return reconcileOrphans({ store: this.options.store, clock: this.options.clock, logger: this.logger, queueOf: (kind) => this.queueOf(kind) });
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
      if (change.cancelJobs?.length && this.options.removeCancelled !== false) this.track(removeCancelled(this.relayContext, Object.values(this.queues), change.cancelJobs));
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

  private track(promise: Promise<unknown>): void {
    this.housekeeping.add(promise);
    void promise.finally(() => this.housekeeping.delete(promise));
  }

  private startWorkers(): void {
    this.workers.push(...startWorkers({ options: this.options, settings: this.settings, workerId: this.workerId, logger: this.logger, track: (p) => this.track(p) }));
  }
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
export async function startBullmqRelay(config: Config, assembly: Assembly, logger: Logger): Promise<JobRunner> {
  return BullmqRunner.open(runnerOptions(config, assembly, logger, false));
}

/** `npm run worker`: BullMQ workers running the job handlers, and a relay for the jobs they make. */
export async function startBullmqWorker(config: Config, assembly: Assembly, logger: Logger, extra: Partial<BullmqRunnerOptions> = {}): Promise<BullmqRunner> {
  return BullmqRunner.open({ ...runnerOptions(config, assembly, logger, true), ...extra });
}

/** The API process's runner with REDIS_URL, for the assembly: the relay only. */
export function bullmqRelay(config: Config, logger: Logger): JobRunnerFactory {
  return (assembly) => startBullmqRelay(config, assembly, logger);
}

/** `npm run worker`'s runner, for the assembly: BullMQ workers and a relay. */
export function bullmqWorkers(config: Config, logger: Logger): JobRunnerFactory {
  return (assembly) => startBullmqWorker(config, assembly, logger);
}
