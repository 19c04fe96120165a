import { randomUUID } from 'node:crypto';
import { checkDefinition, type CheckResult, type DefinitionChecker } from './bpmn/lint.js';
import { ChangeControl, nextVersion, sha256 } from './change-control.js';
import { verifyAuditChain, type ChainVerification } from './audit.js';
import { systemClock, type Clock } from './clock.js';
import { auditEvent } from './kernel/audit-event.js';
import { ConflictError, InvalidDefinitionError, NotFoundError, NotPermittedError, RevisionConflict, ValidationError } from './errors.js';
import { type ClauseLookup, type FormContext } from './forms.js';
import type {
  AuditEvent,
  DefinitionRecord,
  DefinitionSource,
  ExtensionRequest,
  IncidentRecord,
  InstanceRecord,
  JobRecord,
  PendingAction,
  RecordLink,
  ScheduleRecord,
  TaskRecord,
  UserRecord,
} from './model.js';
import { compileDefinition, iterationCountProblem, runStep, StepRefused, type CompiledDefinition, type StepAction, type StepResult } from './runtime.js';
import { ServiceRegistry, type RecordReader } from './services.js';
import { completionNoticeJob, DEFAULT_POLICY, jobsOfTask, type NotificationPolicy } from './notifications.js';
import {
  currentContent,
  hashRecord,
  recordContent,
  signatureView,
  type SignatureInput,
  type SignatureRecord,
  type SignatureView,
} from './signatures.js';
import type { ChangeSet, Store, TaskQuery } from './store/store.js';
import { Queries } from './queries/index.js';
import { Commands } from './commands/index.js';
import { checkVariables, requireReason } from './kernel/input-checks.js';
import type { FeatureContext } from './features/context.js';
import * as extensions from './features/extensions/index.js';
import * as people from './features/people/index.js';
import * as schedules from './features/schedules/index.js';
import * as taskFeature from './features/tasks/index.js';
import { changeOfStep, mergeChange, SYSTEM, withExtra, type ExtraChange } from './kernel/step-change.js';

export { profileOf } from './features/people/index.js';
export type { ExtraChange } from './kernel/step-change.js';

export interface ImsflowOptions {
  store: Store;
  clock?: Clock;
  services?: ServiceRegistry;
  /** How often a step that lost a compare-and-swap race is redone before the caller gets a conflict. */
  maxConflictRetries?: number;
  /** Reminder and escalation defaults for tasks whose BPMN does not set them. */
  policy?: NotificationPolicy;
  /** The clause catalogue that `clauses` form fields are checked against. */
  catalogue?: ClauseLookup;
  /**
   * Checks untrusted BPMN (uploads, drafts) with a time and memory budget, off the event loop: the server
   * injects engine/bpmn/check-pool.ts. Without it, files are checked in this thread.
   */
  checker?: DefinitionChecker;
  /** Longest one engine step may take to reach a wait state before it becomes an incident (default 30 s). */
  stepTimeoutMs?: number;
}

export interface InstanceView extends Omit<InstanceRecord, 'engineState'> {
  tasks: TaskRecord[];
  incidents: IncidentRecord[];
  history: AuditEvent[];
  /** Electronic signatures on the instance's tasks, each checked against the data as stored now. */
  signatures: SignatureView[];
}

/**
 * The engine's public face: deploy definitions, start instances, complete tasks, fire timers, handle
 * incidents. Every method follows one pattern: read records → run one engine step → commit everything
 * it changed (records, jobs, audit events) in one compare-and-swap transaction → retry on a lost race.
 */
export class Imsflow {
  readonly store: Store;
  readonly clock: Clock;
  readonly services: ServiceRegistry;
  readonly policy: NotificationPolicy;
  readonly catalogue?: ClauseLookup;
  private readonly maxConflictRetries: number;
  private readonly checker?: DefinitionChecker;
  private readonly stepTimeoutMs?: number;
  private readonly compiled = new Map<string, Promise<CompiledDefinition>>();
  /** Drafts, review, signed approval and publication of new versions; training on them. */
  readonly changes: ChangeControl;
  /** The named reads api/ makes (api/ never touches the store). */
  readonly queries: Queries;
  /** The writes api/ once made on the store itself, and the KPI and webhook registers. */
  readonly commands: Commands;
  /** What the feature modules (features/) use of the engine. */
  private readonly context: FeatureContext;

