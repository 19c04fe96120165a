import type { DashboardStore } from './context.js';
import { ValidationError } from '../../kernel/errors.js';
import type { TaskRecord } from '../../kernel/model.js';
import type { FigureScope, TaskSearch } from '../../ports/store.js';
import { AGING_BUCKETS, type AgingBucket, DAY_MS, type DashboardContext, MAX_RECORDS } from './context.js';
import { agingEdges, definitionNames } from './figures.js';
import type { PackFigure } from './pack-figure.js';
import { readFor } from './sections.js';
import { isoWeekOf, isoWeeks } from './trends.js';

/** The records behind one figure (page list and CSV), counted with the same scope and definitions as the figure. */

/** What a drill-down fragment says (besides the filters). */
export interface Drilldown {
  figure: string;
  byProcess?: string;
  bySite?: string;
  byOwner?: string;
  byRole?: string;
  bucket?: string;
  level?: string;
  week?: string;
  clause?: string;
  grade?: string;
  standard?: string;
  /** A pack figure's own drill parameters. */
  [param: string]: string | undefined;
}

/** The task figures' lists; the packs' figures add theirs (figureNames). */
export const FIGURES = ['open', 'dueSoon', 'overdue', 'escalated', 'aging', 'escalation', 'opened', 'closed', 'overdueAtWeekEnd'] as const;

/** Every list a drill fragment may name: the task figures', then each pack figure's. */
export function figureNames(figures: readonly PackFigure[]): string[] {
  return [...FIGURES, ...figures.flatMap((f) => Object.keys(f.drills ?? {}))];
}

export interface RecordList {
  title: string;
  /** A pack's list: where its words are (DrillList.words). */
  words?: string;
  /** A pack's list: its keys' words (DrillList.valueWords). */
  valueWords?: Record<string, Record<string, string>>;
  columns: { key: string; label: string }[];
  items: Record<string, string | number | boolean | null>[];
}

const TASK_COLUMNS = [
  { key: 'businessKey', label: 'Record' },
  { key: 'process', label: 'Process' },
  { key: 'task', label: 'Task' },
  { key: 'site', label: 'Site' },
  { key: 'assignee', label: 'Owner' },
  { key: 'role', label: 'Role' },
  { key: 'createdAt', label: 'Opened' },
  { key: 'dueAt', label: 'Due' },
  { key: 'daysOverdue', label: 'Days overdue' },
  { key: 'escalationLevel', label: 'Escalation level' },
  { key: 'completedAt', label: 'Completed' },
];

