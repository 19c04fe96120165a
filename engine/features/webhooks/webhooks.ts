import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP, type BlockList } from 'node:net';
import type { Clock } from '../../kernel/clock.js';
import { ConflictError, NotFoundError, RevisionConflict, ValidationError, type FieldError } from '../../kernel/errors.js';
import { auditEvent } from '../../kernel/audit-event.js';
import {
  WEBHOOK_EVENTS,
  type AuditInput,
  type InstanceRecord,
  type JobRecord,
  type WebhookAttempt,
  type WebhookDeliveryRecord,
  type WebhookEvent,
  type WebhookSubscriptionRecord,
} from '../../kernel/model.js';
import { addressProblem, describeProblem, guardedLookup, parseAllowList, systemResolve, type Resolve } from './net-guard.js';
import type { ChangeSet, CommitStore } from '../../ports/commit-store.js';
import type { OutboxStore } from '../../ports/outbox-store.js';
import type { RecordStore } from '../../ports/record-store.js';
import type { JobStore } from '../../ports/job-store.js';

/**
 * Outgoing webhooks. A commit whose audit trail holds a record event some subscription asks for gets, in the
 * same commit, one delivery record and one `webhook` job per subscription: the event cannot happen without
 * its delivery being planned, nor be planned for an event that was rolled back. The job POSTs the event,
 * signed with the subscription's secret (HMAC-SHA256 over `<timestamp>.<body>`, header `Imsflow-Signature:
 * t=<unix seconds>,v1=<hex>`, as Stripe does), and is retried with backoff by whichever runner runs jobs
 * (embedded scheduler or BullMQ). Delivery is at least once: the body carries the event id, the same on
 * every attempt, for the receiver to drop repeats.
 *
 * Targets are http(s) only and never an address of a refused range (engine/features/webhooks/net-guard.ts: private,
 * loopback, link-local, …, IPv4 carried in IPv6 included), checked when a subscription is saved and again
 * on every connection, so DNS cannot be pointed inward later, unless the address is on the configured
 * allow-list (IMSFLOW_WEBHOOK_ALLOW_PRIVATE).
 */

export const SIGNATURE_HEADER = 'imsflow-signature';
/** How old a signed timestamp a receiver should accept, in seconds (our verification helper's default). */
export const SIGNATURE_TOLERANCE_S = 300;
const MAX_HISTORY = 20;
const MAX_ERROR = 500;
/** Subscriptions are re-read at most this often per process (changes made through this process at once). */
const CACHE_MS = 2000;

export interface WebhooksOptions {
  store: OutboxStore & RecordStore & JobStore & CommitStore;
  clock: Clock;
  /** Addresses or CIDR ranges (`127.0.0.1`, `10.0.0.0/8`, `::1`) that may be targeted although private. */
  allowPrivate?: string[];
  /** Per attempt: connect, send and read the status. */
  timeoutMs?: number;
  /** How names are resolved (default: the system resolver; tests hand in DNS answers). */
  resolve?: Resolve;
}

export interface SubscriptionInput {
  url: string;
  events: string[];
  description?: string;
  active?: boolean;
}

/** A subscription as the API shows it: never its secret (that is shown once, on create and rotate). */
export type SubscriptionView = Omit<WebhookSubscriptionRecord, 'secret'>;

export function viewOf(record: WebhookSubscriptionRecord): SubscriptionView {
  const { secret: _secret, ...rest } = record;
  return rest;
}

/** The signature header value for a body sent at `timestamp` (unix seconds). */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does (shown in the README): recompute the HMAC over `<t>.<raw body>` with the secret,
 * compare in constant time, and refuse a timestamp older than the tolerance (a replayed request).
 */
export function verifySignature(secret: string, header: string | undefined, body: string, nowSeconds: number, toleranceS = SIGNATURE_TOLERANCE_S): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowSeconds - t) > toleranceS) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Which subscribable event an audit input is, if any. */
export function webhookEventOf(input: AuditInput): WebhookEvent | undefined {
  if (input.action === 'task.notified') return (input.new as { notice?: unknown } | undefined)?.notice === 'overdue' ? 'task.overdue' : undefined;
  return (WEBHOOK_EVENTS as readonly string[]).includes(input.action) ? (input.action as WebhookEvent) : undefined;
}

