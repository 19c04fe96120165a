import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../engine/kernel/clock.js';
import type { JobRecord } from '../../../engine/kernel/model.js';
import type { JobStore } from '../../../engine/ports/job-store.js';
import type { JobHandlers, JobRunner } from '../../../engine/ports/job-runner.js';

export interface EmbeddedSchedulerOptions {
  workerId?: string;
  /** How often the store is polled for due jobs. */
  pollMs?: number;
  /** How long a claim lasts; a job whose worker died is taken over after this. */
  leaseMs?: number;
  batchSize?: number;
  maxAttempts?: number;
  /** First retry delay; doubles with each attempt. */
  backoffMs?: number;
  onError?: (job: JobRecord, error: Error) => void;
}

/** Runs durable jobs from the store inside the API process: the default, needing no other service. */
export class EmbeddedScheduler implements JobRunner {
  readonly workerId: string;
  private readonly options: Required<Omit<EmbeddedSchedulerOptions, 'workerId' | 'onError'>>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = true;

  constructor(
    private readonly store: JobStore,
    private readonly clock: Clock,
    private readonly handlers: JobHandlers,
    private readonly settings: EmbeddedSchedulerOptions = {},
  ) {
    this.workerId = settings.workerId ?? `embedded-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.options = {
      pollMs: settings.pollMs ?? 1000,
      leaseMs: settings.leaseMs ?? 5 * 60_000,
      batchSize: settings.batchSize ?? 50,
      maxAttempts: settings.maxAttempts ?? 10,
      backoffMs: settings.backoffMs ?? 10_000,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      await this.runDue().catch(() => undefined);
      if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass at a time: concurrent callers share the pass in progress, then start another. */
  async runDue(): Promise<number> {
    while (this.running) await this.running;
    this.running = this.drain();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const leaseUntil = new Date(now.getTime() + this.options.leaseMs).toISOString();
      const jobs = await this.store.claimDueJobs(now.toISOString(), this.workerId, leaseUntil, this.options.batchSize);
      if (jobs.length === 0) return total;
      for (const job of jobs) {
        await this.runOne(job);
        total += 1;
      }
    }
  }

  private async runOne(job: JobRecord): Promise<void> {
    try {
      await this.handlers[job.kind](job, this.workerId);
    } catch (err) {
      const error = err as Error;
      this.settings.onError?.(job, error);
      const attempts = job.attempts;
      const retryAt =
        attempts >= this.options.maxAttempts
          ? null
          : new Date(this.clock.now().getTime() + this.options.backoffMs * 2 ** Math.max(0, attempts - 1)).toISOString();
      await this.store.failJob(job.id, this.workerId, error.message, retryAt);
    }
  }
}
