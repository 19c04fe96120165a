/** StoreOperations contract: a fresh store starts empty, and running init again keeps everything it holds. */
import { expect } from 'chai';
import { verifyAuditChain } from '../../../engine/kernel/audit-chain.js';
import { ConflictError } from '../../../engine/kernel/errors.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, definition, instance, job, user, message, token, session, apiToken, schedule, event, rejection, ids, snapshot, type StoreSuite } from '../support.js';

export function initContract(suite: StoreSuite): void {
  describe('init', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('is idempotent: running it again keeps every record and sequence', async function () {
      await store.init();
      await store.commit({
        definition: definition('capa', 1),
        instance: { record: instance('i1'), expectedRevision: null },
        scheduleJobs: [job('j1')],
        users: [user('alice')],
        messages: [message('m1')],
        linkTokens: [token('k1')],
        schedules: [{ record: schedule('s1'), expectedRevision: null }],
        sessions: [session('sess1')],
        apiTokens: [apiToken('tok1')],
        audit: [event('a')],
      });
      await store.markJobsQueued(['j1'], at(1));
      expect(await store.nextSequence('CAPA-2026')).to.equal(1);
      const before = await snapshot(store);
      await store.init();
      await store.init();
      expect(await snapshot(store)).to.deep.equal(before);
      expect(before.users).to.have.length(1);
      expect(before.messages).to.have.length(1);
      expect(before.schedules).to.have.length(1);
      expect(await store.listLinkTokens('t1')).to.deep.equal([token('k1')]);
      expect(await store.getSession('sess1')).to.deep.equal(session('sess1'));
      expect(await store.listApiTokens('alice')).to.deep.equal([apiToken('tok1')]);
      expect(await store.getUserByEmail('ALICE@example.com')).to.deep.equal(user('alice'));
      expect(await store.getJob('j1')).to.deep.equal({ ...job('j1'), queuedAt: at(1) });
      expect(await store.listUnqueuedJobs(10)).to.deep.equal([]);
      expect(ids(await store.listUsers({ role: 'qa' }))).to.deep.equal(['alice']);
      // the unique email still holds after init ran again
      await rejection(store.commit({ users: [user('bob', { email: 'alice@example.com' })], audit: [] }), ConflictError);
      expect(before.definitions).to.have.length(1);
      expect(before.instances).to.have.length(1);
      expect(before.audit).to.have.length(1);
      expect(await store.nextSequence('CAPA-2026')).to.equal(2);
      await store.commit({ audit: [event('b')] });
      const audit = await store.listAudit({});
      expect(audit.map((e) => e.seq)).to.deep.equal([1, 2]);
      expect(verifyAuditChain(audit).ok).to.equal(true);
    });

    it('starts empty', async function () {
      expect(await snapshot(store)).to.deep.equal({ definitions: [], instances: [], tasks: [], jobs: [], incidents: [], users: [], messages: [], schedules: [], audit: [] });
      expect(await store.getDefinition('capa')).to.equal(undefined);
      expect(await store.listLinkTokens('t1')).to.deep.equal([]);
      expect(await store.listUnqueuedJobs(10)).to.deep.equal([]);
      expect(await store.getSession('sess1')).to.equal(undefined);
      expect(await store.getApiToken('tok1')).to.equal(undefined);
      expect(await store.listApiTokens('alice')).to.deep.equal([]);
      expect(await store.getUserByEmail('alice@example.com')).to.equal(undefined);
    });
  });
}
