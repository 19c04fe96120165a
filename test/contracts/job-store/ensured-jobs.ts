/** JobStore contract: a job ensured by id is inserted once and never touched again (recurring jobs several processes arm). */
import { expect } from 'chai';
import type { Store } from '../../../engine/ports/store.js';
import { at, job, type StoreSuite } from '../support.js';

export function ensuredJobsContract(suite: StoreSuite): void {
  describe('ensured jobs', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('ensures a job without touching one that exists (scheduled, running or done)', async function () {
      await store.commit({ ensureJobs: [job('digest-w1', { kind: 'digest', runAt: at(10), payload: { week: 'w1' } })], audit: [] });
      expect((await store.getJob('digest-w1'))?.status).to.equal('scheduled');
      const [claimed] = await store.claimDueJobs(at(10), 'w', at(20), 10);
      expect(claimed.id).to.equal('digest-w1');
      await store.commit({ finishJob: { id: 'digest-w1', lockedBy: 'w' }, audit: [] });
      await store.commit({ ensureJobs: [job('digest-w1', { kind: 'digest', runAt: at(30), payload: { week: 'w1' } })], audit: [] });
      const kept = await store.getJob('digest-w1');
      expect(kept).to.include({ status: 'done', runAt: at(10) });
      expect(await store.claimDueJobs(at(40), 'w2', at(50), 10)).to.deep.equal([]);
    });
  });
}
