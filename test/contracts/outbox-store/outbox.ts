/** OutboxStore contract: the e-mail outbox (messages kept in the store until sent). */
import { expect } from 'chai';
import type { Store } from '../../../engine/ports/store.js';
import { at, message, ids, type StoreSuite } from '../support.js';

export function outboxContract(suite: StoreSuite): void {
  describe('messages', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('upserts messages by id and lists them by status and task, oldest first, with a limit', async function () {
      const m1 = message('m1', { createdAt: at(3) });
      const m2 = message('m2', { createdAt: at(1), taskId: 't2', to: 'bob@example.com', userId: 'bob' });
      const m3 = message('m3', { createdAt: at(2), status: 'held', kind: 'escalation' });
      delete m3.taskId;
      delete m3.instanceId;
      delete m3.userId;
      delete m3.link;
      const m0 = message('m0', { createdAt: at(2), status: 'sent', sentAt: at(2.5), attempts: 1 });
      await store.commit({ messages: [m1, m3], audit: [] });
      await store.commit({ messages: [m2, m0], audit: [] });

      expect(await store.getMessage('m1')).to.deep.equal(m1);
      expect(await store.getMessage('m3')).to.deep.equal(m3);
      expect(await store.getMessage('m9')).to.equal(undefined);
      // ties on createdAt (m0, m3) by id
      expect(await store.listMessages({})).to.deep.equal([m2, m0, m3, m1]);
      expect(ids(await store.listMessages({ status: 'queued' }))).to.deep.equal(['m2', 'm1']);
      expect(await store.listMessages({ status: 'held' })).to.deep.equal([m3]);
      expect(await store.listMessages({ status: 'failed' })).to.deep.equal([]);
      expect(ids(await store.listMessages({ taskId: 't1' }))).to.deep.equal(['m0', 'm1']);
      expect(ids(await store.listMessages({ taskId: 't2' }))).to.deep.equal(['m2']);
      expect(await store.listMessages({ taskId: 't9' })).to.deep.equal([]);
      expect(ids(await store.listMessages({ status: 'queued', taskId: 't1' }))).to.deep.equal(['m1']);
      // one person's (the daily digest's waiting notices): m3 has no person
      expect(ids(await store.listMessages({ userId: 'alice' }))).to.deep.equal(['m0', 'm1']);
      expect(ids(await store.listMessages({ status: 'queued', userId: 'bob' }))).to.deep.equal(['m2']);
      expect(await store.listMessages({ status: 'held', userId: 'alice' })).to.deep.equal([]);
      expect(ids(await store.listMessages({ limit: 2 }))).to.deep.equal(['m2', 'm0']);
      expect(ids(await store.listMessages({ status: 'queued', limit: 1 }))).to.deep.equal(['m2']);
      expect(await store.listMessages({ limit: 0 })).to.deep.equal([]);

      // status changes: the filters follow, the order stays
      const sent = { ...m1, status: 'sent' as const, attempts: 1, sentAt: at(4) };
      const failed = { ...m2, status: 'failed' as const, attempts: 1, lastError: '421 try again later' };
      await store.commit({ messages: [sent, failed], audit: [] });
      expect(await store.getMessage('m1')).to.deep.equal(sent);
      expect(await store.getMessage('m2')).to.deep.equal(failed);
      expect(await store.listMessages({})).to.deep.equal([failed, m0, m3, sent]);
      expect(await store.listMessages({ status: 'queued' })).to.deep.equal([]);
      expect(await store.listMessages({ status: 'sent' })).to.deep.equal([m0, sent]);
      expect(await store.listMessages({ status: 'failed', taskId: 't2' })).to.deep.equal([failed]);
      const retried = { ...failed, status: 'queued' as const };
      await store.commit({ messages: [retried], audit: [] });
      expect(await store.listMessages({ status: 'queued' })).to.deep.equal([retried]);
      expect(await store.listMessages({ status: 'failed' })).to.deep.equal([]);
    });
  });
}
