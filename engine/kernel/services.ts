/**
 * Service tasks call only services registered here, by name (`ims:service="name"`). A service gets a
 * read-only view of the instance and returns data that becomes the task's output, usable in later
 * conditions as `${output.<taskId>.<field>}`.
 */
import type { FieldError } from './errors.js';
import type { InstanceRecord, TaskRecord, UserRecord } from './model.js';
import type { InstanceQuery, TaskQuery } from '../ports/record-store.js';

export interface ServiceContext {
  instanceId: string;
  businessKey: string;
  /** The site of the instance, if it has one. */
  site?: string;
  elementId: string;
  variables: Readonly<Record<string, unknown>>;
  output: Readonly<Record<string, unknown>>;
  now: Date;
  /** Read-only views of the other records: a previous gap analysis, live figures for a review's input pack. */
  records: RecordReader;
  /**
   * Asks for another record to be started and linked to this one (an audit's nonconformity raising a
   * CAPA). Nothing happens unless the step succeeds: the new record and the links on both sides are
   * committed together with this step, or not at all.
   */
  startLinked(request: LinkedStartRequest): void;
  /**
   * The next number of a pack's own gapless sequence (`SOP-QA` → 1, 2, 3 …), kept apart from the business
   * keys' sequences. A retry of the step takes the same number again, and a number taken by a step that
   * fails (an incident) or by an operation that fails goes back while nobody numbered after it.
   */
  nextNumber(sequence: string): Promise<number>;
}

/** What a service may read of other records; instances come without their engine state. */
export interface RecordReader {
  instances(query: InstanceQuery): Promise<Omit<InstanceRecord, 'engineState'>[]>;
  tasks(query: TaskQuery): Promise<TaskRecord[]>;
  user(id: string): Promise<Pick<UserRecord, 'id' | 'name' | 'roles' | 'sites' | 'managerId' | 'active'> | undefined>;
  /**
   * The people holding `role` (any role when absent) who belong to `site` (listed in their sites; when
   * absent, any site), sorted by id: active people only, unless `active` is false (then inactive ones only).
   */
  people(query: { role?: string; site?: string; active?: boolean }): Promise<Pick<UserRecord, 'id' | 'name' | 'roles' | 'sites' | 'managerId' | 'active'>[]>;
  /** The sites records may belong to: the site register's active sites and every site someone active belongs to, sorted. */
  sites(): Promise<string[]>;
  /** The site register: every registered site (inactive ones too) with the name people read, sorted by key. */
  registeredSites(): Promise<{ key: string; name: string; active: boolean }[]>;
  /** The deployed processes: each key once, with the name of its latest version, sorted by key. */
  processes(): Promise<{ key: string; name: string }[]>;
}

/**
 * What a pack checks before a record of its process starts, whoever starts it (a person, a schedule, another
 * record's step): problems found are refused as a 400 naming each field, and a linked start refused so fails
 * the step that asked for it (an incident). It reads only: the record does not exist yet.
 */
export interface StartCheck {
  description: string;
  check(context: StartCheckContext): Promise<FieldError[]> | FieldError[];
}

export interface StartCheckContext {
  variables: Readonly<Record<string, unknown>>;
  site?: string;
  now: Date;
  records: RecordReader;
}

/**
 * What a pack checks when a task of its process is completed, beyond the task's own form: a rule across
 * the record's steps (a class set at one step that makes a field of a later one required). Problems found
 * are refused as a 400 naming each field; nothing is completed. It reads only.
 */
export interface CompletionCheck {
  description: string;
  check(context: CompletionCheckContext): Promise<FieldError[]> | FieldError[];
}

export interface CompletionCheckContext {
  /** The user task being completed (its element id) and the form data as cleaned by its form. */
  elementId: string;
  data: Readonly<Record<string, unknown>>;
  /** The record as it stands before this completion. */
  variables: Readonly<Record<string, unknown>>;
  output: Readonly<Record<string, unknown>>;
  site?: string;
  now: Date;
  records: RecordReader;
}

export interface LinkedStartRequest {
  /** The process to start (its latest version). */
  processKey: string;
  variables: Record<string, unknown>;
  /** What the link is about, shown on both records. */
  label: string;
  /** Defaults to the starting record's site. */
  site?: string;
}

export type ServiceResult = Record<string, unknown> | void;

export interface ServiceDefinition {
  description: string;
  run(context: ServiceContext): Promise<ServiceResult> | ServiceResult;
}

export class ServiceRegistry {
  private readonly services = new Map<string, ServiceDefinition>();
  private readonly startChecks = new Map<string, StartCheck>();
  private readonly completionChecks = new Map<string, CompletionCheck>();

  /** Registers the check every start of `processKey` passes (one per process). */
  registerStartCheck(processKey: string, check: StartCheck): this {
    if (this.startChecks.has(processKey)) throw new Error(`a start check of "${processKey}" is registered already`);
    this.startChecks.set(processKey, check);
    return this;
  }

  /** The check every start of `processKey` passes, if its pack registered one. */
  startCheck(processKey: string): StartCheck | undefined {
    return this.startChecks.get(processKey);
  }

  /** Registers the check every task completion of `processKey` passes (one per process). */
  registerCompletionCheck(processKey: string, check: CompletionCheck): this {
    if (this.completionChecks.has(processKey)) throw new Error(`a completion check of "${processKey}" is registered already`);
    this.completionChecks.set(processKey, check);
    return this;
  }

  /** The check every task completion of `processKey` passes, if its pack registered one. */
  completionCheck(processKey: string): CompletionCheck | undefined {
    return this.completionChecks.get(processKey);
  }

  register(name: string, service: ServiceDefinition): this {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`service name "${name}" must be lower-case kebab-case`);
    if (this.services.has(name)) throw new Error(`service "${name}" is registered already`);
    this.services.set(name, service);
    return this;
  }

  get(name: string): ServiceDefinition | undefined {
    return this.services.get(name);
  }

  names(): Set<string> {
    return new Set(this.services.keys());
  }

  list(): { name: string; description: string }[] {
    return [...this.services].map(([name, s]) => ({ name, description: s.description }));
  }
}

/** A person as services read them: no account or contact details. */
export function readablePerson(user: UserRecord): Awaited<ReturnType<RecordReader['people']>>[number] {
  const { id, name, roles, sites, managerId, active } = user;
  return { id, name, roles, ...(sites && { sites }), ...(managerId && { managerId }), active };
}
