/**
 * The outbox port: what leaves the house, kept in the store until it went out: emails (messages) and
 * webhook deliveries, with the webhook subscriptions they are made for. Written only through commits, in
 * the commit of the change that caused them. Invariant: each status change of a message or delivery is an
 * upsert of the same id, so an attempt's outcome replaces the record instead of adding one, and a
 * subscription changes only by compare-and-swap on its revision. test/contracts/outbox-store/ pins it.
 */
import type { MessageRecord, WebhookDeliveryRecord, WebhookSubscriptionRecord } from '../kernel/model.js';

export interface OutboxStore {
  getMessage(id: string): Promise<MessageRecord | undefined>;
  /** Oldest first; `userId`: one person's messages (the daily digest's waiting notices). */
  listMessages(query: { status?: MessageRecord['status']; taskId?: string; userId?: string; limit?: number }): Promise<MessageRecord[]>;
  getWebhookSubscription(id: string): Promise<WebhookSubscriptionRecord | undefined>;
  listWebhookSubscriptions(): Promise<WebhookSubscriptionRecord[]>;
  getWebhookDelivery(id: string): Promise<WebhookDeliveryRecord | undefined>;
  /** A subscription's deliveries, newest first (by createdAt, then id descending). */
  listWebhookDeliveries(query: { subscriptionId: string; status?: WebhookDeliveryRecord['status']; limit?: number }): Promise<WebhookDeliveryRecord[]>;
}