// ---- where a webhook may point: engine/features/webhooks/net-guard.ts ------------------------------------------------------

const ALLOW_HINT = 'allow it with IMSFLOW_WEBHOOK_ALLOW_PRIVATE';

/** Why an address (or the name it was resolved from) may not be a target, in words; undefined when it may be. */
function targetProblem(address: string, allow: BlockList, resolvedFrom?: string): string | undefined {
  const problem = addressProblem(address, allow);
  if (!problem) return undefined;
  return problem.notAnAddress ? describeProblem(problem, resolvedFrom) : `${describeProblem(problem, resolvedFrom)} (${ALLOW_HINT})`;
}

// ---- the service -----------------------------------------------------------------------------------------

export class Webhooks {
  private readonly store: OutboxStore & RecordStore & JobStore & CommitStore;
  private readonly clock: Clock;
  private readonly allow: BlockList;
  private readonly timeoutMs: number;
  private readonly resolve: Resolve;
  private cache: { at: number; subscriptions: WebhookSubscriptionRecord[] } | undefined;
  /** Changes already given their deliveries (a commit retried with the same object keeps them). */
  private readonly planned = new WeakSet<ChangeSet>();

  constructor(options: WebhooksOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.allow = parseAllowList(options.allowPrivate ?? []);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.resolve = options.resolve ?? systemResolve;
  }

  // ---- subscriptions ----

  async list(): Promise<SubscriptionView[]> {
    return (await this.store.listWebhookSubscriptions()).map(viewOf);
  }

  async get(id: string): Promise<WebhookSubscriptionRecord> {
    const record = await this.store.getWebhookSubscription(id);
    if (!record) throw new NotFoundError(`no webhook subscription ${id}`);
    return record;
  }

  /** Creates a subscription; the secret is returned here and on rotation only. */
  async create(input: SubscriptionInput, actor: string): Promise<{ subscription: SubscriptionView; secret: string }> {
    const { url, events } = await this.checkInput(input);
    const now = this.clock.now().toISOString();
    const record: WebhookSubscriptionRecord = {
      id: randomUUID(),
      url,
      events,
      secret: newSecret(),
      active: input.active ?? true,
      ...(input.description?.trim() && { description: input.description.trim() }),
      createdAt: now,
      createdBy: actor,
      revision: 0,
    };
    await this.store.commit({
      webhookSubscriptions: [{ record, expectedRevision: null }],
      audit: [auditEvent(this.clock, { actor, action: 'webhook.subscription-created', target: `webhook:${record.id}`, new: describe(record) })],
    });
    this.cache = undefined;
    return { subscription: viewOf(record), secret: record.secret };
  }

  async update(id: string, input: Partial<SubscriptionInput>, actor: string): Promise<SubscriptionView> {
    const existing = await this.get(id);
    const checked = await this.checkInput({ url: input.url ?? existing.url, events: input.events ?? existing.events });
    const record: WebhookSubscriptionRecord = {
      ...existing,
      url: checked.url,
      events: checked.events,
      ...(input.active !== undefined && { active: input.active }),
      ...(input.description !== undefined && { description: input.description.trim() || undefined }),
      updatedAt: this.clock.now().toISOString(),
      revision: existing.revision + 1,
    };
    if (!record.description) delete record.description;
    await this.commitChange(existing, record, auditEvent(this.clock, { actor, action: 'webhook.subscription-updated', target: `webhook:${id}`, old: describe(existing), new: describe(record) }));
    return viewOf(record);
  }

