/** RecordStore contract: recurring starts of a process (cron schedules). */
import { expect } from 'chai';
import { ConflictError, RevisionConflict } from '../../../engine/kernel/errors.js';
import type { Store } from '../../../engine/ports/store.js';
import { instance, user, message, token, schedule, event, rejection, snapshot, type StoreSuite } from '../support.js';

export function schedulesContract(suite: StoreSuite): void {
  describe('schedules', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('inserts schedules, reads them back exactly and lists them by id', async function () {
      const s2 = schedule('s2');
      const s1 = schedule('s1', { processKey: 'audit', cron: '0 0 1 * *', timezone: 'UTC', variables: {}, source: 'config' });
      const s3 = schedule('s3', { enabled: false });
      await store.commit({ schedules: [{ record: s2, expectedRevision: null }], audit: [] });
      await store.commit({ schedules: [{ record: s3, expectedRevision: null }, { record: s1, expectedRevision: null }], audit: [] });
      expect(await store.getSchedule('s1')).to.deep.equal(s1);
      expect(await store.getSchedule('s2')).to.deep.equal(s2);
      expect(await store.getSchedule('s9')).to.equal(undefined);
      expect(await store.listSchedules()).to.deep.equal([s1, s2, s3]);
    });

    it('updates a schedule by compare-and-swap; a stale or missing revision is a RevisionConflict and applies nothing', async function () {
      await store.commit({ schedules: [{ record: schedule('s1'), expectedRevision: null }, { record: schedule('s2'), expectedRevision: null }], audit: [] });
      const r2 = schedule('s1', { revision: 2, cron: '30 7 * * 1-5', enabled: false, variables: { site: 'Plant 3' } });
      await store.commit({ schedules: [{ record: r2, expectedRevision: 1 }], audit: [event('schedule.updated', { target: 'schedule:s1' })] });
      expect(await store.getSchedule('s1')).to.deep.equal(r2);
      const before = await snapshot(store);

      // the valid update of s2 comes first in the change; the stale one of s1 must undo it
      await rejection(
        store.commit({
          users: [user('alice')],
          messages: [message('m1')],
          linkTokens: [token('k1')],
          schedules: [
            { record: schedule('s2', { revision: 2, cron: '* * * * *' }), expectedRevision: 1 },
            { record: schedule('s3'), expectedRevision: null },
            { record: schedule('s1', { revision: 2, cron: '0 0 * * *' }), expectedRevision: 1 },
          ],
          deleteSchedules: ['s2'],
          audit: [event('schedule.updated', { target: 'schedule:s1' })],
        }),
        RevisionConflict,
      );
      expect(await snapshot(store)).to.deep.equal(before);
      expect(await store.getSchedule('s2')).to.deep.equal(schedule('s2'));
      expect(await store.getSchedule('s3')).to.equal(undefined);
      expect(await store.listLinkTokens('t1')).to.deep.equal([]);

      // an expected revision ahead of the stored one is as stale; a schedule that does not exist is not created
      await rejection(store.commit({ schedules: [{ record: schedule('s1', { revision: 6 }), expectedRevision: 5 }], audit: [] }), RevisionConflict);
      await rejection(store.commit({ schedules: [{ record: schedule('s9', { revision: 2 }), expectedRevision: 1 }], audit: [] }), RevisionConflict);
      expect(await store.getSchedule('s9')).to.equal(undefined);
      expect(await snapshot(store)).to.deep.equal(before);

      const r3 = { ...r2, revision: 3, enabled: true };
      await store.commit({ schedules: [{ record: r3, expectedRevision: 2 }], audit: [] });
      expect(await store.listSchedules()).to.deep.equal([r3, schedule('s2')]);
    });

    it('rejects inserting a schedule id that exists with ConflictError (not RevisionConflict) and applies nothing', async function () {
      const s1 = schedule('s1');
      await store.commit({ schedules: [{ record: s1, expectedRevision: null }], audit: [] });
      const before = await snapshot(store);
      const error = await rejection(
        store.commit({
          instance: { record: instance('i1'), expectedRevision: null },
          users: [user('alice')],
          schedules: [
            { record: schedule('s2'), expectedRevision: null },
            { record: schedule('s1', { cron: '0 0 * * *', source: 'config', createdBy: 'config' }), expectedRevision: null },
          ],
          audit: [event('schedule.created', { target: 'schedule:s1' })],
        }),
        ConflictError,
      );
      expect(error).to.not.be.instanceOf(RevisionConflict);
      expect(await store.getSchedule('s1')).to.deep.equal(s1);
      expect(await store.getSchedule('s2')).to.equal(undefined);
      expect(await snapshot(store)).to.deep.equal(before);
    });

    it('deletes schedules by id, ignoring unknown ids; a deleted id can be created again', async function () {
      await store.commit({ schedules: ['s1', 's2', 's3'].map((id) => ({ record: schedule(id), expectedRevision: null })), audit: [] });
      await store.commit({ deleteSchedules: ['s1', 's3', 'unknown'], audit: [] });
      expect(await store.getSchedule('s1')).to.equal(undefined);
      expect(await store.listSchedules()).to.deep.equal([schedule('s2')]);
      await store.commit({ deleteSchedules: [], audit: [] });
      expect(await store.listSchedules()).to.deep.equal([schedule('s2')]);

      const recreated = schedule('s1', { cron: '0 12 * * *' });
      await store.commit({ schedules: [{ record: recreated, expectedRevision: null }], audit: [] });
      expect(await store.listSchedules()).to.deep.equal([recreated, schedule('s2')]);
      // a compare-and-swap on a deleted schedule is a conflict
      await store.commit({ deleteSchedules: ['s2'], audit: [] });
      await rejection(store.commit({ schedules: [{ record: schedule('s2', { revision: 2 }), expectedRevision: 1 }], audit: [] }), RevisionConflict);
      expect(await store.listSchedules()).to.deep.equal([recreated]);
    });
  });
}
