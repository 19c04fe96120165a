import type { KpiRecord, KpiValueRecord, TaskRecord } from '../../kernel/model.js';
import {
  type OpenTaskGroup,
  type OpenTaskGroupQuery,
  overdueSeries,
  TASK_GROUPINGS,
  type TaskSearch,
  type TaskSeries,
  type TaskSeriesQuery,
} from '../../ports/store.js';
import type { StoreCounts } from '../../ports/store-operations.js';
import { type SqliteHandle } from './handle.js';
import { type Condition, TASK_DIMENSIONS, conditions, nullable, parseDoc, parseDocs, scopeConditions } from './helpers.js';

/** Dashboard task figures, KPIs, and the health counts (the packs' figures: facts.ts). */

export async function counts(h: SqliteHandle, now: string): Promise<StoreCounts> {
  const grouped = (sql: string, ...params: unknown[]) => Object.fromEntries((h.query(sql).all(...params) as { status: string; n: number }[]).map((r) => [r.status, r.n]));
  const instances = grouped('SELECT status, COUNT(*) AS n FROM instances GROUP BY status');
  const messages = grouped('SELECT status, COUNT(*) AS n FROM messages GROUP BY status');
  const jobs = grouped(
    "SELECT CASE WHEN status = 'scheduled' AND run_at <= ? THEN 'waiting' WHEN status = 'scheduled' THEN 'delayed' ELSE status END AS status, COUNT(*) AS n FROM jobs WHERE status IN ('scheduled', 'running', 'failed') GROUP BY 1",
    now,
  );
  const one = (sql: string, ...params: unknown[]) => (h.query(sql).get(...params) as { n: number }).n;
  return {
    instances: { running: instances.running ?? 0, completed: instances.completed ?? 0, cancelled: instances.cancelled ?? 0, incident: instances.incident ?? 0 },
    tasksOpen: one("SELECT COUNT(*) AS n FROM tasks WHERE status = 'open'"),
    tasksOverdue: one("SELECT COUNT(*) AS n FROM tasks WHERE status = 'open' AND due_at IS NOT NULL AND due_at < ?", now),
    jobs: { waiting: jobs.waiting ?? 0, delayed: jobs.delayed ?? 0, running: jobs.running ?? 0, failed: jobs.failed ?? 0 },
    messages: { queued: messages.queued ?? 0, sent: messages.sent ?? 0, failed: messages.failed ?? 0, held: messages.held ?? 0, dropped: messages.dropped ?? 0, waiting: messages.waiting ?? 0, digested: messages.digested ?? 0 },
  };
}

export async function openTaskGroups(h: SqliteHandle, query: OpenTaskGroupQuery): Promise<OpenTaskGroup[]> {
  const edges = query.dueEdges;
  const dimensions = TASK_GROUPINGS[query.by];
  if (!dimensions) throw new Error(`openTaskGroups: unknown grouping ${String(query.by)}`);
  const columns = dimensions.map((d) => TASK_DIMENSIONS[d]);
  // cumulative counts (one comparison each), grouped in the order of the grouping's index: one pass, no sort
  const select = `SELECT ${columns.map((c, i) => `${c} AS d${i}`).join(', ')}, count(*) AS n, SUM(due_at IS NULL) AS no_due, ${edges.map((_e, i) => `SUM(due_at < ?) AS c${i}`).join(', ')}`;
  const scope = scopeConditions(query);
  // open now (and created by then), and closed since: the tasks open at `at`
  const openNow = conditions([[`status = 'open'`, null], ['created_at <= ?', query.at], ...scope]);
  const closedSince = conditions([['closed_at > ?', query.at], ['created_at <= ?', query.at], ...scope]);
  const groupBy = `GROUP BY ${columns.join(', ')}`;
  const rows = [
    ...h.query(`${select} FROM tasks INDEXED BY tasks_open_${query.by} ${openNow.where} ${groupBy}`).all(...edges, ...openNow.params),
    ...h.query(`${select} FROM tasks INDEXED BY tasks_closed_at ${closedSince.where} ${groupBy}`).all(...edges, ...closedSince.params),
  ] as Record<string, unknown>[];
  const groups = new Map<string, OpenTaskGroup>();
  for (const row of rows) {
    const values = Object.fromEntries(dimensions.map((d, i) => [d, (row[`d${i}`] as string | number | null) ?? null]));
    const key = JSON.stringify(values);
    const noDue = Number(row.no_due ?? 0);
    const below = edges.map((_e, i) => Number(row[`c${i}`] ?? 0));
    const bands = [...below, Number(row.n) - noDue].map((cum, i) => cum - (i === 0 ? 0 : below[i - 1]));
    const group = groups.get(key);
    if (!group) groups.set(key, { values, noDue, bands });
    else {
      group.noDue += noDue;
      group.bands = group.bands.map((n, i) => n + bands[i]);
    }
  }
  return [...groups.values()];
}

