/** RecordStore contract: change control of definitions: drafts, review and sign-off. */
import { expect } from 'chai';
import { ConflictError, RevisionConflict } from '../../../engine/kernel/errors.js';
import type { InstanceRecord } from '../../../engine/kernel/model.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, definition, draft, instance, event, rejection, ids, snapshot, type StoreSuite } from '../support.js';

export function changeControlContract(suite: StoreSuite): void {
  describe('change control', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('getEffectiveDefinition: the highest version in effect at a time (effectiveAt, else deployedAt)', async function () {
      await store.commit({ definition: definition('capa', 1), audit: [] });
      await store.commit({ definition: definition('capa', 2, { effectiveAt: at(100) }), audit: [] });
      await store.commit({ definition: definition('capa', 3, { effectiveAt: at(200) }), audit: [] });
      await store.commit({ definition: definition('nc', 1, { effectiveAt: at(50) }), audit: [] });
      expect(await store.getEffectiveDefinition('capa', at(0))).to.equal(undefined);
      expect((await store.getEffectiveDefinition('capa', at(1)))?.version).to.equal(1);
      expect((await store.getEffectiveDefinition('capa', at(99)))?.version).to.equal(1);
      expect((await store.getEffectiveDefinition('capa', at(100)))?.version).to.equal(2);
      expect(await store.getEffectiveDefinition('capa', at(150))).to.deep.equal(definition('capa', 2, { effectiveAt: at(100) }));
      expect((await store.getEffectiveDefinition('capa', at(250)))?.version).to.equal(3);
      expect((await store.getEffectiveDefinition('nc', at(49)))).to.equal(undefined);
      expect((await store.getEffectiveDefinition('nc', at(50)))?.key).to.equal('nc');
      expect(await store.getEffectiveDefinition('unknown', at(1000))).to.equal(undefined);
      // the latest version is still the latest, in effect or not
      expect((await store.getDefinition('capa'))?.version).to.equal(3);
    });

    it('keeps a draft whole and updates it by compare-and-swap on its revision', async function () {
      const d = draft('d1', { reason: 'longer due dates', impact: 'none', review: { decision: 'reject', by: 'qm', name: 'Q M', at: at(1), reason: 'no', signatureId: 's1', xmlHash: 'h' } });
      await store.commit({ drafts: [{ record: d, expectedRevision: null }], audit: [] });
      expect(await store.getDraft('d1')).to.deep.equal(d);
      expect(await store.getDraft('nope')).to.equal(undefined);
      const saved = { ...d, xml: '<changed/>', revision: 1, updatedAt: at(2), updatedBy: 'other', editors: ['owner', 'other'] };
      await store.commit({ drafts: [{ record: saved, expectedRevision: 0 }], audit: [event('draft.saved', { target: 'draft:d1', instanceId: undefined })] });
      expect(await store.getDraft('d1')).to.deep.equal(saved);

      const before = await snapshot(store);
      const stale = { ...d, xml: '<lost/>', revision: 1, updatedAt: at(3) };
      await rejection(store.commit({ drafts: [{ record: stale, expectedRevision: 0 }], audit: [event('draft.saved', { target: 'draft:d1', instanceId: undefined })] }), RevisionConflict);
      expect(await store.getDraft('d1')).to.deep.equal(saved);
      expect(await snapshot(store)).to.deep.equal(before);
    });

    it('holds at most one open draft per process (draft, in-review, approved, rejected); closed ones do not count', async function () {
      await store.commit({ drafts: [{ record: draft('d1', { status: 'rejected' }), expectedRevision: null }], audit: [] });
      const before = await snapshot(store);
      const error = await rejection(store.commit({ drafts: [{ record: draft('d2'), expectedRevision: null }], audit: [event('draft.created', { target: 'draft:d2' })] }), ConflictError);
      expect(error.message).to.include('capa');
      expect(await store.getDraft('d2')).to.equal(undefined);
      expect(await snapshot(store)).to.deep.equal(before);
      for (const status of ['in-review', 'approved'] as const) {
        await store.commit({ drafts: [{ record: draft('d1', { status, revision: status === 'in-review' ? 1 : 2 }), expectedRevision: status === 'in-review' ? 0 : 1 }], audit: [] });
        await rejection(store.commit({ drafts: [{ record: draft('d2'), expectedRevision: null }], audit: [] }), ConflictError);
      }
      // another process may have its own open draft
      await store.commit({ drafts: [{ record: draft('n1', { key: 'nc' }), expectedRevision: null }], audit: [] });
      // once published, a new draft of the process may start; closed drafts pile up freely
      await store.commit({ drafts: [{ record: draft('d1', { status: 'published', revision: 3, updatedAt: at(5) }), expectedRevision: 2 }], audit: [] });
      await store.commit({ drafts: [{ record: draft('d2', { updatedAt: at(6) }), expectedRevision: null }], audit: [] });
      await store.commit({ drafts: [{ record: draft('d2', { status: 'withdrawn', revision: 1, updatedAt: at(7) }), expectedRevision: 0 }], audit: [] });
      await store.commit({ drafts: [{ record: draft('d3', { updatedAt: at(8) }), expectedRevision: null }], audit: [] });
      // reopening a closed draft while another is open is refused too
      await rejection(store.commit({ drafts: [{ record: draft('d2', { status: 'draft', revision: 2, updatedAt: at(9) }), expectedRevision: 1 }], audit: [] }), ConflictError);
      expect((await store.getDraft('d2'))?.status).to.equal('withdrawn');

      expect(ids(await store.listDrafts({}))).to.deep.equal(['d3', 'd2', 'd1', 'n1']);
      expect(ids(await store.listDrafts({ key: 'capa' }))).to.deep.equal(['d3', 'd2', 'd1']);
      expect(ids(await store.listDrafts({ key: 'capa', status: ['draft', 'in-review', 'approved', 'rejected'] }))).to.deep.equal(['d3']);
      expect(ids(await store.listDrafts({ status: ['draft'] }))).to.deep.equal(['d3', 'n1']);
      expect(ids(await store.listDrafts({ status: ['published', 'withdrawn'] }))).to.deep.equal(['d2', 'd1']);
      expect(ids(await store.listDrafts({ limit: 1 }))).to.deep.equal(['d3']);
      expect(await store.listDrafts({ key: 'unknown' })).to.deep.equal([]);
    });

    it('a publication (new version, draft closed, training instances) lands in one commit or not at all', async function () {
      await store.commit({ definition: definition('capa', 1), audit: [] });
      await store.commit({ drafts: [{ record: draft('d1', { status: 'approved', revision: 4 }), expectedRevision: null }], audit: [] });
      const before = await snapshot(store);
      // the version number was taken meanwhile: nothing of the publication is kept
      await rejection(
        store.commit({
          definition: definition('capa', 1, { via: 'change-control' }),
          drafts: [{ record: draft('d1', { status: 'published', revision: 5, publishedVersion: 1 }), expectedRevision: 4 }],
          linkedInstances: [instance('t1', { key: 'training-acknowledgement' })],
          audit: [event('definition.published', { target: 'definition:capa@1' })],
        }),
        RevisionConflict,
      );
      expect(await snapshot(store)).to.deep.equal(before);
      expect((await store.getDraft('d1'))?.status).to.equal('approved');
      const published = definition('capa', 2, { via: 'change-control', draftId: 'd1', effectiveAt: at(60), change: { reason: 'r', impact: 'i', author: 'owner' }, approvals: [{ signatureId: 's1', signer: 'qm', name: 'Q M', meaning: 'approved', signedAt: at(1), reason: 'ok' }] });
      await store.commit({
        definition: published,
        drafts: [{ record: draft('d1', { status: 'published', revision: 5, publishedVersion: 2 }), expectedRevision: 4 }],
        linkedInstances: [instance('t1', { key: 'training-acknowledgement' })],
        audit: [event('definition.published', { target: 'definition:capa@2' })],
      });
      expect(await store.getDefinition('capa', 2)).to.deep.equal(published);
      expect((await store.getDraft('d1'))?.status).to.equal('published');
      expect(ids(await store.listInstances({ key: 'training-acknowledgement' }))).to.deep.equal(['t1']);
    });

    it('countInstancesByVersion: instances of a process by version and status', async function () {
      const runs: [string, string, number, InstanceRecord['status']][] = [
        ['a', 'capa', 1, 'running'],
        ['b', 'capa', 1, 'running'],
        ['c', 'capa', 1, 'completed'],
        ['d', 'capa', 2, 'running'],
        ['e', 'capa', 2, 'cancelled'],
        ['f', 'capa', 3, 'incident'],
        ['g', 'nc', 1, 'running'],
      ];
      for (const [id, key, version, status] of runs) {
        await store.commit({ instance: { record: instance(id, { key, version, status, businessKey: `${key}-${id}` }), expectedRevision: null }, audit: [] });
      }
      // a status change is counted where the instance is now
      const b = (await store.getInstance('b'))!;
      await store.commit({ instance: { record: { ...b, status: 'completed', revision: b.revision + 1 }, expectedRevision: b.revision }, audit: [] });
      expect(await store.countInstancesByVersion('capa')).to.deep.equal([
        { version: 1, status: 'completed', count: 2 },
        { version: 1, status: 'running', count: 1 },
        { version: 2, status: 'cancelled', count: 1 },
        { version: 2, status: 'running', count: 1 },
        { version: 3, status: 'incident', count: 1 },
      ]);
      expect(await store.countInstancesByVersion('nc')).to.deep.equal([{ version: 1, status: 'running', count: 1 }]);
      expect(await store.countInstancesByVersion('unknown')).to.deep.equal([]);
    });
  });
}
