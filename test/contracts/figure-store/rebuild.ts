/** FigureStore contract: the projection version the facts were built with, and rebuilding them at start. */
import { expect } from 'chai';
import { instance } from '../support.js';
import { fact, recordFacts, type FigureSuite } from './support.js';

export function rebuildContract(suite: FigureSuite): void {
  describe('facts rebuilt', function () {
    it('has no projection version before the first build, then the one recorded', async function () {
      expect(await suite.store.figureVersion()).to.equal(undefined);
      await suite.store.rebuildFacts([], { version: 'v1' });
      expect(await suite.store.figureVersion()).to.equal('v1');
      await suite.store.rebuildFacts([], { version: 'v2' });
      expect(await suite.store.figureVersion()).to.equal('v2');
    });

    it('clears every fact before a rebuild’s first batch when asked', async function () {
      await suite.store.rebuildFacts([recordFacts('a', { facts: [fact({ colour: 'red' })] }), recordFacts('b', { facts: [fact({ colour: 'blue' })] })]);
      await suite.store.rebuildFacts([recordFacts('c', { facts: [fact({ colour: 'green' })] })], { clear: true });
      await suite.store.rebuildFacts([recordFacts('c', { facts: [fact({ colour: 'pink' })] })], { version: 'v1' });
      expect((await suite.store.listFacts({ figure: 'widgets' })).map((f) => `${f.instanceId}:${f.dims.colour}`)).to.deep.equal(['c:pink']);
    });

    it('forgets the version when records are restored from a backup, so their facts are rebuilt at the next start', async function () {
      await suite.store.rebuildFacts([], { version: 'v1' });
      await suite.store.importRecords('instances', [instance('restored')]);
      expect(await suite.store.figureVersion()).to.equal(undefined);
    });
  });
}
