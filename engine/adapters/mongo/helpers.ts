import mongoose from 'mongoose';
import type { DraftRecord, TaskRecord } from '../../kernel/model.js';
import { OPEN_DRAFT_STATUSES } from '../../kernel/model.js';
import type { BackupCollection } from '../../ports/backup-store.js';
import { type FigureScope, taskFigureFields } from '../../ports/store.js';

/** Small helpers shared by the adapter's modules. */

export type Id = string | number;
export type Doc = { _id: Id; [field: string]: any };
export type Db = mongoose.mongo.Db;
export type Session = mongoose.mongo.ClientSession;
export type Collection = mongoose.mongo.Collection<Doc>;
export type Filter = mongoose.mongo.Filter<Doc>;
export type Sort = mongoose.mongo.Sort;

export const COLLECTIONS = [
  'definitions',
  'instances',
  'tasks',
  'jobs',
  'incidents',
  'audit',
  'sequences',
  'audit_head',
  'users',
  'messages',
  'link_tokens',
  'schedules',
  'sessions',
  'api_tokens',
  'signatures',
  'drafts',
  'webhook_subscriptions',
  'webhook_deliveries',
  'inbound_events',
  'kpis',
  'kpi_values',
  'sites',
  'figure_facts',
  'figure_meta',
  'register',
  'register_meta',
] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

export const DUPLICATE_KEY = 11000;
export const NAMESPACE_EXISTS = 48;
/** Longest stored job error, as in SQLite. */
export const MAX_ERROR = 2000;

/**
 * The record as a document: a JSON round trip, exactly what SQLite stores, so `undefined` fields are
 * dropped (not stored as null) and only JSON values reach BSON.
 */
export function toDoc(id: Id, record: object): Doc {
  return { _id: id, ...(JSON.parse(JSON.stringify(record)) as Record<string, unknown>) };
}

/** A draft as stored, without the `openKey` marker the unique index of open drafts reads. */
export function fromDraftDoc(doc: Doc | null): DraftRecord | undefined {
  const record = fromDoc<DraftRecord & { openKey?: string }>(doc);
  if (!record) return undefined;
  const { openKey: _openKey, ...draft } = record;
  return draft;
}

/** A backed-up record as the document `commit` would have written. */
export function backupDoc(collection: BackupCollection, record: unknown): Doc {
  const r = record as Record<string, any>;
  if (collection === 'sequences') return { _id: String(r.name), value: Number(r.value) };
  if (collection === 'audit') return toDoc(Number(r.seq), r);
  if (collection === 'definitions') return toDoc(`${r.key}@${r.version}`, r);
  if (collection === 'tasks') return taskDoc(r as TaskRecord);
  if (collection === 'sites') return toDoc(String(r.key), r);
  // an open draft carries the key of its unique "one open draft per process" index, as commit writes it
  if (collection === 'drafts') return { ...toDoc(String(r.id), r), ...(OPEN_DRAFT_STATUSES.includes(r.status) && { openKey: r.key }) };
  return toDoc(String(r.id), r);
}

/** A task as a document, with the derived times the dashboard ranges on (stripped again by fromDoc). */
export function taskDoc(t: TaskRecord): Doc {
  const f = taskFigureFields(t);
  return { ...toDoc(t.id, t), ...(f.completedAt && { _completedAt: f.completedAt }), ...(f.closedAt && { _closedAt: f.closedAt }), ...(f.lateClosedAt && { _lateClosedAt: f.lateClosedAt }) };
}

export function fromDoc<T>(doc: Doc | null): T | undefined {
  if (!doc) return undefined;
  const { _id: _ignored, _completedAt: _c, _closedAt: _d, _lateClosedAt: _l, _noDue: _n, ...record } = doc;
  return record as T;
}

/** Equality conditions for the fields that are set. */
export function conditions(fields: Record<string, unknown>): Filter {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Filter;
}

/** All of the filters: one alone as it is, several and-ed (two may constrain the same field). */
export function all(filters: Filter[]): Filter {
  const used = filters.filter((f) => Object.keys(f).length > 0);
  return used.length <= 1 ? (used[0] ?? {}) : { $and: used };
}

/** Records of the given sites, and records that belong to no site (`null` matches the unset field). */
export function siteFilter(sites: string[] | undefined): Filter[] {
  return sites === undefined ? [] : [{ $or: [{ site: null }, { site: { $in: sites } }] }];
}

/** The dashboard's scope: of these processes, of these sites (and site-less records when asked). */
export function scopeFilter(scope: FigureScope): Filter[] {
  return [...(scope.processes ? [{ definitionKey: { $in: scope.processes } }] : []), ...siteScope(scope)];
}

export function siteScope(scope: FigureScope): Filter[] {
  if (!scope.sites) return [];
  return scope.sites.orNone ? [{ $or: [{ site: null }, { site: { $in: scope.sites.in } }] }] : [{ site: { $in: scope.sites.in } }];
}

export function errorCode(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

export function duplicateAs(err: unknown, replacement: Error): Error {
  return errorCode(err) === DUPLICATE_KEY ? replacement : (err as Error);
}
