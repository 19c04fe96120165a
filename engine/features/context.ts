import type { Clock } from '../clock.js';
import type { DefinitionRecord, InstanceRecord, TaskRecord } from '../model.js';
import type { NotificationPolicy } from '../notifications.js';
import type { CompiledDefinition } from '../runtime.js';
import type { Store } from '../store/store.js';
import type { ExtraChange } from '../kernel/step-change.js';

/**
 * What a feature's commands need of the engine while `Imsflow` still assembles them: the store, the clock,
 * the retry on a lost compare-and-swap race, and the few reads the step machine owns.
 */
export interface FeatureContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly policy: NotificationPolicy;
  now(): string;
  withRetry<T>(operation: () => Promise<T>): Promise<T>;
  getTask(id: string): Promise<TaskRecord>;
  /** The task, refused with a conflict when it is no longer open. */
  openTask(id: string): Promise<TaskRecord>;
  /** The compiled definition version an instance runs on. */
  compileFor(instanceId: string): Promise<CompiledDefinition>;
  getDefinition(key: string, version?: number): Promise<DefinitionRecord>;
  start(
    key: string,
    input: { variables?: Record<string, unknown>; businessKey?: string; site?: string },
    actor: string,
    extra?: ExtraChange,
  ): Promise<{ id: string; businessKey: string; version: number; status: InstanceRecord['status'] }>;
}
