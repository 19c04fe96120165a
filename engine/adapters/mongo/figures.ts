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
import { type MongoHandle } from './handle.js';
import { type CollectionName, type Doc, type Filter, all, fromDoc, scopeFilter } from './helpers.js';

/** Dashboard task figures, KPIs, and the health counts (the packs' figures: facts.ts). */

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
    messages: { queued: messages.queued ?? 0, sent: messages.sent ?? 0, failed: messages.failed ?? 0, held: messages.held ?? 0, dropped: messages.dropped ?? 0, waiting: messages.waiting ?? 0, digested: messages.digested ?? 0 },
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
