import type { KpiRecord, KpiValueRecord, TaskRecord } from '../../model.js';
import {
  type ClosedInstance,
  type ClosedInstanceQuery,
  coverageRows,
  type FindingCount,
  type FindingQuery,
  type FindingRow,
  type GapReportQuery,
  type GapReportRow,
  type OpenTaskGroup,
  type OpenTaskGroupQuery,
  overdueSeries,
  TASK_GROUPINGS,
  type TaskSearch,
  type TaskSeries,
  type TaskSeriesQuery,
} from '../../store/store.js';
import type { StoreCounts } from '../../ports/store-operations.js';
import { type MongoHandle } from './handle.js';
import { type CollectionName, type Doc, type Filter, all, conditions, fromDoc, scopeFilter, siteScope } from './helpers.js';

/** Dashboard figures, the register's findings and gap reports, KPIs, and the health counts. */

export async function counts(h: MongoHandle, now: string): Promise<StoreCounts> {
  const grouped = async (name: CollectionName, filter: Filter = {}) =>
    Object.fromEntries(
      (await h.col(name).aggregate<{ _id: string; n: number }>([{ $match: filter }, { $group: { _id: '$status', n: { $sum: 1 } } }]).toArray()).map((r) => [r._id, r.n]),
    );
  const [instances, messages, jobs, waiting, tasksOpen, tasksOverdue] = await Promise.all([
    grouped('instances'),
    grouped('messages'),
    grouped('jobs', { status: { $in: ['scheduled', 'running', 'failed'] } }),
    h.col('jobs').countDocuments({ status: 'scheduled', runAt: { $lte: now } }),
    h.col('tasks').countDocuments({ status: 'open' }),
    h.col('tasks').countDocuments({ status: 'open', dueAt: { $type: 'string', $lt: now } }),
  ]);
  return {
    instances: { running: instances.running ?? 0, completed: instances.completed ?? 0, cancelled: instances.cancelled ?? 0, incident: instances.incident ?? 0 },
    tasksOpen,
    tasksOverdue,
    jobs: { waiting, delayed: Math.max(0, (jobs.scheduled ?? 0) - waiting), running: jobs.running ?? 0, failed: jobs.failed ?? 0 },
    messages: { queued: messages.queued ?? 0, sent: messages.sent ?? 0, failed: messages.failed ?? 0, held: messages.held ?? 0, dropped: messages.dropped ?? 0 },
  };
}

export async function openTaskGroups(h: MongoHandle, query: OpenTaskGroupQuery): Promise<OpenTaskGroup[]> {
  const edges = query.dueEdges;
  const hasDue = { $eq: [{ $type: '$dueAt' }, 'string'] };
  const band = (lo: string | undefined, hi: string | undefined) => ({
    $sum: { $cond: [{ $and: [hasDue, ...(lo !== undefined ? [{ $gte: ['$dueAt', lo] }] : []), ...(hi !== undefined ? [{ $lt: ['$dueAt', hi] }] : [])] }, 1, 0] },
  });
  const bands = [undefined, ...edges].map((lo, i) => band(lo, edges[i]));
  const rows = await h.col('tasks')
    .aggregate([
      { $match: all([{ $or: [{ status: 'open' }, { _closedAt: { $gt: query.at } }] }, { createdAt: { $lte: query.at } }, ...scopeFilter(query)]) },
      {
        $group: {
          // unset fields group as null, as SQL's NULL; a task without escalationLevel is at level 0
          _id: Object.fromEntries(TASK_GROUPINGS[query.by].map((d) => [d, d === 'escalationLevel' ? { $ifNull: ['$escalationLevel', 0] } : { $ifNull: [`$${d}`, null] }])),
          noDue: { $sum: { $cond: [hasDue, 0, 1] } },
          ...Object.fromEntries(bands.map((b, i) => [`b${i}`, b])),
        },
      },
    ])
    .toArray();
  return rows.map((r) => ({
    values: Object.fromEntries(TASK_GROUPINGS[query.by].map((d) => [d, (r._id?.[d] as string | number | null) ?? null])),
    noDue: Number(r.noDue),
    bands: bands.map((_b, i) => Number(r[`b${i}`] ?? 0)),
  }));
}

