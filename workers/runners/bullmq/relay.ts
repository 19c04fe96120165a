import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../../../engine/kernel/clock.js';
import type { JobKind, JobRecord } from '../../../engine/kernel/model.js';
import type { Store } from '../../../engine/ports/store.js';
import { bullmqJobId, type JobQueue } from './queues.js';

/**
 * The relay: hands store rows to BullMQ (job id = row id, delayed until the row's run time) and marks them
 * queued. The row is written first, in the commit that makes it, so a job is never lost between a commit
 * and Redis; a relay that crashes between add and mark adds the same ids again, which BullMQ ignores.
 */
export interface RelayContext {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** A plain connection for the relay's own look-ups (is a finished BullMQ record in the way?). */
  redis: Redis;
  queueOf(kind: JobKind): JobQueue;
}

/** One relay pass: every scheduled, not yet queued row to BullMQ, soonest first; returns how many. */
export async function relayPass(ctx: RelayContext, batchSize: number, closed: () => boolean): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await ctx.store.listUnqueuedJobs(batchSize);
    if (rows.length === 0) return total;
    await enqueue(ctx, rows);
    // A crash before this line re-adds the same ids on the next pass, which BullMQ ignores.
    await ctx.store.markJobsQueued(
      rows.map((r) => r.id),
      ctx.clock.now().toISOString(),
    );
    total += rows.length;
    if (rows.length < batchSize || closed()) return total;
  }
}

/**
 * Adds rows to BullMQ without marking them queued: what a relay does before it could crash. Adding an
 * id BullMQ already holds (delayed, waiting, active) is ignored by BullMQ; a finished BullMQ record of
 * a row the engine has scheduled again is removed first, or the new run would be ignored with it.
 */
export async function enqueue(ctx: RelayContext, rows: JobRecord[]): Promise<void> {
  const now = ctx.clock.now().getTime();
  for (const [queue, batch] of byQueue(ctx, rows)) {
    await clearFinished(ctx, queue, batch);
    await queue.addBulk(
      batch.map((row) => ({
        name: row.kind,
        data: { id: row.id, kind: row.kind, runAt: row.runAt },
        opts: { jobId: bullmqJobId(row.id), delay: Math.max(0, Date.parse(row.runAt) - now) },
      })),
    );
  }
}

/**
 * Removes the delayed BullMQ jobs of rows a commit cancelled (a task completed before its reminder). Best
 * effort: a job left in place runs, finds its row cancelled and does nothing.
 */
export async function removeCancelled(ctx: RelayContext, queues: readonly JobQueue[], ids: string[]): Promise<void> {
  for (const id of ids) {
    try {
      let removed = false;
      for (const queue of queues) removed = (await queue.remove(bullmqJobId(id))) === 1 || removed;
      // Scheduled again (same id) while the removal was under way: put it back.
      const row = await ctx.store.getJob(id);
      if (row?.status === 'scheduled' && row.queuedAt) await enqueue(ctx, [row]);
      if (removed) ctx.logger.debug({ job: id }, 'removed the BullMQ job of a cancelled job');
    } catch (err) {
      // An active (locked) job cannot be removed; it finds its row cancelled and does nothing.
      ctx.logger.debug({ job: id, err: (err as Error).message }, 'could not remove the BullMQ job of a cancelled job');
    }
  }
}

function byQueue(ctx: RelayContext, rows: JobRecord[]): Map<JobQueue, JobRecord[]> {
  const groups = new Map<JobQueue, JobRecord[]>();
  for (const row of rows) {
    const queue = ctx.queueOf(row.kind);
    groups.set(queue, [...(groups.get(queue) ?? []), row]);
  }
  return groups;
}

/** Removes finished (completed or failed) BullMQ records of rows that are still scheduled in the store. */
async function clearFinished(ctx: RelayContext, queue: JobQueue, rows: JobRecord[]): Promise<void> {
  const pipeline = ctx.redis.pipeline();
  for (const row of rows) {
    pipeline.zscore(queue.toKey('completed'), bullmqJobId(row.id));
    pipeline.zscore(queue.toKey('failed'), bullmqJobId(row.id));
  }
  const replies = (await pipeline.exec()) ?? [];
  for (const [index, row] of rows.entries()) {
    const finished = replies[2 * index]?.[1] !== null || replies[2 * index + 1]?.[1] !== null;
    if (!finished) continue;
    // A concurrent relay's job may have just run it: only a row that is still scheduled needs a new run.
    const current = await ctx.store.getJob(row.id);
    if (current?.status === 'scheduled') await queue.remove(bullmqJobId(row.id));
  }
}
