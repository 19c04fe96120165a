import type {
  AuditEvent,
  AuditInput,
  DefinitionRecord,
  DraftRecord,
  DraftStatus,
  IncidentRecord,
  InstanceRecord,
  JobRecord,
  KpiRecord,
  KpiValueRecord,
  ApiTokenRecord,
  LinkTokenRecord,
  MessageRecord,
  ScheduleRecord,
  SessionRecord,
  TaskRecord,
  UserRecord,
  WebhookDeliveryRecord,
  WebhookSubscriptionRecord,
  InboundEventRecord,
} from '../model.js';
import type { SignatureRecord } from '../signatures.js';
import type { FigureScope, FigureStore, RecordFacts } from '../ports/figure-store.js';

export type { FigureScope } from '../ports/figure-store.js';

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
  /**
   * The figure facts of records this change saves, each replacing that record's facts: added by the
   * before-commit hook of engine/features/figures/ from the packs' projections, so they land with the record.
   */
  figureFacts?: RecordFacts[];
  /** Appended to the hash chain in the order given, in the same transaction. */
  audit: AuditInput[];
}

/**
 * What a backup holds, one entry per kind of record, in the order an import writes them. Sessions are left
 * out on purpose: a restored site signs everyone in again. `sequences` are {name, value} pairs (the
 * counters behind business keys); audit events keep their seq and hashes.
 */
export const BACKUP_COLLECTIONS = [
  'definitions',
  'instances',
  'tasks',
  'jobs',
  'incidents',
  'users',
  'messages',
  'link_tokens',
  'schedules',
  'api_tokens',
  'signatures',
  'sequences',
  'webhook_subscriptions',
  'webhook_deliveries',
  'inbound_events',
  'drafts',
  'kpis',
  'kpi_values',
  'audit',
] as const;
export type BackupCollection = (typeof BACKUP_COLLECTIONS)[number];

export interface SequenceRecord {
  name: string;
  value: number;
}

export interface TaskQuery {
  assignee?: string;
  role?: string;
  /** Open tasks a person may see: assigned to them, or for one of their roles (unassigned). */
  forUser?: { id: string; roles: string[] };
  /** Only records of these sites (or without a site). Absent: every site. */
  sites?: string[];
  instanceIds?: string[];
  status?: TaskRecord['status'];
  instanceId?: string;
  /** Only open tasks whose due date is before this time. */
  dueBefore?: string;
  limit?: number;
  offset?: number;
}

/** What open tasks are grouped by. */
export type TaskDimension = 'definitionKey' | 'site' | 'assignee' | 'candidateRole' | 'escalationLevel';

/**
 * Open tasks at `at` (created by then, not completed or cancelled by then), grouped by some dimensions,
 * counted per due band: band 0 holds due dates before dueEdges[0], band i those in [dueEdges[i-1],
 * dueEdges[i]), the last those at or after the last edge. Tasks without a due date count in `noDue`.
 * The adapters index the groupings the dashboard asks for: [definitionKey, site, candidateRole,
 * escalationLevel] (few values each) and [assignee] (many), so each is one pass in index order.
 */
export interface OpenTaskGroupQuery extends FigureScope {
  at: string;
  dueEdges: string[];
  by: TaskGrouping;
}

export type TaskGrouping = 'holders' | 'assignee';

/** The dimensions of each grouping. */
export const TASK_GROUPINGS: Record<TaskGrouping, readonly TaskDimension[]> = {
  holders: ['definitionKey', 'site', 'candidateRole', 'escalationLevel'],
  assignee: ['assignee'],
};

export interface OpenTaskGroup {
  /** The group's value of each dimension of the grouping: null for none (no site, unassigned, no role). */
  values: Partial<Record<TaskDimension, string | number | null>>;
  noDue: number;
  /** dueEdges.length + 1 counts. */
  bands: number[];
}

/**
 * Task counts per interval [edges[i], edges[i+1]) (edges ascending ISO times, the last no later than the
 * time the dashboard is read at): tasks created in it, completed in it, and overdue at its end (due before
 * edges[i+1], not completed or cancelled by then).
 */
export interface TaskSeriesQuery extends FigureScope {
  edges: string[];
}

export interface TaskSeries {
  created: number[];
  completed: number[];
  overdueAtEnd: number[];
}

