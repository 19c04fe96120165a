import { randomUUID } from 'node:crypto';
import { checkDefinition, type CheckResult, type DefinitionChecker } from './kernel/bpmn/lint.js';
import { ChangeControl } from './features/change-control/index.js';
import { verifyAuditChain, type ChainVerification } from './kernel/audit-chain.js';
import { systemClock, type Clock } from './kernel/clock.js';
import { auditEvent } from './kernel/audit-event.js';
import { businessKey as operationKey, packNumber, forgetNumbersSince, inOperation, numbersTaken, operationClock, type GiveBack } from './kernel/operation.js';
import { ConflictError, NotFoundError, RevisionConflict, ValidationError } from './kernel/errors.js';
import { type ClauseLookup, type FormContext } from './kernel/forms.js';
import { fieldTypeMap, type PackFieldType } from './kernel/field-types.js';
import { inboundTypeMap, type InboundType, type PackInboundType } from './features/inbound/index.js';
import type { DefinitionRecord, DefinitionSource, ExtensionRequest, FormField, IncidentRecord, InstanceRecord, JobRecord, RecordLink, ScheduleRecord, TaskRecord, UserRecord } from './kernel/model.js';
import { compileDefinition, iterationCountProblem, runStep, type CompiledDefinition, type StepAction, type StepResult } from './kernel/runtime.js';
import { ServiceRegistry, type RecordReader } from './kernel/services.js';
import { DEFAULT_POLICY, jobsOfTask, planTaskJobs, type NotificationPolicy } from './features/notifications/index.js';
import type { SignatureInput } from './features/signatures/index.js';
import type { ReaderDefaults } from './kernel/i18n/index.js';
import type { ChangeSet } from './ports/commit-store.js';
import type { TaskQuery } from './ports/record-store.js';
import type { Store } from './ports/store.js';
import { Queries } from './queries/index.js';
import type { PackFigure } from './features/dashboard/index.js';
import { Commands } from './commands/index.js';
import { checkVariables } from './kernel/input-checks.js';
import { changeOfStep, mergeChange, withExtra, type ExtraChange, type RecordChange, type TakenStep, type TaskJobPlanner } from './kernel/step-change.js';
import type { FeatureContext } from './features/context.js';
import * as definitions from './features/definitions/index.js';
import * as extensions from './features/extensions/index.js';
import * as incidents from './features/incidents/index.js';
import * as instances from './features/instances/index.js';
import type { InstanceView } from './features/instances/index.js';
import * as people from './features/people/index.js';
import * as schedules from './features/scheduled-starts/index.js';
import * as starting from './features/starting/index.js';
import * as taskFeature from './features/tasks/index.js';
import * as timers from './features/timers/index.js';

export { profileOf } from './features/people/index.js';
export type { ExtraChange } from './kernel/step-change.js';
export type { InstanceView, PendingJob } from './features/instances/index.js';
export type { StartableProcess, Started, StartInput } from './features/starting/index.js';

export interface ProcessEngineOptions {
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
   * injects engine/kernel/bpmn/check-pool.ts. Without it, files are checked in this thread.
   */
  checker?: DefinitionChecker;
  /** Longest one engine step may take to reach a wait state before it becomes an incident (default 30 s). */
  stepTimeoutMs?: number;
  /** The packs' figures the dashboard shows (their facts are kept by FigureProjections, attached by the assembly). */
  figures?: readonly PackFigure[];
  /** Where people's locale and clock default from (engine/kernel/i18n): a signature's time is shown in the signer's zone. */
  readers?: ReaderDefaults;
  /** The form-field types the packs bring (ProcessPack.fieldTypes): BPMN may use them, forms check and show their values. */
  fieldTypes?: readonly PackFieldType[];
  /** The inbound event types the packs bring (ProcessPack.inbound), besides the built-in ones. */
  inboundTypes?: readonly (PackInboundType & { processKey: string })[];
}

/**
 * The engine's public face: deploy definitions, start instances, complete tasks, fire timers, handle
 * incidents. Every method follows one pattern: read records → run one engine step → commit everything
 * it changed (records, jobs, audit events) in one compare-and-swap transaction → retry on a lost race.
 */
export class ProcessEngine {
  readonly store: Store;
  readonly clock: Clock;
  /** The clock as given; `clock` is it as operations read it (one instant per attempt). */
  private readonly baseClock: Clock;
  readonly services: ServiceRegistry;
  readonly policy: NotificationPolicy;
  readonly catalogue?: ClauseLookup;
  /** The packs' form-field types by name (ProcessPack.fieldTypes): pages offer and show their values with them. */
  readonly fieldTypes: ReadonlyMap<string, PackFieldType>;
  /** The inbound event types it understands (POST /api/events), built-in and the packs', by type. */
  readonly inboundTypes: ReadonlyMap<string, InboundType>;
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
  /** The task commands, each checking its own policy (features/tasks): what api/ calls. */
  readonly tasks: taskFeature.TaskCommands;
  /** The administration of people, each command checking who may (features/people). */
  readonly people: people.PeopleCommands;
  /** What the feature modules (features/) use of the engine. */
  private readonly context: FeatureContext;
  /** The notifications feature's plan of the jobs that follow a task, for the kernel's step change. */
  readonly taskJobs: TaskJobPlanner;

