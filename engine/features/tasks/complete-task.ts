import { scopeCovers, scopeOf, type Principal } from '../accounts/index.js';
import { canSee, whyNotHolder } from '../access/index.js';
import { NotFoundError, NotPermittedError, ValidationError, type FieldError } from '../../kernel/errors.js';
import type { TaskRecord } from '../../kernel/model.js';
import type { FeatureContext } from '../context.js';
import { closedTask, completeStep, dutiesConflict, type CompletedTask } from './completion.js';
import { signatureFor, type Reauthenticator, type SignatureCredentials } from './signing.js';
import { uploadOf } from './uploads.js';

/**
 * The complete-task command: the one place that decides whether a person may complete a task, for the JSON
 * API, the signed-in task page and the email-link page alike, so that each refuses alike. In this order:
 * the task exists and is open, the way the person came may write (an API token's scope), the person is
 * active, of the task's site and its holder, separation of duties, every file named in the data was
 * uploaded to this task and field, and the signature's components with the re-authentication behind them
 * (21 CFR 11.200). Then the step (completion.ts), in one commit.
 *
 * Refusals: NotFoundError (no such task, or of a site not the person's), ConflictError (closed),
 * NotPermittedError (the one "not allowed": scope, holder, separation of duties), ValidationError naming
 * the field (a file not uploaded here, the form, the signature's components), AuthenticationError (the
 * signer's password or user id is wrong: nothing completed).
 */

/** How the person came: signed in (a session), with an API token (its scope is on the principal), or by an email link. */
export type Arrival = { via: 'session' } | { via: 'api-token' } | { via: 'link'; linkTokenId: string };

export interface CompleteTaskRequest {
  /**
   * Who completes, as authenticated. For a link, its person, with this browser's session of the same
   * person when there is one (a signature then needs the password alone, as in a session).
   */
  principal: Principal;
  arrival: Arrival;
  taskId: string;
  /** The form's values; a file field's value names an upload made to this task and field ({ sha256 }). */
  data: unknown;
  /** The signature components, for a task with a signature meaning. */
  signature?: SignatureCredentials;
  /** What re-authenticates the signer; without it a task that must be signed cannot be completed. */
  accounts?: Reauthenticator;
}

/** The words for a person who may not work on a task (engine/features/access/access.ts whyNotHolder). */
const NOT_HOLDER = {
  inactive: 'your account is not active',
  'not-holder': 'this task is assigned to someone else',
} as const;

/**
 * Whether the person may complete the task now, before anything they sent is read or stored (an upload,
 * a password): the task open, the token's scope, holder and site, separation of duties. Returns the task.
 */
export async function checkMayComplete(ctx: FeatureContext, principal: Principal, taskId: string): Promise<TaskRecord> {
  const task = await ctx.store.getTask(taskId);
  // a task of another site is not there for this person, as in every list and read
  if (!task || !canSee(principal.user, task)) throw new NotFoundError(`no task ${taskId}`);
  if (task.status !== 'open') throw closedTask(task);
  if (principal.apiToken && !scopeCovers(scopeOf(principal.apiToken), 'integration')) {
    throw new NotPermittedError(`this API token has the scope ${scopeOf(principal.apiToken)}; completing a task needs a token of scope integration or full, or a session`);
  }
  const notHolder = whyNotHolder(principal.user, task);
  if (notHolder) throw new NotPermittedError(notHolder === 'other-site' ? `no task ${taskId}` : NOT_HOLDER[notHolder]);
  // separation of duties is refused before the password is asked for: no re-authentication is spent on it
  const conflict = await dutiesConflict(ctx, task, principal.user.id);
  if (conflict) throw new NotPermittedError(conflict);
  return task;
}

/** Completes a task for the person who sent it, after every rule above; one commit. */
export async function completeTask(ctx: FeatureContext, request: CompleteTaskRequest): Promise<CompletedTask> {
  const { principal, arrival } = request;
  const task = await checkMayComplete(ctx, principal, request.taskId);
  const data = await withUploadedFiles(ctx, task, request.data);
  if (task.signature && !request.accounts) throw new NotPermittedError(`“${task.name}” must be signed electronically, which cannot be done here: sign in to imsflow to complete it`);
  const signature = request.accounts ? await signatureFor(request.accounts, principal, task, data, request.signature, ctx.formContext) : undefined;
  return completeStep(ctx, task.id, data, principal.user.id, { ...(arrival.via === 'link' && { linkTokenId: arrival.linkTokenId }), ...(signature && { signature }) });
}

/**
 * A file field's value must be a file uploaded to this task's field: the record then cites exactly what
 * was uploaded, and its download works. The reference is taken from the upload register, whatever name or
 * size was sent with it.
 */
async function withUploadedFiles(ctx: FeatureContext, task: TaskRecord, data: unknown): Promise<unknown> {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return data;
  const given = data as Record<string, unknown>;
  const checked: Record<string, unknown> = { ...given };
  const fields: FieldError[] = [];
  for (const field of task.form.filter((f) => f.type === 'file')) {
    const value = given[field.key] as { sha256?: unknown } | undefined;
    if (!value || typeof value !== 'object' || typeof value.sha256 !== 'string') continue;
    const ref = await uploadOf(ctx.store, value.sha256, task, field.key);
    if (ref) checked[field.key] = ref;
    else fields.push({ field: field.key, message: `${field.label} is not a file uploaded to this task: upload it first` });
  }
  if (fields.length) throw new ValidationError('a file was not uploaded to this task', fields);
  return checked;
}
