import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import { dueFrom, timerDueAt } from './durations.js';
import { resolveTemplate } from './expressions.js';
import type { AuditInput, IncidentRecord, InstanceRecord, JobRecord, PendingAction, TaskRecord, UserTaskSpec } from './model.js';
import type { CompiledDefinition, StepResult, WaitingTask } from './runtime.js';
import type { ChangeSet } from '../ports/commit-store.js';
import { auditEvent } from './audit-event.js';

// What one engine step changes, as a change set to commit: the instance, its tasks, jobs and incidents.

/** The actor of what the engine does on its own (timers, tasks it creates or cancels). */
export const SYSTEM = 'system';

/**
 * The jobs that follow a task (its notice, reminders, escalations): planned by the notifications feature,
 * handed in by the engine so the kernel knows no feature.
 */
export interface TaskJobPlanner {
  /** The jobs a new task needs, from its BPMN spec and the reminder and escalation defaults. */
  plan(task: TaskRecord, spec: UserTaskSpec | undefined, now: Date): JobRecord[];
  /** Of these scheduled jobs, the ids of those that follow the task (to cancel with it). */
  ofTask(jobs: JobRecord[], taskId: string): string[];
}

/** What turning a step into a change needs: the time, and the planner of the jobs that follow a task. */
export interface StepEnv {
  readonly clock: Clock;
  readonly taskJobs: TaskJobPlanner;
}

/** What a caller (a job handler) adds to the change an operation commits, so both land together. */
export interface ExtraChange {
  finishJob?: ChangeSet['finishJob'];
  scheduleJobs?: JobRecord[];
  linkTokens?: ChangeSet['linkTokens'];
  /** The inbound event that started a record (POST /api/events), kept once per sender's event id. */
  inboundEvents?: ChangeSet['inboundEvents'];
  /** Audit events of the caller's own, after the operation's. */
  audit?: AuditInput[];
}

/** One step taken: on which record and version, what was done and by whom, what came of it, and what stood before. */
export interface TakenStep {
  compiled: CompiledDefinition;
  instance: InstanceRecord;
  /** The revision the commit must still find (null: a new record). */
  expectedRevision: number | null;
  result: StepResult;
  action: PendingAction;
  actor: string;
  /** The record's open tasks before the step (not the one it completed). */
  openTasks: TaskRecord[];
  /** The record's scheduled jobs before the step. */
  scheduledJobs: JobRecord[];
}

/** A change set that saves a record. */
export type RecordChange = ChangeSet & { instance: NonNullable<ChangeSet['instance']> };

/**
 * Turns a step result into a change set: the instance's new state, tasks created for new waits and
 * cancelled for waits that vanished (an interrupting timer, say), timer jobs scheduled and cancelled,
 * an incident when the step failed, and an audit event for each of those.
 */
export function changeOfStep(env: StepEnv, step: TakenStep): RecordChange {
  const { compiled, instance, expectedRevision, result, action, openTasks, scheduledJobs } = step;
  const now = env.clock.now().toISOString();
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
      auditEvent(env.clock, {
        actor: SYSTEM,
        action: 'incident.opened',
        target: `incident:${incident.id}`,
        instanceId,
        new: { element: incident.elementId, message: incident.message, action: action.type },
      }),
    );
    if (instance.status !== 'incident') {
      audit.push(auditEvent(env.clock, { actor: SYSTEM, action: 'instance.status-changed', target: `instance:${instanceId}`, instanceId, old: { status: instance.status }, new: { status: 'incident' }, reason: incident.message }));
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

  const scheduleJobs: JobRecord[] = [];
  const cancelJobs: string[] = [];
  const revokeLinkTokens: NonNullable<ChangeSet['revokeLinkTokens']> = [];
  const waitingIds = new Set(result.waitingTasks.map((t) => t.executionId));
  for (const task of openTasks) {
    if (waitingIds.has(task.executionId)) continue;
    tasks.push({ record: { ...task, status: 'cancelled', cancelledAt: now, revision: task.revision + 1 }, expectedRevision: task.revision });
    cancelJobs.push(...env.taskJobs.ofTask(scheduledJobs, task.id));
    revokeLinkTokens.push({ taskId: task.id, reason: 'task cancelled', at: now });
    audit.push(
      auditEvent(env.clock, { actor: SYSTEM, action: 'task.cancelled', target: `task:${task.id}`, instanceId, old: { status: 'open' }, new: { status: 'cancelled' }, reason: 'the process moved past this task' }),
    );
  }
  const known = new Set(openTasks.map((t) => t.executionId));
  for (const waiting of result.waitingTasks) {
    if (known.has(waiting.executionId)) continue;
    const task = newTask(env.clock, compiled, record, waiting);
    tasks.push({ record: task, expectedRevision: null });
    scheduleJobs.push(...env.taskJobs.plan(task, compiled.spec.userTasks.get(task.elementId), env.clock.now()));
    audit.push(
      auditEvent(env.clock, {
        actor: SYSTEM,
        action: 'task.created',
        target: `task:${task.id}`,
        instanceId,
        new: { name: task.name, element: task.elementId, assignee: task.assignee, candidateRole: task.candidateRole, dueAt: task.dueAt },
      }),
    );
  }

  const armed = new Map(result.armedTimers.map((t) => [t.executionId, t]));
  for (const job of scheduledJobs) {
    if (job.kind !== 'timer') continue;
    if (!armed.has(String(job.payload.executionId))) cancelJobs.push(job.id);
    else armed.delete(String(job.payload.executionId));
  }
  for (const timer of armed.values()) {
    const now = env.clock.now();
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
    audit.push(auditEvent(env.clock, { actor: SYSTEM, action: 'instance.completed', target: `instance:${instanceId}`, instanceId, old: { status: instance.status }, new: { status } }));
  }
  return { instance: { record, expectedRevision }, tasks, scheduleJobs, cancelJobs, revokeLinkTokens, audit };
}

