import type { JobRecord } from '../../kernel/model.js';
import { type MongoHandle } from './handle.js';
import { MAX_ERROR, conditions, fromDoc } from './helpers.js';

/** Durable jobs: reads, and the claim/lease/fail steps of the embedded scheduler and the relay. */

export async function getJob(h: MongoHandle, id: string): Promise<JobRecord | undefined> {
  return fromDoc(await h.col('jobs').findOne({ _id: id }));
}

export async function listJobs(h: MongoHandle, query: { instanceId?: string; status?: JobRecord['status'] }): Promise<JobRecord[]> {
  return h.list('jobs', conditions({ instanceId: query.instanceId, status: query.status }), { runAt: 1, _id: 1 });
}

/** One findOneAndUpdate per job: each claim is atomic, so two workers never get the same job. */
export async function claimDueJobs(h: MongoHandle, now: string, worker: string, leaseUntil: string, limit: number): Promise<JobRecord[]> {
  const claimed: JobRecord[] = [];
  while (claimed.length < limit) {
    const doc = await h.col('jobs').findOneAndUpdate(
      { $or: [{ status: 'scheduled', runAt: { $lte: now } }, { status: 'running', lockedUntil: { $lte: now } }] },
      { $set: { status: 'running', lockedBy: worker, lockedUntil: leaseUntil }, $inc: { attempts: 1 } },
      { sort: { runAt: 1, _id: 1 }, returnDocument: 'after' },
    );
    if (!doc) break;
    claimed.push(fromDoc<JobRecord>(doc)!);
  }
  return claimed;
}

export async function failJob(h: MongoHandle, id: string, lockedBy: string, error: string, retryAt: string | null): Promise<void> {
  const status = retryAt ? 'scheduled' : 'failed';
  await h.col('jobs').updateOne(
    { _id: id, status: 'running', lockedBy },
    { $set: { status, ...(retryAt ? { runAt: retryAt } : {}), lastError: error.slice(0, MAX_ERROR) }, $unset: { lockedBy: '', lockedUntil: '' } },
  );
}

/** One atomic findOneAndUpdate: whatever the job's run time, it is claimed when scheduled or its lease expired. */
export async function claimJob(h: MongoHandle, id: string, worker: string, now: string, leaseUntil: string): Promise<JobRecord | undefined> {
  const doc = await h.col('jobs').findOneAndUpdate(
    { _id: id, $or: [{ status: 'scheduled' }, { status: 'running', lockedUntil: { $lte: now } }] },
    { $set: { status: 'running', lockedBy: worker, lockedUntil: leaseUntil }, $inc: { attempts: 1 } },
    { returnDocument: 'after' },
  );
  return fromDoc<JobRecord>(doc);
}

export async function listUnqueuedJobs(h: MongoHandle, limit: number): Promise<JobRecord[]> {
  return h.list('jobs', { status: 'scheduled', queuedAt: null }, { runAt: 1, _id: 1 }, limit);
}

export async function markJobsQueued(h: MongoHandle, ids: string[], at: string): Promise<void> {
  if (!ids.length) return;
  await h.col('jobs').updateMany({ _id: { $in: ids }, status: 'scheduled' }, { $set: { queuedAt: at } });
}
