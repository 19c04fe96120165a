/** AccountStore contract: user accounts: unique e-mail, roles, sites. */
import { expect } from 'chai';
import { ConflictError, RevisionConflict } from '../../../engine/kernel/errors.js';
import type { UserRecord } from '../../../engine/kernel/model.js';
import type { ChangeSet } from '../../../engine/ports/commit-store.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, instance, task, job, incident, user, message, token, schedule, event, rejection, ids, snapshot, type StoreSuite } from '../support.js';

export function usersContract(suite: StoreSuite): void {
  describe('users', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('upserts users by id and lists them by role and active, ordered by id', async function () {
      const carol = user('carol', { roles: ['qa', 'ops'], managerId: 'dave' });
      const alice = user('alice', { roles: ['qa'] });
      const bob = user('bob', { roles: ['ops'], active: false, createdAt: at(5) });
      const dave = user('dave', { roles: [], name: 'Dave Müller-Øster' });
      await store.commit({ users: [carol, alice], audit: [] });
      await store.commit({ users: [dave, bob], audit: [] });

      expect(await store.getUser('carol')).to.deep.equal(carol);
      expect(await store.getUser('bob')).to.deep.equal(bob);
      expect(await store.getUser('dave')).to.deep.equal(dave);
      expect(await store.getUser('erin')).to.equal(undefined);
      expect(await store.listUsers({})).to.deep.equal([alice, bob, carol, dave]);
      expect(await store.listUsers({ role: 'qa' })).to.deep.equal([alice, carol]);
      expect(ids(await store.listUsers({ role: 'ops' }))).to.deep.equal(['bob', 'carol']);
      expect(await store.listUsers({ role: 'manager' })).to.deep.equal([]);
      expect(ids(await store.listUsers({ active: true }))).to.deep.equal(['alice', 'carol', 'dave']);
      expect(await store.listUsers({ active: false })).to.deep.equal([bob]);
      expect(ids(await store.listUsers({ role: 'ops', active: true }))).to.deep.equal(['carol']);
      expect(ids(await store.listUsers({ role: 'ops', active: false }))).to.deep.equal(['bob']);
      expect(ids(await store.listUsers({ role: 'qa', active: false }))).to.deep.equal([]);
    });

    it('re-upserting a user replaces the record: roles, active flag and email follow', async function () {
      const alice = user('alice', { roles: ['qa', 'ops'] });
      await store.commit({ users: [alice, user('bob', { roles: ['ops'] })], audit: [] });

      const changed = user('alice', { roles: ['manager', 'manager'], active: false, email: 'alice.new@example.com', managerId: 'bob' });
      await store.commit({ users: [changed], audit: [] });
      expect(await store.getUser('alice')).to.deep.equal(changed);
      expect(await store.listUsers({ role: 'qa' })).to.deep.equal([]);
      expect(ids(await store.listUsers({ role: 'ops' }))).to.deep.equal(['bob']);
      // a role given twice lists the user once
      expect(await store.listUsers({ role: 'manager' })).to.deep.equal([changed]);
      expect(await store.listUsers({ active: false })).to.deep.equal([changed]);
      expect(ids(await store.listUsers({ active: true }))).to.deep.equal(['bob']);

      // upserting with its own email is no conflict, and the old address is free for someone else
      await store.commit({ users: [{ ...changed, name: 'Alice A.' }], audit: [] });
      const carol = user('carol', { email: 'alice@example.com' });
      await store.commit({ users: [carol], audit: [] });
      expect(await store.getUser('carol')).to.deep.equal(carol);
      expect((await store.getUser('alice'))?.name).to.equal('Alice A.');

      // back to active with the old role
      const back = { ...changed, name: 'Alice A.', roles: ['qa'], active: true };
      await store.commit({ users: [back], audit: [] });
      expect(await store.listUsers({ role: 'qa', active: true })).to.deep.equal([back, carol]);
      expect(await store.listUsers({ role: 'manager' })).to.deep.equal([]);
    });

    it('rejects an email that belongs to another user with ConflictError and applies nothing of that change', async function () {
      const alice = user('alice', { roles: ['qa'] });
      const bob = user('bob', { roles: ['ops'] });
      await store.commit({
        users: [alice, bob],
        messages: [message('m1')],
        linkTokens: [token('k1')],
        schedules: [{ record: schedule('s1'), expectedRevision: null }],
        audit: [event('users.imported')],
      });
      const before = await snapshot(store);

      const change: ChangeSet = {
        instance: { record: instance('i1'), expectedRevision: null },
        tasks: [{ record: task('t1'), expectedRevision: null }],
        scheduleJobs: [job('j1')],
        incidents: [incident('x1')],
        users: [
          user('carol', { roles: ['manager'] }),
          { ...alice, roles: ['manager'], name: 'renamed' },
          // bob takes alice's address
          { ...bob, email: 'alice@example.com' },
        ],
        messages: [message('m2'), message('m1', { status: 'sent', sentAt: at(1), attempts: 1 })],
        revokeLinkTokens: [{ taskId: 't1', reason: 'completed', at: at(1) }],
        linkTokens: [token('k2')],
        schedules: [{ record: schedule('s2'), expectedRevision: null }],
        deleteSchedules: ['s1'],
        audit: [event('user.updated', { target: 'user:bob' })],
      };
      const error = await rejection(store.commit(change), ConflictError);
      expect(error).to.not.be.instanceOf(RevisionConflict);
      expect(await snapshot(store)).to.deep.equal(before);
      expect(await store.getUser('carol')).to.equal(undefined);
      expect(await store.getUser('alice')).to.deep.equal(alice);
      expect(await store.getUser('bob')).to.deep.equal(bob);
      expect(await store.listUsers({ role: 'manager' })).to.deep.equal([]);
      expect(await store.listLinkTokens('t1')).to.deep.equal([token('k1')]);
      expect(await store.getInstance('i1')).to.equal(undefined);

      // a new user with a taken email, alone, is refused the same way
      await rejection(store.commit({ users: [user('carol', { email: 'bob@example.com' })], audit: [] }), ConflictError);
      expect(await store.getUser('carol')).to.equal(undefined);
      // two users of one change may not share an address either
      await rejection(store.commit({ users: [user('dan', { email: 'x@example.com' }), user('erin', { email: 'x@example.com' })], audit: [] }), ConflictError);
      expect(await snapshot(store)).to.deep.equal(before);
    });

    it('getUserByEmail finds the user whatever the case of the address asked for, and follows email changes', async function () {
      const alice = user('alice', { email: 'alice.smith@example.com' });
      const bob = user('bob');
      await store.commit({ users: [alice, bob], audit: [] });
      expect(await store.getUserByEmail('alice.smith@example.com')).to.deep.equal(alice);
      expect(await store.getUserByEmail('Alice.Smith@Example.COM')).to.deep.equal(alice);
      expect(await store.getUserByEmail('BOB@EXAMPLE.COM')).to.deep.equal(bob);
      expect(await store.getUserByEmail('alice@example.com')).to.equal(undefined);
      expect(await store.getUserByEmail('alice.smith@example.co')).to.equal(undefined);
      expect(await store.getUserByEmail('')).to.equal(undefined);

      const renamed = { ...alice, email: 'a.smith@example.com' };
      await store.commit({ users: [renamed], audit: [] });
      expect(await store.getUserByEmail('ALICE.SMITH@example.com')).to.equal(undefined);
      expect(await store.getUserByEmail('A.Smith@example.com')).to.deep.equal(renamed);
    });

    it('keeps password and lockout fields whole; a re-upsert without them drops them', async function () {
      const locked = user('alice', {
        sites: ['plant-1', 'plant-2'],
        passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
        passwordChangedAt: at(1),
        failedLogins: 5,
        lockedUntil: at(20),
      });
      await store.commit({ users: [locked], audit: [] });
      expect(await store.getUser('alice')).to.deep.equal(locked);
      expect(await store.getUserByEmail('ALICE@example.com')).to.deep.equal(locked);

      // a successful login resets the counter and lifts the lock
      const { lockedUntil: _lockedUntil, ...rest } = locked;
      const unlocked: UserRecord = { ...rest, failedLogins: 0 };
      await store.commit({ users: [unlocked], audit: [] });
      expect(await store.getUser('alice')).to.deep.equal(unlocked);
      expect(await store.getUser('alice')).to.not.have.property('lockedUntil');
      expect(await store.listUsers({ role: 'qa' })).to.deep.equal([unlocked]);
    });
  });
}
