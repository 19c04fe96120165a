import type { InstanceRecord } from '../../kernel/model.js';
import { searchWords, type RegisterEntry, type RegisterPage, type RegisterQuery, type RegisterRow } from '../../ports/register-store.js';
import { type SqliteHandle } from './handle.js';
import { type Condition, conditions, inList, siteScope } from './helpers.js';

/** The records register (RegisterStore): generic rows, their words in FTS5, filters on the tasks table. */

/** Replaces the entry of each record given (inside the caller's transaction). */
export function writeRegister(h: SqliteHandle, entries: RegisterEntry[]): void {
  for (const e of entries) {
    // an upsert keeps the row's rowid, which is the key of its words
    const { rowid } = h
      .query(
        `INSERT INTO register (instance_id, process, business_key, title, site, status, started_at, started_by, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (instance_id) DO UPDATE SET process = excluded.process, business_key = excluded.business_key, title = excluded.title, site = excluded.site,
           status = excluded.status, started_at = excluded.started_at, started_by = excluded.started_by, ended_at = excluded.ended_at
         RETURNING rowid`,
      )
      .get(e.instanceId, e.process, e.businessKey, e.title, e.site, e.status, e.startedAt, e.startedBy, e.endedAt) as { rowid: number };
    h.query('DELETE FROM register_words WHERE rowid = ?').run(rowid);
    h.query('INSERT INTO register_words (rowid, words) VALUES (?, ?)').run(rowid, [e.businessKey, e.title ?? '', e.text].join('\n'));
    h.query('DELETE FROM register_links WHERE instance_id = ?').run(e.instanceId);
    for (const key of new Set(e.links)) h.query('INSERT INTO register_links (instance_id, linked_key) VALUES (?, ?)').run(e.instanceId, key);
  }
}

/** Each word a quoted FTS5 phrase (its punctuation splits it into tokens in order), the last token a prefix. */
function matchExpression(words: string[]): string {
  return words.map((word) => `"${word.replace(/"/g, '""')}"*`).join(' ');
}

const openTask = (extra: string) => `EXISTS (SELECT 1 FROM tasks t WHERE t.instance_id = r.instance_id AND t.status = 'open' AND ${extra})`;

function registerConditions(query: RegisterQuery, siteColumn = 'r.site'): Condition[] {
  const words = searchWords(query.search);
  const involving = query.involving;
  return [
    ['r.rowid IN (SELECT rowid FROM register_words WHERE register_words MATCH ?)', words.length ? matchExpression(words) : undefined],
    ...inList('r.process', query.processes),
    ...inList('r.status', query.statuses),
    ...siteScope(query, siteColumn),
    [openTask('t.assignee = ?'), query.owner],
    [openTask('t.due_at < ?'), query.overdueAt],
    ['r.started_at >= ?', query.openedFrom],
    ['r.started_at < ?', query.openedBefore],
    ['r.ended_at >= ?', query.closedFrom],
    ['r.ended_at < ?', query.closedBefore],
    ['r.instance_id IN (SELECT instance_id FROM register_links WHERE linked_key = ?)', query.linkedTo],
    [
      `(r.started_by = ? OR EXISTS (SELECT 1 FROM tasks t WHERE t.instance_id = r.instance_id AND (t.assignee = ? OR (t.assignee IS NULL AND t.candidate_role IN (SELECT value FROM json_each(?))) OR json_extract(t.doc, '$.completedBy') = ?)))`,
      involving && [involving.userId, involving.userId, JSON.stringify(involving.roles), involving.userId],
    ],
  ];
}

const NEXT_DUE = `(SELECT min(t.due_at) FROM tasks t WHERE t.instance_id = r.instance_id AND t.status = 'open')`;

function orderBy(query: RegisterQuery): string {
  const dir = query.direction === 'asc' ? 'ASC' : 'DESC';
  switch (query.sort ?? 'opened') {
    case 'number':
      return `r.business_key ${dir}, r.instance_id ${dir}`;
    case 'status':
      return `r.status ${dir}, r.started_at DESC, r.instance_id ${dir}`;
    case 'due':
      // records with nothing due come last either way
      return `next_due IS NULL, next_due ${dir}, r.instance_id ${dir}`;
    default:
      return `r.started_at ${dir}, r.instance_id ${dir}`;
  }
}

export function searchRegister(h: SqliteHandle, query: RegisterQuery): RegisterPage {
  const counted = conditions(registerConditions(query));
  const total = (h.query(`SELECT count(*) AS n FROM register r ${counted.where}`).get(...counted.params) as { n: number }).n;
  // the page walks the sort order's index and stops after it ("+" keeps the planner off the site index,
  // which would make it sort every record of the person's sites for one page)
  const { where, params } = conditions(registerConditions(query, '+r.site'));
  // only a sort by due date needs every match's next due date; otherwise the page's rows get theirs
  const sql =
    query.sort === 'due'
      ? `SELECT r.*, ${NEXT_DUE} AS next_due FROM register r ${where} ORDER BY ${orderBy(query)} LIMIT ? OFFSET ?`
      : `SELECT r.*, ${NEXT_DUE} AS next_due FROM (SELECT * FROM register r ${where} ORDER BY ${orderBy(query)} LIMIT ? OFFSET ?) r ORDER BY ${orderBy(query)}`;
  const rows = h.query(sql).all(...params, query.limit ?? 50, query.offset ?? 0) as Record<string, unknown>[];
  return { total, rows: rows.map(rowOf) };
}

function rowOf(r: Record<string, unknown>): RegisterRow {
  return {
    instanceId: String(r.instance_id),
    process: String(r.process),
    businessKey: String(r.business_key),
    title: (r.title as string | null) ?? null,
    site: (r.site as string | null) ?? null,
    status: r.status as InstanceRecord['status'],
    startedAt: String(r.started_at),
    startedBy: String(r.started_by),
    endedAt: (r.ended_at as string | null) ?? null,
    nextDueAt: (r.next_due as string | null) ?? null,
  };
}

export function registerVersion(h: SqliteHandle): string | undefined {
  return (h.query(`SELECT value FROM register_meta WHERE name = 'version'`).get() as { value: string } | undefined)?.value;
}

export function rebuildRegister(h: SqliteHandle, batch: RegisterEntry[], options: { clear?: boolean; version?: string } = {}): void {
  h.db
    .transaction(() => {
      if (options.clear) {
        h.query('DELETE FROM register').run();
        h.query('DELETE FROM register_words').run();
        h.query('DELETE FROM register_links').run();
      }
      writeRegister(h, batch);
      if (options.version !== undefined) h.query(`INSERT INTO register_meta (name, value) VALUES ('version', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`).run(options.version);
    })
    .immediate();
}
