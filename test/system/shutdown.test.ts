import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESSION_COOKIE } from '../../api/auth.js';
import type { MessageRecord } from '../../engine/kernel/model.js';
import { SqliteStore } from '../../engine/adapters/sqlite/index.js';
import { fixtureBpmn, TEST_SECRET } from '../helpers.js';
import { freePort, startLogging, type LoggingChild as Child } from '../support/cluster.js';
import { deleteKeys, requireRedis, TEST_REDIS_URL as REDIS_URL } from '../support/redis.js';
import { TestSmtpServer } from '../support/smtp.js';

/**
 * Graceful shutdown of the real processes (`node --import tsx api/main.ts` and `workers/main.ts`, as
 * `npm run dev` and `npm run worker` start them): SIGTERM while a request or a job is in hand. Each step
 * waits on an event (a log line, the HTTP 100-continue, the SMTP server holding a message, the exit).
 * The worker tests need Redis (TEST_REDIS_URL or the local default; CI=true fails without it).
 */

const PASSWORD = 'correct horse battery staple';
const RUN_PREFIX = `imsflow-shutdown-${process.pid}-${randomUUID().slice(0, 8)}`;

const children: Child[] = [];
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'imsflow-shutdown-'));
  dirs.push(dir);
  return dir;
}

/** An API or worker process at log level info (unless `env` says otherwise), killed after the tests. */
function start(script: string, env: Record<string, string>): Child {
  const handle = startLogging(script, { LOG_LEVEL: 'info', ...env }, [0, 1]);
  children.push(handle);
  return handle;
}

after(async () => {
  for (const child of children) await child.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// ---- the API process ----------------------------------------------------------------------------------------

const SLOW_XML = fixtureBpmn('shutdown-upload');

/** A POST of BPMN XML whose body is sent in two halves: the server has the request in hand in between. */
interface SlowUpload {
  req: ClientRequest;
  /** The server answered 100-continue: it is handling this request. */
  accepted: Promise<void>;
  response: Promise<{ status: number; body: string }>;
  finish(): void;
}

function slowUpload(url: string, session: { cookie: string; csrf: string }): SlowUpload {
  const body = Buffer.from(SLOW_XML);
  const req = request(`${url}/api/definitions?reason=${encodeURIComponent('uploaded across a shutdown')}`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/xml', 'content-length': body.length, cookie: session.cookie, 'x-csrf-token': session.csrf, expect: '100-continue' },
  });
  const accepted = new Promise<void>((resolve) => req.once('continue', () => resolve()));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  void accepted.then(() => req.write(body.subarray(0, body.length >> 1)));
  return { req, accepted, response, finish: () => req.end(body.subarray(body.length >> 1)) };
}

/** A GET on a connection of its own (no pool): `answered <status>`, or the error code. */
function onNewConnection(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      resolve(`answered ${res.statusCode}`);
    });
    req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    req.end();
  });
}

async function startApi(env: Record<string, string> = {}): Promise<{ api: Child; url: string; dir: string; session: { cookie: string; csrf: string } }> {
  const dir = tempDir();
  const api = start('api/main.ts', { PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_ADMIN_EMAIL: 'root@example.com', IMSFLOW_ADMIN_PASSWORD: PASSWORD, ...env });
  const { url } = await Promise.race([api.logged('imsflow is listening'), api.exited.then((code) => Promise.reject(new Error(`the API exited with ${code} before listening`)))]);
  const login = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'root@example.com', password: PASSWORD }) });
  expect(login.status).to.equal(200);
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0];
  return { api, url, dir, session: { cookie, csrf: ((await login.json()) as { csrf: string }).csrf } };
}

