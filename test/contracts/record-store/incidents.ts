/** RecordStore contract: incidents, the steps that failed and wait for an operator to retry or resolve them. */
import { expect } from 'chai';
import type { Store } from '../../../engine/ports/store.js';
import { at, incident, ids, type StoreSuite } from '../support.js';

export function incidentsContract(suite: StoreSuite): void {
  describe('incidents', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    it('upserts incidents by id and lists them by status and instance, oldest first', async function () {
      const x1 = incident('x1', { createdAt: at(3) });
      const x0 = incident('x0', { createdAt: at(4), instanceId: 'i2' });
      const x2 = incident('x2', { createdAt: at(1), instanceId: 'i2', action: { type: 'timer', jobId: 'j1', executionId: 'e1' } });
      const x3 = incident('x3', { createdAt: at(2), action: { type: 'start' } });
      delete x3.elementId;
      await store.commit({ incidents: [x1, x2, x3], audit: [] });
      await store.commit({ incidents: [x0], audit: [] });

      expect(await store.getIncident('x1')).to.deep.equal(x1);
      expect(await store.getIncident('x2')).to.deep.equal(x2);
      expect(await store.getIncident('x3')).to.deep.equal(x3);
      expect(await store.getIncident('x4')).to.equal(undefined);
      expect(await store.listIncidents({})).to.deep.equal([x2, x3, x1, x0]);
      expect(ids(await store.listIncidents({ instanceId: 'i1' }))).to.deep.equal(['x3', 'x1']);
      expect(ids(await store.listIncidents({ status: 'resolved' }))).to.deep.equal([]);

      const resolved = { ...x1, status: 'resolved' as const, resolvedAt: at(9), attempts: 2 };
      const retried = { ...x3, message: 'still failing', attempts: 5 };
      await store.commit({ incidents: [resolved, retried], audit: [] });
      expect(await store.getIncident('x1')).to.deep.equal(resolved);
      expect(await store.getIncident('x3')).to.deep.equal(retried);
      // an upsert of an existing id updates it in place, keeping its position
      expect(await store.listIncidents({})).to.deep.equal([x2, retried, resolved, x0]);
      expect(ids(await store.listIncidents({ status: 'open' }))).to.deep.equal(['x2', 'x3', 'x0']);
      expect(ids(await store.listIncidents({ instanceId: 'i2' }))).to.deep.equal(['x2', 'x0']);
      expect(await store.listIncidents({ status: 'resolved' })).to.deep.equal([resolved]);
      expect(ids(await store.listIncidents({ status: 'open', instanceId: 'i1' }))).to.deep.equal(['x3']);
      expect(ids(await store.listIncidents({ status: 'resolved', instanceId: 'i2' }))).to.deep.equal([]);
    });
  });
}