  constructor(options: ImsflowOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.services = options.services ?? new ServiceRegistry();
    this.maxConflictRetries = options.maxConflictRetries ?? 20;
    this.policy = options.policy ?? DEFAULT_POLICY;
    if (options.catalogue) this.catalogue = options.catalogue;
    if (options.checker) this.checker = options.checker;
    if (options.stepTimeoutMs !== undefined) this.stepTimeoutMs = options.stepTimeoutMs;
    this.changes = new ChangeControl({
      store: this.store,
      clock: this.clock,
      check: (xml) => this.checkDefinition(xml),
      prepareStart: (key, input, actor) => this.prepareStart(key, input, actor),
      effective: (key) => this.store.getEffectiveDefinition(key, this.now()),
    });
    this.queries = new Queries(this.store, this.clock);
    this.commands = new Commands(this.store, this.clock);
    this.context = {
      store: this.store,
      clock: this.clock,
      policy: this.policy,
      now: () => this.now(),
      withRetry: (operation) => this.withRetry(operation),
      getTask: (id) => this.getTask(id),
      openTask: (id) => this.openTask(id),
      compileFor: (instanceId) => this.compileFor(instanceId),
      getDefinition: (key, version) => this.getDefinition(key, version),
      start: (key, input, actor, extra) => this.start(key, input, actor, extra),
    };
  }

  /** What task forms are checked against (the clause catalogue), for callers that check a form early. */
  get formContext(): FormContext {
    return this.catalogue ? { catalogue: this.catalogue } : {};
  }

  // ---- definitions -------------------------------------------------------------------------------

  /**
   * The one rule set a definition must pass to be deployed (bpmnlint and imsflow's own rules), used by
   * deploy and by change control when a draft is submitted and published. Throws when the XML does not parse,
   * and (through the injected checker) when checking it would cost more than its budget. `trusted` files
   * (the shipped processes) are checked in this thread.
   */
  checkDefinition(xml: string, options: { trusted?: boolean } = {}): Promise<CheckResult> {
    const check = options.trusted || !this.checker ? checkDefinition : this.checker;
    return check(xml, { services: this.services.names() });
  }

  /**
   * Validates and stores a new version, in effect at once; identical content to an existing version is a
   * no-op. This bypasses change control (no review, no signature): it is for the shipped processes
   * (`via: 'shipped'`) and for process owners and admins uploading a file (`upload`, POST /api/definitions).
   */
  async deploy(xml: string, actor: string, reason?: string, options: { via?: Exclude<DefinitionSource, 'change-control'> } = {}): Promise<{ key: string; version: number; hash: string; created: boolean }> {
    if (typeof xml !== 'string' || !xml.trim()) throw new InvalidDefinitionError([{ element: 'xml', message: 'the BPMN file is empty' }]);
    const { spec, problems } = await this.checkDefinition(xml, { trusted: options.via === 'shipped' });
    if (!spec || problems.length) throw new InvalidDefinitionError(problems);
    const hash = sha256(xml);

    return this.withRetry(async () => {
      const same = await this.store.findDefinitionByHash(spec.key, hash);
      if (same) return { key: same.key, version: same.version, hash, created: false };
      const latest = await this.store.getDefinition(spec.key);
      const now = this.now();
      const record = nextVersion(spec, xml, latest, { at: now, actor, effectiveAt: now, via: options.via ?? 'upload' });
      await this.store.commit({
        definition: record,
        audit: [
          auditEvent(this.clock, {
            actor,
            action: 'definition.deployed',
            target: `definition:${record.key}@${record.version}`,
            old: latest ? { version: latest.version, hash: latest.hash } : undefined,
            new: { version: record.version, hash, name: record.name, effectiveAt: now, via: record.via },
            reason,
          }),
        ],
      });
      return { key: record.key, version: record.version, hash, created: true };
    });
  }

  async listDefinitions(): Promise<Omit<DefinitionRecord, 'xml'>[]> {
    return (await this.store.listDefinitions()).map(({ xml: _xml, ...rest }) => rest);
  }

  async getDefinition(key: string, version?: number): Promise<DefinitionRecord> {
    const record = await this.store.getDefinition(key, version);
    if (!record) throw new NotFoundError(version ? `process "${key}" has no version ${version}` : `no process "${key}" is deployed`);
    return record;
  }

  /** The version new instances start on now: the highest version in effect (see DefinitionRecord.effectiveAt). */
  async effectiveDefinition(key: string): Promise<DefinitionRecord> {
    const record = await this.store.getEffectiveDefinition(key, this.now());
    if (record) return record;
    const latest = await this.store.getDefinition(key);
    if (!latest) throw new NotFoundError(`no process "${key}" is deployed`);
    throw new ConflictError(`process "${key}" has no version in effect yet: version ${latest.version} takes effect at ${latest.effectiveAt ?? latest.deployedAt}`);
  }

