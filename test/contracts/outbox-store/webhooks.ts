/** OutboxStore contract: webhook subscriptions and their deliveries. */
import { expect } from 'chai';
import { ConflictError, RevisionConflict } from '../../../engine/kernel/errors.js';
import type { WebhookDeliveryRecord, WebhookSubscriptionRecord } from '../../../engine/kernel/model.js';
import type { Store } from '../../../engine/ports/store.js';
import { at, job, event, rejection, ids, type StoreSuite } from '../support.js';

export function webhooksContract(suite: StoreSuite): void {
  describe('webhook subscriptions and deliveries', function () {
    let store: Store;
    beforeEach(function () {
      store = suite.store;
    });

    const subscription = (id: string, overrides: Partial<WebhookSubscriptionRecord> = {}): WebhookSubscriptionRecord => ({
      id,
      url: `https://erp.example.com/hooks/${id}`,
      events: ['task.completed', 'instance.completed'],
      secret: `whsec_${id}`,
      active: true,
      createdAt: at(0),
      createdBy: 'admin',
      revision: 0,
      ...overrides,
    });
    const delivery = (id: string, overrides: Partial<WebhookDeliveryRecord> = {}): WebhookDeliveryRecord => ({
      id,
      subscriptionId: 'w1',
      eventId: `event-${id}`,
      event: 'task.completed',
      target: 'task:t1',
      instanceId: 'i1',
      body: JSON.stringify({ id: `event-${id}`, type: 'task.completed', data: { n: 1.5, none: null } }),
      status: 'pending',
      attempts: 0,
      createdAt: at(0),
      history: [],
      ...overrides,
    });

    it('inserts, lists by id, updates with compare-and-swap and deletes subscriptions', async function () {
      await store.commit({ webhookSubscriptions: [{ record: subscription('w2'), expectedRevision: null }, { record: subscription('w1', { description: 'ERP' }), expectedRevision: null }], audit: [event('webhook.subscription-created')] });
      expect(await store.listWebhookSubscriptions()).to.deep.equal([subscription('w1', { description: 'ERP' }), subscription('w2')]);
      expect(await store.getWebhookSubscription('w9')).to.equal(undefined);
      await rejection(store.commit({ webhookSubscriptions: [{ record: subscription('w1'), expectedRevision: null }], audit: [] }), ConflictError);
      const paused = subscription('w1', { active: false, revision: 1 });
      await store.commit({ webhookSubscriptions: [{ record: paused, expectedRevision: 0 }], audit: [] });
      await rejection(store.commit({ webhookSubscriptions: [{ record: subscription('w1', { revision: 2 }), expectedRevision: 0 }], audit: [event('x')] }), RevisionConflict);
      expect(await store.getWebhookSubscription('w1')).to.deep.equal(paused);
      await store.commit({ deleteWebhookSubscriptions: ['w2'], audit: [] });
      expect(ids(await store.listWebhookSubscriptions())).to.deep.equal(['w1']);
    });

    it('upserts deliveries and lists a subscription\'s newest first, by status, with a limit', async function () {
      await store.commit({
        webhookDeliveries: [delivery('d1'), delivery('d2', { createdAt: at(2) }), delivery('d3', { createdAt: at(1) }), delivery('d4', { subscriptionId: 'w2', createdAt: at(5) })],
        scheduleJobs: [job('d1', { kind: 'webhook' })],
        audit: [],
      });
      expect(ids(await store.listWebhookDeliveries({ subscriptionId: 'w1' }))).to.deep.equal(['d2', 'd3', 'd1']);
      const failed = delivery('d3', { createdAt: at(1), status: 'failed', attempts: 1, responseStatus: 503, lastError: 'HTTP 503', history: [{ at: at(1), statusCode: 503, error: 'HTTP 503', durationMs: 12 }] });
      await store.commit({ webhookDeliveries: [failed], audit: [] });
      expect(await store.getWebhookDelivery('d3')).to.deep.equal(failed);
      expect(await store.listWebhookDeliveries({ subscriptionId: 'w1', status: 'failed' })).to.deep.equal([failed]);
      expect(ids(await store.listWebhookDeliveries({ subscriptionId: 'w1', limit: 1 }))).to.deep.equal(['d2']);
      expect(ids(await store.listWebhookDeliveries({ subscriptionId: 'w2' }))).to.deep.equal(['d4']);
      expect(await store.getWebhookDelivery('d9')).to.equal(undefined);
    });
  });
}
