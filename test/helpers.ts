import { readFileSync } from 'node:fs';
import type { Catalogue } from '../engine/features/catalogue/index.js';
import { FakeClock } from '../engine/kernel/clock.js';
import { ProcessEngine } from '../engine/process-engine.js';
import { EmbeddedScheduler } from '../workers/runners/embedded/scheduler.js';
import { ServiceRegistry } from '../engine/kernel/services.js';
import { SqliteStore } from '../engine/adapters/sqlite/index.js';
import { processesDir } from '../processes/index.js';
import { jobHandlers } from '../engine/boot/job-handlers.js';
import { TaskLinkSigner } from '../engine/features/task-links/index.js';
import type { Mailer } from '../engine/ports/mailer.js';
import { Outbox } from '../engine/features/notifications/index.js';
import { DEFAULT_POLICY, Notifier, type NotificationPolicy } from '../engine/features/notifications/index.js';
import type { JobHandlers } from '../engine/ports/job-runner.js';
import type { ReaderDefaults } from '../engine/kernel/i18n/index.js';
import type { PackFieldType } from '../engine/kernel/field-types.js';

export const IMS_NS = 'http://imsflow.org/schema/bpmn/ims/1.0';

/** Wraps process content in a BPMN definitions element with the namespaces tests use. */
export function bpmn(processId: string, body: string, processAttributes = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:ims="${IMS_NS}" id="defs-${processId}" targetNamespace="http://imsflow.org/test">
  <process id="${processId}" isExecutable="true" ${processAttributes}>
${body}
  </process>
</definitions>`;
}

/**
 * A test's own BPMN, from test/fixtures/bpmn/<name>.bpmn (named after the process id it holds). Tests that
 * need a variation per case (a different due date, an attribute, a generated size) build it with bpmn().
 */
export function fixtureBpmn(name: string): string {
  return readFileSync(new URL(`./fixtures/bpmn/${name}.bpmn`, import.meta.url), 'utf8');
}

/** A shipped process's BPMN by its file name (`capa.bpmn`), from its pack folder processes/<key>/. */
export function shipped(file: string): string {
  return readFileSync(`${processesDir()}/${file.replace(/\.bpmn$/, '')}/${file}`, 'utf8');
}

export interface TestEngine {
  imsflow: ProcessEngine;
  store: SqliteStore;
  clock: FakeClock;
  services: ServiceRegistry;
  scheduler: EmbeddedScheduler;
  handlers: JobHandlers;
  notifier: Notifier;
  links: TaskLinkSigner;
}

export const TEST_SECRET = Buffer.alloc(32, 7);

/**
 * An engine on a real SQLite store (in memory unless a file is given) with a fake clock, the job
 * handlers and an embedded scheduler. Without a mailer, messages are held in the outbox.
 */
export async function testEngine(
  options: { file?: string; clock?: FakeClock; services?: ServiceRegistry; workerId?: string; mailer?: Mailer; policy?: NotificationPolicy; catalogue?: Catalogue; readers?: ReaderDefaults; fieldTypes?: readonly PackFieldType[] } = {},
): Promise<TestEngine> {
  const store = new SqliteStore(options.file ?? ':memory:');
  await store.init();
  const clock = options.clock ?? new FakeClock('2026-03-02T08:00:00Z');
  const services = options.services ?? new ServiceRegistry();
  const policy = options.policy ?? DEFAULT_POLICY;
  const imsflow = new ProcessEngine({ store, clock, services, policy, ...(options.catalogue && { catalogue: options.catalogue }), ...(options.readers && { readers: options.readers }), ...(options.fieldTypes && { fieldTypes: options.fieldTypes }) });
  const links = new TaskLinkSigner(TEST_SECRET);
  const notifier = new Notifier({ store, clock, policy, links, baseUrl: 'http://imsflow.test', mailConfigured: Boolean(options.mailer) });
  const handlers = jobHandlers({ imsflow, notifier, outbox: new Outbox(store, clock, options.mailer) });
  const scheduler = new EmbeddedScheduler(store, clock, handlers, { workerId: options.workerId, backoffMs: 1000 });
  return { imsflow, store, clock, services, scheduler, handlers, notifier, links };
}

export const DAY = 24 * 60 * 60 * 1000;

/** The open tasks of an instance, by element id. */
export async function openTasks(imsflow: ProcessEngine, instanceId: string): Promise<Record<string, import('../engine/kernel/model.js').TaskRecord>> {
  const tasks = await imsflow.listTasks({ instanceId, status: 'open' });
  return Object.fromEntries(tasks.map((t) => [t.elementId, t]));
}

/** Timer jobs only: tasks also get notice and escalation jobs, which timer tests leave aside. */
export async function timerJobs(store: SqliteStore, query: { instanceId?: string; status?: import('../engine/kernel/model.js').JobRecord['status'] }) {
  return (await store.listJobs(query)).filter((job) => job.kind === 'timer');
}

/** Runs due jobs and returns how many BPMN timers fired in that pass (from the audit trail). */
export async function fireDueTimers(t: TestEngine): Promise<number> {
  const before = (await t.store.listAudit({ limit: 1_000_000 })).filter((e) => e.action === 'timer.fired').length;
  await t.scheduler.runDue();
  return (await t.store.listAudit({ limit: 1_000_000 })).filter((e) => e.action === 'timer.fired').length - before;
}
