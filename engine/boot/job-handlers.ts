import { DailyDigest, DEFAULT_DIGEST, WeeklyDigest } from '../features/notifications/index.js';
import type { ProcessEngine } from '../process-engine.js';
import type { Outbox } from '../features/notifications/index.js';
import type { Notifier } from '../features/notifications/index.js';
import type { JobHandlers } from '../ports/job-runner.js';
import { Webhooks } from '../features/webhooks/index.js';
import { EventRecurrence } from '../features/events/index.js';

export interface HandlerDeps {
  imsflow: ProcessEngine;
  notifier: Notifier;
  outbox: Outbox;
  /** Delivers webhook jobs; without, one with no private-address allow-list is made. */
  webhooks?: Webhooks;
  /** The weekly steering committee digest; without one, a digest job is sent with the defaults. */
  digest?: WeeklyDigest;
  /** Recurrence of quality and EHS events; without, one that knows no packs (its jobs finish doing nothing). */
  recurrence?: EventRecurrence;
}

/**
 * One handler per job kind. Each is idempotent: it finishes its job in the same commit as its effect,
 * so running it twice (after a crash, or by two workers) has the effect once. Handlers do not know
 * which runner (embedded scheduler or a BullMQ worker) calls them. Each handler's work lives with its
 * feature (timers, notifications, outbox, scheduled starts, webhooks, digest); this is only the table from
 * job kind to feature, built with the assembly, so it sits in engine/boot.
 */
export function jobHandlers({ imsflow, notifier, outbox, digest, webhooks = new Webhooks({ store: imsflow.store, clock: imsflow.clock }), recurrence = eventRecurrence(imsflow, []) }: HandlerDeps): JobHandlers {
  const daily = new DailyDigest({ store: imsflow.store, clock: imsflow.clock, baseUrl: () => notifier.baseUrl, mailConfigured: notifier.mailConfigured, mail: notifier.mail, onHeldLink: notifier.onHeldLink });
  const weekly = digest ?? new WeeklyDigest({ store: imsflow.store, clock: imsflow.clock, ...DEFAULT_DIGEST, baseUrl: () => notifier.baseUrl, mailConfigured: notifier.mailConfigured, mail: notifier.mail, figures: imsflow.queries.figures });
  return {
    /** A BPMN timer is due: resume the instance and let the timer fire. */
    timer: (job, worker) => imsflow.fireTimer(job.id, worker),
    /** Tell a task's people: assigned, reminder before the due date, due, overdue (and plan the next), completed. */
    notify: (job, worker) => notifier.handleNotify(job, worker),
    /** One step of a task's escalation chain: tell the role, reassign when the step says so. */
    escalation: (job, worker) => notifier.handleEscalation(job, worker),
    /** Send one outbox message. */
    email: (job, worker) => outbox.handleEmail(job, worker),
    /** One occurrence of a scheduled start. */
    'scheduled-start': (job, worker) => imsflow.startScheduled(job, worker),
    /** POST one event to one webhook subscriber; a failed attempt throws and is retried with backoff. */
    webhook: (job, worker) => webhooks.handleDelivery(job, worker),
    /** The steering committee's weekly overdue digest (and arming the next week's), or one person's daily digest of notices. */
    digest: (job, worker) => (job.payload.userId ? daily.handle(job, worker) : weekly.handle(job, worker)),
    /** An out-of-office period begins or ends: the delegate takes up, or hands back, the person's tasks. */
    absence: (job, worker) => imsflow.handleAbsence(job, worker),
    /** A classified event looks for the corrective actions it recurs after, or reopens one's effectiveness. */
    recurrence: (job, worker) => recurrence.handle(job, worker),
  };
}

/** Recurrence over the packs handed over, starting its re-checks through the engine. */
export function eventRecurrence(imsflow: ProcessEngine, packs: ConstructorParameters<typeof EventRecurrence>[0]['packs'], window?: string): EventRecurrence {
  return new EventRecurrence({ store: imsflow.store, clock: imsflow.clock, packs, ...(window && { window }), start: (key, input, actor, extra) => imsflow.start(key, input, actor, extra) });
}
