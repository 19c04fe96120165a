import type { DefinitionRecord, DraftRecord, IncidentRecord, InstanceRecord, ScheduleRecord } from '../../kernel/model.js';
import type { DraftQuery, InstanceQuery, VersionCount } from '../../ports/record-store.js';
import { type SqliteHandle } from './handle.js';
import { conditions, inList, parseDoc, parseDocs, siteFilter } from './helpers.js';

/** Reads of process definitions, drafts, records (instances), sequences, schedules and incidents. */

export async function getDefinition(h: SqliteHandle, key: string, version?: number): Promise<DefinitionRecord | undefined> {
  const row =
    version === undefined
      ? h.query('SELECT doc FROM definitions WHERE key = ? ORDER BY version DESC LIMIT 1').get(key)
      : h.query('SELECT doc FROM definitions WHERE key = ? AND version = ?').get(key, version);
  return parseDoc(row);
}

export async function findDefinitionByHash(h: SqliteHandle, key: string, hash: string): Promise<DefinitionRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM definitions WHERE key = ? AND hash = ? ORDER BY version DESC LIMIT 1').get(key, hash));
}

export async function listDefinitions(h: SqliteHandle): Promise<DefinitionRecord[]> {
  return parseDocs(h.query('SELECT doc FROM definitions ORDER BY key, version').all());
}

export async function getEffectiveDefinition(h: SqliteHandle, key: string, at: string): Promise<DefinitionRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM definitions WHERE key = ? AND effective_at <= ? ORDER BY version DESC LIMIT 1').get(key, at));
}

export async function getDraft(h: SqliteHandle, id: string): Promise<DraftRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM drafts WHERE id = ?').get(id));
}

export async function listDrafts(h: SqliteHandle, query: DraftQuery): Promise<DraftRecord[]> {
  const { where, params } = conditions([['key = ?', query.key], ...inList('status', query.status)]);
  return parseDocs(h.query(`SELECT doc FROM drafts ${where} ORDER BY updated_at DESC, id LIMIT ?`).all(...params, query.limit ?? 1000));
}

export async function countInstancesByVersion(h: SqliteHandle, key: string): Promise<VersionCount[]> {
  const rows = h.query('SELECT version, status, COUNT(*) AS count FROM instances WHERE key = ? GROUP BY version, status ORDER BY version, status').all(key) as VersionCount[];
  return rows.map(({ version, status, count }) => ({ version, status, count }));
}

export async function getInstance(h: SqliteHandle, id: string): Promise<InstanceRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM instances WHERE id = ?').get(id));
}

export async function listInstances(h: SqliteHandle, query: InstanceQuery): Promise<InstanceRecord[]> {
  const { where, params } = conditions([
    ['key = ?', query.key],
    ['status = ?', query.status],
    ...siteFilter(query.sites),
  ]);
  return parseDocs(h.query(`SELECT doc FROM instances ${where} ORDER BY started_at DESC, id LIMIT ? OFFSET ?`).all(...params, query.limit ?? 100, query.offset ?? 0));
}

export async function nextSequence(h: SqliteHandle, name: string): Promise<number> {
  return (h.statements.nextSequence.get(name) as { value: number }).value;
}

export async function returnSequence(h: SqliteHandle, name: string, first: number, last: number): Promise<boolean> {
  if (!(Number.isInteger(first) && Number.isInteger(last) && first >= 1 && first <= last)) return false;
  return h.statements.returnSequence.run(first - 1, name, last).changes === 1;
}

export async function getSchedule(h: SqliteHandle, id: string): Promise<ScheduleRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM schedules WHERE id = ?').get(id));
}

export async function listSchedules(h: SqliteHandle): Promise<ScheduleRecord[]> {
  return parseDocs(h.query('SELECT doc FROM schedules ORDER BY id').all());
}

export async function getIncident(h: SqliteHandle, id: string): Promise<IncidentRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM incidents WHERE id = ?').get(id));
}

export async function listIncidents(h: SqliteHandle, query: { status?: IncidentRecord['status']; instanceId?: string }): Promise<IncidentRecord[]> {
  const { where, params } = conditions([
    ['status = ?', query.status],
    ['instance_id = ?', query.instanceId],
  ]);
  return parseDocs(h.query(`SELECT doc FROM incidents ${where} ORDER BY created_at, id`).all(...params));
}
