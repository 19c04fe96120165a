import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { pino } from 'pino';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { ValidationError } from '../../../engine/kernel/errors.js';
import { ProcessEngine } from '../../../engine/process-engine.js';
import { TaskLinkSigner } from '../../../engine/features/task-links/index.js';
import { Outbox } from '../../../engine/features/notifications/index.js';
import { DEFAULT_POLICY, Notifier } from '../../../engine/features/notifications/index.js';
import { EmbeddedScheduler } from '../../../workers/runners/embedded/scheduler.js';
import { SqliteStore } from '../../../engine/adapters/sqlite/index.js';
import { SIGNATURE_HEADER, verifySignature, Webhooks, type WebhooksOptions } from '../../../engine/features/webhooks/index.js';
import { startServer, type RunningServer } from '../../../api/server.js';
import { assemble } from '../../../engine/boot/assemble.js';
import { shippedCatalogue, shippedPacks } from '../../../processes/index.js';
import { bullmqJobId, MAIN_QUEUE, startBullmqWorker } from '../../../workers/runners/bullmq/index.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { jobHandlers } from '../../../engine/boot/job-handlers.js';
import { fixtureBpmn, TEST_SECRET } from '../../helpers.js';
import { userWithToken } from '../../support/operator.js';
import { deleteKeys, requireRedis, TEST_REDIS_URL as REDIS_URL } from '../../support/redis.js';

/**
 * Outgoing webhooks (engine/features/webhooks/webhooks.ts) against a real local HTTP receiver that checks the HMAC the way
 * the README tells integrators to: deliveries planned in the event's own commit, signed, retried with
 * backoff on the fake clock until the receiver answers, logged per subscription; private targets refused;
 * the same through BullMQ on Redis and through the admin API.
 */

