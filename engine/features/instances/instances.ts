import { auditEvent } from '../../kernel/audit-event.js';
import { requireReason } from '../../kernel/input-checks.js';
import { ConflictError, NotFoundError } from '../../kernel/errors.js';
import type { AuditEvent, IncidentRecord, InstanceRecord, TaskRecord } from '../../kernel/model.js';
import { currentContent, signatureView, type SignatureRecord, type SignatureView } from '../signatures/index.js';
import type { ChangeSet } from '../../ports/commit-store.js';
import type { FeatureContext } from '../context.js';
import { pendingJobs, type PendingJob } from './waiting.js';

// A record as a person reads it (its tasks, incidents, history and checked signatures), and cancelling it.

export interface InstanceView extends Omit<InstanceRecord, 'engineState'> {
  tasks: TaskRecord[];
  incidents: IncidentRecord[];
  history: AuditEvent[];
  /** Electronic signatures on the instance's tasks, each checked against the data as stored now. */
  signatures: SignatureView[];
  /** The timers, reminders, escalations and emails it waits on, soonest first. */
  waitingOn: PendingJob[];
}

export async function getInstance(ctx: FeatureContext, id: string): Promise<InstanceView> {
  const record = await ctx.store.getInstance(id);
  if (!record) throw new NotFoundError(`no instance ${id}`);
  const [tasks, incidents, history, signatures, jobs] = await Promise.all([
    ctx.store.listTasks({ instanceId: id, limit: 1000 }),
    ctx.store.listIncidents({ instanceId: id }),
    ctx.store.listAudit({ instanceId: id, limit: 10_000 }),
    ctx.store.listSignatures({ instanceId: id }),
    ctx.store.listJobs({ instanceId: id, status: 'scheduled' }),
  ]);
  const { engineState: _state, ...rest } = record;
  // in the order they were made: signatures of one instant (a fake clock, a batch) by their audit event
  const signedSeq = new Map(history.filter((e) => e.action === 'task.signed').map((e) => [String((e.new as { signature?: unknown } | undefined)?.signature), e.seq]));
  const order = (id: string) => signedSeq.get(id) ?? Number.MAX_SAFE_INTEGER;
  const views = await checkSignatures(ctx, record, tasks, history, [...signatures].sort((a, b) => a.signedAt.localeCompare(b.signedAt) || order(a.id) - order(b.id)));
  return { ...rest, tasks, incidents, history, signatures: views, waitingOn: pendingJobs(jobs, tasks) };
}

/**
 * Checks each signature against its task's content as stored now (21 CFR 11.70) and against the
 * `task.signed` event in the audit trail. A signature pointing at a task of another instance (copied
 * there) is checked against that task, and does not match.
 */
async function checkSignatures(ctx: FeatureContext, instance: InstanceRecord, tasks: TaskRecord[], history: AuditEvent[], signatures: SignatureRecord[]): Promise<SignatureView[]> {
  return Promise.all(
    signatures.map(async (signature) => {
      let task = tasks.find((t) => t.id === signature.taskId);
      let context: { instance: InstanceRecord; tasks: TaskRecord[]; history: AuditEvent[] } | undefined = { instance, tasks, history };
      if (!task) {
        task = await ctx.store.getTask(signature.taskId);
        const other = task && (await ctx.store.getInstance(task.instanceId));
        context = other
          ? { instance: other, tasks: await ctx.store.listTasks({ instanceId: other.id, limit: 1000 }), history: await ctx.store.listAudit({ instanceId: other.id, limit: 10_000 }) }
          : undefined;
      }
      const current = task && context ? currentContent(signature, context.instance, task, context.tasks, context.history) : undefined;
      return signatureView(signature, current, history);
    }),
  );
}

export async function cancelInstance(ctx: FeatureContext, id: string, reason: string, actor: string): Promise<void> {
  requireReason(reason);
  await ctx.withRetry(async () => {
    const instance = await ctx.store.getInstance(id);
    if (!instance) throw new NotFoundError(`no instance ${id}`);
    if (instance.status !== 'running' && instance.status !== 'incident') {
      throw new ConflictError(`instance ${instance.businessKey} is ${instance.status} and cannot be cancelled`);
    }
    const now = ctx.now();
    const [openTasks, jobs, incidents] = await Promise.all([
      ctx.store.listTasks({ instanceId: id, status: 'open', limit: 10_000 }),
      ctx.store.listJobs({ instanceId: id, status: 'scheduled' }),
      ctx.store.listIncidents({ instanceId: id, status: 'open' }),
    ]);
    const change: ChangeSet = {
      instance: {
        record: { ...instance, status: 'cancelled', engineState: null, endedAt: now, revision: instance.revision + 1 },
        expectedRevision: instance.revision,
      },
      tasks: openTasks.map((t) => ({ record: { ...t, status: 'cancelled' as const, cancelledAt: now, revision: t.revision + 1 }, expectedRevision: t.revision })),
      cancelJobs: jobs.map((j) => j.id),
      incidents: incidents.map((i) => ({ ...i, status: 'resolved' as const, resolvedAt: now })),
      revokeLinkTokens: openTasks.map((t) => ({ taskId: t.id, reason: 'instance cancelled', at: now })),
      audit: [
        auditEvent(ctx.clock, { actor, action: 'instance.cancelled', target: `instance:${id}`, instanceId: id, old: { status: instance.status }, new: { status: 'cancelled' }, reason }),
        ...openTasks.map((t) =>
          auditEvent(ctx.clock, { actor, action: 'task.cancelled', target: `task:${t.id}`, instanceId: id, old: { status: 'open' }, new: { status: 'cancelled' }, reason: `instance cancelled: ${reason}` }),
        ),
      ],
    };
    await ctx.store.commit(change);
  });
}
