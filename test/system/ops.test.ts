import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SESSION_COOKIE } from '../../api/auth.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { redisProblem } from '../../workers/runners/bullmq/index.js';
import { loadConfig } from '../../engine/boot/config.js';
import { fixtureBpmn } from '../helpers.js';
import { freePort } from '../support/cluster.js';
import { TestSmtpServer } from '../support/smtp.js';
import { userWithToken } from '../support/operator.js';

/**
 * Operations endpoints of a listening server: request ids in headers and JSON logs, /readyz, /metrics
 * (figures read from the store, protected by a bearer token or the admin role) and, in Redis mode, the
 * BullMQ dashboard for admins. Redis mode runs against a redis-server this test starts on a port of its
 * own, so it can be stopped to show /readyz naming it; without redis-server these tests are skipped
 * (CI=true: they fail).
 */

const START = '2026-05-04T07:00:00Z';
const DAY = 24 * 3600_000;
const PASSWORD = 'correct horse battery staple';
const METRICS_TOKEN = 'm'.repeat(40);
const TASK_PROCESS = fixtureBpmn('ops-task');

interface Booted {
  server: RunningServer;
  clock: FakeClock;
  dir: string;
  logs: Record<string, any>[];
}

async function boot(env: Record<string, string> = {}): Promise<Booted> {
  const dir = mkdtempSync(join(tmpdir(), 'imsflow-ops-'));
  const logs: Record<string, any>[] = [];
  const clock = new FakeClock(START);
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_METRICS_TOKEN: METRICS_TOKEN, ...env }), { clock, logger });
  return { server, clock, dir, logs };
}

async function shutDown(booted: Booted | undefined): Promise<void> {
  if (!booted) return;
  await booted.server.close();
  rmSync(booted.dir, { recursive: true, force: true });
}

async function get(server: RunningServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: any; headers: Headers }> {
  const response = await fetch(`${server.url}${path}`, { headers, redirect: 'manual' });
  const text = await response.text();
  return { status: response.status, text, json: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined, headers: response.headers };
}

