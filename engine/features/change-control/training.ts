import { ConflictError, NotFoundError } from '../../kernel/errors.js';
import { auditEvent } from '../../kernel/audit-event.js';
import type { DefinitionRecord, InstanceRecord, TaskRecord, UserRecord } from '../../kernel/model.js';
import type { ChangeSet } from '../../ports/commit-store.js';
import { type ChangeControlHost, type OutstandingItem, TRAINING_PROCESS, TRAINING_TASK, type TrainingItem } from './model.js';

/** Read-and-understood training on a published version: assigning it on publication, coverage, who is outstanding. */

/** Training is due at the effective date when that leaves time to read; otherwise this long after publishing. */
const TRAINING_LEAD_MS = 7 * 24 * 3_600_000;
const TRAINING_DEFAULT_MS = 14 * 24 * 3_600_000;
/** Every record of a query (lists the store pages by default). */
const ALL = 1_000_000;

/** How many of the people given a version to read acknowledged it; cancelled tasks are not counted. */
export function coverageOf(items: TrainingItem[]): { acknowledged: number; total: number } {
  const counted = items.filter((i) => i.status !== 'cancelled');
  return { acknowledged: counted.filter((i) => i.status === 'acknowledged').length, total: counted.length };
}

function trainingItem(instance: InstanceRecord, allTasks: TaskRecord[]): TrainingItem {
  const v = instance.variables;
  const tasks = allTasks.filter((t) => t.elementId === TRAINING_TASK);
  const task = tasks.find((t) => t.status === 'completed') ?? tasks.find((t) => t.status === 'open') ?? tasks[0];
  const status: TrainingItem['status'] = task?.status === 'completed' ? 'acknowledged' : instance.status === 'cancelled' ? 'cancelled' : 'open';
  return {
    user: String(v.user),
    name: String(v.userName ?? v.user),
    ...(typeof v.role === 'string' && { role: v.role }),
    status,
    ...(task?.status === 'completed' && task.completedAt && { acknowledgedAt: task.completedAt }),
    ...(task && { taskId: task.id }),
    instanceId: instance.id,
    ...(instance.site && { site: instance.site }),
    ...(task?.dueAt && { dueAt: task.dueAt }),
  };
}

/** Folds the starts of training records into the publishing change. */
export function mergeStarts(into: ChangeSet, starts: (ChangeSet & { instance: NonNullable<ChangeSet['instance']> })[]): void {
  for (const start of starts) {
    into.linkedInstances = [...(into.linkedInstances ?? []), start.instance.record, ...(start.linkedInstances ?? [])];
    into.tasks = [...(into.tasks ?? []), ...(start.tasks ?? [])];
    into.scheduleJobs = [...(into.scheduleJobs ?? []), ...(start.scheduleJobs ?? [])];
    into.incidents = [...(into.incidents ?? []), ...(start.incidents ?? [])];
    into.audit.push(...start.audit);
  }
}

export function trainingDueFor(effectiveAt: Date, now: Date): Date {
  return effectiveAt.getTime() - now.getTime() >= TRAINING_LEAD_MS ? effectiveAt : new Date(now.getTime() + TRAINING_DEFAULT_MS);
}

/**
 * Who was given a version to read, and who acknowledged it: of the people `visible` keeps (a reader's
 * sites), counted without cancelled tasks; `due` is the earliest due date of all.
 */
export async function trainingCoverage(host: ChangeControlHost, key: string, version: number, visible: (item: TrainingItem) => boolean = () => true): Promise<{ due?: string; items: TrainingItem[]; acknowledged: number; total: number }> {
  if (!(await host.store.getDefinition(key, version))) throw new NotFoundError(`process "${key}" has no version ${version}`);
  const all = (await trainingRecords(host, { processKey: key })).filter((t) => t.version === version).map((t) => t.item);
  const items = all.filter(visible);
  const due = all.map((i) => i.dueAt).filter((d): d is string => Boolean(d)).sort()[0];
  return { ...(due && { due }), items, ...coverageOf(items) };
}