  /**
   * A version parsed and validated once; versions never change, so the cache needs no invalidation.
   * A failed compile is not cached.
   */
  private compile(key: string, version: number, record?: DefinitionRecord): Promise<CompiledDefinition> {
    const cacheKey = `${key}@${version}`;
    let compiled = this.compiled.get(cacheKey);
    if (!compiled) {
      compiled = (async () => compileDefinition(record ?? (await this.getDefinition(key, version)), this.services))();
      this.compiled.set(cacheKey, compiled);
      compiled.catch(() => this.compiled.delete(cacheKey));
    }
    return compiled;
  }

  // ---- instances ---------------------------------------------------------------------------------

  async start(
    key: string,
    input: { variables?: Record<string, unknown>; businessKey?: string; site?: string },
    actor: string,
    extra: ExtraChange | ((started: { id: string; businessKey: string }) => ExtraChange) = {},
  ): Promise<{ id: string; businessKey: string; version: number; status: InstanceRecord['status'] }> {
    const { change, started } = await this.prepareStart(key, input, actor);
    await this.store.commit(withExtra(change, typeof extra === 'function' ? extra(started) : extra));
    return started;
  }

  /**
   * The change that starts an instance, not yet committed: `start` commits it alone, a step whose service
   * started a linked record commits it together with its own (`origin` links the two).
   */
  private async prepareStart(
    key: string,
    input: { variables?: Record<string, unknown>; businessKey?: string; site?: string },
    actor: string,
    origin?: { link: RecordLink; depth: number },
  ): Promise<{ change: ChangeSet & { instance: NonNullable<ChangeSet['instance']> }; started: { id: string; businessKey: string; version: number; status: InstanceRecord['status'] } }> {
    const variables = input.variables ?? {};
    checkVariables(variables);
    if (input.businessKey !== undefined && (typeof input.businessKey !== 'string' || !/^[\w.-]{1,64}$/.test(input.businessKey))) {
      throw new ValidationError('invalid business key', [{ field: 'businessKey', message: 'use 1–64 letters, digits, ".", "_" or "-"' }]);
    }
    const definition = await this.effectiveDefinition(key);
    const compiled = await this.compile(definition.key, definition.version, definition);
    // a multi-instance count the start variables decide is refused now, naming the variable
    const tooMany = iterationCountProblem(compiled.spec, variables);
    if (tooMany) throw new ValidationError(tooMany.message, [tooMany]);
    const businessKey = input.businessKey ?? (await this.nextBusinessKey(compiled));
    const id = randomUUID();
    const now = this.now();
    const instance: InstanceRecord = {
      id,
      key: definition.key,
      version: definition.version,
      businessKey,
      ...(input.site && { site: input.site }),
      status: 'running',
      variables,
      output: {},
      engineState: null,
      revision: 0,
      startedAt: now,
      startedBy: actor,
      ...(origin && { links: [origin.link] }),
    };
    const result = await this.step(compiled, instance, { type: 'start', variables });
    const change = await this.applyStep(compiled, instance, null, result, { type: 'start' }, actor, [], [], (origin?.depth ?? 0) + 1);
    change.audit.unshift(
      auditEvent(this.clock, {
        actor,
        action: 'instance.started',
        target: `instance:${id}`,
        instanceId: id,
        new: { key, version: definition.version, businessKey, site: input.site, variables, ...(origin && { origin: origin.link }) },
        ...(origin && { reason: `started by ${origin.link.businessKey}: ${origin.link.label}` }),
      }),
    );
    const saved = change.instance.record;
    return { change, started: { id, businessKey, version: definition.version, status: saved.status } };
  }

  async getInstance(id: string): Promise<InstanceView> {
    const record = await this.store.getInstance(id);
    if (!record) throw new NotFoundError(`no instance ${id}`);
    const [tasks, incidents, history, signatures] = await Promise.all([
      this.store.listTasks({ instanceId: id, limit: 1000 }),
      this.store.listIncidents({ instanceId: id }),
      this.store.listAudit({ instanceId: id, limit: 10_000 }),
      this.store.listSignatures({ instanceId: id }),
    ]);
    const { engineState: _state, ...rest } = record;
    // in the order they were made: signatures of one instant (a fake clock, a batch) by their audit event
    const signedSeq = new Map(history.filter((e) => e.action === 'task.signed').map((e) => [String((e.new as { signature?: unknown } | undefined)?.signature), e.seq]));
    const order = (id: string) => signedSeq.get(id) ?? Number.MAX_SAFE_INTEGER;
    const views = await this.checkSignatures(record, tasks, history, [...signatures].sort((a, b) => a.signedAt.localeCompare(b.signedAt) || order(a.id) - order(b.id)));
    return { ...rest, tasks, incidents, history, signatures: views };
  }