  /** A new secret; deliveries from now on (retries included) are signed with it. */
  async rotateSecret(id: string, reason: string, actor: string): Promise<{ subscription: SubscriptionView; secret: string }> {
    const existing = await this.get(id);
    const record: WebhookSubscriptionRecord = { ...existing, secret: newSecret(), updatedAt: this.clock.now().toISOString(), revision: existing.revision + 1 };
    await this.commitChange(existing, record, auditEvent(this.clock, { actor, action: 'webhook.secret-rotated', target: `webhook:${id}`, reason }));
    return { subscription: viewOf(record), secret: record.secret };
  }

  async delete(id: string, actor: string): Promise<void> {
    const existing = await this.get(id);
    await this.store.commit({ deleteWebhookSubscriptions: [id], audit: [auditEvent(this.clock, { actor, action: 'webhook.subscription-deleted', target: `webhook:${id}`, old: describe(existing) })] });
    this.cache = undefined;
  }

  /** The delivery log of a subscription, newest first, with when the next attempt is due (if one is). */
  async deliveries(id: string, query: { status?: WebhookDeliveryRecord['status']; limit?: number } = {}): Promise<(Omit<WebhookDeliveryRecord, 'body'> & { nextAttemptAt?: string; gaveUp?: boolean })[]> {
    await this.get(id);
    const deliveries = await this.store.listWebhookDeliveries({ subscriptionId: id, ...query });
    return Promise.all(
      deliveries.map(async ({ body: _body, ...delivery }) => {
        if (delivery.status !== 'failed') return delivery;
        const job = await this.store.getJob(delivery.id);
        return { ...delivery, ...(job?.status === 'scheduled' && { nextAttemptAt: job.runAt }), ...(job?.status === 'failed' && { gaveUp: true }) };
      }),
    );
  }

  private async commitChange(existing: WebhookSubscriptionRecord, record: WebhookSubscriptionRecord, event: AuditInput): Promise<void> {
    try {
      await this.store.commit({ webhookSubscriptions: [{ record, expectedRevision: existing.revision }], audit: [event] });
    } catch (err) {
      if (err instanceof RevisionConflict) throw new ConflictError(`webhook subscription ${existing.id} was changed meanwhile; reload it and try again`);
      throw err;
    }
    this.cache = undefined;
  }

