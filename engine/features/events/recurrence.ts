import { auditEvent } from '../../kernel/audit-event.js';
import type { Clock } from '../../kernel/clock.js';
import { addDuration, durationProblem } from '../../kernel/durations.js';
import type { InstanceRecord, JobRecord, RecordLink } from '../../kernel/model.js';
import type { ExtraChange } from '../../kernel/step-change.js';
import type { ChangeSet, CommitStore } from '../../ports/commit-store.js';
import type { JobStore } from '../../ports/job-store.js';
import type { RecordStore } from '../../ports/record-store.js';
import type { EventClassification, PackEvent } from './classification.js';

/**
 * Recurrence (ISO 9001 10.2.1 d): when an event record (a pack with `event`) gets its cause category, the
 * corrective actions (packs with `remedy`) closed as effective within the watch window whose classification
 * matches have their effectiveness reopened: the remedy pack's own process is started, linked to both
 * records, with a task for the remedy's owner, and an audit event `<remedy key>.effectiveness.reopened`.
 *
 * Exactly once and durable: the before-commit hook only ensures a job per event record (`recurrence-<id>`,
 * inserted once whatever the number of commits); that job finds the matches and ensures one job per pair
 * (`recurrence-<event>-<remedy>`), and each pair job starts the re-check in the commit that finishes it.
 */

/** What a record looks like to a classification (the event pack's `classify` reads the same). */
export type ClassifiedRecord = Pick<InstanceRecord, 'id' | 'key' | 'businessKey' | 'site' | 'variables' | 'output' | 'startedAt' | 'status' | 'endedAt'>;

/** A corrective action's classification as its analysis found it: what an event's must match. */
export interface RemedyClassification {
  causeCategory?: EventClassification['causeCategory'];
  products?: string[];
  processes?: string[];
  clauses?: string[];
}

/** How a pack's records act as corrective actions whose effectiveness a recurring event reopens (ProcessPack.remedy). */
export interface PackRemedy {
  /** Its classification from its analysis (root cause category, product, process, clauses); undefined while not analysed. */
  classify(record: ClassifiedRecord): RemedyClassification | undefined;
  /** When it was closed as effective (ISO time), or undefined (open, closed otherwise). */
  closedEffective(record: ClassifiedRecord): string | undefined;
  /**
   * The start of its own process that reopens its effectiveness: the variables (the owner's re-check task
   * reads them) and the label of the links to both records.
   */
  reopen(remedy: ClassifiedRecord, event: { record: ClassifiedRecord; classification: EventClassification }): { variables: Record<string, unknown>; label: string };
}

/** The packs recurrence reads: their key and what they declare. */
export interface RecurrencePack {
  key: string;
  event?: PackEvent;
  remedy?: PackRemedy;
}

/** The default watch window (IMSFLOW_RECURRENCE_WINDOW). */
export const DEFAULT_RECURRENCE_WINDOW = 'P12M';

/** Why a watch window is not usable, or undefined. */
export function recurrenceWindowProblem(window: string): string | undefined {
  return durationProblem(window) ?? undefined;
}

/**
 * Whether an event's classification matches a remedy's: the same cause category, and the same product, the
 * same process or a shared clause. The site does not matter (the same cause at another site is recurrence).
 */
export function classificationsMatch(event: EventClassification, remedy: RemedyClassification): boolean {
  if (!event.causeCategory || event.causeCategory !== remedy.causeCategory) return false;
  const same = (value: string | undefined, list: string[] | undefined) => Boolean(value && list?.some((v) => v.trim().toLowerCase() === value.trim().toLowerCase()));
  return same(event.product, remedy.products) || same(event.process, remedy.processes) || Boolean(event.clauses?.some((c) => remedy.clauses?.includes(c)));
}

/** When an event happened: its classification's occurredAt, else when its record was started. */
export function eventTime(record: Pick<ClassifiedRecord, 'startedAt'>, classification: EventClassification): string {
  const at = classification.occurredAt && !Number.isNaN(Date.parse(classification.occurredAt)) ? classification.occurredAt : record.startedAt;
  return new Date(at).toISOString();
}

/** Whether a remedy closed at `closedAt` was still watched when the event happened at `eventAt`. */
export function withinWindow(closedAt: string, eventAt: string, window: string): boolean {
  return closedAt <= eventAt && addDuration(window, new Date(closedAt)).toISOString() >= eventAt;
}

/** A pack's classify, failing soft: a pack's bug must not fail the commit of its record. */
function safely<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

export interface RecurrenceDeps {
  store: RecordStore & JobStore & CommitStore;
  clock: Clock;
  packs: readonly RecurrencePack[];
  /** The watch window, an ISO 8601 duration (checked at start: IMSFLOW_RECURRENCE_WINDOW). */
  window?: string;
  /** Starts a record (ProcessEngine.start) with the job's finish and audit events in the same commit. */
  start(key: string, input: { variables: Record<string, unknown>; site?: string; links?: RecordLink[] }, actor: string, extra: (started: { id: string; businessKey: string }) => ExtraChange): Promise<{ id: string; businessKey: string }>;
}

const PAGE = 500;

export class EventRecurrence {
  readonly window: string;
  private readonly events = new Map<string, PackEvent>();
  private readonly remedies = new Map<string, PackRemedy>();

