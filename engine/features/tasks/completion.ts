import { randomUUID } from 'node:crypto';
import { ConflictError, NotPermittedError, ValidationError, type FieldError } from '../../kernel/errors.js';
import { validateFormData, type FormContext } from '../../kernel/forms.js';
import { auditEvent } from '../../kernel/audit-event.js';
import type { InstanceRecord, TaskRecord } from '../../kernel/model.js';
import { completionNoticeJob, jobsOfTask } from '../notifications/index.js';
import { StepRefused, type CompiledDefinition, type StepResult } from '../../kernel/runtime.js';
import { hashRecord, meaningLabel, recordContent, signerZone, type SignatureInput, type SignatureRecord } from '../signatures/index.js';
import type { FeatureContext } from '../context.js';

/** What completing a task answers: the task as completed, where its record stands now, and its signature. */
export interface CompletedTask {
  task: TaskRecord;
  instanceStatus: InstanceRecord['status'];
  signature?: SignatureRecord;
}

/**
 * The form data, cleaned, when the completion may go ahead; otherwise one ValidationError naming every
 * problem: the form's fields, and `signature` when a signature is missing, not wanted or not the actor's.
 */
export async function validateCompletion(task: TaskRecord, data: unknown, actor: string, signature: SignatureInput | undefined, context: FormContext): Promise<Record<string, unknown>> {
  let cleaned: Record<string, unknown> = {};
  let formError: ValidationError | undefined;
  try {
    // a person named must belong to the record's site
    cleaned = await validateFormData(task.form, data, { ...context, ...(task.site && { site: task.site }) });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    formError = err;
  }
  const problems: FieldError[] = [];
  if (task.signature && !signature) {
    problems.push({ field: 'signature', message: `“${task.name}” must be signed electronically (${meaningLabel(task.signature).toLowerCase()}): sign it to complete it` });
  } else if (!task.signature && signature) {
    problems.push({ field: 'signature', message: 'this task takes no electronic signature' });
  } else if (signature) {
    if (signature.userId !== actor) problems.push({ field: 'signature', message: 'a signature is made by the person completing the task' });
    if (typeof signature.printedName !== 'string' || !signature.printedName.trim()) problems.push({ field: 'signature', message: "the signer's printed name is required" });
    if (signature.method !== 'password' && signature.method !== 'password+userid') problems.push({ field: 'signature', message: 'the signature method must be password or password+userid' });
  }
  if (!problems.length) {
    if (formError) throw formError;
    return cleaned;
  }
  throw new ValidationError(task.signature && !signature ? `“${task.name}” needs an electronic signature` : 'invalid signature', [...(formError?.fields ?? []), ...problems]);
}

/** A completion its pack's check across the record's steps refuses (ServiceRegistry.registerCompletionCheck): a 400 naming each field. */
async function checkAcrossSteps(ctx: FeatureContext, instance: InstanceRecord, task: TaskRecord, data: Record<string, unknown>): Promise<void> {
  const check = ctx.completionCheck(instance.key);
  if (!check) return;
  const problems = await check.check({ elementId: task.elementId, data, variables: instance.variables, output: instance.output, ...(instance.site !== undefined && { site: instance.site }), now: ctx.clock.now(), records: ctx.records });
  if (problems.length) throw new ValidationError(problems.map((p) => p.message).join('; '), problems);
}

/** The refusal of a task that is no longer open (409): who closed it and when, when known. */
export function closedTask(task: TaskRecord): ConflictError {
  const by = task.completedBy ? ` by ${task.completedBy} at ${task.completedAt}` : '';
  return new ConflictError(`task "${task.name}" is already ${task.status}${by}`);
}

/**
 * Why `actor` may not complete `task` under its separation-of-duties rule (ims:notBy), or undefined when
 * they may: they completed one of the steps the rule names in the same record, or started the record when
 * the rule names the start event.
 */
export async function dutiesConflict(ctx: FeatureContext, task: TaskRecord, actor: string, compiled?: CompiledDefinition): Promise<string | undefined> {
  const { spec } = compiled ?? (await ctx.compileFor(task.instanceId));
  const notBy = spec.userTasks.get(task.elementId)?.notBy;
  if (!notBy?.length) return undefined;
  if (spec.startEvent && notBy.includes(spec.startEvent)) {
    const instance = await ctx.loadInstance(task.instanceId);
    if (instance.startedBy === actor) return `separation of duties: you started ${task.businessKey}, so you may not complete “${task.name}”`;
  }
  const completed = await ctx.store.listTasks({ instanceId: task.instanceId, status: 'completed', limit: 10_000 });
  const own = completed.find((t) => t.completedBy === actor && notBy.includes(t.elementId));
  if (!own) return undefined;
  return `separation of duties: you completed “${own.name}” (${own.elementId}) of ${task.businessKey}, so you may not complete “${task.name}”`;
}

