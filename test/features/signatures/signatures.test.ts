import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { pino } from 'pino';
import stringify from 'safe-stable-stringify';
import { startServer, type RunningServer } from '../../../api/server.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { ValidationError } from '../../../engine/kernel/errors.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import {
  currentContent,
  hashRecord,
  manifestation,
  meaningStatement,
  recordContent,
  verifySignature,
  type SignatureRecord,
  type SignatureView,
} from '../../../engine/features/signatures/index.js';
import type { SqliteStore } from '../../../engine/adapters/sqlite/index.js';
import type { ChangeSet } from '../../../engine/ports/commit-store.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { DAY, openTasks, shipped, testEngine, type TestEngine } from '../../helpers.js';
import { signInOperator } from '../../support/operator.js';

/**
 * Electronic signatures (21 CFR 11.50, 11.70, 11.200) on the shipped nonconformity process, whose
 * `verify` task has ims:signature="verified": in the engine, through the API (API token and session),
 * and on the task page opened from an email link.
 */

const SIGNER = { userId: 'carol', printedName: 'Carol Deputy', method: 'password+userid' as const };
const ASSESS = { severity: 'major', containment: 'Lot 12 quarantined', actionNeeded: true };
const ACT = { cause: 'Worn die', actionTaken: 'Die replaced, PM interval shortened', completedOn: '2026-03-05' };
const VERIFY = { effective: 'yes', evidence: 'Three lots without the defect' };

