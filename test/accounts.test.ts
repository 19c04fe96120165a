import { expect } from 'chai';
import { Accounts, AuthenticationError } from '../engine/accounts.js';
import { ValidationError } from '../engine/errors.js';
import { hashPassword, passwordProblems, verifyPassword } from '../engine/passwords.js';
import { testEngine, type TestEngine } from './helpers.js';

const PASSWORD = 'correct horse battery staple';

describe('accounts', () => {
  let t: TestEngine;
  let accounts: Accounts;
  beforeEach(async () => {
    t = await testEngine();
    accounts = new Accounts(t.store, t.clock);
    await t.imsflow.saveUser({ id: 'dana', email: 'dana@example.com', name: 'Dana Scully', roles: ['quality-manager'] }, 'admin');
    await accounts.setPassword('dana', PASSWORD, 'admin', 'first password');
  });

  it('hashes with scrypt and verifies only the right password', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).to.match(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword(PASSWORD, hash)).to.equal(true);
    expect(await verifyPassword(`${PASSWORD}!`, hash)).to.equal(false);
    expect(await verifyPassword(PASSWORD, undefined)).to.equal(false);
    expect(await hashPassword(PASSWORD)).to.not.equal(hash);
  });

  it('enforces password rules, naming each problem', async () => {
    expect(passwordProblems('short')).to.include('must be at least 12 characters');
    expect(passwordProblems('passwordpassword')).to.include('is too common or too simple');
    expect(passwordProblems('dana-is-great-2026', { email: 'dana@example.com' })).to.include('must not contain your email name');
    expect(passwordProblems('scully-rules-forever', { name: 'Dana Scully' })).to.include('must not contain your name');
    const err = (await accounts.setPassword('dana', 'short', 'admin', 'x').catch((e) => e)) as ValidationError;
    expect(err).to.be.instanceOf(ValidationError);
    expect(err.fields[0]).to.deep.include({ field: 'password' });
  });

  it('logs in with the right password (case-insensitive email), opens a session, and audits it', async () => {
    const { session, token, user } = await accounts.login('Dana@Example.com', PASSWORD, '127.0.0.1');
    expect(user.id).to.equal('dana');
    expect(session.id).to.not.equal(token);
    expect((await accounts.session(token))?.user.id).to.equal('dana');
    expect(await accounts.session(`${token}x`)).to.equal(undefined);
    const actions = (await t.store.listAudit({ target: 'user:dana' })).map((e) => e.action);
    expect(actions).to.include.members(['user.password-set', 'user.login']);
  });

  it('gives the same answer for a wrong password and an unknown email', async () => {
    const wrong = await accounts.login('dana@example.com', 'wrong password here', 'ip').catch((e) => e);
    const unknown = await accounts.login('nobody@example.com', PASSWORD, 'ip').catch((e) => e);
    expect(wrong).to.be.instanceOf(AuthenticationError);
    expect(unknown.message).to.equal(wrong.message);
  });

  it('locks the account after five failures in a row, even for the right password, until the lock ends', async () => {
    for (let i = 0; i < 5; i += 1) await accounts.login('dana@example.com', 'wrong password here', 'ip').catch(() => undefined);
    const locked = (await accounts.login('dana@example.com', PASSWORD, 'ip').catch((e) => e)) as AuthenticationError;
    expect(locked.message).to.match(/locked/);
    expect(locked.retryAt).to.equal(new Date(t.clock.now().getTime() + 15 * 60_000).toISOString());
    const actions = (await t.store.listAudit({ target: 'user:dana' })).map((e) => e.action);
    expect(actions.filter((a) => a === 'user.login-failed')).to.have.length(5);
    expect(actions).to.include.members(['user.locked', 'user.login-refused']);
    t.clock.advance(15 * 60_000);
    expect((await accounts.login('dana@example.com', PASSWORD, 'ip')).user.failedLogins).to.equal(0);
  });

  it('ends a session after 30 idle minutes, and after 12 hours whatever the activity', async () => {
    const { token } = await accounts.login('dana@example.com', PASSWORD, 'ip');
    t.clock.advance(29 * 60_000);
    expect(await accounts.session(token)).to.not.equal(undefined);
    t.clock.advance(29 * 60_000);
    expect(await accounts.session(token), 'extended by use').to.not.equal(undefined);
    t.clock.advance(31 * 60_000);
    expect(await accounts.session(token), 'idle').to.equal(undefined);

    const second = await accounts.login('dana@example.com', PASSWORD, 'ip');
    for (let hour = 0; hour < 12; hour += 1) {
      t.clock.advance(25 * 60_000);
      await accounts.session(second.token);
      t.clock.advance(25 * 60_000);
      await accounts.session(second.token);
      t.clock.advance(10 * 60_000);
    }
    expect(await accounts.session(second.token), 'absolute limit').to.equal(undefined);
  });

  it('keeps the password when the profile is updated, and never puts the hash in the audit trail', async () => {
    await t.imsflow.saveUser({ id: 'dana', email: 'dana@example.com', name: 'Dana K. Scully', roles: ['quality-manager', 'auditor'] }, 'admin');
    expect((await accounts.login('dana@example.com', PASSWORD, 'ip')).user.name).to.equal('Dana K. Scully');
    const hash = (await t.store.getUser('dana'))!.passwordHash!;
    expect(JSON.stringify(await t.store.listAudit({ limit: 10_000 }))).to.not.include(hash.split('$')[5]);
  });

  it('logs out, and an inactive user loses their session', async () => {
    const { token, session } = await accounts.login('dana@example.com', PASSWORD, 'ip');
    await accounts.logout(session);
    expect(await accounts.session(token)).to.equal(undefined);
    const again = await accounts.login('dana@example.com', PASSWORD, 'ip');
    await t.imsflow.saveUser({ id: 'dana', email: 'dana@example.com', name: 'Dana Scully', roles: ['quality-manager'], active: false }, 'admin');
    expect(await accounts.session(again.token)).to.equal(undefined);
  });

  it('issues API tokens shown once, stored hashed, usable until revoked', async () => {
    const { token, record } = await accounts.createApiToken('dana', 'MES integration', 'dana');
    expect(token).to.match(/^imsf_[0-9a-f]{32}_[\w-]{43}$/);
    // the secret is everything after imsf_<id>_ (it may itself hold "_")
    const secret = token.slice('imsf_'.length + 32 + 1);
    expect(secret).to.have.length(43);
    expect(JSON.stringify(await t.store.getApiToken(record.id))).to.not.include(secret);
    expect((await accounts.apiToken(token))?.user.id).to.equal('dana');
    expect(await accounts.apiToken(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).to.equal(undefined);
    await accounts.revokeApiToken('dana', record.id, 'dana');
    expect(await accounts.apiToken(token)).to.equal(undefined);
  });

  it('re-authenticates for a signature: password checked, user id checked when given', async () => {
    const { token } = await accounts.login('dana@example.com', PASSWORD, 'ip');
    const principal = (await accounts.session(token))!;
    const wrong = await accounts.reauthenticate(principal, 'not the password').catch((e) => e);
    expect(wrong).to.be.instanceOf(AuthenticationError);
    const otherUser = await accounts.reauthenticate(principal, PASSWORD, 'someone@example.com').catch((e) => e);
    expect(otherUser).to.be.instanceOf(AuthenticationError);
    const session = await accounts.reauthenticate(principal, PASSWORD, 'dana@example.com');
    expect(session?.signedAt).to.equal(t.clock.now().toISOString());
  });
});
