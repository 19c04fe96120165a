/** RecordStore contract: records (process instances): compare-and-swap on the revision, lookups and listing. */
import { expect } from 'chai';
import { ConflictError, RevisionConflict } from '../../../engine/kernel/errors.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, instance, task, job, incident, event, rejection, ids, expectConsistentPaging, snapshot, type StoreSuite } from '../support.js';

export function instancesContract(suite: StoreSuite): void {
  describe('instances', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('inserts an instance and reads it back exactly as written', async function () {
      const record = instance('i1');
      await store.commit({ instance: { record, expectedRevision: null }, audit: [] });
      expect(await store.getInstance('i1')).to.deep.equal(record);
      expect(await store.getInstance('i2')).to.equal(undefined);

      const ended = instance('i2', { status: 'completed', engineState: null, endedAt: at(30), variables: {}, output: {} });
      await store.commit({ instance: { record: ended, expectedRevision: null }, audit: [] });
      expect(await store.getInstance('i2')).to.deep.equal(ended);
    });

    it('replaces an instance when the expected revision matches', async function () {
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [] });
      const r2 = instance('i1', { revision: 2, variables: { severity: 'minor' }, output: { triage: { decision: 'close' } } });
      await store.commit({ instance: { record: r2, expectedRevision: 1 }, audit: [] });
      expect(await store.getInstance('i1')).to.deep.equal(r2);

      const r3 = instance('i1', { revision: 3, status: 'completed', engineState: null, endedAt: at(60), variables: {}, output: {} });
      await store.commit({ instance: { record: r3, expectedRevision: 2 }, audit: [] });
      expect(await store.getInstance('i1')).to.deep.equal(r3);
      expect(await store.listInstances({ status: 'completed' })).to.deep.equal([r3]);
      expect(await store.listInstances({ status: 'running' })).to.deep.equal([]);
    });

    it('rejects a stale revision with RevisionConflict and applies nothing of that change', async function () {
      const r1 = instance('i1');
      const r2 = instance('i1', { revision: 2, variables: { severity: 'minor' } });
      await store.commit({ instance: { record: r1, expectedRevision: null }, audit: [event('instance.started')] });
      await store.commit({ instance: { record: r2, expectedRevision: 1 }, audit: [event('instance.updated')] });
      const before = await snapshot(store);

      await rejection(
        store.commit({
          instance: { record: instance('i1', { revision: 2, variables: { severity: 'critical' } }), expectedRevision: 1 },
          tasks: [{ record: task('t1'), expectedRevision: null }],
          scheduleJobs: [job('j1')],
          incidents: [incident('x1')],
          audit: [event('task.created', { target: 'task:t1' })],
        }),
        RevisionConflict,
      );
      expect(await store.getInstance('i1')).to.deep.equal(r2);
      expect(await store.getTask('t1')).to.equal(undefined);
      expect(await store.getJob('j1')).to.equal(undefined);
      expect(await store.getIncident('x1')).to.equal(undefined);
      expect(await snapshot(store)).to.deep.equal(before);

      // an expected revision ahead of the stored one is just as stale
      await rejection(store.commit({ instance: { record: instance('i1', { revision: 4 }), expectedRevision: 3 }, audit: [] }), RevisionConflict);
      // and an update of an instance that does not exist
      await rejection(store.commit({ instance: { record: instance('nope', { revision: 2 }), expectedRevision: 1 }, audit: [] }), RevisionConflict);
      expect(await store.getInstance('nope')).to.equal(undefined);
      expect(await snapshot(store)).to.deep.equal(before);
    });

    it('rejects a duplicate business key with ConflictError (not RevisionConflict) and applies nothing', async function () {
      const first = instance('i1', { businessKey: 'CAPA-2026-0001' });
      await store.commit({ instance: { record: first, expectedRevision: null }, audit: [event('instance.started')] });
      const before = await snapshot(store);

      const error = await rejection(
        store.commit({
          instance: { record: instance('i2', { businessKey: 'CAPA-2026-0001', startedBy: 'bob' }), expectedRevision: null },
          tasks: [{ record: task('t2', { instanceId: 'i2' }), expectedRevision: null }],
          scheduleJobs: [job('j2', { instanceId: 'i2' })],
          audit: [event('instance.started', { target: 'instance:i2', instanceId: 'i2' })],
        }),
        ConflictError,
      );
      expect(error).to.not.be.instanceOf(RevisionConflict);
      expect(await store.getInstance('i2')).to.equal(undefined);
      expect(await store.getInstance('i1')).to.deep.equal(first);
      expect(await snapshot(store)).to.deep.equal(before);

      // a different business key is fine
      const second = instance('i2', { businessKey: 'CAPA-2026-0002' });
      await store.commit({ instance: { record: second, expectedRevision: null }, audit: [] });
      expect(await store.getInstance('i2')).to.deep.equal(second);
    });

    it('rejects inserting an instance id that exists and leaves the stored one alone', async function () {
      const first = instance('i1');
      await store.commit({ instance: { record: first, expectedRevision: null }, audit: [] });
      await rejection(
        store.commit({ instance: { record: instance('i1', { businessKey: 'OTHER-1', startedBy: 'mallory' }), expectedRevision: null }, audit: [event('x')] }),
        ConflictError,
      );
      expect(await store.getInstance('i1')).to.deep.equal(first);
      expect(await store.listAudit({})).to.deep.equal([]);
    });

    it('pages consistently through instances started at the same time', async function () {
      const order = ['i5', 'i2', 'i7', 'i1', 'i6', 'i3', 'i4'];
      for (const [n, id] of order.entries()) {
        await store.commit({ instance: { record: instance(id, { startedAt: at(1), status: n % 2 ? 'running' : 'completed' }), expectedRevision: null }, audit: [] });
      }
      await store.commit({ instance: { record: instance('i0', { startedAt: at(0) }), expectedRevision: null }, audit: [] });
      await store.commit({ instance: { record: instance('i9', { startedAt: at(2) }), expectedRevision: null }, audit: [] });
      const full = await expectConsistentPaging((page) => store.listInstances(page), [...order, 'i0', 'i9']);
      expect(full[0]).to.equal('i9');
      expect(full[8]).to.equal('i0');
      const running = ids(await store.listInstances({ status: 'running' }));
      expect(running).to.deep.equal(full.filter((id) => ['i2', 'i1', 'i3', 'i0', 'i9'].includes(id)));
      await store.commit({ instance: { record: instance('i7', { startedAt: at(1), revision: 2, status: 'running' }), expectedRevision: 1 }, audit: [] });
      expect(ids(await store.listInstances({}))).to.deep.equal(full);
    });

    it('lists instances by key and status, newest first, with limit and offset', async function () {
      const records = [
        instance('i1', { startedAt: at(1) }),
        instance('i2', { startedAt: at(3), key: 'ncr', businessKey: 'NCR-1' }),
        instance('i3', { startedAt: at(2), status: 'completed', engineState: null, endedAt: at(9) }),
        instance('i4', { startedAt: at(5) }),
        instance('i5', { startedAt: at(4), status: 'incident' }),
      ];
      for (const r of records) await store.commit({ instance: { record: r, expectedRevision: null }, audit: [] });

      expect(ids(await store.listInstances({}))).to.deep.equal(['i4', 'i5', 'i2', 'i3', 'i1']);
      expect(ids(await store.listInstances({ key: 'capa' }))).to.deep.equal(['i4', 'i5', 'i3', 'i1']);
      expect(ids(await store.listInstances({ key: 'ncr' }))).to.deep.equal(['i2']);
      expect(ids(await store.listInstances({ status: 'running' }))).to.deep.equal(['i4', 'i2', 'i1']);
      expect(ids(await store.listInstances({ key: 'capa', status: 'running' }))).to.deep.equal(['i4', 'i1']);
      expect(ids(await store.listInstances({ limit: 2 }))).to.deep.equal(['i4', 'i5']);
      expect(ids(await store.listInstances({ limit: 2, offset: 2 }))).to.deep.equal(['i2', 'i3']);
      expect(ids(await store.listInstances({ offset: 4 }))).to.deep.equal(['i1']);
      expect(await store.listInstances({ key: 'audit' })).to.deep.equal([]);
      expect(await store.listInstances({ key: 'capa', status: 'completed' })).to.deep.equal([records[2]]);

      // an update keeps the instance's place
      const i5 = instance('i5', { startedAt: at(4), status: 'incident', revision: 2, variables: { retried: 1 } });
      await store.commit({ instance: { record: i5, expectedRevision: 1 }, audit: [] });
      expect(ids(await store.listInstances({}))).to.deep.equal(['i4', 'i5', 'i2', 'i3', 'i1']);
      expect((await store.listInstances({ limit: 1, offset: 1 }))[0]).to.deep.equal(i5);
    });

    it('sites: lists the instances of those sites and the site-less ones, combined with key, status and paging', async function () {
      const records = [
        instance('i1', { startedAt: at(1), site: 'plant-1' }),
        instance('i2', { startedAt: at(2), site: 'plant-2' }),
        instance('i3', { startedAt: at(3) }),
        instance('i4', { startedAt: at(4), site: 'plant-1', status: 'completed', engineState: null, endedAt: at(9) }),
        instance('i5', { startedAt: at(5), site: 'plant-3', key: 'ncr', businessKey: 'NCR-5' }),
        instance('i6', { startedAt: at(6), key: 'ncr', businessKey: 'NCR-6' }),
      ];
      for (const r of records) await store.commit({ instance: { record: r, expectedRevision: null }, audit: [] });

      expect(await store.getInstance('i1')).to.deep.equal(records[0]);
      expect(await store.getInstance('i3')).to.deep.equal(records[2]);
      expect(ids(await store.listInstances({}))).to.deep.equal(['i6', 'i5', 'i4', 'i3', 'i2', 'i1']);
      expect(ids(await store.listInstances({ sites: ['plant-1'] }))).to.deep.equal(['i6', 'i4', 'i3', 'i1']);
      expect(ids(await store.listInstances({ sites: ['plant-1', 'plant-2'] }))).to.deep.equal(['i6', 'i4', 'i3', 'i2', 'i1']);
      expect(ids(await store.listInstances({ sites: ['plant-2', 'plant-3'] }))).to.deep.equal(['i6', 'i5', 'i3', 'i2']);
      // no sites, or only unknown ones: the site-less records alone
      expect(ids(await store.listInstances({ sites: [] }))).to.deep.equal(['i6', 'i3']);
      expect(ids(await store.listInstances({ sites: ['plant-9'] }))).to.deep.equal(['i6', 'i3']);
      // combined with the other filters and paging
      expect(ids(await store.listInstances({ sites: ['plant-1'], status: 'running' }))).to.deep.equal(['i6', 'i3', 'i1']);
      expect(ids(await store.listInstances({ sites: ['plant-1'], key: 'capa' }))).to.deep.equal(['i4', 'i3', 'i1']);
      expect(ids(await store.listInstances({ sites: ['plant-3'], key: 'ncr' }))).to.deep.equal(['i6', 'i5']);
      expect(ids(await store.listInstances({ sites: ['plant-2'], key: 'capa', status: 'running' }))).to.deep.equal(['i3', 'i2']);
      expect(ids(await store.listInstances({ sites: ['plant-1'], status: 'completed' }))).to.deep.equal(['i4']);
      expect(ids(await store.listInstances({ sites: ['plant-1'], limit: 2, offset: 1 }))).to.deep.equal(['i4', 'i3']);

      // the site follows an update: moved to plant-2, then to no site
      const moved = { ...records[0], site: 'plant-2', revision: 2 };
      await store.commit({ instance: { record: moved, expectedRevision: 1 }, audit: [] });
      expect(ids(await store.listInstances({ sites: ['plant-1'] }))).to.deep.equal(['i6', 'i4', 'i3']);
      expect(ids(await store.listInstances({ sites: ['plant-2'] }))).to.deep.equal(['i6', 'i3', 'i2', 'i1']);
      const siteless = instance('i1', { startedAt: at(1), revision: 3 });
      await store.commit({ instance: { record: siteless, expectedRevision: 2 }, audit: [] });
      expect(await store.getInstance('i1')).to.deep.equal(siteless);
      expect(ids(await store.listInstances({ sites: ['plant-3'] }))).to.deep.equal(['i6', 'i5', 'i3', 'i1']);
    });
  });
}