/** Tasks behind a dashboard figure. Every condition given must hold. */
export interface TaskSearch extends FigureScope {
  /** Open at this time: created by then, and not completed or cancelled by then. */
  openAt?: string;
  dueFrom?: string;
  dueBefore?: string;
  createdFrom?: string;
  createdBefore?: string;
  completedFrom?: string;
  completedBefore?: string;
  /** Overdue at this time: due before it, created by then, not completed or cancelled by then. */
  overdueAt?: string;
  /** null: unassigned. */
  assignee?: string | null;
  /** null: without a candidate role. */
  candidateRole?: string | null;
  /** Exactly this escalation level (0: not escalated). */
  escalationLevel?: number;
  minEscalationLevel?: number;
  limit?: number;
}

export interface InstanceQuery {
  key?: string;
  status?: InstanceRecord['status'];
  sites?: string[];
  limit?: number;
  offset?: number;
}

export interface DraftQuery {
  key?: string;
  status?: DraftStatus[];
  limit?: number;
}

/** How many instances of one version are in one status. */
export interface VersionCount {
  version: number;
  status: InstanceRecord['status'];
  count: number;
}

export interface AuditQuery {
  target?: string;
  /** Matches the target itself and everything under it, e.g. `instance:abc` and its tasks. */
  instanceId?: string;
  afterSeq?: number;
  limit?: number;
}

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

/**
 * The persistence port. Adapters: `sqlite.ts` (embedded default) and `mongo.ts` (scale mode).
 * Both pass `test/contracts/store/`.
 */
export interface Store extends FigureStore {
  readonly kind: string;
  /** Creates tables/collections and runs pending migrations. Idempotent. */
  init(): Promise<void>;
  /** Runs pending migrations (init does too) and reports which ran; on an up-to-date store, none. */
  applyMigrations(): Promise<MigrationReport>;
  /** Counts for monitoring at `now` (see StoreCounts). */
  counts(now: string): Promise<StoreCounts>;
  close(): Promise<void>;

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

  getDefinition(key: string, version?: number): Promise<DefinitionRecord | undefined>;
  findDefinitionByHash(key: string, hash: string): Promise<DefinitionRecord | undefined>;
  listDefinitions(): Promise<DefinitionRecord[]>;
  /**
   * The version new instances start on at `at`: the highest version whose effectiveAt (deployedAt when it
   * has none) is not after `at`.
   */
  getEffectiveDefinition(key: string, at: string): Promise<DefinitionRecord | undefined>;

  getDraft(id: string): Promise<DraftRecord | undefined>;
  /** Drafts, most recently updated first. */
  listDrafts(query: DraftQuery): Promise<DraftRecord[]>;

  getInstance(id: string): Promise<InstanceRecord | undefined>;
  /** Instances of a process counted by version and status (only the combinations that occur). */
  countInstancesByVersion(key: string): Promise<VersionCount[]>;
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

  /**
   * Claims one job by id for a queue runner that was handed it: succeeds when the job is scheduled
   * (whatever its run time: the queue decided it is due) or running with a lease expired at `now`.
   */
  claimJob(id: string, worker: string, now: string, leaseUntil: string): Promise<JobRecord | undefined>;
  /** Scheduled jobs not yet handed to a queue runner, soonest first. */
  listUnqueuedJobs(limit: number): Promise<JobRecord[]>;
  markJobsQueued(ids: string[], at: string): Promise<void>;

  getUser(id: string): Promise<UserRecord | undefined>;
  getUserByEmail(email: string): Promise<UserRecord | undefined>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  getApiToken(id: string): Promise<ApiTokenRecord | undefined>;
  listApiTokens(userId: string): Promise<ApiTokenRecord[]>;
  listUsers(query: { role?: string; active?: boolean }): Promise<UserRecord[]>;

  getMessage(id: string): Promise<MessageRecord | undefined>;
  listMessages(query: { status?: MessageRecord['status']; taskId?: string; limit?: number }): Promise<MessageRecord[]>;

  getLinkToken(id: string): Promise<LinkTokenRecord | undefined>;
  listLinkTokens(taskId: string): Promise<LinkTokenRecord[]>;
  /** A person's links that still work (neither used nor revoked), of every task: what deactivation revokes. */
  listOpenLinkTokensOfUser(userId: string): Promise<LinkTokenRecord[]>;

  getSchedule(id: string): Promise<ScheduleRecord | undefined>;
  listSchedules(): Promise<ScheduleRecord[]>;

  getIncident(id: string): Promise<IncidentRecord | undefined>;
  listIncidents(query: { status?: IncidentRecord['status']; instanceId?: string }): Promise<IncidentRecord[]>;

