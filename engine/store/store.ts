import type {
  AuditEvent,
  AuditInput,
  DefinitionRecord,
  IncidentRecord,
  InstanceRecord,
  JobRecord,
  TaskRecord,
} from '../model.js';

/**
 * Everything one event changes, applied by the store atomically or not at all.
 *
 * The engine computes a change in memory and hands it over whole; the store never runs engine logic inside
 * a transaction. That keeps adapters small (SQLite's transactions are synchronous, MongoDB's are sessions)
 * and makes the compare-and-swap rule one place: every `expectedRevision` must still match.
 */
export interface ChangeSet {
  definition?: DefinitionRecord;
  /** Insert (expectedRevision null) or replace an instance whose stored revision must equal expectedRevision. */
  instance?: { record: InstanceRecord; expectedRevision: number | null };
  /** Inserts (expectedRevision null) and compare-and-swap updates of tasks. */
  tasks?: { record: TaskRecord; expectedRevision: number | null }[];
  /** Upserts by id: scheduling a job id that exists replaces its run time and resets it to scheduled. */
  scheduleJobs?: JobRecord[];
  cancelJobs?: string[];
  /** Marks a claimed job done; fails the change if another worker holds the claim now. */
  finishJob?: { id: string; lockedBy: string };
  incidents?: IncidentRecord[];
  /** Appended to the hash chain in the order given, in the same transaction. */
  audit: AuditInput[];
}

export interface TaskQuery {
  assignee?: string;
  role?: string;
  status?: TaskRecord['status'];
  instanceId?: string;
  /** Only open tasks whose due date is before this time. */
  dueBefore?: string;
  limit?: number;
  offset?: number;
}

export interface InstanceQuery {
  key?: string;
  status?: InstanceRecord['status'];
  limit?: number;
  offset?: number;
}

export interface AuditQuery {
  target?: string;
  /** Matches the target itself and everything under it, e.g. `instance:abc` and its tasks. */
  instanceId?: string;
  afterSeq?: number;
  limit?: number;
}

/**
 * The persistence port. Adapters: `sqlite.ts` (embedded default) and `mongo.ts` (scale mode).
 * Both pass `test/store-contract.ts`.
 */
export interface Store {
  readonly kind: string;
  /** Creates tables/collections and runs pending migrations. Idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;

  /** Applies a change atomically. Throws `ConflictError` when a revision or job claim no longer matches. */
  commit(change: ChangeSet): Promise<void>;

  getDefinition(key: string, version?: number): Promise<DefinitionRecord | undefined>;
  findDefinitionByHash(key: string, hash: string): Promise<DefinitionRecord | undefined>;
  listDefinitions(): Promise<DefinitionRecord[]>;

  getInstance(id: string): Promise<InstanceRecord | undefined>;
  listInstances(query: InstanceQuery): Promise<InstanceRecord[]>;
  /** Next number in a per-prefix, per-year sequence, for business keys like CAPA-2026-0042. */
  nextSequence(name: string): Promise<number>;

  getTask(id: string): Promise<TaskRecord | undefined>;
  listTasks(query: TaskQuery): Promise<TaskRecord[]>;

  getJob(id: string): Promise<JobRecord | undefined>;
  listJobs(query: { instanceId?: string; status?: JobRecord['status'] }): Promise<JobRecord[]>;
  /**
   * Atomically claims up to `limit` jobs that are due at `now` (scheduled, or running with an expired lease)
   * for `worker` until `leaseUntil`. A job is claimed by one worker at a time.
   */
  claimDueJobs(now: string, worker: string, leaseUntil: string, limit: number): Promise<JobRecord[]>;
  /** Records a failed attempt: back to scheduled at `retryAt`, or failed for good when retryAt is null. */
  failJob(id: string, lockedBy: string, error: string, retryAt: string | null): Promise<void>;

  getIncident(id: string): Promise<IncidentRecord | undefined>;
  listIncidents(query: { status?: IncidentRecord['status']; instanceId?: string }): Promise<IncidentRecord[]>;

  listAudit(query: AuditQuery): Promise<AuditEvent[]>;
}