  /**
   * Checks each signature against its task's content as stored now (21 CFR 11.70) and against the
   * `task.signed` event in the audit trail. A signature pointing at a task of another instance (copied
   * there) is checked against that task, and does not match.
   */
  private async checkSignatures(instance: InstanceRecord, tasks: TaskRecord[], history: AuditEvent[], signatures: SignatureRecord[]): Promise<SignatureView[]> {
    return Promise.all(
      signatures.map(async (signature) => {
        let task = tasks.find((t) => t.id === signature.taskId);
        let context: { instance: InstanceRecord; tasks: TaskRecord[]; history: AuditEvent[] } | undefined = { instance, tasks, history };
        if (!task) {
          task = await this.store.getTask(signature.taskId);
          const other = task && (await this.store.getInstance(task.instanceId));
          context = other
            ? { instance: other, tasks: await this.store.listTasks({ instanceId: other.id, limit: 1000 }), history: await this.store.listAudit({ instanceId: other.id, limit: 10_000 }) }
            : undefined;
        }
        const current = task && context ? currentContent(signature, context.instance, task, context.tasks, context.history) : undefined;
        return signatureView(signature, current, history);
      }),
    );
  }

  async cancelInstance(id: string, reason: string, actor: string): Promise<void> {
    requireReason(reason);
    await this.withRetry(async () => {
      const instance = await this.store.getInstance(id);
      if (!instance) throw new NotFoundError(`no instance ${id}`);
      if (instance.status !== 'running' && instance.status !== 'incident') {
        throw new ConflictError(`instance ${instance.businessKey} is ${instance.status} and cannot be cancelled`);
      }
      const now = this.now();
      const [openTasks, jobs, incidents] = await Promise.all([
        this.store.listTasks({ instanceId: id, status: 'open', limit: 10_000 }),
        this.store.listJobs({ instanceId: id, status: 'scheduled' }),
        this.store.listIncidents({ instanceId: id, status: 'open' }),
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
          auditEvent(this.clock, { actor, action: 'instance.cancelled', target: `instance:${id}`, instanceId: id, old: { status: instance.status }, new: { status: 'cancelled' }, reason }),
          ...openTasks.map((t) =>
            auditEvent(this.clock, { actor, action: 'task.cancelled', target: `task:${t.id}`, instanceId: id, old: { status: 'open' }, new: { status: 'cancelled' }, reason: `instance cancelled: ${reason}` }),
          ),
        ],
      };
      await this.store.commit(change);
    });
  }

  // ---- tasks -------------------------------------------------------------------------------------

  listTasks(query: TaskQuery): Promise<TaskRecord[]> {
    return this.store.listTasks(query);
  }

  async getTask(id: string): Promise<TaskRecord> {
    const task = await this.store.getTask(id);
    if (!task) throw new NotFoundError(`no task ${id}`);
    return task;
  }

