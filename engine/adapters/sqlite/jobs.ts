import type { JobRecord } from '../../kernel/model.js';
import { type SqliteHandle } from './handle.js';
import { conditions, parseDoc, parseDocs } from './helpers.js';

/** Durable jobs: reads, and the claim/lease/fail steps of the embedded scheduler and the relay. */

export async function getJob(h: SqliteHandle, id: string): Promise<JobRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM jobs WHERE id = ?').get(id));
}

export async function listJobs(h: SqliteHandle, query: { instanceId?: string; status?: JobRecord['status'] }): Promise<JobRecord[]> {
  const { where, params } = conditions([
    ['instance_id = ?', query.instanceId],
    ['status = ?', query.status],
  ]);
  return parseDocs(h.query(`SELECT doc FROM jobs ${where} ORDER BY run_at, id`).all(...params));
}

export async function claimDueJobs(h: SqliteHandle, now: string, worker: string, leaseUntil: string, limit: number): Promise<JobRecord[]> {
  const s = h.statements;
  const claim = h.db.transaction(() => {
    const ids = s.dueJobs.all(now, now, limit) as { id: string }[];
    return ids.map(({ id }) => JSON.parse((s.claimJob.get(worker, leaseUntil, worker, leaseUntil, id) as { doc: string }).doc) as JobRecord);
  });
  return claim.immediate();
}

export async function failJob(h: SqliteHandle, id: string, lockedBy: string, error: string, retryAt: string | null): Promise<void> {
  const status = retryAt ? 'scheduled' : 'failed';
  h.statements.failJob.run(status, retryAt, status, retryAt, error.slice(0, 2000), id, lockedBy);
}

export async function claimJob(h: SqliteHandle, id: string, worker: string, now: string, leaseUntil: string): Promise<JobRecord | undefined> {
  const claim = h.db.transaction(() => parseDoc<JobRecord>(h.statements.claimOne.get(worker, leaseUntil, worker, leaseUntil, id, now)));
  return claim.immediate();
}

export async function listUnqueuedJobs(h: SqliteHandle, limit: number): Promise<JobRecord[]> {
  return parseDocs(h.query(`SELECT doc FROM jobs WHERE status = 'scheduled' AND queued_at IS NULL ORDER BY run_at, id LIMIT ?`).all(limit));
}

export async function markJobsQueued(h: SqliteHandle, ids: string[], at: string): Promise<void> {
  const mark = h.db.transaction(() => {
    for (const id of ids) h.statements.markQueued.run(at, at, id);
  });
  mark.immediate();
}