const PROCESS = fixtureBpmn('hooked');

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A webhook receiver: answers with the statuses it is given in turn (then 200), keeps every request. */
class Receiver {
  readonly requests: Received[] = [];
  private server: Server | undefined;
  private waiters: { count: number; resolve: () => void }[] = [];
  constructor(private readonly statuses: number[] = []) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.statuses.shift() ?? 200;
        this.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        if (status >= 300 && status < 400) res.setHeader('location', 'http://203.0.113.7/elsewhere');
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 400 ? 'receiver is down for maintenance' : 'ok');
        this.waiters = this.waiters.filter((w) => (this.requests.length >= w.count ? (w.resolve(), false) : true));
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}/hooks`;
  }

  /** Resolves once `count` requests have come in. */
  received(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

async function engine(options: { allowPrivate?: string[]; maxAttempts?: number; resolve?: WebhooksOptions['resolve'] } = {}) {
  const store = new SqliteStore(':memory:');
  await store.init();
  const clock = new FakeClock('2026-11-22T08:00:00Z');
  const imsflow = new ProcessEngine({ store, clock });
  const webhooks = new Webhooks({ store, clock, allowPrivate: options.allowPrivate ?? ['127.0.0.1'], ...(options.resolve && { resolve: options.resolve }) });
  webhooks.attach(store);
  const notifier = new Notifier({ store, clock, policy: DEFAULT_POLICY, links: new TaskLinkSigner(TEST_SECRET), baseUrl: 'http://imsflow.test', mailConfigured: false });
  const handlers = jobHandlers({ imsflow, notifier, outbox: new Outbox(store, clock, undefined), webhooks });
  const scheduler = new EmbeddedScheduler(store, clock, handlers, { backoffMs: 1000, maxAttempts: options.maxAttempts ?? 10 });
  await imsflow.deploy(PROCESS, 'admin');
  return { store, clock, imsflow, webhooks, scheduler };
}

const webhookJobs = async (store: SqliteStore) => (await store.listJobs({})).filter((j) => j.kind === 'webhook');

describe('outgoing webhooks', function () {
  this.timeout(30_000);
  const receivers: Receiver[] = [];
  const receiver = async (statuses: number[] = []) => {
    const r = new Receiver(statuses);
    receivers.push(r);
    return { r, url: await r.start() };
  };
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.stop()));
  });

  it('plans one delivery per subscriber in the event\'s own commit, none for unsubscribed events', async () => {
    const t = await engine();
    const { url } = await receiver();
    const a = await t.webhooks.create({ url, events: ['instance.started', 'task.created'] }, 'admin');
    const b = await t.webhooks.create({ url, events: ['task.completed'] }, 'admin');
    const started = await t.imsflow.start('hooked', {}, 'alice');
    // instance.started and task.created, for the first subscription only
    const jobs = await webhookJobs(t.store);
    expect(jobs.map((j) => j.status)).to.deep.equal(['scheduled', 'scheduled']);
    expect(jobs.every((j) => j.id.startsWith(`webhook-${a.subscription.id}-`) && j.instanceId === started.id)).to.equal(true);
    expect((await t.store.listWebhookDeliveries({ subscriptionId: a.subscription.id })).map((d) => [d.event, d.status])).to.have.deep.members([
      ['instance.started', 'pending'],
      ['task.created', 'pending'],
    ]);
    expect(await t.store.listWebhookDeliveries({ subscriptionId: b.subscription.id })).to.deep.equal([]);
    // a change that is refused plans nothing: the same business key again
    await t.imsflow.start('hooked', { businessKey: 'HOOK-1' }, 'alice');
    const before = (await webhookJobs(t.store)).length;
    await t.imsflow.start('hooked', { businessKey: 'HOOK-1' }, 'alice').catch(() => undefined);
    expect((await webhookJobs(t.store)).length).to.equal(before);
  });

  it('POSTs each event with an HMAC-SHA256 signature the receiver verifies, and logs it delivered', async () => {
    const t = await engine();
    const { r, url } = await receiver();
    const { subscription, secret } = await t.webhooks.create({ url, events: ['task.completed', 'instance.completed'], description: 'ERP' }, 'admin');
    expect(secret).to.match(/^whsec_[A-Za-z0-9_-]{43}$/);
    const started = await t.imsflow.start('hooked', { site: 'dublin' }, 'alice');
    const [task] = await t.imsflow.listTasks({ instanceId: started.id });
    await t.imsflow.completeTask(task.id, {}, 'quinn');
    await t.scheduler.runDue();

    expect(r.requests).to.have.length(2);
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const bodies = r.requests.map((q) => JSON.parse(q.body));
    expect(bodies.map((b) => b.type).sort()).to.deep.equal(['instance.completed', 'task.completed']);
    for (const request of r.requests) {
      expect(verifySignature(secret, request.headers[SIGNATURE_HEADER] as string, request.body, now), 'signature').to.equal(true);
      expect(verifySignature('whsec_wrong', request.headers[SIGNATURE_HEADER] as string, request.body, now)).to.equal(false);
      expect(verifySignature(secret, request.headers[SIGNATURE_HEADER] as string, `${request.body} `, now), 'a changed body').to.equal(false);
      expect(verifySignature(secret, request.headers[SIGNATURE_HEADER] as string, request.body, now + 301), 'a replay after 5 minutes').to.equal(false);
      expect(request.headers['content-type']).to.equal('application/json');
      expect(request.headers['imsflow-event-id']).to.equal(JSON.parse(request.body).id);
    }
    const completed = bodies.find((b) => b.type === 'task.completed');
    expect(completed).to.deep.include({ actor: 'quinn', target: `task:${task.id}`, record: { instanceId: started.id, businessKey: started.businessKey, processKey: 'hooked', site: 'dublin', status: 'completed' } });
    expect(completed.id).to.match(/^[0-9a-f-]{36}$/);
    expect(completed.data.new.status).to.equal('completed');

    const log = await t.webhooks.deliveries(subscription.id);
    expect(log.map((d) => [d.status, d.attempts, d.responseStatus])).to.deep.equal([
      ['delivered', 1, 200],
      ['delivered', 1, 200],
    ]);
    expect(log[0]).to.not.have.property('body');
    expect((await webhookJobs(t.store)).map((j) => j.status)).to.deep.equal(['done', 'done']);
    const audit = await t.store.listAudit({ target: `webhook:${subscription.id}` });
    expect(audit.map((e) => e.action)).to.deep.equal(['webhook.subscription-created', 'webhook.delivered', 'webhook.delivered']);
    expect(JSON.stringify(audit)).to.not.include(secret);
  });

  it('retries a failing receiver with backoff until it answers, with the same event id', async () => {
    const t = await engine();
    const { r, url } = await receiver([503, 500]);
    const { subscription, secret } = await t.webhooks.create({ url, events: ['instance.started'] }, 'admin');
    await t.imsflow.start('hooked', {}, 'alice');
    const [job] = await webhookJobs(t.store);

    await t.scheduler.runDue();
    expect(r.requests).to.have.length(1);
    let [delivery] = await t.webhooks.deliveries(subscription.id);
    expect(delivery).to.include({ status: 'failed', attempts: 1, responseStatus: 503 });
    expect(delivery.lastError).to.equal('HTTP 503: receiver is down for maintenance');
    // the first retry waits the backoff (1 s here), the second twice that
    expect(delivery.nextAttemptAt).to.equal(new Date(t.clock.now().getTime() + 1000).toISOString());
    await t.scheduler.runDue();
    expect(r.requests, 'not before its time').to.have.length(1);
    t.clock.advance(1000);
    await t.scheduler.runDue();
    expect(r.requests).to.have.length(2);
    [delivery] = await t.webhooks.deliveries(subscription.id);
    expect(delivery).to.include({ status: 'failed', attempts: 2, responseStatus: 500 });
    expect(delivery.nextAttemptAt).to.equal(new Date(t.clock.now().getTime() + 2000).toISOString());
    t.clock.advance(1999);
    await t.scheduler.runDue();
    expect(r.requests).to.have.length(2);
    t.clock.advance(1);
    await t.scheduler.runDue();
    expect(r.requests).to.have.length(3);

    [delivery] = await t.webhooks.deliveries(subscription.id);
    expect(delivery).to.include({ status: 'delivered', attempts: 3, responseStatus: 200 });
    expect(delivery).to.not.have.property('lastError');
    expect(delivery.history.map((h) => h.statusCode)).to.deep.equal([503, 500, 200]);
    expect((await t.store.getJob(job.id))?.status).to.equal('done');
    // at least once, identified: the receiver sees one event id and one body, three times
    expect(new Set(r.requests.map((q) => JSON.parse(q.body).id)).size).to.equal(1);
    expect(new Set(r.requests.map((q) => q.body)).size).to.equal(1);
    expect(r.requests.every((q) => verifySignature(secret, q.headers[SIGNATURE_HEADER] as string, q.body, Math.floor(t.clock.now().getTime() / 1000)))).to.equal(true);
  });

  it('gives up after the last attempt, saying so in the log, and never follows redirects', async () => {
    const t = await engine({ maxAttempts: 2 });
    const { r, url } = await receiver([302, 302]);
    const { subscription } = await t.webhooks.create({ url, events: ['instance.started'] }, 'admin');
    await t.imsflow.start('hooked', {}, 'alice');
    await t.scheduler.runDue();
    t.clock.advance(1000);
    await t.scheduler.runDue();
    t.clock.advance(60_000);
    await t.scheduler.runDue();
    expect(r.requests).to.have.length(2);
    const [delivery] = await t.webhooks.deliveries(subscription.id);
    expect(delivery).to.include({ status: 'failed', attempts: 2, responseStatus: 302, gaveUp: true });
    expect(delivery.lastError).to.equal('HTTP 302: redirect to http://203.0.113.7/elsewhere (not followed)');
    expect(delivery).to.not.have.property('nextAttemptAt');
  });

  it('a paused or deleted subscription sends nothing more; events while paused are not planned', async () => {
    const t = await engine();
    const { r, url } = await receiver();
    const { subscription } = await t.webhooks.create({ url, events: ['instance.started'] }, 'admin');
    await t.imsflow.start('hooked', {}, 'alice');
    await t.webhooks.update(subscription.id, { active: false }, 'admin');
    await t.imsflow.start('hooked', {}, 'alice');
    expect(await webhookJobs(t.store)).to.have.length(1);
    await t.scheduler.runDue();
    expect(r.requests).to.have.length(0);
    const [delivery] = await t.webhooks.deliveries(subscription.id);
    expect(delivery).to.include({ status: 'failed', attempts: 0, lastError: 'not sent: the subscription is paused' });
    expect((await t.store.listAudit({ target: `webhook:${subscription.id}` })).map((e) => [e.action, (e.new as { active?: boolean } | undefined)?.active])).to.deep.equal([
      ['webhook.subscription-created', true],
      ['webhook.subscription-updated', false],
    ]);
  });

  it('sends task.overdue when the overdue notice goes out (the notifier\'s task.notified), not for other notices', async () => {
    const t = await engine();
    await t.imsflow.deploy(
      fixtureBpmn('hooked-due'),
      'admin',
    );
    const { r, url } = await receiver();
    const { subscription } = await t.webhooks.create({ url, events: ['task.overdue'] }, 'admin');
    const started = await t.imsflow.start('hooked-due', {}, 'alice');
    await t.scheduler.runDue(); // the assignment notice: not overdue
    expect(r.requests).to.have.length(0);
    // due after a day; the first overdue notice a day later (ims:remindEvery)
    t.clock.advance(2 * 24 * 3600_000 + 1000);
    await t.scheduler.runDue();
    expect(r.requests.map((q) => JSON.parse(q.body).type)).to.deep.equal(['task.overdue']);
    const body = JSON.parse(r.requests[0].body);
    expect(body.record.instanceId).to.equal(started.id);
    expect(body.data.new.notice).to.equal('overdue');
    expect((await t.webhooks.deliveries(subscription.id)).map((d) => d.status)).to.deep.equal(['delivered']);
  });

  describe('where a webhook may point', () => {
    it('refuses other schemes and private, loopback, link-local and metadata addresses, naming the url field', async () => {
      const t = await engine({ allowPrivate: [] });
      for (const [url, message] of [
        ['ftp://files.example.com/in', /must be http:\/\/ or https:\/\/ \(was ftp:\)/],
        ['file:///etc/passwd', /must be http:\/\/ or https:\/\//],
        ['not a url', /is not a valid URL/],
        ['http://127.0.0.1:8080/hooks', /^127\.0\.0\.1 is a loopback address \(127\.0\.0\.0\/8\) \(allow it with IMSFLOW_WEBHOOK_ALLOW_PRIVATE\)$/],
        ['http://localhost/hooks', /^localhost resolves to (127\.0\.0\.1|::1), a loopback address/],
        ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/],
        ['http://10.1.2.3/', /10\.1\.2\.3 is a private address \(10\.0\.0\.0\/8\)/],
        ['http://192.168.1.20/', /192\.168\.1\.20 is a private address/],
        ['http://0x7f.1/', /127\.0\.0\.1 is a loopback address/],
        ['http://[::1]:3000/', /::1 is a loopback address \(::1\/128\)/],
        ['http://[::ffff:127.0.0.1]/', /carries 127\.0\.0\.1 \(IPv4-mapped\), a loopback address/],
        ['http://[fd00::5]/', /fd00::5 is a unique-local address/],
      ] as const) {
        const error = await t.webhooks.create({ url, events: ['task.completed'] }, 'admin').catch((err: unknown) => err);
        expect(error, url).to.be.instanceOf(ValidationError);
        expect((error as ValidationError).fields.map((f) => f.field), url).to.deep.equal(['url']);
        expect((error as ValidationError).fields[0].message, url).to.match(message);
      }
      const unknown = await t.webhooks.create({ url: 'https://93.184.215.14/', events: ['task.completed', 'task.exploded'] }, 'admin').catch((err: unknown) => err);
      expect((unknown as ValidationError).fields).to.deep.equal([{ field: 'events', message: (unknown as ValidationError).fields[0].message }]);
      expect((unknown as ValidationError).fields[0].message).to.match(/^unknown task\.exploded: use instance\.started/);
      expect(await t.webhooks.list()).to.deep.equal([]);
    });

    it('refuses at delivery a name that now resolves to a private address', async () => {
      const t = await engine({ allowPrivate: ['127.0.0.0/8', '::1'] });
      const { r, url } = await receiver();
      const { subscription } = await t.webhooks.create({ url: url.replace('127.0.0.1', 'localhost'), events: ['instance.started'] }, 'admin');
      // the allow-list is gone (a configuration change): the stored subscription may no longer reach it
      const strict = new Webhooks({ store: t.store, clock: t.clock });
      await t.imsflow.start('hooked', {}, 'alice');
      const [job] = await webhookJobs(t.store);
      const claimed = await t.store.claimJob(job.id, 'w1', t.clock.now().toISOString(), new Date(t.clock.now().getTime() + 60_000).toISOString());
      const error = await strict.handleDelivery(claimed!, 'w1').catch((err: unknown) => err);
      expect((error as Error).message).to.match(/refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
      expect(r.requests).to.have.length(0);
      const [delivery] = await t.webhooks.deliveries(subscription.id);
      expect(delivery).to.include({ status: 'failed', attempts: 1 });
      expect(delivery).to.not.have.property('responseStatus');
    });
    it('refuses IPv6 forms carrying a loopback or private IPv4 address, and site-local addresses', async () => {
      const t = await engine({ allowPrivate: [] });
      for (const [url, message] of [
        ['http://[::127.0.0.1]/', /carries 127\.0\.0\.1 \(IPv4-compatible\), a loopback address/],
        ['http://[::ffff:0:7f00:1]/', /carries 127\.0\.0\.1 \(IPv4-translated\), a loopback address/],
        ['http://[::ffff:7f00:1]:8080/', /carries 127\.0\.0\.1 \(IPv4-mapped\), a loopback address/],
        ['http://[64:ff9b::a9fe:a9fe]/latest/meta-data/', /carries 169\.254\.169\.254 \(NAT64\), a link-local address/],
        ['http://[2002:a00:1::1]/', /carries 10\.0\.0\.1 \(6to4\), a private address/],
        ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', /carries 127\.0\.0\.1 \(Teredo\), a loopback address/],
        ['http://[fec0::1]/', /fec0::1 is a site-local address \(fec0::\/10\)/],
      ] as const) {
        const error = await t.webhooks.create({ url, events: ['task.completed'] }, 'admin').catch((err: unknown) => err);
        expect(error, url).to.be.instanceOf(ValidationError);
        expect((error as ValidationError).fields.map((f) => f.field), url).to.deep.equal(['url']);
        expect((error as ValidationError).fields[0].message, url).to.match(message);
      }
      expect(await t.webhooks.list()).to.deep.equal([]);
    });

    it('refuses a name resolving to an IPv6 form of loopback, when saving and when delivering', async () => {
      const answers = { address: '::ffff:7f00:1', family: 6 };
      const t = await engine({ allowPrivate: [], resolve: async () => [answers] });
      const webhooks = t.webhooks;
      const refused = await webhooks.create({ url: 'https://hooks.example.test/in', events: ['instance.started'] }, 'admin').catch((err: unknown) => err);
      expect((refused as ValidationError).fields).to.deep.equal([
        { field: 'url', message: 'hooks.example.test resolves to ::ffff:7f00:1, which carries 127.0.0.1 (IPv4-mapped), a loopback address (127.0.0.0/8) (allow it with IMSFLOW_WEBHOOK_ALLOW_PRIVATE)' },
      ]);
      // saved while the name answered a public address; by delivery it answers NAT64 for the metadata service
      Object.assign(answers, { address: '93.184.215.14', family: 4 });
      const { subscription } = await webhooks.create({ url: 'https://hooks.example.test/in', events: ['instance.started'] }, 'admin');
      Object.assign(answers, { address: '64:ff9b::a9fe:a9fe', family: 6 });
      await t.imsflow.start('hooked', {}, 'alice');
      const [job] = await webhookJobs(t.store);
      const claimed = await t.store.claimJob(job.id, 'w1', t.clock.now().toISOString(), new Date(t.clock.now().getTime() + 60_000).toISOString());
      const error = await webhooks.handleDelivery(claimed!, 'w1').catch((err: unknown) => err);
      expect((error as Error).message).to.include('refused: hooks.example.test resolves to 64:ff9b::a9fe:a9fe, which carries 169.254.169.254 (NAT64), a link-local address (169.254.0.0/16)');
      const [delivery] = await webhooks.deliveries(subscription.id);
      expect(delivery).to.include({ status: 'failed', attempts: 1 });
      expect(delivery).to.not.have.property('responseStatus');
    });
  });

  describe('through the admin API', () => {
    let server: RunningServer;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'imsflow-webhooks-api-'));
      server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1', LOG_LEVEL: 'silent' }), {
        clock: new FakeClock('2026-11-22T08:00:00Z'),
        logger: pino({ level: 'silent' }),
      });
      await server.imsflow.deploy(PROCESS, 'admin');
    });
    after(async () => {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('an admin creates a subscription and sees its deliveries; bad input is refused', async () => {
      const admin = await userWithToken(server, { id: 'hook-admin', roles: ['admin'] });
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await response.text();
        return { status: response.status, json: (text ? JSON.parse(text) : undefined) as any };
      };
      const { r, url } = await receiver();
      const created = await call('POST', '/api/webhooks', { url, events: ['instance.started'], description: 'QMS bridge' });
      expect(created.status).to.equal(201);
      expect(created.json.secret).to.match(/^whsec_/);
      const listed = await call('GET', '/api/webhooks');
      expect(listed.json.items).to.have.length(1);
      expect(JSON.stringify(listed.json)).to.not.include(created.json.secret);
      expect((await call('GET', `/api/webhooks/${created.json.id}`)).json).to.not.have.property('secret');

      const started = await call('POST', '/api/processes/hooked/instances', {});
      expect(started.status).to.equal(201);
      await server.scheduler.runDue();
      await r.received(1);
      const log = await call('GET', `/api/webhooks/${created.json.id}/deliveries`);
      expect(log.json.items.map((d: any) => [d.event, d.status, d.responseStatus])).to.deep.equal([['instance.started', 'delivered', 200]]);
      expect(JSON.parse(r.requests[0].body).record.businessKey).to.equal(started.json.businessKey);

      const rotated = await call('POST', `/api/webhooks/${created.json.id}/secret`, { reason: 'the receiver was reinstalled' });
      expect(rotated.json.secret).to.match(/^whsec_/).and.not.equal(created.json.secret);
      const bad = await call('POST', '/api/webhooks', { url: 'http://10.0.0.7/', events: ['instance.started'] });
      expect(bad.status).to.equal(400);
      expect(bad.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['url']);
      // IPv6 forms carrying 127.0.0.1 are refused although this server allows 127.0.0.1 itself: they are not it
      for (const target of ['http://[::127.0.0.1]/', 'http://[::ffff:0:7f00:1]/', 'http://[64:ff9b::7f00:1]/', 'http://[2002:7f00:1::1]/', 'http://[fec0::1]/']) {
        const refused = await call('POST', '/api/webhooks', { url: target, events: ['instance.started'] });
        expect(refused.status, target).to.equal(400);
        expect(refused.json.fields, target).to.have.length(1);
        expect(refused.json.fields[0].field, target).to.equal('url');
        expect(refused.json.fields[0].message, target).to.match(/carries 127\.0\.0\.1 \(|site-local address/);
      }
      expect((await call('DELETE', `/api/webhooks/${created.json.id}`)).status).to.equal(204);
      expect((await call('GET', `/api/webhooks/${created.json.id}/deliveries`)).status).to.equal(404);
    });
  });

  describe('through BullMQ on Redis', () => {
    const prefix = `imsflow-test-webhooks-${process.pid}-${randomUUID().slice(0, 8)}`;
    before(async function () {
      await requireRedis(this, 'the BullMQ webhook test');
    });
    after(() => deleteKeys(`${prefix}*`));

    it('a BullMQ worker delivers, retrying a failing receiver with its backoff', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'imsflow-webhooks-bullmq-'));
      const config = loadConfig({ IMSFLOW_DATA: dir, REDIS_URL, IMSFLOW_QUEUE_PREFIX: prefix, IMSFLOW_SECRET: TEST_SECRET.toString('hex'), IMSFLOW_RELAY_MS: '100', IMSFLOW_JOB_ATTEMPTS: '3', IMSFLOW_JOB_BACKOFF_MS: '50', IMSFLOW_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1', LOG_LEVEL: 'silent' });
      const silent = pino({ level: 'silent' });
      const assembly = await assemble(config, { logger: silent, packs: shippedPacks, catalogue: shippedCatalogue() });
      const events = new QueueEvents(MAIN_QUEUE, { connection: { url: REDIS_URL }, prefix, lastEventId: '0-0' });
      await events.waitUntilReady();
      const runner = await startBullmqWorker(config, assembly, silent);
      try {
        const { r, url } = await receiver([503]);
        const { subscription, secret } = await assembly.webhooks.create({ url, events: ['instance.started'] }, 'admin');
        await assembly.imsflow.deploy(PROCESS, 'admin');
        const [jobId] = await (async () => {
          await assembly.imsflow.start('hooked', {}, 'alice');
          return (await assembly.store.listJobs({})).filter((j) => j.kind === 'webhook').map((j) => j.id);
        })();
        const done = new Promise<void>((resolve) => {
          const listener = (args: { jobId: string }) => {
            if (args.jobId !== bullmqJobId(jobId)) return;
            events.off('completed', listener);
            resolve();
          };
          events.on('completed', listener);
        });
        runner.start();
        await done;
        expect(r.requests).to.have.length(2);
        expect(verifySignature(secret, r.requests[1].headers[SIGNATURE_HEADER] as string, r.requests[1].body, Math.floor(Date.now() / 1000))).to.equal(true);
        const [delivery] = await assembly.webhooks.deliveries(subscription.id);
        expect(delivery).to.include({ status: 'delivered', attempts: 2, responseStatus: 200 });
        expect(delivery.history.map((h) => h.statusCode)).to.deep.equal([503, 200]);
      } finally {
        await runner.stop();
        await events.close();
        await assembly.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
