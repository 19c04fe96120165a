import { createHash, randomUUID } from 'node:crypto';
import { parseBpmnXml } from './bpmn/parse.js';
import { validateDefinition } from './bpmn/validate.js';
import { verifyAuditChain, type ChainVerification } from './audit.js';
import { systemClock, type Clock } from './clock.js';
import { addDuration, timerDueAt } from './durations.js';
import { ConflictError, InvalidDefinitionError, NotFoundError, RevisionConflict, TooLargeError, ValidationError } from './errors.js';
import { resolveTemplate } from './expressions.js';
import { validateFormData } from './forms.js';
import type {
  AuditEvent,
  AuditInput,
  DefinitionRecord,
  IncidentRecord,
  InstanceRecord,
  JobRecord,
  PendingAction,
  TaskRecord,
} from './model.js';
import { compileDefinition, runStep, StepRefused, type CompiledDefinition, type StepAction, type StepResult } from './runtime.js';
import { ServiceRegistry } from './services.js';
import type { ChangeSet, Store, TaskQuery } from './store/store.js';

export interface ImsflowOptions {
  store: Store;
  clock?: Clock;
  services?: ServiceRegistry;
  /** How often a step that lost a compare-and-swap race is redone before the caller gets a conflict. */
  maxConflictRetries?: number;
}

export interface InstanceView extends Omit<InstanceRecord, 'engineState'> {
  tasks: TaskRecord[];
  incidents: IncidentRecord[];
  history: AuditEvent[];
}

const MAX_VARIABLES_BYTES = 256 * 1024;
const SYSTEM = 'system';

/**
 * The engine's public face: deploy definitions, start instances, complete tasks, fire timers, handle
 * incidents. Every method follows one pattern: read records → run one engine step → commit everything
 * it changed (records, jobs, audit events) in one compare-and-swap transaction → retry on a lost race.
 */
export class Imsflow {
  readonly store: Store;
  readonly clock: Clock;
  readonly services: ServiceRegistry;
  private readonly maxConflictRetries: number;
  private readonly compiled = new Map<string, Promise<CompiledDefinition>>();

  constructor(options: ImsflowOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.services = options.services ?? new ServiceRegistry();
    this.maxConflictRetries = options.maxConflictRetries ?? 20;
  }

  // ---- definitions -------------------------------------------------------------------------------

