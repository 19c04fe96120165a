/** RecordStore contract: the hash-chained audit trail. */
import { expect } from 'chai';
import { GENESIS_HASH, verifyAuditChain } from '../../../engine/kernel/audit-chain.js';
import { ConflictError, RevisionConflict } from '../../../engine/kernel/errors.js';
import type { AuditEvent } from '../../../engine/kernel/model.js';
import type { ChangeSet } from '../../../engine/ports/commit-store.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, instance, task, job, event, rejection, sealed, type StoreSuite } from '../support.js';

export function auditContract(suite: StoreSuite): void {
  describe('audit', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('appends events in order with seq 1..n, chained from the genesis hash', async function () {
      const inputs = [
        event('instance.started', { new: { key: 'capa', variables: { severity: 'major' } } }),
        event('task.created', { target: 'task:t1', at: at(1), actor: 'system' }),
        event('task.completed', { target: 'task:t1', at: at(2), old: { status: 'open' }, new: { status: 'completed', data: { n: 1.5, ok: false, none: null } }, reason: 'done' }),
        { at: at(3), actor: 'admin', action: 'definition.deployed', target: 'definition:capa@1' },
      ];
      await store.commit({ audit: inputs });
      const events = await store.listAudit({});
      expect(events).to.deep.equal(sealed(inputs));
      expect(events.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4]);
      expect(events[0].prevHash).to.equal(GENESIS_HASH);
      for (let n = 1; n < events.length; n += 1) expect(events[n].prevHash).to.equal(events[n - 1].hash);
      expect(verifyAuditChain(events)).to.deep.equal({ ok: true, checked: 4 });
      expect(events[3]).to.not.have.property('instanceId');
    });

    it('chains events of sequential commits continuously', async function () {
      const first = [event('instance.started'), event('task.created', { target: 'task:t1' })];
      const second = [event('task.completed', { target: 'task:t1', at: at(5) })];
      const third = [event('instance.completed', { at: at(6) }), event('instance.archived', { at: at(7) })];
      await store.commit({ audit: first });
      await store.commit({ audit: [] });
      await store.commit({ audit: second });
      await store.commit({ scheduleJobs: [job('j1')], audit: [] });
      await store.commit({ audit: third });
      const events = await store.listAudit({});
      expect(events).to.deep.equal(sealed([...first, ...second, ...third]));
      expect(verifyAuditChain(events)).to.deep.equal({ ok: true, checked: 5 });
    });

    it('a rejected commit leaves no gap: the next commit continues the chain', async function () {
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [event('a')] });
      await rejection(store.commit({ instance: { record: instance('i1', { revision: 9 }), expectedRevision: 5 }, audit: [event('b'), event('c')] }), RevisionConflict);
      await rejection(store.commit({ instance: { record: instance('i2', { businessKey: instance('i1').businessKey }), expectedRevision: null }, audit: [event('d')] }), ConflictError);
      await store.commit({ audit: [event('e')] });
      const events = await store.listAudit({});
      expect(events).to.deep.equal(sealed([event('a'), event('e')]));
      expect(verifyAuditChain(events).ok).to.equal(true);
    });

    it('filters by target, instance and afterSeq, with a limit, in seq order', async function () {
      await store.commit({
        audit: [
          event('instance.started', { target: 'instance:i1', instanceId: 'i1' }), // 1
          event('task.created', { target: 'task:t1', instanceId: 'i1' }), // 2
          event('instance.started', { target: 'instance:i2', instanceId: 'i2' }), // 3
          { at: at(0), actor: 'admin', action: 'definition.deployed', target: 'definition:capa@2' }, // 4
        ],
      });
      await store.commit({
        audit: [
          event('task.completed', { target: 'task:t1', instanceId: 'i1' }), // 5
          event('task.created', { target: 'task:t2', instanceId: 'i2' }), // 6
          event('instance.completed', { target: 'instance:i1', instanceId: 'i1' }), // 7
        ],
      });
      const seqs = (events: AuditEvent[]) => events.map((e) => e.seq);
      const all = await store.listAudit({});
      expect(seqs(all)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
      expect(await store.listAudit({ target: 'task:t1' })).to.deep.equal([all[1], all[4]]);
      expect(seqs(await store.listAudit({ target: 'instance:i1' }))).to.deep.equal([1, 7]);
      expect(seqs(await store.listAudit({ target: 'task:t9' }))).to.deep.equal([]);
      expect(seqs(await store.listAudit({ instanceId: 'i1' }))).to.deep.equal([1, 2, 5, 7]);
      expect(seqs(await store.listAudit({ instanceId: 'i2' }))).to.deep.equal([3, 6]);
      expect(seqs(await store.listAudit({ afterSeq: 4 }))).to.deep.equal([5, 6, 7]);
      expect(seqs(await store.listAudit({ afterSeq: 0 }))).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
      expect(seqs(await store.listAudit({ afterSeq: 7 }))).to.deep.equal([]);
      expect(seqs(await store.listAudit({ limit: 3 }))).to.deep.equal([1, 2, 3]);
      expect(seqs(await store.listAudit({ afterSeq: 2, limit: 2 }))).to.deep.equal([3, 4]);
      expect(seqs(await store.listAudit({ instanceId: 'i1', afterSeq: 2, limit: 1 }))).to.deep.equal([5]);
      expect(seqs(await store.listAudit({ instanceId: 'i1', target: 'task:t1' }))).to.deep.equal([2, 5]);
      expect(seqs(await store.listAudit({ instanceId: 'i2', target: 'task:t1' }))).to.deep.equal([]);
      expect(seqs(await store.listAudit({ limit: Number.MAX_SAFE_INTEGER }))).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
      expect(await store.listAudit({ limit: 0 })).to.deep.equal([]);
    });

    it('concurrent commits produce one valid chain with every commit contiguous and no duplicate seq', async function () {
      const commits: ChangeSet[] = Array.from({ length: 20 }, (_, n) => ({
        instance: { record: instance(`i${n}`, { businessKey: `CAPA-2026-${String(n).padStart(4, '0')}` }), expectedRevision: null },
        tasks: [{ record: task(`t${n}`, { instanceId: `i${n}` }), expectedRevision: null }],
        audit: [
          event('instance.started', { target: `instance:i${n}`, instanceId: `i${n}`, reason: `commit ${n}` }),
          event('task.created', { target: `task:t${n}`, instanceId: `i${n}`, reason: `commit ${n}` }),
          event('timer.scheduled', { target: `instance:i${n}`, instanceId: `i${n}`, reason: `commit ${n}` }),
        ],
      }));
      await Promise.all(commits.map((c) => store.commit(c)));

      const events = await store.listAudit({ limit: 10_000 });
      expect(events).to.have.length(60);
      expect(events.map((e) => e.seq)).to.deep.equal(Array.from({ length: 60 }, (_, n) => n + 1));
      expect(verifyAuditChain(events)).to.deep.equal({ ok: true, checked: 60 });
      // each commit's events are adjacent and in the order given
      const seen = new Set<string>();
      for (let n = 0; n < 60; n += 3) {
        const reason = events[n].reason;
        expect(events.slice(n, n + 3).map((e) => [e.action, e.reason])).to.deep.equal([
          ['instance.started', reason],
          ['task.created', reason],
          ['timer.scheduled', reason],
        ]);
        seen.add(String(reason));
      }
      expect(seen.size).to.equal(20);
      expect(await store.listInstances({ limit: 100 })).to.have.length(20);
      expect(await store.listTasks({ limit: 100 })).to.have.length(20);
    });
  });
}
