import type { Response } from 'express';
import type { FieldError } from '../../../engine/kernel/errors.js';
import type { MessageCatalogue, Reader } from '../../../engine/kernel/i18n/index.js';
import type { InstanceRecord, TaskRecord } from '../../../engine/kernel/model.js';
import { recordTitle, type RecordTitle } from '../../../engine/kernel/present/index.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import type { Viewer } from '../basics.js';
import { readerOf, type PageReaders } from '../reader.js';
import type { Person } from '../task-form/submit.js';
import { processName, stepName } from '../task-form/words.js';

/**
 * What the task pages show of a task, in words, gathered once per request: the record it is about (its
 * title, not only its number), the step and process by name in the reader's language, the holder by name.
 */

export interface TaskView {
  task: TaskRecord;
  /** The step's name in the reader's language. */
  step: string;
  record: RecordTitle;
  process: string;
  /** The holder's name (assigned), or the person who completed it. */
  holder?: string;
}

/** A delegation form sent back with problems. */
export interface DelegateState {
  taskId: string;
  values: { to: string; reason: string };
  errors: FieldError[];
}

/** A due-date extension form sent back with problems: the holder's request ('ask') or a decision on a request (its id). */
export interface ExtensionState {
  form: 'ask' | { decide: string };
  values: { dueAt: string; reason: string };
  errors: FieldError[];
}

/** Where claim, release and delegate return to. */
export type Back = 'list' | 'task';

/** The pages' catalogue (for a pack's templated step names) as the router was given it. */
export function catalogueOf(res: Response): MessageCatalogue | undefined {
  return (res.locals.readers as PageReaders | undefined)?.catalogue;
}

/** Names of people, records and processes for one request: each looked up once. */
export class TaskWords {
  private readonly instances = new Map<string, Promise<InstanceRecord | undefined>>();
  private names?: Promise<Map<string, string>>;
  private processes?: Promise<Map<string, string>>;
  readonly reader: Reader;
  readonly catalogue: MessageCatalogue | undefined;

  constructor(
    private readonly imsflow: ProcessEngine,
    res: Response,
    private readonly titleFields: Record<string, string[]> = {},
  ) {
    this.reader = readerOf(res);
    this.catalogue = catalogueOf(res);
  }

  /** People by id → name (everyone, active or not: a completed task names who did it). */
  people(): Promise<Map<string, string>> {
    this.names ??= this.imsflow.queries.people().then((users) => new Map(users.map((u) => [u.id, u.name])));
    return this.names;
  }

  async personName(id: string | undefined): Promise<string | undefined> {
    if (!id) return undefined;
    return (await this.people()).get(id);
  }

  /** Process names by key, translated. */
  async processNames(): Promise<Map<string, string>> {
    this.processes ??= this.imsflow.listDefinitions().then((all) => new Map(all.map((d) => [d.key, processName(this.reader, d.key, d.name)])));
    return this.processes;
  }

  instance(id: string): Promise<InstanceRecord | undefined> {
    let found = this.instances.get(id);
    if (!found) this.instances.set(id, (found = this.imsflow.queries.findInstance(id)));
    return found;
  }

  stepName(task: Pick<TaskRecord, 'definitionKey' | 'elementId' | 'name'>): string {
    return stepName(this.reader, this.catalogue, task);
  }

  async view(task: TaskRecord): Promise<TaskView> {
    const [instance, processes, holder] = await Promise.all([this.instance(task.instanceId), this.processNames(), this.personName(task.status === 'completed' ? task.completedBy : task.assignee)]);
    return {
      task,
      step: this.stepName(task),
      record: instance ? recordTitle(instance, this.titleFields[task.definitionKey]) : { key: task.businessKey, text: task.businessKey },
      process: processes.get(task.definitionKey) ?? task.definitionKey,
      ...(holder && { holder }),
    };
  }
}

/** The page's viewer and the people a task may be delegated to or a person field offers. */
export interface TaskPeople {
  viewer: Viewer;
  people: Person[];
}