/** The records behind one figure: the same scope and definitions as the figure itself. */
export async function drillDown(store: DashboardStore, context: DashboardContext, drill: Drilldown, limit = MAX_RECORDS, figures: readonly PackFigure[] = []): Promise<RecordList> {
  const at = context.asOf.toISOString();
  const edges = agingEdges(context.asOf);
  const scope: FigureScope = { ...context.scope };
  const bad = (field: string, message: string) => new ValidationError('invalid drill-down', [{ field, message }]);
  if (drill.byProcess !== undefined) {
    if (scope.processes && !scope.processes.includes(drill.byProcess)) return emptyTasks('Open tasks');
    scope.processes = [drill.byProcess];
  }
  if (drill.bySite !== undefined) {
    const site = drill.bySite;
    if (scope.sites && !(site === '' ? scope.sites.orNone : scope.sites.in.includes(site))) return emptyTasks('Open tasks');
    scope.sites = site === '' ? { in: [], orNone: true } : { in: [site], orNone: false };
  }
  const holder: Pick<TaskSearch, 'assignee' | 'candidateRole'> = {
    ...(drill.byOwner !== undefined && { assignee: drill.byOwner === '' ? null : drill.byOwner }),
    ...(drill.byRole !== undefined && { candidateRole: drill.byRole === '' ? null : drill.byRole }),
  };
  const tasks = async (title: string, search: TaskSearch) => taskList(store, context, title, await store.searchTasks({ ...scope, ...holder, ...search, limit }));
  const week = () => {
    const found = isoWeeks(context).find((w) => w.week === drill.week);
    if (!found) throw bad('week', `give a week of the period, such as ${isoWeekOf(new Date(context.periodEnd))}`);
    return found;
  };
  switch (drill.figure) {
    case 'open':
      return tasks('Open tasks', { openAt: at });
    case 'dueSoon':
      return tasks('Tasks due within 7 days', { openAt: at, dueFrom: edges[3], dueBefore: edges[4] });
    case 'overdue':
      return tasks('Overdue tasks', { openAt: at, dueBefore: at });
    case 'escalated':
      return tasks('Escalated tasks', { openAt: at, minEscalationLevel: 1 });
    case 'aging': {
      const i = AGING_BUCKETS.indexOf(drill.bucket as AgingBucket);
      if (i < 0) throw bad('bucket', `one of ${AGING_BUCKETS.join(', ')}`);
      // bucket i (1–7 … > 90) is band 3 − i of the due edges
      const band = 3 - i;
      return tasks(`Tasks overdue ${drill.bucket} days`, { openAt: at, ...(band > 0 && { dueFrom: edges[band - 1] }), dueBefore: edges[band] });
    }
    case 'escalation': {
      const level = Number(drill.level);
      if (!Number.isInteger(level) || level < 1) throw bad('level', 'an escalation level from 1');
      return tasks(`Tasks at escalation level ${level}`, { openAt: at, escalationLevel: level });
    }
    case 'opened': {
      const w = week();
      return tasks(`Tasks opened in ${w.week}`, { createdFrom: w.start, createdBefore: w.end });
    }
    case 'closed': {
      const w = week();
      return tasks(`Tasks completed in ${w.week}`, { completedFrom: w.start, completedBefore: w.end });
    }
    case 'overdueAtWeekEnd': {
      const w = week();
      return tasks(`Tasks overdue at the end of ${w.week}`, { overdueAt: w.end });
    }
    default: {
      // a pack's list: the figure that declares it, over its facts in the (drilled) scope
      const figure = figures.find((f) => f.drills && Object.hasOwn(f.drills, drill.figure));
      if (!figure) throw bad('figure', `one of ${figureNames(figures).join(', ')}`);
      return figure.drills![drill.figure](readFor(store, { ...context, scope }, figure), drill, limit);
    }
  }
}

function emptyTasks(title: string): RecordList {
  return { title, columns: TASK_COLUMNS, items: [] };
}

async function taskList(store: DashboardStore, context: DashboardContext, title: string, tasks: TaskRecord[]): Promise<RecordList> {
  const at = context.asOf.getTime();
  const names = await definitionNames(store, [...new Set(tasks.map((t) => t.definitionKey))]);
  return {
    title,
    columns: TASK_COLUMNS,
    items: tasks.map((t) => {
      const closedAt = t.completedAt ?? t.cancelledAt;
      const openThen = Date.parse(t.createdAt) <= at && (t.status === 'open' || (closedAt !== undefined && Date.parse(closedAt) > at));
      const overdueMs = t.dueAt && openThen ? at - Date.parse(t.dueAt) : 0;
      return {
        taskId: t.id,
        instanceId: t.instanceId,
        businessKey: t.businessKey,
        process: names.get(t.definitionKey) ?? t.definitionKey,
        task: t.name,
        site: t.site ?? null,
        assignee: t.assignee ?? null,
        role: t.candidateRole ?? null,
        createdAt: t.createdAt,
        dueAt: t.dueAt ?? null,
        daysOverdue: overdueMs > 0 ? Math.ceil(overdueMs / DAY_MS) : 0,
        escalationLevel: t.escalationLevel ?? 0,
        completedAt: t.completedAt ?? null,
        status: t.status,
        link: `/tasks/${encodeURIComponent(t.id)}`,
        recordLink: `/records/${encodeURIComponent(t.instanceId)}`,
      };
    }),
  };
}
