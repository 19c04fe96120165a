/** TaskFigureStore contract: open tasks grouped and banded by due date, weekly series, and the tasks behind a figure. */
import { expect } from 'chai';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import type { Store, TaskDimension } from '../../../engine/ports/store.js';
import { at, task, type StoreSuite } from '../support.js';

export function taskFiguresContract(suite: StoreSuite): void {
  describe('task figures', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    const day = (n: number) => at(n * 24 * 60);
    const AT = day(0);
    /** Due bands against these edges: < −30 d, [−30, −7), [−7, 0), [0, +7), ≥ +7 d. */
    const EDGES = [day(-30), day(-7), day(0), day(7)];
    const t = (id: string, o: Partial<TaskRecord>) => task(id, { instanceId: `i-${id}`, businessKey: `BK-${id}`, createdAt: day(-60), ...o });
    const seed = () =>
      store.commit({
        tasks: [
          t('a', { site: 'A', assignee: 'alice', candidateRole: 'qm', dueAt: day(-40), escalationLevel: 2 }),
          t('b', { site: 'A', candidateRole: 'qm', dueAt: day(-3), escalationLevel: 1 }),
          t('c', { site: 'B', definitionKey: 'nc', assignee: 'bob', dueAt: day(3) }),
          t('d', { definitionKey: 'nc', candidateRole: 'staff' }),
          t('e', { site: 'A', assignee: 'alice', candidateRole: 'qm', dueAt: day(-40), createdAt: day(-50) }),
          // completed after AT: still open at AT; completed late (due −10)
          t('f', { site: 'A', assignee: 'alice', candidateRole: 'qm', dueAt: day(-10), status: 'completed', completedAt: day(2), completedBy: 'alice' }),
          // completed on time long ago; cancelled late; created after AT
          t('g', { site: 'B', dueAt: day(-20), status: 'completed', completedAt: day(-25), completedBy: 'bob' }),
          t('h', { site: 'B', dueAt: day(-20), status: 'cancelled', cancelledAt: day(-5) }),
          t('i', { site: 'A', dueAt: day(1), createdAt: day(1) }),
        ].map((record) => ({ record, expectedRevision: null })),
        audit: [],
      });
    /** Sums the groups by one dimension: {value: [noDue, ...bands]}. */
    const groups = async (dimension: TaskDimension, extra: Partial<Parameters<Store['openTaskGroups']>[0]> = {}) => {
      const by = dimension === 'assignee' ? 'assignee' : 'holders';
      const sums: Record<string, number[]> = {};
      for (const g of await store.openTaskGroups({ at: AT, dueEdges: EDGES, by, ...extra })) {
        const key = String(g.values[dimension] ?? null);
        const row = [g.noDue, ...g.bands];
        sums[key] = sums[key] ? sums[key].map((n, i) => n + row[i]) : row;
      }
      return sums;
    };

    it('groups the tasks open at a time by holder (process, site, role, level) or by assignee, counted per due band', async function () {
      await seed();
      // [no due date, < −30, [−30, −7), [−7, 0), [0, 7), ≥ 7]; f is open at AT (completed later), g, h closed, i not yet made
      expect(await groups('assignee')).to.deep.equal({ alice: [0, 2, 1, 0, 0, 0], null: [1, 0, 0, 1, 0, 0], bob: [0, 0, 0, 0, 1, 0] });
      expect(await groups('escalationLevel')).to.deep.equal({ 2: [0, 1, 0, 0, 0, 0], 1: [0, 0, 0, 1, 0, 0], 0: [1, 1, 1, 0, 1, 0] });
      expect(await groups('site')).to.deep.equal({ A: [0, 2, 1, 1, 0, 0], B: [0, 0, 0, 0, 1, 0], null: [1, 0, 0, 0, 0, 0] });
      expect(await groups('definitionKey')).to.deep.equal({ capa: [0, 2, 1, 1, 0, 0], nc: [1, 0, 0, 0, 1, 0] });
      expect(await groups('candidateRole')).to.deep.equal({ qm: [0, 2, 1, 1, 0, 0], null: [0, 0, 0, 0, 1, 0], staff: [1, 0, 0, 0, 0, 0] });
      const holders = await store.openTaskGroups({ at: AT, dueEdges: EDGES, by: 'holders' });
      expect(holders.map((g) => Object.keys(g.values).sort())).to.deep.equal(holders.map(() => ['candidateRole', 'definitionKey', 'escalationLevel', 'site']));
      expect(holders.map((g) => typeof g.values.escalationLevel)).to.deep.equal(holders.map(() => 'number'));
      expect(holders).to.have.length(5);
      // ten days earlier: h (cancelled at −5) was open, b and f not yet overdue
      expect(await groups('site', { at: day(-10), dueEdges: [day(-40), day(-17), day(-10), day(-3)] })).to.deep.equal({ A: [0, 0, 2, 0, 1, 1], B: [0, 0, 1, 0, 0, 1], null: [1, 0, 0, 0, 0, 0] });
    });

    it('scopes the groups by process and by site (with or without site-less records)', async function () {
      await seed();
      const count = async (extra: Partial<Parameters<Store['openTaskGroups']>[0]>) =>
        (await store.openTaskGroups({ at: AT, dueEdges: EDGES, by: 'holders', ...extra })).reduce((n, g) => n + g.noDue + g.bands.reduce((a, b) => a + b, 0), 0);
      expect(await count({})).to.equal(6);
      expect(await count({ processes: ['nc'] })).to.equal(2);
      expect(await count({ sites: { in: ['B'], orNone: false } })).to.equal(1);
      expect(await count({ sites: { in: ['B'], orNone: true } })).to.equal(2);
      expect(await count({ sites: { in: [], orNone: true }, processes: ['capa', 'nc'] })).to.equal(1);
      expect(await count({ by: 'assignee', processes: ['capa'], sites: { in: ['A'], orNone: false } })).to.equal(4);
    });

    it('counts tasks created, completed and overdue per interval, late-closed and cancelled ones included', async function () {
      await seed();
      const edges = [day(-60), day(-30), day(-15), day(-4), day(0)];
      const series = await store.taskSeries({ edges });
      expect(series.created).to.deep.equal([8, 0, 0, 0]);
      expect(series.completed).to.deep.equal([0, 1, 0, 0]);
      // at −30: a, e; at −15: a, e, h (due −20, cancelled −5; g was completed on time); at −4: a, e, f (h was
      // cancelled at −5); at 0: a, b, e, f
      expect(series.overdueAtEnd).to.deep.equal([2, 3, 3, 4]);
      expect(await store.taskSeries({ edges, sites: { in: ['B'], orNone: false } })).to.deep.equal({ created: [3, 0, 0, 0], completed: [0, 1, 0, 0], overdueAtEnd: [0, 1, 0, 0] });
      expect((await store.taskSeries({ edges, processes: ['nc'] })).created).to.deep.equal([2, 0, 0, 0]);
    });

    it('keeps the figures right as tasks change: completed, escalated, cancelled', async function () {
      await seed();
      const b = (await store.getTask('b'))!;
      await store.commit({ tasks: [{ record: { ...b, status: 'completed', completedAt: day(0), completedBy: 'x', revision: 2 }, expectedRevision: 1 }], audit: [] });
      const c = (await store.getTask('c'))!;
      await store.commit({ tasks: [{ record: { ...c, escalationLevel: 3, revision: 2 }, expectedRevision: 1 }], audit: [] });
      const after = await groups('escalationLevel', { at: day(1) });
      expect(after['1']).to.equal(undefined);
      expect(after['3']).to.deep.equal([0, 0, 0, 0, 1, 0]);
      expect((await store.taskSeries({ edges: [day(-1), day(1)] })).completed).to.deep.equal([1]);
      expect((await store.searchTasks({ completedFrom: day(-1), completedBefore: day(1) })).map((x) => x.id)).to.deep.equal(['b']);
    });

    it('finds the tasks behind a figure, oldest due first', async function () {
      await seed();
      const ids$ = async (q: Parameters<Store['searchTasks']>[0]) => (await store.searchTasks(q)).map((x) => x.id);
      expect(await ids$({ openAt: AT })).to.deep.equal(['a', 'e', 'f', 'b', 'c', 'd']);
      expect(await ids$({ openAt: AT, dueBefore: AT })).to.deep.equal(['a', 'e', 'f', 'b']);
      expect(await ids$({ overdueAt: day(-15) })).to.deep.equal(['a', 'e', 'h']);
      expect(await ids$({ openAt: AT, dueFrom: day(0), dueBefore: day(7) })).to.deep.equal(['c']);
      expect(await ids$({ openAt: AT, assignee: null })).to.deep.equal(['b', 'd']);
      expect(await ids$({ openAt: AT, candidateRole: null })).to.deep.equal(['c']);
      expect(await ids$({ openAt: AT, escalationLevel: 0 })).to.deep.equal(['e', 'f', 'c', 'd']);
      expect(await ids$({ openAt: AT, minEscalationLevel: 1 })).to.deep.equal(['a', 'b']);
      expect(await ids$({ createdFrom: day(0), createdBefore: day(2) })).to.deep.equal(['i']);
      expect(await ids$({ openAt: AT, sites: { in: ['A'], orNone: false }, processes: ['capa'], limit: 2 })).to.deep.equal(['a', 'e']);
    });
  });
}
