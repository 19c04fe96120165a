import type { JobKind, JobRecord } from '../kernel/model.js';

/**
 * Durable jobs are written into the store by the engine, in the same commit as the state change that
 * makes them (a timer armed, a reminder due): the store is the source of truth for what must run, so a
 * job can never be lost between a commit and a queue. A JobRunner decides when and where they run:
 * the embedded scheduler polls the store; the BullMQ runner relays them to Redis.
 */
export interface JobRunner {
  start(): void;
  /** Stops taking jobs and waits for the ones in hand. */
  stop(): Promise<void>;
  /** Runs every job due now, to completion. Used by tests (with a fake clock) and by shutdown. */
  runDue(): Promise<number>;
}

/**
 * Handles one claimed job. Must finish the job in the same commit as its effect (ChangeSet.finishJob),
 * which makes it idempotent: a second run after a crash finds the job done or its effect absent.
 * Throwing records a failed attempt, retried with backoff.
 */
export type JobHandler = (job: JobRecord, workerId: string) => Promise<unknown>;

export type JobHandlers = Record<JobKind, JobHandler>;
