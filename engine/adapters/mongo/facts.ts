import type { InstanceRecord } from '../../kernel/model.js';
import { checkFactNames, type FactGroup, type FactGroupQuery, type FactListQuery, type FactQuery, type FactRow, type RecordFacts } from '../../ports/figure-store.js';
import { type MongoHandle } from './handle.js';
import { type Doc, type Filter, type Session, all, siteScope } from './helpers.js';

/** The figure facts (FigureStore): generic documents, grouped and listed with aggregations on their dimensions. */

/** Replaces the facts of each record given (in the caller's session, when it has one). */
export async function writeFacts(h: MongoHandle, records: RecordFacts[], session?: Session): Promise<void> {
  for (const r of records) {
    await h.col('figure_facts').deleteMany({ instanceId: r.instanceId }, { session });
    if (!r.facts.length) continue;
    const docs: Doc[] = r.facts.map((f, seq) => ({
      _id: `${r.instanceId}/${f.figure}/${seq}`,
      instanceId: r.instanceId,
      figure: f.figure,
      seq,
      process: r.process,
      businessKey: r.businessKey,
      site: r.site,
      status: r.status,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      dims: f.dims,
      values: f.values,
    }));
    await h.col('figure_facts').insertMany(docs, { session });
  }
}

function factFilter(query: FactQuery): Filter {
  checkFactNames(Object.keys(query.dims ?? {}));
  const range = (from?: string, before?: string) => ({ ...(from !== undefined && { $gte: from }), ...(before !== undefined && { $lt: before }) });
  const started = range(query.startedFrom, query.startedBefore);
  const ended = range(query.endedFrom, query.endedBefore);
  return all([
    { figure: query.figure },
    Object.keys(started).length ? { startedAt: started } : {},
    Object.keys(ended).length ? { endedAt: { $type: 'string', ...ended } } : {},
    query.processes ? { process: { $in: query.processes } } : {},
    ...siteScope(query),
    ...Object.entries(query.dims ?? {}).map(([name, value]) => ({ [`dims.${name}`]: value })),
  ]);
}

export async function groupFacts(h: MongoHandle, query: FactGroupQuery): Promise<FactGroup[]> {
  const labels = query.labels ?? [];
  checkFactNames([...query.by, ...labels]);
  const rows = await h.col('figure_facts')
    .aggregate([
      { $match: factFilter(query) },
      {
        $group: {
          _id: Object.fromEntries(query.by.map((d, i) => [`g${i}`, `$dims.${d}`])),
          ...Object.fromEntries(labels.map((d, i) => [`l${i}`, { $max: `$dims.${d}` }])),
          n: { $sum: 1 },
        },
      },
      { $sort: Object.fromEntries(query.by.length ? query.by.map((_d, i) => [`_id.g${i}`, 1]) : [['_id', 1]]) },
    ])
    .toArray();
  return rows.map((r) => ({
    dims: Object.fromEntries(query.by.map((d, i) => [d, String(r._id?.[`g${i}`] ?? '')])),
    labels: Object.fromEntries(labels.map((d, i) => [d, String(r[`l${i}`] ?? '')])),
    count: Number(r.n),
  }));
}

export async function listFacts(h: MongoHandle, query: FactListQuery): Promise<FactRow[]> {
  const limit = query.limit ?? 1000;
  if (limit <= 0) return [];
  const sort = query.order === 'ended' ? { endedAt: 1, instanceId: 1, seq: 1 } : { startedAt: 1, instanceId: 1, seq: 1 };
  const late = query.lateTasks
    ? [
        {
          $lookup: {
            from: 'tasks',
            let: { id: '$instanceId' },
            pipeline: [{ $match: { $expr: { $eq: ['$instanceId', '$$id'] }, status: 'completed', _lateClosedAt: { $type: 'string' } } }, { $count: 'n' }],
            as: 'late',
          },
        },
      ]
    : [];
  const rows = await h.col('figure_facts')
    .aggregate([{ $match: factFilter(query) }, { $sort: sort }, { $limit: limit }, ...late])
    .toArray();
  return rows.map((r) => ({
    instanceId: String(r.instanceId),
    businessKey: String(r.businessKey),
    process: String(r.process),
    site: (r.site as string | null) ?? null,
    status: r.status as InstanceRecord['status'],
    startedAt: String(r.startedAt),
    endedAt: (r.endedAt as string | null) ?? null,
    seq: Number(r.seq),
    dims: (r.dims ?? {}) as Record<string, string>,
    values: (r.values ?? {}) as Record<string, number>,
    ...(query.lateTasks && { lateTasks: Number((r.late as { n: number }[] | undefined)?.[0]?.n ?? 0) }),
  }));
}

export async function figureVersion(h: MongoHandle): Promise<string | undefined> {
  const doc = await h.col('figure_meta').findOne({ _id: 'version' });
  return doc ? String(doc.value) : undefined;
}

/** A backfill batch: plain writes, not a transaction (each record's facts are replaced whole; a rerun repairs a partial one). */
export async function rebuildFacts(h: MongoHandle, batch: RecordFacts[], options: { clear?: boolean; version?: string } = {}): Promise<void> {
  if (options.clear) await h.col('figure_facts').deleteMany({});
  await writeFacts(h, batch);
  if (options.version !== undefined) await h.col('figure_meta').updateOne({ _id: 'version' }, { $set: { value: options.version } }, { upsert: true });
}