/** The value of one Prometheus sample, e.g. `imsflow_tasks_open` or `imsflow_jobs{queue="embedded",state="waiting"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('operations (embedded default)', () => {
  let booted: Booted;
  let server: RunningServer;
  let admin: string;
  let staff: string;
  before(async () => {
    booted = await boot();
    server = booted.server;
    admin = await userWithToken(server, { id: 'ops-admin', roles: ['admin'] });
    staff = await userWithToken(server, { id: 'ops-staff', roles: ['staff', 'quality-manager', 'process-owner'] });
    await server.imsflow.deploy(TASK_PROCESS, 'test-setup');
  });
  after(() => shutDown(booted));

  describe('request ids and logs', () => {
    it('keeps a well-formed X-Request-Id, returns it, and logs it without credentials', async () => {
      const id = `req-${randomUUID()}`;
      const reply = await get(server, '/api/tasks', { ...bearer(staff), 'x-request-id': id });
      expect(reply.status).to.equal(200);
      expect(reply.headers.get('x-request-id')).to.equal(id);
      const line = booted.logs.find((l) => l.reqId === id);
      expect(line, 'a log line with the request id').to.include({ msg: 'request completed' });
      expect(line!.req).to.include({ method: 'GET', url: '/api/tasks' });
      expect(line!.res).to.deep.equal({ statusCode: 200 });
      expect(JSON.stringify(booted.logs)).to.not.include(staff);
    });

    it('replaces a missing or malformed X-Request-Id with a new one, different for each request', async () => {
      const first = await get(server, '/healthz', { 'x-request-id': 'short' });
      const second = await get(server, '/healthz', { 'x-request-id': `${'a'.repeat(200)}` });
      const third = await get(server, '/healthz');
      const ids = [first, second, third].map((r) => r.headers.get('x-request-id'));
      for (const id of ids) expect(id).to.match(/^[0-9a-f-]{36}$/);
      expect(new Set(ids).size).to.equal(3);
    });

    it('never writes a task-link token to the log', async () => {
      const token = `secret${'x'.repeat(40)}`;
      const reply = await get(server, `/t/${token}`, { 'x-request-id': 'link-request-0001' });
      expect(reply.status).to.be.within(400, 499);
      const line = booted.logs.find((l) => l.reqId === 'link-request-0001');
      expect(line?.req.url).to.equal('/t/***');
      expect(JSON.stringify(booted.logs)).to.not.include(token);
    });
  });

  describe('/readyz', () => {
    it('answers 200 naming the store as ok (no Redis on the embedded default)', async () => {
      const reply = await get(server, '/readyz');
      expect(reply.status).to.equal(200);
      expect(reply.json).to.deep.equal({ status: 'ready', checks: { store: 'ok' } });
    });
  });

  describe('/metrics', () => {
    it('refuses anonymous callers (401), wrong tokens (401) and signed-in people who are not admins (403)', async () => {
      expect((await get(server, '/metrics')).status).to.equal(401);
      expect((await get(server, '/metrics', bearer('n'.repeat(40)))).status).to.equal(401);
      const refused = await get(server, '/metrics', bearer(staff));
      expect(refused.status).to.equal(403);
      expect(refused.json.error).to.include('admin');
    });

    it('/metrics gives admins and the metrics token records, tasks, jobs, outbox and latency figures', async () => {
      const started = await fetch(`${server.url}/api/processes/ops-task/instances`, { method: 'POST', headers: { ...bearer(staff), 'content-type': 'application/json' }, body: '{}' });
      expect(started.status).to.equal(201);
      const byToken = await get(server, '/metrics', bearer(METRICS_TOKEN));
      expect(byToken.status).to.equal(200);
      expect(byToken.headers.get('content-type')).to.include('text/plain');
      const text = byToken.text;
      expect(sample(text, 'imsflow_instances{status="running"}')).to.equal(1);
      expect(sample(text, 'imsflow_instances_started')).to.equal(1);
      expect(sample(text, 'imsflow_tasks_open')).to.equal(1);
      expect(sample(text, 'imsflow_tasks_overdue')).to.equal(0);
      // The assignment notice: no mail server here, so it is held, not queued.
      expect(sample(text, 'imsflow_outbox_backlog')).to.equal(0);
      expect(sample(text, 'imsflow_jobs{queue="embedded",state="waiting"}')).to.be.greaterThan(0);
      expect(sample(text, 'imsflow_http_request_duration_seconds_count{method="POST",route="/api/processes/:key/instances",status="201"}')).to.equal(1);
      expect(text).to.match(/^process_cpu_user_seconds_total /m);

      // Three days on, the task is overdue; an admin's token reads the same figures.
      booted.clock.set(new Date(Date.parse(START) + 3 * DAY));
      const byAdmin = await get(server, '/metrics', bearer(admin));
      expect(byAdmin.status).to.equal(200);
      expect(sample(byAdmin.text, 'imsflow_tasks_overdue')).to.equal(1);
      booted.clock.set(new Date(START));
    });

    it('counts requests to unknown paths under one route label, not one series per path', async () => {
      await get(server, `/api/no-such-${randomUUID()}`, bearer(staff));
      await get(server, `/api/no-such-${randomUUID()}`, bearer(staff));
      const text = (await get(server, '/metrics', bearer(METRICS_TOKEN))).text;
      expect(text).to.not.match(/route="\/api\/no-such/);
      expect(sample(text, 'imsflow_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}')).to.be.at.least(2);
    });

    it('has no BullMQ dashboard without Redis', async () => {
      expect((await get(server, '/admin/queues', bearer(admin))).status).to.equal(404);
    });
  });
});

describe('operations: the email outbox backlog', () => {
  let smtp: TestSmtpServer;
  let booted: Booted;
  before(async () => {
    smtp = await new TestSmtpServer().start();
    booted = await boot({ SMTP_URL: smtp.url });
    await booted.server.imsflow.deploy(TASK_PROCESS, 'test-setup');
    await booted.server.imsflow.saveUser({ id: 'ob-staff', email: 'ob-staff@example.com', name: 'Staff', roles: ['staff'] }, 'test-setup');
  });
  after(async () => {
    await shutDown(booted);
    await smtp.stop();
  });

  it('counts emails not delivered yet (queued, or failed and being retried) until they are sent', async () => {
    const metrics = async () => (await get(booted.server, '/metrics', bearer(METRICS_TOKEN))).text;
    smtp.refuseWith = '451 mailbox busy, try later';
    await booted.server.imsflow.start('ops-task', {}, 'ob-staff');
    await booted.server.scheduler.runDue();
    let text = await metrics();
    expect(sample(text, 'imsflow_outbox_backlog')).to.equal(1);
    expect(sample(text, 'imsflow_outbox_messages{status="failed"}')).to.equal(1);

    smtp.refuseWith = undefined;
    booted.clock.set(new Date(Date.parse(START) + 3600_000));
    await booted.server.scheduler.runDue();
    expect(smtp.received.map((m) => m.to?.[0]?.address)).to.deep.equal(['ob-staff@example.com']);
    text = await metrics();
    expect(sample(text, 'imsflow_outbox_backlog')).to.equal(0);
    expect(sample(text, 'imsflow_outbox_messages{status="sent"}')).to.equal(1);
  });
});

describe('operations: a failing store', () => {
  let booted: Booted;
  before(async () => {
    booted = await boot();
  });
  // The store was closed under the server on purpose; closing the server still stops its listener (a
  // listener left open keeps mocha from exiting).
  after(() => shutDown(booted));

  it('a failing store makes /readyz answer 503, and the failure is logged with its id', async () => {
    const token = await userWithToken(booted.server, { id: 'ops-qm', roles: ['quality-manager'] });
    await booted.server.assembly.store.close();

    const ready = await get(booted.server, '/readyz');
    expect(ready.status).to.equal(503);
    expect(ready.json.status).to.equal('not ready');
    expect(ready.json.checks.store).to.match(/database connection is not open/);

    const failed = await get(booted.server, '/api/instances', { ...bearer(token), 'x-request-id': 'failing-request-01' });
    expect(failed.status).to.equal(500);
    expect(failed.json).to.deep.equal({ error: 'internal error: the server logged the details', requestId: 'failing-request-01' });
    const logged = booted.logs.filter((l) => l.reqId === 'failing-request-01');
    expect(logged.map((l) => l.msg)).to.include.members(['request failed', 'request errored']);
    expect(logged.find((l) => l.msg === 'request failed')).to.have.nested.property('err.message').that.matches(/database connection is not open/);
    expect(logged.find((l) => l.msg === 'request errored')).to.deep.include({ level: 50, res: { statusCode: 500 } });
  });
});

// ---- Redis mode --------------------------------------------------------------------------------------------

/** A redis-server of this test's own, on a free port, that the test can stop and start again. */
class PrivateRedis {
  child: ChildProcess | undefined;
  readonly url: string;
  constructor(readonly port: number) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    child.stdout!.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

describe('operations in Redis mode', function () {
  let redis: PrivateRedis;
  let booted: Booted;
  let server: RunningServer;
  let admin: string;
  let staff: string;

  before(async function () {
    redis = new PrivateRedis(await freePort());
    try {
      await redis.start();
    } catch (err) {
      const problem = `cannot start redis-server: ${(err as Error).message}`;
      if (process.env.CI === 'true') throw new Error(`${problem}: CI must run the Redis-mode operations tests`, { cause: err });
      console.log(`    skipping the Redis-mode operations tests: ${problem}`);
      this.skip();
    }
    booted = await boot({ REDIS_URL: redis.url, IMSFLOW_QUEUE_PREFIX: `ops-${randomUUID().slice(0, 8)}`, IMSFLOW_RELAY_MS: '100' });
    server = booted.server;
    admin = await userWithToken(server, { id: 'rq-admin', roles: ['admin'] });
    staff = await userWithToken(server, { id: 'rq-staff', roles: ['staff', 'quality-manager', 'process-owner', 'auditor', 'steering-committee'] });
    await server.imsflow.saveUser({ id: 'rq-root', email: 'rq-root@example.com', name: 'Root', roles: ['admin'] }, 'test-setup');
    await server.accounts.setPassword('rq-root', PASSWORD, 'test-setup', 'test');
    await server.imsflow.deploy(TASK_PROCESS, 'test-setup');
  });
  after(async () => {
    await shutDown(booted);
    await redis?.stop();
  });

  it('reports BullMQ queue counts on /metrics', async () => {
    const started = await fetch(`${server.url}/api/processes/ops-task/instances`, { method: 'POST', headers: { ...bearer(staff), 'content-type': 'application/json' }, body: '{}' });
    expect(started.status).to.equal(201);
    await server.scheduler.runDue(); // the relay hands the task's jobs (notice, reminders, escalations) to BullMQ
    const text = (await get(server, '/metrics', bearer(METRICS_TOKEN))).text;
    const main = ['waiting', 'delayed', 'active'].map((state) => sample(text, `imsflow_jobs{queue="imsflow",state="${state}"}`) ?? 0);
    expect(main.reduce((a, b) => a + b, 0)).to.be.greaterThan(0);
    expect(sample(text, 'imsflow_jobs{queue="imsflow-email",state="failed"}')).to.equal(0);
    expect(text).to.not.match(/^imsflow_jobs\{queue="embedded"/m);
  });

  it('shows the BullMQ dashboard to admins only; others sign in first or get 401/403', async () => {
    const anonymousBrowser = await get(server, '/admin/queues', { accept: 'text/html' });
    expect(anonymousBrowser.status).to.equal(303);
    expect(anonymousBrowser.headers.get('location')).to.equal('/login?next=%2Fadmin%2Fqueues');
    expect((await get(server, '/admin/queues/api/queues', { accept: 'application/json' })).status).to.equal(401);
    const refused = await get(server, '/admin/queues/api/queues', bearer(staff));
    expect(refused.status).to.equal(403);
    expect(refused.json.error).to.equal('the job queues are for admins only');

    const { token } = await server.accounts.login('rq-root@example.com', PASSWORD, 'test');
    const page = await get(server, '/admin/queues', { cookie: `${SESSION_COOKIE}=${token}`, accept: 'text/html' });
    expect(page.status).to.equal(200);
    expect(page.text).to.include('<html');
    const queues = await get(server, '/admin/queues/api/queues', bearer(admin));
    expect(queues.status).to.equal(200);
    expect(queues.json.queues.map((q: { name: string }) => q.name).sort()).to.deep.equal(['imsflow', 'imsflow-email']);
    expect(queues.json.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).to.equal(true);
  });

  it('refuses to change a queue from the dashboard (the store decides what runs)', async () => {
    const response = await fetch(`${server.url}/admin/queues/api/queues/imsflow/clean/delayed`, { method: 'PUT', headers: bearer(admin) });
    expect(response.status).to.be.within(400, 499);
    const text = (await get(server, '/metrics', bearer(METRICS_TOKEN))).text;
    expect(sample(text, 'imsflow_jobs{queue="imsflow",state="delayed"}')).to.be.greaterThan(0);
  });

  it('/readyz answers 503 naming Redis while it is down, and 200 once it is back', async () => {
    const ready = await get(server, '/readyz');
    expect(ready.status).to.equal(200);
    expect(ready.json.checks).to.deep.equal({ store: 'ok', redis: 'ok' });

    await redis.stop();
    const down = await get(server, '/readyz');
    expect(down.status).to.equal(503);
    expect(down.json.checks.store).to.equal('ok');
    expect(down.json.checks.redis).to.match(new RegExp(`cannot reach Redis at redis://127.0.0.1:${redis.port}`));

    await redis.start();
    expect(await redisProblem(redis.url)).to.equal(null);
    const back = await get(server, '/readyz');
    expect(back.status).to.equal(200);
  });
});
