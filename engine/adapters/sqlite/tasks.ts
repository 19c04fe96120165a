import type { TaskRecord } from '../../kernel/model.js';
import type { TaskQuery } from '../../ports/record-store.js';
import { type SqliteHandle } from './handle.js';
import { type Condition, conditions, inList, parseDoc, parseDocs, siteFilter } from './helpers.js';

/** Reads of tasks. */

export async function getTask(h: SqliteHandle, id: string): Promise<TaskRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM tasks WHERE id = ?').get(id));
}

export async function listTasks(h: SqliteHandle, query: TaskQuery): Promise<TaskRecord[]> {
  const { where, params } = conditions([
    ['assignee = ?', query.assignee],
    ['candidate_role = ?', query.role],
    ['status = ?', query.status],
    ['instance_id = ?', query.instanceId],
    [`status = 'open' AND due_at < ?`, query.dueBefore],
    ...inList('instance_id', query.instanceIds),
    ...siteFilter(query.sites),
    ...(query.forUser
      ? ([[`(assignee IN (SELECT value FROM json_each(?)) OR (assignee IS NULL AND candidate_role IN (SELECT value FROM json_each(?))))`, [JSON.stringify([query.forUser.id, ...(query.forUser.standingInFor ?? [])]), JSON.stringify(query.forUser.roles)]]] as Condition[])
      : []),
  ]);
  return parseDocs(h.query(`SELECT doc FROM tasks ${where} ORDER BY created_at, id LIMIT ? OFFSET ?`).all(...params, query.limit ?? 100, query.offset ?? 0));
}