  constructor(options: ProcessEngineOptions) {
    this.store = options.store;
    this.records = instances.recordReader(this.store);
    // one instant per operation attempt: the events of one commit share their time (kernel/operation.ts)
    this.baseClock = options.clock ?? systemClock;
    this.clock = operationClock(this.baseClock);
    this.services = options.services ?? new ServiceRegistry();
    this.maxConflictRetries = options.maxConflictRetries ?? 20;
    this.policy = options.policy ?? DEFAULT_POLICY;
    const policy = this.policy;
    this.taskJobs = { plan: (task, spec, now) => planTaskJobs(task, spec, policy, now), ofTask: jobsOfTask };
    if (options.catalogue) this.catalogue = options.catalogue;
    this.fieldTypes = fieldTypeMap(options.fieldTypes ?? []);
    this.inboundTypes = inboundTypeMap(options.inboundTypes ?? []);
    if (options.checker) this.checker = options.checker;
    if (options.stepTimeoutMs !== undefined) this.stepTimeoutMs = options.stepTimeoutMs;
    this.changes = new ChangeControl({
      store: this.store,
      clock: this.clock,
      check: (xml) => this.checkDefinition(xml),
      prepareStart: (key, input, actor) => this.prepareStart(key, input, actor),
      effective: (key) => this.store.getEffectiveDefinition(key, this.now()),
      ...(policy.remindEvery && { reviewRemindEvery: policy.remindEvery }),
      ...(options.readers && { readers: options.readers }),
    });
    this.queries = new Queries(this.store, this.clock, options.figures ?? []);
    this.commands = new Commands(this.store, this.clock, options.readers);
    this.context = {
      store: this.store,
      clock: this.clock,
      policy: this.policy,
      ...(options.readers && { readers: options.readers }),
      formContext: this.formContext,
      now: () => this.now(),
      withRetry: (operation) => this.withRetry(operation),
      getTask: (id) => this.getTask(id),
      openTask: (id) => this.openTask(id),
      compileFor: (instanceId) => this.compileFor(instanceId),
      getDefinition: (key, version) => this.getDefinition(key, version),
      start: (key, input, actor, extra) => this.start(key, input, actor, extra),
      checkDefinition: (xml, options) => this.checkDefinition(xml, options),
      compile: (key, version, record) => this.compile(key, version, record),
      loadInstance: (id) => this.loadInstance(id),
      step: (compiled, instance, action) => this.step(compiled, instance, action),
      applyStep: (step) => this.applyStep(step),
      completionCheck: (key) => this.services.completionCheck(key),
      records: this.records,
    };
    this.tasks = new taskFeature.TaskCommands(this.context);
    this.people = new people.PeopleCommands(this.context);
  }

  /**
   * What task and start forms are checked against: the clause catalogue, the directory of people and the
   * packs' field types. A caller adds the record's `site`, which a person named must belong to.
   */
  get formContext(): FormContext {
    return {
      people: people.personDirectory(this.store),
      ...(this.catalogue && { catalogue: this.catalogue }),
      packFields: { types: this.fieldTypes, records: this.records, now: () => this.clock.now(), siteName: async (key) => (await this.store.getSite(key))?.name },
      now: () => this.clock.now(),
    };
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
    return check(xml, { services: this.services.names(), fieldTypes: new Set(this.fieldTypes.keys()) });
  }

  /** Validates and stores a new version, in effect at once, outside change control (see features/definitions). */
  deploy(xml: string, actor: string, reason?: string, options: { via?: Exclude<DefinitionSource, 'change-control'> } = {}): Promise<{ key: string; version: number; hash: string; created: boolean }> {
    return definitions.deploy(this.context, xml, actor, reason, options);
  }

  listDefinitions(): Promise<Omit<DefinitionRecord, 'xml'>[]> {
    return definitions.listDefinitions(this.context);
  }

  getDefinition(key: string, version?: number): Promise<DefinitionRecord> {
    return definitions.getDefinition(this.context, key, version);
  }

