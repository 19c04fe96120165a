import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import type { TaskRecord } from '../../engine/kernel/model.js';
import type { ProcessPack } from '../../engine/packs.js';
import { loadConfig } from '../../engine/boot/config.js';
import { signInOperator } from './operator.js';

/**
 * Drives a shipped IMS process through the HTTP API of a listening server only, on a fake clock: each
 * task completed by whoever holds it with their own API token, jobs (timers, reminders, escalations) run
 * when a test calls `advance()`. One harness for the end-to-end test of every process.
 */

export interface Person {
  id: string;
  name: string;
  roles: string[];
  managerId?: string;
  sites?: string[];
  /** Set for people who sign: their password for signature re-authentication. */
  password?: string;
}

export interface Reply {
  status: number;
  json: any;
  text: string;
}

export interface ProcessHarness {
  readonly server: RunningServer;
  readonly clock: FakeClock;
  /** Calls the API as a person (by id) or, with 'operator', as the admin operator. */
  call(method: string, path: string, body: unknown, as: string): Promise<Reply>;
  /** Starts an instance as `as`; expects 201 and returns the reply's JSON ({id, businessKey, …}). */
  start(processKey: string, as: string, body?: { variables?: Record<string, unknown>; site?: string }): Promise<{ id: string; businessKey: string }>;
  /**
   * Starts an instance as the system does (a schedule, another record, an inbound event: no start form, no
   * starters), on behalf of `as` at their site: for the paths only such starts take (a CAPA without a title
   * goes to "Record the issue").
   */
  startBySystem(processKey: string, as: string, body?: { variables?: Record<string, unknown>; site?: string }): Promise<{ id: string; businessKey: string }>;
  /** Open tasks of an instance, as the overseer sees them. */
  openTasks(instanceId: string): Promise<TaskRecord[]>;
  /** The single open task of an instance, checked to be `elementId`. */
  theTask(instanceId: string, elementId: string): Promise<TaskRecord>;
  /** Completes a task as `as` (with a signature when given); expects 200. */
  complete(task: TaskRecord, as: string, data: Record<string, unknown>, signature?: { email: string; password: string }): Promise<Reply>;
  /**
   * Sends a form the task refuses, as `as`: expects 400, and that the task is still open; returns the
   * refusal's fields as "field: message".
   */
  refused(task: TaskRecord, as: string, data: Record<string, unknown>): Promise<string[]>;
  /** Completes a task as its holder, signing with their password when the task takes a signature. */
  completeAsHolder(task: TaskRecord, data: Record<string, unknown>, as?: string): Promise<Reply>;
  /** The instance as GET /api/instances/:id returns it (tasks, history, signatures, links). */
  record(instanceId: string): Promise<any>;
  /** The element ids of the instance's tasks in the order they were completed (from its audit history). */
  completedInOrder(instance: { history: { action: string; target: string }[]; tasks: TaskRecord[] }): string[];
  /** Uploads BPMN XML as the operator (POST /api/definitions), as a process owner's upload would. */
  upload(xml: string): Promise<Reply>;
  /** Moves the clock on and runs every job then due. */
  advance(ms: number): Promise<void>;
  /** Sets the clock back to the start time. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts a server on a temporary SQLite file with polling off, makes the people (each with an API token,
 * signers with a password) and returns the harness. `overseer` is who lists tasks and reads records.
 */
export async function processHarness(options: { start: string; people: Person[]; overseer: string; prefix: string; packs?: readonly ProcessPack[] }): Promise<ProcessHarness> {
  const dir = mkdtempSync(join(tmpdir(), `imsflow-${options.prefix}-`));
  const clock = new FakeClock(options.start);
  const server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock, logger: pino({ level: 'silent' }), ...(options.packs && { packs: options.packs }) });
  const operator = await signInOperator(server);
  const tokens: Record<string, string> = { operator };
  const passwords: Record<string, string> = {};
  for (const person of options.people) {
    await server.imsflow.saveUser(
      { id: person.id, email: `${person.id}@example.com`, name: person.name, roles: person.roles, managerId: person.managerId, sites: person.sites },
      'test-setup',
    );
    tokens[person.id] = (await server.accounts.createApiToken(person.id, 'tests', 'test-setup')).token;
    if (person.password) {
      await server.accounts.setPassword(person.id, person.password, 'test-setup', 'test');
      passwords[person.id] = person.password;
    }
  }

  const harness: ProcessHarness = {
    server,
    clock,
    async call(method, path, body, as) {
      const token = tokens[as];
      if (!token) throw new Error(`no API token for ${as}`);
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, text, json: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
    },
    async start(processKey, as, body = {}) {
      const reply = await harness.call('POST', `/api/processes/${processKey}/instances`, { variables: {}, ...body }, as);
      expect(reply.status, reply.text).to.equal(201);
      return reply.json;
    },
    async startBySystem(processKey, as, body = {}) {
      const person = options.people.find((p) => p.id === as);
      const site = body.site ?? (person?.sites?.length === 1 ? person.sites[0] : undefined);
      return server.imsflow.start(processKey, { variables: body.variables ?? {}, ...(site && { site }) }, as);
    },
    async openTasks(instanceId) {
      const reply = await harness.call('GET', `/api/tasks?instance=${instanceId}&status=open&limit=500`, undefined, options.overseer);
      expect(reply.status, reply.text).to.equal(200);
      return reply.json.items as TaskRecord[];
    },
    async theTask(instanceId, elementId) {
      const open = await harness.openTasks(instanceId);
      expect(open.map((t) => t.elementId)).to.deep.equal([elementId]);
      return open[0];
    },
    async complete(task, as, data, signature) {
      const reply = await harness.call('POST', `/api/tasks/${task.id}/complete`, { data, ...(signature && { signature }) }, as);
      expect(reply.status, `${task.elementId} completed by ${as}: ${reply.text}`).to.equal(200);
      return reply;
    },
    async refused(task, as, data) {
      const reply = await harness.call('POST', `/api/tasks/${task.id}/complete`, { data }, as);
      expect(reply.status, `${task.elementId} sent by ${as}: ${reply.text}`).to.equal(400);
      expect((await harness.openTasks(task.instanceId)).map((t) => t.id)).to.include(task.id);
      return (reply.json.fields as { field: string; message: string }[]).map((f) => `${f.field}: ${f.message}`);
    },
    async completeAsHolder(task, data, as) {
      const who = as ?? task.assignee;
      if (!who) throw new Error(`task ${task.name} has no assignee: say who completes it`);
      const signature = task.signature ? { email: `${who}@example.com`, password: passwords[who] ?? '' } : undefined;
      return harness.complete(task, who, data, signature);
    },
    async record(instanceId) {
      const reply = await harness.call('GET', `/api/instances/${instanceId}`, undefined, options.overseer);
      expect(reply.status, reply.text).to.equal(200);
      return reply.json;
    },
    completedInOrder(instance) {
      return instance.history.filter((e) => e.action === 'task.completed').map((e) => instance.tasks.find((t) => `task:${t.id}` === e.target)!.elementId);
    },
    async upload(xml) {
      const response = await fetch(`${server.url}/api/definitions`, { method: 'POST', headers: { 'content-type': 'application/xml', authorization: `Bearer ${operator}` }, body: xml });
      const text = await response.text();
      return { status: response.status, text, json: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
    },
    async advance(ms) {
      clock.set(new Date(clock.now().getTime() + ms));
      await server.scheduler.runDue();
    },
    reset() {
      clock.set(new Date(options.start));
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

