import type { TaskRecord } from '../../kernel/model.js';
import type { TaskQuery } from '../../ports/record-store.js';
import { type MongoHandle } from './handle.js';
import { type Filter, all, conditions, fromDoc, siteFilter } from './helpers.js';

/** Reads of tasks. */

export async function getTask(h: MongoHandle, id: string): Promise<TaskRecord | undefined> {
  return fromDoc(await h.col('tasks').findOne({ _id: id }));
}

export async function listTasks(h: MongoHandle, query: TaskQuery): Promise<TaskRecord[]> {
  const parts: Filter[] = [conditions({ assignee: query.assignee, candidateRole: query.role, status: query.status, instanceId: query.instanceId })];
  // `status = 'open' AND due_at < ?`, and-ed with any status asked for (then nothing matches)
  if (query.dueBefore !== undefined) parts.push({ status: 'open', dueAt: { $lt: query.dueBefore } });
  if (query.instanceIds !== undefined) parts.push({ instanceId: { $in: query.instanceIds } });
  parts.push(...siteFilter(query.sites));
  if (query.forUser) {
    // assigned to them, or unassigned (unset, as SQL's IS NULL) with a candidate role among theirs;
    // an unset candidateRole never matches $in, as SQL's NULL IN (...) is not true
    const { id, roles, standingInFor = [] } = query.forUser;
    parts.push({ $or: [{ assignee: { $in: [id, ...standingInFor] } }, { assignee: null, candidateRole: { $in: roles } }] });
  }
  return h.list('tasks', all(parts), { createdAt: 1, _id: 1 }, query.limit ?? 100, query.offset ?? 0);
}