  /** Validates and stores a new version; identical content to an existing version is a no-op. */
  async deploy(xml: string, actor: string, reason?: string): Promise<{ key: string; version: number; hash: string; created: boolean }> {
    if (typeof xml !== 'string' || !xml.trim()) throw new InvalidDefinitionError([{ element: 'xml', message: 'the BPMN file is empty' }]);
    const context = await parseBpmnXml(xml);
    const { spec, problems } = validateDefinition(context, { services: this.services.names() });
    if (!spec || problems.length) throw new InvalidDefinitionError(problems);
    const hash = createHash('sha256').update(xml).digest('hex');

    return this.withRetry(async () => {
      const same = await this.store.findDefinitionByHash(spec.key, hash);
      if (same) return { key: same.key, version: same.version, hash, created: false };
      const latest = await this.store.getDefinition(spec.key);
      const record: DefinitionRecord = {
        key: spec.key,
        version: (latest?.version ?? 0) + 1,
        name: spec.name,
        hash,
        xml,
        ...(spec.businessKeyPrefix && { businessKeyPrefix: spec.businessKeyPrefix }),
        deployedAt: this.now(),
        deployedBy: actor,
      };
      await this.store.commit({
        definition: record,
        audit: [
          this.event(actor, 'definition.deployed', `definition:${record.key}@${record.version}`, {
            old: latest ? { version: latest.version, hash: latest.hash } : undefined,
            new: { version: record.version, hash, name: record.name },
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
    input: { variables?: Record<string, unknown>; businessKey?: string },
    actor: string,
  ): Promise<{ id: string; businessKey: string; version: number; status: InstanceRecord['status'] }> {
    const variables = input.variables ?? {};
    checkVariables(variables);
    if (input.businessKey !== undefined && (typeof input.businessKey !== 'string' || !/^[\w.-]{1,64}$/.test(input.businessKey))) {
      throw new ValidationError('invalid business key', [{ field: 'businessKey', message: 'use 1–64 letters, digits, ".", "_" or "-"' }]);
    }
    const definition = await this.getDefinition(key);
    const compiled = await this.compile(definition.key, definition.version, definition);
    const businessKey = input.businessKey ?? (await this.nextBusinessKey(compiled));
    const id = randomUUID();
    const now = this.now();
    const instance: InstanceRecord = {
      id,
      key: definition.key,
      version: definition.version,
      businessKey,
      status: 'running',
      variables,
      output: {},
      engineState: null,
      revision: 0,
      startedAt: now,
      startedBy: actor,
    };
    const result = await this.step(compiled, instance, { type: 'start', variables });
    const change = this.applyStep(compiled, instance, null, result, { type: 'start' }, actor, [], []);
    change.audit.unshift(
      this.event(actor, 'instance.started', `instance:${id}`, { instanceId: id, new: { key, version: definition.version, businessKey, variables } }),
    );
    await this.store.commit(change);
    const saved = change.instance!.record;
    return { id, businessKey, version: definition.version, status: saved.status };
  }

  async getInstance(id: string): Promise<InstanceView> {
    const record = await this.store.getInstance(id);
    if (!record) throw new NotFoundError(`no instance ${id}`);
    const [tasks, incidents, history] = await Promise.all([
      this.store.listTasks({ instanceId: id, limit: 1000 }),
      this.store.listIncidents({ instanceId: id }),
      this.store.listAudit({ instanceId: id, limit: 10_000 }),
    ]);
    const { engineState: _state, ...rest } = record;
    return { ...rest, tasks, incidents, history };
  }

  async cancelInstance(id: string, reason: string, actor: string): Promise<void> {
    if (typeof reason !== 'string' || !reason.trim()) {
      throw new ValidationError('a reason is required to cancel an instance', [{ field: 'reason', message: 'is required' }]);
    }
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
        tasks: openTasks.map((t) => ({ record: { ...t, status: 'cancelled' as const, revision: t.revision + 1 }, expectedRevision: t.revision })),
        cancelJobs: jobs.map((j) => j.id),
        incidents: incidents.map((i) => ({ ...i, status: 'resolved' as const, resolvedAt: now })),
        audit: [
          this.event(actor, 'instance.cancelled', `instance:${id}`, { instanceId: id, old: { status: instance.status }, new: { status: 'cancelled' }, reason }),
          ...openTasks.map((t) =>
            this.event(actor, 'task.cancelled', `task:${t.id}`, { instanceId: id, old: { status: 'open' }, new: { status: 'cancelled' }, reason: `instance cancelled: ${reason}` }),
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
   */
  async completeTask(taskId: string, data: unknown, actor: string): Promise<{ task: TaskRecord; instanceStatus: InstanceRecord['status'] }> {
    return this.withRetry(async () => {
      const task = await this.getTask(taskId);
      if (task.status !== 'open') {
        const by = task.completedBy ? ` by ${task.completedBy} at ${task.completedAt}` : '';
        throw new ConflictError(`task "${task.name}" is already ${task.status}${by}`);
      }
      const cleaned = validateFormData(task.form, data);
      const instance = await this.loadInstance(task.instanceId);
      if (instance.status === 'incident') throw new ConflictError(`instance ${instance.businessKey} has an open incident: resolve it before completing tasks`);
      if (instance.status !== 'running') throw new ConflictError(`instance ${instance.businessKey} is ${instance.status}`);
      const compiled = await this.compile(instance.key, instance.version);

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
      const change = this.applyStep(compiled, instance, instance.revision, result, { type: 'complete', taskId }, actor, openTasks.filter((t) => t.id !== taskId), jobs);
      change.tasks = [{ record: completed, expectedRevision: task.revision }, ...(change.tasks ?? [])];
      change.audit.unshift(
        this.event(actor, 'task.completed', `task:${task.id}`, { instanceId: instance.id, old: { status: 'open' }, new: { status: 'completed', data: cleaned } }),
      );
      await this.store.commit(change);
      return { task: completed, instanceStatus: change.instance!.record.status };
    });
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
      const change = this.applyStep(compiled, instance, instance.revision, result, { type: 'timer', jobId, executionId }, SYSTEM, openTasks, jobs);
      change.finishJob = { id: jobId, lockedBy: workerId };
      change.audit.unshift(
        this.event(SYSTEM, 'timer.fired', `instance:${instance.id}`, {
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
          audit: [this.event(actor, 'incident.retry-failed', `incident:${id}`, { instanceId: instance.id, new: { message: updated.message, attempts: updated.attempts } })],
        });
        return { status: 'open', message: updated.message };
      }
      const change = this.applyStep(compiled, { ...instance, status: 'running' }, instance.revision, result, incident.action, actor, openTasks, jobs);
      change.incidents = [...(change.incidents ?? []), { ...incident, status: 'resolved', resolvedAt: now, attempts: incident.attempts + 1 }];
      change.audit.unshift(
        this.event(actor, 'incident.resolved', `incident:${id}`, { instanceId: instance.id, old: { status: 'open' }, new: { status: 'resolved' }, reason: 'retried successfully' }),
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

  // ---- audit -------------------------------------------------------------------------------------

  async verifyAuditTrail(): Promise<ChainVerification> {
    return verifyAuditChain(await this.store.listAudit({ limit: Number.MAX_SAFE_INTEGER }));
  }

  // ---- the step pattern --------------------------------------------------------------------------

  private step(compiled: CompiledDefinition, instance: InstanceRecord, action: StepAction): Promise<StepResult> {
    return runStep(compiled, instance.engineState, action, {
      instanceId: instance.id,
      businessKey: instance.businessKey,
      services: this.services,
      now: () => this.clock.now(),
    });
  }

  /**
   * Turns a step result into a change set: the instance's new state, tasks created for new waits and
   * cancelled for waits that vanished (an interrupting timer, say), timer jobs scheduled and cancelled,
   * an incident when the step failed, and an audit event for each of those.
   */
  private applyStep(
    compiled: CompiledDefinition,
    instance: InstanceRecord,
    expectedRevision: number | null,
    result: StepResult,
    action: PendingAction,
    actor: string,
    openTasks: TaskRecord[],
    scheduledJobs: JobRecord[],
  ): ChangeSet & { instance: NonNullable<ChangeSet['instance']> } {
    const now = this.now();
    const audit: AuditInput[] = [];
    const instanceId = instance.id;
    const revision = expectedRevision === null ? 0 : expectedRevision + 1;

    if (result.outcome === 'failed') {
      const incident: IncidentRecord = {
        id: randomUUID(),
        instanceId,
        ...(result.error?.elementId && { elementId: result.error.elementId }),
        message: result.error?.message ?? 'unknown error',
        action,
        status: 'open',
        createdAt: now,
        attempts: 1,
      };
      audit.push(
        this.event(SYSTEM, 'incident.opened', `incident:${incident.id}`, {
          instanceId,
          new: { element: incident.elementId, message: incident.message, action: action.type },
        }),
      );
      if (instance.status !== 'incident') {
        audit.push(this.event(SYSTEM, 'instance.status-changed', `instance:${instanceId}`, { instanceId, old: { status: instance.status }, new: { status: 'incident' }, reason: incident.message }));
      }
      return {
        instance: { record: { ...instance, status: 'incident', revision }, expectedRevision },
        incidents: [incident],
        audit,
      };
    }

    const status: InstanceRecord['status'] = result.outcome === 'completed' ? 'completed' : 'running';
    const record: InstanceRecord = {
      ...instance,
      status,
      output: { ...instance.output, ...result.output },
      engineState: result.engineState,
      revision,
      ...(status === 'completed' && { endedAt: now }),
    };
    const tasks: NonNullable<ChangeSet['tasks']> = [];

    const waitingIds = new Set(result.waitingTasks.map((t) => t.executionId));
    for (const task of openTasks) {
      if (waitingIds.has(task.executionId)) continue;
      tasks.push({ record: { ...task, status: 'cancelled', revision: task.revision + 1 }, expectedRevision: task.revision });
      audit.push(
        this.event(SYSTEM, 'task.cancelled', `task:${task.id}`, { instanceId, old: { status: 'open' }, new: { status: 'cancelled' }, reason: 'the process moved past this task' }),
      );
    }
    const known = new Set(openTasks.map((t) => t.executionId));
    for (const waiting of result.waitingTasks) {
      if (known.has(waiting.executionId)) continue;
      const task = this.newTask(compiled, record, waiting.elementId, waiting.executionId, waiting.item);
      tasks.push({ record: task, expectedRevision: null });
      audit.push(
        this.event(SYSTEM, 'task.created', `task:${task.id}`, {
          instanceId,
          new: { name: task.name, element: task.elementId, assignee: task.assignee, candidateRole: task.candidateRole, dueAt: task.dueAt },
        }),
      );
    }

    const scheduleJobs: JobRecord[] = [];
    const cancelJobs: string[] = [];
    const armed = new Map(result.armedTimers.map((t) => [t.executionId, t]));
    for (const job of scheduledJobs) {
      if (job.kind !== 'timer') continue;
      if (!armed.has(String(job.payload.executionId))) cancelJobs.push(job.id);
      else armed.delete(String(job.payload.executionId));
    }
    for (const timer of armed.values()) {
      const now = this.clock.now();
      const runAt = (timer.timerType && timer.value ? timerDueAt(timer.timerType, timer.value, now) : new Date(now.getTime() + timer.delayMs)).toISOString();
      scheduleJobs.push({
        id: `timer-${instanceId}-${timer.executionId}-${Date.parse(runAt)}`,
        kind: 'timer',
        runAt,
        status: 'scheduled',
        instanceId,
        payload: { executionId: timer.executionId, elementId: timer.elementId },
        attempts: 0,
      });
    }

    if (status === 'completed') {
      audit.push(this.event(SYSTEM, 'instance.completed', `instance:${instanceId}`, { instanceId, old: { status: instance.status }, new: { status } }));
    }
    return { instance: { record, expectedRevision }, tasks, scheduleJobs, cancelJobs, audit };
  }

  private newTask(compiled: CompiledDefinition, instance: InstanceRecord, elementId: string, executionId: string, item: unknown): TaskRecord {
    const spec = compiled.spec.userTasks.get(elementId);
    const now = this.clock.now();
    const scope = { variables: instance.variables, output: instance.output, item };
    const assignee = spec?.assignee ? resolveTemplate(spec.assignee, scope) : undefined;
    const name = spec?.name ? String(resolveTemplate(spec.name, scope)) : elementId;
    return {
      id: randomUUID(),
      instanceId: instance.id,
      definitionKey: instance.key,
      businessKey: instance.businessKey,
      elementId,
      executionId,
      name,
      ...(typeof assignee === 'string' && assignee && { assignee }),
      ...(spec?.candidateRole && { candidateRole: spec.candidateRole }),
      status: 'open',
      createdAt: now.toISOString(),
      ...(spec?.due && { dueAt: addDuration(spec.due, now).toISOString() }),
      form: spec?.form ?? [],
      ...(spec?.signature && { signature: spec.signature }),
      revision: 0,
    };
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

  private event(
    actor: string,
    action: string,
    target: string,
    details: { instanceId?: string; old?: unknown; new?: unknown; reason?: string } = {},
  ): AuditInput {
    return {
      at: this.now(),
      actor,
      action,
      target,
      ...(details.instanceId && { instanceId: details.instanceId }),
      ...(details.old !== undefined && { old: details.old }),
      ...(details.new !== undefined && { new: details.new }),
      ...(details.reason && { reason: details.reason }),
    };
  }
}

function checkVariables(variables: unknown): void {
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    throw new ValidationError('variables must be an object', [{ field: 'variables', message: 'must be an object' }]);
  }
  const size = Buffer.byteLength(JSON.stringify(variables));
  if (size > MAX_VARIABLES_BYTES) throw new TooLargeError(`variables are ${size} bytes; the limit is ${MAX_VARIABLES_BYTES}`);
}