export async function taskSeries(h: MongoHandle, query: TaskSeriesQuery): Promise<TaskSeries> {
  const { edges } = query;
  const first = edges[0];
  const last = edges[edges.length - 1];
  const scope = scopeFilter(query);
  const created = await histogram(h, [{ createdAt: { $gte: first, $lt: last } }, ...scope], 'createdAt', edges, false);
  const completed = await histogram(h, [{ _completedAt: { $gte: first, $lt: last } }, ...scope], '_completedAt', edges, false);
  const openDue = await histogram(h, [{ status: 'open', dueAt: { $lt: last } }, ...scope], 'dueAt', edges, false);
  const lateClosed = await histogram(h, [{ _lateClosedAt: { $gt: first } }, ...scope], '_lateClosedAt', edges, true);
  const lateDue = await histogram(h, [{ _lateClosedAt: { $type: 'string' }, dueAt: { $gte: first } }, ...scope], 'dueAt', edges, false);
  const n = edges.length;
  return {
    created: created.slice(1, n),
    completed: completed.slice(1, n),
    overdueAtEnd: overdueSeries(openDue.slice(0, n), lateClosed.slice(1), lateDue.slice(1)),
  };
}

export async function searchTasks(h: MongoHandle, query: TaskSearch): Promise<TaskRecord[]> {
  const parts: Filter[] = [];
  const range = (field: string, from?: string, before?: string) => {
    if (from !== undefined) parts.push({ [field]: { $gte: from } });
    if (before !== undefined) parts.push({ [field]: { $lt: before } });
  };
  if (query.openAt !== undefined) parts.push({ $or: [{ status: 'open' }, { _closedAt: { $gt: query.openAt } }], createdAt: { $lte: query.openAt } });
  if (query.overdueAt !== undefined) {
    parts.push({ dueAt: { $lt: query.overdueAt, $type: 'string' }, $or: [{ status: 'open' }, { _closedAt: { $gt: query.overdueAt } }], createdAt: { $lte: query.overdueAt } });
  }
  range('dueAt', query.dueFrom, query.dueBefore);
  if (query.dueFrom !== undefined || query.dueBefore !== undefined) parts.push({ dueAt: { $type: 'string' } });
  range('createdAt', query.createdFrom, query.createdBefore);
  range('_completedAt', query.completedFrom, query.completedBefore);
  if (query.completedFrom !== undefined || query.completedBefore !== undefined) parts.push({ _completedAt: { $type: 'string' } });
  // null matches the unset field, as SQL's IS NULL
  if (query.assignee !== undefined) parts.push({ assignee: query.assignee });
  if (query.candidateRole !== undefined) parts.push({ candidateRole: query.candidateRole });
  if (query.escalationLevel !== undefined) parts.push(query.escalationLevel === 0 ? { $or: [{ escalationLevel: 0 }, { escalationLevel: null }] } : { escalationLevel: query.escalationLevel });
  if (query.minEscalationLevel !== undefined) parts.push({ escalationLevel: { $gte: query.minEscalationLevel } });
  parts.push(...scopeFilter(query));
  const limit = query.limit ?? 1000;
  if (limit <= 0) return [];
  const docs = await h.col('tasks')
    .aggregate([{ $match: all(parts) }, { $addFields: { _noDue: { $cond: [{ $eq: [{ $type: '$dueAt' }, 'string'] }, 0, 1] } } }, { $sort: { _noDue: 1, dueAt: 1, _id: 1 } }, { $limit: limit }])
    .toArray();
  return docs.map((doc) => fromDoc<TaskRecord>(doc as Doc)!);
}

export async function closedInstances(h: MongoHandle, query: ClosedInstanceQuery): Promise<ClosedInstance[]> {
  const rows = await h.col('instances')
    .aggregate([
      { $match: all([{ key: query.key, status: 'completed', endedAt: { $gte: query.endedFrom, $lt: query.endedBefore } }, ...siteScope(query)]) },
      {
        $lookup: {
          from: 'tasks',
          let: { id: '$_id' },
          pipeline: [{ $match: { $expr: { $eq: ['$instanceId', '$$id'] }, status: 'completed', _lateClosedAt: { $type: 'string' } } }, { $count: 'n' }],
          as: 'late',
        },
      },
      { $project: { businessKey: 1, site: 1, startedAt: 1, endedAt: 1, late: { $ifNull: [{ $first: '$late.n' }, 0] } } },
      { $sort: { endedAt: 1, _id: 1 } },
    ])
    .toArray();
  return rows.map((r) => ({ id: String(r._id), businessKey: String(r.businessKey), site: r.site ?? null, startedAt: String(r.startedAt), endedAt: String(r.endedAt), lateTasks: Number(r.late) }));
}

