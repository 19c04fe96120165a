import type { MessageRecord, WebhookDeliveryRecord, WebhookSubscriptionRecord, InboundEventRecord } from '../../kernel/model.js';
import { type MongoHandle } from './handle.js';
import { conditions, fromDoc } from './helpers.js';

/** Reads of the email outbox, webhook subscriptions and deliveries, and inbound events. */

export async function getMessage(h: MongoHandle, id: string): Promise<MessageRecord | undefined> {
  return fromDoc(await h.col('messages').findOne({ _id: id }));
}

export async function listMessages(h: MongoHandle, query: { status?: MessageRecord['status']; taskId?: string; userId?: string; limit?: number }): Promise<MessageRecord[]> {
  return h.list('messages', conditions({ status: query.status, taskId: query.taskId, userId: query.userId }), { createdAt: 1, _id: 1 }, query.limit ?? 1000);
}

export async function getWebhookSubscription(h: MongoHandle, id: string): Promise<WebhookSubscriptionRecord | undefined> {
  return fromDoc(await h.col('webhook_subscriptions').findOne({ _id: id }));
}

export async function listWebhookSubscriptions(h: MongoHandle): Promise<WebhookSubscriptionRecord[]> {
  return h.list('webhook_subscriptions', {}, { _id: 1 });
}

export async function getWebhookDelivery(h: MongoHandle, id: string): Promise<WebhookDeliveryRecord | undefined> {
  return fromDoc(await h.col('webhook_deliveries').findOne({ _id: id }));
}

export async function listWebhookDeliveries(h: MongoHandle, query: { subscriptionId: string; status?: WebhookDeliveryRecord['status']; limit?: number }): Promise<WebhookDeliveryRecord[]> {
  return h.list('webhook_deliveries', conditions({ subscriptionId: query.subscriptionId, status: query.status }), { createdAt: -1, _id: -1 }, query.limit ?? 100);
}

export async function getInboundEvent(h: MongoHandle, source: string, eventId: string): Promise<InboundEventRecord | undefined> {
  return fromDoc(await h.col('inbound_events').findOne({ source, eventId }));
}