describe('electronic signatures: engine', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await testEngine();
    await t.imsflow.deploy(shipped('nonconformity.bpmn'), 'admin');
  });

  /** A nonconformity walked up to its verify task (assessed by carol, corrected by bob). */
  async function atVerify(): Promise<{ instanceId: string; assess: TaskRecord; act: TaskRecord; verify: TaskRecord }> {
    const { id } = await t.imsflow.start('nonconformity', { variables: { owner: 'bob' } }, 'rita');
    const { assess } = await openTasks(t.imsflow, id);
    await t.imsflow.completeTask(assess.id, ASSESS, 'carol');
    const { act } = await openTasks(t.imsflow, id);
    await t.imsflow.completeTask(act.id, ACT, 'bob');
    const { verify } = await openTasks(t.imsflow, id);
    expect(verify.signature).to.equal('verified');
    return { instanceId: id, assess: await t.imsflow.getTask(assess.id), act: await t.imsflow.getTask(act.id), verify };
  }

  const sqlite = () => t.store as SqliteStore;

  it('refuses to complete a signature task without a signature, and leaves it open', async () => {
    const { verify, instanceId } = await atVerify();
    const err = (await t.imsflow.completeTask(verify.id, VERIFY, 'carol').catch((e) => e)) as ValidationError;
    expect(err).to.be.instanceOf(ValidationError);
    expect(err.fields.map((f) => f.field)).to.deep.equal(['signature']);
    expect(err.fields[0].message).to.match(/must be signed electronically \(verified\)/);

    const both = (await t.imsflow.completeTask(verify.id, { effective: 'maybe' }, 'carol').catch((e) => e)) as ValidationError;
    expect(both.fields.map((f) => f.field).sort()).to.deep.equal(['effective', 'evidence', 'signature']);

    expect((await t.imsflow.getTask(verify.id)).status).to.equal('open');
    expect(await t.store.listSignatures({ instanceId })).to.deep.equal([]);
    expect((await t.store.listAudit({ target: `task:${verify.id}` })).map((e) => e.action)).to.deep.equal(['task.created']);
  });

  it('refuses a signature made for someone else, or on a task that takes none', async () => {
    const { verify, instanceId } = await atVerify();
    const forOther = (await t.imsflow.completeTask(verify.id, VERIFY, 'dave', { signature: SIGNER }).catch((e) => e)) as ValidationError;
    expect(forOther).to.be.instanceOf(ValidationError);
    expect(forOther.fields).to.deep.equal([{ field: 'signature', message: 'a signature is made by the person completing the task' }]);

    const other = await t.imsflow.start('nonconformity', { variables: { owner: 'bob' } }, 'rita');
    const { assess } = await openTasks(t.imsflow, other.id);
    const unwanted = (await t.imsflow.completeTask(assess.id, ASSESS, 'carol', { signature: SIGNER }).catch((e) => e)) as ValidationError;
    expect(unwanted.fields).to.deep.equal([{ field: 'signature', message: 'this task takes no electronic signature' }]);
    expect((await t.imsflow.getTask(assess.id)).status).to.equal('open');
    expect(await t.store.listSignatures({})).to.deep.equal([]);
    expect((await t.imsflow.getTask(verify.id)).status).to.equal('open');
    expect((await t.imsflow.getInstance(instanceId)).signatures).to.deep.equal([]);
  });

  it('signs in the same commit as the completion, with its manifestation and an audit event', async () => {
    const { verify, instanceId, assess, act } = await atVerify();
    const instanceBefore = (await t.store.getInstance(instanceId))!;
    const commits: ChangeSet[] = [];
    const unwatch = t.store.beforeCommit((change) => {
      commits.push(change);
    });
    const result = await t.imsflow.completeTask(verify.id, VERIFY, 'carol', { signature: SIGNER });
    unwatch();
    expect(result.instanceStatus).to.equal('completed');
    const signature = result.signature!;

    expect(commits).to.have.length(1);
    expect(commits[0].signatures).to.deep.equal([signature]);
    expect(commits[0].tasks![0].record).to.include({ id: verify.id, status: 'completed', completedBy: 'carol' });
    expect(commits[0].audit.slice(0, 2).map((e) => e.action)).to.deep.equal(['task.completed', 'task.signed']);

    expect(signature).to.include({
      taskId: verify.id,
      instanceId,
      userId: 'carol',
      printedName: 'Carol Deputy',
      meaning: 'verified',
      signedAt: '2026-03-02T08:00:00.000Z',
      timeZone: 'UTC',
      method: 'password+userid',
    });
    // exactly what is signed: the record's identity, the task, its data and the output before it
    const expected = {
      instanceId,
      businessKey: verify.businessKey,
      definition: { key: 'nonconformity', version: 1 },
      taskId: verify.id,
      elementId: 'verify',
      taskName: 'Verify effectiveness',
      data: VERIFY,
      priorOutput: { assess: assess.data, act: act.data },
    };
    expect(signature.content).to.deep.equal(expected);
    expect(instanceBefore.output).to.deep.equal(expected.priorOutput);
    expect(signature.recordHash).to.equal(createHash('sha256').update(stringify(expected)!).digest('hex'));
    expect(manifestation(signature).text).to.equal('Verified by Carol Deputy on 2026-03-02 08:00:00 UTC');

    expect(await t.store.listSignatures({ taskId: verify.id })).to.deep.equal([signature]);
    const signed = (await t.store.listAudit({ target: `task:${verify.id}` })).find((e) => e.action === 'task.signed')!;
    expect(signed).to.deep.include({ actor: 'carol', instanceId });
    expect(signed.new).to.deep.equal({
      signature: signature.id,
      userId: 'carol',
      printedName: 'Carol Deputy',
      meaning: 'verified',
      signedAt: signature.signedAt,
      timeZone: 'UTC',
      method: 'password+userid',
      recordHash: signature.recordHash,
    });
    expect((await t.imsflow.verifyAuditTrail()).ok).to.equal(true);

    const view = (await t.imsflow.getInstance(instanceId)).signatures;
    expect(view).to.have.length(1);
    expect(view[0]).to.deep.include({ id: signature.id, valid: true, status: 'matches' });
    expect(view[0].manifestation).to.deep.equal({
      printedName: 'Carol Deputy',
      meaning: 'verified',
      signedAt: '2026-03-02T08:00:00.000Z',
      timeZone: 'UTC',
      text: 'Verified by Carol Deputy on 2026-03-02 08:00:00 UTC',
    });
  });

  it('hashes canonically: key order does not matter, every signed part does', () => {
    const base = {
      instance: { id: 'i1', businessKey: 'NC-2026-0001', key: 'nonconformity', version: 1 },
      task: { id: 't1', elementId: 'verify', name: 'Verify effectiveness' },
      data: { effective: 'yes', evidence: 'ok' },
      priorOutput: { act: { cause: 'x', actionTaken: 'y' } },
    };
    const hash = hashRecord(recordContent(base));
    expect(hash).to.match(/^[0-9a-f]{64}$/);
    expect(hashRecord(recordContent({ ...base, data: { evidence: 'ok', effective: 'yes' }, priorOutput: { act: { actionTaken: 'y', cause: 'x' } } }))).to.equal(hash);
    const variants = [
      { ...base, instance: { ...base.instance, id: 'i2' } },
      { ...base, instance: { ...base.instance, businessKey: 'NC-2026-0002' } },
      { ...base, instance: { ...base.instance, version: 2 } },
      { ...base, task: { ...base.task, id: 't2' } },
      { ...base, task: { ...base.task, elementId: 'assess' } },
      { ...base, task: { ...base.task, name: 'Verify' } },
      { ...base, data: { ...base.data, evidence: 'ok ' } },
      { ...base, priorOutput: { act: { cause: 'x', actionTaken: 'z' } } },
    ];
    for (const variant of variants) expect(hashRecord(recordContent(variant))).to.not.equal(hash);
  });

  it('a signature copied onto another task does not verify; the original still does', async () => {
    const { verify, instanceId, assess } = await atVerify();
    const { signature } = await t.imsflow.completeTask(verify.id, VERIFY, 'carol', { signature: SIGNER });
    const instance = (await t.store.getInstance(instanceId))!;
    const tasks = await t.store.listTasks({ instanceId });
    const history = await t.store.listAudit({ instanceId });

    // the function: checked against the other task's content
    const moved = { ...signature!, id: 'copied', taskId: assess.id };
    const check = verifySignature(moved, currentContent(moved, instance, assess, tasks, history));
    expect(check.valid).to.equal(false);
    if (check.valid) return;
    expect(check.status).to.equal('no longer matches');
    expect(check.changes).to.include.members(['taskId changed', 'elementId changed', 'taskName changed', 'data.effective removed', 'data.severity added']);
    expect(check.summary).to.match(/^the record no longer matches its signature: /);

    // stored next to the original, onto a task of another instance too
    const other = await atVerify();
    await t.store.commit({ signatures: [moved, { ...signature!, id: 'elsewhere', taskId: other.verify.id }], audit: [] });
    const views = new Map((await t.imsflow.getInstance(instanceId)).signatures.map((s) => [s.id, s]));
    expect(views.get(signature!.id)).to.deep.include({ valid: true, status: 'matches' });
    expect(views.get('copied')).to.deep.include({ valid: false, status: 'no longer matches' });
    expect(views.get('copied')!.changes).to.include.members(['taskId changed', 'the audit trail records no such signature']);
    expect(views.get('elsewhere')).to.deep.include({ valid: false });
    expect(views.get('elsewhere')!.changes).to.include.members(['instanceId changed', 'businessKey changed', 'taskId changed']);
  });

  it('a changed record shows its signature as no longer matching, saying what changed', async () => {
    const { verify, act, instanceId } = await atVerify();
    const { signature } = await t.imsflow.completeTask(verify.id, VERIFY, 'carol', { signature: SIGNER });
    const viewOf = async (): Promise<SignatureView> => (await t.imsflow.getInstance(instanceId)).signatures[0];
    expect(await viewOf()).to.deep.include({ valid: true });

    // the signed task's data, edited in the database behind the engine's back
    sqlite().unsafeExecForTests(`UPDATE tasks SET doc = json_set(doc, '$.data.evidence', ?) WHERE id = ?`, 'One lot without the defect', verify.id);
    let view = await viewOf();
    expect(view).to.deep.include({ id: signature!.id, valid: false, status: 'no longer matches', changes: ['data.evidence changed'] });
    sqlite().unsafeExecForTests(`UPDATE tasks SET doc = json_set(doc, '$.data.evidence', ?) WHERE id = ?`, VERIFY.evidence, verify.id);
    expect(await viewOf()).to.deep.include({ valid: true });

    // an earlier step's data the signer verified on top of
    sqlite().unsafeExecForTests(`UPDATE tasks SET doc = json_set(doc, '$.data.cause', ?) WHERE id = ?`, 'Operator error', act.id);
    view = await viewOf();
    expect(view).to.deep.include({ valid: false, changes: ['priorOutput.act.cause changed'] });
    sqlite().unsafeExecForTests(`UPDATE tasks SET doc = json_set(doc, '$.data.cause', ?) WHERE id = ?`, ACT.cause, act.id);

    // the instance's identity
    sqlite().unsafeExecForTests(`UPDATE instances SET doc = json_set(doc, '$.businessKey', ?) WHERE id = ?`, 'NC-1999-0001', instanceId);
    expect(await viewOf()).to.deep.include({ valid: false, changes: ['businessKey changed'] });
  });

  it('signature records are append-only in SQLite: changing or deleting one is refused', async () => {
    const { verify } = await atVerify();
    const { signature } = await t.imsflow.completeTask(verify.id, VERIFY, 'carol', { signature: SIGNER });
    expect(() => sqlite().unsafeExecForTests(`UPDATE signatures SET doc = json_set(doc, '$.printedName', 'Mallory') WHERE id = ?`, signature!.id)).to.throw(/signatures cannot be changed/);
    expect(() => sqlite().unsafeExecForTests('DELETE FROM signatures WHERE id = ?', signature!.id)).to.throw(/signatures cannot be deleted/);
    expect(await t.store.listSignatures({})).to.deep.equal([signature]);
  });

  it('in a loop each signature keeps matching the output it was made on', async () => {
    const first = await atVerify();
    const one = await t.imsflow.completeTask(first.verify.id, { effective: 'no', evidence: 'Defect seen again' }, 'carol', { signature: SIGNER });
    expect(one.instanceStatus).to.equal('running');
    t.clock.advance(DAY);
    const { act } = await openTasks(t.imsflow, first.instanceId);
    await t.imsflow.completeTask(act.id, { ...ACT, cause: 'Wrong material', completedOn: '2026-03-20' }, 'bob');
    const { verify } = await openTasks(t.imsflow, first.instanceId);
    const two = await t.imsflow.completeTask(verify.id, VERIFY, 'carol', { signature: { ...SIGNER, method: 'password' } });
    expect(two.signature!.content.priorOutput).to.deep.equal({
      assess: ASSESS,
      act: { ...ACT, cause: 'Wrong material', completedOn: '2026-03-20' },
      verify: { effective: 'no', evidence: 'Defect seen again' },
    });
    expect(one.signature!.content.priorOutput).to.deep.equal({ assess: ASSESS, act: ACT });

    let views = (await t.imsflow.getInstance(first.instanceId)).signatures;
    expect(views.map((s) => [s.taskId, s.valid, s.method])).to.deep.equal([
      [first.verify.id, true, 'password+userid'],
      [verify.id, true, 'password'],
    ]);

    // the first action, edited: the first verification no longer matches; the second was made on the redone action
    sqlite().unsafeExecForTests(`UPDATE tasks SET doc = json_set(doc, '$.data.actionTaken', ?) WHERE id = ?`, 'Nothing', first.act.id);
    views = (await t.imsflow.getInstance(first.instanceId)).signatures;
    expect(views.map((s) => [s.valid, s.changes ?? []])).to.deep.equal([
      [false, ['priorOutput.act.actionTaken changed']],
      [true, []],
    ]);
  });

  it('states the meaning in words before signing', () => {
    const task = { name: 'Verify effectiveness', businessKey: 'NC-2026-0001' };
    expect(meaningStatement('verified', task)).to.equal('By signing you confirm you verified “Verify effectiveness” for NC-2026-0001, with the data entered here.');
    expect(meaningStatement('approved', task)).to.match(/^By signing you confirm you approve “Verify/);
    expect(meaningStatement('reviewed', task)).to.match(/^By signing you confirm you reviewed /);
    expect(meaningStatement('authored', task)).to.match(/^By signing you confirm you are the author of /);
    const shown = manifestation({ printedName: 'Dana Scully', meaning: 'approved', signedAt: '2026-11-22T23:59:59.999Z', timeZone: 'UTC' });
    expect(shown.text).to.equal('Approved by Dana Scully on 2026-11-22 23:59:59 UTC');
  });
});

