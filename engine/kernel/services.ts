/**
 * Service tasks call only services registered here, by name (`ims:service="name"`). A service gets a
 * read-only view of the instance and returns data that becomes the task's output, usable in later
 * conditions as `${output.<taskId>.<field>}`.
 */
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
}

/** What a service may read of other records; instances come without their engine state. */
export interface RecordReader {
  instances(query: InstanceQuery): Promise<Omit<InstanceRecord, 'engineState'>[]>;
  tasks(query: TaskQuery): Promise<TaskRecord[]>;
  user(id: string): Promise<Pick<UserRecord, 'id' | 'name' | 'roles' | 'sites' | 'managerId' | 'active'> | undefined>;
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
