/**
 * The records port: what a process is and what happened in it: definitions and their drafts, instances
 * (records) and their business-key sequences, tasks, incidents, cron schedules, signatures, the audit
 * chain, and the inbound events already taken in. Written only through commits (commit-store.ts).
 * Invariant: a record reads back exactly as it was committed, and lists are in a stable order, so paging
 * neither repeats nor skips. test/contracts/record-store/ pins it.
 */
import type {
  AuditEvent,
  DefinitionRecord,
  DraftRecord,
  DraftStatus,
  InboundEventRecord,
  IncidentRecord,
  InstanceRecord,
  ScheduleRecord,
  TaskRecord,
} from '../kernel/model.js';
import type { SignatureRecord } from '../features/signatures/index.js';

export interface TaskQuery {
  assignee?: string;
  role?: string;
  /** Open tasks a person may see: assigned to them (or to those they stand in for), or for one of their roles (unassigned). */
  forUser?: { id: string; roles: string[]; standingInFor?: string[] };
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

export interface RecordStore {
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
  /**
   * Gives back the numbers `first`…`last` of a sequence that an operation took but did not use, if nobody
   * numbered after them (the sequence still stands at `last`): the next record takes `first`, no gap.
   * False, and nothing changed, when others numbered meanwhile.
   */
  returnSequence(name: string, first: number, last: number): Promise<boolean>;

  getTask(id: string): Promise<TaskRecord | undefined>;
  listTasks(query: TaskQuery): Promise<TaskRecord[]>;

  getSchedule(id: string): Promise<ScheduleRecord | undefined>;
  listSchedules(): Promise<ScheduleRecord[]>;

  getIncident(id: string): Promise<IncidentRecord | undefined>;
  listIncidents(query: { status?: IncidentRecord['status']; instanceId?: string }): Promise<IncidentRecord[]>;

  /** Signatures of an instance or of a task (both: of that task in that instance; neither: all), by signedAt, then id. */
  listSignatures(query: { instanceId?: string; taskId?: string }): Promise<SignatureRecord[]>;

  listAudit(query: AuditQuery): Promise<AuditEvent[]>;

  getInboundEvent(source: string, eventId: string): Promise<InboundEventRecord | undefined>;
}
