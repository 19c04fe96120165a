/** FigureStore contract: the facts a commit carries land with it, replace the record's facts, or not at all. */
import { expect } from 'chai';
import { RevisionConflict } from '../../../engine/kernel/errors.js';
import { instance, rejection } from '../support.js';
import { fact, recordFacts, type FigureSuite } from './support.js';

export function factsOnCommitContract(suite: FigureSuite): void {
  describe('facts saved with their record', function () {
    const ids = async () => (await suite.store.listFacts({ figure: 'widgets' })).map((f) => `${f.instanceId}/${f.seq}:${f.dims.colour}`);

    it('saves the facts of a commit with the record, in the order given', async function () {
      await suite.store.commit({ instance: { record: instance('r1'), expectedRevision: null }, figureFacts: [recordFacts('r1', { facts: [fact({ colour: 'red' }), fact({ colour: 'blue' })] })], audit: [] });
      expect(await ids()).to.deep.equal(['r1/0:red', 'r1/1:blue']);
    });

    it('replaces a record’s facts whole when a later commit saves it again, and drops them when it has none', async function () {
      const store = suite.store;
      await store.commit({ instance: { record: instance('r1'), expectedRevision: null }, figureFacts: [recordFacts('r1', { facts: [fact({ colour: 'red' }), fact({ colour: 'blue' })] })], audit: [] });
      await store.commit({ instance: { record: instance('r1', { revision: 2 }), expectedRevision: 1 }, figureFacts: [recordFacts('r1', { facts: [fact({ colour: 'green' })] })], audit: [] });
      expect(await ids()).to.deep.equal(['r1/0:green']);
      await store.commit({ instance: { record: instance('r1', { revision: 3 }), expectedRevision: 2 }, figureFacts: [recordFacts('r1')], audit: [] });
      expect(await ids()).to.deep.equal([]);
    });

    it('writes no fact when the commit fails', async function () {
      const store = suite.store;
      await store.commit({ instance: { record: instance('r1'), expectedRevision: null }, figureFacts: [recordFacts('r1', { facts: [fact({ colour: 'red' })] })], audit: [] });
      await rejection(store.commit({ instance: { record: instance('r1', { revision: 2 }), expectedRevision: 5 }, figureFacts: [recordFacts('r1', { facts: [fact({ colour: 'grey' })] })], audit: [] }), RevisionConflict);
      expect(await ids()).to.deep.equal(['r1/0:red']);
    });

    it('keeps the record fields facts are scoped and ranged by', async function () {
      await suite.store.commit({
        linkedInstances: [instance('r2')],
        figureFacts: [recordFacts('r2', { site: 'A', status: 'completed', startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-02-01T00:00:00.000Z', facts: [fact({ colour: 'red' }, { size: 3 })] })],
        audit: [],
      });
      const [row] = await suite.store.listFacts({ figure: 'widgets' });
      expect(row).to.deep.equal({
        instanceId: 'r2',
        businessKey: 'BK-r2',
        process: 'widgets',
        site: 'A',
        status: 'completed',
        startedAt: '2026-01-01T00:00:00.000Z',
        endedAt: '2026-02-01T00:00:00.000Z',
        seq: 0,
        dims: { colour: 'red' },
        values: { size: 3 },
      });
    });
  });
}