  /**
   * Completes an open task with form data. Validation errors, an already completed task and an unknown
   * task are errors the caller sees; a failure further down the process becomes an incident while the
   * completion itself is kept.
   *
   * A task with an `ims:signature` meaning is completed only with `options.signature`: the caller has
   * re-authenticated the signer (21 CFR 11.200) beforehand. The signature, bound by its hash to the task's
   * content, is committed in the same transaction as the completion, with a `task.signed` audit event.
   */
  async completeTask(
    taskId: string,
    data: unknown,
    actor: string,
    options: { linkTokenId?: string; signature?: SignatureInput } = {},
  ): Promise<{ task: TaskRecord; instanceStatus: InstanceRecord['status']; signature?: SignatureRecord }> {
    return this.withRetry(async () => {
      const task = await this.getTask(taskId);
      if (task.status !== 'open') {
        const by = task.completedBy ? ` by ${task.completedBy} at ${task.completedAt}` : '';
        throw new ConflictError(`task "${task.name}" is already ${task.status}${by}`);
      }
      const instance = await this.loadInstance(task.instanceId);
      const compiled = await this.compile(instance.key, instance.version);
      // who may complete it comes before what was entered: nothing is completed, signed or stored
      const conflict = await this.dutiesConflict(compiled, instance, task, actor);
      if (conflict) throw new NotPermittedError(conflict);
      const cleaned = taskFeature.validateCompletion(task, data, actor, options.signature, this.formContext);
      if (instance.status === 'incident') throw new ConflictError(`instance ${instance.businessKey} has an open incident: resolve it before completing tasks`);
      if (instance.status !== 'running') throw new ConflictError(`instance ${instance.businessKey} is ${instance.status}`);

      let result: StepResult;
      try {
        result = await this.step(compiled, instance, { type: 'signal', elementId: task.elementId, executionId: task.executionId, data: cleaned });
      } catch (err) {
        if (err instanceof StepRefused) throw new ConflictError(`task "${task.name}" is no longer waiting in instance ${instance.businessKey}`);
        throw err;
      }
      const now = this.now();
      const completed: TaskRecord = { ...task, status: 'completed', completedAt: now, completedBy: actor, data: cleaned, revision: task.revision + 1 };
      const openTasks = await this.store.listTasks({ instanceId: instance.id, status: 'open', limit: 10_000 });
      const jobs = await this.store.listJobs({ instanceId: instance.id, status: 'scheduled' });
      const change = await this.applyStep(compiled, instance, instance.revision, result, { type: 'complete', taskId }, actor, openTasks.filter((t) => t.id !== taskId), jobs);
      change.tasks = [{ record: completed, expectedRevision: task.revision }, ...(change.tasks ?? [])];
      change.cancelJobs = [...(change.cancelJobs ?? []), ...jobsOfTask(jobs, taskId)];
      change.revokeLinkTokens = [...(change.revokeLinkTokens ?? []), { taskId, reason: 'task completed', at: now }];
      if (options.linkTokenId) {
        const token = await this.store.getLinkToken(options.linkTokenId);
        if (token) change.linkTokens = [{ ...token, usedAt: now }];
      }
      if (this.policy.notifyRequesterOnCompletion) change.scheduleJobs = [...(change.scheduleJobs ?? []), completionNoticeJob(completed, this.clock.now())];
      let signature: SignatureRecord | undefined;
      if (task.signature && options.signature) {
        // what is signed: this task's data on top of the instance's output before it
        const content = recordContent({ instance, task: completed, data: cleaned, priorOutput: instance.output });
        const { userId, printedName, method } = options.signature;
        signature = { id: randomUUID(), taskId, instanceId: instance.id, userId, printedName: printedName.trim(), meaning: task.signature, signedAt: now, timeZone: 'UTC', recordHash: hashRecord(content), method, content };
        change.signatures = [signature];
      }
      change.audit.unshift(
        auditEvent(this.clock, { actor, action: 'task.completed', target: `task:${task.id}`, instanceId: instance.id, old: { status: 'open' }, new: { status: 'completed', data: cleaned } }),
        ...(signature
          ? [
              auditEvent(this.clock, {
                actor,
                action: 'task.signed',
                target: `task:${task.id}`,
                instanceId: instance.id,
                new: {
                  signature: signature.id,
                  userId: signature.userId,
                  printedName: signature.printedName,
                  meaning: signature.meaning,
                  signedAt: signature.signedAt,
                  timeZone: signature.timeZone,
                  method: signature.method,
                  recordHash: signature.recordHash,
                },
              }),
            ]
          : []),
      );
      await this.store.commit(change);
      return { task: completed, instanceStatus: change.instance!.record.status, ...(signature && { signature }) };
    });
  }

  /**
   * Why `actor` may not complete `task` under its separation-of-duties rule (ims:notBy), or undefined when
   * they may. completeTask refuses with this reason (NotPermittedError); a caller can ask first, before it
   * asks the person for a signature, or to tell them on the task page.
   */
  async separationOfDutiesConflict(task: TaskRecord, actor: string): Promise<string | undefined> {
    const instance = await this.loadInstance(task.instanceId);
    return this.dutiesConflict(await this.compile(instance.key, instance.version), instance, task, actor);
  }

  private async dutiesConflict(compiled: CompiledDefinition, instance: InstanceRecord, task: TaskRecord, actor: string): Promise<string | undefined> {
    const notBy = compiled.spec.userTasks.get(task.elementId)?.notBy;
    if (!notBy?.length) return undefined;
    const completed = await this.store.listTasks({ instanceId: instance.id, status: 'completed', limit: 10_000 });
    const own = completed.find((t) => t.completedBy === actor && notBy.includes(t.elementId));
    if (!own) return undefined;
    return `separation of duties: you completed “${own.name}” (${own.elementId}) of ${instance.businessKey}, so you may not complete “${task.name}”`;
  }

