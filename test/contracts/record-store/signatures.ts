/** RecordStore contract: electronic signatures (21 CFR Part 11). */
import { expect } from 'chai';
import { ConflictError, RevisionConflict } from '../../../engine/kernel/errors.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import type { SignatureRecord } from '../../../engine/features/signatures/index.js';
import type { ChangeSet } from '../../../engine/ports/commit-store.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, instance, task, event, rejection, snapshot, type StoreSuite } from '../support.js';

export function signaturesContract(suite: StoreSuite): void {
  describe('signatures', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    function signature(id: string, overrides: Partial<SignatureRecord> = {}): SignatureRecord {
      return {
        id,
        taskId: 't1',
        instanceId: 'i1',
        userId: 'alice',
        printedName: 'Alice Example',
        meaning: 'verified',
        signedAt: at(5),
        timeZone: 'UTC',
        recordHash: `${id}-hash`.padEnd(64, '0'),
        method: 'password+userid',
        content: {
          instanceId: 'i1',
          businessKey: 'CAPA-2026-i1',
          definition: { key: 'capa', version: 1 },
          taskId: 't1',
          elementId: 'verify',
          taskName: 'Verify effectiveness',
          data: { effective: 'yes', score: 1.5, none: null, rows: [{ item: 'a', result: 'conforms' }] },
          priorOutput: { triage: { decision: 'investigate' } },
        },
        ...overrides,
      };
    }
    const completing = (t: TaskRecord): NonNullable<ChangeSet['tasks']>[number] => ({
      record: { ...t, status: 'completed', completedAt: at(5), completedBy: 'alice', revision: t.revision + 1 },
      expectedRevision: t.revision,
    });

    it('stores signatures with the completion they sign and lists them by instance and by task, by signedAt, then id', async function () {
      const t1 = task('t1');
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, tasks: [{ record: t1, expectedRevision: null }], audit: [] });
      const s2 = signature('s2');
      const s1 = signature('s1', { method: 'password' });
      await store.commit({ tasks: [completing(t1)], signatures: [s2, s1], audit: [event('task.signed', { target: 'task:t1' })] });
      const s3 = signature('s3', { taskId: 't2', signedAt: at(3), meaning: 'approved' });
      const s4 = signature('s4', { taskId: 't9', instanceId: 'i2', signedAt: at(1), meaning: 'authored' });
      await store.commit({ signatures: [s3, s4], audit: [] });

      expect(await store.listSignatures({ instanceId: 'i1' })).to.deep.equal([s3, s1, s2]);
      expect(await store.listSignatures({ taskId: 't1' })).to.deep.equal([s1, s2]);
      expect(await store.listSignatures({ taskId: 't2' })).to.deep.equal([s3]);
      expect(await store.listSignatures({ instanceId: 'i2' })).to.deep.equal([s4]);
      expect(await store.listSignatures({ instanceId: 'i1', taskId: 't1' })).to.deep.equal([s1, s2]);
      expect(await store.listSignatures({ instanceId: 'i1', taskId: 't9' })).to.deep.equal([]);
      expect(await store.listSignatures({ taskId: 'none' })).to.deep.equal([]);
      expect(await store.listSignatures({})).to.deep.equal([s4, s3, s1, s2]);
      expect((await store.getTask('t1'))?.status).to.equal('completed');

      // init again keeps them
      await store.init();
      expect(await store.listSignatures({})).to.deep.equal([s4, s3, s1, s2]);
    });

    it('never replaces a signature: an id that exists fails the whole change with ConflictError', async function () {
      const t1 = task('t1');
      const s1 = signature('s1');
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, tasks: [{ record: t1, expectedRevision: null }], signatures: [s1], audit: [event('a')] });
      const before = await snapshot(store);

      await rejection(
        store.commit({ tasks: [completing(t1)], signatures: [signature('s2'), { ...s1, printedName: 'Mallory', taskId: 't2' }], audit: [event('task.signed')] }),
        ConflictError,
      );
      expect(await snapshot(store)).to.deep.equal(before);
      expect(await store.listSignatures({})).to.deep.equal([s1]);

      // the same id twice in one change
      await rejection(store.commit({ signatures: [signature('s3'), signature('s3', { taskId: 't2' })], audit: [event('b')] }), ConflictError);
      expect(await store.listSignatures({})).to.deep.equal([s1]);
      expect(await snapshot(store)).to.deep.equal(before);
    });

    it('a change rejected for another reason stores none of its signatures', async function () {
      const t1 = task('t1');
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, tasks: [{ record: t1, expectedRevision: null }], audit: [] });
      const before = await snapshot(store);
      // the completion lost a race: the task moved on meanwhile
      await rejection(store.commit({ tasks: [{ ...completing(t1), expectedRevision: 7 }], signatures: [signature('s1')], audit: [event('task.signed')] }), RevisionConflict);
      expect(await store.listSignatures({})).to.deep.equal([]);
      expect(await snapshot(store)).to.deep.equal(before);
      // the id was not taken by the rejected change
      await store.commit({ tasks: [completing(t1)], signatures: [signature('s1')], audit: [] });
      expect(await store.listSignatures({ taskId: 't1' })).to.deep.equal([signature('s1')]);
    });
  });
}
