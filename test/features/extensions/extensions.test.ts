import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { SESSION_COOKIE } from '../../../api/auth.js';
import type { RunningServer } from '../../../api/server.js';
import type { AuditEvent, ExtensionRequest, JobRecord, MessageRecord, TaskRecord } from '../../../engine/kernel/model.js';
import { DAY, fixtureBpmn } from '../../helpers.js';
import { processHarness, type ProcessHarness, type Reply } from '../../support/process-harness.js';

/**
 * Due-date extension requests (asked by the task's holder with a reason, approved or rejected by the
 * process owner role, never by the person who asked; approval moves the due date and re-plans reminders
 * and escalations) and the API upload for file fields, through the HTTP API of a listening server, on a
 * fake clock. The task page shows the requests and the forms.
 */

const PASSWORD = 'extension-approval-7713';
const START = '2026-05-04T07:00:00Z';
const HOUR = 3_600_000;

/** A fix with evidence (due in 10 days, escalating to the quality managers), then a review without a due date. */
const PROCESS = fixtureBpmn('extdemo');

/** A small valid PDF, made different by `tag`. */
function pdf(tag: string): Buffer {
  return Buffer.from(`%PDF-1.4\n% ${tag}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a40000000049454e44ae426082', 'hex');

describe('due-date extension requests and API uploads (through the HTTP API)', () => {
  let h: ProcessHarness;
  let server: RunningServer;
  const call = (method: string, path: string, body: unknown, as: string): Promise<Reply> => h.call(method, path, body, as);
  const tokens = new Map<string, string>();

  /** A fix for alex at site north; returns the instance id and its open task. */
  async function started(owner = 'alex'): Promise<{ id: string; task: TaskRecord }> {
    const { id } = await h.start('extdemo', 'quinn', { variables: { owner } });
    return { id, task: await h.theTask(id, 'fix') };
  }

  const ask = (task: TaskRecord, as: string, body: Record<string, unknown>) => call('POST', `/api/tasks/${task.id}/extensions`, body, as);
  const decide = (task: TaskRecord, requestId: string, as: string, body: Record<string, unknown>) => call('POST', `/api/tasks/${task.id}/extensions/${requestId}/decision`, body, as);
  const taskOf = async (id: string): Promise<TaskRecord> => (await call('GET', `/api/tasks/${id}`, undefined, 'quinn')).json;
  const jobsOf = async (task: TaskRecord): Promise<JobRecord[]> =>
    (await server.imsflow.store.listJobs({ instanceId: task.instanceId, status: 'scheduled' })).filter((j) => j.payload.taskId === task.id && j.kind !== 'email');
  const plan = (jobs: JobRecord[]) => jobs.map((j) => `${j.kind}:${String(j.payload.notice ?? `level-${String(j.payload.level)}`)}@${j.runAt}`).sort();
  const outbox = async (task: TaskRecord): Promise<MessageRecord[]> => (await call('GET', `/api/outbox?task=${task.id}`, undefined, 'operator')).json.items;
  const history = async (instanceId: string): Promise<AuditEvent[]> => (await h.record(instanceId)).history;

  /** Uploads bytes to a task's field with the person's own API token. */
  async function upload(task: TaskRecord, as: string, field: string, name: string, bytes: Buffer, type: string): Promise<Reply> {
    let token = tokens.get(as);
    if (!token) {
      token = (await server.accounts.createApiToken(as, 'uploads', 'test-setup')).token;
      tokens.set(as, token);
    }
    const response = await fetch(`${server.url}/api/tasks/${task.id}/attachments?field=${encodeURIComponent(field)}&name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'content-type': type, authorization: `Bearer ${token}` },
      body: new Uint8Array(bytes),
    });
    const text = await response.text();
    return { status: response.status, text, json: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
  }

  /** A signed-in browser (session cookie and CSRF token) without JavaScript. */
  async function browser(as: string) {
    const { token, session } = await server.accounts.login(`${as}@example.com`, PASSWORD, 'test');
    const cookie = `${SESSION_COOKIE}=${token}`;
    const request = async (method: string, path: string, form?: Record<string, string>) => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { cookie, ...(form && { 'content-type': 'application/x-www-form-urlencoded' }) },
        body: form ? new URLSearchParams({ _csrf: session.csrf, ...form }) : undefined,
        redirect: 'manual',
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      return { status: response.status, location: response.headers.get('location'), type: response.headers.get('content-type') ?? '', text: bytes.toString('utf8'), bytes, headers: response.headers };
    };
    return { csrf: session.csrf, cookie, get: (path: string) => request('GET', path), post: (path: string, form: Record<string, string>) => request('POST', path, form) };
  }

  before(async () => {
    h = await processHarness({
      start: START,
      overseer: 'quinn',
      prefix: 'extensions',
      people: [
        { id: 'quinn', name: 'Quinn Quality', roles: ['quality-manager'], sites: ['north'], password: PASSWORD },
        { id: 'quentin', name: 'Quentin Quality', roles: ['quality-manager'], sites: ['north'], password: PASSWORD },
        { id: 'sonja', name: 'Sonja South', roles: ['quality-manager'], sites: ['south'], password: PASSWORD },
        { id: 'alex', name: 'Alex Engineer', roles: ['staff'], sites: ['north'], managerId: 'quinn', password: PASSWORD },
        { id: 'bea', name: 'Bea Bystander', roles: ['staff'], sites: ['north'], password: PASSWORD },
      ],
    });
    server = h.server;
    const deployed = await h.upload(PROCESS);
    expect(deployed.status, deployed.text).to.equal(201);
  });
  after(async () => {
    await h?.close();
  });
  beforeEach(() => h.reset());

  describe('extension requests', () => {
    it('approving moves the due date, re-plans reminders and escalations, and audits why', async () => {
      const { id, task } = await started();
      expect(task.dueAt).to.equal('2026-05-14T07:00:00.000Z');
      expect(plan(await jobsOf(task))).to.deep.equal([
        'escalation:level-1@2026-05-16T07:00:00.000Z',
        'notify:assigned@2026-05-04T07:00:00.000Z',
        'notify:due@2026-05-14T07:00:00.000Z',
        'notify:overdue@2026-05-17T07:00:00.000Z',
        'notify:reminder@2026-05-12T07:00:00.000Z',
      ]);
      // overdue and escalated to the quality managers
      await h.advance(12 * DAY + HOUR);
      expect((await taskOf(task.id)).escalationLevel).to.equal(1);

      const asked = await ask(task, 'alex', { dueAt: '2026-05-30', reason: 'The replacement guard is back-ordered until 28 May.' });
      expect(asked.status, asked.text).to.equal(201);
      const request = asked.json as ExtensionRequest;
      expect(request).to.include({ requestedBy: 'alex', fromDueAt: '2026-05-14T07:00:00.000Z', toDueAt: '2026-05-30T23:59:59.999Z', status: 'pending', reason: 'The replacement guard is back-ordered until 28 May.' });
      expect(request.requestedAt).to.equal('2026-05-16T08:00:00.000Z');
      // asking changes nothing yet
      expect((await taskOf(task.id)).dueAt).to.equal('2026-05-14T07:00:00.000Z');
      expect((await taskOf(task.id)).extensions).to.deep.equal([request]);

      // the approvers (the process owner role at the site, not the person who asked) are told
      await h.advance(0);
      const told = (await outbox(task)).filter((m) => m.kind === 'extension-requested');
      expect(told.map((m) => m.userId).sort()).to.deep.equal(['quentin', 'quinn']);
      expect(told[0].subject).to.equal('Extension requested: Fix the guard (EXT-2026-0001) to 30 May 2026, 23:59');
      expect(told[0].text).to.include('Alex Engineer asks to move the due date from 14 May 2026, 07:00 to 30 May 2026, 23:59');
      expect(told[0].text).to.include('Reason given: The replacement guard is back-ordered until 28 May.');
      expect(told[0].link).to.equal(`${server.url}/tasks/${task.id}`);

      const approved = await decide(task, request.id, 'quinn', { decision: 'approve', reason: 'Supplier delay confirmed; containment in place.' });
      expect(approved.status, approved.text).to.equal(200);
      expect(approved.json.request).to.include({ status: 'approved', decidedBy: 'quinn', decidedAt: '2026-05-16T08:00:00.000Z', decisionReason: 'Supplier delay confirmed; containment in place.' });
      const moved = await taskOf(task.id);
      expect(moved.dueAt).to.equal('2026-05-30T23:59:59.999Z');
      expect(moved.escalationLevel).to.equal(0);
      expect(moved.extensions!.map((r) => r.status)).to.deep.equal(['approved']);

      // the old reminders and escalations are cancelled; new ones run from the new date
      const replanned = (await jobsOf(task)).filter((j) => j.payload.notice !== 'extension-decided');
      expect(plan(replanned)).to.deep.equal([
        'escalation:level-1@2026-06-01T23:59:59.999Z',
        'notify:due@2026-05-30T23:59:59.999Z',
        'notify:overdue@2026-06-02T23:59:59.999Z',
        'notify:reminder@2026-05-28T23:59:59.999Z',
      ]);
      const old = await server.imsflow.store.getJob(`notify-${task.id}-overdue-${Date.parse('2026-05-17T07:00:00Z')}`);
      expect(old?.status).to.equal('cancelled');

      // the person who asked is told; nothing more reaches alex until the new reminder
      await h.advance(0);
      const decided = (await outbox(task)).filter((m) => m.kind === 'extension-decided');
      expect(decided.map((m) => m.userId)).to.deep.equal(['alex']);
      expect(decided[0].text).to.include('was approved by Quinn Quality: the task is now due 30 May 2026, 23:59');
      const notices = async () => (await outbox(task)).filter((m) => m.kind === 'reminder' || m.kind === 'overdue' || m.kind === 'due').sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      const sentBefore = (await notices()).length;
      await h.advance(12 * DAY); // 2026-05-28T08:00: nothing is due under the new plan yet
      expect((await notices()).length).to.equal(sentBefore);
      await h.advance(DAY); // 2026-05-29T08:00: past the new reminder (2026-05-28T23:59:59.999Z)
      const reminders = (await notices()).slice(sentBefore);
      expect(reminders.map((m) => [m.kind, m.userId])).to.deep.equal([['reminder', 'alex']]);
      expect(reminders[0].subject).to.include('is due 30 May 2026, 23:59');

      // the audit trail: each step, old → new due date, the reasons
      const events = (await history(id)).filter((e) => e.action.startsWith('task.extension-'));
      expect(events.map((e) => [e.action, e.actor])).to.deep.equal([
        ['task.extension-requested', 'alex'],
        ['task.extension-approved', 'quinn'],
      ]);
      expect(events[0].reason).to.equal('The replacement guard is back-ordered until 28 May.');
      expect(events[0].new).to.deep.include({ request: request.id, fromDueAt: '2026-05-14T07:00:00.000Z', toDueAt: '2026-05-30T23:59:59.999Z' });
      expect(events[1].old).to.deep.equal({ dueAt: '2026-05-14T07:00:00.000Z', escalationLevel: 1 });
      expect(events[1].new).to.deep.include({ dueAt: '2026-05-30T23:59:59.999Z', escalationLevel: 0, request: request.id, requestedBy: 'alex', requestReason: 'The replacement guard is back-ordered until 28 May.' });
      expect(events[1].reason).to.equal('Supplier delay confirmed; containment in place.');
      expect((await call('GET', '/api/audit/verify', undefined, 'operator')).json.ok).to.equal(true);

      // decided once: deciding again is 409
      expect((await decide(task, request.id, 'quentin', { decision: 'reject', reason: 'again' })).status).to.equal(409);
    });

    it('rejecting keeps the due date; the person who asked is told and may ask again', async () => {
      const { id, task } = await started();
      await h.advance(0); // the assignment notice goes out
      const before = plan(await jobsOf(task));
      const asked = await ask(task, 'alex', { dueAt: '2026-05-20T12:00:00Z', reason: 'Too busy with the audit.' });
      expect(asked.status, asked.text).to.equal(201);
      await h.advance(0);
      const rejected = await decide(task, asked.json.id, 'quentin', { decision: 'reject', reason: 'The guard is a safety item: fix it on time.' });
      expect(rejected.status, rejected.text).to.equal(200);
      expect(rejected.json.request).to.include({ status: 'rejected', decidedBy: 'quentin', decisionReason: 'The guard is a safety item: fix it on time.' });
      const after = await taskOf(task.id);
      expect(after.dueAt).to.equal('2026-05-14T07:00:00.000Z');
      expect(plan((await jobsOf(task)).filter((j) => !String(j.payload.notice).startsWith('extension-')))).to.deep.equal(before);

      await h.advance(0);
      const decided = (await outbox(task)).filter((m) => m.kind === 'extension-decided');
      expect(decided.map((m) => m.userId)).to.deep.equal(['alex']);
      expect(decided[0].subject).to.equal('Extension rejected: Fix the guard (' + after.businessKey + ')');
      expect(decided[0].text).to.include('Reason for the decision: The guard is a safety item: fix it on time.');

      const events = (await history(id)).filter((e) => e.action === 'task.extension-rejected');
      expect(events).to.have.length(1);
      expect(events[0]).to.deep.include({ actor: 'quentin', reason: 'The guard is a safety item: fix it on time.', old: { status: 'pending' } });
      expect(events[0].new).to.deep.include({ status: 'rejected', dueAt: '2026-05-14T07:00:00.000Z', askedFor: '2026-05-20T12:00:00.000Z', requestReason: 'Too busy with the audit.' });

      // a new request after the rejection is allowed
      const again = await ask(task, 'alex', { dueAt: '2026-05-15', reason: 'One more day for the paint to cure.' });
      expect(again.status, again.text).to.equal(201);
      expect((await taskOf(task.id)).extensions!.map((r) => r.status)).to.deep.equal(['rejected', 'pending']);
    });

    it('asks the approvers again every two days while nobody decides, and stops once decided', async () => {
      const { task } = await started();
      const asked = await ask(task, 'alex', { dueAt: '2026-05-30', reason: 'The replacement guard is back-ordered until 28 May.' });
      expect(asked.status, asked.text).to.equal(201);
      const requests = async () => (await outbox(task)).filter((m) => m.kind === 'extension-requested');
      await h.advance(0);
      expect((await requests()).map((m) => m.userId).sort()).to.deep.equal(['quentin', 'quinn']);
      await h.advance(DAY);
      expect(await requests(), 'nothing more within two days').to.have.length(2);
      await h.advance(DAY + HOUR);
      const again = (await requests()).slice(2);
      expect(again.map((m) => m.userId).sort()).to.deep.equal(['quentin', 'quinn']);
      expect(again[0].subject).to.equal(`Reminder, still undecided: extension of Fix the guard (${task.businessKey}) to 30 May 2026, 23:59`);
      expect(again[0].link).to.equal(`${server.url}/tasks/${task.id}`);

      expect((await decide(task, asked.json.id, 'quinn', { decision: 'reject', reason: 'Fix it on time.' })).status).to.equal(200);
      await h.advance(5 * DAY);
      expect(await requests(), 'no reminder once decided').to.have.length(4);
    });

    it('the person who asked cannot approve their own request', async () => {
      const capa = await h.start('capa', 'quinn', { variables: { source: 'complaint', title: 'Cracked caps', description: 'Twelve cracked caps.', reference: 'CC-1' } });
      const triage = await h.theTask(capa.id, 'triage');
      expect(triage.candidateRole).to.equal('quality-manager');
      const asked = await ask(triage, 'quinn', { dueAt: '2026-05-12', reason: 'Waiting for the customer\'s samples.' });
      expect(asked.status, asked.text).to.equal(201);

      const own = await decide(triage, asked.json.id, 'quinn', { decision: 'approve', reason: 'fine by me' });
      expect(own.status, own.text).to.equal(403);
      expect(own.json.error).to.include('separation of duties');
      // the holder of a task who is not of the owner role decides nothing either; staff of the site do not see it
      const alexTask = (await started()).task;
      const alexAsked = await ask(alexTask, 'alex', { dueAt: '2026-05-20', reason: 'Parts late.' });
      expect((await decide(alexTask, alexAsked.json.id, 'alex', { decision: 'approve', reason: 'mine' })).status).to.equal(403);
      expect((await decide(alexTask, alexAsked.json.id, 'bea', { decision: 'approve', reason: 'not mine' })).status).to.equal(404);
      // a quality manager of another site does not see it
      expect((await decide(alexTask, alexAsked.json.id, 'sonja', { decision: 'approve', reason: 'other site' })).status).to.equal(404);
      expect((await decide(alexTask, 'no-such-request', 'quinn', { decision: 'approve', reason: 'x' })).status).to.equal(404);

      const approved = await decide(triage, asked.json.id, 'quentin', { decision: 'approve', reason: 'Samples are on their way.' });
      expect(approved.status, approved.text).to.equal(200);
      expect((await taskOf(triage.id)).dueAt).to.equal('2026-05-12T23:59:59.999Z');
      const unchanged = await taskOf(alexTask.id);
      expect(unchanged.extensions!.map((r) => r.status)).to.deep.equal(['pending']);
    });

    it('only the task holder may ask for more time (others get 404 or 403)', async () => {
      const { task } = await started();
      const body = { dueAt: '2026-05-20', reason: 'Not my task.' };
      expect((await ask(task, 'bea', body)).status).to.equal(404);
      const overseer = await ask(task, 'quinn', body);
      expect(overseer.status, overseer.text).to.equal(403);
      expect(overseer.json.error).to.include('only the holder');
      expect((await ask(task, 'sonja', body)).status).to.equal(404);
      expect((await taskOf(task.id)).extensions).to.equal(undefined);
    });

    it('allows one pending request at a time, and refuses bad dates or a missing reason', async () => {
      const { task } = await started();
      const fieldsOf = (reply: Reply) => reply.json.fields.map((f: { field: string }) => f.field);
      for (const dueAt of ['2026-05-13', '2026-05-14T07:00:00Z', '2026-05-01']) {
        const reply = await ask(task, 'alex', { dueAt, reason: 'Need more time.' });
        expect(reply.status, `${dueAt}: ${reply.text}`).to.equal(400);
        expect(fieldsOf(reply), dueAt).to.deep.equal(['dueAt']);
      }
      const early = await ask(task, 'alex', { dueAt: '2026-05-13', reason: 'Need more time.' });
      expect(early.json.fields[0].message).to.include('after the current due date');
      for (const dueAt of ['next week', '2026-02-30', '2026-13-01', '']) {
        const reply = await ask(task, 'alex', { dueAt, reason: 'Need more time.' });
        expect(reply.status, dueAt).to.equal(400);
        expect(fieldsOf(reply), dueAt).to.deep.equal(['dueAt']);
      }
      const noReason = await ask(task, 'alex', { dueAt: '2026-05-20', reason: '  ' });
      expect(noReason.status).to.equal(400);
      expect(fieldsOf(noReason)).to.deep.equal(['reason']);
      expect((await ask(task, 'alex', { dueAt: '2026-05-20' })).status).to.equal(400);

      expect((await ask(task, 'alex', { dueAt: '2026-05-20', reason: 'Parts are late.' })).status).to.equal(201);
      const second = await ask(task, 'alex', { dueAt: '2026-05-25', reason: 'Even later.' });
      expect(second.status, second.text).to.equal(409);
      expect(second.json.error).to.include('waiting for a decision');
      const decision = await decide(task, (await taskOf(task.id)).extensions![0].id, 'quinn', { decision: 'maybe', reason: 'hm' });
      expect(decision.status).to.equal(400);
      expect(fieldsOf(decision)).to.deep.equal(['decision']);
      expect(fieldsOf(await decide(task, (await taskOf(task.id)).extensions![0].id, 'quinn', { decision: 'approve' }))).to.deep.equal(['reason']);
    });

    it('a completed task\'s request cannot be decided, nor a task without due date extended', async () => {
      const { id, task } = await started();
      const asked = await ask(task, 'alex', { dueAt: '2026-05-20', reason: 'Parts are late.' });
      expect(asked.status).to.equal(201);
      const ref = (await upload(task, 'alex', 'evidence', 'fixed.pdf', pdf('fixed'), 'application/pdf')).json;
      await h.complete(task, 'alex', { summary: 'Fixed after all', evidence: ref });
      const closed = await decide(task, asked.json.id, 'quinn', { decision: 'approve', reason: 'late' });
      expect(closed.status, closed.text).to.equal(409);
      expect(closed.json.error).to.include('can no longer be decided');
      const kept = await taskOf(task.id);
      expect(kept.extensions!.map((r) => r.status)).to.deep.equal(['pending']);
      expect((await ask(task, 'alex', { dueAt: '2026-05-25', reason: 'x' })).status).to.equal(409);

      const review = await h.theTask(id, 'review');
      expect(review.dueAt).to.equal(undefined);
      const none = await ask(review, 'quinn', { dueAt: '2026-05-25', reason: 'More time.' });
      expect(none.status, none.text).to.equal(409);
      expect(none.json.error).to.include('no due date');
    });

    it('is in the OpenAPI document with its request schemas', async () => {
      const doc = (await call('GET', '/api/openapi.json', undefined, 'quinn')).json;
      const ask$ = doc.paths['/api/tasks/{id}/extensions'].post;
      expect(ask$.requestBody.content['application/json'].schema.required).to.have.members(['dueAt', 'reason']);
      const decide$ = doc.paths['/api/tasks/{id}/extensions/{requestId}/decision'].post;
      expect(decide$.requestBody.content['application/json'].schema.properties.decision.enum).to.deep.equal(['approve', 'reject']);
      const upload$ = doc.paths['/api/tasks/{id}/attachments'].post;
      expect(upload$.parameters.map((p: { name: string }) => p.name)).to.deep.equal(['id', 'field', 'name']);
      expect(upload$.requestBody.content).to.have.key('*/*');
    });
  });

  describe('API upload for file fields', () => {
    it('a PDF uploaded through the API fills the file field and can be downloaded', async () => {
      const { id, task } = await started();
      const bytes = pdf('guard photo');
      const sha = createHash('sha256').update(bytes).digest('hex');
      const uploaded = await upload(task, 'alex', 'evidence', 'guard photo.pdf', bytes, 'application/pdf');
      expect(uploaded.status, uploaded.text).to.equal(201);
      expect(uploaded.json).to.deep.equal({ sha256: sha, name: 'guard photo.pdf', size: bytes.length, contentType: 'application/pdf' });

      await h.complete(task, 'alex', { summary: 'Guard replaced', evidence: uploaded.json });
      const done = (await h.record(id)).tasks.find((t: TaskRecord) => t.id === task.id);
      expect(done.data.evidence).to.deep.equal(uploaded.json);
      const event = (await history(id)).find((e) => e.action === 'attachment.uploaded')!;
      expect(event).to.deep.include({ actor: 'alex', target: `attachment:${sha}` });
      expect(event.new).to.deep.include({ task: task.id, field: 'evidence', name: 'guard photo.pdf' });

      const quinn = await browser('quinn');
      const record = await quinn.get(`/records/${id}`);
      expect(record.status).to.equal(200);
      expect(record.text).to.include(`<a href="/attachments/${sha}" download>guard photo.pdf</a>`);
      const download = await quinn.get(`/attachments/${sha}`);
      expect(download.status).to.equal(200);
      expect(download.type).to.equal('application/pdf');
      expect(download.headers.get('content-disposition')).to.equal('attachment; filename="guard photo.pdf"');
      expect(download.bytes.equals(bytes)).to.equal(true);
      // not for another site's quality manager
      expect((await (await browser('sonja')).get(`/attachments/${sha}`)).status).to.equal(404);
    });

    it('completing may cite only a file uploaded to that task\'s field', async () => {
      const first = await started();
      const second = await started();
      const bytes = pdf('calibration certificate');
      const uploaded = await upload(first.task, 'alex', 'evidence', 'calibration.pdf', bytes, 'application/pdf');
      expect(uploaded.status, uploaded.text).to.equal(201);
      // bytes never uploaded, and a file uploaded to another task, are refused; nothing is completed
      const never = await call('POST', `/api/tasks/${first.task.id}/complete`, { data: { summary: 's', evidence: { sha256: 'a'.repeat(64), name: 'calibration-cert.pdf', size: 10 } } }, 'alex');
      expect(never.status).to.equal(400);
      expect(never.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['evidence']);
      const elsewhere = await call('POST', `/api/tasks/${second.task.id}/complete`, { data: { summary: 's', evidence: uploaded.json } }, 'alex');
      expect(elsewhere.status).to.equal(400);
      expect((await taskOf(second.task.id)).status).to.equal('open');
      // the upload itself, whatever name and size the completion claims
      await h.complete(first.task, 'alex', { summary: 'Calibrated', evidence: { ...uploaded.json, name: 'renamed.pdf', size: 1 } });
      expect((await taskOf(first.task.id)).data?.evidence).to.deep.equal(uploaded.json);
    });

    it('refuses uploads of a wrong type, to other fields, by others or to closed tasks', async () => {
      const { task } = await started();
      const registered = async () => (await server.imsflow.store.listAudit({ limit: 100_000 })).filter((e) => e.action === 'attachment.uploaded' && e.instanceId === task.instanceId).length;

      const disguised = await upload(task, 'alex', 'evidence', 'report.pdf', PNG, 'application/pdf');
      expect(disguised.status, disguised.text).to.equal(400);
      expect(disguised.json.fields).to.deep.equal([{ field: 'evidence', message: 'Evidence: the content of “report.pdf” is not a PDF: it looks like a PNG image' }]);
      const program = await upload(task, 'alex', 'evidence', 'setup.exe', Buffer.from('MZ\x90\x00'), 'application/x-msdownload');
      expect(program.status).to.equal(400);
      expect(program.json.fields[0].field).to.equal('evidence');
      expect(program.json.fields[0].message).to.include('not a file type that is accepted');
      const json = await upload(task, 'alex', 'evidence', 'data.json', Buffer.from('{"a":1}'), 'application/json');
      expect(json.status).to.equal(400);
      expect(json.json.fields[0].field).to.equal('evidence');
      const empty = await upload(task, 'alex', 'evidence', 'empty.pdf', Buffer.alloc(0), 'application/pdf');
      expect(empty.status).to.equal(400);
      expect(empty.json.fields[0].message).to.include('is empty');

      const text = await upload(task, 'alex', 'summary', 'report.pdf', pdf('x'), 'application/pdf');
      expect(text.status).to.equal(400);
      expect(text.json.fields).to.deep.equal([{ field: 'field', message: '“Summary” (summary) is a text field, not a file field: use one of evidence' }]);
      const unknown = await upload(task, 'alex', 'nope', 'report.pdf', pdf('x'), 'application/pdf');
      expect(unknown.status).to.equal(400);
      expect(unknown.json.fields[0].field).to.equal('field');
      expect((await upload(task, 'alex', '', 'report.pdf', pdf('x'), 'application/pdf')).json.fields[0].field).to.equal('field');
      expect((await upload(task, 'alex', 'evidence', '', pdf('x'), 'application/pdf')).json.fields[0].field).to.equal('name');

      expect((await upload(task, 'bea', 'evidence', 'report.pdf', pdf('bea'), 'application/pdf')).status).to.equal(404);
      expect((await upload(task, 'quinn', 'evidence', 'report.pdf', pdf('quinn'), 'application/pdf')).status).to.equal(403);
      expect((await upload(task, 'sonja', 'evidence', 'report.pdf', pdf('sonja'), 'application/pdf')).status).to.equal(404);
      expect(await registered()).to.equal(0);

      const ok = await upload(task, 'alex', 'evidence', 'report.pdf', pdf('ok'), 'application/pdf');
      expect(ok.status).to.equal(201);
      await h.complete(task, 'alex', { summary: 'Done', evidence: ok.json });
      expect((await upload(task, 'alex', 'evidence', 'late.pdf', pdf('late'), 'application/pdf')).status).to.equal(409);
      expect(await registered()).to.equal(1);
    });
  });

  describe('the task page', () => {
    it('the holder asks for more time from the task page, with errors at the field', async () => {
      const { task } = await started();
      const alex = await browser('alex');
      const page = await alex.get(`/tasks/${task.id}`);
      expect(page.status).to.equal(200);
      expect(page.text).to.include('<details><summary>Ask for more time</summary>');
      expect(page.text).to.match(new RegExp(`<form method="post" action="/tasks/${task.id}/extensions"( class="[^"]*")?><input type="hidden" name="_csrf" value="${alex.csrf}"/>`));
      expect(page.text).to.match(/<input [^>]*type="date" id="extension-ask-dueAt" name="dueAt" min="2026-05-14" value required aria-describedby="extension-ask-dueAt-hint"\/>/);
      // the hint names the current due date and the zone a typed day ends in, on the reader's clock
      expect(page.text).to.match(/A day after the current due date, <time datetime="2026-05-14T07:00:00.000Z">14 May 2026, 07:00<\/time>\. The task is then due at the end of that day \([^)]+\)\./);

      const early = await alex.post(`/tasks/${task.id}/extensions`, { dueAt: '2026-05-10', reason: 'Parts are late.' });
      expect(early.status).to.equal(400);
      expect(early.text).to.include('<details open><summary>Ask for more time</summary>');
      expect(early.text).to.match(/<span class="[^"]*error" id="extension-ask-dueAt-error">Choose a day after the current due date\.<\/span><input [^>]*type="date" id="extension-ask-dueAt" name="dueAt" min="2026-05-14" value="2026-05-10" required aria-invalid="true" aria-describedby="extension-ask-dueAt-error extension-ask-dueAt-hint"\/>/);
      expect(early.text).to.include('>Parts are late.</textarea>');
      const noReason = await alex.post(`/tasks/${task.id}/extensions`, { dueAt: '2026-05-20', reason: '' });
      expect(noReason.status).to.equal(400);
      expect(noReason.text).to.match(/<span class="[^"]*error" id="extension-ask-reason-error">Give a reason: it goes into the audit trail\.<\/span>/);
      // without the CSRF token nothing happens
      const forged = await fetch(`${server.url}/tasks/${task.id}/extensions`, {
        method: 'POST',
        headers: { cookie: alex.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ dueAt: '2026-05-20', reason: 'Forged.' }),
        redirect: 'manual',
      });
      expect(forged.status).to.equal(403);
      expect((await taskOf(task.id)).extensions).to.equal(undefined);

      const sent = await alex.post(`/tasks/${task.id}/extensions`, { dueAt: '2026-05-20', reason: 'Parts are late <b>again</b>.' });
      expect(sent.status, sent.text.slice(0, 500)).to.equal(303);
      expect(sent.location).to.equal(`/tasks/${task.id}?done=extension-requested`);
      const after = await alex.get(sent.location!);
      expect(after.text).to.include('Your request for more time was sent to the process owner.');
      expect(after.text).to.include('<h2 id="extensions-title">Due date extensions</h2>');
      expect(after.text).to.match(/<td data-label="Reason" class="pre">Parts are late &lt;b(>|&gt;)again&lt;\/b(>|&gt;)\.<\/td>/);
      expect(after.text).to.match(/<span class="[^"]*badge pending">Pending<\/span> Waiting for a decision/);
      expect(after.text).to.include('Your request waits for a decision by the process owner.');
      // one pending at a time: no second form, and no approve form for the one who asked
      expect(after.text).to.not.include('Ask for more time</summary>');
      expect(after.text).to.not.include('name="decision"');
    });

    it('an approver approves a request from the task page, and the due date moves', async () => {
      const { task } = await started();
      const asked = await ask(task, 'alex', { dueAt: '2026-05-21', reason: 'Waiting for the supplier.' });
      const quinn = await browser('quinn');
      const page = await quinn.get(`/tasks/${task.id}`);
      expect(page.status).to.equal(200);
      const html = page.text;
      // people by name, times on the reader's clock (the installation's UTC here), no ISO timestamps
      expect(html).to.include(
        `<tr id="extension-${asked.json.id}"><td data-label="Asked by">Alex Engineer</td><td data-label="Asked on"><time datetime="2026-05-04T07:00:00.000Z">4 May 2026, 07:00</time></td><td data-label="Due date: from → to"><time datetime="2026-05-14T07:00:00.000Z">14 May 2026, 07:00</time> → <time datetime="2026-05-21T23:59:59.999Z">21 May 2026, 23:59</time></td><td data-label="Reason" class="pre">Waiting for the supplier.</td>`,
      );
      expect(html).to.match(new RegExp(`<form method="post" action="/tasks/${task.id}/extensions/${asked.json.id}/decision" class="[^"]*decide"><input type="hidden" name="_csrf" value="${quinn.csrf}"/>`));
      expect(html).to.match(/<button type="submit" name="decision" value="approve" class="[^"]*">Approve: due 21 May 2026, 23:59<\/button><button type="submit" name="decision" value="reject" class="[^"]*">Reject<\/button>/);
      // staff who asked see no decision form; the holder's view is their own
      expect((await (await browser('alex')).get(`/tasks/${task.id}`)).text).to.not.include('name="decision"');

      const noReason = await quinn.post(`/tasks/${task.id}/extensions/${asked.json.id}/decision`, { decision: 'approve', reason: '' });
      expect(noReason.status).to.equal(400);
      expect(noReason.text).to.match(new RegExp(`<span class="[^"]*error" id="decide-${asked.json.id}-reason-error">Give a reason for your decision: it goes into the audit trail\\.</span>`));

      const approved = await quinn.post(`/tasks/${task.id}/extensions/${asked.json.id}/decision`, { decision: 'approve', reason: 'Supplier confirmed the delay.' });
      expect(approved.status).to.equal(303);
      expect(approved.location).to.equal(`/tasks/${task.id}?done=extension-approved`);
      expect((await taskOf(task.id)).dueAt).to.equal('2026-05-21T23:59:59.999Z');
      const shown = await quinn.get(approved.location!);
      expect(shown.text).to.include('The extension was approved');
      expect(shown.text).to.match(/<span class="[^"]*badge approved">Approved<\/span> by Quinn Quality on <time[^>]*>4 May 2026, 07:00<\/time><br\/><span class="pre">Supplier confirmed the delay.<\/span>/);
      expect(shown.text).to.include('<dt>Due</dt><dd><time datetime="2026-05-21T23:59:59.999Z">21 May 2026, 23:59</time>');
      // the record's history shows the decision with its reason
      expect((await quinn.get(`/records/${task.instanceId}`)).text).to.include('<code>task.extension-approved</code>');
      // deciding again from a stale page: 409
      expect((await quinn.post(`/tasks/${task.id}/extensions/${asked.json.id}/decision`, { decision: 'reject', reason: 'stale' })).status).to.equal(409);
    });
  });
});
