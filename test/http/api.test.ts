import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../engine/boot/config.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { DAY, fixtureBpmn } from '../helpers.js';
import { signInOperator, userWithToken } from '../support/operator.js';

const XML = { 'content-type': 'application/xml' };
const JSON_BODY = { 'content-type': 'application/json' };

describe('HTTP API (listening server, SQLite file)', () => {
  let dir: string;
  let server: RunningServer;
  let clock: FakeClock;
  let token: string;
  /** A quality manager (who also holds the tests' `qa` role): the one who completes tasks here. */
  let qmToken: string;

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = JSON_BODY, as = token) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...headers, authorization: `Bearer ${as}` },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
    return { status: response.status, json, text };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-api-'));
    clock = new FakeClock('2026-05-04T07:00:00Z');
    // No background polling: jobs run when a test calls runDue(), so histories are deterministic.
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock, logger: pino({ level: 'silent' }) });
    token = await signInOperator(server);
    qmToken = await userWithToken(server, { id: 'quinn', roles: ['quality-manager', 'qa'] });
    // the people nonconformities name as their owners: a person field takes only people of the directory
    for (const id of ['bob', 'erin', 'dana']) await server.imsflow.saveUser({ id, email: `${id}@example.com`, name: `${id[0].toUpperCase()}${id.slice(1)} Owner`, roles: ['staff'] }, 'test-setup');
  });
  const asQm = (method: string, path: string, body?: unknown) => call(method, path, body, JSON_BODY, qmToken);
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys the shipped process on start and lists it', async () => {
    const { status, json } = await call('GET', '/api/definitions');
    expect(status).to.equal(200);
    expect(json.items.map((d: { key: string }) => d.key)).to.include('nonconformity');
    expect(json.items[0]).to.not.have.property('xml');
    const xml = await call('GET', '/api/definitions/nonconformity/versions/1');
    expect(xml.status).to.equal(200);
    expect(xml.text).to.include('<bpmn:process id="nonconformity"');
    expect((await call('GET', '/api/definitions/nonconformity/versions/9')).status).to.equal(404);
    expect((await call('GET', '/api/definitions/nonconformity/versions/x')).status).to.equal(400);
  });

  it('answers a BPMN upload that is new, identical, invalid, too large or of a wrong type', async () => {
    const xml = fixtureBpmn('apitest');
    const created = await call('POST', '/api/definitions', xml, XML);
    expect(created.status).to.equal(201);
    expect(created.json).to.include({ key: 'apitest', version: 1 });
    const again = await call('POST', '/api/definitions', xml, XML);
    expect(again.status).to.equal(200);
    expect(again.json.version).to.equal(1);

    const invalid = await call('POST', '/api/definitions', fixtureBpmn('bad'), XML);
    expect(invalid.status).to.equal(422);
    const evil = invalid.json.problems.find((p: { element: string }) => p.element === 'evil');
    expect(evil.message).to.match(/script tasks are not allowed/);
    expect(evil).to.include({ code: 'unsupported' }).and.have.nested.property('args.kind', 'script task');

    const huge = await call('POST', '/api/definitions', `<x>${'a'.repeat(3 * 1024 * 1024)}</x>`, XML);
    expect(huge.status).to.equal(413);
    const wrongType = await call('POST', '/api/definitions', { xml }, JSON_BODY);
    expect(wrongType.status).to.equal(400);
    expect(wrongType.json.fields[0].field).to.equal('Content-Type');
  });

  it('runs an instance through tasks: start, list, get, complete, 400, 409, 404', async () => {
    const started = await call('POST', '/api/processes/nonconformity/instances', { variables: { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } });
    expect(started.status).to.equal(201);
    expect(started.json.businessKey).to.match(/^NC-2026-\d{4}$/);
    const id = started.json.id;

    const list = await call('GET', `/api/tasks?instance=${id}&status=open`);
    expect(list.json.items).to.have.length(1);
    const task = list.json.items[0];
    expect(task).to.include({ elementId: 'assess', candidateRole: 'quality-manager', dueAt: '2026-05-09T07:00:00.000Z' });
    const byRole = await call('GET', '/api/tasks?role=quality-manager');
    expect(byRole.json.items.map((t: { id: string }) => t.id)).to.include(task.id);

    const got = await call('GET', `/api/tasks/${task.id}`);
    expect(got.json.form.map((f: { key: string }) => f.key)).to.deep.equal(['severity', 'containment', 'actionNeeded']);

    const bad = await asQm('POST', `/api/tasks/${task.id}/complete`, { data: { severity: 'catastrophic' } });
    expect(bad.status).to.equal(400);
    expect(bad.json.fields.map((f: { field: string }) => f.field).sort()).to.deep.equal(['containment', 'severity']);

    const ok = await asQm('POST', `/api/tasks/${task.id}/complete`, { data: { severity: 'major', containment: 'Lot 12 quarantined', actionNeeded: true } });
    expect(ok.status).to.equal(200);
    expect(ok.json.task.status).to.equal('completed');
    const twice = await asQm('POST', `/api/tasks/${task.id}/complete`, { data: { severity: 'major', containment: 'x' } });
    expect(twice.status).to.equal(409);
    expect((await asQm('POST', '/api/tasks/nope/complete', { data: {} })).status).to.equal(404);

    const instance = await call('GET', `/api/instances/${id}`);
    expect(instance.json).to.include({ id, key: 'nonconformity', version: 1, status: 'running' });
    expect(instance.json.variables).to.deep.equal({ owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' });
    const byElement = (a: { elementId: string }, b: { elementId: string }) => b.elementId.localeCompare(a.elementId);
    expect(instance.json.tasks.sort(byElement).map((t: { elementId: string; assignee?: string }) => [t.elementId, t.assignee ?? null])).to.deep.equal([
      ['assess', null],
      ['act', 'bob'],
    ]);
    expect(instance.json.history.map((e: { action: string }) => e.action)).to.deep.equal([
      'instance.started',
      'task.created',
      'task.completed',
      'task.created',
    ]);
    expect(instance.json).to.not.have.property('engineState');
    expect((await call('GET', '/api/instances/none')).status).to.equal(404);
  });

  it('filters overdue tasks by the clock', async () => {
    const started = await call('POST', '/api/processes/nonconformity/instances', { variables: { owner: 'erin', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } });
    const overdueBefore = await call('GET', '/api/tasks?overdue=true');
    expect(overdueBefore.json.items.map((t: { instanceId: string }) => t.instanceId)).to.not.include(started.json.id);
    clock.advance(6 * DAY);
    const overdueAfter = await call('GET', '/api/tasks?overdue=true');
    expect(overdueAfter.json.items.map((t: { instanceId: string }) => t.instanceId)).to.include(started.json.id);
    expect((await call('GET', '/api/tasks?overdue=maybe')).status).to.equal(400);
  });

  it('refuses bad requests with 400 naming the field, and unknown routes with 404', async () => {
    const unknownField = await call('POST', '/api/processes/nonconformity/instances', { variabels: {} });
    expect(unknownField.status).to.equal(400);
    expect(unknownField.json.fields[0].field).to.include('variabels');
    const notJson = await call('POST', '/api/processes/nonconformity/instances', '{"variables":', JSON_BODY);
    expect(notJson.status).to.equal(400);
    expect((await call('POST', '/api/processes/nope/instances', {})).status).to.equal(404);
    expect((await call('GET', '/api/nothing-here')).status).to.equal(404);
  });

  it('cancels with a reason (400 without), and verifies the audit chain', async () => {
    const started = await call('POST', '/api/processes/nonconformity/instances', { variables: { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } });
    expect((await call('POST', `/api/instances/${started.json.id}/cancel`, {})).status).to.equal(400);
    const cancelled = await call('POST', `/api/instances/${started.json.id}/cancel`, { reason: 'duplicate report' });
    expect(cancelled.status).to.equal(200);
    expect(cancelled.json.status).to.equal('cancelled');
    expect((await call('POST', `/api/instances/${started.json.id}/cancel`, { reason: 'again' })).status).to.equal(409);
    const verify = await call('GET', '/api/audit/verify');
    expect(verify.json.ok).to.equal(true);
    expect(verify.json.checked).to.be.greaterThan(5);
  });

  it('lists incidents and retries one', async () => {
    const flaky = fixtureBpmn('flakyapi');
    expect((await call('POST', '/api/definitions', flaky, XML)).status).to.equal(201);
    const started = await call('POST', '/api/processes/flakyapi/instances', {});
    const [task] = (await call('GET', `/api/tasks?instance=${started.json.id}`)).json.items;
    // 7 is not an ISO duration: the timer fails at run time and the instance becomes an incident.
    const completed = await asQm('POST', `/api/tasks/${task.id}/complete`, { data: { n: 7 } });
    expect(completed.status).to.equal(200);
    expect(completed.json.instanceStatus).to.equal('incident');
    const incidents = await call('GET', '/api/incidents?status=open');
    const incident = incidents.json.items.find((i: { instanceId: string }) => i.instanceId === started.json.id);
    expect(incident.elementId).to.equal('pause');
    const retried = await call('POST', `/api/incidents/${incident.id}/retry`);
    expect(retried.status).to.equal(200);
    expect(retried.json.status).to.equal('open');
    expect((await call('POST', '/api/incidents/none/retry')).status).to.equal(404);
  });

  it('manages users, schedules and task changes with field-named errors', async () => {
    const saved = await call('PUT', '/api/users/dana', { email: 'Dana@Example.com', name: 'Dana Scully', roles: ['quality-manager'] });
    expect(saved.status).to.equal(200);
    expect(saved.json).to.include({ id: 'dana', email: 'dana@example.com' });
    const badUser = await call('PUT', '/api/users/eve', { email: 'nope', name: 'Eve' });
    expect(badUser.status).to.equal(400);
    expect(badUser.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['email']);
    const qms = await call('GET', '/api/users?role=quality-manager');
    expect(qms.json.items.map((u: { id: string }) => u.id)).to.deep.equal(['dana', 'quinn']);

    const schedule = await call('PUT', '/api/schedules/yearly-review', { processKey: 'nonconformity', cron: '0 9 15 1 *', timezone: 'Europe/Berlin', variables: { owner: 'dana' } });
    expect(schedule.status).to.equal(200);
    expect(schedule.json).to.include({ id: 'yearly-review', source: 'api', revision: 0 });
    const badCron = await call('PUT', '/api/schedules/bad', { processKey: 'nonconformity', cron: 'every monday' });
    expect(badCron.status).to.equal(400);
    expect(badCron.json.fields[0].field).to.equal('cron');
    expect((await call('GET', '/api/schedules')).json.items.map((s: { id: string }) => s.id)).to.deep.equal(['yearly-review']);
    expect((await call('DELETE', '/api/schedules/yearly-review')).status).to.equal(204);
    expect((await call('DELETE', '/api/schedules/yearly-review')).status).to.equal(404);

    const started = await call('POST', '/api/processes/nonconformity/instances', { variables: { owner: 'dana', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } });
    const [task] = (await call('GET', `/api/tasks?instance=${started.json.id}`)).json.items;
    const noReason = await call('PATCH', `/api/tasks/${task.id}`, { dueAt: '2026-06-01T00:00:00Z' });
    expect(noReason.status).to.equal(400);
    expect(noReason.json.fields[0].field).to.equal('reason');
    const badDate = await call('PATCH', `/api/tasks/${task.id}`, { dueAt: 'next week', reason: 'x' });
    expect(badDate.status).to.equal(400);
    expect(badDate.json.fields[0].field).to.equal('dueAt');
    const moved = await call('PATCH', `/api/tasks/${task.id}`, { dueAt: '2026-06-01T00:00:00Z', assignee: 'dana', reason: 'agreed in the meeting' });
    expect(moved.status).to.equal(200);
    expect(moved.json).to.include({ dueAt: '2026-06-01T00:00:00.000Z', assignee: 'dana' });
    expect((await call('PATCH', '/api/tasks/none', { dueAt: '2026-06-01T00:00:00Z', reason: 'x' })).status).to.equal(404);
  });

  it('holds messages in the outbox when no mail server is configured', async () => {
    await server.scheduler.runDue();
    const held = await call('GET', '/api/outbox?status=held');
    expect(held.status).to.equal(200);
    expect(held.json.items.length).to.be.greaterThan(0);
    const assigned = held.json.items.find((m: { kind: string }) => m.kind === 'assigned');
    expect(assigned.link).to.match(new RegExp(`^${server.url}/t/`));
    expect((await call('GET', '/api/outbox?status=lost')).status).to.equal(400);
  });
});

