/**
 * The commit port: the one way anything is written. Invariant: a change lands whole or not at all
 * (records, jobs, outbox rows and audit events together), every `expectedRevision` is compared and swapped
 * in the same transaction, and reactions to commits are hooks registered here, never wrappers of `commit`.
 * Adapters implement it with one `CommitHooks` (commit-hooks.ts); test/contracts/commit-store/ pins it.
 */
import type { AuditInput, DefinitionRecord, DraftRecord, IncidentRecord, InstanceRecord, JobRecord, KpiRecord, KpiValueRecord, ApiTokenRecord, LinkTokenRecord, MessageRecord, ScheduleRecord, SessionRecord, TaskRecord, UserRecord, WebhookDeliveryRecord, WebhookSubscriptionRecord, InboundEventRecord } from '../kernel/model.js';
import type { SiteRecord } from '../kernel/site.js';
import type { SignatureRecord } from '../features/signatures/index.js';
import type { RecordFacts } from './figure-store.js';
import type { RegisterEntry } from './register-store.js';

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
  /** Records started by this change besides `instance` (linked records): inserts only. */
  linkedInstances?: InstanceRecord[];
  /** Inserts (expectedRevision null) and compare-and-swap updates of tasks. */
  tasks?: { record: TaskRecord; expectedRevision: number | null }[];
  /** Upserts by id: scheduling a job id that exists replaces its run time and resets it to scheduled. */
  scheduleJobs?: JobRecord[];
  /**
   * Inserts jobs whose id is not taken yet; an id that exists (scheduled, running or done) is left as it
   * is. For recurring jobs several processes arm at start (the weekly digest): it runs once per id.
   */
  ensureJobs?: JobRecord[];
  cancelJobs?: string[];
  /** Marks a claimed job done; fails the change if another worker holds the claim now. */
  finishJob?: { id: string; lockedBy: string };
  incidents?: IncidentRecord[];
  /** Upserts by id. */
  users?: UserRecord[];
  /** Upserts by id: new outbox messages and their status changes. */
  messages?: MessageRecord[];
  /** Upserts by id: issued, used or revoked link tokens. */
  linkTokens?: LinkTokenRecord[];
  /**
   * Revokes every still-valid token of a task (completed, reassigned, cancelled). Applied before
   * `linkTokens`, so a change can revoke a task's old links and issue new ones together.
   */
  revokeLinkTokens?: { taskId: string; reason: string; at: string }[];
  /** Upserts by id, compare-and-swap on revision like instances. */
  schedules?: { record: ScheduleRecord; expectedRevision: number | null }[];
  deleteSchedules?: string[];
  /** Upserts by id. */
  sessions?: SessionRecord[];
  deleteSessions?: string[];
  /** Upserts by id. */
  apiTokens?: ApiTokenRecord[];
  /**
   * When tokens were last used: sets `lastUsedAt` of each token that exists and is not revoked, and
   * changes nothing else, so a use recorded while the token is revoked never brings it back.
   */
  apiTokenUses?: { id: string; at: string }[];
  /**
   * Electronic signatures: inserts only. A signature is never changed or removed; an id that exists
   * already fails the whole change with ConflictError.
   */
  signatures?: SignatureRecord[];
  /**
   * Drafts under change control: insert (expectedRevision null) or compare-and-swap update. Inserting a
   * second open draft (draft, in-review, approved, rejected) of one process fails with ConflictError.
   */
  drafts?: { record: DraftRecord; expectedRevision: number | null }[];
  /** Upserts by id, compare-and-swap on revision like schedules. */
  webhookSubscriptions?: { record: WebhookSubscriptionRecord; expectedRevision: number | null }[];
  deleteWebhookSubscriptions?: string[];
  /** Upserts by id: a delivery when its event happens, then each attempt's outcome. */
  webhookDeliveries?: WebhookDeliveryRecord[];
  /**
   * Inserts only, unique on (source, eventId): a second event with the same pair fails the whole change
   * with DuplicateEventError, so two concurrent repeats never both start a record.
   */
  inboundEvents?: InboundEventRecord[];
  /** KPI definitions: inserts (expectedRevision null) and compare-and-swap updates. */
  kpis?: { record: KpiRecord; expectedRevision: number | null }[];
  /** Upserts by id (`<kpi>@<period>`): a period's value entered again replaces it. */
  kpiValues?: KpiValueRecord[];
  /** The site register: inserts (expectedRevision null) and compare-and-swap updates, by key. */
  sites?: { record: SiteRecord; expectedRevision: number | null }[];
  /**
   * The figure facts of records this change saves, each replacing that record's facts: added by the
   * before-commit hook of the dashboard feature from the packs' projections, so they land with the record.
   */
  figureFacts?: RecordFacts[];
  /**
   * The register entries of records this change saves, each replacing that record's entry: added by the
   * register feature's before-commit hook (engine/features/register/), so they land with the record.
   */
  registerEntries?: RegisterEntry[];
  /** Appended to the hash chain in the order given, in the same transaction. */
  audit: AuditInput[];
}

/**
 * Runs before a change is written and may add to it (in place): what it adds lands in the same atomic
 * commit, or not at all. Webhooks add their delivery records and jobs here. Throwing rejects the commit.
 */
export type BeforeCommitHook = (change: ChangeSet) => void | Promise<void>;
/**
 * Runs after a change was written, only when the commit succeeded; the BullMQ relay wakes up here for the
 * jobs the change scheduled. Its error does not fail the commit (the change is stored; see CommitHooks).
 */
export type AfterCommitHook = (change: Readonly<ChangeSet>) => void | Promise<void>;

export interface CommitStore {
  /** Applies a change atomically. Throws `ConflictError` when a revision or job claim no longer matches. */
  commit(change: ChangeSet): Promise<void>;
  /**
   * Commit hooks, the only way to react to commits (assigning to `commit` is an ESLint error). Each returns
   * the function that unregisters it. Order is defined: all before hooks in registration order, the write,
   * then all after hooks in registration order. So every before hook has finished adding to the change
   * before any after hook reads it: the relay's after hook sees the webhook jobs that webhooks' before hook
   * added, whichever registered first; a later before hook sees what earlier ones added.
   */
  beforeCommit(hook: BeforeCommitHook): () => void;
  afterCommit(hook: AfterCommitHook): () => void;
}