/**
 * The step of completing an open task with form data, in one commit: the task, the instance's next state,
 * its jobs, the signature and the audit events. Re-checked under the compare-and-swap retry: the task still
 * open, separation of duties, the form and the signature's fields. Who may complete it (holder, site,
 * uploaded files, re-authentication) is the complete-task command's to check before (complete-task.ts);
 * `actor` here is trusted, as from a script or a test.
 *
 * A task with an `ims:signature` meaning is completed only with `options.signature`: the caller has
 * re-authenticated the signer (21 CFR 11.200) beforehand. The signature, bound by its hash to the task's
 * content, is committed in the same transaction as the completion, with a `task.signed` audit event.
 */
export function completeStep(
  ctx: FeatureContext,
  taskId: string,
  data: unknown,
  actor: string,
  options: { linkTokenId?: string; signature?: SignatureInput } = {},
): Promise<CompletedTask> {
  return ctx.withRetry(async () => {
    const task = await ctx.getTask(taskId);
    if (task.status !== 'open') throw closedTask(task);
    const instance = await ctx.loadInstance(task.instanceId);
    const compiled = await ctx.compile(instance.key, instance.version);
    // who may complete it comes before what was entered: nothing is completed, signed or stored
    const conflict = await dutiesConflict(ctx, task, actor, compiled);
    if (conflict) throw new NotPermittedError(conflict);
    const cleaned = await validateCompletion(task, data, actor, options.signature, ctx.formContext);
    if (instance.status === 'incident') throw new ConflictError(`instance ${instance.businessKey} has an open incident: resolve it before completing tasks`);
    if (instance.status !== 'running') throw new ConflictError(`instance ${instance.businessKey} is ${instance.status}`);
    await checkAcrossSteps(ctx, instance, task, cleaned);

    let result: StepResult;
    try {
      result = await ctx.step(compiled, instance, { type: 'signal', elementId: task.elementId, executionId: task.executionId, data: cleaned });
    } catch (err) {
      if (err instanceof StepRefused) throw new ConflictError(`task "${task.name}" is no longer waiting in instance ${instance.businessKey}`);
      throw err;
    }
    const now = ctx.now();
    const completed: TaskRecord = { ...task, status: 'completed', completedAt: now, completedBy: actor, data: cleaned, revision: task.revision + 1 };
    const openTasks = await ctx.store.listTasks({ instanceId: instance.id, status: 'open', limit: 10_000 });
    const jobs = await ctx.store.listJobs({ instanceId: instance.id, status: 'scheduled' });
    const change = await ctx.applyStep({ compiled, instance, expectedRevision: instance.revision, result, action: { type: 'complete', taskId }, actor, openTasks: openTasks.filter((t) => t.id !== taskId), scheduledJobs: jobs });
    change.tasks = [{ record: completed, expectedRevision: task.revision }, ...(change.tasks ?? [])];
    change.cancelJobs = [...(change.cancelJobs ?? []), ...jobsOfTask(jobs, taskId)];
    change.revokeLinkTokens = [...(change.revokeLinkTokens ?? []), { taskId, reason: 'task completed', at: now }];
    if (options.linkTokenId) {
      const token = await ctx.store.getLinkToken(options.linkTokenId);
      if (token) change.linkTokens = [{ ...token, usedAt: now }];
    }
    if (ctx.policy.notifyRequesterOnCompletion) change.scheduleJobs = [...(change.scheduleJobs ?? []), completionNoticeJob(completed, ctx.clock.now())];
    let signature: SignatureRecord | undefined;
    if (task.signature && options.signature) {
      // what is signed: this task's data on top of the instance's output before it
      const content = recordContent({ instance, task: completed, data: cleaned, priorOutput: instance.output });
      const { userId, printedName, method } = options.signature;
      signature = { id: randomUUID(), taskId, instanceId: instance.id, userId, printedName: printedName.trim(), meaning: task.signature, signedAt: now, timeZone: signerZone(await ctx.store.getUser(userId), ctx.readers), recordHash: hashRecord(content), method, content };
      change.signatures = [signature];
    }
    // completed by an out-of-office delegate: the trail names both, the one who acted and whose task it was
    const onBehalfOf = task.assignee && task.assignee !== actor ? { onBehalfOf: task.assignee } : {};
    change.audit.unshift(
      auditEvent(ctx.clock, { actor, action: 'task.completed', target: `task:${task.id}`, instanceId: instance.id, old: { status: 'open' }, new: { status: 'completed', ...onBehalfOf, data: cleaned } }),
      ...(signature ? [signedEvent(ctx, signature, actor, onBehalfOf)] : []),
    );
    await ctx.store.commit(change);
    return { task: completed, instanceStatus: change.instance.record.status, ...(signature && { signature }) };
  });
}

/** The `task.signed` audit event: the signature's manifestation and the hash of what was signed. */
function signedEvent(ctx: FeatureContext, signature: SignatureRecord, actor: string, onBehalfOf: { onBehalfOf?: string }) {
  const { id, userId, printedName, meaning, signedAt, timeZone, method, recordHash } = signature;
  return auditEvent(ctx.clock, {
    actor,
    action: 'task.signed',
    target: `task:${signature.taskId}`,
    instanceId: signature.instanceId,
    new: { signature: id, userId, printedName, meaning, signedAt, timeZone, method, recordHash, ...onBehalfOf },
  });
}
