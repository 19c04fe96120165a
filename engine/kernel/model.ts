/** The records imsflow keeps. Stores persist exactly these shapes; everything else is derived. Times are ISO 8601 strings in UTC (`2026-11-22T10:15:00.000Z`), so records are readable as stored. */
import type { FieldRules } from './file-kinds.js';
import type { PersonChoices } from './person-choices.js';

export type { BuiltInFieldType, FieldType } from './field-type-names.js';
import type { FieldType } from './field-type-names.js';

export interface FormField extends FieldRules {
  key: string;
  label: string;
  type: FieldType;
  required: boolean;
  options?: { value: string; label: string }[];
  /**
   * ims:requiredWhen="fullCapa=no" (or "status=na|partial|gap"): the field is required when the submitted value
   * of another field of the same form is one of the values (a checkbox compares as "true" or "false").
   * ims:requiredWhen="action2" (a key alone, no values): required whenever that field is filled in (a
   * checkbox ticked) — a row of a form whose cells belong together, e.g. an action and its owner.
   */
  requiredWhen?: { field: string; values: string[] };
  /** ims:role="auditor" (person fields): the person named must hold this role, and be active at the record's site. */
  role?: string;
  /** ims:siteFrom="audit1Site" (person fields): the site is that field's value when filled in, not the record's. */
  siteFrom?: string;
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
   * in an instance may not complete this task there (the author of a report does not review it); the start
   * event's id stands for whoever started the instance (a requester does not approve their own request).
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
  /**
   * From when new instances start on this version (UTC); absent on records older than change control:
   * then `deployedAt`. New instances use the highest version in effect; running ones keep theirs.
   */
  effectiveAt?: string;
  /** How the version came in: published through change control, uploaded (POST /api/definitions), or shipped. */
  via?: DefinitionSource;
  /** The draft it was published from (change control). */
  draftId?: string;
  /** The change as submitted for review (change control). */
  change?: { reason: string; impact: string; author: string; restoredFrom?: number };
  /** The signed approvals the version was published on (change control). */
  approvals?: VersionApproval[];
}

export type DefinitionSource = 'change-control' | 'upload' | 'shipped';

/** An approval of a change, as kept on the version it became: the signature's manifestation and reason. */
export interface VersionApproval {
  signatureId: string;
  signer: string;
  name: string;
  meaning: SignatureMeaning;
  signedAt: string;
  reason: string;
}

/**
 * draft: editable · in-review: submitted, frozen · approved: signed by a reviewer · rejected: editable
 * again (the next save makes it a draft) · published: became a version · withdrawn: closed by its editors.
 * Open (at most one per process): draft, in-review, approved, rejected.
 */
export type DraftStatus = 'draft' | 'in-review' | 'approved' | 'rejected' | 'published' | 'withdrawn';

export const OPEN_DRAFT_STATUSES: readonly DraftStatus[] = ['draft', 'in-review', 'approved', 'rejected'];