export async function countFindings(h: MongoHandle, query: FindingQuery): Promise<FindingCount[]> {
  const rows = await h.col('instances')
    .aggregate([
      ...findingStages(h, query),
      { $group: { _id: { clause: '$f.clause', grade: '$f.grade' }, number: { $max: '$f.number' }, title: { $max: '$f.title' }, n: { $sum: 1 } } },
      { $sort: { '_id.clause': 1, '_id.grade': 1 } },
    ])
    .toArray();
  return rows.map((r) => ({ clause: String(r._id.clause ?? ''), number: String(r.number ?? ''), title: String(r.title ?? ''), grade: String(r._id.grade ?? ''), count: Number(r.n) }));
}

export async function listFindings(h: MongoHandle, query: FindingQuery): Promise<FindingRow[]> {
  const limit = query.limit ?? 1000;
  if (limit <= 0) return [];
  const rows = await h.col('instances')
    .aggregate([...findingStages(h, query), { $sort: { startedAt: 1, instanceId: 1, 'f.n': 1 } }, { $limit: limit }])
    .toArray();
  return rows.map((r) => ({
    instanceId: String(r.instanceId),
    businessKey: String(r.businessKey),
    site: r.site ?? null,
    startedAt: String(r.startedAt),
    n: Number(r.f?.n ?? 0),
    clause: String(r.f?.clause ?? ''),
    number: String(r.f?.number ?? ''),
    title: String(r.f?.title ?? ''),
    grade: String(r.f?.grade ?? ''),
    statement: String(r.f?.statement ?? ''),
  }));
}

export async function gapReports(h: MongoHandle, query: GapReportQuery): Promise<GapReportRow[]> {
  const rows = await h.col('instances')
    .aggregate([
      { $match: all([{ key: query.key, status: { $ne: 'cancelled' }, startedAt: { $lte: query.startedBefore }, 'output.gapReport.coverage': { $type: 'array' } }, ...siteScope(query)]) },
      { $project: { businessKey: 1, site: 1, startedAt: 1, status: 1, signed: { $ne: [{ $type: '$output.signOff' }, 'missing'] }, coverage: '$output.gapReport.coverage' } },
      { $sort: { startedAt: 1, _id: 1 } },
    ])
    .toArray();
  return rows.map((r) => ({
    instanceId: String(r._id),
    businessKey: String(r.businessKey),
    site: r.site ?? null,
    startedAt: String(r.startedAt),
    status: r.status,
    signedOff: Boolean(r.signed),
    coverage: coverageRows(r.coverage),
  }));
}

export async function getKpi(h: MongoHandle, id: string): Promise<KpiRecord | undefined> {
  return fromDoc(await h.col('kpis').findOne({ _id: id }));
}

export async function listKpis(h: MongoHandle): Promise<KpiRecord[]> {
  return h.list('kpis', {}, { system: 1, _id: 1 });
}

export async function listKpiValues(h: MongoHandle, kpiIds: string[]): Promise<KpiValueRecord[]> {
  return h.list('kpi_values', { kpiId: { $in: kpiIds } }, { kpiId: 1, period: 1 });
}

/**
 * Counts of the matching tasks per band of `field` against the edges: band 0 before edges[0], band i
 * between edges[i-1] and edges[i], band n after the last; intervals are [lo, hi), or (lo, hi] when
 * rightClosed.
 */
export async function histogram(h: MongoHandle, match: Filter[], field: string, edges: string[], rightClosed: boolean): Promise<number[]> {
  const value = `$${field}`;
  const rows = await h.col('tasks')
    .aggregate([
      { $match: all(match) },
      { $group: { _id: { $switch: { branches: edges.map((edge, i) => ({ case: { [rightClosed ? '$lte' : '$lt']: [value, edge] }, then: i })), default: edges.length } }, n: { $sum: 1 } } },
    ])
    .toArray();
  const counts: number[] = new Array(edges.length + 1).fill(0);
  for (const row of rows) counts[Number(row._id)] += Number(row.n);
  return counts;
}

export function findingStages(h: MongoHandle, query: FindingQuery): object[] {
  return [
    { $match: all([{ key: query.key, status: { $ne: 'cancelled' }, startedAt: { $gte: query.startedFrom, $lt: query.startedBefore } }, ...siteScope(query)]) },
    { $unwind: '$output.findings.findings' },
    { $replaceWith: { instanceId: '$_id', businessKey: '$businessKey', site: '$site', startedAt: '$startedAt', f: '$output.findings.findings' } },
    { $match: conditions({ 'f.clause': query.clause, 'f.grade': query.grade }) },
  ];
}
