/** RecordStore contract: business-key counters (CAPA-2026-0001 ...). */
import { expect } from 'chai';
import type { Store } from '../../../engine/ports/store.js';
import { type StoreSuite } from '../support.js';

export function sequencesContract(suite: StoreSuite): void {
  describe('nextSequence', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('counts 1, 2, 3 per name, independently', async function () {
      expect(await store.nextSequence('CAPA-2026')).to.equal(1);
      expect(await store.nextSequence('CAPA-2026')).to.equal(2);
      expect(await store.nextSequence('NCR-2026')).to.equal(1);
      expect(await store.nextSequence('CAPA-2026')).to.equal(3);
      expect(await store.nextSequence('CAPA-2027')).to.equal(1);
      expect(await store.nextSequence('NCR-2026')).to.equal(2);
    });

    it('never hands out the same number twice under concurrency', async function () {
      const got = await Promise.all(Array.from({ length: 25 }, () => store.nextSequence('CAPA-2026')));
      expect([...got].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 25 }, (_, n) => n + 1));
      expect(await store.nextSequence('CAPA-2026')).to.equal(26);
    });

    it('takes back numbers nobody numbered after, and only those', async function () {
      for (let n = 1; n <= 5; n += 1) await store.nextSequence('AUD-2026');
      expect(await store.returnSequence('AUD-2026', 4, 5)).to.equal(true);
      expect(await store.nextSequence('AUD-2026')).to.equal(4);
      // 5 was taken again after 4 was: giving back 4 alone would hand out 5 twice
      await store.nextSequence('AUD-2026');
      expect(await store.returnSequence('AUD-2026', 4, 4)).to.equal(false);
      expect(await store.returnSequence('AUD-2026', 1, 0)).to.equal(false);
      expect(await store.returnSequence('NCR-2026', 1, 1)).to.equal(false);
      expect(await store.nextSequence('AUD-2026')).to.equal(6);
      expect(await store.nextSequence('NCR-2026')).to.equal(1);
    });
  });
}
