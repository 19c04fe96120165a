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
  | 'checklist';

export interface FormField {
  key: string;
  label: string;
  type: FieldType;
  required: boolean;
  options?: { value: string; label: string }[];
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
  deployedAt: string;
  deployedBy: string;
}

export type InstanceStatus = 'running' | 'completed' | 'cancelled' | 'incident';

export interface InstanceRecord {
  id: string;
  key: string;
  version: number;
  businessKey: string;
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
}

export type TaskStatus = 'open' | 'completed' | 'cancelled';

export interface TaskRecord {
  id: string;
  instanceId: string;
  definitionKey: string;
  businessKey: string;
  elementId: string;
  /** bpmn-engine execution id of the waiting activity: what a completion signals. */
  executionId: string;
  name: string;
  assignee?: string;
  candidateRole?: string;
  status: TaskStatus;
  createdAt: string;
  dueAt?: string;
  completedAt?: string;
  completedBy?: string;
  data?: Record<string, unknown>;
  form: FormField[];
  signature?: SignatureMeaning;
  revision: number;
}

export type JobKind = 'timer';
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
