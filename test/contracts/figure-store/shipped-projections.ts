/**
 * FigureStore contract: the shipped packs' projections over the fact store — closed CAPAs with their late
 * tasks, audit findings by clause and grade, gap reports. (Moved here from the store contract's
 * "dashboard figures", whose closedInstances / countFindings / listFindings / gapReports the adapters no
 * longer have: the same records, the same answers, read as facts.)
 */
import { expect } from 'chai';
import { FigureProjections } from '../../../engine/features/dashboard/index.js';
import type { InstanceRecord, TaskRecord } from '../../../engine/kernel/model.js';
import { packFigures } from '../../../engine/packs.js';
import { shippedPacks } from '../../../processes/index.js';
import { instance, task } from '../support.js';
import { day, type FigureSuite } from './support.js';

export function shippedProjectionsContract(suite: FigureSuite): void {
  describe('the shipped packs’ projections', function () {
    it('keeps closed CAPAs with their late tasks, audit findings and gap reports as facts', async function () {
      const store = suite.store;
      const detach = new FigureProjections(packFigures(shippedPacks)).attach(store);
      const inst = (id: string, o: Partial<InstanceRecord>) => instance(id, { businessKey: `BK-${id}`, engineState: null, ...o });
      const t = (id: string, o: Partial<TaskRecord>) => task(id, { businessKey: `BK-${id}`, createdAt: day(-60), ...o });
      await store.commit({
        linkedInstances: [
          inst('k1', { site: 'A', status: 'completed', startedAt: day(-50), endedAt: day(-10) }),
          inst('k2', { site: 'B', status: 'completed', startedAt: day(-40), endedAt: day(-20) }),
          inst('k3', { site: 'A', status: 'cancelled', startedAt: day(-40), endedAt: day(-5) }),
          inst('k4', { key: 'other', status: 'completed', startedAt: day(-40), endedAt: day(-5) }),
          inst('a1', { key: 'internal-audit', site: 'A', startedAt: day(-30), output: { findings: { findings: [{ n: 1, clause: '8.4', number: '8.4', title: 'Suppliers', grade: 'major', statement: 's1' }, { n: 2, clause: '7.2', number: '7.2', title: 'Competence', grade: 'ofi', statement: 's2' }] } } }),
          inst('a2', { key: 'internal-audit', site: 'B', startedAt: day(-20), output: { findings: { findings: [{ n: 1, clause: '8.4', number: '8.4', title: 'Suppliers', grade: 'major', statement: 's3' }] } } }),
          inst('a3', { key: 'internal-audit', status: 'cancelled', startedAt: day(-20), output: { findings: { findings: [{ n: 1, clause: '8.4', grade: 'major' }] } } }),
          inst('g1', { key: 'gap-analysis', site: 'A', startedAt: day(-90), output: { signOff: {}, gapReport: { coverage: [{ standard: '9001', applicable: 10, assessed: 9, conforms: 7, partial: 1, gap: 1, na: 0, conformityPct: 75 }] } } }),
          inst('g2', { key: 'gap-analysis', startedAt: day(-9), output: { gapReport: {} } }),
        ],
        tasks: [
          { record: t('k1-late', { instanceId: 'k1', dueAt: day(-30), status: 'completed', completedAt: day(-12), completedBy: 'x' }), expectedRevision: null },
          { record: t('k1-ok', { instanceId: 'k1', dueAt: day(-30), status: 'completed', completedAt: day(-31), completedBy: 'x' }), expectedRevision: null },
          { record: t('k2-cancelled-late', { instanceId: 'k2', dueAt: day(-30), status: 'cancelled', cancelledAt: day(-21) }), expectedRevision: null },
        ],
        audit: [],
      });
      detach();

      const closed = await store.listFacts({ figure: 'capa-closed', endedFrom: day(-60), endedBefore: day(0), order: 'ended', lateTasks: true });
      expect(closed.map((c) => [c.instanceId, c.businessKey, c.site, c.startedAt, c.endedAt, c.lateTasks])).to.deep.equal([
        ['k2', 'BK-k2', 'B', day(-40), day(-20), 0],
        ['k1', 'BK-k1', 'A', day(-50), day(-10), 1],
      ]);
      expect(await store.listFacts({ figure: 'capa-closed', endedFrom: day(-15), endedBefore: day(0), sites: { in: ['B'], orNone: true } })).to.deep.equal([]);

      const findings = { figure: 'audit-findings', startedFrom: day(-60), startedBefore: day(0) };
      const counted = async (scope: object = {}) =>
        (await store.groupFacts({ ...findings, ...scope, by: ['clause', 'grade'], labels: ['number', 'title'] })).map((g) => ({ ...g.dims, ...g.labels, count: g.count }));
      expect(await counted()).to.deep.equal([
        { clause: '7.2', grade: 'ofi', number: '7.2', title: 'Competence', count: 1 },
        { clause: '8.4', grade: 'major', number: '8.4', title: 'Suppliers', count: 2 },
      ]);
      expect(await counted({ sites: { in: ['B'], orNone: false } })).to.deep.equal([{ clause: '8.4', grade: 'major', number: '8.4', title: 'Suppliers', count: 1 }]);
      const rows = await store.listFacts({ ...findings, dims: { clause: '8.4', grade: 'major' } });
      expect(rows.map((r) => [r.instanceId, r.businessKey, r.site, r.values.n, r.dims.statement])).to.deep.equal([
        ['a1', 'BK-a1', 'A', 1, 's1'],
        ['a2', 'BK-a2', 'B', 1, 's3'],
      ]);
      expect(await store.listFacts({ ...findings, limit: 1 })).to.have.length(1);

      const reports = await store.listFacts({ figure: 'gap-coverage', startedBefore: day(0) });
      expect(reports.map((r) => ({ instanceId: r.instanceId, site: r.site, startedAt: r.startedAt, status: r.status, dims: r.dims, values: r.values }))).to.deep.equal([
        { instanceId: 'g1', site: 'A', startedAt: day(-90), status: 'running', dims: { standard: '9001', signedOff: 'yes' }, values: { applicable: 10, assessed: 9, conforms: 7, partial: 1, gap: 1, na: 0 } },
      ]);
      expect(await store.listFacts({ figure: 'gap-coverage', startedBefore: day(-100) })).to.deep.equal([]);
    });
  });
}
