/**
 * The task-figures port: the dashboard's counts over tasks, made by the store in grouped and ranged
 * queries on indexed columns, never by loading the records. Invariant: a task counts where its times
 * (created, due, completed, closed late) put it at the instant asked about; both adapters keep those
 * times beside the record on every write (taskFigureFields). test/contracts/task-figure-store/ pins it.
 */
import type { TaskRecord } from '../kernel/model.js';
import type { FigureScope } from './figure-store.js';

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

export interface TaskFigureStore {
  openTaskGroups(query: OpenTaskGroupQuery): Promise<OpenTaskGroup[]>;
  taskSeries(query: TaskSeriesQuery): Promise<TaskSeries>;
  /** Oldest due first (tasks without a due date last), then by id. */
  searchTasks(query: TaskSearch): Promise<TaskRecord[]>;
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
