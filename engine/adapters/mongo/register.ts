import type { InstanceRecord } from '../../kernel/model.js';
import { searchWords, type RegisterEntry, type RegisterPage, type RegisterQuery, type RegisterRow } from '../../ports/register-store.js';
import { type MongoHandle } from './handle.js';
import { type Doc, type Filter, type Session, all, siteScope } from './helpers.js';

/**
 * The records register (RegisterStore) as SQLite's: one document per record, its words folded to lower case
 * without accents (SQLite's FTS5 tokenizer does the same), matched at the start of a word; the task filters
 * read the tasks collection.
 */

/** Lower case, accents removed: what a search word and the stored words are compared as. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Replaces the entry of each record given (in the caller's session, when it has one). */
export async function writeRegister(h: MongoHandle, entries: RegisterEntry[], session?: Session): Promise<void> {
  for (const e of entries) {
    const { text, ...fields } = e;
    const doc: Doc = { _id: e.instanceId, ...fields, words: fold([e.businessKey, e.title ?? '', text].join('\n')) };
    await h.col('register').replaceOne({ _id: e.instanceId }, doc, { upsert: true, session });
  }
}

const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

async function instancesWithTasks(h: MongoHandle, filter: Filter): Promise<string[]> {
  return (await h.col('tasks').distinct('instanceId', filter)) as string[];
}

async function registerFilter(h: MongoHandle, query: RegisterQuery): Promise<Filter> {
  const parts: Filter[] = searchWords(query.search).map((word) => ({ words: { $regex: `(?:^|[^\\p{L}\\p{N}])${escape(fold(word))}` } }));
  if (query.processes) parts.push({ process: { $in: query.processes } });
  if (query.statuses) parts.push({ status: { $in: query.statuses } });
  parts.push(...siteScope(query));
  if (query.owner !== undefined) parts.push({ _id: { $in: await instancesWithTasks(h, { status: 'open', assignee: query.owner }) } });
  if (query.overdueAt !== undefined) parts.push({ _id: { $in: await instancesWithTasks(h, { status: 'open', dueAt: { $lt: query.overdueAt, $type: 'string' } }) } });
  if (query.openedFrom !== undefined) parts.push({ startedAt: { $gte: query.openedFrom } });
  if (query.openedBefore !== undefined) parts.push({ startedAt: { $lt: query.openedBefore } });
  if (query.closedFrom !== undefined) parts.push({ endedAt: { $gte: query.closedFrom, $type: 'string' } });
  if (query.closedBefore !== undefined) parts.push({ endedAt: { $lt: query.closedBefore, $type: 'string' } });
  if (query.linkedTo !== undefined) parts.push({ links: query.linkedTo });
  if (query.involving) {
    const { userId, roles } = query.involving;
    const held = await instancesWithTasks(h, { $or: [{ assignee: userId }, { assignee: null, candidateRole: { $in: roles } }, { completedBy: userId }] });
    parts.push({ $or: [{ startedBy: userId }, { _id: { $in: held } }] });
  }
  return all(parts);
}

const nextDue = {
  $lookup: {
    from: 'tasks',
    let: { id: '$_id' },
    pipeline: [{ $match: { $expr: { $eq: ['$instanceId', '$$id'] }, status: 'open', dueAt: { $type: 'string' } } }, { $group: { _id: null, due: { $min: '$dueAt' } } }],
    as: 'nextDue',
  },
};

export async function searchRegister(h: MongoHandle, query: RegisterQuery): Promise<RegisterPage> {
  const filter = await registerFilter(h, query);
  const total = await h.col('register').countDocuments(filter);
  const dir = query.direction === 'asc' ? 1 : -1;
  const sort = query.sort ?? 'opened';
  const order: Record<string, 1 | -1> =
    sort === 'number' ? { businessKey: dir, _id: dir } : sort === 'status' ? { status: dir, startedAt: -1, _id: dir } : sort === 'due' ? { noDue: 1, due: dir, _id: dir } : { startedAt: dir, _id: dir };
  const page = [{ $skip: query.offset ?? 0 }, { $limit: query.limit ?? 50 }];
  const withDue = [nextDue, { $set: { due: { $first: '$nextDue.due' } } }, { $set: { noDue: { $cond: [{ $eq: [{ $type: '$due' }, 'string'] }, 0, 1] } } }];
  // only sorting by due date needs every match's due date; otherwise the page's records are looked up
  const pipeline = sort === 'due' ? [{ $match: filter }, ...withDue, { $sort: order }, ...page] : [{ $match: filter }, { $sort: order }, ...page, ...withDue];
  const docs = (await h.col('register').aggregate(pipeline).toArray()) as Doc[];
  return { total, rows: docs.map(rowOf) };
}

function rowOf(d: Doc): RegisterRow {
  return {
    instanceId: String(d._id),
    process: String(d.process),
    businessKey: String(d.businessKey),
    title: (d.title as string | null) ?? null,
    site: (d.site as string | null) ?? null,
    status: d.status as InstanceRecord['status'],
    startedAt: String(d.startedAt),
    startedBy: String(d.startedBy),
    endedAt: (d.endedAt as string | null) ?? null,
    nextDueAt: typeof d.due === 'string' ? d.due : null,
  };
}

export async function registerVersion(h: MongoHandle): Promise<string | undefined> {
  const doc = await h.col('register_meta').findOne({ _id: 'version' });
  return doc ? String(doc.value) : undefined;
}

export async function rebuildRegister(h: MongoHandle, batch: RegisterEntry[], options: { clear?: boolean; version?: string } = {}): Promise<void> {
  if (options.clear) await h.col('register').deleteMany({});
  await writeRegister(h, batch);
  if (options.version !== undefined) await h.col('register_meta').updateOne({ _id: 'version' }, { $set: { value: options.version } }, { upsert: true });
}
