/** AccountStore contract: sign-in sessions and API tokens. */
import { expect } from 'chai';
import { ConflictError, RevisionConflict } from '../../../engine/kernel/errors.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, instance, user, session, apiToken, event, rejection, snapshot, type StoreSuite } from '../support.js';

export function sessionsAndApiTokensContract(suite: StoreSuite): void {
  describe('sessions', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('upserts sessions by id, reads them back exactly, and deletes them, ignoring unknown ids', async function () {
      const s1 = session('s1');
      const s2 = session('s2', { userId: 'bob', signedAt: at(3) });
      await store.commit({ sessions: [s1, s2], audit: [] });
      expect(await store.getSession('s1')).to.deep.equal(s1);
      expect(await store.getSession('s2')).to.deep.equal(s2);
      expect(await store.getSession('s3')).to.equal(undefined);

      // seen again, re-authenticated: the record is replaced whole (signedAt not carried over)
      const touched = session('s2', { userId: 'bob', lastSeenAt: at(30), expiresAt: at(30 + 8 * 60), authenticatedAt: at(29) });
      await store.commit({ sessions: [touched], audit: [] });
      expect(await store.getSession('s2')).to.deep.equal(touched);
      expect(await store.getSession('s2')).to.not.have.property('signedAt');

      await store.commit({ deleteSessions: ['s1', 'unknown'], audit: [] });
      expect(await store.getSession('s1')).to.equal(undefined);
      expect(await store.getSession('s2')).to.deep.equal(touched);
      await store.commit({ deleteSessions: [], audit: [] });
      expect(await store.getSession('s2')).to.deep.equal(touched);
      // a deleted id can be used again
      await store.commit({ sessions: [s1], audit: [] });
      expect(await store.getSession('s1')).to.deep.equal(s1);
    });

    it("lists a person's sessions, and only theirs", async function () {
      await store.commit({ sessions: [session('b2', { userId: 'bob' }), session('a1'), session('b1', { userId: 'bob' })], audit: [] });
      expect((await store.listSessionsOfUser('bob')).map((s) => s.id)).to.deep.equal(['b1', 'b2']);
      expect(await store.listSessionsOfUser('bob')).to.deep.include(session('b1', { userId: 'bob' }));
      expect(await store.listSessionsOfUser('nobody')).to.deep.equal([]);
    });

    it('starts one session and ends another in the same change, with the user and audit events', async function () {
      const old = session('old');
      await store.commit({ users: [user('alice')], sessions: [old], audit: [] });
      const fresh = session('fresh', { createdAt: at(10), lastSeenAt: at(10), authenticatedAt: at(10), expiresAt: at(10 + 8 * 60) });
      const loggedIn = user('alice', { failedLogins: 0, passwordChangedAt: at(9) });
      await store.commit({
        users: [loggedIn],
        sessions: [fresh],
        deleteSessions: ['old'],
        audit: [event('user.login', { target: 'user:alice', instanceId: undefined })],
      });
      expect(await store.getSession('old')).to.equal(undefined);
      expect(await store.getSession('fresh')).to.deep.equal(fresh);
      expect(await store.getUser('alice')).to.deep.equal(loggedIn);
      expect((await store.listAudit({ target: 'user:alice' })).map((e) => e.action)).to.deep.equal(['user.login']);
    });

    it('applies none of the session and token changes when the change is rejected', async function () {
      const keep = session('keep');
      const tok = apiToken('tok1');
      await store.commit({ users: [user('alice'), user('bob')], sessions: [keep], apiTokens: [tok], audit: [event('setup')] });
      const before = await snapshot(store);

      // stale instance revision
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [] });
      const afterInstance = await snapshot(store);
      await rejection(
        store.commit({
          instance: { record: instance('i1', { revision: 3 }), expectedRevision: 2 },
          sessions: [session('new'), session('keep', { lastSeenAt: at(50) })],
          deleteSessions: ['keep'],
          apiTokens: [apiToken('tok2'), { ...tok, revokedAt: at(50) }],
          audit: [event('x')],
        }),
        RevisionConflict,
      );
      expect(await snapshot(store)).to.deep.equal(afterInstance);
      expect(await store.getSession('keep')).to.deep.equal(keep);
      expect(await store.getSession('new')).to.equal(undefined);
      expect(await store.getApiToken('tok1')).to.deep.equal(tok);
      expect(await store.getApiToken('tok2')).to.equal(undefined);
      expect(await store.listApiTokens('alice')).to.deep.equal([tok]);

      // an email conflict rejects it the same way
      await rejection(
        store.commit({
          users: [user('bob', { email: 'alice@example.com' })],
          sessions: [session('new')],
          deleteSessions: ['keep'],
          apiTokens: [apiToken('tok2')],
          audit: [],
        }),
        ConflictError,
      );
      expect(await store.getSession('keep')).to.deep.equal(keep);
      expect(await store.getSession('new')).to.equal(undefined);
      expect(await store.listApiTokens('alice')).to.deep.equal([tok]);
      expect(before.users).to.have.length(2);
    });
  });

  describe('API tokens', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it("upserts tokens by id, reads them back exactly, and lists a user's tokens by createdAt, then id", async function () {
      const k3 = apiToken('k3', { createdAt: at(3) });
      const k1b = apiToken('k1b', { createdAt: at(1) });
      const k1a = apiToken('k1a', { createdAt: at(1), lastUsedAt: at(2) });
      const k0 = apiToken('k0', { createdAt: at(5) });
      const bobs = apiToken('k2', { userId: 'bob', createdAt: at(2) });
      await store.commit({ apiTokens: [k3, k1b], audit: [] });
      await store.commit({ apiTokens: [bobs, k0, k1a], audit: [] });

      expect(await store.getApiToken('k1a')).to.deep.equal(k1a);
      expect(await store.getApiToken('k2')).to.deep.equal(bobs);
      expect(await store.getApiToken('k9')).to.equal(undefined);
      expect(await store.listApiTokens('alice')).to.deep.equal([k1a, k1b, k3, k0]);
      expect(await store.listApiTokens('bob')).to.deep.equal([bobs]);
      expect(await store.listApiTokens('carol')).to.deep.equal([]);
    });

    it('re-upserting a token replaces it (used, revoked) and keeps its place in the list', async function () {
      const k1 = apiToken('k1', { createdAt: at(1) });
      const k2 = apiToken('k2', { createdAt: at(2) });
      await store.commit({ apiTokens: [k1, k2], audit: [] });

      const used = { ...k1, lastUsedAt: at(10) };
      await store.commit({ apiTokens: [used], audit: [] });
      expect(await store.getApiToken('k1')).to.deep.equal(used);
      const revoked = { ...used, revokedAt: at(11) };
      await store.commit({ apiTokens: [revoked], audit: [event('api-token.revoked', { target: 'api-token:k1', instanceId: undefined })] });
      expect(await store.getApiToken('k1')).to.deep.equal(revoked);
      expect(await store.listApiTokens('alice')).to.deep.equal([revoked, k2]);
      expect(await store.listAudit({ target: 'api-token:k1' })).to.have.length(1);
    });
  });
}