export async function taskSeries(h: SqliteHandle, query: TaskSeriesQuery): Promise<TaskSeries> {
  const { edges } = query;
  const scope = scopeConditions(query);
  const count = (sql: string, ...params: unknown[]) => {
    const { where, params: scoped } = conditions([[sql, params.length > 1 ? params : params[0]], ...scope]);
    // the open tasks' due dates through the index that also holds process and site
    const index = sql.startsWith(`status = 'open'`) ? 'INDEXED BY tasks_open_due' : '';
    return (h.query(`SELECT count(*) AS n FROM tasks ${index} ${where}`).get(...scoped) as { n: number }).n;
  };
  const intervals = edges.slice(1).map((hi, i) => [edges[i], hi] as const);
  const created = intervals.map(([lo, hi]) => count('created_at >= ? AND created_at < ?', lo, hi));
  const completed = intervals.map(([lo, hi]) => count('completed_at >= ? AND completed_at < ?', lo, hi));
  // overdue at T = open now and due before T, + closed late after T and due before T
  //              = openDueBefore(T) + lateClosedAfter(T) − lateDueFrom(T)   (a late task's due < its close)
  const last = edges[edges.length - 1];
  const openDue = [count(`status = 'open' AND due_at < ?`, edges[0]), ...intervals.map(([lo, hi]) => count(`status = 'open' AND due_at >= ? AND due_at < ?`, lo, hi))];
  const lateClosed = [...intervals.map(([lo, hi]) => count('late_closed_at > ? AND late_closed_at <= ?', lo, hi)), count('late_closed_at > ?', last)];
  const lateDue = [...intervals.map(([lo, hi]) => count('late_closed_at IS NOT NULL AND due_at >= ? AND due_at < ?', lo, hi)), count('late_closed_at IS NOT NULL AND due_at >= ?', last)];
  return { created, completed, overdueAtEnd: overdueSeries(openDue, lateClosed, lateDue) };
}

export async function searchTasks(h: SqliteHandle, query: TaskSearch): Promise<TaskRecord[]> {
  const { where, params } = conditions([
    ...(query.openAt !== undefined ? ([[`(status = 'open' OR closed_at > ?) AND created_at <= ?`, [query.openAt, query.openAt]]] as Condition[]) : []),
    ...(query.overdueAt !== undefined ? ([[`due_at < ? AND (status = 'open' OR closed_at > ?) AND created_at <= ?`, [query.overdueAt, query.overdueAt, query.overdueAt]]] as Condition[]) : []),
    ['due_at >= ?', query.dueFrom],
    ['due_at < ?', query.dueBefore],
    ['created_at >= ?', query.createdFrom],
    ['created_at < ?', query.createdBefore],
    ['completed_at >= ?', query.completedFrom],
    ['completed_at < ?', query.completedBefore],
    ...nullable('assignee', query.assignee),
    ...nullable('candidate_role', query.candidateRole),
    ['escalation_level = ?', query.escalationLevel],
    ['escalation_level >= ?', query.minEscalationLevel],
    ...scopeConditions(query),
  ]);
  return parseDocs(h.query(`SELECT doc FROM tasks ${where} ORDER BY due_at IS NULL, due_at, id LIMIT ?`).all(...params, query.limit ?? 1000));
}

export async function getKpi(h: SqliteHandle, id: string): Promise<KpiRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM kpis WHERE id = ?').get(id));
}

export async function listKpis(h: SqliteHandle): Promise<KpiRecord[]> {
  return parseDocs(h.query("SELECT doc FROM kpis ORDER BY json_extract(doc, '$.system'), id").all());
}

export async function listKpiValues(h: SqliteHandle, kpiIds: string[]): Promise<KpiValueRecord[]> {
  return parseDocs(h.query('SELECT doc FROM kpi_values WHERE kpi_id IN (SELECT value FROM json_each(?)) ORDER BY kpi_id, period').all(JSON.stringify(kpiIds)));
}
