/** StoreOperations contract: schema migrations and the record counts monitoring reads. */
import { expect } from 'chai';
import type { Store } from '../../../engine/ports/store.js';
import { at, instance, task, job, message, event, snapshot, type StoreSuite } from '../support.js';

export function migrationsContract(suite: StoreSuite): void {
  describe('migrations and monitoring counts', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('applyMigrations on an initialized store runs nothing, keeps every record and reports the same version', async function () {
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [event('instance.started', { target: 'instance:i1' })] });
      const before = await snapshot(store);
      const first = await store.applyMigrations();
      const second = await store.applyMigrations();
      expect(first.ran).to.deep.equal([]);
      expect(second).to.deep.equal(first);
      expect(first.store).to.equal(store.kind);
      expect(await snapshot(store)).to.deep.equal(before);
    });

    it('counts instances by status, open and overdue tasks, jobs waiting, delayed, running and failed, and outbox messages by status', async function () {
      const now = at(30);
      await store.commit({
        instance: { record: instance('i1'), expectedRevision: null },
        linkedInstances: [instance('i2', { businessKey: 'CAPA-2026-i2', status: 'completed' }), instance('i3', { businessKey: 'CAPA-2026-i3', status: 'incident' })],
        tasks: [
          { record: task('t-overdue', { dueAt: at(29) }), expectedRevision: null },
          { record: task('t-due-later', { dueAt: at(31) }), expectedRevision: null },
          { record: task('t-no-due'), expectedRevision: null },
          { record: task('t-done', { status: 'completed', dueAt: at(1) }), expectedRevision: null },
        ],
        scheduleJobs: [job('j-due', { runAt: at(30) }), job('j-later', { runAt: at(90) }), job('j-claimed', { runAt: at(5) }), job('j-failing', { runAt: at(6) })],
        messages: [message('m1'), message('m2'), message('m3', { status: 'sent' }), message('m4', { status: 'held' })],
        audit: [],
      });
      const claimed = await store.claimJob('j-claimed', 'w1', now, at(40));
      expect(claimed?.id).to.equal('j-claimed');
      await store.claimJob('j-failing', 'w1', now, at(40));
      await store.failJob('j-failing', 'w1', 'SMTP refused', null);

      expect(await store.counts(now)).to.deep.equal({
        instances: { running: 1, completed: 1, cancelled: 0, incident: 1 },
        tasksOpen: 3,
        tasksOverdue: 1,
        jobs: { waiting: 1, delayed: 1, running: 1, failed: 1 },
        messages: { queued: 2, sent: 1, failed: 0, held: 1, dropped: 0, waiting: 0, digested: 0 },
      });
      // Later, the other task and job are due as well.
      expect(await store.counts(at(100))).to.deep.include({ tasksOverdue: 2, jobs: { waiting: 2, delayed: 0, running: 1, failed: 1 } });
    });
  });
}
