import { auditEvent } from '../../kernel/audit-event.js';
import { SYSTEM } from '../../kernel/step-change.js';
import { ConflictError } from '../../kernel/errors.js';
import type { FeatureContext } from '../context.js';

// BPMN timers, fired by a scheduler with a job it has claimed.

/** Fires a timer job. Commits the job as done together with the instance change, so it fires once. */
export async function fireTimer(ctx: FeatureContext, jobId: string, workerId: string): Promise<'fired' | 'stale'> {
  return ctx.withRetry(async () => {
    const job = await ctx.store.getJob(jobId);
    if (!job || job.status !== 'running' || job.lockedBy !== workerId) throw new ConflictError(`job ${jobId} is not claimed by ${workerId}`);
    const instance = job.instanceId ? await ctx.store.getInstance(job.instanceId) : undefined;
    if (instance?.status === 'incident') throw new Error(`instance ${instance.businessKey} has an open incident; the timer waits`);
    if (!instance || instance.status !== 'running') {
      await ctx.store.commit({ finishJob: { id: jobId, lockedBy: workerId }, audit: [] });
      return 'stale';
    }
    const executionId = String(job.payload.executionId);
    const compiled = await ctx.compile(instance.key, instance.version);
    const result = await ctx.step(compiled, instance, { type: 'fireTimer', executionId });
    if (result.outcome !== 'failed' && !result.timerFired) {
      await ctx.store.commit({ finishJob: { id: jobId, lockedBy: workerId }, audit: [] });
      return 'stale';
    }
    const openTasks = await ctx.store.listTasks({ instanceId: instance.id, status: 'open', limit: 10_000 });
    const jobs = (await ctx.store.listJobs({ instanceId: instance.id, status: 'scheduled' })).filter((j) => j.id !== jobId);
    const change = await ctx.applyStep({ compiled, instance, expectedRevision: instance.revision, result, action: { type: 'timer', jobId, executionId }, actor: SYSTEM, openTasks, scheduledJobs: jobs });
    change.finishJob = { id: jobId, lockedBy: workerId };
    change.audit.unshift(
      auditEvent(ctx.clock, {
        actor: SYSTEM,
        action: 'timer.fired',
        target: `instance:${instance.id}`,
        instanceId: instance.id,
        new: { element: job.payload.elementId, dueAt: job.runAt },
        reason: `timer ${String(job.payload.elementId)} was due at ${job.runAt}`,
      }),
    );
    await ctx.store.commit(change);
    return 'fired';
  });
}
