import type { InstanceRecord, KpiRecord, KpiValueRecord, TaskRecord } from '../model.js';
import type { AccountStore } from '../ports/account-store.js';
import type { BackupStore } from '../ports/backup-store.js';
import type { CommitStore } from '../ports/commit-store.js';
import type { JobStore } from '../ports/job-store.js';
import type { OutboxStore } from '../ports/outbox-store.js';
import type { RecordStore } from '../ports/record-store.js';
import type { StoreOperations } from '../ports/store-operations.js';

/**
 * Which records the dashboard counts: of some processes, of some sites. Absent: all. `sites.orNone` adds
 * records that belong to no site (what site visibility includes; an explicit site filter does not).
 */
export interface FigureScope {
  processes?: string[];
  sites?: { in: string[]; orNone: boolean };
}

/** What open tasks are grouped by. */
export type TaskDimension = 'definitionKey' | 'site' | 'assignee' | 'candidateRole' | 'escalationLevel';

/**
 * Open tasks at `at` (created by then, not completed or cancelled by then), grouped by some dimensions,
 * counted per due band: band 0 holds due dates before dueEdges[0], band i those in [dueEdges[i-1],
 * dueEdges[i]), the last those at or after the last edge. Tasks without a due date count in `noDue`.
 * The adapters index the groupings the dashboard asks for: [definitionKey, site, candidateRole,
 * escalationLevel] (few values each) and [assignee] (many), so each is one pass in index order.
 */
export interface OpenTaskGroupQuery extends FigureScope {
  at: string;
  dueEdges: string[];
  by: TaskGrouping;
}

export type TaskGrouping = 'holders' | 'assignee';

/** The dimensions of each grouping. */
export const TASK_GROUPINGS: Record<TaskGrouping, readonly TaskDimension[]> = {
  holders: ['definitionKey', 'site', 'candidateRole', 'escalationLevel'],
  assignee: ['assignee'],
};

export interface OpenTaskGroup {
  /** The group's value of each dimension of the grouping: null for none (no site, unassigned, no role). */
  values: Partial<Record<TaskDimension, string | number | null>>;
  noDue: number;
  /** dueEdges.length + 1 counts. */
  bands: number[];
}

/**
 * Task counts per interval [edges[i], edges[i+1]) (edges ascending ISO times, the last no later than the
 * time the dashboard is read at): tasks created in it, completed in it, and overdue at its end (due before
 * edges[i+1], not completed or cancelled by then).
 */
export interface TaskSeriesQuery extends FigureScope {
  edges: string[];
}

export interface TaskSeries {
  created: number[];
  completed: number[];
  overdueAtEnd: number[];
}

/** Tasks behind a dashboard figure. Every condition given must hold. */
export interface TaskSearch extends FigureScope {
  /** Open at this time: created by then, and not completed or cancelled by then. */
  openAt?: string;
  dueFrom?: string;
  dueBefore?: string;
  createdFrom?: string;
  createdBefore?: string;
  completedFrom?: string;
  completedBefore?: string;
  /** Overdue at this time: due before it, created by then, not completed or cancelled by then. */
  overdueAt?: string;
  /** null: unassigned. */
  assignee?: string | null;
  /** null: without a candidate role. */
  candidateRole?: string | null;
  /** Exactly this escalation level (0: not escalated). */
  escalationLevel?: number;
  minEscalationLevel?: number;
  limit?: number;
}

/** Instances of a process that ended (completed) in [endedFrom, endedBefore), with how many of their tasks were completed late. */
export interface ClosedInstanceQuery extends FigureScope {
  key: string;
  endedFrom: string;
  endedBefore: string;
}

export interface ClosedInstance {
  id: string;
  businessKey: string;
  site: string | null;
  startedAt: string;
  endedAt: string;
  /** Tasks completed after their due date. */
  lateTasks: number;
}

/**
 * Internal-audit findings (`output.findings.findings` of the process `key`) of records started in
 * [startedFrom, startedBefore), not cancelled.
 */
export interface FindingQuery extends FigureScope {
  key: string;
  startedFrom: string;
  startedBefore: string;
  clause?: string;
  grade?: string;
  limit?: number;
}

export interface FindingCount {
  clause: string;
  number: string;
  title: string;
  grade: string;
  count: number;
}

export interface FindingRow {
  instanceId: string;
  businessKey: string;
  site: string | null;
  startedAt: string;
  n: number;
  clause: string;
  number: string;
  title: string;
  grade: string;
  statement: string;
}

/** Gap analyses (process `key`) started by `startedBefore`, not cancelled, that hold a report (`output.gapReport`). */
export interface GapReportQuery extends FigureScope {
  key: string;
  startedBefore: string;
}

