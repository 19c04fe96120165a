import type { Principal } from '../accounts/index.js';
import type { TaskRecord, UserRecord } from '../../kernel/model.js';
import type { FeatureContext } from '../context.js';
import { checkMayComplete, completeTask, type CompleteTaskRequest } from './complete-task.js';
import type { CompletedTask } from './completion.js';
import { claim, mayReassign, moveDueDate, reassign, release } from './holding.js';
import { uploadOf, uploadsOf, type Upload, type UploadRef } from './uploads.js';

export { changeDueDate, claimTask, reassignTask, releaseTask } from './assignment.js';
export { completeStep, dutiesConflict, validateCompletion, type CompletedTask } from './completion.js';
export { claim, mayReassign, moveDueDate, reassign, release } from './holding.js';
export { checkMayComplete, completeTask, type Arrival, type CompleteTaskRequest } from './complete-task.js';
export { needsUserId, reauthenticateSigner, signatureComponents, signatureFor, type Reauthenticator, type SignatureCredentials } from './signing.js';
export { uploadOf, uploadsOf, type Upload, type UploadRef } from './uploads.js';

/**
 * The task commands and the reads they rest on, bound to the engine: what api/ calls (ProcessEngine.tasks). Each
 * command checks its own policy, so every entry point gets the same answer.
 */
export class TaskCommands {
  constructor(private readonly ctx: FeatureContext) {}

  /** Completes a task for the person who sent it (complete-task.ts: every rule, then the step). */
  complete(request: CompleteTaskRequest): Promise<CompletedTask> {
    return completeTask(this.ctx, request);
  }

  /** Whether the person may complete the task now, asked before a page stores what they uploaded. */
  checkMayComplete(principal: Principal, taskId: string): Promise<TaskRecord> {
    return checkMayComplete(this.ctx, principal, taskId);
  }

  /** Takes an unassigned task of one of the person's roles. */
  claim(principal: Principal, taskId: string): Promise<TaskRecord> {
    return claim(this.ctx, principal, taskId);
  }

  /** Gives a task the person claimed back to its role. */
  release(principal: Principal, taskId: string, reason?: string): Promise<TaskRecord> {
    return release(this.ctx, principal, taskId, reason);
  }

  /** Gives a task to a person or a role: its holder, a quality manager or a process owner may. */
  reassign(principal: Principal, taskId: string, to: { assignee?: string; candidateRole?: string }, reason: string): Promise<TaskRecord> {
    return reassign(this.ctx, principal, taskId, to, reason);
  }

  /** Moves a task's due date: a quality manager or a process owner may. */
  moveDueDate(principal: Principal, taskId: string, dueAt: string, reason: string): Promise<TaskRecord> {
    return moveDueDate(this.ctx, principal, taskId, dueAt, reason);
  }

  /** Whether the person may give the task to someone else (the rule `reassign` checks), for a page to offer it. */
  mayReassign(user: Pick<UserRecord, 'id' | 'roles'>, task: TaskRecord): boolean {
    return mayReassign(user, task);
  }

  /** Every recorded upload of these bytes. */
  uploadsOf(sha256: string): Promise<Upload[]> {
    return uploadsOf(this.ctx.store, sha256);
  }

  /** The upload of these bytes made to this task's field, if there was one. */
  uploadOf(sha256: string, task: Pick<TaskRecord, 'id'>, field: string): Promise<UploadRef | undefined> {
    return uploadOf(this.ctx.store, sha256, task, field);
  }
}