  /** Signatures of an instance or of a task (both: of that task in that instance; neither: all), by signedAt, then id. */
  listSignatures(query: { instanceId?: string; taskId?: string }): Promise<SignatureRecord[]>;

  listAudit(query: AuditQuery): Promise<AuditEvent[]>;

  getWebhookSubscription(id: string): Promise<WebhookSubscriptionRecord | undefined>;
  listWebhookSubscriptions(): Promise<WebhookSubscriptionRecord[]>;
  getWebhookDelivery(id: string): Promise<WebhookDeliveryRecord | undefined>;
  /** A subscription's deliveries, newest first (by createdAt, then id descending). */
  listWebhookDeliveries(query: { subscriptionId: string; status?: WebhookDeliveryRecord['status']; limit?: number }): Promise<WebhookDeliveryRecord[]>;

  getInboundEvent(source: string, eventId: string): Promise<InboundEventRecord | undefined>;

  // ---- backup and restore ----

  /** How many records of each kind the store holds. */
  countRecords(): Promise<Record<BackupCollection, number>>;
  /**
   * Every record of a kind, exactly as stored, in batches of at most `batchSize`, in a stable order
   * (audit events by seq).
   */
  exportRecords(collection: BackupCollection, batchSize?: number): AsyncIterable<unknown[]>;
  /**
   * Writes records exactly as given (ids, revisions, audit seq and hashes are kept: nothing is re-hashed).
   * Meant for an empty store: a record whose id exists fails with ConflictError. Audit events must come in
   * seq order; the chain's head follows the last one.
   */
  importRecords(collection: BackupCollection, records: unknown[]): Promise<void>;
  // ---- dashboard figures: counted by the store, never by loading the records --------------------------

  openTaskGroups(query: OpenTaskGroupQuery): Promise<OpenTaskGroup[]>;
  taskSeries(query: TaskSeriesQuery): Promise<TaskSeries>;
  /** Oldest due first (tasks without a due date last), then by id. */
  searchTasks(query: TaskSearch): Promise<TaskRecord[]>;
  // the records' figure facts: FigureStore (engine/ports/figure-store.ts)

  // ---- KPIs ------------------------------------------------------------------------------------------

  getKpi(id: string): Promise<KpiRecord | undefined>;
  /** By system, then id. */
  listKpis(): Promise<KpiRecord[]>;
  /** Values of these KPIs, by KPI then period. */
  listKpiValues(kpiIds: string[]): Promise<KpiValueRecord[]>;
}

/**
 * The times the dashboard ranges on, derived from a task record; both adapters keep them beside the
 * record on every write. closedAt: when it stopped being open (completed or cancelled); lateClosedAt:
 * closedAt when that was after the due date (the task was overdue until then).
 */
export function taskFigureFields(t: TaskRecord): { escalationLevel: number; completedAt: string | null; closedAt: string | null; lateClosedAt: string | null } {
  const completedAt = t.status === 'completed' ? (t.completedAt ?? t.createdAt) : null;
  const closedAt = t.status === 'completed' ? completedAt : t.status === 'cancelled' ? (t.cancelledAt ?? t.createdAt) : null;
  const lateClosedAt = closedAt !== null && t.dueAt !== undefined && closedAt > t.dueAt ? closedAt : null;
  return { escalationLevel: t.escalationLevel ?? 0, completedAt, closedAt, lateClosedAt };
}

/**
 * Overdue counts at edges[1..n-1] from interval counts (n edges): `openDue` = [open tasks due before
 * edges[0], then due in each [edges[j], edges[j+1])]; `lateClosed` = [tasks closed late in each
 * (edges[j], edges[j+1]], then after the last edge]; `lateDue` = [late-closed tasks due in each
 * [edges[j], edges[j+1]), then at or after the last edge]. Overdue at T = open and due before T, plus
 * closed late after T and due before T = openDueBefore(T) + lateClosedAfter(T) − lateDueFrom(T), as a
 * late task's due date is before its closing.
 */
export function overdueSeries(openDue: number[], lateClosed: number[], lateDue: number[]): number[] {
  const result: number[] = [];
  const suffix = (list: number[], from: number) => list.slice(from).reduce((a, b) => a + b, 0);
  for (let k = 1; k < openDue.length; k += 1) {
    const openBefore = openDue.slice(0, k + 1).reduce((a, b) => a + b, 0);
    result.push(openBefore + suffix(lateClosed, k) - suffix(lateDue, k));
  }
  return result;
}
