/**
 * Service tasks call only services registered here, by name (`ims:service="name"`). A service gets a
 * read-only view of the instance and returns data that becomes the task's output, usable in later
 * conditions as `${output.<taskId>.<field>}`.
 */
export interface ServiceContext {
  instanceId: string;
  businessKey: string;
  elementId: string;
  variables: Readonly<Record<string, unknown>>;
  output: Readonly<Record<string, unknown>>;
  now: Date;
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
