import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { LoginRateLimiter, SESSION_COOKIE } from '../../api/auth.js';
import { packRouteExamples } from '../../api/pack-routes.js';
import { shippedPacks } from '../../processes/index.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { ROLES } from '../../engine/kernel/model.js';
import { loadConfig } from '../../engine/boot/config.js';
import { bpmn, fixtureBpmn } from '../helpers.js';
import { userWithToken } from '../support/operator.js';
import { expectNoStall } from '../support/responsiveness.js';

/**
 * Authentication and authorization of the HTTP API, against a listening server: every route of the
 * OpenAPI document for anonymous callers, callers without the route's role and callers with it; then
 * sessions and CSRF, lockout, the login rate limit, forged credentials, site scoping, task holding,
 * passwords, API tokens, the OpenAPI document itself and the first-admin setup link.
 *
 * The login rate limit (10 a minute per address) runs on the wall clock and every request here comes
 * from 127.0.0.1, so each group that signs in over HTTP starts its own server and stays under it; tests
 * that only need a session cookie open it through Accounts (`sessionOf`), which the limit does not count.
 */

const START = '2026-05-04T07:00:00Z';
const MINUTE = 60_000;
const PASSWORD = 'correct horse battery staple';
const OTHER_PASSWORD = 'violet tractor under moonlight';

const NOOP_XML = fixtureBpmn('authz-noop');
const userTaskProcess = (key: string, attributes: string) =>
  bpmn(key, `<startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="t" /><userTask id="t" name="Do it" ${attributes} /><sequenceFlow id="f2" sourceRef="t" targetRef="e" /><endEvent id="e" />`);

// ---- a server of its own, with captured logs ----------------------------------------------------------

interface Booted {
  server: RunningServer;
  clock: FakeClock;
  dir: string;
  /** Every log line, parsed. */
  logs: Record<string, any>[];
}

async function boot(env: Record<string, string> = {}, dir = mkdtempSync(join(tmpdir(), 'imsflow-authz-'))): Promise<Booted> {
  const logs: Record<string, any>[] = [];
  const clock = new FakeClock(START);
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, ...env }), { clock, logger });
  return { server, clock, dir, logs };
}

async function shutDown(booted: Booted | undefined, keepDir = false): Promise<void> {
  if (!booted) return;
  await booted.server.close();
  if (!keepDir) rmSync(booted.dir, { recursive: true, force: true });
}

// ---- requests -------------------------------------------------------------------------------------------

interface Caller {
  /** An API token, sent as `Authorization: Bearer …`. */
  token?: string;
  /** A `name=value` cookie pair. */
  cookie?: string;
  csrf?: string;
  headers?: Record<string, string>;
}

