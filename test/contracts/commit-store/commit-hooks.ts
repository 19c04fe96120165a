/**
 * CommitStore contract: commit hooks. Webhooks add their deliveries in a before hook and the BullMQ relay wakes in
 * an after hook; both rely on what is pinned here: a before hook's additions are part of the one atomic
 * commit, an after hook sees only stored changes, unregistering works, and hooks run in registration order
 * (every before hook, the write, then every after hook).
 */
import { expect } from 'chai';
import { RevisionConflict } from '../../../engine/kernel/errors.js';
import type { ChangeSet } from '../../../engine/ports/commit-store.js';
import type { Store } from '../../../engine/ports/store.js';
import { event, instance, job, rejection, snapshot, type StoreSuite } from '../support.js';

export function commitHooksContract(suite: StoreSuite): void {
  describe('commit hooks', function () {
    let store: Store;
    /** What the hooks of this test remove when it ends, so a failing test leaves no hook behind. */
    let unregister: (() => void)[];
    beforeEach(function () {
      store = suite.store;
      unregister = [];
    });
    afterEach(function () {
      for (const remove of unregister) remove();
    });

    /** A before hook that adds a job and an audit event to every change, as webhooks add deliveries. */
    function addJobTo(change: ChangeSet, id: string): void {
      change.scheduleJobs = [...(change.scheduleJobs ?? []), job(id)];
      change.audit.push(event('webhook.planned', { target: `job:${id}` }));
    }

    it('what a before hook adds to a change is stored in the same commit', async function () {
      unregister.push(store.beforeCommit((change) => addJobTo(change, 'hook-job')));
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [event('instance.started')] });

      expect(await store.getInstance('i1')).to.deep.include({ id: 'i1', revision: 1 });
      expect(await store.getJob('hook-job')).to.deep.include({ id: 'hook-job', status: 'scheduled' });
      expect((await store.listAudit({})).map((e) => e.action).sort()).to.deep.equal(['instance.started', 'webhook.planned']);
    });

    it('a commit that loses its compare-and-swap stores none of what the before hook added, and runs no after hook', async function () {
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [event('instance.started')] });
      await store.commit({ instance: { record: instance('i1', { revision: 2 }), expectedRevision: 1 }, audit: [event('instance.updated')] });
      const before = await snapshot(store);
      const seenAfter: ChangeSet[] = [];
      unregister.push(store.beforeCommit((change) => addJobTo(change, 'hook-job')));
      unregister.push(store.afterCommit((change) => void seenAfter.push(change)));

      await rejection(store.commit({ instance: { record: instance('i1', { revision: 2, variables: { severity: 'critical' } }), expectedRevision: 1 }, audit: [event('instance.updated')] }), RevisionConflict);

      expect(await store.getJob('hook-job')).to.equal(undefined);
      expect(await snapshot(store)).to.deep.equal(before);
      expect(seenAfter).to.deep.equal([]);
    });

    it('a before hook that fails rejects the commit: nothing is stored and no after hook runs', async function () {
      const seenAfter: ChangeSet[] = [];
      unregister.push(
        store.beforeCommit(async () => {
          throw new Error('subscriptions could not be read');
        }),
      );
      unregister.push(store.afterCommit((change) => void seenAfter.push(change)));

      let error: unknown;
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [event('instance.started')] }).catch((err: unknown) => (error = err));

      expect((error as Error | undefined)?.message).to.equal('subscriptions could not be read');
      expect(await store.getInstance('i1')).to.equal(undefined);
      expect(await store.listAudit({})).to.deep.equal([]);
      expect(seenAfter).to.deep.equal([]);
    });

    it('an after hook runs once the change is stored, and sees what the before hooks added', async function () {
      const seen: { stored: boolean; jobs: string[] }[] = [];
      unregister.push(store.beforeCommit((change) => addJobTo(change, 'hook-job')));
      unregister.push(
        store.afterCommit(async (change) => {
          seen.push({ stored: (await store.getInstance('i1')) !== undefined && (await store.getJob('hook-job')) !== undefined, jobs: (change.scheduleJobs ?? []).map((j) => j.id) });
        }),
      );

      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, scheduleJobs: [job('own-job')], audit: [] });

      expect(seen).to.deep.equal([{ stored: true, jobs: ['own-job', 'hook-job'] }]);
    });

    it('an after hook that fails does not fail the commit: the change stays stored and later after hooks still run', async function () {
      const ran: string[] = [];
      const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
      unregister.push(
        store.afterCommit(() => {
          throw new Error('the relay is down');
        }),
      );
      unregister.push(store.afterCommit(() => void ran.push('second')));

      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [] });

      expect(await store.getInstance('i1')).to.deep.include({ id: 'i1' });
      expect(ran).to.deep.equal(['second']);
      expect(await warned).to.include({ name: 'AfterCommitHookFailed', message: 'an after-commit hook failed; the change is stored: the relay is down' });
    });

    it('an unregistered hook no longer runs; the others keep running, and unregistering twice is harmless', async function () {
      const ran: string[] = [];
      const removeBefore = store.beforeCommit(() => void ran.push('before'));
      const removeAfter = store.afterCommit(() => void ran.push('after'));
      unregister.push(removeBefore, removeAfter, store.afterCommit(() => void ran.push('kept')));

      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [] });
      removeBefore();
      removeAfter();
      removeAfter();
      await store.commit({ instance: { record: instance('i2'), expectedRevision: null }, audit: [] });

      expect(ran).to.deep.equal(['before', 'after', 'kept', 'kept']);
    });

    it('hooks run in registration order: every before hook, then the write, then every after hook', async function () {
      const ran: string[] = [];
      // registered interleaved on purpose: the relay may register before webhooks and must still see their jobs
      unregister.push(store.afterCommit((change) => void ran.push(`after 1 sees ${(change.scheduleJobs ?? []).map((j) => j.id).join(',')}`)));
      unregister.push(
        store.beforeCommit((change) => {
          ran.push('before 1');
          addJobTo(change, 'first');
        }),
      );
      unregister.push(
        store.beforeCommit((change) => {
          ran.push(`before 2 sees ${(change.scheduleJobs ?? []).map((j) => j.id).join(',')}`);
          addJobTo(change, 'second');
        }),
      );
      unregister.push(store.afterCommit(() => void ran.push('after 2')));

      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [] });

      expect(ran).to.deep.equal(['before 1', 'before 2 sees first', 'after 1 sees first,second', 'after 2']);
      expect((await store.listJobs({})).map((j) => j.id).sort()).to.deep.equal(['first', 'second']);
    });
  });
}
