/**
 * The records imsflow keeps. Stores persist exactly these shapes; everything else is derived.
 * Times are ISO 8601 strings in UTC (`2026-11-22T10:15:00.000Z`), so records are readable as stored.
 */

export type FieldType =
  | 'text'
  | 'longtext'
  | 'number'
  | 'date'
  | 'select'
  | 'checkbox'
  | 'person'
  | 'file'
  | 'checklist'
  /** Clauses of the clause catalogue (its record ids), e.g. an audit's criteria. */
  | 'clauses';

export interface FormField {
  key: string;
  label: string;
  type: FieldType;
  required: boolean;
  options?: { value: string; label: string }[];
  /**
   * ims:requiredWhen="fullCapa=no" (or "status=na|partial|gap"): the field is required when the submitted value
   * of another field of the same form is one of the values (a checkbox compares as "true" or "false").
   */
  requiredWhen?: { field: string; values: string[] };
}

export type SignatureMeaning = 'authored' | 'reviewed' | 'approved' | 'verified';

export interface EscalationStep {
  /** ISO 8601 duration after the due date. */
  after: string;
  /** Role that is told (and, with reassign, takes the task over). */
  to: string;
  reassign: boolean;
}

/** What the `ims:` extension says about one user task, as read from the BPMN. */
export interface UserTaskSpec {
  elementId: string;
  name: string;
  candidateRole?: string;
  /** A literal user id or a whitelisted expression such as `${variables.owner}`. */
  assignee?: string;
  due?: string;
  remindBefore?: string;
  remindEvery?: string;
  escalations: EscalationStep[];
  signature?: SignatureMeaning;
  /**
   * Separation of duties (ims:notBy): ids of other user tasks of the process; whoever completed one of them
   * in an instance may not complete this task there (the author of a report does not review it).
   */
  notBy?: string[];
  form: FormField[];
}

export interface DefinitionRecord {
  /** The BPMN process id: the stable name of the process across versions. */
  key: string;
  version: number;
  name: string;
  /** SHA-256 of the exact XML. */
  hash: string;
  xml: string;
  businessKeyPrefix?: string;
  /** Role of the process owner (ims:ownerRole): where escalations "to process-owner" go. */
  ownerRole?: string;
  deployedAt: string;
  deployedBy: string;
}

export type InstanceStatus = 'running' | 'completed' | 'cancelled' | 'incident';

export interface InstanceRecord {
  id: string;
  key: string;
  version: number;
  businessKey: string;
  /** The site the record belongs to; people see the records of their sites. */
  site?: string;
  status: InstanceStatus;
  variables: Record<string, unknown>;
  /** Data submitted on completed user tasks, by element id: the instance's record of what was entered. */
  output: Record<string, Record<string, unknown>>;
  /** bpmn-engine state with the embedded BPMN source stripped; null once the instance has ended. */
  engineState: unknown | null;
  /** Compare-and-swap counter: every committed change increments it. */
  revision: number;
  startedAt: string;
  startedBy: string;
  endedAt?: string;
  /** Records this one started and the record that started it: both sides of every thread. */
  links?: RecordLink[];
}

/**
 * A thread between two records (an audit finding and the CAPA it raised, a review action and its CAPA),
 * kept on both: `started` on the record that started the other, `origin` on the record started.
 */
export interface RecordLink {
  rel: 'started' | 'origin';
  instanceId: string;
  businessKey: string;
  processKey: string;
  /** The element that made the link (a service task of the starting record). */
  elementId: string;
  /** What the link is about, e.g. "Finding 8.4 (major nonconformity): supplier approval". */
  label: string;
  at: string;
}

/** One completed iteration of a multi-instance user task, as kept in `output[taskId]` (a list by index). */
export interface IterationResult {
  index: number;
  item: unknown;
  data: Record<string, unknown>;
}

export type TaskStatus = 'open' | 'completed' | 'cancelled';

