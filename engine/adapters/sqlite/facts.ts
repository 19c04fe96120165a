import { checkFactNames, type FactGroup, type FactGroupQuery, type FactListQuery, type FactQuery, type FactRow, type RecordFacts } from '../../ports/figure-store.js';
import type { InstanceRecord } from '../../kernel/model.js';
import { type SqliteHandle } from './handle.js';
import { type Condition, conditions, inList, siteScope } from './helpers.js';

/** The figure facts (FigureStore): generic rows, grouped and listed with JSON paths on their dimensions. */

/** Replaces the facts of each record given (inside the caller's transaction). */
export function writeFacts(h: SqliteHandle, records: RecordFacts[]): void {
  const s = h.statements;
  for (const r of records) {
    s.deleteFacts.run(r.instanceId);
    r.facts.forEach((f, seq) => s.insertFact.run(r.instanceId, f.figure, seq, r.process, r.businessKey, r.site, r.status, r.startedAt, r.endedAt, JSON.stringify(f.dims), JSON.stringify(f.values)));
  }
}

const dim = (name: string) => `json_extract(dims, '$.${name}')`;

function factConditions(query: FactQuery): { where: string; params: unknown[] } {
  checkFactNames(Object.keys(query.dims ?? {}));
  return conditions([
    ['figure = ?', query.figure],
    ['started_at >= ?', query.startedFrom],
    ['started_at < ?', query.startedBefore],
    ['ended_at >= ?', query.endedFrom],
    ['ended_at < ?', query.endedBefore],
    ...inList('process', query.processes),
    ...siteScope(query, 'site'),
    ...Object.entries(query.dims ?? {}).map(([name, value]): Condition => [`${dim(name)} = ?`, value]),
  ]);
}

export function groupFacts(h: SqliteHandle, query: FactGroupQuery): FactGroup[] {
  const labels = query.labels ?? [];
  checkFactNames([...query.by, ...labels]);
  const { where, params } = factConditions(query);
  const columns = [...query.by.map((d, i) => `${dim(d)} AS g${i}`), ...labels.map((d, i) => `max(${dim(d)}) AS l${i}`), 'count(*) AS n'];
  const groupBy = query.by.length ? `GROUP BY ${query.by.map((_d, i) => i + 1).join(', ')} ORDER BY ${query.by.map((_d, i) => i + 1).join(', ')}` : '';
  const rows = h.query(`SELECT ${columns.join(', ')} FROM figure_facts ${where} ${groupBy}`).all(...params) as Record<string, unknown>[];
  return rows
    .filter((r) => Number(r.n) > 0)
    .map((r) => ({
      dims: Object.fromEntries(query.by.map((d, i) => [d, String(r[`g${i}`] ?? '')])),
      labels: Object.fromEntries(labels.map((d, i) => [d, String(r[`l${i}`] ?? '')])),
      count: Number(r.n),
    }));
}

export function listFacts(h: SqliteHandle, query: FactListQuery): FactRow[] {
  const { where, params } = factConditions(query);
  const order = query.order === 'ended' ? 'ended_at, instance_id, seq' : 'started_at, instance_id, seq';
  // tasks completed late, counted through the index on (instance_id, late_closed_at)
  const late = query.lateTasks ? `, (SELECT count(*) FROM tasks t WHERE t.instance_id = figure_facts.instance_id AND t.status = 'completed' AND t.late_closed_at IS NOT NULL) AS late` : '';
  const rows = h.query(`SELECT * ${late} FROM figure_facts ${where} ORDER BY ${order} LIMIT ?`).all(...params, query.limit ?? 1000) as Record<string, unknown>[];
  return rows.map((r) => ({
    instanceId: String(r.instance_id),
    businessKey: String(r.business_key),
    process: String(r.process),
    site: (r.site as string | null) ?? null,
    status: r.status as InstanceRecord['status'],
    startedAt: String(r.started_at),
    endedAt: (r.ended_at as string | null) ?? null,
    seq: Number(r.seq),
    dims: JSON.parse(String(r.dims)) as Record<string, string>,
    values: JSON.parse(String(r.vals)) as Record<string, number>,
    ...(query.lateTasks && { lateTasks: Number(r.late) }),
  }));
}

export function figureVersion(h: SqliteHandle): string | undefined {
  return (h.query(`SELECT value FROM figure_meta WHERE name = 'version'`).get() as { value: string } | undefined)?.value;
}

export function rebuildFacts(h: SqliteHandle, batch: RecordFacts[], options: { clear?: boolean; version?: string } = {}): void {
  h.db
    .transaction(() => {
      if (options.clear) h.query('DELETE FROM figure_facts').run();
      writeFacts(h, batch);
      if (options.version !== undefined) h.query(`INSERT INTO figure_meta (name, value) VALUES ('version', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`).run(options.version);
    })
    .immediate();
}
