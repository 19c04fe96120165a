/** RecordStore contract: events received from other systems (MES, ERP), each taken once. */
import { expect } from 'chai';
import { ConflictError, DuplicateEventError } from '../../../engine/kernel/errors.js';
import type { InboundEventRecord } from '../../../engine/kernel/model.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, instance, event, rejection, snapshot, type StoreSuite } from '../support.js';

export function inboundEventsContract(suite: StoreSuite): void {
  describe('inbound events', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    const inbound = (source: string, eventId: string, overrides: Partial<InboundEventRecord> = {}): InboundEventRecord => ({
      id: `${source}:${eventId}`,
      source,
      eventId,
      type: 'nonconformity.raised',
      receivedAt: at(0),
      receivedBy: 'mes',
      dataHash: 'a'.repeat(64),
      instanceId: 'i1',
      businessKey: 'CAPA-2026-i1',
      processKey: 'capa',
      ...overrides,
    });

    it('keeps one record per (source, eventId), found by the pair', async function () {
      const first = inbound('mes-dublin', 'NC-1');
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, inboundEvents: [first], audit: [event('inbound.received')] });
      expect(await store.getInboundEvent('mes-dublin', 'NC-1')).to.deep.equal(first);
      expect(await store.getInboundEvent('mes-basel', 'NC-1')).to.equal(undefined);
      // the same event id from another source is another event
      await store.commit({ inboundEvents: [inbound('mes-basel', 'NC-1', { instanceId: 'i2' })], audit: [] });
      expect((await store.getInboundEvent('mes-basel', 'NC-1'))?.instanceId).to.equal('i2');
    });

    it('refuses a repeat with DuplicateEventError and rolls back the whole change (its record, its audit)', async function () {
      await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, inboundEvents: [inbound('mes', 'NC-7')], audit: [event('inbound.received')] });
      const before = await snapshot(store);
      const error = await rejection(
        store.commit({ instance: { record: instance('i2'), expectedRevision: null }, inboundEvents: [inbound('mes', 'NC-7', { id: 'other-id', instanceId: 'i2' })], audit: [event('inbound.received')] }),
        DuplicateEventError,
      );
      expect(error).to.be.instanceOf(ConflictError);
      expect(error).to.include({ source: 'mes', eventId: 'NC-7' });
      expect(await snapshot(store)).to.deep.equal(before);
    });

    it('lets one of many concurrent repeats win', async function () {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, n) =>
          store.commit({ instance: { record: instance(`i${n}`, { businessKey: `CAPA-2026-${n}` }), expectedRevision: null }, inboundEvents: [inbound('mes', 'NC-9', { id: `mes:NC-9:${n}`, instanceId: `i${n}` })], audit: [event('inbound.received')] }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
      expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof DuplicateEventError)).to.equal(true);
      expect(await store.listInstances({})).to.have.length(1);
      expect(await store.listAudit({})).to.have.length(1);
    });
  });
}
