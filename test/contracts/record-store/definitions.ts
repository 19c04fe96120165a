/** RecordStore contract: deployed process definitions: versions, lookups, the latest per key. */
import { expect } from 'chai';
import { RevisionConflict } from '../../../engine/kernel/errors.js';
import type { Store } from '../../../engine/ports/store.js';
import { definition, instance, task, job, incident, event, rejection, snapshot, type StoreSuite } from '../support.js';

export function definitionsContract(suite: StoreSuite): void {
  describe('definitions', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('returns the latest version, a given version, and undefined for unknown ones', async function () {
      const v1 = definition('capa', 1);
      const v2 = definition('capa', 2);
      delete v2.businessKeyPrefix;
      const ncr = definition('ncr', 1);
      await store.commit({ definition: v1, audit: [] });
      await store.commit({ definition: ncr, audit: [] });
      await store.commit({ definition: v2, audit: [] });

      expect(await store.getDefinition('capa')).to.deep.equal(v2);
      expect(await store.getDefinition('capa', 1)).to.deep.equal(v1);
      expect(await store.getDefinition('capa', 2)).to.deep.equal(v2);
      expect(await store.getDefinition('ncr')).to.deep.equal(ncr);
      expect(await store.getDefinition('capa', 3)).to.equal(undefined);
      expect(await store.getDefinition('audit')).to.equal(undefined);
      expect(await store.getDefinition('ncr', 2)).to.equal(undefined);
    });

    it('latest means the highest version number, not the last inserted', async function () {
      await store.commit({ definition: definition('capa', 10), audit: [] });
      await store.commit({ definition: definition('capa', 9), audit: [] });
      await store.commit({ definition: definition('capa', 2), audit: [] });
      expect(await store.getDefinition('capa')).to.deep.equal(definition('capa', 10));
    });

    it('finds a definition by hash within its key, the latest version when a hash repeats', async function () {
      const v1 = definition('capa', 1, { hash: 'a'.repeat(64) });
      const v2 = definition('capa', 2, { hash: 'b'.repeat(64) });
      const v3 = definition('capa', 3, { hash: 'a'.repeat(64) });
      const other = definition('ncr', 1, { hash: 'c'.repeat(64) });
      for (const d of [v1, v2, v3, other]) await store.commit({ definition: d, audit: [] });

      expect(await store.findDefinitionByHash('capa', 'b'.repeat(64))).to.deep.equal(v2);
      expect(await store.findDefinitionByHash('capa', 'a'.repeat(64))).to.deep.equal(v3);
      expect(await store.findDefinitionByHash('ncr', 'a'.repeat(64))).to.equal(undefined);
      expect(await store.findDefinitionByHash('capa', 'c'.repeat(64))).to.equal(undefined);
      expect(await store.findDefinitionByHash('ncr', 'c'.repeat(64))).to.deep.equal(other);
    });

    it('lists every version ordered by key, then version', async function () {
      const all = [definition('ncr', 2), definition('capa', 2), definition('audit', 1), definition('ncr', 1), definition('capa', 1)];
      for (const d of all) await store.commit({ definition: d, audit: [] });
      expect(await store.listDefinitions()).to.deep.equal([
        definition('audit', 1),
        definition('capa', 1),
        definition('capa', 2),
        definition('ncr', 1),
        definition('ncr', 2),
      ]);
    });

    it('rejects the same (key, version) twice with RevisionConflict and applies nothing of that change', async function () {
      const original = definition('capa', 1);
      await store.commit({ definition: original, audit: [event('definition.deployed', { target: 'definition:capa@1' })] });
      const before = await snapshot(store);

      await rejection(
        store.commit({
          definition: definition('capa', 1, { hash: 'f'.repeat(64), xml: '<other/>', deployedBy: 'bob' }),
          instance: { record: instance('i1'), expectedRevision: null },
          tasks: [{ record: task('t1'), expectedRevision: null }],
          scheduleJobs: [job('j1')],
          incidents: [incident('x1')],
          audit: [event('definition.deployed', { target: 'definition:capa@1', actor: 'bob' })],
        }),
        RevisionConflict,
      );

      expect(await snapshot(store)).to.deep.equal(before);
      expect(await store.getDefinition('capa', 1)).to.deep.equal(original);
      expect(await store.getInstance('i1')).to.equal(undefined);
      // the same version number under another key is a different definition
      await store.commit({ definition: definition('ncr', 1), audit: [] });
      expect(await store.getDefinition('ncr', 1)).to.deep.equal(definition('ncr', 1));
    });
  });
}
