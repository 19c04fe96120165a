/** FigureStore contract: facts counted per dimension values, in scope and in range. */
import { expect } from 'chai';
import { day, fact, recordFacts, type FigureSuite } from './support.js';

export function groupingContract(suite: FigureSuite): void {
  describe('facts grouped and counted', function () {
    beforeEach(async function () {
      await suite.store.rebuildFacts([
        recordFacts('a', { site: 'A', startedAt: day(-30), facts: [fact({ shape: 'round', colour: 'red', name: 'Apple' }), fact({ shape: 'round', colour: 'red', name: 'Cherry' }), fact({ shape: 'square', colour: 'blue', name: 'Box' })] }),
        recordFacts('b', { site: 'B', startedAt: day(-5), facts: [fact({ shape: 'round', colour: 'red', name: 'Ball' })] }),
        recordFacts('c', { startedAt: day(-1), facts: [fact({ shape: 'round', colour: 'green', name: 'Pea' })] }),
        recordFacts('d', { process: 'gadgets', site: 'A', startedAt: day(-1), facts: [fact({ shape: 'round', colour: 'red', name: 'Gear' })] }),
        recordFacts('e', { startedAt: day(-1), facts: [fact({ shape: 'round', colour: 'red' }, {}, 'other')] }),
      ]);
    });

    it('counts per combination of dimensions, ordered by their values, with the greatest label of each group', async function () {
      expect(await suite.store.groupFacts({ figure: 'widgets', by: ['shape', 'colour'], labels: ['name'] })).to.deep.equal([
        { dims: { shape: 'round', colour: 'green' }, labels: { name: 'Pea' }, count: 1 },
        { dims: { shape: 'round', colour: 'red' }, labels: { name: 'Gear' }, count: 4 },
        { dims: { shape: 'square', colour: 'blue' }, labels: { name: 'Box' }, count: 1 },
      ]);
      expect(await suite.store.groupFacts({ figure: 'widgets', by: ['colour'] })).to.deep.equal([
        { dims: { colour: 'blue' }, labels: {}, count: 1 },
        { dims: { colour: 'green' }, labels: {}, count: 1 },
        { dims: { colour: 'red' }, labels: {}, count: 4 },
      ]);
    });

    it('counts only the processes and sites in scope (site-less records when asked)', async function () {
      const colours = async (scope: object) => (await suite.store.groupFacts({ figure: 'widgets', by: ['colour'], ...scope })).map((g) => `${g.dims.colour}:${g.count}`);
      expect(await colours({ processes: ['widgets'] })).to.deep.equal(['blue:1', 'green:1', 'red:3']);
      expect(await colours({ sites: { in: ['A'], orNone: false } })).to.deep.equal(['blue:1', 'red:3']);
      expect(await colours({ sites: { in: ['B'], orNone: true } })).to.deep.equal(['green:1', 'red:1']);
      expect(await colours({ processes: ['nothing'] })).to.deep.equal([]);
    });

    it('counts only records started in the range, with the dimension values asked for', async function () {
      const colours = async (query: object) => (await suite.store.groupFacts({ figure: 'widgets', by: ['colour'], ...query })).map((g) => `${g.dims.colour}:${g.count}`);
      expect(await colours({ startedFrom: day(-10), startedBefore: day(0) })).to.deep.equal(['green:1', 'red:2']);
      expect(await colours({ startedBefore: day(-5) })).to.deep.equal(['blue:1', 'red:2']);
      expect(await colours({ dims: { shape: 'round' } })).to.deep.equal(['green:1', 'red:4']);
    });

    it('refuses a dimension name that is not a plain word', async function () {
      let error: unknown;
      await suite.store.groupFacts({ figure: 'widgets', by: ["colour') --"] }).catch((err: unknown) => (error = err));
      expect(error).to.be.instanceOf(Error);
    });
  });
}