  constructor(private readonly deps: RecurrenceDeps) {
    this.window = deps.window ?? DEFAULT_RECURRENCE_WINDOW;
    const problem = recurrenceWindowProblem(this.window);
    if (problem) throw new Error(`invalid recurrence window "${this.window}": ${problem}`);
    for (const pack of deps.packs) {
      if (pack.event) this.events.set(pack.key, pack.event);
      if (pack.remedy) this.remedies.set(pack.key, pack.remedy);
    }
  }

  /** Registers the before-commit hook that notices event records once they have a cause category. */
  attach(store: CommitStore): () => void {
    return store.beforeCommit((change) => this.beforeCommit(change));
  }

  /** Adds the event's recurrence job (inserted once per event record) to a change that saves a classified event. */
  beforeCommit(change: ChangeSet): void {
    if (!this.events.size || !this.remedies.size) return;
    const saved = [change.instance?.record, ...(change.linkedInstances ?? [])];
    for (const record of saved) {
      const event = record && this.events.get(record.key);
      if (!record || !event) continue;
      const classification = safely(() => event.classify(record));
      if (!classification?.causeCategory) continue;
      const job: JobRecord = { id: `recurrence-${record.id}`, kind: 'recurrence', runAt: this.deps.clock.now().toISOString(), status: 'scheduled', payload: { event: record.id }, attempts: 0 };
      change.ensureJobs = [...(change.ensureJobs ?? []).filter((j) => j.id !== job.id), job];
    }
  }

  /** A recurrence job: find the matching remedies (event job), or reopen one remedy's effectiveness (pair job). */
  async handle(job: JobRecord, worker: string): Promise<'done' | 'reopened'> {
    const finishJob = { id: job.id, lockedBy: worker };
    const event = await this.classifiedEvent(String(job.payload.event ?? ''));
    if (!event) {
      await this.deps.store.commit({ finishJob, audit: [] });
      return 'done';
    }
    if (typeof job.payload.remedy === 'string') return this.reopen(job, finishJob, event);
    const matches = await this.matchingRemedies(event.record, event.classification);
    const now = this.deps.clock.now().toISOString();
    const ensureJobs: JobRecord[] = matches.map((remedy) => ({ id: `recurrence-${event.record.id}-${remedy.id}`, kind: 'recurrence', runAt: now, status: 'scheduled', payload: { event: event.record.id, remedy: remedy.id }, attempts: 0 }));
    await this.deps.store.commit({ finishJob, ensureJobs, audit: [] });
    return 'done';
  }

  /** The remedies closed as effective within the window before the event whose classification matches, oldest first. */
  async matchingRemedies(record: ClassifiedRecord, classification: EventClassification): Promise<InstanceRecord[]> {
    const at = eventTime(record, classification);
    const found: InstanceRecord[] = [];
    for (const [key, remedy] of this.remedies) {
      for (let offset = 0; ; offset += PAGE) {
        const batch = await this.deps.store.listInstances({ key, status: 'completed', limit: PAGE, offset });
        for (const candidate of batch) {
          if (candidate.id === record.id) continue;
          const closedAt = safely(() => remedy.closedEffective(candidate));
          if (!closedAt || !withinWindow(closedAt, at, this.window)) continue;
          const own = safely(() => remedy.classify(candidate));
          if (own && classificationsMatch(classification, own)) found.push(candidate);
        }
        if (batch.length < PAGE) break;
      }
    }
    return found;
  }

  private async classifiedEvent(id: string): Promise<{ record: InstanceRecord; classification: EventClassification } | undefined> {
    const record = id ? await this.deps.store.getInstance(id) : undefined;
    const event = record && this.events.get(record.key);
    const classification = event && safely(() => event.classify(record!));
    return record && classification?.causeCategory ? { record, classification } : undefined;
  }

  private async reopen(job: JobRecord, finishJob: { id: string; lockedBy: string }, event: { record: InstanceRecord; classification: EventClassification }): Promise<'done' | 'reopened'> {
    const target = await this.deps.store.getInstance(String(job.payload.remedy));
    const remedy = target && this.remedies.get(target.key);
    if (!target || !remedy) {
      await this.deps.store.commit({ finishJob, audit: [] });
      return 'done';
    }
    const { variables, label } = remedy.reopen(target, event);
    const at = this.deps.clock.now().toISOString();
    const linkTo = (record: InstanceRecord): RecordLink => ({ rel: 'origin', instanceId: record.id, businessKey: record.businessKey, processKey: record.key, elementId: 'recurrence', label, at });
    const reason = `recurrence: ${event.record.businessKey} (${event.classification.source}, cause ${event.classification.causeCategory}) matches ${target.businessKey}, closed as effective`;
    await this.deps.start(
      target.key,
      { variables, ...(target.site && { site: target.site }), links: [linkTo(target), linkTo(event.record)] },
      'system',
      ({ businessKey }: { businessKey: string }) => ({
        finishJob,
        audit: [
          auditEvent(this.deps.clock, {
            actor: 'system',
            action: `${target.key}.effectiveness.reopened`,
            target: `instance:${target.id}`,
            instanceId: target.id,
            new: { event: { instanceId: event.record.id, businessKey: event.record.businessKey, source: event.classification.source, site: event.record.site }, recheck: businessKey },
            reason,
          }),
        ],
      }),
    );
    return 'reopened';
  }
}