interface Reply {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

async function call(server: RunningServer, method: string, path: string, body?: unknown, as: Caller = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = typeof body === 'string' ? 'application/xml' : 'application/json';
  if (as.token) headers.authorization = `Bearer ${as.token}`;
  if (as.cookie) headers.cookie = as.cookie;
  if (as.csrf !== undefined) headers['x-csrf-token'] = as.csrf;
  Object.assign(headers, as.headers);
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
  return { status: response.status, json, text, headers: response.headers };
}

/**
 * A sign-in through node:http, answering its status: for floods, where fetch's own work in this process
 * would be measured along with the server's.
 */
function rawSignIn(url: string, body: { email: string; password: string }, forwardedFor: string): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-forwarded-for': forwardedFor } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Signs in over HTTP; returns the reply, the session cookie pair and the CSRF token. */
async function login(server: RunningServer, email: string, password: string): Promise<{ reply: Reply; cookie: string; csrf: string }> {
  const reply = await call(server, 'POST', '/api/session', { email, password });
  const setCookie = reply.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return { reply, cookie: setCookie?.split(';')[0] ?? '', csrf: reply.json?.csrf };
}

/**
 * A session opened directly through Accounts, for tests about what a cookie does rather than about
 * signing in: it does not count against the login rate limit.
 */
async function sessionOf(server: RunningServer, email: string, password = PASSWORD): Promise<{ cookie: string; csrf: string }> {
  const { token, session } = await server.accounts.login(email, password, 'test');
  return { cookie: `${SESSION_COOKIE}=${token}`, csrf: session.csrf };
}

async function userWithPassword(server: RunningServer, user: { id: string; roles: string[]; sites?: string[]; name?: string }, password = PASSWORD): Promise<string> {
  const token = await userWithToken(server, user);
  await server.accounts.setPassword(user.id, password, 'test-setup', 'test user');
  return token;
}

const ids = (reply: Reply): string[] => reply.json.items.map((item: { id: string }) => item.id);
const fields = (reply: Reply): string[] => reply.json.fields.map((f: { field: string }) => f.field);

// ---- every route ------------------------------------------------------------------------------------------

type Access = 'public' | 'signed-in' | string[];

interface Route {
  /** `METHOD /api/path/{param}`, as in the OpenAPI document. */
  key: string;
  method: string;
  path: string;
  access: Access;
}

interface Sample {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

/**
 * One request per route that a caller allowed to use it gets past authorization with: harmless to
 * repeat, and aimed at records that exist or, for changes, at ids that do not. A route added to the API
 * without a sample here fails the suite.
 */
const SAMPLES: Record<string, (caller: string | undefined) => Sample> = {
  // An incomplete body: refused with 400 before any password is checked or the rate limit counts it.
  'POST /api/session': () => ({ body: {} }),
  'GET /api/session': () => ({}),
  'DELETE /api/session': () => ({}),
  'POST /api/tokens': () => ({ body: { name: 'matrix' } }),
  'GET /api/tokens': () => ({}),
  'DELETE /api/tokens/{id}': () => ({ params: { id: 'f'.repeat(32) } }),
  'POST /api/definitions': () => ({ body: NOOP_XML }),
  'GET /api/definitions': () => ({}),
  'GET /api/definitions/{key}/versions/{version}': () => ({ params: { key: 'authz-noop', version: '1' } }),
  'GET /api/processes': () => ({}),
  'POST /api/processes/{key}/instances': () => ({ params: { key: 'authz-noop' }, body: {} }),
  'GET /api/instances': () => ({}),
  'GET /api/instances/{id}': () => ({ params: { id: 'no-such-instance' } }),
  'POST /api/instances/{id}/cancel': () => ({ params: { id: 'no-such-instance' }, body: { reason: 'authorization matrix' } }),
  'GET /api/tasks': () => ({}),
  'GET /api/inbox': () => ({}),
  'GET /api/records': () => ({}),
  'GET /api/records.csv': () => ({}),
  'GET /api/records/views': () => ({}),
  // A view without a name: 400 before anything is saved.
  'POST /api/records/views': () => ({ body: { query: {} } }),
  'DELETE /api/records/views/{id}': () => ({ params: { id: 'no-such-view' } }),
  'GET /api/tasks/{id}': () => ({ params: { id: 'no-such-task' } }),
  'POST /api/tasks/{id}/complete': () => ({ params: { id: 'no-such-task' }, body: { data: {} } }),
  'POST /api/tasks/{id}/claim': () => ({ params: { id: 'no-such-task' } }),
  'POST /api/tasks/{id}/release': () => ({ params: { id: 'no-such-task' }, body: { reason: 'authorization matrix' } }),
  'PATCH /api/tasks/{id}': () => ({ params: { id: 'no-such-task' }, body: { dueAt: '2026-06-01T00:00:00Z', reason: 'authorization matrix' } }),
  'POST /api/tasks/{id}/extensions': () => ({ params: { id: 'no-such-task' }, body: { dueAt: '2026-06-01', reason: 'authorization matrix' } }),
  'POST /api/tasks/{id}/extensions/{requestId}/decision': () => ({ params: { id: 'no-such-task', requestId: 'no-such-request' }, body: { decision: 'reject', reason: 'authorization matrix' } }),
  // Without ?field=&name= (a sample gives path parameters only): 400 for the query, past authorization.
  'POST /api/tasks/{id}/attachments': () => ({ params: { id: 'no-such-task' } }),
  'GET /api/users': () => ({}),
  'PUT /api/users/{id}': () => ({ params: { id: 'matrix-target' }, body: { email: 'matrix-target@example.com', name: 'Matrix Target', roles: ['staff'] } }),
  // Your own password, with the current one (set to the same again).
  'POST /api/users/{id}/password': (caller) => ({ params: { id: caller ?? 'm-staff' }, body: { currentPassword: PASSWORD, password: PASSWORD } }),
  // One's own account: the password (changed to the same again), notices, out of office (refused: a past period)
  'GET /api/account': () => ({}),
  'POST /api/account/password': () => ({ body: { currentPassword: PASSWORD, password: PASSWORD } }),
  'PUT /api/account/notices': () => ({ body: { delivery: 'immediate' } }),
  'GET /api/account/delegates': () => ({}),
  'PUT /api/account/absence': () => ({ body: { from: '2020-01-01', to: '2020-01-02', delegate: 'nobody' } }),
  'DELETE /api/account/absence': () => ({}),
  'GET /api/people': () => ({}),
  // An incomplete body: 400 before anything is made.
  'POST /api/people': () => ({ body: {} }),
  'GET /api/people/{id}': () => ({ params: { id: 'no-such-person' } }),
  'PATCH /api/people/{id}': () => ({ params: { id: 'no-such-person' }, body: { reason: 'authorization matrix' } }),
  'POST /api/people/{id}/deactivate': () => ({ params: { id: 'no-such-person' }, body: { reason: 'authorization matrix' } }),
  'POST /api/people/{id}/reactivate': () => ({ params: { id: 'no-such-person' }, body: { reason: 'authorization matrix' } }),
  // JSON, not a CSV file: 400 naming the Content-Type, past authorization.
  'POST /api/people/import/dry-run': () => ({ body: {} }),
  'POST /api/people/import': () => ({ body: {} }),
  'GET /api/schedules': () => ({}),
  'GET /api/sites': () => ({}),
  'GET /api/sites/{key}': () => ({ params: { key: 'no-such-site' } }),
  'POST /api/sites': () => ({ body: { key: 'authz-matrix', name: 'Matrix plant', locale: 'en-GB', timeZone: 'Europe/London' } }),
  'PUT /api/sites/{key}': () => ({ params: { key: 'no-such-site' }, body: { name: 'Matrix plant', locale: 'en-GB', timeZone: 'Europe/London' } }),
  'POST /api/sites/{key}/deactivate': () => ({ params: { key: 'no-such-site' }, body: { reason: 'authorization matrix' } }),
  'PUT /api/schedules/{id}': () => ({ params: { id: 'matrix' }, body: { processKey: 'authz-noop', cron: '0 9 * * 1', enabled: false } }),
  'DELETE /api/schedules/{id}': () => ({ params: { id: 'no-such-schedule' } }),
  'GET /api/outbox': () => ({}),
  'GET /api/incidents': () => ({}),
  'POST /api/incidents/{id}/retry': () => ({ params: { id: 'no-such-incident' } }),
  'GET /api/audit/verify': () => ({}),
  'GET /api/catalogue': () => ({}),
  'GET /api/roles': () => ({}),
  'GET /api/services': () => ({}),
  'GET /api/field-types': () => ({}),
  'GET /api/drafts': () => ({}),
  // No key, no file: 400 before anything is started.
  'POST /api/drafts': () => ({ body: {} }),
  'GET /api/drafts/{id}': () => ({ params: { id: 'no-such-draft' } }),
  'PUT /api/drafts/{id}': () => ({ params: { id: 'no-such-draft' }, body: { xml: NOOP_XML, revision: 0 } }),
  'POST /api/drafts/{id}/submit': () => ({ params: { id: 'no-such-draft' }, body: { reason: 'authorization matrix', impact: 'none', revision: 0 } }),
  'POST /api/drafts/{id}/withdraw': () => ({ params: { id: 'no-such-draft' }, body: { reason: 'authorization matrix' } }),
  'GET /api/drafts/{id}/changes': () => ({ params: { id: 'no-such-draft' } }),
  // Without a password: 400 before any password is checked.
  'POST /api/drafts/{id}/review': () => ({ params: { id: 'no-such-draft' }, body: { decision: 'reject', reason: 'authorization matrix' } }),
  'POST /api/drafts/{id}/publish': () => ({ params: { id: 'no-such-draft' }, body: {} }),
  'GET /api/processes/{key}/versions': () => ({ params: { key: 'authz-noop' } }),
  'GET /api/processes/{key}/versions/{version}/training': () => ({ params: { key: 'authz-noop', version: '1' } }),
  'GET /api/training/outstanding': () => ({}),
  // The same event each time: the first caller starts a CAPA, every later one gets it back (200).
  'POST /api/events': () => ({ body: { source: 'matrix', eventId: 'matrix-1', type: 'nonconformity.raised', data: { title: 'Matrix', description: 'authorization matrix' } } }),
  'GET /api/webhooks': () => ({}),
  // A public address (example.com's, run by IANA), never contacted: documentation ranges are refused targets.
  'POST /api/webhooks': () => ({ body: { url: 'https://93.184.215.14/hooks', events: ['task.completed'] } }),
  'GET /api/webhooks/{id}': () => ({ params: { id: 'no-such-webhook' } }),
  'PATCH /api/webhooks/{id}': () => ({ params: { id: 'no-such-webhook' }, body: { active: false } }),
  'POST /api/webhooks/{id}/secret': () => ({ params: { id: 'no-such-webhook' }, body: { reason: 'authorization matrix' } }),
  'DELETE /api/webhooks/{id}': () => ({ params: { id: 'no-such-webhook' } }),
  'GET /api/webhooks/{id}/deliveries': () => ({ params: { id: 'no-such-webhook' } }),
  'POST /api/backup': () => ({ body: {} }),
  'GET /api/dashboard': () => ({}),
  // Without ?figure= (a sample gives path parameters only): 400 for the query, past authorization.
  'GET /api/dashboard/records': () => ({}),
  'GET /api/dashboard/records.csv': () => ({}),
  'GET /api/dashboard/report.pdf': () => ({}),
  'GET /api/events/trends': () => ({}),
  'GET /api/kpis': () => ({}),
  'PUT /api/kpis/{id}': (caller) => ({ params: { id: 'matrix-kpi' }, body: { system: 'quality', name: 'Matrix KPI', target: 90, direction: 'up', owner: caller ?? 'm-staff', source: 'manual', reason: 'authorization matrix' } }),
  'POST /api/kpis/{id}/values': () => ({ params: { id: 'no-such-kpi' }, body: { period: '2026-05', value: 1 } }),
  // the shipped packs' routes (ProcessPack.routes), each with the example its pack declares
  ...Object.fromEntries(Object.entries(packRouteExamples(shippedPacks)).map(([key, example]) => [key, () => example])),
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function routesOf(doc: any): Route[] {
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      if (!METHODS.includes(method)) continue;
      const access: Access = Array.isArray(op.security) && op.security.length === 0 ? 'public' : Array.isArray(op['x-roles']) ? op['x-roles'] : 'signed-in';
      routes.push({ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, access });
    }
  }
  return routes;
}

function requestOf(route: Route, caller: string | undefined): { path: string; body?: unknown } {
  const sample = SAMPLES[route.key](caller);
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = sample.params?.[name];
    if (value === undefined) throw new Error(`the sample for ${route.key} gives no value for {${name}}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams(sample.query ?? {}).toString();
  return { path: query ? `${path}?${query}` : path, body: sample.body };
}

describe('authorization (listening server)', () => {
  let booted: Booted;
  let server: RunningServer;
  let clock: FakeClock;
  let adminToken: string;
  const call$ = (method: string, path: string, body?: unknown, as: Caller = {}) => call(server, method, path, body, as);

  before(async () => {
    booted = await boot({ IMSFLOW_ADMIN_EMAIL: 'root@example.com', IMSFLOW_ADMIN_PASSWORD: PASSWORD });
    ({ server, clock } = booted);
    adminToken = await userWithToken(server, { id: 'operator', roles: ['admin'] });
    await server.imsflow.deploy(NOOP_XML, 'test-setup');
    await server.imsflow.deploy(userTaskProcess('authz-staff', 'ims:candidateRole="staff"'), 'test-setup');
    await server.imsflow.deploy(userTaskProcess('authz-qm', 'ims:candidateRole="quality-manager"'), 'test-setup');
    await server.imsflow.deploy(userTaskProcess('authz-assigned', 'ims:assignee="${variables.owner}"'), 'test-setup');
  });
  after(() => shutDown(booted));

  describe('every route of the OpenAPI document', () => {
    let routes: Route[];
    /** One user per role, and one with no role; none of them belongs to a site. */
    const users = [...ROLES.map((role) => ({ id: `m-${role}`, roles: [role] as string[] })), { id: 'm-none', roles: [] as string[] }];
    const tokens = new Map<string, string>();

    before(async () => {
      const doc = await call$('GET', '/api/openapi.json');
      expect(doc.status).to.equal(200);
      routes = routesOf(doc.json);
      for (const user of users) tokens.set(user.id, await userWithPassword(server, { ...user, name: `Matrix ${user.roles[0] ?? 'nobody'}` }));
    });

    const allowed = (route: Route, user: { roles: string[] }) =>
      route.access === 'public' || route.access === 'signed-in' || user.roles.includes('admin') || route.access.some((role) => user.roles.includes(role));

    it('has a sample request for every documented route, and none for a gone route', () => {
      expect(routes.length).to.be.greaterThan(20);
      expect(routes.map((r) => r.key).filter((key) => !SAMPLES[key]), 'routes without an authorization test: add them to SAMPLES').to.deep.equal([]);
      expect(Object.keys(SAMPLES).filter((key) => !routes.some((r) => r.key === key)), 'samples for routes that are not documented').to.deep.equal([]);
    });

    it('refuses anonymous callers with 401 on every route but the public ones', async () => {
      const problems: string[] = [];
      for (const route of routes) {
        const { path, body } = requestOf(route, undefined);
        const reply = await call$(route.method, path, body);
        if (route.access === 'public' ? [401, 403].includes(reply.status) || reply.status >= 500 : reply.status !== 401) problems.push(`${route.key}: ${reply.status} ${reply.text}`);
      }
      expect(problems).to.deep.equal([]);
      expect(routes.filter((r) => r.access === 'public').map((r) => r.key), 'public routes: add one here only deliberately').to.deep.equal(['POST /api/session']);
    });

    it('refuses a signed-in user without the route\'s role with 403', async () => {
      const problems: string[] = [];
      let checked = 0;
      for (const route of routes) {
        for (const user of users.filter((u) => !allowed(route, u))) {
          checked += 1;
          const { path, body } = requestOf(route, user.id);
          const reply = await call$(route.method, path, body, { token: tokens.get(user.id) });
          if (reply.status !== 403) problems.push(`${route.key} as ${user.id}: ${reply.status} ${reply.text}`);
        }
      }
      expect(problems).to.deep.equal([]);
      expect(checked).to.be.greaterThan(30);
    });

    it('lets a user with the route\'s role past authorization, without a server error', async () => {
      const problems: string[] = [];
      for (const route of routes) {
        for (const user of users.filter((u) => allowed(route, u))) {
          const { path, body } = requestOf(route, user.id);
          const reply = await call$(route.method, path, body, { token: tokens.get(user.id) });
          const unrouted = reply.status === 404 && /^no route/.test(reply.json?.error ?? '');
          if ([401, 403].includes(reply.status) || reply.status >= 500 || unrouted) problems.push(`${route.key} as ${user.id}: ${reply.status} ${reply.text}`);
        }
      }
      expect(problems).to.deep.equal([]);
    });
  });

  describe('site scoping', () => {
    const t: Record<string, string> = {};
    let instanceA: string;
    let instanceB: string;
    let taskA: string;
    let taskB: string;

    before(async () => {
      t.staffA = await userWithToken(server, { id: 'staff-a', roles: ['staff'], sites: ['A'] });
      t.qmA = await userWithToken(server, { id: 'qm-a', roles: ['quality-manager'], sites: ['A'] });
      t.staffB = await userWithToken(server, { id: 'staff-b', roles: ['staff'], sites: ['B'] });
      t.qmB = await userWithToken(server, { id: 'qm-b', roles: ['quality-manager'], sites: ['B'] });
      t.both = await userWithToken(server, { id: 'staff-ab', roles: ['staff'], sites: ['A', 'B'] });

      // staff-a's one site is taken when the body names none.
      const a = await call$('POST', '/api/processes/authz-staff/instances', {}, { token: t.staffA });
      expect(a.status).to.equal(201);
      instanceA = a.json.id;
      const b = await call$('POST', '/api/processes/authz-staff/instances', { site: 'B' }, { token: t.qmB });
      expect(b.status).to.equal(201);
      instanceB = b.json.id;
      taskA = (await call$('GET', `/api/tasks?instance=${instanceA}`, undefined, { token: adminToken })).json.items[0].id;
      taskB = (await call$('GET', `/api/tasks?instance=${instanceB}`, undefined, { token: adminToken })).json.items[0].id;
      const tasks = await server.imsflow.listTasks({ instanceId: instanceA });
      expect(tasks.map((task) => task.site)).to.deep.equal(['A']);
    });

    it('records the site on the instance and its tasks', async () => {
      const a = await call$('GET', `/api/instances/${instanceA}`, undefined, { token: adminToken });
      const b = await call$('GET', `/api/instances/${instanceB}`, undefined, { token: adminToken });
      expect([a.json.site, b.json.site]).to.deep.equal(['A', 'B']);
      expect(b.json.tasks.map((task: { site?: string }) => task.site)).to.deep.equal(['B']);
    });

    it('site A users cannot see or cancel a record of site B (404)', async () => {
      for (const token of [t.staffA, t.qmA]) {
        const got = await call$('GET', `/api/instances/${instanceB}`, undefined, { token });
        expect(got.status).to.equal(404);
        expect(got.text).to.not.include('"site"');
      }
      const list = await call$('GET', '/api/instances', undefined, { token: t.qmA });
      expect(ids(list)).to.include(instanceA).and.not.include(instanceB);
      expect((await call$('POST', `/api/instances/${instanceB}/cancel`, { reason: 'not mine' }, { token: t.qmA })).status).to.equal(404);
      // and the other way round
      expect((await call$('GET', `/api/instances/${instanceA}`, undefined, { token: t.qmB })).status).to.equal(404);
      expect(ids(await call$('GET', '/api/instances', undefined, { token: t.qmB }))).to.include(instanceB).and.not.include(instanceA);
    });

    it('site A users cannot see, complete or change the tasks of site B (404)', async () => {
      for (const token of [t.staffA, t.qmA]) {
        expect(ids(await call$('GET', '/api/tasks', undefined, { token }))).to.include(taskA).and.not.include(taskB);
        expect((await call$('GET', `/api/tasks?instance=${instanceB}`, undefined, { token })).json.items).to.deep.equal([]);
        expect((await call$('GET', `/api/tasks?role=staff&status=open`, undefined, { token })).json.items.map((x: { site: string }) => x.site)).to.not.include('B');
        expect((await call$('GET', `/api/tasks/${taskB}`, undefined, { token })).status).to.equal(404);
        expect((await call$('POST', `/api/tasks/${taskB}/complete`, { data: {} }, { token })).status).to.equal(404);
      }
      expect((await call$('PATCH', `/api/tasks/${taskB}`, { dueAt: '2026-06-01T00:00:00Z', reason: 'not mine' }, { token: t.qmA })).status).to.equal(404);
      expect((await server.imsflow.getTask(taskB)).status).to.equal('open');
    });

    it('shows site B users their own site\'s records', async () => {
      expect((await call$('GET', `/api/instances/${instanceB}`, undefined, { token: t.qmB })).status).to.equal(200);
      // staff-b holds the instance's task (of the staff role), so the record is theirs to see
      expect((await call$('GET', `/api/instances/${instanceB}`, undefined, { token: t.staffB })).status).to.equal(200);
      expect(ids(await call$('GET', '/api/tasks', undefined, { token: t.staffB }))).to.include(taskB).and.not.include(taskA);
      expect((await call$('GET', `/api/tasks/${taskB}`, undefined, { token: t.staffB })).status).to.equal(200);
    });

    it('refuses a start at a site the user does not belong to, or asks which', async () => {
      const staff = await call$('POST', '/api/processes/authz-staff/instances', { site: 'B' }, { token: t.staffA });
      expect(staff.status).to.equal(403);
      expect(staff.json.error).to.include('site B');
      expect((await call$('POST', '/api/processes/authz-staff/instances', { site: 'B' }, { token: t.qmA })).status).to.equal(403);
      expect((await call$('POST', '/api/processes/authz-staff/instances', { site: 'C' }, { token: t.both })).status).to.equal(403);
      const which = await call$('POST', '/api/processes/authz-staff/instances', {}, { token: t.both });
      expect(which.status).to.equal(400);
      expect(fields(which)).to.deep.equal(['site']);
      const named = await call$('POST', '/api/processes/authz-noop/instances', { site: 'B' }, { token: t.both });
      expect(named.status).to.equal(201);
      expect((await server.imsflow.store.getInstance(named.json.id))?.site).to.equal('B');
    });

    it('lets an admin see and start at every site', async () => {
      expect(ids(await call$('GET', '/api/instances', undefined, { token: adminToken }))).to.include.members([instanceA, instanceB]);
      expect(ids(await call$('GET', '/api/tasks', undefined, { token: adminToken }))).to.include.members([taskA, taskB]);
      for (const id of [instanceA, instanceB]) expect((await call$('GET', `/api/instances/${id}`, undefined, { token: adminToken })).status).to.equal(200);
      expect((await call$('GET', `/api/tasks/${taskB}`, undefined, { token: adminToken })).status).to.equal(200);
      expect((await call$('POST', '/api/processes/authz-noop/instances', { site: 'Z' }, { token: adminToken })).status).to.equal(201);
    });
  });

  describe('who sees and completes tasks', () => {
    const t: Record<string, string> = {};
    let roleTask: string;
    let assignedTask: string;
    let assignedInstance: string;
    let qmTask: string;

    before(async () => {
      t.sam = await userWithToken(server, { id: 'sam', roles: ['staff'], sites: ['H'] });
      t.sid = await userWithToken(server, { id: 'sid', roles: ['staff'], sites: ['H'] });
      t.quinn = await userWithToken(server, { id: 'quinn', roles: ['quality-manager'], sites: ['H'] });
      const start = async (key: string, body: unknown) => {
        const started = await call$('POST', `/api/processes/${key}/instances`, body, { token: adminToken });
        expect(started.status).to.equal(201);
        return { instance: started.json.id as string, task: (await server.imsflow.listTasks({ instanceId: started.json.id }))[0].id };
      };
      roleTask = (await start('authz-staff', { site: 'H' })).task;
      ({ instance: assignedInstance, task: assignedTask } = await start('authz-assigned', { site: 'H', variables: { owner: 'sam' } }));
      qmTask = (await start('authz-qm', { site: 'H' })).task;
      expect((await server.imsflow.getTask(assignedTask)).assignee).to.equal('sam');
    });

    it('shows staff only the tasks they hold: assigned to them, or unassigned for their role', async () => {
      expect(ids(await call$('GET', '/api/tasks', undefined, { token: t.sam }))).to.include.members([roleTask, assignedTask]).and.not.include(qmTask);
      const sid = ids(await call$('GET', '/api/tasks', undefined, { token: t.sid }));
      expect(sid).to.include(roleTask).and.not.include.members([assignedTask]);
      expect(sid).to.not.include(qmTask);
      // asking for someone else's tasks does not widen the view
      expect(ids(await call$('GET', '/api/tasks?assignee=sam', undefined, { token: t.sid }))).to.not.include(assignedTask);
      expect(ids(await call$('GET', '/api/tasks?role=quality-manager', undefined, { token: t.sid }))).to.not.include(qmTask);
      expect((await call$('GET', `/api/tasks/${assignedTask}`, undefined, { token: t.sid })).status).to.equal(404);
      expect((await call$('GET', `/api/tasks/${assignedTask}`, undefined, { token: t.sam })).status).to.equal(200);
      // nor do they see the instance record of a task that is not theirs
      expect((await call$('GET', `/api/instances/${assignedInstance}`, undefined, { token: t.sid })).status).to.equal(404);
      expect((await call$('GET', `/api/instances/${assignedInstance}`, undefined, { token: t.sam })).status).to.equal(200);
      expect((await call$('GET', '/api/instances', undefined, { token: t.sam })).status).to.equal(403);
    });

    it('shows an overseer (quality manager) every task of their sites; mine=true narrows to theirs', async () => {
      expect(ids(await call$('GET', '/api/tasks', undefined, { token: t.quinn }))).to.include.members([roleTask, assignedTask, qmTask]);
      const mine = ids(await call$('GET', '/api/tasks?mine=true', undefined, { token: t.quinn }));
      expect(mine).to.include(qmTask).and.not.include.members([assignedTask]);
      expect(mine).to.not.include(roleTask);
      expect((await call$('GET', `/api/tasks/${assignedTask}`, undefined, { token: t.quinn })).status).to.equal(200);
      expect((await call$('GET', `/api/instances/${assignedInstance}`, undefined, { token: t.quinn })).status).to.equal(200);
    });

    it('refuses to complete a task held by someone else (403, or 404 if unseen)', async () => {
      const byOverseer = await call$('POST', `/api/tasks/${assignedTask}/complete`, { data: {} }, { token: t.quinn });
      expect(byOverseer.status).to.equal(403);
      expect((await call$('POST', `/api/tasks/${assignedTask}/complete`, { data: {} }, { token: t.sid })).status).to.equal(404);
      expect((await call$('POST', `/api/tasks/${qmTask}/complete`, { data: {} }, { token: t.sam })).status).to.equal(404);
      expect((await server.imsflow.getTask(assignedTask)).status).to.equal('open');
    });

    it('completes a task for its holder once; the second time is 409', async () => {
      const done = await call$('POST', `/api/tasks/${assignedTask}/complete`, { data: {} }, { token: t.sam });
      expect(done.status).to.equal(200);
      expect(done.json.task).to.include({ status: 'completed', completedBy: 'sam' });
      expect((await call$('POST', `/api/tasks/${assignedTask}/complete`, { data: {} }, { token: t.sam })).status).to.equal(409);
      // the one who completed it still sees it; the overseer gets 409 too, not a second completion
      expect((await call$('GET', `/api/tasks/${assignedTask}`, undefined, { token: t.sam })).status).to.equal(200);
      expect((await call$('POST', `/api/tasks/${assignedTask}/complete`, { data: {} }, { token: t.quinn })).status).to.equal(409);
      // a task for the staff role is held by every staff member of the site: sid completes it
      expect((await call$('POST', `/api/tasks/${roleTask}/complete`, { data: {} }, { token: t.sid })).status).to.equal(200);
      expect((await call$('POST', `/api/tasks/${qmTask}/complete`, { data: {} }, { token: t.quinn })).status).to.equal(200);
    });
  });

  describe('claiming and releasing tasks', () => {
    const t: Record<string, string> = {};
    let staffTask: string;
    let otherStaffTask: string;
    let assignedTask: string;
    let qmTask: string;
    const task = (id: string) => server.imsflow.getTask(id);

    before(async () => {
      t.cleo = await userWithToken(server, { id: 'cleo', roles: ['staff'], sites: ['H'] });
      t.cato = await userWithToken(server, { id: 'cato', roles: ['staff'], sites: ['H'] });
      t.quill = await userWithToken(server, { id: 'quill', roles: ['quality-manager'], sites: ['H'] });
      const start = async (key: string, variables: Record<string, unknown> = {}) => {
        const started = await call$('POST', `/api/processes/${key}/instances`, { site: 'H', variables }, { token: adminToken });
        expect(started.status).to.equal(201);
        return (await server.imsflow.listTasks({ instanceId: started.json.id }))[0].id;
      };
      staffTask = await start('authz-staff');
      otherStaffTask = await start('authz-staff');
      assignedTask = await start('authz-assigned', { owner: 'cleo' });
      qmTask = await start('authz-qm');
    });

    it('lets a holder of the role claim an unassigned task; it stays the role\'s, and is audited', async () => {
      const claimed = await call$('POST', `/api/tasks/${staffTask}/claim`, undefined, { token: t.cleo });
      expect(claimed.status).to.equal(200);
      expect(claimed.json).to.include({ id: staffTask, assignee: 'cleo', candidateRole: 'staff', status: 'open' });
      expect(await task(staffTask)).to.include({ assignee: 'cleo', candidateRole: 'staff' });
      // claiming again what is already yours changes nothing
      expect((await call$('POST', `/api/tasks/${staffTask}/claim`, undefined, { token: t.cleo })).status).to.equal(200);
      const events = (await server.imsflow.store.listAudit({ target: `task:${staffTask}`, limit: 100 })).filter((e) => e.action === 'task.claimed');
      expect(events.map((e) => e.actor)).to.deep.equal(['cleo']);
      // now it is cleo's: cato, of the same role, no longer holds it (nor sees it)
      expect((await call$('POST', `/api/tasks/${staffTask}/claim`, undefined, { token: t.cato })).status).to.equal(404);
    });

    it('refuses a claim by someone without the task\'s role (403), or who does not see it (404)', async () => {
      const overseer = await call$('POST', `/api/tasks/${otherStaffTask}/claim`, undefined, { token: t.quill });
      expect(overseer.status).to.equal(403);
      expect(overseer.json.error).to.match(/not for a role of quill/);
      expect((await call$('POST', `/api/tasks/${qmTask}/claim`, undefined, { token: t.cato })).status).to.equal(404);
      expect((await task(otherStaffTask)).assignee).to.equal(undefined);
      expect((await task(qmTask)).assignee).to.equal(undefined);
    });

    it('refuses to claim a task assigned to someone else (409)', async () => {
      const taken = await call$('POST', `/api/tasks/${staffTask}/claim`, undefined, { token: t.quill });
      expect(taken.status).to.equal(409);
      expect(taken.json.error).to.match(/already assigned to cleo/);
      expect((await call$('POST', `/api/tasks/${assignedTask}/claim`, undefined, { token: t.quill })).status).to.equal(409);
      expect((await task(staffTask)).assignee).to.equal('cleo');
    });

    it('releases a claimed task back to its role with an optional reason; only its holder may', async () => {
      const notMine = await call$('POST', `/api/tasks/${staffTask}/release`, {}, { token: t.quill });
      expect(notMine.status).to.equal(409);
      expect(notMine.json.error).to.match(/not assigned to quill/);
      expect((await call$('POST', `/api/tasks/${staffTask}/release`, {}, { token: t.cato })).status).to.equal(404);
      const long = await call$('POST', `/api/tasks/${staffTask}/release`, { reason: 'x'.repeat(2001) }, { token: t.cleo });
      expect(long.status).to.equal(400);
      expect(fields(long)).to.deep.equal(['reason']);
      expect((await task(staffTask)).assignee).to.equal('cleo');
      // a task given to a person, with no role to go back to, is not released
      expect((await call$('POST', `/api/tasks/${assignedTask}/release`, undefined, { token: t.cleo })).status).to.equal(409);

      const released = await call$('POST', `/api/tasks/${staffTask}/release`, { reason: 'on leave tomorrow' }, { token: t.cleo });
      expect(released.status).to.equal(200);
      expect(released.json).to.include({ id: staffTask, candidateRole: 'staff' });
      expect(released.json).to.not.have.property('assignee');
      const audit = (await server.imsflow.store.listAudit({ target: `task:${staffTask}`, limit: 100 })).find((e) => e.action === 'task.released');
      expect(audit).to.include({ actor: 'cleo', reason: 'on leave tomorrow' });
      // back with the role: another of its holders takes it, without a body or a reason
      expect((await call$('POST', `/api/tasks/${staffTask}/claim`, undefined, { token: t.cato })).json).to.include({ assignee: 'cato' });
      expect((await call$('POST', `/api/tasks/${staffTask}/release`, undefined, { token: t.cato })).status).to.equal(200);
      expect((await task(staffTask)).assignee).to.equal(undefined);
    });
  });

  describe('POST /api/users/:id/password', () => {
    const t: Record<string, string> = {};

    before(async () => {
      t.pat = await userWithPassword(server, { id: 'pat', roles: ['staff'], name: 'Pat Morgan' });
      t.other = await userWithPassword(server, { id: 'olga', roles: ['quality-manager'], name: 'Olga Berg' });
      t.rae = await userWithPassword(server, { id: 'rae', roles: ['staff'], name: 'Rae Lin' });
    });
    const verify = async (id: string, password: string) => (await server.accounts.reauthenticate({ user: (await server.imsflow.store.getUser(id))! }, password).then(() => true, () => false));

    it('changes your own password only with the current one (401 when wrong or missing)', async () => {
      const wrong = await call$('POST', '/api/users/pat/password', { currentPassword: 'not my password', password: OTHER_PASSWORD }, { token: t.pat });
      expect(wrong.status).to.equal(401);
      expect((await call$('POST', '/api/users/pat/password', { password: OTHER_PASSWORD }, { token: t.pat })).status).to.equal(401);
      expect(await verify('pat', PASSWORD)).to.equal(true);
      const ok = await call$('POST', '/api/users/pat/password', { currentPassword: PASSWORD, password: OTHER_PASSWORD }, { token: t.pat });
      expect(ok.status).to.equal(204);
      expect(await verify('pat', OTHER_PASSWORD)).to.equal(true);
      expect(await verify('pat', PASSWORD)).to.equal(false);
      const audit = await server.imsflow.store.listAudit({ target: 'user:pat' });
      expect(audit.filter((e) => e.action === 'user.password-set').at(-1)).to.include({ actor: 'pat', reason: 'changed by the user' });
    });

    it('only an admin may set someone else\'s password', async () => {
      expect((await call$('POST', '/api/users/pat/password', { password: PASSWORD }, { token: adminToken })).status).to.equal(204);
      expect(await verify('pat', PASSWORD)).to.equal(true);
      const other = await call$('POST', '/api/users/olga/password', { password: OTHER_PASSWORD, currentPassword: PASSWORD }, { token: t.pat });
      expect(other.status).to.equal(403);
      expect(await verify('olga', PASSWORD)).to.equal(true);
      // nor does a non-admin learn whether an account exists
      expect((await call$('POST', '/api/users/nobody-here/password', { password: OTHER_PASSWORD }, { token: t.pat })).status).to.equal(403);
      expect((await call$('POST', '/api/users/nobody-here/password', { password: OTHER_PASSWORD }, { token: adminToken })).status).to.equal(404);
    });

    it('refuses passwords that break the rules with 400 naming password', async () => {
      for (const password of ['short', 'passwordpassword', 'pat-was-here-2026', 'morgan-rules-forever']) {
        const own = await call$('POST', '/api/users/pat/password', { currentPassword: PASSWORD, password }, { token: t.pat });
        expect(own.status, password).to.equal(400);
        expect(fields(own)).to.include('password').and.satisfy((list: string[]) => list.every((f) => f === 'password'));
      }
      const byAdmin = await call$('POST', '/api/users/pat/password', { password: 'short' }, { token: adminToken });
      expect(byAdmin.status).to.equal(400);
      expect(fields(byAdmin)).to.deep.equal(['password']);
      expect((await call$('POST', '/api/users/pat/password', { password: 42 }, { token: adminToken })).status).to.equal(400);
      expect(await verify('pat', PASSWORD)).to.equal(true);
    });

    it('slows guessing the current password too, refusing even the right one until the delay ends', async () => {
      for (let i = 0; i < 5; i += 1) {
        expect((await call$('POST', '/api/users/rae/password', { currentPassword: `wrong password ${i}`, password: OTHER_PASSWORD }, { token: t.rae })).status).to.equal(401);
      }
      const locked = await call$('POST', '/api/users/rae/password', { currentPassword: PASSWORD, password: OTHER_PASSWORD }, { token: t.rae });
      expect(locked.status).to.equal(401);
      expect(locked.json.retryAt).to.be.a('string');
      clock.advance(16 * MINUTE);
      expect((await call$('POST', '/api/users/rae/password', { currentPassword: PASSWORD, password: OTHER_PASSWORD }, { token: t.rae })).status).to.equal(204);
    });
  });

  describe('API tokens', () => {
    let tina: string;
    before(async () => {
      tina = await userWithToken(server, { id: 'tina', roles: ['staff'] });
    });

    it('creates a token (shown once), lists tokens without secrets, and revokes one', async () => {
      const created = await call$('POST', '/api/tokens', { name: 'ci pipeline' }, { token: tina });
      expect(created.status).to.equal(201);
      expect(created.json).to.have.keys('id', 'name', 'scope', 'token', 'createdAt');
      expect(created.json.scope, 'the default scope').to.equal('integration');
      expect(created.json.token).to.match(/^imsf_[0-9a-f]{32}_[\w-]{43}$/);
      const { id, token } = created.json as { id: string; token: string };
      const secret = token.split('_').slice(2).join('_');

      const me = await call$('GET', '/api/session', undefined, { token });
      expect(me.status).to.equal(200);
      expect(me.json.user.id).to.equal('tina');
      expect(me.json).to.not.have.property('csrf');

      const list = await call$('GET', '/api/tokens', undefined, { token: tina });
      expect(list.status).to.equal(200);
      expect(list.json.items.find((item: { id: string }) => item.id === id)).to.include({ id, name: 'ci pipeline', userId: 'tina', scope: 'integration' });
      for (const item of list.json.items) expect(item).to.not.have.any.keys('hash', 'token', 'secret');
      expect(list.text).to.not.include(secret);
      // only your own tokens
      expect(ids(await call$('GET', '/api/tokens', undefined, { token: adminToken }))).to.not.include(id);
      expect((await call$('DELETE', `/api/tokens/${id}`, undefined, { token: adminToken })).status).to.equal(404);

      expect((await call$('DELETE', `/api/tokens/${id}`, undefined, { token: tina })).status).to.equal(204);
      const revoked = await call$('GET', '/api/session', undefined, { token });
      expect(revoked.status).to.equal(401);
      expect((await call$('DELETE', `/api/tokens/${id}`, undefined, { token: tina })).status).to.equal(409);
      expect((await call$('GET', '/api/tokens', undefined, { token: tina })).json.items.find((item: { id: string }) => item.id === id).revokedAt).to.be.a('string');
      const unnamed = await call$('POST', '/api/tokens', { name: '  ' }, { token: tina });
      expect(unnamed.status).to.equal(400);
      expect(fields(unnamed)).to.deep.equal(['name']);
    });

    it('stops working when its user is deactivated', async () => {
      const token = await userWithToken(server, { id: 'leaver', roles: ['staff'] });
      expect((await call$('GET', '/api/session', undefined, { token })).status).to.equal(200);
      const saved = await call$('PUT', '/api/users/leaver', { email: 'leaver@example.com', name: 'leaver', roles: ['staff'], active: false }, { token: adminToken });
      expect(saved.status).to.equal(200);
      expect((await call$('GET', '/api/session', undefined, { token })).status).to.equal(401);
    });
  });

  describe('API token scopes', () => {
    let routes: Route[];
    /** Where a token's scope was refused: 403 naming the scope. */
    const refusedFor = (reply: Reply, scope: string) => reply.status === 403 && new RegExp(`scope ${scope}`).test(reply.json?.error ?? '');
    const tokenOf = async (scope: 'read' | 'integration' | 'full', user = 'operator') => (await server.accounts.createApiToken(user, `${scope} token`, 'test-setup', scope)).token;
    const INTEGRATION_ROUTES = ['POST /api/processes/{key}/instances', 'POST /api/tasks/{id}/complete', 'POST /api/tasks/{id}/attachments', 'POST /api/events', 'POST /api/kpis/{id}/values'];

    before(async () => {
      routes = routesOf((await call$('GET', '/api/openapi.json')).json).filter((r) => r.access !== 'public');
    });

    it('a read token may make every GET and nothing else (403 naming its scope)', async () => {
      const read = await tokenOf('read');
      const problems: string[] = [];
      for (const route of routes) {
        const { path, body } = requestOf(route, 'operator');
        const reply = await call$(route.method, path, body, { token: read });
        // signing out does nothing to a token, and is never refused
        const mayPass = route.method === 'GET' || route.key === 'DELETE /api/session';
        if (mayPass ? [401, 403].includes(reply.status) || reply.status >= 500 : !refusedFor(reply, 'read')) problems.push(`${route.key}: ${reply.status} ${reply.text}`);
      }
      expect(problems).to.deep.equal([]);
      // the pages too: a read token completes nothing through a form
      const page = await call$('POST', '/tasks/no-such-task', 'done=on', { token: read, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(page.status).to.equal(403);
      expect(page.text).to.include('scope read');
      expect((await call$('GET', '/tasks', undefined, { token: read })).status).to.equal(200);
    });

    it('an integration token may read, send events, start, complete, attach and enter KPIs, nothing else', async () => {
      const integration = await tokenOf('integration');
      const problems: string[] = [];
      for (const route of routes) {
        const { path, body } = requestOf(route, 'operator');
        const reply = await call$(route.method, path, body, { token: integration });
        const mayPass = route.method === 'GET' || route.key === 'DELETE /api/session' || INTEGRATION_ROUTES.includes(route.key);
        if (mayPass ? [401, 403].includes(reply.status) || reply.status >= 500 : !refusedFor(reply, 'integration')) problems.push(`${route.key}: ${reply.status} ${reply.text}`);
      }
      expect(problems).to.deep.equal([]);
    });

    it('creates tokens only from a session or a full token, never wider, and audits it', async () => {
      await userWithPassword(server, { id: 'tess', roles: ['staff'], name: 'Tess Token' });
      const { cookie, csrf } = await sessionOf(server, 'tess@example.com');
      const full = await call$('POST', '/api/tokens', { name: 'automation', scope: 'full' }, { cookie, csrf });
      expect(full.status).to.equal(201);
      expect(full.json.scope).to.equal('full');
      const child = await call$('POST', '/api/tokens', { name: 'reporting', scope: 'read' }, { token: full.json.token });
      expect(child.status).to.equal(201);
      expect(child.json.scope).to.equal('read');

      const integration = await call$('POST', '/api/tokens', { name: 'mes' }, { token: full.json.token });
      expect(integration.json.scope).to.equal('integration');
      for (const [token, scope] of [[integration.json.token, 'integration'], [child.json.token, 'read']]) {
        const refused = await call$('POST', '/api/tokens', { name: 'copy of myself', scope: 'read' }, { token });
        expect(refused.status).to.equal(403);
        expect(refused.json.error).to.equal(`an API token of scope ${scope} cannot create tokens: sign in, or use a token of scope full`);
      }
      const bad = await call$('POST', '/api/tokens', { name: 'x', scope: 'admin' }, { cookie, csrf });
      expect(bad.status).to.equal(400);
      expect(fields(bad)).to.deep.equal(['scope']);

      const audit = (await server.imsflow.store.listAudit({ target: 'user:tess', limit: 1000 })).filter((e) => e.action.startsWith('user.api-token') && e.actor === 'tess');
      expect(audit.map((e) => [e.action, e.actor, (e.new as { scope?: string }).scope, (e.new as { via?: string }).via])).to.deep.equal([
        ['user.api-token-created', 'tess', 'full', undefined],
        ['user.api-token-created', 'tess', 'read', full.json.id],
        ['user.api-token-created', 'tess', 'integration', full.json.id],
        ['user.api-token-refused', 'tess', 'read', integration.json.id],
        ['user.api-token-refused', 'tess', 'read', child.json.id],
      ]);
      expect(audit[3].reason).to.match(/scope integration cannot create tokens/);
      // the first is the test setup's
      expect((await server.imsflow.store.listApiTokens('tess')).map((t) => t.scope)).to.have.members(['full', 'full', 'read', 'integration']);
    });

    it('revoking with a token also revokes the tokens created with it, but not wider ones', async () => {
      await userWithPassword(server, { id: 'ruth', roles: ['staff'], name: 'Ruth Revoke' });
      const { cookie, csrf } = await sessionOf(server, 'ruth@example.com');
      const parent = (await call$('POST', '/api/tokens', { name: 'stolen', scope: 'full' }, { cookie, csrf })).json;
      const heir = (await call$('POST', '/api/tokens', { name: 'heir', scope: 'full' }, { token: parent.token })).json;
      const grandchild = (await call$('POST', '/api/tokens', { name: 'grandchild', scope: 'read' }, { token: heir.token })).json;
      const unrelated = (await call$('POST', '/api/tokens', { name: 'unrelated', scope: 'integration' }, { cookie, csrf })).json;

      expect((await call$('DELETE', `/api/tokens/${parent.id}`, undefined, { token: unrelated.token })).status, 'an integration token revoking another').to.equal(403);
      expect((await call$('DELETE', `/api/tokens/${parent.id}`, undefined, { cookie, csrf })).status).to.equal(204);
      for (const token of [parent.token, heir.token, grandchild.token]) expect((await call$('GET', '/api/session', undefined, { token })).status).to.equal(401);
      expect((await call$('GET', '/api/session', undefined, { token: unrelated.token })).status).to.equal(200);
      const revoked = (await server.imsflow.store.listAudit({ target: 'user:ruth', limit: 1000 })).filter((e) => e.action === 'user.api-token-revoked');
      expect(revoked.map((e) => (e.new as { token: string }).token)).to.deep.equal([parent.id, heir.id, grandchild.id]);
      expect(revoked[1].reason).to.equal(`created with token ${parent.id}, which was revoked`);

      expect((await call$('DELETE', `/api/tokens/${unrelated.id}`, undefined, { token: unrelated.token })).status, 'any token revokes itself').to.equal(204);
    });
  });

  describe('the OpenAPI document', () => {
    let doc: any;
    before(async () => {
      const reply = await call$('GET', '/api/openapi.json');
      expect(reply.status).to.equal(200);
      doc = reply.json;
    });

    it('is public, OpenAPI 3.1, and names both ways to authenticate', async () => {
      expect((await fetch(`${server.url}/api/openapi.json`)).status).to.equal(200);
      expect(doc.openapi).to.match(/^3\.1\./);
      expect(doc.info).to.include({ title: 'imsflow' });
      expect(doc.components.securitySchemes.session).to.include({ type: 'apiKey', in: 'cookie', name: SESSION_COOKIE });
      expect(doc.components.securitySchemes.bearer).to.include({ type: 'http', scheme: 'bearer' });
      expect(doc.security).to.deep.equal([{ session: [] }, { bearer: [] }]);
    });

    it('declares the API token scopes, and which each operation needs', () => {
      const bearer = doc.components.securitySchemes.bearer;
      expect(Object.keys(bearer['x-scopes'])).to.deep.equal(['read', 'integration', 'full']);
      expect(bearer.description).to.include('integration: reading, plus what a connected system writes');
      const needs: Record<string, string[]> = {};
      for (const [path, operations] of Object.entries<Record<string, any>>(doc.paths)) {
        for (const [method, op] of Object.entries<any>(operations)) {
          if (op.security.length === 0) continue;
          const scope = op['x-token-scope'];
          expect(op.security, `${method} ${path}`).to.deep.equal([{ session: [] }, { bearer: [scope] }]);
          (needs[scope] ??= []).push(`${method.toUpperCase()} ${path}`);
        }
      }
      expect(needs.integration).to.have.members(['POST /api/processes/{key}/instances', 'POST /api/tasks/{id}/complete', 'POST /api/tasks/{id}/attachments', 'POST /api/events', 'POST /api/kpis/{id}/values']);
      expect(needs.read.filter((key) => !key.startsWith('GET '))).to.have.members(['DELETE /api/session', 'DELETE /api/tokens/{id}']);
      expect(needs.full).to.include.members(['POST /api/tokens', 'PUT /api/users/{id}', 'POST /api/definitions']);
      expect(needs.full.filter((key) => key.startsWith('GET '))).to.deep.equal([]);
    });

    it('gives every path operations with responses, path parameters and unique operation ids', () => {
      const operationIds = new Set<string>();
      for (const [path, operations] of Object.entries<Record<string, any>>(doc.paths)) {
        expect(path).to.match(/^\/api\//);
        const methods = Object.keys(operations).filter((m) => METHODS.includes(m));
        expect(methods, path).to.not.be.empty;
        for (const method of methods) {
          const op = operations[method];
          const where = `${method.toUpperCase()} ${path}`;
          expect(op.summary, where).to.be.a('string').and.not.equal('');
          expect(Object.keys(op.responses ?? {}), where).to.not.be.empty;
          for (const response of Object.values<any>(op.responses)) expect(response.description, where).to.be.a('string');
          if (!(Array.isArray(op.security) && op.security.length === 0)) expect(op.responses, where).to.include.keys('401', '403');
          const declared = (op.parameters ?? []).filter((p: { in: string }) => p.in === 'path').map((p: { name: string }) => p.name);
          expect(declared, where).to.deep.equal([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
          expect(operationIds.has(op.operationId), `${where}: operationId ${op.operationId} repeats`).to.equal(false);
          operationIds.add(op.operationId);
        }
      }
    });

    it('describes request bodies with JSON schemas generated from the zod schemas', () => {
      const body = (method: string, path: string) => doc.paths[path][method].requestBody;
      const start = body('post', '/api/processes/{key}/instances').content['application/json'].schema;
      expect(start.type).to.equal('object');
      expect(start.properties).to.have.keys('variables', 'businessKey', 'site');
      expect(start.additionalProperties).to.equal(false);
      expect(start.properties.site.type).to.equal('string');
      expect(start.properties.variables.type).to.equal('object');

      const loginBody = body('post', '/api/session').content['application/json'].schema;
      expect(loginBody.required).to.have.members(['email', 'password']);
      const password = body('post', '/api/users/{id}/password').content['application/json'].schema;
      expect(password.required).to.deep.equal(['password']);
      expect(password.properties).to.include.keys('currentPassword');
      const patch = body('patch', '/api/tasks/{id}').content['application/json'].schema;
      expect(patch.required).to.deep.equal(['reason']);
      expect(body('post', '/api/definitions').content).to.have.key('application/xml');

      for (const [path, operations] of Object.entries<Record<string, any>>(doc.paths)) {
        for (const [method, op] of Object.entries<any>(operations)) {
          const json = op.requestBody?.content?.['application/json']?.schema;
          if (json) expect(json, `${method} ${path}`).to.include({ type: 'object', additionalProperties: false });
        }
      }
      const status = doc.paths['/api/tasks'].get.parameters.find((p: { name: string }) => p.name === 'status');
      expect(status).to.deep.include({ in: 'query', required: false });
      expect(status.schema.enum).to.deep.equal(['open', 'completed', 'cancelled']);
    });
  });
});

describe('sessions over HTTP: cookie, CSRF, sign-out, forged credentials', () => {
  let booted: Booted;
  let server: RunningServer;
  let sueToken: string;
  const call$ = (method: string, path: string, body?: unknown, as: Caller = {}) => call(server, method, path, body, as);

  before(async () => {
    booted = await boot();
    server = booted.server;
    sueToken = await userWithPassword(server, { id: 'sue', roles: ['staff'], name: 'Sue Grant' });
  });
  after(() => shutDown(booted));

  it('signing in gives an HttpOnly session cookie and a CSRF token; GET needs only the cookie', async () => {
    const { reply, cookie, csrf } = await login(server, 'Sue@Example.com', PASSWORD);
    expect(reply.status).to.equal(200);
    const setCookie = reply.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    const attributes = setCookie.split(';').map((part) => part.trim().toLowerCase());
    expect(attributes).to.include.members(['httponly', 'samesite=lax', 'path=/']);
    expect(attributes).to.not.include('secure');
    expect(attributes.some((a) => a.startsWith('max-age='))).to.equal(true);
    expect(cookie).to.match(new RegExp(`^${SESSION_COOKIE}=[\\w-]{43}$`));
    expect(csrf).to.be.a('string').with.length.greaterThan(20);
    expect(reply.json.user).to.include({ id: 'sue', email: 'sue@example.com' });
    expect(reply.json.user).to.not.have.any.keys('passwordHash', 'failedLogins');
    expect(reply.text).to.not.include(cookie.split('=')[1]);
    expect(reply.json.expiresAt).to.equal(new Date(Date.parse(START) + 30 * MINUTE).toISOString());

    const me = await call$('GET', '/api/session', undefined, { cookie });
    expect(me.status).to.equal(200);
    expect(me.json).to.deep.include({ csrf });
    expect(me.json.user.id).to.equal('sue');
    expect((await call$('GET', '/api/tasks', undefined, { cookie })).status).to.equal(200);
    expect((await call$('GET', '/api/session')).status).to.equal(401);
  });

  it('changes made with the session cookie need the right CSRF token', async () => {
    const { cookie, csrf } = await login(server, 'sue@example.com', PASSWORD);
    const missing = await call$('POST', '/api/tokens', { name: 'from the browser' }, { cookie });
    expect(missing.status).to.equal(403);
    expect(missing.json.error).to.match(/CSRF/);
    const wrong = `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`;
    expect((await call$('POST', '/api/tokens', { name: 'from the browser' }, { cookie, csrf: wrong })).status).to.equal(403);
    expect((await call$('POST', '/api/tokens', { name: 'from the browser' }, { cookie, csrf: 'short' })).status).to.equal(403);
    expect((await call$('POST', '/api/tokens', { name: 'from the browser' }, { cookie, csrf: '' })).status).to.equal(403);
    // another session's token is not this session's token
    const other = await sessionOf(server, 'sue@example.com');
    expect((await call$('POST', '/api/tokens', { name: 'from the browser' }, { cookie, csrf: other.csrf })).status).to.equal(403);
    // every method that changes something, sign-out included
    expect((await call$('DELETE', '/api/session', undefined, { cookie })).status).to.equal(403);
    expect((await call$('POST', '/api/processes/nonconformity/instances', { variables: { owner: 'sue', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } }, { cookie })).status).to.equal(403);
    expect((await call$('GET', '/api/session', undefined, { cookie })).status).to.equal(200);
    expect(await server.imsflow.store.listApiTokens('sue')).to.have.length(1); // only the test setup's

    const right = await call$('POST', '/api/tokens', { name: 'from the browser' }, { cookie, csrf });
    expect(right.status).to.equal(201);
  });

  it('answers a CSRF token of the right length in other characters with 403, not 500', async () => {
    const { cookie, csrf } = await sessionOf(server, 'sue@example.com');
    const reply = await call$('POST', '/api/tokens', { name: 'x' }, { cookie, headers: { 'x-csrf-token': 'é'.repeat(csrf.length) } });
    expect(reply.status).to.equal(403);
    const inBody = await call$('DELETE', '/api/session', { _csrf: '€'.repeat(csrf.length) }, { cookie });
    expect(inBody.status).to.equal(403);
  });

  it('needs no CSRF token with an API token', async () => {
    expect((await call$('POST', '/api/tokens', { name: 'script' }, { token: sueToken })).status).to.equal(201);
    expect((await call$('POST', '/api/processes/nonconformity/instances', { variables: { owner: 'sue', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } }, { token: sueToken })).status).to.equal(201);
  });

  it('signs out: DELETE /api/session ends the session, the cookie no longer works', async () => {
    const { cookie, csrf } = await login(server, 'sue@example.com', PASSWORD);
    const out = await call$('DELETE', '/api/session', undefined, { cookie, csrf });
    expect(out.status).to.equal(204);
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(cleared).to.match(new RegExp(`^${SESSION_COOKIE}=;`));
    expect(cleared).to.match(/Expires=Thu, 01 Jan 1970/);
    expect((await call$('GET', '/api/session', undefined, { cookie })).status).to.equal(401);
    expect((await call$('DELETE', '/api/session', undefined, { cookie, csrf })).status).to.equal(401);
  });

  it('ends a session after 30 minutes without a request', async () => {
    const { cookie } = await sessionOf(server, 'sue@example.com');
    booted.clock.advance(29 * MINUTE);
    expect((await call$('GET', '/api/session', undefined, { cookie })).status).to.equal(200);
    booted.clock.advance(29 * MINUTE);
    expect((await call$('GET', '/api/session', undefined, { cookie })).status).to.equal(200);
    booted.clock.advance(31 * MINUTE);
    expect((await call$('GET', '/api/session', undefined, { cookie })).status).to.equal(401);
  });

  it('treats a tampered or forged session cookie as not signed in (401), never 500', async () => {
    const { cookie, csrf } = await sessionOf(server, 'sue@example.com');
    const value = cookie.slice(SESSION_COOKIE.length + 1);
    const flipped = `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`;
    const forged = [
      flipped,
      `${value}x`,
      value.slice(1),
      'A'.repeat(43),
      'x'.repeat(5000),
      '%E0%A4%A',
      '%00%01',
      '""',
      's%3Asigned.value',
      encodeURIComponent('{"userId":"sue"}'),
    ];
    for (const fake of forged) {
      const got = await call$('GET', '/api/session', undefined, { cookie: `${SESSION_COOKIE}=${fake}` });
      expect(got.status, fake.slice(0, 40)).to.equal(401);
      const posted = await call$('POST', '/api/tokens', { name: 'x' }, { cookie: `${SESSION_COOKIE}=${fake}`, csrf });
      expect(posted.status, fake.slice(0, 40)).to.equal(401);
    }
    // a malformed Cookie header, and the right cookie under another name
    expect((await call$('GET', '/api/session', undefined, { cookie: `;;=${value};${SESSION_COOKIE}` })).status).to.equal(401);
    expect((await call$('GET', '/api/session', undefined, { cookie: `session=${value}` })).status).to.equal(401);
    // the real one still works, and no login page or 500 came of it
    expect((await call$('GET', '/api/session', undefined, { cookie })).status).to.equal(200);
  });

  it('refuses garbage, forged and revoked bearer tokens with 401', async () => {
    const headers = [
      'Bearer nonsense',
      'Bearer ',
      'Bearer',
      `Bearer imsf_${'0'.repeat(32)}_${'A'.repeat(43)}`,
      `Bearer ${sueToken}x`,
      `Bearer ${sueToken.slice(0, -1)}${sueToken.endsWith('A') ? 'B' : 'A'}`,
      'Basic c3VlOmNvcnJlY3QgaG9yc2U=',
      `Bearer ${'imsf_'.repeat(2000)}`,
    ];
    for (const authorization of headers) {
      const got = await call$('GET', '/api/session', undefined, { headers: { authorization } });
      expect(got.status, authorization.slice(0, 40)).to.equal(401);
    }
    // a bad bearer token is not rescued by a good cookie
    const { cookie } = await sessionOf(server, 'sue@example.com');
    expect((await call$('GET', '/api/session', undefined, { cookie })).status).to.equal(200);
    expect((await call$('GET', '/api/session', undefined, { cookie, headers: { authorization: 'Bearer nonsense' } })).status).to.equal(401);

    const created = await call$('POST', '/api/tokens', { name: 'short-lived' }, { token: sueToken });
    expect((await call$('GET', '/api/tasks', undefined, { token: created.json.token })).status).to.equal(200);
    expect((await call$('DELETE', `/api/tokens/${created.json.id}`, undefined, { token: created.json.token })).status).to.equal(204);
    expect((await call$('GET', '/api/tasks', undefined, { token: created.json.token })).status).to.equal(401);
  });

  it('ends the sessions of a deactivated user', async () => {
    const token = await userWithPassword(server, { id: 'dan', roles: ['staff'], name: 'Dan Reyes' });
    const { cookie } = await sessionOf(server, 'dan@example.com');
    expect((await call$('GET', '/api/session', undefined, { cookie })).status).to.equal(200);
    await server.imsflow.saveUser({ id: 'dan', email: 'dan@example.com', name: 'Dan Reyes', roles: ['staff'], active: false }, 'test-setup');
    expect((await call$('GET', '/api/session', undefined, { cookie })).status).to.equal(401);
    expect((await call$('GET', '/api/session', undefined, { token })).status).to.equal(401);
  });
});

describe('failed sign-ins over HTTP: slowed, never a lockout', () => {
  let booted: Booted;
  before(async () => {
    // one trusted proxy: each test address comes in X-Forwarded-For
    booted = await boot({ IMSFLOW_TRUST_PROXY: '1' });
    await userWithPassword(booted.server, { id: 'lou', roles: ['staff'], name: 'Lou Park' });
  });
  after(() => shutDown(booted));

  const signIn = (email: string, password: string, from: string) => call(booted.server, 'POST', '/api/session', { email, password }, { headers: { 'x-forwarded-for': from } });
  const seen = (reply: Reply) => ({ status: reply.status, body: reply.text, retryAfter: reply.headers.get('retry-after'), cookies: reply.headers.getSetCookie() });

  it('answers an unknown email, a wrong password and a slowed account alike, sparing the owner', async () => {
    const { server } = booted;
    const known: ReturnType<typeof seen>[] = [];
    const unknown: ReturnType<typeof seen>[] = [];
    for (let i = 0; i < 6; i += 1) {
      known.push(seen(await signIn('lou@example.com', `wrong password ${i}`, '203.0.113.50')));
      unknown.push(seen(await signIn('nobody@example.com', `wrong password ${i}`, '203.0.113.51')));
    }
    expect(unknown).to.deep.equal(known);
    expect(known.slice(0, 5).map((r) => r.status)).to.deep.equal([401, 401, 401, 401, 401]);
    expect(JSON.parse(known[0].body)).to.deep.equal({ error: 'email or password is wrong' });
    expect(known[5]).to.deep.include({ status: 429, retryAfter: '30', cookies: [] });
    expect(JSON.parse(known[5].body).error).to.equal('too many failed sign-ins with this email from this address: try again later');
    // the right password from the guessing address waits too; from lou's own address it works at once
    expect((await signIn('lou@example.com', PASSWORD, '203.0.113.50')).status).to.equal(429);
    const owner = await signIn('lou@example.com', PASSWORD, '198.51.100.20');
    expect(owner.status).to.equal(200);
    expect(owner.json.user.id).to.equal('lou');
    const actions = (await server.imsflow.store.listAudit({ target: 'user:lou' })).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('user.login'))).to.deep.equal([...Array(5).fill('user.login-failed'), 'user.login-throttled', 'user.login-throttled', 'user.login']);
  });

  it('keeps answering /healthz within 200 ms during a flood of wrong passwords', async function () {
    // each sign-in hashes a password, one core at a time: a loaded machine takes a while
    this.timeout(120_000);
    const { server } = booted;
    // warm up first (a sign-in and a probe): what is measured is the flood, not the first request's compiling
    await rawSignIn(server.url, { email: 'warm-up@example.com', password: 'not the password' }, '198.51.100.99');
    await (await fetch(`${server.url}/healthz`)).text();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    // a flood of 100 wrong passwords a second from 8 addresses (each under its per-address limit), far more
    // than the server hashes: each waits its turn for a core while the event loop keeps serving
    let settled = false;
    const pace = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const hostile = Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await pace(i * 10);
        return rawSignIn(booted.server.url, { email: `burst${i % 5}@example.com`, password: `wrong ${i}` }, `198.51.100.${100 + (i % 8)}`);
      }),
    ).finally(() => {
      settled = true;
    });
    const health: number[] = [];
    do {
      const started = performance.now();
      const reply = await fetch(`${server.url}/healthz`);
      await reply.text();
      expect(reply.status).to.equal(200);
      health.push(performance.now() - started);
      // a probe every 20 ms, as a load balancer would, not a tight loop competing for the event loop
      await pace(20);
    } while (!settled);
    const replies = await hostile;
    delay.disable();
    expect(replies.filter((status) => status !== 401 && status !== 429)).to.deep.equal([]);
    expect(health.length).to.be.greaterThan(1);
    expectNoStall({ healthz: health, eventLoopDelayP99Ms: delay.percentile(99) / 1e6 }, 'while 40 guesses were refused');
  });

  it('lets a guessing address retry after its delay, doubling it on the next failure', async () => {
    const { clock } = booted;
    for (let i = 0; i < 5; i += 1) await signIn('lou@example.com', `wrong again ${i}`, '203.0.113.60');
    expect((await signIn('lou@example.com', PASSWORD, '203.0.113.60')).status).to.equal(429);
    clock.advance(30_000);
    expect((await signIn('lou@example.com', 'still wrong', '203.0.113.60')).status).to.equal(401);
    const slowed = await signIn('lou@example.com', PASSWORD, '203.0.113.60');
    expect(slowed.status).to.equal(429);
    expect(slowed.headers.get('retry-after')).to.equal('60');
    clock.advance(60_000);
    expect((await signIn('lou@example.com', PASSWORD, '203.0.113.60')).status).to.equal(200);
  });
});

describe('login rate limit', () => {
  let booted: Booted;
  before(async () => {
    booted = await boot();
    await userWithPassword(booted.server, { id: 'rita', roles: ['staff'], name: 'Rita Holm' });
  });
  after(() => shutDown(booted));

  it('answers over 10 attempts a minute from one address with 429, even when right', async () => {
    const { server } = booted;
    for (let i = 0; i < 10; i += 1) {
      expect((await call(server, 'POST', '/api/session', { email: `guess${i}@example.com`, password: 'guessing away' })).status).to.equal(401);
    }
    const limited = await call(server, 'POST', '/api/session', { email: 'rita@example.com', password: PASSWORD });
    expect(limited.status).to.equal(429);
    expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 60);
    expect(limited.json.error).to.match(/too many/);
    expect(limited.headers.getSetCookie()).to.deep.equal([]);
    // the limit is on signing in, not on the rest of the API
    const token = (await server.accounts.createApiToken('rita', 'x', 'test-setup')).token;
    expect((await call(server, 'GET', '/api/session', undefined, { token })).status).to.equal(200);
  });

  it('counts per address in a sliding minute (LoginRateLimiter)', () => {
    let now = 0;
    const limiter = new LoginRateLimiter(10, () => now);
    for (let i = 0; i < 10; i += 1) expect(limiter.allow('10.0.0.1')).to.equal(true);
    expect(limiter.allow('10.0.0.1')).to.equal(false);
    expect(limiter.allow('10.0.0.2')).to.equal(true);
    now += 59_999;
    expect(limiter.allow('10.0.0.1')).to.equal(false);
    now += 1;
    expect(limiter.allow('10.0.0.1')).to.equal(true);
  });
});

describe('login rate limit behind a reverse proxy (IMSFLOW_TRUST_PROXY)', () => {
  const attempts = async (server: RunningServer, forwardedFor: string, n: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i += 1) {
      const reply = await call(server, 'POST', '/api/session', { email: `guess${i}@example.com`, password: 'guessing away' }, { headers: { 'x-forwarded-for': forwardedFor } });
      statuses.push(reply.status);
    }
    return statuses;
  };

  it('behind one trusted proxy, locking out one client does not lock out the next', async () => {
    const booted = await boot({ IMSFLOW_TRUST_PROXY: '1' });
    try {
      expect(await attempts(booted.server, '203.0.113.7', 11)).to.deep.equal([...Array(10).fill(401), 429]);
      expect(await attempts(booted.server, '203.0.113.8', 1)).to.deep.equal([401]);
    } finally {
      await shutDown(booted);
    }
  });

  it('without it, a forged X-Forwarded-For does not buy a fresh allowance', async () => {
    const booted = await boot();
    try {
      expect(await attempts(booted.server, '203.0.113.7', 10)).to.deep.equal(Array(10).fill(401));
      expect(await attempts(booted.server, '198.51.100.1', 1)).to.deep.equal([429]);
    } finally {
      await shutDown(booted);
    }
  });
});

describe('the first admin', () => {
  const setupLinks = (logs: Record<string, any>[]) => logs.filter((line) => typeof line.link === 'string').map((line) => line.link as string);
  const form = (values: Record<string, string>) => new URLSearchParams(values).toString();
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

  describe('from a one-time setup link', () => {
    let booted: Booted | undefined;
    let restarted: Booted | undefined;
    after(async () => {
      await shutDown(booted, true);
      await shutDown(restarted);
    });

    it('logs a /setup/<token> link when started without IMSFLOW_ADMIN_EMAIL; the link creates the admin once', async () => {
      booted = await boot();
      const { server, logs } = booted;
      const links = setupLinks(logs);
      expect(links).to.have.length(1);
      const link = new URL(links[0]);
      expect(`${link.protocol}//${link.host}`).to.equal(server.url);
      expect(link.pathname).to.match(/^\/setup\/[\w-]{32}$/);
      expect(logs.find((line) => line.link)?.level).to.equal(40);
      expect(await server.imsflow.store.listUsers({ role: 'admin' })).to.deep.equal([]);

      const page = await call(server, 'GET', link.pathname);
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.match(/text\/html/);
      expect(page.text).to.include(`<form method="post" action="${link.pathname}"`);
      expect(page.text).to.include('name="password"');

      // other tokens: not found, whatever their shape
      const token = link.pathname.split('/')[2];
      for (const other of [`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, 'x', encodeURIComponent('é'.repeat(32))]) {
        expect((await call(server, 'GET', `/setup/${other}`)).status, other).to.equal(404);
        expect((await call(server, 'POST', `/setup/${other}`, form({ name: 'Eve', email: 'eve@example.com', password: PASSWORD }), { headers: FORM })).status, other).to.equal(404);
      }

      const weak = await call(server, 'POST', link.pathname, form({ name: 'Ada Admin', email: 'ada@example.com', password: 'short' }), { headers: FORM });
      expect(weak.status).to.equal(400);
      // the page's words (api/pages/setup.tsx), at the field and in the list at the top
      expect(weak.text).to.include('The password must be at least 12 characters long.');
      expect(weak.text).to.include('href="#password"');
      expect(weak.text).to.include('value="ada@example.com"');
      // a refused form leaves nothing behind: no admin without a password
      expect(await server.imsflow.store.listUsers({})).to.deep.equal([]);
      const badEmail = await call(server, 'POST', link.pathname, form({ name: 'Ada Admin', email: 'not an email', password: PASSWORD }), { headers: FORM });
      expect(badEmail.status).to.equal(400);
      expect(badEmail.text).to.include('Enter an email address such as name@example.com.');
      expect((await call(server, 'POST', '/api/session', { email: 'ada@example.com', password: PASSWORD })).status).to.equal(401);

      const created = await call(server, 'POST', link.pathname, form({ name: 'Ada Admin', email: 'ada@example.com', password: PASSWORD }), { headers: FORM });
      expect(created.status).to.equal(200);
      expect(created.text).to.include('Administrator created');
      const signedIn = await login(server, 'ada@example.com', PASSWORD);
      expect(signedIn.reply.status).to.equal(200);
      expect(signedIn.reply.json.user.roles).to.deep.equal(['admin']);
      expect((await call(server, 'GET', '/api/outbox', undefined, { cookie: signedIn.cookie })).status).to.equal(200);

      expect((await call(server, 'GET', link.pathname)).status).to.equal(404);
      const again = await call(server, 'POST', link.pathname, form({ name: 'Mallory', email: 'mallory@example.com', password: OTHER_PASSWORD }), { headers: FORM });
      expect(again.status).to.equal(404);
      expect((await server.imsflow.store.listUsers({ role: 'admin' })).map((u) => u.email)).to.deep.equal(['ada@example.com']);
    });

    it('logs no link once an admin exists (restart on the same data)', async () => {
      expect(booted, 'the previous test started the server').to.not.equal(undefined);
      await booted!.server.close();
      restarted = await boot({}, booted!.dir);
      booted = undefined;
      expect(setupLinks(restarted.logs)).to.deep.equal([]);
      expect((await call(restarted.server, 'POST', '/api/session', { email: 'ada@example.com', password: PASSWORD })).status).to.equal(200);
    });
  });

  describe('from IMSFLOW_ADMIN_EMAIL and IMSFLOW_ADMIN_PASSWORD', () => {
    let booted: Booted | undefined;
    after(() => shutDown(booted));

    it('creates the admin at start and logs no setup link', async () => {
      booted = await boot({ IMSFLOW_ADMIN_EMAIL: 'boss@example.com', IMSFLOW_ADMIN_PASSWORD: PASSWORD });
      const { server, logs } = booted;
      expect(setupLinks(logs)).to.deep.equal([]);
      expect(logs.map((line) => line.msg).join('\n')).to.not.include('/setup/');
      expect((await server.imsflow.store.listUsers({ role: 'admin' })).map((u) => u.email)).to.deep.equal(['boss@example.com']);
      const signedIn = await login(server, 'boss@example.com', PASSWORD);
      expect(signedIn.reply.status).to.equal(200);
      expect(signedIn.reply.json.user.roles).to.deep.equal(['admin']);
      expect((await call(server, 'GET', `/setup/${'A'.repeat(32)}`)).status).to.equal(404);
    });

    it('refuses to start with a weak IMSFLOW_ADMIN_PASSWORD, leaving no admin without a password behind', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'imsflow-authz-'));
      try {
        const failed = await boot({ IMSFLOW_ADMIN_EMAIL: 'weak@example.com', IMSFLOW_ADMIN_PASSWORD: 'short' }, dir).then(
          async (b) => {
            await b.server.close();
            return undefined;
          },
          (err: Error) => err,
        );
        expect(failed?.message).to.match(/password/);
        const retried = await boot({ IMSFLOW_ADMIN_EMAIL: 'weak@example.com', IMSFLOW_ADMIN_PASSWORD: PASSWORD }, dir);
        try {
          expect((await call(retried.server, 'POST', '/api/session', { email: 'weak@example.com', password: PASSWORD })).status).to.equal(200);
        } finally {
          await retried.server.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('operations endpoints (outside the OpenAPI document)', () => {
  let booted: Booted;
  const metricsToken = 'k'.repeat(40);
  before(async () => {
    booted = await boot({ IMSFLOW_METRICS_TOKEN: metricsToken });
  });
  after(() => shutDown(booted));

  it('/metrics answers only admins and the metrics token (401 or 403 to others)', async () => {
    const { server } = booted;
    expect((await call(server, 'GET', '/metrics')).status).to.equal(401);
    expect((await call(server, 'GET', '/metrics', undefined, { token: 'x'.repeat(40) })).status).to.equal(401);
    const problems: string[] = [];
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const token = await userWithPassword(server, { id: `ops-${role}`, roles: [role] });
      const byToken = await call(server, 'GET', '/metrics', undefined, { token });
      const bySession = await call(server, 'GET', '/metrics', undefined, await sessionOf(server, `ops-${role}@example.com`));
      if (byToken.status !== 403 || bySession.status !== 403) problems.push(`${role}: ${byToken.status}/${bySession.status}`);
    }
    expect(problems).to.deep.equal([]);
    const admin = await userWithPassword(server, { id: 'ops-admin', roles: ['admin'] });
    expect((await call(server, 'GET', '/metrics', undefined, { token: admin })).status).to.equal(200);
    expect((await call(server, 'GET', '/metrics', undefined, await sessionOf(server, 'ops-admin@example.com'))).status).to.equal(200);
    expect((await call(server, 'GET', '/metrics', undefined, { token: metricsToken })).status).to.equal(200);
  });

  it('/healthz and /readyz are public (load balancers call them) and tell nothing about records', async () => {
    const health = await call(booted.server, 'GET', '/healthz');
    const ready = await call(booted.server, 'GET', '/readyz');
    expect([health.status, ready.status]).to.deep.equal([200, 200]);
    expect(ready.json).to.deep.equal({ status: 'ready', checks: { store: 'ok' } });
  });

  it('/admin/queues does not exist without Redis (the Redis-mode dashboard is checked in test/system/ops.test.ts)', async () => {
    const admin = await userWithPassword(booted.server, { id: 'ops-admin-2', roles: ['admin'] });
    expect((await call(booted.server, 'GET', '/admin/queues', undefined, { token: admin })).status).to.equal(404);
  });
});
