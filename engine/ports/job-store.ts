/**
 * The durable-jobs port: timers, reminders, escalations, scheduled starts, emails and webhook deliveries
 * waiting to run. Jobs are written by commits (ChangeSet.scheduleJobs/ensureJobs/cancelJobs/finishJob);
 * this port claims and fails them. Invariant: a job is held by one worker at a time (a claim is a lease,
 * taken atomically), and a claimed job is finished only by the commit of its holder.
 * test/contracts/job-store/ pins it.
 */
import type { JobRecord } from '../kernel/model.js';

export interface JobStore {
  getJob(id: string): Promise<JobRecord | undefined>;
  listJobs(query: { instanceId?: string; status?: JobRecord['status'] }): Promise<JobRecord[]>;
  /**
   * Atomically claims up to `limit` jobs that are due at `now` (scheduled, or running with an expired lease)
   * for `worker` until `leaseUntil`. A job is claimed by one worker at a time.
   */
  claimDueJobs(now: string, worker: string, leaseUntil: string, limit: number): Promise<JobRecord[]>;
  /** Records a failed attempt: back to scheduled at `retryAt`, or failed for good when retryAt is null. */
  failJob(id: string, lockedBy: string, error: string, retryAt: string | null): Promise<void>;
  /**
   * Claims one job by id for a queue runner that was handed it: succeeds when the job is scheduled
   * (whatever its run time: the queue decided it is due) or running with a lease expired at `now`.
   */
  claimJob(id: string, worker: string, now: string, leaseUntil: string): Promise<JobRecord | undefined>;
  /** Scheduled jobs not yet handed to a queue runner, soonest first. */
  listUnqueuedJobs(limit: number): Promise<JobRecord[]>;
  markJobsQueued(ids: string[], at: string): Promise<void>;
}
