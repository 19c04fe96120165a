/**
 * What the process that runs a store needs of it: open it, bring its schema up to date, read monitoring
 * counts, close it. Invariant: `init` and `applyMigrations` are idempotent (every process of a deployment
 * calls them at start), and `counts` reads indexes only, never whole records.
 * test/contracts/store-operations/ pins it.
 */
import type { InstanceRecord, MessageRecord } from '../kernel/model.js';

/** What `applyMigrations` did: one line per step that ran (none when the store was already up to date). */
export interface MigrationReport {
  store: string;
  ran: string[];
  /** The schema now in place: SQLite's migration number, MongoDB's collection and index count. */
  version: string;
}

/** Monitoring counts (`/metrics`): indexed counts, cheap enough to read at every scrape. */
export interface StoreCounts {
  instances: Record<InstanceRecord['status'], number>;
  tasksOpen: number;
  /** Open tasks whose due date is before `now`. */
  tasksOverdue: number;
  /** Scheduled jobs due at `now` (waiting) or later (delayed), claimed ones (running), failed for good. */
  jobs: { waiting: number; delayed: number; running: number; failed: number };
  /** Outbox messages by status: `queued` is the backlog still to send. */
  messages: Record<MessageRecord['status'], number>;
}

export interface StoreOperations {
  readonly kind: string;
  /** Creates tables/collections and runs pending migrations. Idempotent. */
  init(): Promise<void>;
  /** Runs pending migrations (init does too) and reports which ran; on an up-to-date store, none. */
  applyMigrations(): Promise<MigrationReport>;
  /** Counts for monitoring at `now` (see StoreCounts). */
  counts(now: string): Promise<StoreCounts>;
  close(): Promise<void>;
}
