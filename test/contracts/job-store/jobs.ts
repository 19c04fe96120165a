/** JobStore contract: durable jobs: scheduling, claiming, and the hand-over to a queue. */
import { expect } from 'chai';
import { RevisionConflict } from '../../../engine/kernel/errors.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, definition, instance, task, job, incident, event, rejection, ids, snapshot, type StoreSuite } from '../support.js';

export function jobsContract(suite: StoreSuite): void {
  describe('jobs', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    const lease = at(15);

    it('schedules jobs and lists them by instance and status, ordered by runAt', async function () {
      const j1 = job('j1', { runAt: at(20) });
      const j2 = job('j2', { runAt: at(5), instanceId: 'i2' });
      const j3 = job('j3', { runAt: at(10), payload: { executionId: 'x', nested: { list: [1, 'two'] } } });
      const j4 = job('j4', { runAt: at(1) });
      delete j4.instanceId;
      await store.commit({ scheduleJobs: [j1, j2, j3, j4], audit: [] });
      expect(await store.getJob('j1')).to.deep.equal(j1);
      expect(await store.getJob('j3')).to.deep.equal(j3);
      expect(await store.getJob('j4')).to.deep.equal(j4);
      expect(await store.getJob('nope')).to.equal(undefined);
      expect(await store.listJobs({})).to.deep.equal([j4, j2, j3, j1]);
      expect(ids(await store.listJobs({ instanceId: 'i1' }))).to.deep.equal(['j3', 'j1']);
      expect(ids(await store.listJobs({ instanceId: 'i2', status: 'scheduled' }))).to.deep.equal(['j2']);
      expect(ids(await store.listJobs({ status: 'scheduled' }))).to.deep.equal(['j4', 'j2', 'j3', 'j1']);
      expect(await store.listJobs({ status: 'running' })).to.deep.equal([]);

      await store.commit({ cancelJobs: ['j3'], audit: [] });
      expect(ids(await store.listJobs({ status: 'scheduled' }))).to.deep.equal(['j4', 'j2', 'j1']);
      expect(ids(await store.listJobs({ status: 'cancelled', instanceId: 'i1' }))).to.deep.equal(['j3']);
    });

    it('claims only due scheduled jobs, marks them running for the worker, and counts the attempt', async function () {
      const j1 = job('j1', { runAt: at(1), attempts: 2 });
      const j2 = job('j2', { runAt: at(5) });
      const j3 = job('j3', { runAt: at(5.001) });
      const j4 = job('j4', { runAt: at(0) });
      await store.commit({ scheduleJobs: [j3, j2, j1, j4], audit: [] });
      await store.commit({ cancelJobs: ['j4'], audit: [] });

      const claimed = await store.claimDueJobs(at(5), 'w1', lease, 10);
      expect(ids(claimed)).to.deep.equal(['j1', 'j2']);
      expect(claimed[0]).to.deep.equal({ ...j1, status: 'running', lockedBy: 'w1', lockedUntil: lease, attempts: 3 });
      expect(claimed[1]).to.deep.equal({ ...j2, status: 'running', lockedBy: 'w1', lockedUntil: lease, attempts: 1 });
      expect(await store.getJob('j1')).to.deep.equal(claimed[0]);
      expect(await store.getJob('j2')).to.deep.equal(claimed[1]);
      expect(await store.getJob('j3')).to.deep.equal(j3);
      expect((await store.getJob('j4'))?.status).to.equal('cancelled');
      expect(ids(await store.listJobs({ status: 'running' }))).to.deep.equal(['j1', 'j2']);

      // a second claim at the same time finds nothing: the claims hold
      expect(await store.claimDueJobs(at(5), 'w2', lease, 10)).to.deep.equal([]);
      expect(await store.claimDueJobs(at(5), 'w1', lease, 10)).to.deep.equal([]);
      expect((await store.getJob('j1'))?.lockedBy).to.equal('w1');
    });

    it('claims at most `limit` jobs, earliest runAt first', async function () {
      await store.commit({ scheduleJobs: [job('j3', { runAt: at(3) }), job('j1', { runAt: at(1) }), job('j2', { runAt: at(2) })], audit: [] });
      expect(ids(await store.claimDueJobs(at(10), 'w1', lease, 1))).to.deep.equal(['j1']);
      expect(ids(await store.claimDueJobs(at(10), 'w2', lease, 1))).to.deep.equal(['j2']);
      expect(ids(await store.claimDueJobs(at(10), 'w3', lease, 5))).to.deep.equal(['j3']);
      expect((await store.listJobs({})).map((j) => j.lockedBy)).to.deep.equal(['w1', 'w2', 'w3']);
    });

    it('hands a job whose lease expired to another worker, and only then', async function () {
      await store.commit({ scheduleJobs: [job('j1', { runAt: at(1) })], audit: [] });
      expect(ids(await store.claimDueJobs(at(1), 'w1', lease, 10))).to.deep.equal(['j1']);

      // one millisecond before the lease ends it is still w1's
      expect(await store.claimDueJobs(at(14.99), 'w2', at(30), 10)).to.deep.equal([]);
      const taken = await store.claimDueJobs(lease, 'w2', at(30), 10);
      expect(taken).to.deep.equal([{ ...job('j1', { runAt: at(1) }), status: 'running', lockedBy: 'w2', lockedUntil: at(30), attempts: 2 }]);
      expect(await store.getJob('j1')).to.deep.equal(taken[0]);
      expect(await store.claimDueJobs(lease, 'w3', at(30), 10)).to.deep.equal([]);

      // the first worker lost the claim: it can neither finish nor fail the job
      await rejection(store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
      await store.failJob('j1', 'w1', 'late worker', at(40));
      expect(await store.getJob('j1')).to.deep.equal(taken[0]);
      await store.commit({ finishJob: { id: 'j1', lockedBy: 'w2' }, audit: [] });
      expect((await store.getJob('j1'))?.status).to.equal('done');
    });

    it('concurrent claims never hand one job to two workers', async function () {
      const jobs = Array.from({ length: 20 }, (_, n) => job(`j${String(n).padStart(2, '0')}`, { runAt: at(n / 10) }));
      await store.commit({ scheduleJobs: jobs, audit: [] });
      const claims = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((w) => store.claimDueJobs(at(5), w, lease, 8)));
      const all = claims.flat();
      expect(all).to.have.length(20);
      expect(new Set(ids(all)).size).to.equal(20);
      for (const [n, w] of ['w1', 'w2', 'w3', 'w4'].entries()) {
        for (const claimed of claims[n]) expect((await store.getJob(claimed.id))?.lockedBy).to.equal(w);
      }
    });

    it('finishJob by the claiming worker marks the job done and drops the lease', async function () {
      const j1 = job('j1', { runAt: at(1) });
      await store.commit({ scheduleJobs: [j1, job('j2', { runAt: at(1) })], audit: [] });
      await store.claimDueJobs(at(1), 'w1', lease, 10);
      await store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [event('timer.fired')] });

      const done = await store.getJob('j1');
      expect(done?.status).to.equal('done');
      expect(done?.lockedUntil).to.equal(undefined);
      expect(done?.attempts).to.equal(1);
      expect(done?.runAt).to.equal(j1.runAt);
      expect(done?.payload).to.deep.equal(j1.payload);
      expect((await store.getJob('j2'))?.status).to.equal('running');
      expect(await store.listAudit({})).to.have.length(1);
      // a done job is never claimed again, not even after the lease
      expect(ids(await store.claimDueJobs(at(1000), 'w2', at(1010), 10))).to.deep.equal(['j2']);
      // and cannot be finished twice
      await rejection(store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
    });

    it('finishJob with the wrong worker throws RevisionConflict and applies nothing of that change', async function () {
      await store.commit({
        instance: { record: instance('i1'), expectedRevision: null },
        scheduleJobs: [job('j1', { runAt: at(1) })],
        audit: [event('instance.started')],
      });
      const [claimed] = await store.claimDueJobs(at(1), 'w1', lease, 10);
      const before = await snapshot(store);

      await rejection(
        store.commit({
          definition: definition('capa', 7),
          instance: { record: instance('i1', { revision: 2, variables: { fired: true } }), expectedRevision: 1 },
          tasks: [{ record: task('t1'), expectedRevision: null }],
          scheduleJobs: [job('j2', { runAt: at(30) })],
          cancelJobs: ['j1'],
          finishJob: { id: 'j1', lockedBy: 'w2' },
          incidents: [incident('x1')],
          audit: [event('timer.fired'), event('task.created', { target: 'task:t1' })],
        }),
        RevisionConflict,
      );
      expect(await store.getJob('j1')).to.deep.equal(claimed);
      expect(await store.getInstance('i1')).to.deep.equal(instance('i1'));
      expect(await store.getDefinition('capa', 7)).to.equal(undefined);
      expect(await store.getTask('t1')).to.equal(undefined);
      expect(await store.getJob('j2')).to.equal(undefined);
      expect(await store.getIncident('x1')).to.equal(undefined);
      expect(await snapshot(store)).to.deep.equal(before);

      // finishing a job nobody claimed, or one that does not exist, is a conflict too
      await store.commit({ scheduleJobs: [job('j3', { runAt: at(500) })], audit: [] });
      await rejection(store.commit({ finishJob: { id: 'j3', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
      await rejection(store.commit({ finishJob: { id: 'nope', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
      expect(await store.getJob('j3')).to.deep.equal(job('j3', { runAt: at(500) }));
    });

    it('rescheduling an existing id replaces it: scheduled again at the new time, claim dropped', async function () {
      await store.commit({ scheduleJobs: [job('j1', { runAt: at(1) })], audit: [] });
      await store.claimDueJobs(at(1), 'w1', lease, 10);
      expect((await store.getJob('j1'))?.status).to.equal('running');

      const again = job('j1', { runAt: at(60), payload: { executionId: 'timer_j1', elementId: 'reminder', round: 2 } });
      await store.commit({ scheduleJobs: [again], audit: [] });
      expect(await store.getJob('j1')).to.deep.equal(again);
      expect(await store.listJobs({})).to.deep.equal([again]);
      expect(ids(await store.listJobs({ status: 'running' }))).to.deep.equal([]);
      // due at the new time only, and free for any worker
      expect(await store.claimDueJobs(at(59.99), 'w2', at(100), 10)).to.deep.equal([]);
      expect(ids(await store.claimDueJobs(at(60), 'w2', at(100), 10))).to.deep.equal(['j1']);
      // the old worker's claim is gone
      await rejection(store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [] }), RevisionConflict);

      // rescheduling a cancelled or failed job revives it the same way
      await store.commit({ scheduleJobs: [job('j2', { runAt: at(1) })], audit: [] });
      await store.commit({ cancelJobs: ['j2'], audit: [] });
      await store.commit({ scheduleJobs: [job('j2', { runAt: at(2) })], audit: [] });
      expect(await store.getJob('j2')).to.deep.equal(job('j2', { runAt: at(2) }));
    });

    it('cancelJobs cancels scheduled and failed jobs, leaves running and done ones alone, ignores unknown ids', async function () {
      await store.commit({
        scheduleJobs: [job('s', { runAt: at(1) }), job('r', { runAt: at(1) }), job('d', { runAt: at(1) }), job('f', { runAt: at(1) }), job('later', { runAt: at(90) })],
        audit: [],
      });
      await store.commit({ cancelJobs: ['s'], audit: [] });
      // a long lease, so the running job stays out of the claim below
      expect(ids(await store.claimDueJobs(at(1), 'w1', at(5000), 10)).sort()).to.deep.equal(['d', 'f', 'r']);
      await store.commit({ finishJob: { id: 'd', lockedBy: 'w1' }, audit: [] });
      await store.failJob('f', 'w1', 'boom', null);
      const running = await store.getJob('r');
      const done = await store.getJob('d');

      await store.commit({ cancelJobs: ['r', 'd', 'f', 'later', 'unknown'], audit: [] });
      expect(await store.getJob('s')).to.deep.equal({ ...job('s', { runAt: at(1) }), status: 'cancelled' });
      expect(await store.getJob('later')).to.deep.equal({ ...job('later', { runAt: at(90) }), status: 'cancelled' });
      expect((await store.getJob('f'))?.status).to.equal('cancelled');
      expect(await store.getJob('r')).to.deep.equal(running);
      expect(await store.getJob('d')).to.deep.equal(done);
      expect(await store.getJob('unknown')).to.equal(undefined);
      // cancelled jobs are never claimed
      expect(await store.claimDueJobs(at(1000), 'w2', at(1010), 10)).to.deep.equal([]);
    });

    it('failJob with retryAt puts the job back to scheduled at retryAt with the error', async function () {
      const j1 = job('j1', { runAt: at(1), attempts: 0 });
      await store.commit({ scheduleJobs: [j1], audit: [] });
      await store.claimDueJobs(at(1), 'w1', lease, 10);
      await store.failJob('j1', 'w1', 'SMTP server unreachable', at(20));

      expect(await store.getJob('j1')).to.deep.equal({ ...j1, status: 'scheduled', runAt: at(20), attempts: 1, lastError: 'SMTP server unreachable' });
      expect(await store.claimDueJobs(at(19.99), 'w2', at(40), 10)).to.deep.equal([]);
      const [again] = await store.claimDueJobs(at(20), 'w2', at(40), 10);
      expect(again).to.deep.equal({ ...j1, status: 'running', runAt: at(20), attempts: 2, lastError: 'SMTP server unreachable', lockedBy: 'w2', lockedUntil: at(40) });
    });

    it('failJob with null retryAt fails the job for good, keeping its runAt', async function () {
      const j1 = job('j1', { runAt: at(1), attempts: 9 });
      await store.commit({ scheduleJobs: [j1], audit: [] });
      await store.claimDueJobs(at(1), 'w1', lease, 10);
      await store.failJob('j1', 'w1', 'x'.repeat(5000), null);

      const failed = await store.getJob('j1');
      expect(failed).to.deep.equal({ ...j1, status: 'failed', attempts: 10, lastError: 'x'.repeat(2000) });
      expect(ids(await store.listJobs({ status: 'failed' }))).to.deep.equal(['j1']);
      expect(await store.claimDueJobs(at(10_000), 'w2', at(10_010), 10)).to.deep.equal([]);
      await rejection(store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
    });

    it('failJob by a worker that does not hold the claim changes nothing', async function () {
      await store.commit({ scheduleJobs: [job('j1', { runAt: at(1) }), job('j2', { runAt: at(100) })], audit: [] });
      const [claimed] = await store.claimDueJobs(at(1), 'w1', lease, 10);
      await store.failJob('j1', 'w2', 'not mine', null);
      await store.failJob('j2', 'w1', 'not claimed', at(5));
      await store.failJob('nope', 'w1', 'no such job', null);
      expect(await store.getJob('j1')).to.deep.equal(claimed);
      expect(await store.getJob('j2')).to.deep.equal(job('j2', { runAt: at(100) }));
      expect(await store.getJob('nope')).to.equal(undefined);
    });
    describe('claimJob', function () {
      it('claims a scheduled job by id whatever its run time, for that worker, counting the attempt', async function () {
        const later = job('later', { runAt: at(600), attempts: 3 });
        const other = job('other', { runAt: at(1) });
        await store.commit({ scheduleJobs: [later, other], audit: [] });

        const claimed = await store.claimJob('later', 'w1', at(0), lease);
        expect(claimed).to.deep.equal({ ...later, status: 'running', lockedBy: 'w1', lockedUntil: lease, attempts: 4 });
        expect(await store.getJob('later')).to.deep.equal(claimed);
        // only the job asked for: the other one, due long ago, is untouched
        expect(await store.getJob('other')).to.deep.equal(other);
        // the claim holds: the worker can finish it, nobody else can
        await rejection(store.commit({ finishJob: { id: 'later', lockedBy: 'w2' }, audit: [] }), RevisionConflict);
        await store.commit({ finishJob: { id: 'later', lockedBy: 'w1' }, audit: [] });
        expect((await store.getJob('later'))?.status).to.equal('done');
      });

      it('does not take a running job whose lease is live, and takes it once the lease expired', async function () {
        const j1 = job('j1', { runAt: at(1) });
        await store.commit({ scheduleJobs: [j1], audit: [] });
        const first = await store.claimJob('j1', 'w1', at(1), lease);
        expect(first).to.deep.equal({ ...j1, status: 'running', lockedBy: 'w1', lockedUntil: lease, attempts: 1 });

        // one millisecond before the lease ends, not even the same worker gets it again
        expect(await store.claimJob('j1', 'w2', at(14.99), at(30))).to.equal(undefined);
        expect(await store.claimJob('j1', 'w1', at(14.99), at(30))).to.equal(undefined);
        expect(await store.getJob('j1')).to.deep.equal(first);

        const taken = await store.claimJob('j1', 'w2', lease, at(30));
        expect(taken).to.deep.equal({ ...j1, status: 'running', lockedBy: 'w2', lockedUntil: at(30), attempts: 2 });
        expect(await store.getJob('j1')).to.deep.equal(taken);
        expect(await store.claimJob('j1', 'w3', lease, at(40))).to.equal(undefined);
        await rejection(store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
        // claimDueJobs respects the lease claimJob took
        expect(await store.claimDueJobs(at(29.99), 'w4', at(50), 10)).to.deep.equal([]);
      });

      it('refuses done, cancelled, failed and unknown jobs and leaves them unchanged', async function () {
        await store.commit({ scheduleJobs: [job('done', { runAt: at(1) }), job('cancelled', { runAt: at(1) }), job('failed', { runAt: at(1) })], audit: [] });
        await store.claimJob('done', 'w1', at(1), lease);
        await store.commit({ finishJob: { id: 'done', lockedBy: 'w1' }, cancelJobs: ['cancelled'], audit: [] });
        await store.claimJob('failed', 'w1', at(1), lease);
        await store.failJob('failed', 'w1', 'gave up', null);
        const before = await store.listJobs({});
        expect(before.map((j) => j.status)).to.deep.equal(['cancelled', 'done', 'failed']);

        for (const id of ['done', 'cancelled', 'failed', 'unknown']) expect(await store.claimJob(id, 'w2', at(10_000), at(10_010)), id).to.equal(undefined);
        expect(await store.listJobs({})).to.deep.equal(before);
        expect(await store.getJob('unknown')).to.equal(undefined);
      });

      it('hands one job to exactly one of several concurrent claimers', async function () {
        await store.commit({ scheduleJobs: [job('j1', { runAt: at(1) })], audit: [] });
        const workers = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
        const results = await Promise.all(workers.map((w) => store.claimJob('j1', w, at(1), lease)));
        const winners = results.filter((r) => r !== undefined);
        expect(winners).to.have.length(1);
        expect(winners[0]?.attempts).to.equal(1);
        expect(await store.getJob('j1')).to.deep.equal(winners[0]);
      });
    });

    describe('queue hand-over', function () {
      it('listUnqueuedJobs lists scheduled jobs not yet queued, by runAt then id, at most `limit`', async function () {
        const b = job('j-b', { runAt: at(1) });
        const a = job('j-a', { runAt: at(1) });
        const c = job('j-c', { runAt: at(5) });
        // ids sort differently from run times on purpose
        const early = job('j-z', { runAt: at(0), kind: 'email', payload: { messageId: 'm1' } });
        delete early.instanceId;
        const running = job('j-r', { runAt: at(0) });
        const cancelled = job('j-x', { runAt: at(0) });
        const future = job('j-f', { runAt: at(10_000) });
        await store.commit({ scheduleJobs: [c, b, running, future, a, cancelled, early], audit: [] });
        await store.commit({ cancelJobs: ['j-x'], audit: [] });
        await store.claimJob('j-r', 'w1', at(0), lease);

        // run time in the future does not matter: the queue runner delays it
        expect(await store.listUnqueuedJobs(100)).to.deep.equal([early, a, b, c, future]);
        expect(ids(await store.listUnqueuedJobs(2))).to.deep.equal(['j-z', 'j-a']);
        expect(await store.listUnqueuedJobs(0)).to.deep.equal([]);
      });

      it('markJobsQueued marks only scheduled jobs; they leave the unqueued list and keep their record', async function () {
        const q1 = job('q1', { runAt: at(1) });
        const q2 = job('q2', { runAt: at(2) });
        const q3 = job('q3', { runAt: at(3) });
        await store.commit({ scheduleJobs: [q1, q2, q3, job('run', { runAt: at(0) }), job('done', { runAt: at(0) }), job('gone', { runAt: at(0) })], audit: [] });
        await store.claimJob('run', 'w1', at(0), lease);
        await store.claimJob('done', 'w1', at(0), lease);
        await store.commit({ finishJob: { id: 'done', lockedBy: 'w1' }, cancelJobs: ['gone'], audit: [] });
        const untouched = await Promise.all(['run', 'done', 'gone'].map((id) => store.getJob(id)));

        await store.markJobsQueued(['q1', 'q3', 'run', 'done', 'gone', 'unknown'], at(4));
        expect(await store.getJob('q1')).to.deep.equal({ ...q1, queuedAt: at(4) });
        expect(await store.getJob('q3')).to.deep.equal({ ...q3, queuedAt: at(4) });
        expect(await store.getJob('q2')).to.deep.equal(q2);
        expect(await Promise.all(['run', 'done', 'gone'].map((id) => store.getJob(id)))).to.deep.equal(untouched);
        expect(await store.getJob('unknown')).to.equal(undefined);
        expect(await store.listUnqueuedJobs(100)).to.deep.equal([q2]);
        await store.markJobsQueued([], at(5));
        expect(await store.listUnqueuedJobs(100)).to.deep.equal([q2]);

        // claiming a queued job keeps the hand-over time on the record
        expect(await store.claimJob('q1', 'w2', at(5), lease)).to.deep.equal({ ...q1, queuedAt: at(4), status: 'running', lockedBy: 'w2', lockedUntil: lease, attempts: 1 });
      });

      it('rescheduling a job clears queuedAt, so it is handed to the queue again', async function () {
        const q1 = job('q1', { runAt: at(1) });
        const q2 = job('q2', { runAt: at(2) });
        await store.commit({ scheduleJobs: [q1, q2], audit: [] });
        await store.markJobsQueued(['q1', 'q2'], at(3));
        expect(await store.listUnqueuedJobs(100)).to.deep.equal([]);

        const again = job('q1', { runAt: at(30) });
        await store.commit({ scheduleJobs: [again], audit: [] });
        expect(await store.getJob('q1')).to.deep.equal(again);
        expect(await store.listUnqueuedJobs(100)).to.deep.equal([again]);

        // even when the record handed in still carries the old queuedAt (a copy of the stored job)
        await store.claimJob('q2', 'w1', at(3), lease);
        await store.commit({ scheduleJobs: [{ ...q2, runAt: at(40), queuedAt: at(3) }], audit: [] });
        expect(await store.getJob('q2')).to.deep.equal({ ...q2, runAt: at(40) });
        expect(await store.listUnqueuedJobs(100)).to.deep.equal([again, { ...q2, runAt: at(40) }]);
        // and queued again afterwards like any new job
        await store.markJobsQueued(['q2'], at(41));
        expect(await store.listUnqueuedJobs(100)).to.deep.equal([again]);
      });
    });
  });
}
