/** SiteStore contract: sites by key, changed by compare-and-swap, listed by key, kept when inactive. */
import { expect } from 'chai';
import { ConflictError, RevisionConflict } from '../../../engine/kernel/errors.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, rejection, type StoreSuite } from '../support.js';

export function sitesContract(suite: StoreSuite): void {
  describe('sites', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('keeps sites by key with compare-and-swap, inactive ones included, listed by key', async function () {
      const dublin = { key: 'dublin', name: 'Dublin plant', locale: 'en-IE', timeZone: 'Europe/Dublin', active: true, createdAt: at(0), createdBy: 'configuration', revision: 0 };
      const basel = { ...dublin, key: 'basel', name: 'Basel plant', locale: 'de-CH', timeZone: 'Europe/Zurich' };
      expect(await store.getSite('dublin')).to.equal(undefined);
      await store.commit({ sites: [{ record: dublin, expectedRevision: null }, { record: basel, expectedRevision: null }], audit: [] });
      await rejection(store.commit({ sites: [{ record: dublin, expectedRevision: null }], audit: [] }), ConflictError);
      const renamed = { ...dublin, name: 'Dublin filling plant', active: false, updatedAt: at(1), revision: 1 };
      await store.commit({ sites: [{ record: renamed, expectedRevision: 0 }], audit: [] });
      await rejection(store.commit({ sites: [{ record: { ...dublin, name: 'Lost update', revision: 1 }, expectedRevision: 0 }], audit: [] }), RevisionConflict);
      expect(await store.getSite('dublin')).to.deep.equal(renamed);
      expect((await store.listSites()).map((s) => [s.key, s.name, s.active])).to.deep.equal([
        ['basel', 'Basel plant', true],
        ['dublin', 'Dublin filling plant', false],
      ]);
    });
  });
}
