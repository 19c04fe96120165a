import { randomUUID } from 'node:crypto';
import { canSee, holdsTask as holdsTaskOf } from '../access/index.js';
import { auditEvent } from '../../kernel/audit-event.js';
import { ConflictError, NotFoundError, NotPermittedError, ValidationError, type FieldError } from '../../kernel/errors.js';
import type { ExtensionRequest, TaskRecord, UserRecord } from '../../kernel/model.js';
import { extensionNoticeJob, jobsOfTask, planTaskJobs } from '../notifications/index.js';
import type { FeatureContext } from '../context.js';

// Due-date extensions: the task's holder asks for more time, the process owner decides.

/**
 * Asks for a later due date, with a reason: only the task's holder (its assignee, or a holder of its
 * candidate role while it is unassigned) asks, on an open task that has a due date, for a date after the
 * current due date and in the future, one pending request at a time. The approvers are told by email.
 * `dueAt` is a date and time, or a date (YYYY-MM-DD: due at the end of that day, UTC).
 */
export async function requestExtension(ctx: FeatureContext, taskId: string, input: { dueAt: unknown; reason: unknown }, actor: string): Promise<ExtensionRequest> {
  const fields: FieldError[] = [];
  const toDue = extensionDue(input?.dueAt);
  if (!toDue) fields.push({ field: 'dueAt', message: 'must be a date (YYYY-MM-DD) or an ISO 8601 date and time' });
  const reason = reasonProblem(input?.reason, fields);
  if (fields.length || !toDue) throw new ValidationError('invalid extension request', fields);
  return ctx.withRetry(async () => {
    const task = await ctx.getTask(taskId);
    const user = await ctx.store.getUser(actor);
    if (!user?.active || !holdsTaskOf(user, task)) throw new NotPermittedError(`only the holder of “${task.name}” asks for more time`);
    if (task.status !== 'open') throw new ConflictError(`task "${task.name}" is ${task.status}`);
    if (!task.dueAt) throw new ConflictError(`task "${task.name}" has no due date to extend`);
    const pending = task.extensions?.find((r) => r.status === 'pending');
    if (pending) throw new ConflictError(`task "${task.name}" already has an extension request waiting for a decision (to ${pending.toDueAt}, asked by ${pending.requestedBy} at ${pending.requestedAt})`);
    const now = ctx.clock.now();
    if (toDue.getTime() <= Date.parse(task.dueAt)) {
      throw new ValidationError('the new due date must be after the current one', [{ field: 'dueAt', message: `must be after the current due date (${task.dueAt})` }]);
    }
    if (toDue.getTime() <= now.getTime()) throw new ValidationError('the new due date must be in the future', [{ field: 'dueAt', message: 'must be in the future' }]);
    const request: ExtensionRequest = {
      id: randomUUID(),
      requestedBy: actor,
      requestedAt: now.toISOString(),
      fromDueAt: task.dueAt,
      toDueAt: toDue.toISOString(),
      reason,
      status: 'pending',
    };
    const updated: TaskRecord = { ...task, extensions: [...(task.extensions ?? []), request], revision: task.revision + 1 };
    await ctx.store.commit({
      tasks: [{ record: updated, expectedRevision: task.revision }],
      scheduleJobs: [extensionNoticeJob(updated, 'extension-requested', request.id, now)],
      audit: [
        auditEvent(ctx.clock, {
          actor,
          action: 'task.extension-requested',
          target: `task:${task.id}`,
          instanceId: task.instanceId,
          new: { request: request.id, status: 'pending', fromDueAt: request.fromDueAt, toDueAt: request.toDueAt },
          reason,
        }),
      ],
    });
    return request;
  });
}

/**
 * Approves or rejects a pending extension request, with a reason. The approver holds the process's
 * owner role (ims:ownerRole of the task's definition) or is an admin, may see the task's site, and is
 * not the person who asked (separation of duties). Approving moves the due date as `changeDueDate`
 * does (reminders and escalations planned again from the new date, escalation level back to 0) in the
 * same commit as the decision. A request of a task that is no longer open cannot be decided (409).
 */
