import type { CompletionCheck, RecordReader } from '../kernel/services.js';
import type { ReaderDefaults } from '../kernel/i18n/index.js';
import type { Clock } from '../kernel/clock.js';
import type { FormContext } from '../kernel/forms.js';
import type { CheckResult } from '../kernel/bpmn/lint.js';
import type { DefinitionRecord, InstanceRecord, TaskRecord } from '../kernel/model.js';
import type { NotificationPolicy } from './notifications/index.js';
import type { CompiledDefinition, StepAction, StepResult } from '../kernel/runtime.js';
import type { AccountStore } from '../ports/account-store.js';
import type { CommitStore } from '../ports/commit-store.js';
import type { JobStore } from '../ports/job-store.js';
import type { RecordStore } from '../ports/record-store.js';
import type { ExtraChange, RecordChange, TakenStep } from '../kernel/step-change.js';

/**
 * What a feature's commands need of the engine while `ProcessEngine` still assembles them: the store, the clock,
 * the retry on a lost compare-and-swap race, and the few reads the step machine owns.
 */
export interface FeatureContext {
  /** The ports the features read and write through (the dashboard reads its figures from the whole Store). */
  readonly store: RecordStore & AccountStore & JobStore & CommitStore;
  readonly clock: Clock;
  readonly policy: NotificationPolicy;
  /** Where people's clocks default from (their site's, the installation's): a signature shows the signer's. */
  readonly readers?: ReaderDefaults;
  /** What task forms are checked against (the clause catalogue). */
  readonly formContext: FormContext;
  now(): string;
  withRetry<T>(operation: () => Promise<T>): Promise<T>;
  getTask(id: string): Promise<TaskRecord>;
  /** The task, refused with a conflict when it is no longer open. */
  openTask(id: string): Promise<TaskRecord>;
  /** The compiled definition version an instance runs on. */
  compileFor(instanceId: string): Promise<CompiledDefinition>;
  getDefinition(key: string, version?: number): Promise<DefinitionRecord>;
  /** The one rule set a definition must pass to be deployed (see ProcessEngine.checkDefinition). */
  checkDefinition(xml: string, options?: { trusted?: boolean }): Promise<CheckResult>;
  /** A definition version parsed and validated once (cached). */
  compile(key: string, version: number, record?: DefinitionRecord): Promise<CompiledDefinition>;
  loadInstance(id: string): Promise<InstanceRecord>;
  /** Runs one engine step of an instance. */
  step(compiled: CompiledDefinition, instance: InstanceRecord, action: StepAction): Promise<StepResult>;
  /** The check a pack registered for the task completions of its process (ServiceRegistry.registerCompletionCheck). */
  completionCheck(processKey: string): CompletionCheck | undefined;
  /** What pack checks may read of other records. */
  readonly records: RecordReader;
  /** A step's change set, with the records its services started (see ProcessEngine.applyStep). */
  applyStep(step: TakenStep): Promise<RecordChange>;
  start(
    key: string,
    input: { variables?: Record<string, unknown>; businessKey?: string; site?: string },
    actor: string,
    extra?: ExtraChange,
  ): Promise<{ id: string; businessKey: string; version: number; status: InstanceRecord['status'] }>;
}
