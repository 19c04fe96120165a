/** KpiStore contract: KPI definitions by compare-and-swap, one value per period. */
import { expect } from 'chai';
import { ConflictError, RevisionConflict } from '../../../engine/kernel/errors.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, rejection, type StoreSuite } from '../support.js';

export function kpisContract(suite: StoreSuite): void {
  describe('KPIs', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('keeps KPIs with compare-and-swap and one value per period', async function () {
      const kpi = { id: 'capa-on-time', system: 'quality' as const, name: 'CAPA on time', unit: '%', target: 80, direction: 'up' as const, owner: 'qm', source: 'manual' as const, createdAt: at(0), createdBy: 'qm', updatedAt: at(0), revision: 1 };
      await store.commit({ kpis: [{ record: kpi, expectedRevision: null }], audit: [] });
      await rejection(store.commit({ kpis: [{ record: kpi, expectedRevision: null }], audit: [] }), ConflictError);
      await store.commit({ kpis: [{ record: { ...kpi, target: 90, revision: 2 }, expectedRevision: 1 }], audit: [] });
      await rejection(store.commit({ kpis: [{ record: { ...kpi, target: 70, revision: 2 }, expectedRevision: 1 }], audit: [] }), RevisionConflict);
      const safety = { ...kpi, id: 'ltis', system: 'safety' as const, site: 'A' };
      await store.commit({ kpis: [{ record: safety, expectedRevision: null }], audit: [] });
      expect(await store.getKpi('capa-on-time')).to.deep.equal({ ...kpi, target: 90, revision: 2 });
      expect((await store.listKpis()).map((k) => k.id)).to.deep.equal(['capa-on-time', 'ltis']);
      const value = (period: string, v: number) => ({ id: `ltis@${period}`, kpiId: 'ltis', period, value: v, enteredBy: 'qm', enteredAt: at(1) });
      await store.commit({ kpiValues: [value('2026-10', 2), value('2026-09', 1), { ...value('2026-Q3', 3), kpiId: 'ltis' }], audit: [] });
      await store.commit({ kpiValues: [{ ...value('2026-10', 0), note: 'reclassified' }], audit: [] });
      expect((await store.listKpiValues(['ltis'])).map((v) => [v.period, v.value, v.note])).to.deep.equal([
        ['2026-09', 1, undefined],
        ['2026-10', 0, 'reclassified'],
        ['2026-Q3', 3, undefined],
      ]);
      expect(await store.listKpiValues(['capa-on-time'])).to.deep.equal([]);
    });
  });
}