export async function decideExtension(
  ctx: FeatureContext,
  taskId: string,
  requestId: string,
  input: { decision: unknown; reason: unknown },
  actor: string,
): Promise<{ request: ExtensionRequest; task: TaskRecord }> {
  const fields: FieldError[] = [];
  const decision = input?.decision;
  if (decision !== 'approve' && decision !== 'reject') fields.push({ field: 'decision', message: 'must be approve or reject' });
  const reason = reasonProblem(input?.reason, fields);
  if (fields.length) throw new ValidationError('invalid decision', fields);
  return ctx.withRetry(async () => {
    const task = await ctx.getTask(taskId);
    const request = task.extensions?.find((r) => r.id === requestId);
    if (!request) throw new NotFoundError(`task "${task.name}" has no extension request ${requestId}`);
    const user = await ctx.store.getUser(actor);
    if (!user || !(await mayDecideExtension(ctx, task, user))) {
      throw new NotPermittedError(`an extension of “${task.name}” is decided by a holder of the process owner role or an admin`);
    }
    if (request.requestedBy === actor) throw new NotPermittedError('an extension request is decided by someone other than the person who asked for it (separation of duties)');
    if (request.status !== 'pending') throw new ConflictError(`the extension request was already ${request.status} by ${request.decidedBy} at ${request.decidedAt}`);
    if (task.status !== 'open') throw new ConflictError(`task "${task.name}" is ${task.status}: its extension request can no longer be decided`);
    const now = ctx.clock.now();
    const approve = decision === 'approve';
    if (approve && Date.parse(request.toDueAt) <= now.getTime()) throw new ConflictError(`the date asked for (${request.toDueAt}) has passed: reject this request and ask for a new date`);
    if (approve && task.dueAt && Date.parse(request.toDueAt) <= Date.parse(task.dueAt)) {
      throw new ConflictError(`the due date was moved to ${task.dueAt} since the request was made: it no longer extends it`);
    }
    const decided: ExtensionRequest = { ...request, status: approve ? 'approved' : 'rejected', decidedBy: actor, decidedAt: now.toISOString(), decisionReason: reason };
    const extensions = (task.extensions ?? []).map((r) => (r.id === requestId ? decided : r));
    const updated: TaskRecord = { ...task, extensions, revision: task.revision + 1 };
    const notice = extensionNoticeJob(updated, 'extension-decided', request.id, now);
    if (!approve) {
      await ctx.store.commit({
        tasks: [{ record: updated, expectedRevision: task.revision }],
        scheduleJobs: [notice],
        audit: [
          auditEvent(ctx.clock, {
            actor,
            action: 'task.extension-rejected',
            target: `task:${task.id}`,
            instanceId: task.instanceId,
            old: { status: 'pending' },
            new: { request: request.id, status: 'rejected', dueAt: task.dueAt, askedFor: request.toDueAt, requestedBy: request.requestedBy, requestReason: request.reason },
            reason,
          }),
        ],
      });
      return { request: decided, task: updated };
    }
    updated.dueAt = request.toDueAt;
    updated.escalationLevel = 0;
    const jobs = await ctx.store.listJobs({ instanceId: task.instanceId, status: 'scheduled' });
    const compiled = await ctx.compileFor(task.instanceId);
    const planned = planTaskJobs(updated, compiled.spec.userTasks.get(task.elementId), ctx.policy, now).filter((j) => j.payload.notice !== 'assigned');
    await ctx.store.commit({
      tasks: [{ record: updated, expectedRevision: task.revision }],
      cancelJobs: jobsOfTask(jobs, task.id),
      scheduleJobs: [...planned, notice],
      audit: [
        auditEvent(ctx.clock, {
          actor,
          action: 'task.extension-approved',
          target: `task:${task.id}`,
          instanceId: task.instanceId,
          old: { dueAt: task.dueAt, escalationLevel: task.escalationLevel ?? 0 },
          new: { dueAt: updated.dueAt, escalationLevel: 0, request: request.id, status: 'approved', requestedBy: request.requestedBy, requestReason: request.reason },
          reason,
        }),
      ],
    });
    return { request: decided, task: updated };
  });
}

/**
 * Whether a person may decide the extension requests of a task: active, of the task's site, and a
 * holder of the process's owner role (ims:ownerRole of the instance's definition version) or an admin.
 * Whether they asked for the request themselves is checked apart (separation of duties).
 */
export async function mayDecideExtension(ctx: FeatureContext, task: TaskRecord, user: UserRecord): Promise<boolean> {
  if (!user.active || !canSee(user, task)) return false;
  if (user.roles.includes('admin')) return true;
  const instance = await ctx.store.getInstance(task.instanceId);
  const definition = instance ? await ctx.store.getDefinition(instance.key, instance.version) : await ctx.store.getDefinition(task.definitionKey);
  return Boolean(definition?.ownerRole && user.roles.includes(definition.ownerRole));
}

const MAX_REASON = 2000;

/** The reason, trimmed; a problem is added to `fields` when it is missing or too long. */
function reasonProblem(reason: unknown, fields: FieldError[]): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (!text) fields.push({ field: 'reason', message: 'is required' });
  else if (text.length > MAX_REASON) fields.push({ field: 'reason', message: `must be at most ${MAX_REASON} characters` });
  return text;
}

/** A requested due date: a date (due at the end of that day, UTC) or an ISO 8601 date and time with its offset. */
function extensionDue(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text)) return undefined;
  const at = text.length === 10 ? new Date(`${text}T23:59:59.999Z`) : new Date(text);
  // a date that does not exist (2026-02-30) rolls over in Date: refuse it
  if (Number.isNaN(at.getTime()) || (text.length === 10 && at.toISOString().slice(0, 10) !== text)) return undefined;
  return at;
}
