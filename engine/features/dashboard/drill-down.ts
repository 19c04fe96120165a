import { ValidationError } from '../../errors.js';
import type { TaskRecord } from '../../model.js';
import { conformityPct } from '../../pack-kit.js';
import type { FigureScope, FindingRow, Store, TaskSearch } from '../../store/store.js';
import { AGING_BUCKETS, AUDIT_PROCESS, type AgingBucket, DAY_MS, type DashboardContext, FINDING_GRADES, MAX_RECORDS, round1 } from './context.js';
import { agingEdges, definitionNames } from './figures.js';
import { closedCapas, countedGapReports, findingQuery, scopeIncludes } from './quality.js';
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
}

export const FIGURES = ['open', 'dueSoon', 'overdue', 'escalated', 'aging', 'escalation', 'opened', 'closed', 'overdueAtWeekEnd', 'capaClosed', 'capaLate', 'findings', 'gap'] as const;

export interface RecordList {
  title: string;
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
export async function drillDown(store: Store, context: DashboardContext, drill: Drilldown, limit = MAX_RECORDS): Promise<RecordList> {
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
    case 'capaClosed':
    case 'capaLate': {
      const closed = (await closedCapas(store, context)).filter((c) => drill.figure === 'capaClosed' || c.lateTasks > 0);
      return {
        title: drill.figure === 'capaClosed' ? 'CAPAs closed in the period' : 'CAPAs closed late (a task completed after its due date)',
        columns: [
          { key: 'businessKey', label: 'CAPA' },
          { key: 'site', label: 'Site' },
          { key: 'openedAt', label: 'Opened' },
          { key: 'closedAt', label: 'Closed' },
          { key: 'cycleTimeDays', label: 'Cycle time (days)' },
          { key: 'lateTasks', label: 'Tasks completed late' },
          { key: 'onTime', label: 'On time' },
        ],
        items: closed.slice(0, limit).map((c) => ({
          instanceId: c.id,
          businessKey: c.businessKey,
          site: c.site,
          openedAt: c.startedAt,
          closedAt: c.endedAt,
          cycleTimeDays: round1((Date.parse(c.endedAt) - Date.parse(c.startedAt)) / DAY_MS),
          lateTasks: c.lateTasks,
          onTime: c.lateTasks === 0,
          link: `/records/${encodeURIComponent(c.id)}`,
        })),
      };
    }
    case 'findings': {
      if (drill.grade !== undefined && !(FINDING_GRADES as readonly string[]).includes(drill.grade)) throw bad('grade', `one of ${FINDING_GRADES.join(', ')}`);
      const rows: FindingRow[] = scopeIncludes(scope, AUDIT_PROCESS) ? await store.listFindings(findingQuery({ ...context, scope }, { clause: drill.clause, grade: drill.grade, limit })) : [];
      return {
        title: `Audit findings${drill.clause ? ` against ${rows[0]?.number || drill.clause}` : ''}${drill.grade ? ` (${drill.grade})` : ''}`,
        columns: [
          { key: 'businessKey', label: 'Audit' },
          { key: 'site', label: 'Site' },
          { key: 'auditStartedAt', label: 'Audit opened' },
          { key: 'finding', label: 'Finding' },
          { key: 'clause', label: 'Clause' },
          { key: 'title', label: 'Clause title' },
          { key: 'grade', label: 'Grade' },
          { key: 'statement', label: 'Statement' },
        ],
        items: rows
          .filter((r) => (FINDING_GRADES as readonly string[]).includes(r.grade))
          .map((r) => ({ instanceId: r.instanceId, businessKey: r.businessKey, site: r.site, auditStartedAt: r.startedAt, finding: r.n, clause: r.number || r.clause, title: r.title, grade: r.grade, statement: r.statement, link: `/records/${encodeURIComponent(r.instanceId)}` })),
      };
    }
    case 'gap': {
      if (!drill.standard) throw bad('standard', 'name the standard, e.g. 9001');
      const reports = (await countedGapReports(store, { ...context, scope })).filter((r) => r.coverage.some((c) => c.standard === drill.standard));
      return {
        title: `Gap analyses counted for ISO ${drill.standard}`,
        columns: [
          { key: 'businessKey', label: 'Gap analysis' },
          { key: 'site', label: 'Site' },
          { key: 'startedAt', label: 'Opened' },
          { key: 'signedOff', label: 'Signed off' },
          { key: 'clauses', label: 'Clauses' },
          { key: 'assessed', label: 'Assessed' },
          { key: 'conforms', label: 'Conform' },
          { key: 'partial', label: 'Partial' },
          { key: 'gap', label: 'Gap' },
          { key: 'notApplicable', label: 'Not applicable' },
          { key: 'coverage', label: 'Coverage %' },
        ],
        items: reports.slice(0, limit).map((r) => {
          const c = r.coverage.find((x) => x.standard === drill.standard)!;
          return {
            instanceId: r.instanceId,
            businessKey: r.businessKey,
            site: r.site,
            startedAt: r.startedAt,
            signedOff: r.signedOff,
            clauses: c.applicable,
            assessed: c.assessed,
            conforms: c.conforms,
            partial: c.partial,
            gap: c.gap,
            notApplicable: c.na,
            coverage: conformityPct(c),
            link: `/records/${encodeURIComponent(r.instanceId)}`,
          };
        }),
      };
    }
    default:
      throw bad('figure', `one of ${FIGURES.join(', ')}`);
  }
}

function emptyTasks(title: string): RecordList {
  return { title, columns: TASK_COLUMNS, items: [] };
}

async function taskList(store: Store, context: DashboardContext, title: string, tasks: TaskRecord[]): Promise<RecordList> {
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
