/** RecordStore contract: user tasks: compare-and-swap, listing and filtering by person, site and instance. */
import { expect } from 'chai';
import { RevisionConflict } from '../../../engine/kernel/errors.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, instance, task, job, incident, event, rejection, ids, expectConsistentPaging, snapshot, type StoreSuite } from '../support.js';

export function tasksContract(suite: StoreSuite): void {
  describe('tasks', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('inserts tasks and reads them back exactly, optional fields present or absent', async function () {
      const full = task('t1', {
        assignee: 'alice',
        candidateRole: 'qa',
        dueAt: at(60),
        signature: 'approved',
        data: { draft: { decision: 'investigate' } },
      });
      const bare = task('t2');
      await store.commit({ tasks: [{ record: full, expectedRevision: null }, { record: bare, expectedRevision: null }], audit: [] });
      expect(await store.getTask('t1')).to.deep.equal(full);
      expect(await store.getTask('t2')).to.deep.equal(bare);
      expect(await store.getTask('t3')).to.equal(undefined);
    });

    it('updates a task when the expected revision matches, and its queried fields follow', async function () {
      const t1 = task('t1', { assignee: 'alice', candidateRole: 'qa', dueAt: at(10) });
      await store.commit({ tasks: [{ record: t1, expectedRevision: null }], audit: [] });

      const reassigned = task('t1', { assignee: 'bob', candidateRole: 'ops', dueAt: at(20), revision: 2 });
      await store.commit({ tasks: [{ record: reassigned, expectedRevision: 1 }], audit: [] });
      expect(await store.getTask('t1')).to.deep.equal(reassigned);
      expect(await store.listTasks({ assignee: 'alice' })).to.deep.equal([]);
      expect(await store.listTasks({ role: 'qa' })).to.deep.equal([]);
      expect(await store.listTasks({ assignee: 'bob' })).to.deep.equal([reassigned]);
      expect(await store.listTasks({ role: 'ops' })).to.deep.equal([reassigned]);
      expect(await store.listTasks({ dueBefore: at(15) })).to.deep.equal([]);
      expect(await store.listTasks({ dueBefore: at(25) })).to.deep.equal([reassigned]);

      const done = task('t1', {
        assignee: 'bob',
        candidateRole: 'ops',
        dueAt: at(20),
        revision: 3,
        status: 'completed',
        completedAt: at(12),
        completedBy: 'bob',
        data: { decision: 'investigate', notes: 'root cause: worn tooling' },
      });
      await store.commit({ tasks: [{ record: done, expectedRevision: 2 }], audit: [] });
      expect(await store.getTask('t1')).to.deep.equal(done);
      expect(await store.listTasks({ status: 'open' })).to.deep.equal([]);
      expect(await store.listTasks({ status: 'completed' })).to.deep.equal([done]);
      expect(await store.listTasks({ dueBefore: at(25) })).to.deep.equal([]);
    });

    it('rejects a stale task revision with RevisionConflict and applies nothing of that change', async function () {
      const i1 = instance('i1');
      const t1 = task('t1');
      const t2 = task('t2');
      await store.commit({
        instance: { record: i1, expectedRevision: null },
        tasks: [{ record: t1, expectedRevision: null }, { record: t2, expectedRevision: null }],
        audit: [event('instance.started')],
      });
      await store.commit({ tasks: [{ record: task('t2', { revision: 2, assignee: 'carol' }), expectedRevision: 1 }], audit: [] });
      const before = await snapshot(store);

      // the instance update and the first task update are valid; the second task is stale: nothing may stick
      await rejection(
        store.commit({
          instance: { record: instance('i1', { revision: 2, status: 'completed' }), expectedRevision: 1 },
          tasks: [
            { record: task('t1', { revision: 2, status: 'completed', completedAt: at(5), completedBy: 'alice' }), expectedRevision: 1 },
            { record: task('t3'), expectedRevision: null },
            { record: task('t2', { revision: 2, status: 'cancelled' }), expectedRevision: 1 },
          ],
          scheduleJobs: [job('j1')],
          incidents: [incident('x1')],
          audit: [event('task.completed', { target: 'task:t1' }), event('instance.completed')],
        }),
        RevisionConflict,
      );
      expect(await store.getInstance('i1')).to.deep.equal(i1);
      expect(await store.getTask('t1')).to.deep.equal(t1);
      expect(await store.getTask('t3')).to.equal(undefined);
      expect(await store.getJob('j1')).to.equal(undefined);
      expect(await store.getIncident('x1')).to.equal(undefined);
      expect(await snapshot(store)).to.deep.equal(before);

      // updating a task that does not exist is a conflict too
      await rejection(store.commit({ tasks: [{ record: task('t9', { revision: 2 }), expectedRevision: 1 }], audit: [] }), RevisionConflict);
      expect(await store.getTask('t9')).to.equal(undefined);
    });

    describe('listTasks', function () {
      // inserted out of order on purpose; expected order is createdAt
      const t = {
        a: task('t-a', { instanceId: 'i1', assignee: 'alice', candidateRole: 'qa', createdAt: at(1), dueAt: at(100) }),
        b: task('t-b', { instanceId: 'i1', assignee: 'bob', candidateRole: 'qa', createdAt: at(2), dueAt: at(50) }),
        c: task('t-c', { instanceId: 'i2', candidateRole: 'ops', createdAt: at(3) }),
        d: task('t-d', { instanceId: 'i2', assignee: 'alice', candidateRole: 'ops', createdAt: at(4), dueAt: at(10), status: 'completed', completedAt: at(5), completedBy: 'alice' }),
        e: task('t-e', { instanceId: 'i1', candidateRole: 'qa', createdAt: at(0), dueAt: at(20), status: 'cancelled' }),
        f: task('t-f', { instanceId: 'i3', assignee: 'alice', createdAt: at(6), dueAt: at(30) }),
        g: task('t-g', { instanceId: 'i3', assignee: 'alice', createdAt: at(7), dueAt: at(40) }),
      };

      beforeEach(async function () {
        const order = [t.g, t.d, t.a, t.f, t.c, t.e, t.b];
        await store.commit({ tasks: order.map((record) => ({ record, expectedRevision: null })), audit: [] });
      });

      it('orders by createdAt and returns whole records', async function () {
        expect(await store.listTasks({})).to.deep.equal([t.e, t.a, t.b, t.c, t.d, t.f, t.g]);
        // an update keeps the task's place
        const f2 = { ...t.f, assignee: 'bob', revision: 2 };
        await store.commit({ tasks: [{ record: f2, expectedRevision: 1 }], audit: [] });
        expect(await store.listTasks({})).to.deep.equal([t.e, t.a, t.b, t.c, t.d, f2, t.g]);
      });

      it('filters by assignee, role, status and instance, alone and combined', async function () {
        expect(ids(await store.listTasks({ assignee: 'alice' }))).to.deep.equal(['t-a', 't-d', 't-f', 't-g']);
        expect(ids(await store.listTasks({ assignee: 'bob' }))).to.deep.equal(['t-b']);
        expect(ids(await store.listTasks({ assignee: 'nobody' }))).to.deep.equal([]);
        expect(ids(await store.listTasks({ role: 'qa' }))).to.deep.equal(['t-e', 't-a', 't-b']);
        expect(ids(await store.listTasks({ role: 'ops' }))).to.deep.equal(['t-c', 't-d']);
        expect(ids(await store.listTasks({ status: 'open' }))).to.deep.equal(['t-a', 't-b', 't-c', 't-f', 't-g']);
        expect(ids(await store.listTasks({ status: 'completed' }))).to.deep.equal(['t-d']);
        expect(ids(await store.listTasks({ status: 'cancelled' }))).to.deep.equal(['t-e']);
        expect(ids(await store.listTasks({ instanceId: 'i1' }))).to.deep.equal(['t-e', 't-a', 't-b']);
        expect(ids(await store.listTasks({ instanceId: 'i3' }))).to.deep.equal(['t-f', 't-g']);
        expect(ids(await store.listTasks({ assignee: 'alice', status: 'open' }))).to.deep.equal(['t-a', 't-f', 't-g']);
        expect(ids(await store.listTasks({ role: 'qa', status: 'open', instanceId: 'i1' }))).to.deep.equal(['t-a', 't-b']);
        expect(ids(await store.listTasks({ assignee: 'alice', role: 'ops' }))).to.deep.equal(['t-d']);
        expect(ids(await store.listTasks({ assignee: 'alice', instanceId: 'i2', status: 'open' }))).to.deep.equal([]);
      });

      it('dueBefore returns only open tasks due strictly before the time', async function () {
        // t-d (completed, due 10) and t-e (cancelled, due 20) are overdue but not open; t-c has no due date
        expect(ids(await store.listTasks({ dueBefore: at(35) }))).to.deep.equal(['t-f']);
        expect(ids(await store.listTasks({ dueBefore: at(40) }))).to.deep.equal(['t-f']);
        expect(ids(await store.listTasks({ dueBefore: at(40.001) }))).to.deep.equal(['t-f', 't-g']);
        expect(ids(await store.listTasks({ dueBefore: at(1000) }))).to.deep.equal(['t-a', 't-b', 't-f', 't-g']);
        expect(ids(await store.listTasks({ dueBefore: at(0) }))).to.deep.equal([]);
        expect(ids(await store.listTasks({ dueBefore: at(1000), assignee: 'alice' }))).to.deep.equal(['t-a', 't-f', 't-g']);
        expect(ids(await store.listTasks({ dueBefore: at(1000), instanceId: 'i1' }))).to.deep.equal(['t-a', 't-b']);
        // dueBefore means open: asking for another status at the same time matches nothing
        expect(ids(await store.listTasks({ dueBefore: at(1000), status: 'completed' }))).to.deep.equal([]);
      });

      it('pages with limit and offset over the same order', async function () {
        expect(ids(await store.listTasks({ limit: 3 }))).to.deep.equal(['t-e', 't-a', 't-b']);
        expect(ids(await store.listTasks({ limit: 3, offset: 3 }))).to.deep.equal(['t-c', 't-d', 't-f']);
        expect(ids(await store.listTasks({ limit: 3, offset: 6 }))).to.deep.equal(['t-g']);
        expect(ids(await store.listTasks({ limit: 3, offset: 7 }))).to.deep.equal([]);
        expect(ids(await store.listTasks({ offset: 5 }))).to.deep.equal(['t-f', 't-g']);
        expect(ids(await store.listTasks({ assignee: 'alice', limit: 2, offset: 1 }))).to.deep.equal(['t-d', 't-f']);
        expect(ids(await store.listTasks({ limit: 1, offset: 6 }))).to.deep.equal(['t-g']);
        expect(await store.listTasks({ limit: 0 })).to.deep.equal([]);
      });
    });

    describe('listTasks by person, site and instances', function () {
      // alice: roles qa; bob: qa; dave: ops. Inserted out of order; expected order is createdAt.
      const v = {
        a: task('v-a', { instanceId: 'i1', assignee: 'alice', candidateRole: 'qa', site: 'plant-1', createdAt: at(1), dueAt: at(30) }),
        b: task('v-b', { instanceId: 'i1', candidateRole: 'qa', site: 'plant-2', createdAt: at(2), dueAt: at(10) }),
        // in alice's role, but assigned to bob: not hers
        c: task('v-c', { instanceId: 'i1', assignee: 'bob', candidateRole: 'qa', site: 'plant-1', createdAt: at(3) }),
        d: task('v-d', { instanceId: 'i2', candidateRole: 'ops', createdAt: at(4) }),
        e: task('v-e', { instanceId: 'i2', assignee: 'alice', site: 'plant-3', createdAt: at(5), status: 'completed', completedAt: at(6), completedBy: 'alice' }),
        // unassigned and without a candidate role: nobody's by role
        f: task('v-f', { instanceId: 'i3', site: 'plant-1', createdAt: at(6) }),
        g: task('v-g', { instanceId: 'i3', candidateRole: 'qa', createdAt: at(7), status: 'cancelled' }),
        h: task('v-h', { instanceId: 'i2', assignee: 'carol', candidateRole: 'ops', site: 'plant-2', createdAt: at(8) }),
      };

      beforeEach(async function () {
        const order = [v.h, v.c, v.f, v.a, v.g, v.d, v.b, v.e];
        await store.commit({ tasks: order.map((record) => ({ record, expectedRevision: null })), audit: [] });
      });

      it('reads the site back exactly, present or absent', async function () {
        expect(await store.getTask('v-a')).to.deep.equal(v.a);
        expect(await store.getTask('v-d')).to.deep.equal(v.d);
      });

      it("forUser: the person's own tasks and the unassigned ones of their roles, not those assigned to others", async function () {
        expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] } }))).to.deep.equal(['v-a', 'v-b', 'v-e', 'v-g']);
        expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] }, status: 'open' }))).to.deep.equal(['v-a', 'v-b']);
        expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: [] } }))).to.deep.equal(['v-a', 'v-e']);
        expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa', 'ops'] } }))).to.deep.equal(['v-a', 'v-b', 'v-d', 'v-e', 'v-g']);
        // bob has the same role: v-c is his, v-a is alice's
        expect(ids(await store.listTasks({ forUser: { id: 'bob', roles: ['qa'] } }))).to.deep.equal(['v-b', 'v-c', 'v-g']);
        // v-h is for ops but assigned to carol
        expect(ids(await store.listTasks({ forUser: { id: 'dave', roles: ['ops'] } }))).to.deep.equal(['v-d']);
        expect(ids(await store.listTasks({ forUser: { id: 'carol', roles: [] } }))).to.deep.equal(['v-h']);
        expect(ids(await store.listTasks({ forUser: { id: 'nobody', roles: ['auditor'] } }))).to.deep.equal([]);
        expect(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] }, status: 'open', limit: 1 })).to.deep.equal([v.a]);
        expect(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] }, limit: 2, offset: 1 })).to.deep.equal([v.b, v.e]);
      });

      it('forUser follows reassignment: a task taken by someone else leaves the role pool', async function () {
        const taken = { ...v.b, assignee: 'bob', revision: 2 };
        await store.commit({ tasks: [{ record: taken, expectedRevision: 1 }], audit: [] });
        expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] }, status: 'open' }))).to.deep.equal(['v-a']);
        expect(ids(await store.listTasks({ forUser: { id: 'bob', roles: [] }, status: 'open' }))).to.deep.equal(['v-b', 'v-c']);
        // released again: back in the pool of its role
        const released = { ...v.b, revision: 3 };
        await store.commit({ tasks: [{ record: released, expectedRevision: 2 }], audit: [] });
        expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] }, status: 'open' }))).to.deep.equal(['v-a', 'v-b']);
      });

      it('sites: the tasks of those sites and the site-less ones', async function () {
        expect(ids(await store.listTasks({ sites: ['plant-1'] }))).to.deep.equal(['v-a', 'v-c', 'v-d', 'v-f', 'v-g']);
        expect(ids(await store.listTasks({ sites: ['plant-2'] }))).to.deep.equal(['v-b', 'v-d', 'v-g', 'v-h']);
        expect(ids(await store.listTasks({ sites: ['plant-1', 'plant-3'] }))).to.deep.equal(['v-a', 'v-c', 'v-d', 'v-e', 'v-f', 'v-g']);
        expect(ids(await store.listTasks({ sites: [] }))).to.deep.equal(['v-d', 'v-g']);
        expect(ids(await store.listTasks({ sites: ['plant-9'] }))).to.deep.equal(['v-d', 'v-g']);
        expect(ids(await store.listTasks({ sites: ['plant-1'], status: 'open' }))).to.deep.equal(['v-a', 'v-c', 'v-d', 'v-f']);
        expect(ids(await store.listTasks({ sites: ['plant-2'], role: 'qa' }))).to.deep.equal(['v-b', 'v-g']);
      });

      it('sites follow an update of the task', async function () {
        const moved = { ...v.a, site: 'plant-2', revision: 2 };
        await store.commit({ tasks: [{ record: moved, expectedRevision: 1 }], audit: [] });
        expect(ids(await store.listTasks({ sites: ['plant-1'], status: 'open' }))).to.deep.equal(['v-c', 'v-d', 'v-f']);
        expect(ids(await store.listTasks({ sites: ['plant-2'], status: 'open' }))).to.deep.equal(['v-a', 'v-b', 'v-d', 'v-h']);
        const { site: _site, ...withoutSite } = v.c;
        const siteless = { ...withoutSite, revision: 2 };
        await store.commit({ tasks: [{ record: siteless, expectedRevision: 1 }], audit: [] });
        expect(await store.getTask('v-c')).to.deep.equal(siteless);
        expect(ids(await store.listTasks({ sites: ['plant-3'] }))).to.deep.equal(['v-c', 'v-d', 'v-e', 'v-g']);
      });

      it('instanceIds: the tasks of any of those instances', async function () {
        expect(ids(await store.listTasks({ instanceIds: ['i1', 'i3'] }))).to.deep.equal(['v-a', 'v-b', 'v-c', 'v-f', 'v-g']);
        expect(ids(await store.listTasks({ instanceIds: ['i2'] }))).to.deep.equal(['v-d', 'v-e', 'v-h']);
        expect(ids(await store.listTasks({ instanceIds: ['i9'] }))).to.deep.equal([]);
        expect(await store.listTasks({ instanceIds: [] })).to.deep.equal([]);
        // and-ed with a single instanceId
        expect(ids(await store.listTasks({ instanceIds: ['i1', 'i3'], instanceId: 'i3' }))).to.deep.equal(['v-f', 'v-g']);
        expect(ids(await store.listTasks({ instanceIds: ['i1', 'i3'], instanceId: 'i2' }))).to.deep.equal([]);
      });

      it('combines forUser, sites, instanceIds, status, dueBefore and paging', async function () {
        const alice = { id: 'alice', roles: ['qa'] };
        expect(ids(await store.listTasks({ forUser: alice, sites: ['plant-1'] }))).to.deep.equal(['v-a', 'v-g']);
        expect(ids(await store.listTasks({ forUser: alice, sites: ['plant-1'], status: 'open' }))).to.deep.equal(['v-a']);
        expect(ids(await store.listTasks({ forUser: alice, sites: ['plant-2', 'plant-3'] }))).to.deep.equal(['v-b', 'v-e', 'v-g']);
        expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa', 'ops'] }, sites: ['plant-2'], instanceIds: ['i1', 'i2'] }))).to.deep.equal([
          'v-b',
          'v-d',
        ]);
        expect(ids(await store.listTasks({ forUser: alice, instanceIds: ['i2', 'i3'] }))).to.deep.equal(['v-e', 'v-g']);
        expect(ids(await store.listTasks({ forUser: alice, dueBefore: at(20) }))).to.deep.equal(['v-b']);
        expect(ids(await store.listTasks({ forUser: alice, dueBefore: at(40), sites: ['plant-1'] }))).to.deep.equal(['v-a']);
        expect(ids(await store.listTasks({ forUser: { id: 'bob', roles: ['qa'] }, sites: ['plant-2'], instanceIds: ['i1'], status: 'open' }))).to.deep.equal(['v-b']);
        expect(ids(await store.listTasks({ sites: ['plant-1'], instanceIds: ['i1', 'i2'], limit: 2, offset: 1 }))).to.deep.equal(['v-c', 'v-d']);
        expect(ids(await store.listTasks({ forUser: alice, assignee: 'alice', role: 'qa' }))).to.deep.equal(['v-a']);
      });
    });

    it('pages consistently through tasks created at the same time', async function () {
      const order = ['t5', 't2', 't7', 't1', 't6', 't3', 't4'];
      const records = order.map((id, n) => task(id, { createdAt: at(1), ...(n % 2 ? { assignee: 'alice' } : {}) }));
      await store.commit({ tasks: records.slice(0, 4).map((record) => ({ record, expectedRevision: null })), audit: [] });
      await store.commit({ tasks: records.slice(4).map((record) => ({ record, expectedRevision: null })), audit: [] });
      await store.commit({ tasks: [{ record: task('t0', { createdAt: at(0) }), expectedRevision: null }, { record: task('t9', { createdAt: at(2) }), expectedRevision: null }], audit: [] });
      const full = await expectConsistentPaging((page) => store.listTasks(page), [...order, 't0', 't9']);
      expect(full[0]).to.equal('t0');
      expect(full[8]).to.equal('t9');
      expect(ids(await store.listTasks({ assignee: 'alice' }))).to.deep.equal(full.filter((id) => ['t2', 't1', 't3'].includes(id)));
      await store.commit({ tasks: [{ record: task('t7', { createdAt: at(1), revision: 2, status: 'completed' }), expectedRevision: 1 }], audit: [] });
      expect(ids(await store.listTasks({}))).to.deep.equal(full);
    });

    it('returns at most 100 tasks when no limit is given', async function () {
      const many = Array.from({ length: 105 }, (_, n) => task(`t${String(n).padStart(3, '0')}`, { createdAt: at(n) }));
      await store.commit({ tasks: many.map((record) => ({ record, expectedRevision: null })), audit: [] });
      const page = await store.listTasks({});
      expect(page).to.have.length(100);
      expect(page[0]).to.deep.equal(many[0]);
      expect(page[99]).to.deep.equal(many[99]);
      expect(ids(await store.listTasks({ offset: 100 }))).to.deep.equal(['t100', 't101', 't102', 't103', 't104']);
      expect(await store.listTasks({ limit: 1000 })).to.have.length(105);
    });
  });
}