describe('graceful shutdown of the API process (SIGTERM)', () => {
  it('stops taking connections, finishes the request in flight, closes the store and exits 0', async () => {
    const { api, url, dir, session } = await startApi();
    const upload = slowUpload(url, session);
    await upload.accepted;

    api.child.kill('SIGTERM');
    await api.logged('shutting down');
    // fetch still holds the login's kept-alive connection, which the server closes as idle: a request
    // racing that close goes out on it and finds it closed or reset; after the close fetch connects anew
    // and is refused. Which of the three a client sees is timing; that it is never served is not.
    const pooled = await fetch(`${url}/healthz`).then(
      (res) => `answered ${res.status}`,
      (err: Error & { cause?: { code?: string } }) => err.cause?.code,
    );
    expect(pooled).to.be.oneOf(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET']);
    // No new connections: the listening socket is closed (before the line is logged).
    expect(await onNewConnection(`${url}/healthz`)).to.equal('ECONNREFUSED');

    upload.finish();
    const reply = await upload.response;
    expect(reply.status, reply.body).to.equal(201);
    expect(JSON.parse(reply.body)).to.include({ key: 'shutdown-upload', version: 1, created: true });
    expect(await api.exited).to.equal(0);
    expect((await api.logged('stopped')).clean).to.equal(true);

    // The deployment was committed before the store closed.
    const store = new SqliteStore(join(dir, 'imsflow.db'));
    await store.init();
    try {
      expect((await store.getDefinition('shutdown-upload'))?.version).to.equal(1);
      const events = await store.listAudit({ limit: 10_000 });
      expect(events.some((e) => e.action === 'definition.deployed' && e.reason === 'uploaded across a shutdown')).to.equal(true);
    } finally {
      await store.close();
    }
  });

  it('cuts a request still open at the deadline (IMSFLOW_SHUTDOWN_MS) and exits 1', async () => {
    const { api, url, session } = await startApi({ IMSFLOW_SHUTDOWN_MS: '200' });
    const upload = slowUpload(url, session);
    await upload.accepted;
    api.child.kill('SIGTERM');
    // The body's second half never comes.
    const outcome = await upload.response.then(
      (r) => `answered ${r.status}`,
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(outcome).to.equal('ECONNRESET');
    expect(await api.exited).to.equal(1);
    expect(await api.logged('shutdown deadline passed: closing the requests still open')).to.include({ deadlineMs: 200 });
  });
});

// ---- the worker process -------------------------------------------------------------------------------------

async function queueEmail(store: SqliteStore, subject: string): Promise<{ message: MessageRecord; jobId: string }> {
  const message: MessageRecord = {
    id: randomUUID(),
    kind: 'reminder',
    to: 'alice@example.com',
    subject,
    text: `${subject}\n`,
    html: `<p>${subject}</p>`,
    status: 'queued',
    attempts: 0,
    createdAt: new Date().toISOString(),
  };
  const jobId = `email-${message.id}`;
  await store.commit({
    messages: [message],
    scheduleJobs: [{ id: jobId, kind: 'email', runAt: new Date().toISOString(), status: 'scheduled', payload: { messageId: message.id }, attempts: 0 }],
    audit: [],
  });
  return { message, jobId };
}

describe('graceful shutdown of a worker process (SIGTERM)', function () {
  let smtp: TestSmtpServer;
  let testNumber = 0;

  before(async function () {
    await requireRedis(this, 'the worker shutdown tests');
    smtp = await new TestSmtpServer().start();
  });
  after(async () => {
    await smtp?.stop();
    await deleteKeys(`${RUN_PREFIX}*`);
  });

  /** A worker on a new data folder and queue prefix, with its health port; and the store it works on. */
  async function worker(env: Record<string, string> = {}): Promise<{ worker: Child; store: SqliteStore; health: string }> {
    const dir = tempDir();
    testNumber += 1;
    const port = await freePort();
    const store = new SqliteStore(join(dir, 'imsflow.db'));
    await store.init();
    const handle = start('workers/main.ts', {
      IMSFLOW_DATA: dir,
      REDIS_URL,
      IMSFLOW_QUEUE_PREFIX: `${RUN_PREFIX}-t${testNumber}`,
      IMSFLOW_SECRET: TEST_SECRET.toString('hex'),
      IMSFLOW_RELAY_MS: '100',
      IMSFLOW_WORKER_PORT: String(port),
      SMTP_URL: smtp.url,
      ...env,
    });
    await handle.logged('imsflow worker is running');
    return { worker: handle, store, health: `http://127.0.0.1:${port}` };
  }

  /** The SMTP server holds the next message: resolves when the worker is sending it; release() lets it through. */
  function holdNextEmail(): { sending: Promise<void>; release: () => void } {
    let sending!: () => void;
    let release!: () => void;
    const sendingPromise = new Promise<void>((resolve) => (sending = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    smtp.holdNext = () => {
      sending();
      return released;
    };
    return { sending: sendingPromise, release };
  }

  it('finishes the job in hand while /readyz answers 503, then exits 0', async () => {
    const { worker: w, store, health } = await worker();
    try {
      expect(((await (await fetch(`${health}/readyz`)).json()) as { checks: unknown }).checks).to.deep.equal({ store: 'ok', redis: 'ok' });
      const hold = holdNextEmail();
      const { message, jobId } = await queueEmail(store, 'in hand at SIGTERM');
      await hold.sending;

      w.child.kill('SIGTERM');
      await w.logged('shutting down: finishing the jobs in hand');
      const draining = await fetch(`${health}/readyz`);
      expect(draining.status).to.equal(503);
      expect(((await draining.json()) as { checks: Record<string, string> }).checks.shutdown).to.equal('the process is shutting down');

      hold.release();
      expect(await w.exited).to.equal(0);
      expect(smtp.received.map((m) => m.subject)).to.include('in hand at SIGTERM');
      expect(await store.getMessage(message.id)).to.include({ status: 'sent', attempts: 1 });
      expect((await store.getJob(jobId))?.status).to.equal('done');
    } finally {
      await store.close();
    }
  });

  it('past IMSFLOW_SHUTDOWN_MS exits 1, leaving the unfinished job for another worker', async () => {
    const { worker: w, store } = await worker({ IMSFLOW_SHUTDOWN_MS: '200' });
    const hold = holdNextEmail();
    try {
      const { message, jobId } = await queueEmail(store, 'still in hand at the deadline');
      await hold.sending;
      w.child.kill('SIGTERM');
      expect(await w.exited).to.equal(1);
      expect(await w.logged('shutdown deadline passed: jobs still in hand go to another worker when their lock and lease lapse')).to.include({ deadlineMs: 200 });
      // Neither done nor lost: the row is still claimed (its lease lapses for the next worker), the email not sent.
      expect((await store.getJob(jobId))?.status).to.equal('running');
      expect((await store.getMessage(message.id))?.status).to.equal('queued');
    } finally {
      hold.release();
      await store.close();
    }
  });
});
