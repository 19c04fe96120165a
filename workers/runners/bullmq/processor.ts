import { DelayedError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { JobRecord } from '../../../engine/kernel/model.js';
import type { QueueSettings } from '../../../engine/boot/config.js';
import { EMAIL_QUEUE, MAIN_QUEUE, type QueuedJobData, type QueuedJobResult } from './queues.js';
import type { BullmqRunnerOptions } from './runner.js';

/** Stalled jobs (their worker died) are put back this many times; then BullMQ fails them, and so does the row. */
const MAX_STALLED_COUNT = 2;

/** What the BullMQ workers of one runner share. */
export interface ProcessorContext {
  options: BullmqRunnerOptions;
  settings: QueueSettings;
  workerId: string;
  logger: Logger;
  /** Keeps a promise the runner waits for on stop. */
  track(promise: Promise<unknown>): void;
}

/** The BullMQ workers of one process: one on the main queue, one (rate limited) on the email queue. */
export function startWorkers(ctx: ProcessorContext): Worker<QueuedJobData, QueuedJobResult>[] {
  // One settings object for every worker: stalled-job recovery is throttled by the slowest checker.
  // What is kept of finished jobs is in the job options the relay adds them with.
  const common = {
    connection: { url: ctx.options.redisUrl, maxRetriesPerRequest: null },
    prefix: ctx.settings.prefix,
    name: ctx.workerId,
    concurrency: ctx.settings.concurrency,
    lockDuration: ctx.settings.lockMs,
    stalledInterval: ctx.settings.stalledMs,
    maxStalledCount: MAX_STALLED_COUNT,
  };
  const rate = ctx.options.mailRatePerSecond;
  const max = Math.max(1, Math.floor(rate));
  const processor = (job: Job<QueuedJobData, QueuedJobResult>, token?: string) => processJob(ctx, job, token);
  const workers = [
    new Worker<QueuedJobData, QueuedJobResult>(MAIN_QUEUE, processor, common),
    new Worker<QueuedJobData, QueuedJobResult>(EMAIL_QUEUE, processor, { ...common, limiter: { max, duration: Math.round((1000 * max) / rate) } }),
  ];
  for (const worker of workers) {
    worker.on('error', (err) => ctx.logger.warn({ err: err.message, queue: worker.name }, 'BullMQ worker error'));
    worker.on('failed', (job, err) => {
      if (job && job.finishedOn) ctx.track(settleFailed(ctx, job, err));
    });
  }
  return workers;
}

/**
 * Claims the row and runs its handler. A row that is done, cancelled, failed or gone is skipped
 * quietly: that is a duplicate delivery. A row held by another worker (a stalled job redelivered while
 * the dead worker's lease lasts) is put back in BullMQ until the lease ends, without using an attempt;
 * returning quietly would leave the row running with nobody to finish it.
 */
async function processJob(ctx: ProcessorContext, job: Job<QueuedJobData, QueuedJobResult>, token?: string): Promise<QueuedJobResult> {
  const { store, clock } = ctx.options;
  let row: JobRecord | undefined;
  // A row seen scheduled after a failed claim was given back meanwhile (its holder's attempt failed):
  // claim again. Skipping it would end BullMQ's record of the job while the row still waits to run.
  for (let look = 0; !row; look += 1) {
    const now = clock.now();
    row = await store.claimJob(job.data.id, ctx.workerId, now.toISOString(), new Date(now.getTime() + ctx.settings.leaseMs).toISOString());
    if (row) break;
    const current = await store.getJob(job.data.id);
    if (current?.status === 'running' && current.lockedUntil) {
      ctx.logger.info({ job: current.id, lockedBy: current.lockedBy, until: current.lockedUntil }, 'job is held by another worker; retrying when its lease ends');
      await job.moveToDelayed(Math.max(Date.parse(current.lockedUntil), Date.now()) + 50, token);
      throw new DelayedError();
    }
    if (current?.status !== 'scheduled') return { outcome: 'skipped', status: current?.status ?? 'missing' };
    if (look >= 3) throw new Error(`job ${current.id} kept changing hands while it was claimed; BullMQ retries it`);
  }
  try {
    await ctx.options.handlers[row.kind](row, ctx.workerId);
    return { outcome: 'ran' };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    // BullMQ's exponential backoff after attempt n waits backoffMs·2^(n−1); the row shows the same time.
    const retryAt = last ? null : new Date(clock.now().getTime() + ctx.settings.backoffMs * 2 ** job.attemptsMade).toISOString();
    await store.failJob(row.id, ctx.workerId, error.message, retryAt);
    ctx.logger.warn({ job: row.id, attempt: job.attemptsMade + 1, err: error.message, retryAt }, last ? 'job failed for good' : 'job failed; will retry');
    throw error;
  }
}

/**
 * BullMQ failed a job for good before its handler ran (the claim itself kept failing): the row would
 * stay scheduled and queued with nothing left in Redis to run it, so it is failed too, where it shows.
 */
async function settleFailed(ctx: ProcessorContext, job: Job<QueuedJobData, QueuedJobResult>, err: Error): Promise<void> {
  try {
    const { store, clock } = ctx.options;
    const row = await store.getJob(job.data.id);
    if (row?.status !== 'scheduled' || !row.queuedAt) return;
    const now = clock.now();
    const claimed = await store.claimJob(row.id, ctx.workerId, now.toISOString(), new Date(now.getTime() + ctx.settings.leaseMs).toISOString());
    if (!claimed) return;
    await store.failJob(row.id, ctx.workerId, `BullMQ gave up: ${err.message}`, null);
    ctx.logger.error({ job: row.id, err: err.message }, 'job failed for good');
  } catch (error) {
    ctx.logger.warn({ job: job.data.id, err: (error as Error).message }, 'could not record a failed BullMQ job on its row');
  }
}