function newTask(clock: Clock, compiled: CompiledDefinition, instance: InstanceRecord, waiting: WaitingTask): TaskRecord {
  const { elementId, executionId, item } = waiting;
  const spec = compiled.spec.userTasks.get(elementId);
  const now = clock.now();
  const scope = { variables: instance.variables, output: instance.output, item };
  const assignee = spec?.assignee ? resolveTemplate(spec.assignee, scope) : undefined;
  // a role may come from the record too (`${item.role}`: one review per role a document names)
  const role = spec?.candidateRole?.includes('${') ? resolveTemplate(spec.candidateRole, scope) : spec?.candidateRole;
  const candidateRole = typeof role === 'string' && role ? role : undefined;
  const name = spec?.name ? String(resolveTemplate(spec.name, scope)) : elementId;
  // ims:due is a duration, or an expression giving one or a date (an action's own due date)
  const dueAt = spec?.due ? dueFrom(resolveTemplate(spec.due, scope), now) : undefined;
  return {
    id: randomUUID(),
    instanceId: instance.id,
    definitionKey: instance.key,
    businessKey: instance.businessKey,
    ...(instance.site && { site: instance.site }),
    elementId,
    executionId,
    ...(waiting.index !== undefined && { iteration: { index: waiting.index, item: item ?? null } }),
    name,
    ...(typeof assignee === 'string' && assignee && { assignee }),
    ...(candidateRole && { candidateRole }),
    status: 'open',
    createdAt: now.toISOString(),
    ...(dueAt && { dueAt: dueAt.toISOString() }),
    form: spec?.form ?? [],
    ...(spec?.signature && { signature: spec.signature }),
    revision: 0,
  };
}

/** Folds a linked record's start into the change of the step that started it. */
export function mergeChange(into: ChangeSet, child: ChangeSet & { instance: NonNullable<ChangeSet['instance']> }): void {
  into.linkedInstances = [...(into.linkedInstances ?? []), child.instance.record, ...(child.linkedInstances ?? [])];
  into.tasks = [...(into.tasks ?? []), ...(child.tasks ?? [])];
  into.scheduleJobs = [...(into.scheduleJobs ?? []), ...(child.scheduleJobs ?? [])];
  into.incidents = [...(into.incidents ?? []), ...(child.incidents ?? [])];
  into.audit.push(...child.audit);
}

/** Adds what a job handler contributes to an operation's change set. */
export function withExtra(change: ChangeSet, extra: ExtraChange): ChangeSet {
  return {
    ...change,
    ...(extra.finishJob && { finishJob: extra.finishJob }),
    scheduleJobs: [...(change.scheduleJobs ?? []), ...(extra.scheduleJobs ?? [])],
    linkTokens: [...(change.linkTokens ?? []), ...(extra.linkTokens ?? [])],
    ...(extra.inboundEvents && { inboundEvents: [...(change.inboundEvents ?? []), ...extra.inboundEvents] }),
    audit: [...change.audit, ...(extra.audit ?? [])],
  };
}
