import type { MessageRecord, WebhookDeliveryRecord, WebhookSubscriptionRecord, InboundEventRecord } from '../../kernel/model.js';
import { type SqliteHandle } from './handle.js';
import { conditions, parseDoc, parseDocs } from './helpers.js';

/** Reads of the email outbox, webhook subscriptions and deliveries, and inbound events. */

export async function getMessage(h: SqliteHandle, id: string): Promise<MessageRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM messages WHERE id = ?').get(id));
}

export async function listMessages(h: SqliteHandle, query: { status?: MessageRecord['status']; taskId?: string; userId?: string; limit?: number }): Promise<MessageRecord[]> {
  const { where, params } = conditions([
    ['status = ?', query.status],
    ['task_id = ?', query.taskId],
    // no column of its own: asked for together with a status (the digest's waiting notices), which the index narrows
    ["json_extract(doc, '$.userId') = ?", query.userId],
  ]);
  return parseDocs(h.query(`SELECT doc FROM messages ${where} ORDER BY created_at, id LIMIT ?`).all(...params, query.limit ?? 1000));
}

export async function getWebhookSubscription(h: SqliteHandle, id: string): Promise<WebhookSubscriptionRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM webhook_subscriptions WHERE id = ?').get(id));
}

export async function listWebhookSubscriptions(h: SqliteHandle): Promise<WebhookSubscriptionRecord[]> {
  return parseDocs(h.query('SELECT doc FROM webhook_subscriptions ORDER BY id').all());
}

export async function getWebhookDelivery(h: SqliteHandle, id: string): Promise<WebhookDeliveryRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM webhook_deliveries WHERE id = ?').get(id));
}

export async function listWebhookDeliveries(h: SqliteHandle, query: { subscriptionId: string; status?: WebhookDeliveryRecord['status']; limit?: number }): Promise<WebhookDeliveryRecord[]> {
  const { where, params } = conditions([
    ['subscription_id = ?', query.subscriptionId],
    ['status = ?', query.status],
  ]);
  return parseDocs(h.query(`SELECT doc FROM webhook_deliveries ${where} ORDER BY created_at DESC, id DESC LIMIT ?`).all(...params, query.limit ?? 100));
}

export async function getInboundEvent(h: SqliteHandle, source: string, eventId: string): Promise<InboundEventRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM inbound_events WHERE source = ? AND event_id = ?').get(source, eventId));
}
