/** FigureStore contract: the facts behind a figure listed, by start or by end, with the records' late tasks. */
import { expect } from 'chai';
import { instance, task } from '../support.js';
import { day, fact, recordFacts, type FigureSuite } from './support.js';

export function listingContract(suite: FigureSuite): void {
  describe('facts listed', function () {
    beforeEach(async function () {
      await suite.store.rebuildFacts([
        recordFacts('late', { status: 'completed', startedAt: day(-20), endedAt: day(-2), facts: [fact({ n: '1' }), fact({ n: '2' })] }),
        recordFacts('early', { status: 'completed', startedAt: day(-30), endedAt: day(-1), facts: [fact({ n: '1' })] }),
        recordFacts('open', { startedAt: day(-10), facts: [fact({ n: '1' })] }),
      ]);
    });

    it('lists by record start, record, then position; or by record end', async function () {
      const ids = async (query: object) => (await suite.store.listFacts({ figure: 'widgets', ...query })).map((f) => `${f.instanceId}/${f.seq}`);
      expect(await ids({})).to.deep.equal(['early/0', 'late/0', 'late/1', 'open/0']);
      expect(await ids({ order: 'ended', endedFrom: day(-5), endedBefore: day(0) })).to.deep.equal(['late/0', 'late/1', 'early/0']);
      expect(await ids({ limit: 2 })).to.deep.equal(['early/0', 'late/0']);
      expect(await ids({ dims: { n: '2' } })).to.deep.equal(['late/1']);
    });

    it('counts each record’s tasks completed after their due date when asked', async function () {
      const t = (id: string, instanceId: string, completedAt: string) => task(id, { instanceId, dueAt: day(-5), status: 'completed', completedAt, completedBy: 'x' });
      await suite.store.commit({
        linkedInstances: [instance('late'), instance('early')],
        tasks: [t('t1', 'late', day(-3)), t('t2', 'late', day(-4)), t('t3', 'early', day(-6))].map((record) => ({ record, expectedRevision: null })),
        audit: [],
      });
      const rows = await suite.store.listFacts({ figure: 'widgets', order: 'ended', endedFrom: day(-5), lateTasks: true });
      expect(rows.map((f) => [f.instanceId, f.lateTasks])).to.deep.equal([
        ['late', 2],
        ['late', 2],
        ['early', 0],
      ]);
      expect((await suite.store.listFacts({ figure: 'widgets' }))[0]).not.to.have.property('lateTasks');
    });
  });
}