  // ---- timers (called by a scheduler with a job it has claimed) ------------------------------------

  /** Fires a timer job. Commits the job as done together with the instance change, so it fires once. */
  async fireTimer(jobId: string, workerId: string): Promise<'fired' | 'stale'> {
    return this.withRetry(async () => {
      const job = await this.store.getJob(jobId);
      if (!job || job.status !== 'running' || job.lockedBy !== workerId) throw new ConflictError(`job ${jobId} is not claimed by ${workerId}`);
      const instance = job.instanceId ? await this.store.getInstance(job.instanceId) : undefined;
      if (instance?.status === 'incident') throw new Error(`instance ${instance.businessKey} has an open incident; the timer waits`);
      if (!instance || instance.status !== 'running') {
        await this.store.commit({ finishJob: { id: jobId, lockedBy: workerId }, audit: [] });
        return 'stale';
      }
      const executionId = String(job.payload.executionId);
      const compiled = await this.compile(instance.key, instance.version);
      const result = await this.step(compiled, instance, { type: 'fireTimer', executionId });
      if (result.outcome !== 'failed' && !result.timerFired) {
        await this.store.commit({ finishJob: { id: jobId, lockedBy: workerId }, audit: [] });
        return 'stale';
      }
      const openTasks = await this.store.listTasks({ instanceId: instance.id, status: 'open', limit: 10_000 });
      const jobs = (await this.store.listJobs({ instanceId: instance.id, status: 'scheduled' })).filter((j) => j.id !== jobId);
      const change = await this.applyStep(compiled, instance, instance.revision, result, { type: 'timer', jobId, executionId }, SYSTEM, openTasks, jobs);
      change.finishJob = { id: jobId, lockedBy: workerId };
      change.audit.unshift(
        auditEvent(this.clock, {
          actor: SYSTEM,
          action: 'timer.fired',
          target: `instance:${instance.id}`,
          instanceId: instance.id,
          new: { element: job.payload.elementId, dueAt: job.runAt },
          reason: `timer ${String(job.payload.elementId)} was due at ${job.runAt}`,
        }),
      );
      await this.store.commit(change);
      return 'fired';
    });
  }

  // ---- incidents ---------------------------------------------------------------------------------

  listIncidents(query: { status?: IncidentRecord['status']; instanceId?: string } = {}): Promise<IncidentRecord[]> {
    return this.store.listIncidents(query);
  }

  async getIncident(id: string): Promise<IncidentRecord> {
    const incident = await this.store.getIncident(id);
    if (!incident) throw new NotFoundError(`no incident ${id}`);
    return incident;
  }

  /** Replays the action that failed, from the state before it. */
  async retryIncident(id: string, actor: string): Promise<{ status: 'resolved' | 'open'; message?: string }> {
    return this.withRetry(async () => {
      const incident = await this.getIncident(id);
      if (incident.status !== 'open') throw new ConflictError(`incident ${id} is already ${incident.status}`);
      const instance = await this.loadInstance(incident.instanceId);
      const compiled = await this.compile(instance.key, instance.version);
      const action = await this.replayAction(incident.action, instance);
      const result = await this.step(compiled, instance, action);
      const now = this.now();
      const openTasks = await this.store.listTasks({ instanceId: instance.id, status: 'open', limit: 10_000 });
      const jobs = await this.store.listJobs({ instanceId: instance.id, status: 'scheduled' });
      if (result.outcome === 'failed') {
        const updated: IncidentRecord = { ...incident, message: result.error!.message, attempts: incident.attempts + 1 };
        await this.store.commit({
          instance: { record: { ...instance, revision: instance.revision + 1 }, expectedRevision: instance.revision },
          incidents: [updated],
          audit: [auditEvent(this.clock, { actor, action: 'incident.retry-failed', target: `incident:${id}`, instanceId: instance.id, new: { message: updated.message, attempts: updated.attempts } })],
        });
        return { status: 'open', message: updated.message };
      }
      const change = await this.applyStep(compiled, { ...instance, status: 'running' }, instance.revision, result, incident.action, actor, openTasks, jobs);
      change.incidents = [...(change.incidents ?? []), { ...incident, status: 'resolved', resolvedAt: now, attempts: incident.attempts + 1 }];
      change.audit.unshift(
        auditEvent(this.clock, { actor, action: 'incident.resolved', target: `incident:${id}`, instanceId: instance.id, old: { status: 'open' }, new: { status: 'resolved' }, reason: 'retried successfully' }),
      );
      await this.store.commit(change);
      return { status: 'resolved' };
    });
  }