export interface TaskRecord {
  id: string;
  instanceId: string;
  definitionKey: string;
  businessKey: string;
  site?: string;
  elementId: string;
  /** bpmn-engine execution id of the waiting activity: what a completion signals. */
  executionId: string;
  /** For an iteration of a multi-instance task: its index and collection element (the clause, the action). */
  iteration?: { index: number; item: unknown };
  name: string;
  assignee?: string;
  candidateRole?: string;
  status: TaskStatus;
  createdAt: string;
  dueAt?: string;
  completedAt?: string;
  completedBy?: string;
  /** When the task was cancelled (its record was cancelled, or the process moved past it). */
  cancelledAt?: string;
  data?: Record<string, unknown>;
  form: FormField[];
  signature?: SignatureMeaning;
  /** Reminders and escalations sent so far, newest last: what the task page and the audit show. */
  notifications?: TaskNotification[];
  /** 0 until the first escalation; then the number of the last escalation step reached. */
  escalationLevel?: number;
  /** Requests to move the due date, oldest first: every one is kept, decided or not. */
  extensions?: ExtensionRequest[];
  revision: number;
}

/**
 * pending: waiting for an approver · approved: the due date was moved to `toDueAt` · rejected: the due
 * date stays. A pending request of a task that was completed or cancelled stays pending: it can no longer
 * be decided.
 */
export type ExtensionStatus = 'pending' | 'approved' | 'rejected';

/**
 * A request to move a task's due date, asked by the task's holder with a reason and decided by a holder
 * of the process's owner role (ims:ownerRole) or an admin, never by the person who asked.
 */
export interface ExtensionRequest {
  id: string;
  requestedBy: string;
  requestedAt: string;
  /** The due date when the request was made. */
  fromDueAt: string;
  /** The due date asked for. */
  toDueAt: string;
  reason: string;
  status: ExtensionStatus;
  decidedBy?: string;
  decidedAt?: string;
  decisionReason?: string;
}

/**
 * The notices about a task. `extension-requested` goes to the approvers of a due-date extension request,
 * `extension-decided` to the person who asked.
 */
export type NoticeKind = 'assigned' | 'reminder' | 'due' | 'overdue' | 'completed' | 'escalation' | 'extension-requested' | 'extension-decided';

export interface TaskNotification {
  at: string;
  kind: NoticeKind;
  /** Escalation step, from 1. */
  level?: number;
  /** User ids told. */
  to: string[];
}

/**
 * timer: a BPMN timer is due · notify: tell people about a task (assigned, reminder, due, overdue,
 * completed) · escalation: a step of a task's escalation chain · email: send one outbox message ·
 * scheduled-start: one occurrence of a scheduled process start · digest: the steering committee's weekly
 * overdue digest (one job per ISO week).
 */
export type JobKind = 'timer' | 'notify' | 'escalation' | 'email' | 'scheduled-start' | 'digest';
export type JobStatus = 'scheduled' | 'running' | 'done' | 'failed' | 'cancelled';

/** A durable job: the store is the source of truth for what must run and when. */
export interface JobRecord {
  /** Deterministic: the same intent always yields the same id, so a job is never doubled. */
  id: string;
  kind: JobKind;
  runAt: string;
  status: JobStatus;
  instanceId?: string;
  payload: Record<string, unknown>;
  attempts: number;
  lockedBy?: string;
  lockedUntil?: string;
  lastError?: string;
  /** When a queue runner (BullMQ) took the job over; unset while only the store holds it. */
  queuedAt?: string;
}

export type IncidentStatus = 'open' | 'resolved';

export interface IncidentRecord {
  id: string;
  instanceId: string;
  elementId?: string;
  message: string;
  /** What failed, so a retry can do it again: the action that was being applied. */
  action: PendingAction;
  status: IncidentStatus;
  createdAt: string;
  resolvedAt?: string;
  attempts: number;
}

/** An event to apply to an instance; kept on an incident so a retry can replay it. */
export type PendingAction =
  | { type: 'start' }
  | { type: 'complete'; taskId: string }
  | { type: 'timer'; jobId: string; executionId: string };

export interface AuditEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  /** `kind:id`, e.g. `instance:…`, `task:…`, `definition:capa@3`. */
  target: string;
  /** The instance the event belongs to, so an instance's history includes its tasks' events. */
  instanceId?: string;
  old?: unknown;
  new?: unknown;
  reason?: string;
  prevHash: string;
  hash: string;
}

export type AuditInput = Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;

/** The roles imsflow knows. Processes may name other (custom) candidate roles too. */
export const ROLES = ['admin', 'process-owner', 'quality-manager', 'auditor', 'staff', 'steering-committee'] as const;
export type Role = (typeof ROLES)[number];

