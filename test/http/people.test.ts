import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SESSION_COOKIE } from '../../api/auth.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { http, JSON_BODY } from '../support/http.js';
import { userWithToken } from '../support/operator.js';

/**
 * The people API (/api/people): who may (admins; site administrators for their sites), bad input as a
 * 400 naming the field, the CSV import's dry run and limits as 4xx naming them, deactivation that ends
 * a session at once; the directory route /api/users still answers as before.
 */

const CSV = { 'content-type': 'text/csv' };

describe('the people API', function () {
  this.timeout(30_000);
  let dir: string;
  let server: RunningServer;
  let admin: string;
  let siteAdmin: string;
  let staff: string;
  const as = (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = JSON_BODY) => http(method, `${server.url}/api${path}`, body, { ...headers, authorization: `Bearer ${token}` });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-people-api-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { logger: pino({ level: 'silent' }) });
    admin = await userWithToken(server, { id: 'ada', roles: ['admin'], name: 'Ada Admin' });
    siteAdmin = await userWithToken(server, { id: 'sam', roles: ['site-admin'], sites: ['basel'], name: 'Sam Siteadmin' });
    staff = await userWithToken(server, { id: 'stu', roles: ['staff'], sites: ['basel'], name: 'Stu Staff' });
    await server.imsflow.saveUser({ id: 'lou', email: 'lou@example.com', name: 'Lou Lyon', roles: ['staff'], sites: ['lyon'] }, 'setup');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates, reads and changes a person; bad input is a 400 naming the field', async () => {
    const made = await as(admin, 'POST', '/people', { email: 'nia@example.com', name: 'Nia New', roles: ['staff'], sites: ['basel'], reason: 'new starter' });
    expect(made.status, made.text).to.equal(201);
    expect(made.json).to.include({ id: 'nia', email: 'nia@example.com', active: true });
    const bad = await as(admin, 'POST', '/people', { email: 'nope', name: 'X' });
    expect(bad.status).to.equal(400);
    expect(bad.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['email']);
    const noReason = await as(admin, 'PATCH', '/people/nia', { roles: ['auditor'] });
    expect(noReason.status).to.equal(400);
    expect(noReason.json.fields[0].field).to.equal('reason');
    const changed = await as(admin, 'PATCH', '/people/nia', { roles: ['auditor'], reason: 'moved to audit' });
    expect(changed.json.roles).to.deep.equal(['auditor']);
    expect((await as(admin, 'GET', '/people/nia')).json).to.deep.include({ name: 'Nia New', openTasks: [] });
    expect((await as(admin, 'POST', '/people', { email: 'NIA@example.com', name: 'Nia Again' })).status, 'email in use').to.equal(409);
  });

  it('a site administrator sees and changes only the people of their sites; staff are refused', async () => {
    const listed = (await as(siteAdmin, 'GET', '/people')).json.items.map((p: { id: string }) => p.id);
    expect(listed).to.include('stu').and.not.include('lou').and.not.include('ada');
    expect((await as(siteAdmin, 'GET', '/people/lou')).status).to.equal(404);
    expect((await as(siteAdmin, 'PATCH', '/people/stu', { roles: ['admin'], reason: 'promotion' })).status).to.equal(403);
    expect((await as(staff, 'GET', '/people')).status).to.equal(403);
    expect((await as(staff, 'POST', '/people/import/dry-run', 'email,display name\n', CSV)).status).to.equal(403);
    // the directory for person fields is unchanged
    expect((await as(staff, 'GET', '/users')).json.items.find((u: { id: string }) => u.id === 'ada')).to.deep.equal({ id: 'ada', name: 'Ada Admin', roles: ['admin'] });
  });

  it('imports a CSV after its dry run, all or nothing; limits and unknown columns are 4xx naming them', async () => {
    const csv = 'email,display name,roles,sites\nimp1@example.com,Imported One,staff,basel\nimp2@example.com,Imported Two,staff,basel\n';
    const dry = await as(admin, 'POST', '/people/import/dry-run', csv, CSV);
    expect(dry.status, dry.text).to.equal(200);
    expect(dry.json.counts).to.deep.equal({ create: 2, update: 0, unchanged: 0, error: 0 });
    expect((await as(admin, 'POST', '/people/import?digest=stale', csv, CSV)).status).to.equal(409);
    const applied = await as(admin, 'POST', `/people/import?digest=${dry.json.digest}&fileName=starters.csv`, csv, CSV);
    expect(applied.status, applied.text).to.equal(200);
    expect((await as(admin, 'GET', '/people?search=imported')).json.items).to.have.length(2);

    const big = await as(admin, 'POST', '/people/import/dry-run', `email,display name\n${'a@example.com,A\n'.repeat(80_000)}`, CSV);
    expect(big.status).to.equal(413);
    expect(big.json.error).to.match(/at most 2000 people/);
    const unknown = await as(admin, 'POST', '/people/import/dry-run', 'email,display name,password\n', CSV);
    expect(unknown.status).to.equal(400);
    expect(unknown.json.fields[0]).to.deep.include({ field: 'file' });
    expect(unknown.json.fields[0].message).to.match(/password/);
    const json = await as(admin, 'POST', '/people/import/dry-run', { csv: 'x' });
    expect(json.status).to.equal(400);
    expect(json.json.fields[0].field).to.equal('Content-Type');
  });

  it('deactivation ends the person’s session and API token at once, with the reason in the audit trail', async () => {
    const token = await userWithToken(server, { id: 'leo', roles: ['staff'], sites: ['basel'], name: 'Leo Leaver' });
    const login = await server.accounts.setPassword('leo', 'a long enough passphrase for tests', 'setup', 'test').then(() => server.accounts.login('leo@example.com', 'a long enough passphrase for tests', 'test'));
    const cookie = { cookie: `${SESSION_COOKIE}=${login.token}` };
    expect((await http('GET', `${server.url}/api/session`, undefined, cookie)).status).to.equal(200);
    expect((await as(admin, 'POST', '/people/leo/deactivate', {})).status).to.equal(400);
    const done = await as(admin, 'POST', '/people/leo/deactivate', { reason: 'left the company' });
    expect(done.status, done.text).to.equal(200);
    expect(done.json).to.deep.include({ sessionsEnded: 1, tokensRevoked: 1 });
    expect((await http('GET', `${server.url}/api/session`, undefined, cookie)).status).to.equal(401);
    expect((await as(token, 'GET', '/tasks')).status).to.equal(401);
    expect((await as(admin, 'POST', '/people/leo/deactivate', { reason: 'again' })).status).to.equal(409);
    expect((await as(admin, 'POST', '/people/ada/deactivate', { reason: 'oops' })).status, 'not yourself').to.equal(403);
    const reactivated = await as(admin, 'POST', '/people/leo/reactivate', { reason: 'rehired' });
    expect(reactivated.json.active).to.equal(true);
    expect((await http('GET', `${server.url}/api/session`, undefined, cookie)).status, 'the old session stays ended').to.equal(401);
  });
});