  private async checkInput(input: { url: string; events: string[] }): Promise<{ url: string; events: WebhookEvent[] }> {
    const fields: FieldError[] = [];
    let url: URL | undefined;
    try {
      url = new URL(input.url);
    } catch {
      fields.push({ field: 'url', message: 'is not a valid URL' });
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') fields.push({ field: 'url', message: `must be http:// or https:// (was ${url.protocol})` });
    else if (url) {
      const problem = await this.hostProblem(url.hostname);
      if (problem) fields.push({ field: 'url', message: problem });
    }
    const unknown = input.events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
    if (!input.events.length) fields.push({ field: 'events', message: `name at least one of ${WEBHOOK_EVENTS.join(', ')}` });
    else if (unknown.length) fields.push({ field: 'events', message: `unknown ${unknown.join(', ')}: use ${WEBHOOK_EVENTS.join(', ')}` });
    if (fields.length) throw new ValidationError('invalid webhook subscription', fields);
    return { url: url!.toString(), events: [...new Set(input.events)] as WebhookEvent[] };
  }

  /** Why a host may not be a target, checked when saving (delivery checks again on every connection). */
  private async hostProblem(hostname: string): Promise<string | undefined> {
    const host = hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return targetProblem(host, this.allow);
    const addresses = await this.resolve(host).catch(() => []);
    if (!addresses.length) return `${host} does not resolve to an address`;
    return addresses.map((a) => targetProblem(a.address, this.allow, host)).find(Boolean);
  }

  // ---- events into deliveries, in the same commit ----

  /**
   * Registers a before-commit hook: a change whose audit events some active subscription asks for gets its
   * deliveries and jobs added before it is written, in the same transaction. Returns the way to unregister.
   * A before hook, so the jobs are in the change before any after hook (the BullMQ relay) reads it.
   */
  attach(store: CommitStore): () => void {
    return store.beforeCommit((change) => this.planDeliveries(change));
  }

  /**
   * Adds to the change (in place, so the commit writes them and after-commit hooks see the jobs) a delivery and a job per
   * matching subscription and event. One event id per audit event, shared by all its subscribers.
   */
  async planDeliveries(change: ChangeSet): Promise<void> {
    if (this.planned.has(change)) return;
    const events = change.audit.map((input) => ({ input, type: webhookEventOf(input) })).filter((e): e is { input: AuditInput; type: WebhookEvent } => e.type !== undefined);
    if (!events.length) return;
    const subscriptions = (await this.subscriptions()).filter((s) => s.active);
    if (!subscriptions.length) return;
    this.planned.add(change);
    const records = recordsOf(change);
    const now = this.clock.now().toISOString();
    const deliveries: WebhookDeliveryRecord[] = [];
    const jobs: JobRecord[] = [];
    for (const { input, type } of events) {
      const targets = subscriptions.filter((s) => s.events.includes(type));
      if (!targets.length) continue;
      const eventId = randomUUID();
      const instanceId = input.instanceId;
      const record = instanceId ? (records.get(instanceId) ?? (await this.recordOf(instanceId))) : undefined;
      const body = JSON.stringify({
        id: eventId,
        type,
        occurredAt: input.at,
        actor: input.actor,
        target: input.target,
        ...(record && { record }),
        data: { ...(input.old !== undefined && { old: input.old }), ...(input.new !== undefined && { new: input.new }), ...(input.reason && { reason: input.reason }) },
      });
      for (const subscription of targets) {
        const id = `webhook-${subscription.id}-${eventId}`;
        deliveries.push({ id, subscriptionId: subscription.id, eventId, event: type, target: input.target, ...(instanceId && { instanceId }), body, status: 'pending', attempts: 0, createdAt: now, history: [] });
        jobs.push({ id, kind: 'webhook', runAt: now, status: 'scheduled', ...(instanceId && { instanceId }), payload: { deliveryId: id }, attempts: 0 });
      }
    }
    if (!jobs.length) return;
    change.webhookDeliveries = [...(change.webhookDeliveries ?? []), ...deliveries];
    change.scheduleJobs = [...(change.scheduleJobs ?? []), ...jobs];
  }

  private async subscriptions(): Promise<WebhookSubscriptionRecord[]> {
    if (!this.cache || Date.now() - this.cache.at > CACHE_MS) this.cache = { at: Date.now(), subscriptions: await this.store.listWebhookSubscriptions() };
    return this.cache.subscriptions;
  }

  private async recordOf(instanceId: string): Promise<EventRecord | undefined> {
    const instance = await this.store.getInstance(instanceId);
    return instance && recordView(instance);
  }

  // ---- delivery (the `webhook` job) ----

  /**
   * Sends one delivery. 2xx: delivered, the job finished in the same commit. Anything else (an error
   * status, a redirect, no answer, a refused target): the attempt is logged and the job throws, so its
   * runner retries it with backoff.
   */
  async handleDelivery(job: JobRecord, workerId: string): Promise<'delivered' | 'stale'> {
    const delivery = await this.store.getWebhookDelivery(String(job.payload.deliveryId ?? job.id));
    const finishJob = { id: job.id, lockedBy: workerId };
    if (!delivery || delivery.status === 'delivered') {
      await this.store.commit({ finishJob, audit: [] });
      return 'stale';
    }
    const subscription = await this.store.getWebhookSubscription(delivery.subscriptionId);
    if (!subscription || !subscription.active) {
      const reason = subscription ? 'the subscription is paused' : 'the subscription was deleted';
      await this.store.commit({ webhookDeliveries: [{ ...delivery, status: 'failed', lastError: `not sent: ${reason}` }], finishJob, audit: [] });
      return 'stale';
    }
    const at = this.clock.now();
    const started = performance.now();
    const outcome = await this.send(subscription, delivery, Math.floor(at.getTime() / 1000));
    const attempt: WebhookAttempt = { at: at.toISOString(), ...(outcome.statusCode !== undefined && { statusCode: outcome.statusCode }), ...(outcome.error && { error: outcome.error }), durationMs: Math.round(performance.now() - started) };
    const updated: WebhookDeliveryRecord = {
      ...delivery,
      attempts: delivery.attempts + 1,
      history: [...delivery.history, attempt].slice(-MAX_HISTORY),
      ...(outcome.statusCode !== undefined && { responseStatus: outcome.statusCode }),
    };
    if (outcome.statusCode === undefined) delete updated.responseStatus;
    if (outcome.error) {
      await this.store.commit({ webhookDeliveries: [{ ...updated, status: 'failed', lastError: outcome.error }], audit: [] });
      throw new Error(`webhook ${delivery.event} to ${subscription.url}: ${outcome.error}`);
    }
    const delivered: WebhookDeliveryRecord = { ...updated, status: 'delivered', deliveredAt: this.clock.now().toISOString() };
    delete delivered.lastError;
    await this.store.commit({
      webhookDeliveries: [delivered],
      finishJob,
      audit: [
        auditEvent(this.clock, {
          at: delivered.deliveredAt,
          actor: 'system',
          action: 'webhook.delivered',
          target: `webhook:${subscription.id}`,
          instanceId: delivery.instanceId,
          new: { event: delivery.event, eventId: delivery.eventId, url: subscription.url, status: outcome.statusCode, attempts: delivered.attempts },
        }),
      ],
    });
    return 'delivered';
  }

  private send(subscription: WebhookSubscriptionRecord, delivery: WebhookDeliveryRecord, timestamp: number): Promise<{ statusCode?: number; error?: string }> {
    let url: URL;
    try {
      url = new URL(subscription.url);
    } catch {
      return Promise.resolve({ error: 'the subscription URL is not valid' });
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const problem = targetProblem(host, this.allow);
      if (problem) return Promise.resolve({ error: `refused: ${problem}` });
    }
    const body = Buffer.from(delivery.body);
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      const request = client.request(
        url,
        {
          method: 'POST',
          agent: false,
          lookup: guardedLookup(this.allow, this.resolve, ALLOW_HINT) as never,
          timeout: this.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'user-agent': 'imsflow-webhooks',
            [SIGNATURE_HEADER]: signPayload(subscription.secret, timestamp, delivery.body),
            'imsflow-event': delivery.event,
            'imsflow-event-id': delivery.eventId,
            'imsflow-delivery': delivery.id,
          },
        },
        (response) => {
          const status = response.statusCode ?? 0;
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            if (text.length < 200) text += chunk;
          });
          response.on('end', () => {
            if (status >= 200 && status < 300) resolve({ statusCode: status });
            else {
              const what = status >= 300 && status < 400 ? `redirect to ${response.headers.location ?? '?'} (not followed)` : text.trim().slice(0, 200);
              resolve({ statusCode: status, error: `HTTP ${status}${what ? `: ${what}` : ''}` });
            }
          });
          response.on('error', (err) => resolve({ statusCode: status, error: err.message.slice(0, MAX_ERROR) }));
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      request.on('error', (err) => resolve({ error: err.message.slice(0, MAX_ERROR) }));
      request.end(body);
    });
  }
}

type EventRecord = { instanceId: string; businessKey: string; processKey: string; site?: string; status: InstanceRecord['status'] };

function recordView(instance: InstanceRecord): EventRecord {
  return { instanceId: instance.id, businessKey: instance.businessKey, processKey: instance.key, ...(instance.site && { site: instance.site }), status: instance.status };
}

/** The records a change writes, by instance id: what an event's payload names without reading the store. */
function recordsOf(change: ChangeSet): Map<string, EventRecord> {
  const records = new Map<string, EventRecord>();
  for (const instance of [...(change.instance ? [change.instance.record] : []), ...(change.linkedInstances ?? [])]) records.set(instance.id, recordView(instance));
  return records;
}

/** What the audit trail shows of a subscription: never its secret. */
function describe(record: WebhookSubscriptionRecord): Record<string, unknown> {
  return { url: record.url, events: record.events, active: record.active, ...(record.description && { description: record.description }) };
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