  private async replayAction(action: PendingAction, instance: InstanceRecord): Promise<StepAction> {
    switch (action.type) {
      case 'start':
        return { type: 'start', variables: instance.variables };
      case 'complete': {
        const task = await this.getTask(action.taskId);
        return { type: 'signal', elementId: task.elementId, executionId: task.executionId, data: task.data ?? {} };
      }
      case 'timer':
        return { type: 'fireTimer', executionId: action.executionId };
    }
  }

  /** Moves a task's due date; its reminders and escalations are planned again from the new date. */
  changeDueDate(taskId: string, dueAt: string, reason: string, actor: string): Promise<TaskRecord> {
    return taskFeature.changeDueDate(this.context, taskId, dueAt, reason, actor);
  }

  /** Gives a task to a person or a role; links sent to the previous holders stop working. */
  reassignTask(taskId: string, to: { assignee?: string; candidateRole?: string }, reason: string, actor: string): Promise<TaskRecord> {
    return taskFeature.reassignTask(this.context, taskId, to, reason, actor);
  }

  /** Takes an unassigned task of one of the actor's roles (see features/tasks). */
  claimTask(taskId: string, actor: string): Promise<TaskRecord> {
    return taskFeature.claimTask(this.context, taskId, actor);
  }

  /** Gives a claimed task back to its role; the role's holders are told again. The reason is optional. */
  releaseTask(taskId: string, actor: string, reason?: string): Promise<TaskRecord> {
    return taskFeature.releaseTask(this.context, taskId, actor, reason);
  }

  // ---- due-date extensions -----------------------------------------------------------------------

  /** Asks for a later due date, with a reason (see features/extensions). */
  requestExtension(taskId: string, input: { dueAt: unknown; reason: unknown }, actor: string): Promise<ExtensionRequest> {
    return extensions.requestExtension(this.context, taskId, input, actor);
  }

  /** Approves or rejects a pending extension request, with a reason (see features/extensions). */
  decideExtension(taskId: string, requestId: string, input: { decision: unknown; reason: unknown }, actor: string): Promise<{ request: ExtensionRequest; task: TaskRecord }> {
    return extensions.decideExtension(this.context, taskId, requestId, input, actor);
  }

  /** Whether a person may decide the extension requests of a task. */
  mayDecideExtension(task: TaskRecord, user: UserRecord): Promise<boolean> {
    return extensions.mayDecideExtension(this.context, task, user);
  }

  private async openTask(taskId: string): Promise<TaskRecord> {
    const task = await this.getTask(taskId);
    if (task.status !== 'open') throw new ConflictError(`task "${task.name}" is ${task.status}`);
    return task;
  }

  private async compileFor(instanceId: string): Promise<CompiledDefinition> {
    const instance = await this.loadInstance(instanceId);
    return this.compile(instance.key, instance.version);
  }

  // ---- people ------------------------------------------------------------------------------------

  /** Creates or updates a person in the directory (who tasks go to, who is told). */
  saveUser(input: Parameters<typeof people.saveUser>[1], actor: string): Promise<UserRecord> {
    return people.saveUser(this.context, input, actor);
  }

  // ---- scheduled starts --------------------------------------------------------------------------

  saveSchedule(input: Parameters<typeof schedules.saveSchedule>[1], actor: string): Promise<ScheduleRecord> {
    return schedules.saveSchedule(this.context, input, actor);
  }

  deleteSchedule(id: string, actor: string): Promise<void> {
    return schedules.deleteSchedule(this.context, id, actor);
  }

  /** Runs one occurrence: starts the instance and plans the next occurrence in the same commit. */
  startScheduled(job: JobRecord, workerId: string): Promise<'started' | 'stale'> {
    return schedules.startScheduled(this.context, job, workerId);
  }

  // ---- audit -------------------------------------------------------------------------------------

  async verifyAuditTrail(): Promise<ChainVerification> {
    return verifyAuditChain(await this.store.listAudit({ limit: Number.MAX_SAFE_INTEGER }));
  }

  // ---- the step pattern --------------------------------------------------------------------------