/** Open read-and-understood tasks: who is not yet trained on which version, oldest due first. */
export async function outstandingTraining(host: ChangeControlHost, query: { sites?: string[] } = {}): Promise<OutstandingItem[]> {
  const instances = await host.store.listInstances({ key: TRAINING_PROCESS, status: 'running', ...(query.sites && { sites: query.sites }), limit: ALL });
  if (!instances.length) return [];
  const tasks = await host.store.listTasks({ instanceIds: instances.map((i) => i.id), status: 'open', limit: ALL });
  const byId = new Map(instances.map((i) => [i.id, i]));
  const now = host.clock.now().toISOString();
  return tasks
    .filter((task) => task.elementId === TRAINING_TASK)
    .map((task) => {
      const instance = byId.get(task.instanceId)!;
      const v = instance.variables;
      return {
        user: task.assignee ?? String(v.user),
        name: String(v.userName ?? v.user),
        processKey: String(v.processKey),
        version: Number(v.version),
        taskId: task.id,
        instanceId: instance.id,
        ...(instance.site && { site: instance.site }),
        ...(task.dueAt && { dueAt: task.dueAt }),
        overdue: Boolean(task.dueAt && task.dueAt < now),
      };
    })
    .sort((a, b) => (a.dueAt ?? '\uffff').localeCompare(b.dueAt ?? '\uffff') || a.user.localeCompare(b.user));
}

/** The people who act in a version's process: holders of its user tasks' candidate roles and of its owner role. */
async function trainees(host: ChangeControlHost, spec: { userTasks: Map<string, { candidateRole?: string }>; ownerRole?: string }): Promise<{ user: UserRecord; role: string }[]> {
  const roles = [...new Set([...[...spec.userTasks.values()].map((t) => t.candidateRole), spec.ownerRole].filter((r): r is string => Boolean(r) && !r!.includes('${')))];
  const found = new Map<string, { user: UserRecord; role: string }>();
  for (const role of roles) {
    for (const user of await host.store.listUsers({ role, active: true })) if (!found.has(user.id)) found.set(user.id, { user, role });
  }
  return [...found.values()].sort((a, b) => a.user.id.localeCompare(b.user.id));
}

export async function trainingChange(
  host: ChangeControlHost,
  version: DefinitionRecord,
  spec: { userTasks: Map<string, { candidateRole?: string }>; ownerRole?: string },
  dueAt: Date,
  actor: string,
): Promise<{ starts: (ChangeSet & { instance: NonNullable<ChangeSet['instance']> })[]; dueAt: string }> {
  const people = await trainees(host, spec);
  const due = dueAt.toISOString();
  if (!people.length) return { starts: [], dueAt: due };
  if (!(await host.effective(TRAINING_PROCESS))) {
    throw new ConflictError(`the process "${TRAINING_PROCESS}" is not deployed, so the ${people.length} people who act in ${version.key} could not be given version ${version.version} to read: deploy it, then publish`);
  }
  const starts = [];
  for (const { user, role } of people) {
    const { change } = await host.prepareStart(
      TRAINING_PROCESS,
      {
        variables: { processKey: version.key, processName: version.name, version: version.version, effectiveAt: version.effectiveAt, user: user.id, userName: user.name, role, dueAt: due },
        ...(user.sites?.length === 1 && { site: user.sites[0] }),
      },
      actor,
    );
    change.audit.push(
      auditEvent(host.clock, {
        actor,
        action: 'training.assigned',
        target: `definition:${version.key}@${version.version}`,
        instanceId: change.instance.record.id,
        new: { user: user.id, role, version: version.version, dueAt: due, instance: change.instance.record.businessKey },
        reason: `version ${version.version} of ${version.name} was published`,
      }),
    );
    starts.push(change);
  }
  return { starts, dueAt: due };
}

/** The read-and-understood records of a process, one per person and version. */
export async function trainingRecords(host: ChangeControlHost, filter: { processKey: string }): Promise<{ version: number; item: TrainingItem }[]> {
  const instances = (await host.store.listInstances({ key: TRAINING_PROCESS, limit: ALL })).filter((i) => i.variables.processKey === filter.processKey);
  if (!instances.length) return [];
  const tasks = await host.store.listTasks({ instanceIds: instances.map((i) => i.id), limit: ALL });
  return instances.map((instance) => ({ version: Number(instance.variables.version), item: trainingItem(instance, tasks.filter((t) => t.instanceId === instance.id)) }));
}
