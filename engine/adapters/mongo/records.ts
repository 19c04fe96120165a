import type { DefinitionRecord, DraftRecord, IncidentRecord, InstanceRecord, ScheduleRecord } from '../../kernel/model.js';
import type { DraftQuery, InstanceQuery, VersionCount } from '../../ports/record-store.js';
import { type MongoHandle } from './handle.js';
import { DUPLICATE_KEY, type Filter, all, conditions, errorCode, fromDoc, fromDraftDoc, siteFilter } from './helpers.js';

/** Reads of process definitions, drafts, records (instances), sequences, schedules and incidents. */

export async function getDefinition(h: MongoHandle, key: string, version?: number): Promise<DefinitionRecord | undefined> {
  if (version !== undefined) return fromDoc(await h.col('definitions').findOne({ key, version }));
  return fromDoc(await h.col('definitions').find({ key }).sort({ version: -1 }).limit(1).next());
}

export async function findDefinitionByHash(h: MongoHandle, key: string, hash: string): Promise<DefinitionRecord | undefined> {
  return fromDoc(await h.col('definitions').find({ key, hash }).sort({ version: -1 }).limit(1).next());
}

export async function listDefinitions(h: MongoHandle): Promise<DefinitionRecord[]> {
  return h.list('definitions', {}, { key: 1, version: 1 });
}

/** effectiveAt, or deployedAt for versions that have none (SQLite's effective_at column holds the same). */
export async function getEffectiveDefinition(h: MongoHandle, key: string, at: string): Promise<DefinitionRecord | undefined> {
  const filter: Filter = { key, $or: [{ effectiveAt: { $lte: at } }, { effectiveAt: null, deployedAt: { $lte: at } }] };
  return fromDoc(await h.col('definitions').find(filter).sort({ version: -1 }).limit(1).next());
}

export async function getDraft(h: MongoHandle, id: string): Promise<DraftRecord | undefined> {
  return fromDraftDoc(await h.col('drafts').findOne({ _id: id }));
}

export async function listDrafts(h: MongoHandle, query: DraftQuery): Promise<DraftRecord[]> {
  const filter = all([conditions({ key: query.key }), ...(query.status ? [{ status: { $in: query.status } }] : [])]);
  const drafts = await h.list<DraftRecord & { openKey?: string }>('drafts', filter, { updatedAt: -1, _id: 1 }, query.limit ?? 1000);
  return drafts.map(({ openKey: _openKey, ...draft }) => draft);
}

export async function countInstancesByVersion(h: MongoHandle, key: string): Promise<VersionCount[]> {
  const rows = await h.col('instances')
    .aggregate<{ _id: { version: number; status: InstanceRecord['status'] }; count: number }>([
      { $match: { key } },
      { $group: { _id: { version: '$version', status: '$status' }, count: { $sum: 1 } } },
      { $sort: { '_id.version': 1, '_id.status': 1 } },
    ])
    .toArray();
  return rows.map((row) => ({ version: row._id.version, status: row._id.status, count: row.count }));
}

export async function getInstance(h: MongoHandle, id: string): Promise<InstanceRecord | undefined> {
  return fromDoc(await h.col('instances').findOne({ _id: id }));
}

export async function listInstances(h: MongoHandle, query: InstanceQuery): Promise<InstanceRecord[]> {
  const filter = all([conditions({ key: query.key, status: query.status }), ...siteFilter(query.sites)]);
  return h.list('instances', filter, { startedAt: -1, _id: 1 }, query.limit ?? 100, query.offset ?? 0);
}

export async function nextSequence(h: MongoHandle, name: string): Promise<number> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const doc = await h.col('sequences').findOneAndUpdate({ _id: name }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' });
      return Number(doc!.value);
    } catch (err) {
      // two first calls for a new name can race on the upsert; the loser simply increments
      if (errorCode(err) !== DUPLICATE_KEY || attempt >= 5) throw err;
    }
  }
}

export async function returnSequence(h: MongoHandle, name: string, first: number, last: number): Promise<boolean> {
  if (!(Number.isInteger(first) && Number.isInteger(last) && first >= 1 && first <= last)) return false;
  // one conditional update: it only applies while the sequence still stands at `last`
  const result = await h.col('sequences').updateOne({ _id: name, value: last }, { $set: { value: first - 1 } });
  return result.modifiedCount === 1;
}

export async function getSchedule(h: MongoHandle, id: string): Promise<ScheduleRecord | undefined> {
  return fromDoc(await h.col('schedules').findOne({ _id: id }));
}

export async function listSchedules(h: MongoHandle): Promise<ScheduleRecord[]> {
  return h.list('schedules', {}, { _id: 1 });
}

export async function getIncident(h: MongoHandle, id: string): Promise<IncidentRecord | undefined> {
  return fromDoc(await h.col('incidents').findOne({ _id: id }));
}

export async function listIncidents(h: MongoHandle, query: { status?: IncidentRecord['status']; instanceId?: string }): Promise<IncidentRecord[]> {
  return h.list('incidents', conditions({ status: query.status, instanceId: query.instanceId }), { createdAt: 1, _id: 1 });
}