export interface GapReportRow {
  instanceId: string;
  businessKey: string;
  site: string | null;
  startedAt: string;
  status: InstanceRecord['status'];
  signedOff: boolean;
  coverage: { standard: string; applicable: number; assessed: number; conforms: number; partial: number; gap: number; na: number }[];
}

/**
 * A whole store: every port (engine/ports/) in one object, as both adapters implement it (sqlite/ for the
 * embedded default, mongo/ for scale mode). Code that needs a part of it asks for that port; the assembly
 * (workers/assemble.ts) and the adapters' own tests hold the whole. Each port's contract suite is under
 * test/contracts/<port>/.
 */
export interface Store extends StoreOperations, CommitStore, RecordStore, AccountStore, JobStore, OutboxStore, BackupStore {
  // ---- dashboard figures: counted by the store, never by loading the records --------------------------

  openTaskGroups(query: OpenTaskGroupQuery): Promise<OpenTaskGroup[]>;
  taskSeries(query: TaskSeriesQuery): Promise<TaskSeries>;
  /** Oldest due first (tasks without a due date last), then by id. */
  searchTasks(query: TaskSearch): Promise<TaskRecord[]>;
  /** By endedAt, then id. */
  closedInstances(query: ClosedInstanceQuery): Promise<ClosedInstance[]>;
  /** Counts per clause and grade, by clause id then grade. */
  countFindings(query: FindingQuery): Promise<FindingCount[]>;
  /** By record start, then finding number. */
  listFindings(query: FindingQuery): Promise<FindingRow[]>;
  /** By startedAt, then id. */
  gapReports(query: GapReportQuery): Promise<GapReportRow[]>;

  // ---- KPIs ------------------------------------------------------------------------------------------

  getKpi(id: string): Promise<KpiRecord | undefined>;
  /** By system, then id. */
  listKpis(): Promise<KpiRecord[]>;
  /** Values of these KPIs, by KPI then period. */
  listKpiValues(kpiIds: string[]): Promise<KpiValueRecord[]>;
}

/**
 * The times the dashboard ranges on, derived from a task record; both adapters keep them beside the
 * record on every write. closedAt: when it stopped being open (completed or cancelled); lateClosedAt:
 * closedAt when that was after the due date (the task was overdue until then).
 */
export function taskFigureFields(t: TaskRecord): { escalationLevel: number; completedAt: string | null; closedAt: string | null; lateClosedAt: string | null } {
  const completedAt = t.status === 'completed' ? (t.completedAt ?? t.createdAt) : null;
  const closedAt = t.status === 'completed' ? completedAt : t.status === 'cancelled' ? (t.cancelledAt ?? t.createdAt) : null;
  const lateClosedAt = closedAt !== null && t.dueAt !== undefined && closedAt > t.dueAt ? closedAt : null;
  return { escalationLevel: t.escalationLevel ?? 0, completedAt, closedAt, lateClosedAt };
}

/**
 * Overdue counts at edges[1..n-1] from interval counts (n edges): `openDue` = [open tasks due before
 * edges[0], then due in each [edges[j], edges[j+1])]; `lateClosed` = [tasks closed late in each
 * (edges[j], edges[j+1]], then after the last edge]; `lateDue` = [late-closed tasks due in each
 * [edges[j], edges[j+1]), then at or after the last edge]. Overdue at T = open and due before T, plus
 * closed late after T and due before T = openDueBefore(T) + lateClosedAfter(T) − lateDueFrom(T), as a
 * late task's due date is before its closing.
 */
export function overdueSeries(openDue: number[], lateClosed: number[], lateDue: number[]): number[] {
  const result: number[] = [];
  const suffix = (list: number[], from: number) => list.slice(from).reduce((a, b) => a + b, 0);
  for (let k = 1; k < openDue.length; k += 1) {
    const openBefore = openDue.slice(0, k + 1).reduce((a, b) => a + b, 0);
    result.push(openBefore + suffix(lateClosed, k) - suffix(lateDue, k));
  }
  return result;
}

/** A gap report's coverage rows as stored (`output.gapReport.coverage`), read defensively. */
export function coverageRows(value: unknown): GapReportRow['coverage'] {
  if (!Array.isArray(value)) return [];
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  return value
    .filter((c): c is Record<string, unknown> => Boolean(c) && typeof c === 'object' && typeof (c as { standard?: unknown }).standard === 'string')
    .map((c) => ({ standard: String(c.standard), applicable: n(c.applicable), assessed: n(c.assessed), conforms: n(c.conforms), partial: n(c.partial), gap: n(c.gap), na: n(c.na) }));
}
