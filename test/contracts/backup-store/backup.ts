/** BackupStore contract: bulk export and import, which backup and restore are built on. */
import { expect } from 'chai';
import { verifyAuditChain } from '../../../engine/kernel/audit-chain.js';
import { ConflictError } from '../../../engine/kernel/errors.js';
import type { AuditEvent } from '../../../engine/kernel/model.js';
import { BACKUP_COLLECTIONS, type BackupCollection } from '../../../engine/ports/backup-store.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, definition, instance, task, job, incident, user, message, token, apiToken, schedule, event, rejection, ids, sealed, type StoreSuite } from '../support.js';

export function backupContract(suite: StoreSuite): void {
  const { makeStore, cleanup } = suite;

  describe('bulk export and import', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    async function exported(from: Store, collection: BackupCollection, batchSize?: number): Promise<unknown[][]> {
      const batches: unknown[][] = [];
      for await (const batch of from.exportRecords(collection, batchSize)) batches.push(batch);
      return batches;
    }

    it('exports every kind of record as stored and imports it into an empty store unchanged, audit seq and hashes kept', async function () {
      const t1 = task('t1');
      await store.commit({
        definition: definition('capa', 1),
        instance: { record: instance('i1'), expectedRevision: null },
        tasks: [{ record: t1, expectedRevision: null }],
        scheduleJobs: [job('j1', { status: 'scheduled' }), job('j2', { kind: 'email', instanceId: undefined })],
        incidents: [incident('x1')],
        users: [user('alice', { roles: ['qa', 'auditor'], sites: ['A'] }), user('bob')],
        messages: [message('m1')],
        linkTokens: [token('lt1')],
        schedules: [{ record: schedule('s1'), expectedRevision: null }],
        apiTokens: [apiToken('at1')],
        webhookSubscriptions: [{ record: { id: 'w1', url: 'https://erp.example.com/h', events: ['task.completed'], secret: 's', active: true, createdAt: at(0), createdBy: 'admin', revision: 0 }, expectedRevision: null }],
        inboundEvents: [{ id: 'mes:1', source: 'mes', eventId: '1', type: 'nonconformity.raised', receivedAt: at(0), receivedBy: 'mes', dataHash: 'b'.repeat(64), instanceId: 'i1', businessKey: 'CAPA-2026-i1', processKey: 'capa' }],
        audit: [event('instance.started'), event('task.created', { target: 'task:t1' })],
      });
      await store.commit({ tasks: [{ record: { ...t1, status: 'completed', revision: t1.revision + 1 }, expectedRevision: t1.revision }], audit: [event('task.completed', { target: 'task:t1', new: { data: { n: 1.5, none: null } } })] });
      await store.nextSequence('CAPA-2026');
      await store.nextSequence('CAPA-2026');
      const counts = await store.countRecords();
      expect(counts).to.include({ definitions: 1, instances: 1, tasks: 1, jobs: 2, users: 2, audit: 3, sequences: 1, webhook_subscriptions: 1, inbound_events: 1, signatures: 0 });
      expect(Object.keys(counts).sort()).to.deep.equal([...BACKUP_COLLECTIONS].sort());

      const target = await makeStore();
      try {
        await target.init();
        expect(Object.values(await target.countRecords()).every((n) => n === 0)).to.equal(true);
        for (const collection of BACKUP_COLLECTIONS) {
          for (const batch of await exported(store, collection)) await target.importRecords(collection, batch);
        }
        expect(await target.countRecords()).to.deep.equal(counts);
        for (const collection of BACKUP_COLLECTIONS) expect((await exported(target, collection)).flat(), collection).to.deep.equal((await exported(store, collection)).flat());
        expect(await exported(store, 'sequences')).to.deep.equal([[{ name: 'CAPA-2026', value: 2 }]]);
        // the imported records answer queries as committed ones do
        expect(await target.listAudit({})).to.deep.equal(await store.listAudit({}));
        expect(ids(await target.listUsers({ role: 'auditor' }))).to.deep.equal(['alice']);
        expect(await target.getUserByEmail('ALICE@example.com')).to.deep.equal(await store.getUserByEmail('alice@example.com'));
        expect(ids(await target.listJobs({ status: 'scheduled' }))).to.deep.equal(['j1', 'j2']);
        expect((await target.getInboundEvent('mes', '1'))?.instanceId).to.equal('i1');
        // the chain goes on from the imported head, and numbering from the imported counter
        await target.commit({ audit: [event('backup.restored')] });
        const trail = await target.listAudit({});
        expect(trail).to.have.length(4);
        expect(trail[3]).to.deep.equal(sealed([event('backup.restored')], trail[2])[0]);
        expect(verifyAuditChain(trail)).to.deep.equal({ ok: true, checked: 4 });
        expect(await target.nextSequence('CAPA-2026')).to.equal(3);
        // an import over records that exist is refused
        await rejection(target.importRecords('instances', [instance('i1')]), ConflictError);
      } finally {
        if (cleanup) await cleanup(target);
        else await target.close();
      }
    });

    it('exports in batches of at most the batch size, audit events in seq order', async function () {
      await store.commit({ audit: Array.from({ length: 7 }, (_, n) => event(`e${n}`)) });
      const batches = await exported(store, 'audit', 3);
      expect(batches.map((b) => b.length)).to.deep.equal([3, 3, 1]);
      expect(batches.flat().map((e) => (e as AuditEvent).seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
      expect(await exported(store, 'instances')).to.deep.equal([]);
    });
  });
}