/** A proposed next version of one process, under change control. */
export interface DraftRecord {
  id: string;
  /** The process id (the definition key) the draft will become a version of. */
  key: string;
  /** The process name, read from the XML at each save. */
  name: string;
  status: DraftStatus;
  xml: string;
  /** Optimistic lock: +1 on every save or status change; a save must name the revision it edited. */
  revision: number;
  /** The latest version when the draft was started: what the change is reviewed against (none: a new process). */
  baseVersion?: number;
  /** The old version this draft restores, when it was started from one other than the latest. */
  restoredFrom?: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  /** Everyone who created, saved or submitted it: none of them may approve it. */
  editors: string[];
  /** Reason for change (given at creation or submit) and the impact note given at submit. */
  reason?: string;
  impact?: string;
  submittedAt?: string;
  submittedBy?: string;
  /** The last review decision; a rejected draft keeps it while it is edited again. */
  review?: { decision: 'approve' | 'reject'; by: string; name: string; at: string; reason: string; signatureId: string; xmlHash: string };
  publishedVersion?: number;
  publishedAt?: string;
  effectiveAt?: string;
  closedAt?: string;
  closedBy?: string;
  closeReason?: string;
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

/** Notices about a task (`extension-requested` to the approvers of a request, `extension-decided` to who asked) or a change. */
export type NoticeKind = 'assigned' | 'reminder' | 'due' | 'overdue' | 'completed' | 'escalation' | 'extension-requested' | 'extension-decided' | ChangeNoticeKind;

/** Change control's notices about a draft: to who may sign it, its author (the outcome), the process owners. */
export type ChangeNoticeKind = 'review-requested' | 'review-reminder' | 'change-approved' | 'change-rejected' | 'change-to-publish';

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
 * scheduled-start: one occurrence of a scheduled process start · webhook: deliver one event to one subscriber ·
 * digest: the steering committee's weekly digest (one job per ISO week) or one person's daily digest · absence: an out-of-office period begins or ends.
 */
export type JobKind = 'timer' | 'notify' | 'escalation' | 'email' | 'scheduled-start' | 'webhook' | 'digest' | 'absence' | 'recurrence';
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

/**
 * The roles imsflow knows. Processes may name other (custom) candidate roles too. `integration` is for the
 * API-token accounts of other systems (MES, ERP) that send events (POST /api/events).
 */
export const ROLES = ['admin', 'process-owner', 'quality-manager', 'auditor', 'staff', 'steering-committee', 'integration'] as const;
export type Role = (typeof ROLES)[number];

/** A person: who tasks go to, who is told, who signs in. */
export interface UserRecord extends PersonChoices {
  id: string;
  email: string;
  name: string;
  roles: string[];
  /** Sites the person belongs to: they see records of these sites only (admins see all). */
  sites?: string[];
  /** Who an escalation "to manager" reaches. */
  managerId?: string;
  /** The language and formats the person reads in (BCP 47, e.g. de-CH); none: their site's, then the installation's. */
  locale?: string;
  /** The person's clock (IANA name, e.g. Europe/Zurich); none: their site's, then the installation's. */
  timeZone?: string;
  active: boolean;
  createdAt: string;
  /** scrypt hash (engine/features/accounts/passwords.ts); absent until a password is set. */
  passwordHash?: string;
  passwordChangedAt?: string;
  /**
   * The account lockout of earlier versions: no longer written (failed sign-ins now slow the guesser, see
   * engine/features/accounts/login-throttle.ts); cleared at the next sign-in or password change.
   */
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

/**
 * What an API token may do, narrowest first, always within what its person may: `read` GET requests
 * only; `integration` reading plus what a connected system writes (inbound events, starting records,
 * completing tasks and their attachments, KPI values); `full` everything, creating tokens included.
 */
export const TOKEN_SCOPES = ['read', 'integration', 'full'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** An API token for integrations: `imsf_<id>_<secret>`; the store keeps the secret's SHA-256. */
export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  hash: string;
  createdAt: string;
  /** Absent only on tokens made before scopes (migration 8 gives them `full`). */
  scope?: TokenScope;
  /** The token this one was created with, when not made in a session: revoking that one revokes this. */
  createdWith?: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

/**
 * queued: waiting to be sent · sent · failed: the last attempt failed, a retry is scheduled (or none is left: see the email job) · held: no mail
 * server is configured; kept so nothing is lost · dropped: the task closed before the message could go out, so its link would be dead (kept, with
 * the reason) · waiting: a notice kept for its person's daily digest · digested: sent within one (its `digestId`).
 */
export type MessageStatus = 'queued' | 'sent' | 'failed' | 'held' | 'dropped' | 'waiting' | 'digested';

/** One email in the outbox, kept after sending as the record of what was sent to whom. */
export interface MessageRecord {
  id: string;
  /** A notice about a task, or the steering committee's weekly digest. */
  kind: NoticeKind | 'digest' | 'daily-digest';
  to: string;
  userId?: string;
  subject: string;
  text: string;
  html: string;
  taskId?: string;
  instanceId?: string;
  /** The task link in the message, for the log when no mail server is configured. */
  link?: string;
  digestId?: string;
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

/** The audit actions a webhook subscription may ask for: the record events other systems act on. */
export const WEBHOOK_EVENTS = [
  'instance.started',
  'instance.completed',
  'instance.cancelled',
  'task.created',
  'task.completed',
  'task.signed',
  /** An overdue notice went out (audit `task.notified` with notice overdue). */
  'task.overdue',
  'task.escalated',
  'incident.opened',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** An outgoing webhook: events of these kinds are POSTed, signed with the secret, to the URL. */
export interface WebhookSubscriptionRecord {
  id: string;
  url: string;
  events: WebhookEvent[];
  /** HMAC-SHA256 key of the signature header; shown once, when created or rotated. */
  secret: string;
  active: boolean;
  description?: string;
  createdAt: string;
  createdBy: string;
  updatedAt?: string;
  revision: number;
}

/**
 * pending: not yet delivered (first attempt due, or a retry scheduled after a failure) · delivered: the
 * receiver answered 2xx · failed: the last attempt failed (see the job for whether another follows).
 */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookAttempt {
  at: string;
  /** HTTP status of the receiver's answer; absent when none came (refused, timed out, blocked). */
  statusCode?: number;
  error?: string;
  durationMs: number;
}

/** One event for one subscription: the delivery log. Its id is the id of the job that delivers it. */
export interface WebhookDeliveryRecord {
  id: string;
  subscriptionId: string;
  /** The idempotency key sent with the event: the same on every attempt. */
  eventId: string;
  event: WebhookEvent;
  target: string;
  instanceId?: string;
  /** The exact JSON body sent (the signature covers these bytes). */
  body: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  responseStatus?: number;
  lastError?: string;
  createdAt: string;
  deliveredAt?: string;
  /** Every attempt, oldest first (the last 20). */
  history: WebhookAttempt[];
}

/**
 * An event another system sent (POST /api/events), kept once per (source, eventId): a repeat finds this
 * record and gets the same answer, never a second record.
 */
export interface InboundEventRecord {
  /** `<source>:<eventId>`, unique. */
  id: string;
  source: string;
  eventId: string;
  type: string;
  receivedAt: string;
  receivedBy: string;
  /** SHA-256 of the event's data as received, to tell a repeat from a different event under a reused id. */
  dataHash: string;
  /** The record the event started. */
  instanceId: string;
  businessKey: string;
  processKey: string;
}

/** The management systems of an IMS: ISO 9001 (quality), 14001 (environment), 45001 (safety). */
export const MANAGEMENT_SYSTEMS = ['quality', 'environment', 'safety'] as const;
export type ManagementSystem = (typeof MANAGEMENT_SYSTEMS)[number];

/** What a computed KPI measures, from the records (engine/features/kpis/kpis.ts computes each). */
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
