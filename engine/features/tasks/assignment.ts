import { auditEvent } from '../../kernel/audit-event.js';
import { requireReason } from '../../kernel/input-checks.js';
import { ConflictError, NotPermittedError, ValidationError } from '../../kernel/errors.js';
import type { TaskRecord } from '../../kernel/model.js';
import { assignmentNoticeJob, jobsOfTask, planTaskJobs } from '../notifications/index.js';
import type { FeatureContext } from '../context.js';

// Who holds an open task and until when: due date, reassignment, claim and release.

/** Moves a task's due date; its reminders and escalations are planned again from the new date. */
export async function changeDueDate(ctx: FeatureContext, taskId: string, dueAt: string, reason: string, actor: string): Promise<TaskRecord> {
  requireReason(reason);
  const due = new Date(dueAt);
  if (Number.isNaN(due.getTime())) throw new ValidationError('invalid due date', [{ field: 'dueAt', message: 'must be an ISO 8601 date and time' }]);
  return ctx.withRetry(async () => {
    const task = await ctx.openTask(taskId);
    const updated: TaskRecord = { ...task, dueAt: due.toISOString(), escalationLevel: 0, revision: task.revision + 1 };
    const jobs = await ctx.store.listJobs({ instanceId: task.instanceId, status: 'scheduled' });
    const compiled = await ctx.compileFor(task.instanceId);
    const planned = planTaskJobs(updated, compiled.spec.userTasks.get(task.elementId), ctx.policy, ctx.clock.now()).filter((j) => j.payload.notice !== 'assigned');
    await ctx.store.commit({
      tasks: [{ record: updated, expectedRevision: task.revision }],
      cancelJobs: jobsOfTask(jobs, task.id),
      scheduleJobs: planned,
      audit: [auditEvent(ctx.clock, { actor, action: 'task.due-changed', target: `task:${task.id}`, instanceId: task.instanceId, old: { dueAt: task.dueAt }, new: { dueAt: updated.dueAt }, reason })],
    });
    return updated;
  });
}

/** Gives a task to a person or a role; links sent to the previous holders stop working. */
export async function reassignTask(ctx: FeatureContext, taskId: string, to: { assignee?: string; candidateRole?: string }, reason: string, actor: string): Promise<TaskRecord> {
  requireReason(reason);
  if (!to.assignee && !to.candidateRole) {
    throw new ValidationError('say who takes the task', [{ field: 'assignee', message: 'an assignee or a candidate role is required' }]);
  }
  if (to.assignee && !(await ctx.store.getUser(to.assignee))) throw new ValidationError('unknown user', [{ field: 'assignee', message: `no user "${to.assignee}"` }]);
  return ctx.withRetry(async () => {
    const task = await ctx.openTask(taskId);
    const now = ctx.clock.now();
    const updated: TaskRecord = { ...task, revision: task.revision + 1 };
    delete updated.assignee;
    delete updated.candidateRole;
    if (to.assignee) updated.assignee = to.assignee;
    if (to.candidateRole) updated.candidateRole = to.candidateRole;
    const assignedNotice = assignmentNoticeJob(updated, now);
    await ctx.store.commit({
      tasks: [{ record: updated, expectedRevision: task.revision }],
      revokeLinkTokens: [{ taskId, reason: `reassigned: ${reason}`, at: now.toISOString() }],
      scheduleJobs: [{ ...assignedNotice, id: `${assignedNotice.id}-r${updated.revision}` }],
      audit: [
        auditEvent(ctx.clock, {
          actor,
          action: 'task.reassigned',
          target: `task:${task.id}`,
          instanceId: task.instanceId,
          old: { assignee: task.assignee, candidateRole: task.candidateRole },
          new: { assignee: updated.assignee, candidateRole: updated.candidateRole },
          reason,
        }),
      ],
    });
    return updated;
  });
}

/**
 * Takes an unassigned task of one of the actor's roles: it becomes theirs, and stays the role's, so it
 * can be released back. The other role holders' email links stop working; the actor's own keep working.
 */
export async function claimTask(ctx: FeatureContext, taskId: string, actor: string): Promise<TaskRecord> {
  const user = await ctx.store.getUser(actor);
  if (!user?.active) throw new ValidationError('unknown user', [{ field: 'assignee', message: `no active user "${actor}"` }]);
  return ctx.withRetry(async () => {
    const task = await ctx.openTask(taskId);
    if (task.assignee === actor) return task;
    if (task.assignee) throw new ConflictError(`task "${task.name}" is already assigned to ${task.assignee}`);
    if (!task.candidateRole || !user.roles.includes(task.candidateRole)) {
      // not a state that may change: the person lacks the role (403, as the API documents it)
      throw new NotPermittedError(`task "${task.name}" is not for a role of ${actor}`);
    }
    const now = ctx.now();
    const updated: TaskRecord = { ...task, assignee: actor, revision: task.revision + 1 };
    const own = (await ctx.store.listLinkTokens(taskId)).filter((t) => t.userId === actor && !t.usedAt && !t.revokedAt);
    await ctx.store.commit({
      tasks: [{ record: updated, expectedRevision: task.revision }],
      revokeLinkTokens: [{ taskId, reason: `claimed by ${actor}`, at: now }],
      linkTokens: own,
      audit: [
        auditEvent(ctx.clock, {
          actor,
          action: 'task.claimed',
          target: `task:${task.id}`,
          instanceId: task.instanceId,
          old: { assignee: null, candidateRole: task.candidateRole },
          new: { assignee: actor, candidateRole: task.candidateRole },
        }),
      ],
    });
    return updated;
  });
}

/** Gives a claimed task back to its role; the role's holders are told again. The reason is optional. */
export async function releaseTask(ctx: FeatureContext, taskId: string, actor: string, reason?: string): Promise<TaskRecord> {
  return ctx.withRetry(async () => {
    const task = await ctx.openTask(taskId);
    if (task.assignee !== actor) throw new ConflictError(`task "${task.name}" is not assigned to ${actor}`);
    if (!task.candidateRole) throw new ConflictError(`task "${task.name}" has no role to go back to: ask the process owner to reassign it`);
    const now = ctx.clock.now();
    const updated: TaskRecord = { ...task, revision: task.revision + 1 };
    delete updated.assignee;
    const assignedNotice = assignmentNoticeJob(updated, now);
    await ctx.store.commit({
      tasks: [{ record: updated, expectedRevision: task.revision }],
      revokeLinkTokens: [{ taskId, reason: `released by ${actor}`, at: now.toISOString() }],
      scheduleJobs: [{ ...assignedNotice, id: `${assignedNotice.id}-r${updated.revision}` }],
      audit: [
        auditEvent(ctx.clock, {
          actor,
          action: 'task.released',
          target: `task:${task.id}`,
          instanceId: task.instanceId,
          old: { assignee: actor, candidateRole: task.candidateRole },
          new: { assignee: null, candidateRole: task.candidateRole },
          reason: typeof reason === 'string' ? reason.trim().slice(0, 2000) : undefined,
        }),
      ],
    });
    return updated;
  });
}
