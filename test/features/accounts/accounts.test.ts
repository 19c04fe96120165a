import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { Accounts, AuthenticationError } from '../../../engine/features/accounts/index.js';
import { NotPermittedError, ValidationError } from '../../../engine/kernel/errors.js';
import { hashPassword, passwordProblems, verifyPassword } from '../../../engine/features/accounts/index.js';
import { DEFAULT_THROTTLE, FailureThrottle } from '../../../engine/features/accounts/index.js';
import { SqliteStore } from '../../../engine/adapters/sqlite/index.js';
import { testEngine, type TestEngine } from '../../helpers.js';

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

  /** What a refused sign-in looks like to the caller: its kind, message and, when slowed, until when. */
  const answer = async (email: string, password: string, from: string) => {
    const err = await accounts.login(email, password, from).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof AuthenticationError)) return 'signed in';
    return `${err.name}: ${err.message}${err.retryAt ? ` until ${err.retryAt}` : ''}`;
  };
  const auditOf = async (id: string) => (await t.store.listAudit({ target: `user:${id}`, limit: 1000 })).filter((e) => e.action.startsWith('user.login'));

  it('gives one answer for an unknown email, a wrong password and an inactive account', async () => {
    await t.imsflow.saveUser({ id: 'ivan', email: 'ivan@example.com', name: 'Ivan Gone', roles: ['staff'], active: true }, 'admin');
    await accounts.setPassword('ivan', PASSWORD, 'admin', 'first password');
    await t.imsflow.saveUser({ id: 'ivan', email: 'ivan@example.com', name: 'Ivan Gone', roles: ['staff'], active: false }, 'admin');
    const wrong = await answer('dana@example.com', 'wrong password here', 'ip');
    expect(wrong).to.equal('AuthenticationError: email or password is wrong');
    expect(await answer('nobody@example.com', PASSWORD, 'ip')).to.equal(wrong);
    expect(await answer('ivan@example.com', PASSWORD, 'ip')).to.equal(wrong);
  });

  it('a slowed unknown email is answered like a slowed account, revealing no email', async () => {
    const replies: Record<string, string[]> = { known: [], unknown: [] };
    for (let i = 0; i < 6; i += 1) {
      replies.known.push(await answer('dana@example.com', `wrong password ${i}`, '203.0.113.9'));
      replies.unknown.push(await answer('nobody@example.com', `wrong password ${i}`, '203.0.113.9'));
    }
    expect(replies.unknown).to.deep.equal(replies.known);
    const until = new Date(t.clock.now().getTime() + 30_000).toISOString();
    expect(replies.known.slice(4)).to.deep.equal(['AuthenticationError: email or password is wrong', `LoginThrottledError: too many failed sign-ins with this email from this address: try again later until ${until}`]);
    // slowed, even the right password is not checked: it is the same answer
    expect(await answer('dana@example.com', PASSWORD, '203.0.113.9')).to.equal(replies.known[5]);
  });

  it('never locks the owner out: guesses from another address leave their own sign-in working', async () => {
    // a patient attacker, one guess past every delay
    for (let i = 0; i < 12; i += 1) {
      t.clock.advance(16 * 60_000);
      await answer('dana@example.com', `guess ${i}`, '198.51.100.66');
    }
    expect(await answer('dana@example.com', 'another guess', '198.51.100.66')).to.match(/^LoginThrottledError/);
    expect(await answer('dana@example.com', PASSWORD, '10.1.2.3')).to.equal('signed in');
  });

  it('slows an attacker with delays that double with every further failure, up to 15 minutes', async () => {
    const from = '198.51.100.7';
    const delays: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      expect(await answer('dana@example.com', `guess ${i}`, from)).to.equal('AuthenticationError: email or password is wrong');
      const slowed = await answer('dana@example.com', `guess ${i}b`, from);
      if (slowed === 'AuthenticationError: email or password is wrong') continue; // still among the five free failures
      const until = Date.parse(slowed.split(' until ')[1]);
      delays.push((until - t.clock.now().getTime()) / 1000);
      t.clock.advance(until - t.clock.now().getTime() - 1);
      expect(await answer('dana@example.com', PASSWORD, from), 'a millisecond early').to.match(/^LoginThrottledError/);
      t.clock.advance(1);
    }
    expect(delays).to.deep.equal([30, 60, 120, 240, 480, 900, 900, 900, 900, 900]);
    expect(await answer('dana@example.com', PASSWORD, from), 'the right password once the delay is over').to.equal('signed in');
  });

  it('slows one address guessing many accounts, but spares each account\'s usual address', async () => {
    for (let i = 0; i < 20; i += 1) await answer(`person${i}@example.com`, 'guessing away', '192.0.2.1');
    expect(await answer('dana@example.com', PASSWORD, '192.0.2.1'), 'spraying from one address').to.match(/^LoginThrottledError/);

    expect(await answer('dana@example.com', PASSWORD, '10.0.0.5')).to.equal('signed in');
    for (let i = 0; i < 50; i += 1) await answer('dana@example.com', 'guessing away', `198.18.0.${i}`);
    expect(await answer('dana@example.com', PASSWORD, '198.18.1.1'), 'a new address, during a spread-out guess').to.match(/^LoginThrottledError/);
    expect(await answer('dana@example.com', PASSWORD, '10.0.0.5'), 'the address dana signed in from').to.equal('signed in');
  });

  it('audits failed and slowed sign-ins of an account: from where, how many, until when', async () => {
    for (let i = 0; i < 6; i += 1) await answer('dana@example.com', `wrong ${i}`, '203.0.113.5');
    const events = await auditOf('dana');
    expect(events.map((e) => e.action)).to.deep.equal([...Array(5).fill('user.login-failed'), 'user.login-throttled']);
    const until = new Date(t.clock.now().getTime() + 30_000).toISOString();
    expect(events[4].new).to.deep.equal({ from: '203.0.113.5', failures: 5, throttledUntil: until });
    expect(events[5]).to.deep.include({ actor: 'dana', reason: 'too many failed sign-ins with this email from this address' });
    expect(events[5].new).to.deep.equal({ from: '203.0.113.5', until });
    // the user record keeps no lock: nothing someone else's guesses could leave behind
    expect(await t.store.getUser('dana')).to.not.have.any.keys('lockedUntil', 'failedLogins');
  });

  it('slows guessing the password through re-authentication for a signature, for that person only', async () => {
    const { token } = await accounts.login('dana@example.com', PASSWORD, 'ip');
    const principal = (await accounts.session(token))!;
    for (let i = 0; i < 5; i += 1) expect((await accounts.reauthenticate(principal, `wrong ${i}`).catch((e) => e)).message).to.equal('the password is wrong');
    const slowed = (await accounts.reauthenticate(principal, PASSWORD).catch((e) => e)) as AuthenticationError;
    expect(slowed.message).to.match(/too many wrong passwords/);
    expect(slowed.retryAt).to.equal(new Date(t.clock.now().getTime() + 30_000).toISOString());
    expect(await answer('dana@example.com', PASSWORD, 'ip'), 'signing in is not affected').to.equal('signed in');
    t.clock.advance(30_000);
    expect((await accounts.reauthenticate(principal, PASSWORD))?.authenticatedAt).to.equal(t.clock.now().toISOString());
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

  it('updating a profile keeps the password, and the hash never enters the audit trail', async () => {
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

  it('lets a token\'s holder or an administrator revoke it, and nobody else', async () => {
    await t.imsflow.saveUser({ id: 'quincy', email: 'quincy@example.com', name: 'Quincy Quality', roles: ['quality-manager'] }, 'admin');
    await t.imsflow.saveUser({ id: 'ada', email: 'ada@example.com', name: 'Ada Admin', roles: ['admin'] }, 'admin');
    const { token, record } = await accounts.createApiToken('dana', 'LIMS link', 'dana');
    const refused = await accounts.revokeApiToken('dana', record.id, 'quincy').catch((err: unknown) => err);
    expect(refused).to.be.instanceOf(NotPermittedError);
    expect((await accounts.apiToken(token))?.user.id, 'still usable').to.equal('dana');
    await accounts.revokeApiToken('dana', record.id, 'ada');
    expect(await accounts.apiToken(token)).to.equal(undefined);
    const [event] = (await t.store.listAudit({ limit: 100_000 })).filter((e) => e.action === 'user.api-token-revoked');
    expect(event).to.deep.include({ actor: 'ada', target: 'user:dana' });
  });

  it('keeps API tokens made before scopes working, as scope full (SQLite migration 8)', async () => {
    const store = new SqliteStore(':memory:');
    store.migrate(7);
    const secret = 'S'.repeat(43);
    const old = { id: 'a'.repeat(32), userId: 'olga', name: 'made in 2025', hash: createHash('sha256').update(secret).digest('hex'), createdAt: '2025-11-01T00:00:00.000Z' };
    store.unsafeExecForTests('INSERT INTO api_tokens (id, user_id, doc) VALUES (?, ?, ?)', old.id, old.userId, JSON.stringify(old));
    expect(store.migrate(8)).to.equal(1);
    await store.init();
    await store.commit({ users: [{ id: 'olga', email: 'olga@example.com', name: 'Olga Old', roles: ['admin'], sites: [], active: true, createdAt: old.createdAt }], audit: [] });
    expect(await store.getApiToken(old.id)).to.deep.equal({ ...old, scope: 'full' });
    const principal = await new Accounts(store, t.clock).apiToken(`imsf_${old.id}_${secret}`);
    expect(principal?.user.id).to.equal('olga');
    expect(principal?.apiToken?.scope).to.equal('full');
    await store.close();
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

describe('FailureThrottle (growing delays without a lockout)', () => {
  const bucket = { key: 'k', free: 2 };

  it('forgets a bucket a day after its last failure', () => {
    const throttle = new FailureThrottle();
    throttle.fail([bucket], 0);
    throttle.fail([bucket], 1000);
    expect(throttle.blockedUntil([bucket], 1000)).to.equal(31_000);
    expect(throttle.fail([bucket], 40_000)).to.deep.equal({ failures: 3, blockedUntil: 100_000 });
    const dayLater = 40_000 + 24 * 3_600_000 + 1;
    expect(throttle.blockedUntil([bucket], dayLater)).to.equal(undefined);
    expect(throttle.fail([bucket], dayLater), 'counting starts again').to.deep.equal({ failures: 1 });
  });

  it('keeps at most its bound of buckets, dropping the longest unused first', () => {
    const throttle = new FailureThrottle({ ...DEFAULT_THROTTLE, maxBuckets: 3 });
    for (const key of ['a', 'b', 'c', 'd']) {
      throttle.fail([{ key, free: 1 }], 0);
    }
    expect(throttle.blockedUntil([{ key: 'a', free: 1 }], 0), 'a was dropped').to.equal(undefined);
    expect(throttle.blockedUntil([{ key: 'd', free: 1 }], 0)).to.equal(30_000);
  });

  it('is refused while any of its buckets is, until the latest of them', () => {
    const throttle = new FailureThrottle();
    const narrow = { key: 'narrow', free: 1 };
    const wide = { key: 'wide', free: 3 };
    throttle.fail([narrow, wide], 0);
    throttle.fail([narrow, wide], 30_000);
    throttle.fail([narrow, wide], 90_000);
    expect(throttle.blockedUntil([narrow, wide], 90_000)).to.equal(90_000 + 120_000);
    expect(throttle.blockedUntil([wide], 90_000)).to.equal(90_000 + 30_000);
    throttle.succeed(narrow);
    expect(throttle.blockedUntil([narrow, wide], 90_000), 'a success clears only its own bucket').to.equal(120_000);
  });
});
