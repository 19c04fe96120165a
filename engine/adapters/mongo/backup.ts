import { ConflictError } from '../../kernel/errors.js';
import type { AuditEvent } from '../../kernel/model.js';
import { BACKUP_COLLECTIONS, type BackupCollection, type SequenceRecord } from '../../ports/backup-store.js';
import { type MongoHandle } from './handle.js';
import { backupDoc, duplicateAs, fromDoc, fromDraftDoc } from './helpers.js';

/** Backup and restore: counting, paging out and inserting records as they are. */

export async function countRecords(h: MongoHandle): Promise<Record<BackupCollection, number>> {
  const counts = {} as Record<BackupCollection, number>;
  for (const name of BACKUP_COLLECTIONS) counts[name] = await h.col(name).countDocuments({});
  return counts;
}

/** By _id (the seq for audit events), read through one cursor in batches. */
export async function* exportRecords(h: MongoHandle, collection: BackupCollection, batchSize = 1000): AsyncIterable<unknown[]> {
  const cursor = h.col(collection).find({}).sort({ _id: 1 }).batchSize(batchSize);
  let batch: unknown[] = [];
  for await (const doc of cursor) {
    batch.push(collection === 'sequences' ? ({ name: String(doc._id), value: Number(doc.value) } satisfies SequenceRecord) : collection === 'drafts' ? fromDraftDoc(doc) : fromDoc(doc));
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * Plain ordered inserts, not a transaction: a restore can be larger than a MongoDB transaction may be.
 * The import checks everything before its first write; should a write still fail, drop the database and
 * import again. The audit head follows the last event imported.
 */
export async function importRecords(h: MongoHandle, collection: BackupCollection, records: unknown[]): Promise<void> {
  if (!records.length) return;
  // restored records bypass the projections: forgetting the version has their facts rebuilt at the next start
  if (collection === 'instances') {
    await h.col('figure_meta').deleteMany({});
    await h.col('register_meta').deleteMany({});
  }
  const docs = records.map((record) => backupDoc(collection, record));
  try {
    await h.col(collection).insertMany(docs, { ordered: true });
  } catch (err) {
    throw duplicateAs(err, new ConflictError(`${collection}: a record exists already; restore into an empty store`));
  }
  if (collection === 'audit') {
    const last = records[records.length - 1] as AuditEvent;
    await h.col('audit_head').updateOne({ _id: 'head' }, { $set: { seq: last.seq, hash: last.hash } }, { upsert: true });
  }
}
