import { auditEvent } from '../../kernel/audit-event.js';
import { ConflictError, NotFoundError } from '../../kernel/errors.js';
import type { IncidentRecord, InstanceRecord, PendingAction } from '../../kernel/model.js';
import type { StepAction } from '../../kernel/runtime.js';
import type { FeatureContext } from '../context.js';

// Incidents: a step that failed, kept with the action that failed so that it can be retried.

export function listIncidents(ctx: FeatureContext, query: { status?: IncidentRecord['status']; instanceId?: string } = {}): Promise<IncidentRecord[]> {
  return ctx.store.listIncidents(query);
}

export async function getIncident(ctx: FeatureContext, id: string): Promise<IncidentRecord> {
  const incident = await ctx.store.getIncident(id);
  if (!incident) throw new NotFoundError(`no incident ${id}`);
  return incident;
}

/** Replays the action that failed, from the state before it. */
export async function retryIncident(ctx: FeatureContext, id: string, actor: string): Promise<{ status: 'resolved' | 'open'; message?: string }> {
  return ctx.withRetry(async () => {
    const incident = await getIncident(ctx, id);
    if (incident.status !== 'open') throw new ConflictError(`incident ${id} is already ${incident.status}`);
    const instance = await ctx.loadInstance(incident.instanceId);
    const compiled = await ctx.compile(instance.key, instance.version);
    const action = await replayAction(ctx, incident.action, instance);
    const result = await ctx.step(compiled, instance, action);
    const now = ctx.now();
    const openTasks = await ctx.store.listTasks({ instanceId: instance.id, status: 'open', limit: 10_000 });
    const jobs = await ctx.store.listJobs({ instanceId: instance.id, status: 'scheduled' });
    if (result.outcome === 'failed') {
      const updated: IncidentRecord = { ...incident, message: result.error!.message, attempts: incident.attempts + 1 };
      await ctx.store.commit({
        instance: { record: { ...instance, revision: instance.revision + 1 }, expectedRevision: instance.revision },
        incidents: [updated],
        audit: [auditEvent(ctx.clock, { actor, action: 'incident.retry-failed', target: `incident:${id}`, instanceId: instance.id, new: { message: updated.message, attempts: updated.attempts } })],
      });
      return { status: 'open', message: updated.message };
    }
    const change = await ctx.applyStep({ compiled, instance: { ...instance, status: 'running' }, expectedRevision: instance.revision, result, action: incident.action, actor, openTasks, scheduledJobs: jobs });
    change.incidents = [...(change.incidents ?? []), { ...incident, status: 'resolved', resolvedAt: now, attempts: incident.attempts + 1 }];
    change.audit.unshift(
      auditEvent(ctx.clock, { actor, action: 'incident.resolved', target: `incident:${id}`, instanceId: instance.id, old: { status: 'open' }, new: { status: 'resolved' }, reason: 'retried successfully' }),
    );
    await ctx.store.commit(change);
    return { status: 'resolved' };
  });
}

async function replayAction(ctx: FeatureContext, action: PendingAction, instance: InstanceRecord): Promise<StepAction> {
  switch (action.type) {
    case 'start':
      return { type: 'start', variables: instance.variables };
    case 'complete': {
      const task = await ctx.getTask(action.taskId);
      return { type: 'signal', elementId: task.elementId, executionId: task.executionId, data: task.data ?? {} };
    }
    case 'timer':
      return { type: 'fireTimer', executionId: action.executionId };
  }
}