/** A person: who tasks go to, who is told, who signs in. */
export interface UserRecord {
  id: string;
  email: string;
  name: string;
  roles: string[];
  /** Sites the person belongs to: they see records of these sites only (admins see all). */
  sites?: string[];
  /** Who an escalation "to manager" reaches. */
  managerId?: string;
  active: boolean;
  createdAt: string;
  /** scrypt hash (engine/passwords.ts); absent until a password is set. */
  passwordHash?: string;
  passwordChangedAt?: string;
  /** Consecutive failed logins; reset by a successful one. */
  failedLogins?: number;
  lockedUntil?: string;
}

/** A server-side session. The cookie holds a random token; the store keeps only its SHA-256. */
export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  /** Synchronizer token for state-changing requests made with this session. */
  csrf: string;
  /** When the password was last given in this session (login or signature re-authentication). */
  authenticatedAt: string;
  /** Set once the first electronic signature of the session was made with all components (Part 11.200). */
  signedAt?: string;
}

/** An API token for integrations: `imsf_<id>_<secret>`; the store keeps the secret's SHA-256. */
export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  hash: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

/**
 * queued: waiting to be sent · sent · failed: the last attempt failed, a retry is scheduled (or none is
 * left: see the email job) · held: no mail server is configured; kept so nothing is lost · dropped: the
 * task closed before the message could go out, so its link would be dead (kept, with the reason).
 */
export type MessageStatus = 'queued' | 'sent' | 'failed' | 'held' | 'dropped';

/** One email in the outbox, kept after sending as the record of what was sent to whom. */
export interface MessageRecord {
  id: string;
  /** A notice about a task, or the steering committee's weekly digest. */
  kind: NoticeKind | 'digest';
  to: string;
  userId?: string;
  subject: string;
  text: string;
  html: string;
  taskId?: string;
  instanceId?: string;
  /** The task link in the message, for the log when no mail server is configured. */
  link?: string;
  status: MessageStatus;
  attempts: number;
  lastError?: string;
  createdAt: string;
  sentAt?: string;
}

/** A signed task link issued to one person: checked against this record so it can be used once and revoked. */
export interface LinkTokenRecord {
  id: string;
  taskId: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
  revokedAt?: string;
  revokedReason?: string;
}

/** A recurring start of a process: cron expression in a time zone. */
export interface ScheduleRecord {
  id: string;
  processKey: string;
  cron: string;
  timezone: string;
  variables: Record<string, unknown>;
  /** The site each started record belongs to (a plant's own yearly management review); none: all sites. */
  site?: string;
  enabled: boolean;
  createdAt: string;
  createdBy: string;
  /** Where the schedule came from: configuration file or the API. */
  source: 'config' | 'api';
  revision: number;
}

/** The management systems of an IMS: ISO 9001 (quality), 14001 (environment), 45001 (safety). */
export const MANAGEMENT_SYSTEMS = ['quality', 'environment', 'safety'] as const;
export type ManagementSystem = (typeof MANAGEMENT_SYSTEMS)[number];

/** What a computed KPI measures, from the records (engine/kpis.ts computes each). */
export const KPI_MEASURES = ['capa-on-time-rate', 'capa-cycle-time-median', 'overdue-count', 'nonconformity-findings'] as const;
export type KpiMeasure = (typeof KPI_MEASURES)[number];

/**
 * A key performance indicator of a management system: a target to be at or above (`up`) or at or below
 * (`down`), an owner who answers for it, and values entered per period (`manual`) or computed from the
 * records (`computed`, with its measure).
 */
export interface KpiRecord {
  /** Lower-case letters, digits and "-", e.g. `capa-on-time`. */
  id: string;
  system: ManagementSystem;
  name: string;
  /** e.g. `%`, `days`, `t CO2e`, `LTIs`. */
  unit: string;
  target: number;
  direction: 'up' | 'down';
  /** User id of the person who answers for the KPI. */
  owner: string;
  source: 'manual' | 'computed';
  measure?: KpiMeasure;
  /** A KPI of one site (seen by the people of that site); none: of the organisation. */
  site?: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  revision: number;
}

/** One entered value of a manual KPI for one period (a month `2026-11` or a quarter `2026-Q4`). */
export interface KpiValueRecord {
  /** `<kpiId>@<period>`: one value per period; entering it again replaces it (audited old → new). */
  id: string;
  kpiId: string;
  period: string;
  value: number;
  note?: string;
  enteredBy: string;
  enteredAt: string;
}
