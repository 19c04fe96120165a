/** AccountStore contract: the signed links in e-mails that open a task. */
import { expect } from 'chai';
import type { LinkTokenRecord } from '../../../engine/kernel/model.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, token, type StoreSuite } from '../support.js';

export function linkTokensContract(suite: StoreSuite): void {
  describe('link tokens', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it("upserts tokens by id and lists a task's tokens oldest first", async function () {
      const k3 = token('k3', { createdAt: at(2) });
      const k1 = token('k1', { createdAt: at(1), userId: 'bob' });
      const k2 = token('k2', { createdAt: at(2) });
      const k4 = token('k4', { taskId: 't2' });
      await store.commit({ linkTokens: [k3, k4], audit: [] });
      await store.commit({ linkTokens: [k2, k1], audit: [] });

      expect(await store.getLinkToken('k1')).to.deep.equal(k1);
      expect(await store.getLinkToken('k4')).to.deep.equal(k4);
      expect(await store.getLinkToken('k9')).to.equal(undefined);
      expect(await store.listLinkTokens('t1')).to.deep.equal([k1, k2, k3]);
      expect(await store.listLinkTokens('t2')).to.deep.equal([k4]);
      expect(await store.listLinkTokens('t9')).to.deep.equal([]);

      const used = { ...k2, usedAt: at(5) };
      await store.commit({ linkTokens: [used], audit: [] });
      expect(await store.getLinkToken('k2')).to.deep.equal(used);
      expect(await store.listLinkTokens('t1')).to.deep.equal([k1, used, k3]);
    });

    it('revokeLinkTokens revokes the still-valid tokens of that task only, leaving used and revoked ones alone', async function () {
      const valid1 = token('k-valid1', { createdAt: at(1) });
      const valid2 = token('k-valid2', { createdAt: at(2), userId: 'bob' });
      const used = token('k-used', { createdAt: at(3), usedAt: at(4) });
      const revoked = token('k-revoked', { createdAt: at(4), revokedAt: at(5), revokedReason: 'reassigned' });
      const other = token('k-other', { taskId: 't2', createdAt: at(1) });
      await store.commit({ linkTokens: [valid1, valid2, used, revoked, other], audit: [] });

      await store.commit({
        revokeLinkTokens: [
          { taskId: 't1', reason: 'task completed', at: at(10) },
          { taskId: 't9', reason: 'no such task', at: at(10) },
        ],
        audit: [],
      });
      const revokedNow = (t: LinkTokenRecord) => ({ ...t, revokedAt: at(10), revokedReason: 'task completed' });
      expect(await store.listLinkTokens('t1')).to.deep.equal([revokedNow(valid1), revokedNow(valid2), used, revoked]);
      expect(await store.getLinkToken('k-used')).to.deep.equal(used);
      expect(await store.getLinkToken('k-revoked')).to.deep.equal(revoked);
      expect(await store.listLinkTokens('t2')).to.deep.equal([other]);
      expect(await store.listLinkTokens('t9')).to.deep.equal([]);

      // a second revocation finds nothing left to revoke: the first reason and time stay
      await store.commit({ revokeLinkTokens: [{ taskId: 't1', reason: 'cancelled', at: at(20) }], audit: [] });
      expect(await store.listLinkTokens('t1')).to.deep.equal([revokedNow(valid1), revokedNow(valid2), used, revoked]);
    });

    it('tokens issued in the same change as a revocation of their task stay valid', async function () {
      const old = token('k-old', { createdAt: at(1), userId: 'alice' });
      await store.commit({ linkTokens: [old], audit: [] });
      // a reassignment: the old assignee's links are revoked, the new assignee's are issued
      const fresh = token('k-new', { createdAt: at(5), userId: 'bob' });
      await store.commit({ revokeLinkTokens: [{ taskId: 't1', reason: 'reassigned', at: at(5) }], linkTokens: [fresh], audit: [] });
      expect(await store.listLinkTokens('t1')).to.deep.equal([{ ...old, revokedAt: at(5), revokedReason: 'reassigned' }, fresh]);
    });

    it("lists a person's still-valid tokens of every task, oldest first: what deactivation revokes", async function () {
      const first = token('k-p1', { createdAt: at(1), userId: 'dora' });
      const second = token('k-p2', { taskId: 't2', createdAt: at(2), userId: 'dora' });
      const used = token('k-p3', { createdAt: at(3), userId: 'dora', usedAt: at(4) });
      const revoked = token('k-p4', { taskId: 't3', createdAt: at(4), userId: 'dora', revokedAt: at(5), revokedReason: 'reassigned' });
      const others = token('k-p5', { createdAt: at(1), userId: 'bob' });
      await store.commit({ linkTokens: [second, used, revoked, others, first], audit: [] });
      expect(await store.listOpenLinkTokensOfUser('dora')).to.deep.equal([first, second]);
      expect(await store.listOpenLinkTokensOfUser('nobody')).to.deep.equal([]);
    });
  });
}
