import type { FigureScope, TaskDimension } from '../../ports/store.js';

/** Small helpers shared by the adapter's modules. */

/** A WHERE clause part and its parameter: one value, or an array for several `?`. Undefined: not used. */
export type Condition = [string, unknown];

export function conditions(candidates: Condition[]): { where: string; params: unknown[] } {
  const used = candidates.filter(([, value]) => value !== undefined);
  return {
    where: used.length ? `WHERE ${used.map(([sql]) => sql).join(' AND ')}` : '',
    params: used.flatMap(([sql, value]) => {
      const placeholders = (sql.match(/\?/g) ?? []).length;
      return placeholders === 0 ? [] : placeholders > 1 && Array.isArray(value) ? value : [value];
    }),
  };
}

/** The column of each dimension open tasks are grouped by (the groupings' indexes are `tasks_open_<grouping>`). */
export const TASK_DIMENSIONS: Record<TaskDimension, string> = {
  definitionKey: 'definition_key',
  site: 'site',
  assignee: 'assignee',
  candidateRole: 'candidate_role',
  escalationLevel: 'escalation_level',
};

/** The dashboard's scope of tasks: of these processes, of these sites (and site-less ones when asked). */
export function scopeConditions(scope: FigureScope): Condition[] {
  return [...inList('definition_key', scope.processes), ...siteScope(scope, 'site')];
}

export function siteScope(scope: FigureScope, column: string): Condition[] {
  if (!scope.sites) return [];
  const list = `${column} IN (SELECT value FROM json_each(?))`;
  return [[scope.sites.orNone ? `(${column} IS NULL OR ${list})` : list, JSON.stringify(scope.sites.in)]];
}

/** `column = ?`, or `column IS NULL` for null; nothing for undefined. */
export function nullable(column: string, value: string | null | undefined): Condition[] {
  if (value === undefined) return [];
  return value === null ? [[`${column} IS NULL`, null]] : [[`${column} = ?`, value]];
}

/** Records of the given sites, and records that belong to no site. */
export function siteFilter(sites: string[] | undefined): Condition[] {
  return sites === undefined ? [] : [['(site IS NULL OR site IN (SELECT value FROM json_each(?)))', JSON.stringify(sites)]];
}

export function inList(column: string, values: string[] | undefined): Condition[] {
  return values === undefined ? [] : [[`${column} IN (SELECT value FROM json_each(?))`, JSON.stringify(values)]];
}

export function parseDoc<T>(row: unknown): T | undefined {
  return row ? (JSON.parse((row as { doc: string }).doc) as T) : undefined;
}

export function parseDocs<T>(rows: unknown[]): T[] {
  return rows.map((row) => JSON.parse((row as { doc: string }).doc) as T);
}

/** A record named in an error message: its id, or what identifies it. */
export function describe(record: unknown): string {
  const r = record as Record<string, unknown>;
  if (r.seq !== undefined) return `audit event ${String(r.seq)}`;
  if (r.id !== undefined) return `record ${String(r.id)}`;
  if (r.key !== undefined) return `${String(r.key)}@${String(r.version)}`;
  return `record ${String(r.name)}`;
}

export function constraintAs(err: unknown, replacement: Error): Error {
  return (err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT') ? replacement : (err as Error);
}
