import type { Logger } from 'pino';
import type { Clock } from '../../../engine/kernel/clock.js';
import type { JobKind } from '../../../engine/kernel/model.js';
import type { Store } from '../../../engine/ports/store.js';
import { bullmqJobId, type JobQueue } from './queues.js';

/**
 * Rows left running after their lease ended, whose BullMQ job will not come back: BullMQ failed it
 * after it stalled too often (its workers kept dying: that fails in Redis without any worker event),
 * or Redis lost it. The first are failed on the row too; the second are handed to BullMQ again.
 * Rows whose BullMQ job is still waiting, delayed or active are left to it. Returns how many were settled.
 */
export async function reconcileOrphans(ctx: { store: Store; clock: Clock; logger: Logger; queueOf(kind: JobKind): JobQueue }): Promise<number> {
  const { store, clock, logger } = ctx;
  const now = clock.now().getTime();
  const orphans = (await store.listJobs({ status: 'running' })).filter((r) => r.queuedAt && r.lockedBy && r.lockedUntil && Date.parse(r.lockedUntil) <= now);
  let settled = 0;
  for (const row of orphans) {
    const queue = ctx.queueOf(row.kind);
    const job = await queue.getJob(bullmqJobId(row.id));
    const state = job ? await job.getState() : 'unknown';
    if (state === 'failed' || state === 'completed') {
      const reason = state === 'failed' ? `BullMQ gave up: ${job?.failedReason}` : 'the handler returned without finishing its job';
      await store.failJob(row.id, row.lockedBy!, reason, null);
      logger.error({ job: row.id, err: reason }, 'job failed for good');
    } else if (state === 'unknown') {
      await queue.addBulk([{ name: row.kind, data: { id: row.id, kind: row.kind, runAt: row.runAt }, opts: { jobId: bullmqJobId(row.id) } }]);
      logger.warn({ job: row.id }, 'job was running on a worker that is gone and Redis no longer holds it: queued again');
    } else {
      continue;
    }
    settled += 1;
  }
  return settled;
}