  /** The version new instances start on now: the highest version in effect. */
  effectiveDefinition(key: string): Promise<DefinitionRecord> {
    return definitions.effectiveDefinition(this.context, key);
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

  /**
   * The forms of a version's user tasks by element id, then its start form by the start event's: the labels,
   * types and options its records' data was entered with.
   */
  async taskForms(key: string, version: number): Promise<Map<string, FormField[]>> {
    const { spec } = await this.compile(key, version);
    const forms = new Map([...spec.userTasks].map(([elementId, task]) => [elementId, task.form]));
    if (spec.startEvent && spec.startForm.length && !forms.has(spec.startEvent)) forms.set(spec.startEvent, spec.startForm);
    return forms;
  }

  /** The start form of the version in effect, with the start event's id (its fields' messages are `<key>.<startEvent>.field.…`). */
  async startForm(key: string): Promise<{ startEvent: string; form: FormField[] }> {
    const definition = await this.effectiveDefinition(key);
    const { spec } = await this.compile(definition.key, definition.version, definition);
    return { startEvent: spec.startEvent ?? 'start', form: spec.startForm };
  }

  // ---- instances ---------------------------------------------------------------------------------

  async start(
    key: string,
    input: { variables?: Record<string, unknown>; businessKey?: string; site?: string; links?: RecordLink[] },
    actor: string,
    extra: ExtraChange | ((started: { id: string; businessKey: string }) => ExtraChange) = {},
  ): Promise<{ id: string; businessKey: string; version: number; status: InstanceRecord['status'] }> {
    return inOperation(
      this.baseClock,
      async () => {
        const { change, started } = await this.prepareStart(key, input, actor);
        await this.store.commit(withExtra(change, typeof extra === 'function' ? extra(started) : extra));
        return started;
      },
      { giveBack: this.giveBack },
    );
  }

  /**
   * The change that starts an instance, not yet committed: `start` commits it alone, a step whose service
   * started a linked record commits it together with its own (`origin` links the two).
   */
  private async prepareStart(
    key: string,
    input: { variables?: Record<string, unknown>; businessKey?: string; site?: string; links?: RecordLink[] },
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
    await starting.refuseByStartCheck(this.services, { records: this.records, now: this.clock.now() }, definition.key, variables, input.site);
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
      // a linked start's origin, or the records a start names itself (a recurrence: the remedy and the event)
      ...((origin || input.links?.length) && { links: [...(origin ? [origin.link] : []), ...(input.links ?? [])] }),
    };
    const result = await this.step(compiled, instance, { type: 'start', variables });
    const change = await this.applyStep({ compiled, instance, expectedRevision: null, result, action: { type: 'start' }, actor, openTasks: [], scheduledJobs: [] }, (origin?.depth ?? 0) + 1);
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

  /**
   * A person starts a record (the JSON API, the "New" page): one of their roles among the process's
   * ims:starters and the site theirs (else 403), the data passing the start form (else 400 naming each field).
   */
  startAs(key: string, input: starting.StartInput, user: UserRecord): Promise<starting.Started> {
    return starting.startByPerson(this.context, key, input, user);
  }

  /** What `user` may start, each with its start form and the sites they may pick. */
  startable(user: UserRecord): Promise<starting.StartableProcess[]> {
    return starting.startableProcesses(this.context, user);
  }

  /** The variables a system start brings (an inbound event), checked against the start form: the form's fields cleaned, the rest kept. */
  checkStartData(key: string, variables: Record<string, unknown>, site?: string): Promise<Record<string, unknown>> {
    return starting.checkStartData(this.context, key, variables, site);
  }

  /** A record with its tasks, incidents, history and signatures checked against the data as stored now. */
  getInstance(id: string): Promise<InstanceView> {
    return instances.getInstance(this.context, id);
  }

  cancelInstance(id: string, reason: string, actor: string): Promise<void> {
    return instances.cancelInstance(this.context, id, reason, actor);
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
   * The completion step for a trusted actor (scripts, tests, the demo): the task still open, separation of
   * duties, the form and the signature's fields, then one commit (features/tasks/completion.ts). A person's
   * request goes through `tasks.complete`, which checks who may complete it first.
   */
  completeTask(
    taskId: string,
    data: unknown,
    actor: string,
    options: { linkTokenId?: string; signature?: SignatureInput } = {},
  ): Promise<taskFeature.CompletedTask> {
    return taskFeature.completeStep(this.context, taskId, data, actor, options);
  }

  /**
   * Why `actor` may not complete `task` under its separation-of-duties rule (ims:notBy), or undefined when
   * they may; a page asks to tell them on the task page.
   */
  separationOfDutiesConflict(task: TaskRecord, actor: string): Promise<string | undefined> {
    return taskFeature.dutiesConflict(this.context, task, actor);
  }

  // ---- timers (called by a scheduler with a job it has claimed) ------------------------------------

  /** Fires a timer job claimed by `workerId`; the job is finished in the same commit, so it fires once. */
  fireTimer(jobId: string, workerId: string): Promise<'fired' | 'stale'> {
    return timers.fireTimer(this.context, jobId, workerId);
  }

  // ---- incidents ---------------------------------------------------------------------------------

  listIncidents(query: { status?: IncidentRecord['status']; instanceId?: string } = {}): Promise<IncidentRecord[]> {
    return incidents.listIncidents(this.context, query);
  }

  getIncident(id: string): Promise<IncidentRecord> {
    return incidents.getIncident(this.context, id);
  }

  /** Replays the action that failed, from the state before it. */
  retryIncident(id: string, actor: string): Promise<{ status: 'resolved' | 'open'; message?: string }> {
    return incidents.retryIncident(this.context, id, actor);
  }

  // ---- task holding (features/tasks) ------------------------------------------------------------

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

  /** A person sets their own language and time zone (the account page); an empty value follows their site. */
  setReadingPreferences(personId: string, input: { locale?: unknown; timeZone?: unknown }, actor: string): Promise<UserRecord> {
    return people.setReadingPreferences(this.context, personId, input, actor);
  }

  /** A person chooses each notice at once or one daily digest at a time of day (the account page). */
  setNoticePreference(personId: string, input: { delivery?: unknown; at?: unknown }, actor: string): Promise<UserRecord> {
    return people.setNoticePreference(this.context, personId, input, actor);
  }

  /** A person sets their out-of-office period and the colleague who holds their tasks meanwhile. */
  setAbsence(personId: string, input: { fromDay?: unknown; toDay?: unknown; delegate?: unknown }, actor: string): Promise<UserRecord> {
    return people.setAbsence(this.context, personId, input, actor);
  }

  /** A person ends (or cancels) their out-of-office period now. */
  clearAbsence(personId: string, actor: string): Promise<UserRecord> {
    return people.clearAbsence(this.context, personId, actor);
  }

  /** Who may stand in for a person while they are out of office. */
  possibleDelegates(personId: string): Promise<UserRecord[]> {
    return people.possibleDelegates(this.context, personId);
  }

  /** The durable start or end of an out-of-office period (job kind `absence`). */
  handleAbsence(job: JobRecord, workerId: string): Promise<'done' | 'stale'> {
    return people.handleAbsence(this.context, job, workerId);
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

  private async step(compiled: CompiledDefinition, instance: InstanceRecord, action: StepAction): Promise<StepResult> {
    // a step that fails keeps nothing it numbered: its numbers go back at the operation's end
    const mark = numbersTaken();
    const result = await runStep(compiled, instance.engineState, action, {
      instanceId: instance.id,
      businessKey: instance.businessKey,
      ...(instance.site && { site: instance.site }),
      services: this.services,
      records: this.records,
      now: () => this.clock.now(),
      nextNumber: (sequence) => packNumber(sequence, (name) => this.store.nextSequence(name)),
      ...(this.stepTimeoutMs !== undefined && { timeoutMs: this.stepTimeoutMs }),
    });
    if (result.outcome === 'failed') forgetNumbersSince(mark);
    return result;
  }

  /** What services may read of other records. */
  private readonly records: RecordReader;

  /**
   * A step's change set, with the records its services started (linked starts) added: each new record,
   * its first tasks and jobs, and the links on both sides land in the same commit. A linked start that
   * cannot be made (its process is not deployed, say) fails the step: an incident, not a half-made thread.
   */
  private async applyStep(step: TakenStep, depth = 0): Promise<RecordChange> {
    const { result, actor, instance } = step;
    const change = changeOfStep(this, step);
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
      return changeOfStep(this, { ...step, result: failed });
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
    const sequence = `${prefix}-${year}`;
    // a retry of the same operation takes the keys its lost attempts took: no gap in the numbering
    const n = await operationKey(sequence, () => this.store.nextSequence(sequence));
    return `${sequence}-${String(n).padStart(4, '0')}`;
  }

  /** Numbers an operation took and did not use go back to their sequence, while nobody numbered after them. */
  private readonly giveBack: GiveBack = (sequence, first, last) => this.store.returnSequence(sequence, first, last);

  /** Redoes an operation that lost a compare-and-swap race, re-reading everything each time. */
  private withRetry<T>(operation: () => Promise<T>): Promise<T> {
    return inOperation(this.baseClock, operation, {
      retry: async (err, attempt) => {
        if (!(err instanceof RevisionConflict)) return false;
        if (attempt >= this.maxConflictRetries) throw new ConflictError(`the record kept changing while it was updated; try again (${err.message})`);
        // Spread the retries of racing writers apart.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
        return true;
      },
      giveBack: this.giveBack,
    });
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

/** How deep a chain of linked starts may go (an audit starts a CAPA, which may start another record). */
const MAX_LINK_DEPTH = 3;
