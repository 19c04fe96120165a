import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';

/**
 * One's own account over JSON (/api/account): the password changed with the current one ends every other
 * session of the person and is audited without any password; bad input is a 400 naming the field; notices
 * and out of office answer with the account.
 */

const PASSWORD = 'a long enough passphrase for tests';
const NEW_PASSWORD = 'another long passphrase, changed';

interface Session {
  cookie: string;
  csrf: string;
}

describe('my account over JSON', function () {
  this.timeout(60_000);
  let server: RunningServer;
  let dir: string;

  const call = async (method: string, path: string, session: Session | undefined, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(session && { cookie: session.cookie, 'x-csrf-token': session.csrf }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const signIn = async (email: string, password: string): Promise<Session> => {
    const res = await call('POST', '/api/session', undefined, { email, password });
    expect(res.status).to.equal(200);
    return { cookie: res.headers.get('set-cookie')!.split(';')[0], csrf: res.json.csrf };
  };
  const fields = (reply: { json: { fields?: { field: string }[] } }) => (reply.json.fields ?? []).map((f) => f.field);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-account-api-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_DIGEST: 'off' }), { logger: pino({ level: 'silent' }) });
    for (const [id, name, roles] of [
      ['alice', 'Alice Auditor', ['quality-manager']],
      ['bob', 'Bob Builder', ['quality-manager']],
      ['sam', 'Sam Staff', ['staff']],
    ] as const) {
      await server.imsflow.saveUser({ id, email: `${id}@example.com`, name, roles: [...roles], sites: ['basel'] }, 'test-setup');
      await server.accounts.setPassword(id, PASSWORD, 'test-setup', 'account tests');
    }
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('changes my password with the current one and ends my other sessions, keeping this one; audited without the password', async () => {
    const laptop = await signIn('alice@example.com', PASSWORD);
    const phone = await signIn('alice@example.com', PASSWORD);
    const wrong = await call('POST', '/api/account/password', laptop, { currentPassword: 'not my password at all', password: NEW_PASSWORD });
    expect(wrong.status).to.equal(401);
    const weak = await call('POST', '/api/account/password', laptop, { currentPassword: PASSWORD, password: 'alice-is-here-2026' });
    expect(weak.status).to.equal(400);
    expect(new Set(fields(weak))).to.deep.equal(new Set(['password']));
    expect(fields(await call('POST', '/api/account/password', laptop, { password: NEW_PASSWORD }))).to.deep.equal(['currentPassword']);
    expect((await call('GET', '/api/session', phone)).status, 'nothing changed yet').to.equal(200);

    const changed = await call('POST', '/api/account/password', laptop, { currentPassword: PASSWORD, password: NEW_PASSWORD });
    expect(changed.status).to.equal(200);
    expect(changed.json).to.deep.equal({ sessionsEnded: 1 });
    expect((await call('GET', '/api/session', phone)).status, 'the other session ended').to.equal(401);
    expect((await call('GET', '/api/session', laptop)).status, 'this one goes on').to.equal(200);
    expect((await call('POST', '/api/session', undefined, { email: 'alice@example.com', password: PASSWORD })).status).to.equal(401);
    await signIn('alice@example.com', NEW_PASSWORD);

    const audit = await server.imsflow.store.listAudit({ target: 'user:alice' });
    const set = audit.filter((e) => e.action === 'user.password-set').at(-1);
    expect(set).to.deep.include({ actor: 'alice', reason: 'changed by the user', new: { sessionsEnded: 1 } });
    expect(JSON.stringify(audit)).to.not.contain(NEW_PASSWORD).and.not.contain(PASSWORD);
  });

  it('slows guessing the current password like a sign-in', async () => {
    const sam = await signIn('sam@example.com', PASSWORD);
    for (let i = 0; i < 5; i += 1) expect((await call('POST', '/api/account/password', sam, { currentPassword: `guess number ${i}`, password: NEW_PASSWORD })).status).to.equal(401);
    const slowed = await call('POST', '/api/account/password', sam, { currentPassword: PASSWORD, password: NEW_PASSWORD });
    expect(slowed.status).to.equal(401);
    expect(slowed.json.retryAt).to.be.a('string');
  });

  it('chooses the daily digest, and refuses a time that is none naming the field', async () => {
    const bob = await signIn('bob@example.com', PASSWORD);
    expect((await call('GET', '/api/account', bob)).json.notices).to.deep.equal({ delivery: 'immediate', at: '07:00' });
    const bad = await call('PUT', '/api/account/notices', bob, { delivery: 'daily', at: '7 am' });
    expect(bad.status).to.equal(400);
    expect(fields(bad)).to.deep.equal(['at']);
    const ok = await call('PUT', '/api/account/notices', bob, { delivery: 'daily', at: '06:45' });
    expect(ok.status).to.equal(200);
    expect(ok.json.notices).to.deep.equal({ delivery: 'daily', at: '06:45' });
  });

  it('sets out of office with a colleague, refusing one without my roles with 400 naming delegate', async () => {
    const bob = await signIn('bob@example.com', PASSWORD);
    expect((await call('GET', '/api/account/delegates', bob)).json.items).to.deep.equal([{ id: 'alice', name: 'Alice Auditor' }]);
    const refused = await call('PUT', '/api/account/absence', bob, { from: '2099-01-05', to: '2099-01-09', delegate: 'sam' });
    expect(refused.status).to.equal(400);
    expect(refused.json.fields).to.deep.equal([{ field: 'delegate', message: 'Sam Staff does not hold the role quality-manager that your tasks may need' }]);
    const set = await call('PUT', '/api/account/absence', bob, { from: '2099-01-05', to: '2099-01-09', delegate: 'alice' });
    expect(set.status).to.equal(200);
    expect(set.json.absence).to.deep.include({ fromDay: '2099-01-05', toDay: '2099-01-09', delegate: 'alice' });
    const ended = await call('DELETE', '/api/account/absence', bob);
    expect(ended.json.absence).to.equal(undefined);
  });

  it('takes the page forms as plain POSTs (no JavaScript): 303 to a confirmation, or the page again with the field named', async () => {
    const bob = await signIn('bob@example.com', PASSWORD);
    const post = async (path: string, fields: Record<string, string>) => {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: bob.cookie },
        body: new URLSearchParams({ _csrf: bob.csrf, ...fields }).toString(),
      });
      return { status: res.status, location: res.headers.get('location'), html: await res.text() };
    };
    const mismatch = await post('/account/password', { currentPassword: PASSWORD, password: NEW_PASSWORD, repeat: 'not the same one' });
    expect(mismatch.status).to.equal(400);
    expect(mismatch.html).to.contain('The two new passwords are not the same.').and.contain('href="#account-repeat"');
    const notices = await post('/account/notices', { delivery: 'daily', at: '05:15' });
    expect([notices.status, notices.location]).to.deep.equal([303, '/account?done=notices#account-notices']);
    const page = await fetch(`${server.url}/account?done=notices`, { headers: { cookie: bob.cookie } });
    expect(await page.text()).to.contain('Saved: your notices come in one daily digest at 05:15.');
    const noDelegate = await post('/account/absence', { from: '2099-02-01', to: '2099-02-03', delegate: '' });
    expect(noDelegate.status).to.equal(400);
    expect(noDelegate.html).to.contain('Choose who holds your tasks: a colleague at your site holding your roles (Quality manager).');
    const changed = await post('/account/password', { currentPassword: PASSWORD, password: NEW_PASSWORD, repeat: NEW_PASSWORD });
    expect(changed.status).to.equal(303);
    expect(changed.location).to.match(/^\/account\?done=password&ended=\d+#account-password$/);
  });
});