// ---- HTTP --------------------------------------------------------------------------------------------

const PASSWORD = 'tulip-granite-orbit-2026';

interface Reply {
  status: number;
  json: any;
  text: string;
}

describe('electronic signatures: HTTP API and task pages (listening server, SQLite file)', () => {
  let dir: string;
  let server: RunningServer;
  let clock: FakeClock;
  let operator: string;
  let quinn: string;
  let bob: string;

  type Auth = { token: string } | { cookie: string; csrf?: string } | undefined;

  async function call(method: string, path: string, body: unknown, auth: Auth, form = false): Promise<Reply> {
    const headers: Record<string, string> = { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' };
    if (auth && 'token' in auth) headers.authorization = `Bearer ${auth.token}`;
    if (auth && 'cookie' in auth) {
      headers.cookie = auth.cookie;
      if (auth.csrf) headers['x-csrf-token'] = auth.csrf;
    }
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await response.text();
    return { status: response.status, text, json: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
  }

  async function login(): Promise<{ cookie: string; csrf: string }> {
    const response = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'quinn@example.com', password: PASSWORD }),
    });
    expect(response.status).to.equal(200);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('imsflow_session='))!.split(';')[0];
    return { cookie, csrf: ((await response.json()) as { csrf: string }).csrf };
  }

  /** A nonconformity walked to its verify task through the API; returns the task's id. */
  async function atVerify(): Promise<{ instanceId: string; taskId: string }> {
    const started = await call('POST', '/api/processes/nonconformity/instances', { variables: { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } }, { token: operator });
    expect(started.status).to.equal(201);
    const open = async () => (await call('GET', `/api/tasks?instance=${started.json.id}&status=open`, undefined, { token: operator })).json.items as TaskRecord[];
    const [assess] = await open();
    expect((await call('POST', `/api/tasks/${assess.id}/complete`, { data: ASSESS }, { token: quinn })).status).to.equal(200);
    const [act] = await open();
    expect((await call('POST', `/api/tasks/${act.id}/complete`, { data: ACT }, { token: bob })).status).to.equal(200);
    const [verify] = await open();
    expect(verify).to.include({ elementId: 'verify', signature: 'verified' });
    return { instanceId: started.json.id, taskId: verify.id };
  }

  const statusOf = async (taskId: string) => (await server.imsflow.getTask(taskId)).status;
  /** The task's completion and signing events (the scheduler adds notices meanwhile). */
  const auditOf = async (taskId: string) =>
    (await server.imsflow.store.listAudit({ target: `task:${taskId}`, limit: 1000 })).map((e) => e.action).filter((a) => a === 'task.completed' || a === 'task.signed');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-signatures-'));
    clock = new FakeClock('2026-05-04T07:00:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir }), { clock, logger: pino({ level: 'silent' }) });
    operator = await signInOperator(server);
    await server.imsflow.saveUser({ id: 'quinn', email: 'quinn@example.com', name: 'Quinn Quality', roles: ['quality-manager'] }, 'test-setup');
    await server.accounts.setPassword('quinn', PASSWORD, 'test-setup', 'test');
    quinn = (await server.accounts.createApiToken('quinn', 'tests', 'test-setup')).token;
    await server.imsflow.saveUser({ id: 'bob', email: 'bob@example.com', name: 'Bob Owner', roles: ['staff'] }, 'test-setup');
    bob = (await server.accounts.createApiToken('bob', 'tests', 'test-setup')).token;
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with an API token both signature components are needed, else nothing completes', async () => {
    const { taskId } = await atVerify();
    const none = await call('POST', `/api/tasks/${taskId}/complete`, { data: VERIFY }, { token: quinn });
    expect(none.status).to.equal(400);
    expect(none.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['signature.password', 'signature.email']);

    const noEmail = await call('POST', `/api/tasks/${taskId}/complete`, { data: VERIFY, signature: { password: PASSWORD } }, { token: quinn });
    expect(noEmail.status).to.equal(400);
    expect(noEmail.json.fields).to.deep.equal([{ field: 'signature.email', message: 'a signature made without a session needs your email (user id) as well' }]);

    // form errors and signature errors come back together, before any password is checked
    const formToo = await call('POST', `/api/tasks/${taskId}/complete`, { data: { effective: 'yes' } }, { token: quinn });
    expect(formToo.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['evidence', 'signature.password', 'signature.email']);

    expect(await statusOf(taskId)).to.equal('open');
    expect(await auditOf(taskId)).to.deep.equal([]);
  });

  it('a wrong password (or another person\'s user id) is 401 and leaves the task open', async () => {
    const { taskId, instanceId } = await atVerify();
    const wrong = await call('POST', `/api/tasks/${taskId}/complete`, { data: VERIFY, signature: { email: 'quinn@example.com', password: 'not-the-password' } }, { token: quinn });
    expect(wrong.status).to.equal(401);
    expect(wrong.json.error).to.equal('the password is wrong');
    const otherId = await call('POST', `/api/tasks/${taskId}/complete`, { data: VERIFY, signature: { email: 'bob@example.com', password: PASSWORD } }, { token: quinn });
    expect(otherId.status).to.equal(401);

    expect(await statusOf(taskId)).to.equal('open');
    expect(await auditOf(taskId)).to.deep.equal([]);
    expect(await server.imsflow.store.listSignatures({ instanceId })).to.deep.equal([]);
    // the failure is in the audit trail, counted toward the lockout
    const failures = (await server.imsflow.store.listAudit({ target: 'user:quinn', limit: 1000 })).filter((e) => e.action === 'user.login-failed');
    expect(failures.map((e) => e.new)).to.deep.equal([{ from: 'signature', failures: 1 }]);
  });

  it('signs with email and password, and the answer shows name, UTC time and meaning', async () => {
    const { taskId, instanceId } = await atVerify();
    const signed = await call('POST', `/api/tasks/${taskId}/complete`, { data: VERIFY, signature: { email: 'Quinn@Example.com', password: PASSWORD } }, { token: quinn });
    expect(signed.status, signed.text).to.equal(200);
    expect(signed.json.task).to.include({ status: 'completed', completedBy: 'quinn' });
    expect(signed.json.instanceStatus).to.equal('completed');
    expect(signed.json.signature).to.include({ taskId, instanceId, userId: 'quinn', printedName: 'Quinn Quality', meaning: 'verified', signedAt: '2026-05-04T07:00:00.000Z', timeZone: 'UTC', method: 'password+userid' });
    expect(signed.json.signature.recordHash).to.match(/^[0-9a-f]{64}$/);
    expect(signed.json.signature.manifestation).to.deep.equal({
      printedName: 'Quinn Quality',
      meaning: 'verified',
      signedAt: '2026-05-04T07:00:00.000Z',
      timeZone: 'UTC',
      text: 'Verified by Quinn Quality on 2026-05-04 07:00:00 UTC',
    });
    expect(signed.json.signature).to.not.have.property('content');
    expect(await auditOf(taskId)).to.deep.equal(['task.completed', 'task.signed']);
  });

  it('in a session: the first signing needs the email too, later ones the password alone', async () => {
    const session = await login();
    const first = await atVerify();
    const passwordOnly = await call('POST', `/api/tasks/${first.taskId}/complete`, { data: VERIFY, signature: { password: PASSWORD } }, session);
    expect(passwordOnly.status).to.equal(400);
    expect(passwordOnly.json.fields).to.deep.equal([{ field: 'signature.email', message: 'the first signature of a session needs your email (user id) as well' }]);
    expect(await statusOf(first.taskId)).to.equal('open');

    const signedFirst = await call('POST', `/api/tasks/${first.taskId}/complete`, { data: VERIFY, signature: { email: 'quinn@example.com', password: PASSWORD } }, session);
    expect(signedFirst.status, signedFirst.text).to.equal(200);
    expect(signedFirst.json.signature.method).to.equal('password+userid');
    const sessions = (await server.imsflow.store.getSession(createHash('sha256').update(session.cookie.split('=')[1]).digest('hex')))!;
    expect(sessions.signedAt).to.equal(clock.now().toISOString());

    clock.advance(5 * 60_000);
    const second = await atVerify();
    const wrong = await call('POST', `/api/tasks/${second.taskId}/complete`, { data: VERIFY, signature: { password: 'not-the-password' } }, session);
    expect(wrong.status).to.equal(401);
    expect(await statusOf(second.taskId)).to.equal('open');
    const missing = await call('POST', `/api/tasks/${second.taskId}/complete`, { data: VERIFY }, session);
    expect(missing.status).to.equal(400);
    expect(missing.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['signature.password']);

    const signedSecond = await call('POST', `/api/tasks/${second.taskId}/complete`, { data: VERIFY, signature: { password: PASSWORD } }, session);
    expect(signedSecond.status, signedSecond.text).to.equal(200);
    expect(signedSecond.json.signature).to.include({ method: 'password', printedName: 'Quinn Quality' });
    expect(signedSecond.json.signature.manifestation.text).to.equal('Verified by Quinn Quality on 2026-05-04 07:05:00 UTC');

    // an API token is never a continuous session, whatever the person did in a browser
    const third = await atVerify();
    const tokenOnly = await call('POST', `/api/tasks/${third.taskId}/complete`, { data: VERIFY, signature: { password: PASSWORD } }, { token: quinn });
    expect(tokenOnly.status).to.equal(400);
    expect(tokenOnly.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['signature.email']);
  });

  it('refuses a signature on a task that takes none (400 naming signature)', async () => {
    const started = await call('POST', '/api/processes/nonconformity/instances', { variables: { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } }, { token: operator });
    const [assess] = (await call('GET', `/api/tasks?instance=${started.json.id}&status=open`, undefined, { token: operator })).json.items;
    const reply = await call('POST', `/api/tasks/${assess.id}/complete`, { data: ASSESS, signature: { email: 'quinn@example.com', password: PASSWORD } }, { token: quinn });
    expect(reply.status).to.equal(400);
    expect(reply.json.fields).to.deep.equal([{ field: 'signature', message: 'this task takes no electronic signature' }]);
    expect(await statusOf(assess.id)).to.equal('open');
  });

  it('the record checks each signature against the stored data: changed or moved ones fail', async () => {
    const { taskId, instanceId } = await atVerify();
    await call('POST', `/api/tasks/${taskId}/complete`, { data: VERIFY, signature: { email: 'quinn@example.com', password: PASSWORD } }, { token: quinn });
    const before = await call('GET', `/api/instances/${instanceId}`, undefined, { token: operator });
    expect(before.json.signatures).to.have.length(1);
    const [signature] = before.json.signatures as SignatureView[];
    expect(signature).to.deep.include({ taskId, valid: true, status: 'matches' });
    expect(signature.manifestation.text).to.equal(`Verified by Quinn Quality on ${clock.now().toISOString().slice(0, 19).replace('T', ' ')} UTC`);

    const store = server.imsflow.store as SqliteStore;
    store.unsafeExecForTests(`UPDATE tasks SET doc = json_set(doc, '$.data.effective', 'no') WHERE id = ?`, taskId);
    const after = await call('GET', `/api/instances/${instanceId}`, undefined, { token: operator });
    expect(after.json.signatures[0]).to.deep.include({ id: signature.id, valid: false, status: 'no longer matches', changes: ['data.effective changed'] });

    // the same signature, copied onto the assess task of the same record
    const assess = (after.json.tasks as TaskRecord[]).find((t) => t.elementId === 'assess')!;
    const stored = (await server.imsflow.store.listSignatures({ taskId }))[0] as SignatureRecord;
    await server.imsflow.store.commit({ signatures: [{ ...stored, id: 'copied-signature', taskId: assess.id }], audit: [] });
    const copied = (await call('GET', `/api/instances/${instanceId}`, undefined, { token: operator })).json.signatures.find((s: SignatureView) => s.id === 'copied-signature');
    expect(copied).to.deep.include({ taskId: assess.id, valid: false });
    expect(copied.changes).to.include('taskId changed');
  });

  describe('the task page opened from an email link', () => {
    let taskId: string;
    let link: string;

    /** The link emailed (held: no mail server) to quinn for the task. */
    async function linkFor(id: string): Promise<string> {
      await server.scheduler.runDue();
      const message = (await server.imsflow.store.listMessages({ taskId: id })).find((m) => m.userId === 'quinn' && m.link);
      expect(message, 'a message with a link to quinn').to.not.equal(undefined);
      return message!.link!.slice(server.url.length);
    }

    before(async () => {
      ({ taskId } = await atVerify());
      link = await linkFor(taskId);
    });

    it('shows the meaning in words, and asks for email and password', async () => {
      const page = await call('GET', link, undefined, undefined);
      expect(page.status).to.equal(200);
      expect(page.text).to.match(/<legend[^>]*>Electronic signature: Verified<\/legend>/);
      expect(page.text).to.match(/By signing you confirm you verified “Verify effectiveness” for NC-2026-\d{4} · Scratched vial, lot 12, with the data entered here\./);
      expect(page.text).to.match(/<input [^>]*id="s-email" name="signature.email" type="email" autocomplete="username"[^>]* required/);
      expect(page.text).to.match(/<input [^>]*id="s-password" name="signature.password" type="password" autocomplete="current-password" required/);
      expect(page.text).to.match(/<button type="submit"[^>]*>Sign and complete task<\/button>/);
    });

    it('a missing or wrong password leaves the task open and the link usable, never echoed', async () => {
      const missing = await call('POST', link, { ...VERIFY, 'signature.email': 'quinn@example.com' }, undefined, true);
      expect(missing.status).to.equal(400);
      expect(missing.text).to.match(/<span class="usa-error-message" id="s-password-error">your password is required to sign<\/span>/);
      expect(missing.text).to.include('<li><a href="#s-password">your password is required to sign</a></li>');
      expect(missing.text).to.include('value="quinn@example.com"');

      const wrong = await call('POST', link, { ...VERIFY, 'signature.email': 'quinn@example.com', 'signature.password': 'secret-wrong-guess' }, undefined, true);
      expect(wrong.status).to.equal(401);
      expect(wrong.text).to.include('Not signed: the password is wrong. Nothing was saved.');
      expect(wrong.text).to.not.include('secret-wrong-guess');
      expect(await statusOf(taskId)).to.equal('open');
      expect((await call('GET', link, undefined, undefined)).status).to.equal(200);
    });

    it('signing completes the task as the link\'s person and the confirmation shows the manifestation', async () => {
      const done = await call('POST', link, { ...VERIFY, 'signature.email': 'quinn@example.com', 'signature.password': PASSWORD }, undefined, true);
      expect(done.status, done.text).to.equal(200);
      expect(done.text).to.include('<title>Thank you · imsflow</title>');
      // the manifestation (11.50): printed name, meaning, date and time to the second on the signer's clock, the zone named
      const time = `<time datetime="${clock.now().toISOString()}">${new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'long', timeZone: 'UTC' }).format(clock.now())}</time>`;
      expect(done.text).to.include(`<dt>Signed by</dt><dd>Quinn Quality</dd><dt>Meaning</dt><dd>Verified</dd><dt>Date and time</dt><dd>${time}</dd>`);
      expect(done.text).to.include(`Verified by Quinn Quality on ${time}`);
      const [signature] = await server.imsflow.store.listSignatures({ taskId });
      expect(signature).to.include({ userId: 'quinn', method: 'password+userid', meaning: 'verified' });
      expect((await server.imsflow.getTask(taskId)).completedBy).to.equal('quinn');
    });

    it('in a browser whose session has signed already, the page asks for the password alone', async () => {
      const session = await login();
      const first = await atVerify();
      expect((await call('POST', `/api/tasks/${first.taskId}/complete`, { data: VERIFY, signature: { email: 'quinn@example.com', password: PASSWORD } }, session)).status).to.equal(200);
      const next = await atVerify();
      const nextLink = await linkFor(next.taskId);
      const page = await call('GET', nextLink, undefined, { cookie: session.cookie });
      expect(page.text).to.include('name="signature.password"');
      expect(page.text).to.not.include('name="signature.email"');
      const done = await call('POST', nextLink, { ...VERIFY, 'signature.password': PASSWORD }, { cookie: session.cookie }, true);
      expect(done.status, done.text).to.equal(200);
      expect((await server.imsflow.store.listSignatures({ taskId: next.taskId }))[0]).to.include({ method: 'password' });
      // without the session it is a first signing again
      expect((await call('GET', nextLink, undefined, undefined)).status).to.equal(410);
      const another = await atVerify();
      expect((await call('GET', await linkFor(another.taskId), undefined, undefined)).text).to.include('name="signature.email"');
    });
  });
});
