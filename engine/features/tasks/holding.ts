import type { Principal } from '../accounts/index.js';
import { canSee, holdsTask } from '../access/index.js';
import { NotFoundError, NotPermittedError } from '../../kernel/errors.js';
import type { Role, TaskRecord, UserRecord } from '../../kernel/model.js';
import type { FeatureContext } from '../context.js';
import { changeDueDate, claimTask, reassignTask, releaseTask } from './assignment.js';

// The commands on who holds a task and until when, for a person as authenticated: each checks who may
// (the task of their site, and the rule of the write) before the write in assignment.ts, so the API and
// the pages answer alike.

/** Who reassigns or moves the due date of a task they do not hold (an admin too). */
const TASK_MANAGERS: readonly Role[] = ['quality-manager', 'process-owner'];

const manages = (user: Pick<UserRecord, 'roles'>) => user.roles.includes('admin') || TASK_MANAGERS.some((role) => user.roles.includes(role));

/** Whether the person may give an open task to someone else: its holder, a quality manager or a process owner. */
export function mayReassign(user: Pick<UserRecord, 'id' | 'roles'>, task: TaskRecord): boolean {
  return task.status === 'open' && (holdsTask(user, task) || manages(user));
}

/** The task, when it is of the person's sites; a task of another site is not there for them (404). */
async function taskOfTheirSite(ctx: FeatureContext, principal: Principal, taskId: string): Promise<TaskRecord> {
  const task = await ctx.store.getTask(taskId);
  if (!task || !canSee(principal.user, task)) throw new NotFoundError(`no task ${taskId}`);
  return task;
}

/** Takes an unassigned task of one of the person's roles (the role rule is the write's own). */
export async function claim(ctx: FeatureContext, principal: Principal, taskId: string): Promise<TaskRecord> {
  await taskOfTheirSite(ctx, principal, taskId);
  return claimTask(ctx, taskId, principal.user.id);
}

/** Gives a task the person claimed back to its role. */
export async function release(ctx: FeatureContext, principal: Principal, taskId: string, reason?: string): Promise<TaskRecord> {
  await taskOfTheirSite(ctx, principal, taskId);
  return releaseTask(ctx, taskId, principal.user.id, reason);
}

/** Gives a task to a person or a role, with a reason: its holder, a quality manager or a process owner may. */
export async function reassign(ctx: FeatureContext, principal: Principal, taskId: string, to: { assignee?: string; candidateRole?: string }, reason: string): Promise<TaskRecord> {
  const task = await taskOfTheirSite(ctx, principal, taskId);
  // a closed task is the write's to refuse (409), whoever asks
  if (task.status === 'open' && !mayReassign(principal.user, task)) throw new NotPermittedError('only the holder of an open task, a quality manager or a process owner delegates it');
  return reassignTask(ctx, taskId, to, reason, principal.user.id);
}

/** Moves a task's due date, with a reason: a quality manager or a process owner may. */
export async function moveDueDate(ctx: FeatureContext, principal: Principal, taskId: string, dueAt: string, reason: string): Promise<TaskRecord> {
  await taskOfTheirSite(ctx, principal, taskId);
  if (!manages(principal.user)) throw new NotPermittedError('the due date of a task is moved by a quality manager or a process owner');
  return changeDueDate(ctx, taskId, dueAt, reason, principal.user.id);
}