  private step(compiled: CompiledDefinition, instance: InstanceRecord, action: StepAction): Promise<StepResult> {
    return runStep(compiled, instance.engineState, action, {
      instanceId: instance.id,
      businessKey: instance.businessKey,
      ...(instance.site && { site: instance.site }),
      services: this.services,
      records: this.records,
      now: () => this.clock.now(),
      ...(this.stepTimeoutMs !== undefined && { timeoutMs: this.stepTimeoutMs }),
    });
  }

  /** What services may read of other records. */
  private readonly records: RecordReader = {
    instances: async (query) => (await this.store.listInstances(query)).map(({ engineState: _state, ...rest }) => rest),
    tasks: (query) => this.store.listTasks(query),
    user: async (id) => {
      const user = await this.store.getUser(id);
      if (!user) return undefined;
      const { name, roles, sites, managerId, active } = user;
      return { id, name, roles, ...(sites && { sites }), ...(managerId && { managerId }), active };
    },
  };

  /**
   * A step's change set, with the records its services started (linked starts) added: each new record,
   * its first tasks and jobs, and the links on both sides land in the same commit. A linked start that
   * cannot be made (its process is not deployed, say) fails the step: an incident, not a half-made thread.
   */
  private async applyStep(
    compiled: CompiledDefinition,
    instance: InstanceRecord,
    expectedRevision: number | null,
    result: StepResult,
    action: PendingAction,
    actor: string,
    openTasks: TaskRecord[],
    scheduledJobs: JobRecord[],
    depth = 0,
  ): Promise<ChangeSet & { instance: NonNullable<ChangeSet['instance']> }> {
    const change = changeOfStep(this, compiled, instance, expectedRevision, result, action, actor, openTasks, scheduledJobs);
    if (result.outcome === 'failed' || !result.linkedStarts.length) return change;
    try {
      if (depth >= MAX_LINK_DEPTH) throw new Error(`linked records may start others only ${MAX_LINK_DEPTH} deep`);
      const parent = change.instance.record;
      const links: RecordLink[] = [...(parent.links ?? [])];
      for (const request of result.linkedStarts) {
        const at = this.now();
        const origin: RecordLink = { rel: 'origin', instanceId: parent.id, businessKey: parent.businessKey, processKey: parent.key, elementId: request.elementId, label: request.label, at };
        const child = await this.prepareStart(request.processKey, { variables: request.variables, site: request.site ?? parent.site }, actor, { link: origin, depth });
        const childRecord = child.change.instance.record;
        const started: RecordLink = { rel: 'started', instanceId: childRecord.id, businessKey: childRecord.businessKey, processKey: childRecord.key, elementId: request.elementId, label: request.label, at };
        links.push(started);
        change.audit.push(auditEvent(this.clock, { actor, action: 'instance.linked', target: `instance:${parent.id}`, instanceId: parent.id, new: started, reason: request.label }));
        mergeChange(change, child.change);
      }
      change.instance.record = { ...parent, links };
      return change;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const failed: StepResult = { ...result, outcome: 'failed', engineState: instance.engineState, output: {}, linkedStarts: [], error: { message: `could not start a linked record: ${message}`, elementId: result.linkedStarts[0]?.elementId } };
      return changeOfStep(this, compiled, instance, expectedRevision, failed, action, actor, openTasks, scheduledJobs);
    }
  }

  private async loadInstance(id: string): Promise<InstanceRecord> {
    const instance = await this.store.getInstance(id);
    if (!instance) throw new NotFoundError(`no instance ${id}`);
    return instance;
  }

  private async nextBusinessKey(compiled: CompiledDefinition): Promise<string> {
    const prefix = compiled.spec.businessKeyPrefix ?? compiled.record.key.replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(0, 10);
    const year = this.clock.now().getUTCFullYear();
    const n = await this.store.nextSequence(`${prefix}-${year}`);
    return `${prefix}-${year}-${String(n).padStart(4, '0')}`;
  }

  /** Redoes an operation that lost a compare-and-swap race, re-reading everything each time. */
  private async withRetry<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await operation();
      } catch (err) {
        if (!(err instanceof RevisionConflict) || attempt >= this.maxConflictRetries) {
          if (err instanceof RevisionConflict) throw new ConflictError(`the record kept changing while it was updated; try again (${err.message})`);
          throw err;
        }
        // Spread the retries of racing writers apart.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
      }
    }
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

/** How deep a chain of linked starts may go (an audit starts a CAPA, which may start another record). */
const MAX_LINK_DEPTH = 3;
