import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import type { AuditEvent } from '../../../engine/kernel/model.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { callWithToken, http, type Reply } from '../../support/http.js';
import { userWithToken } from '../../support/operator.js';

/**
 * Change control of process definitions over HTTP, against a listening server on a real SQLite file with a
 * fake clock: drafts and their optimistic lock, submission checked by the deployment rules, signed review
 * by someone who did not edit the change, publication from an effective date, running instances staying
 * on their version, restore of an old version, withdrawal, and the audit trail of every step.
 */

const START = '2026-05-04T07:00:00.000Z';
const PASSWORD = 'correct horse battery staple';
const KEY = 'cc-demo';
const NAMES: Record<string, string> = { 'po-anna': 'Anna Owner', 'po-ben': 'Ben Owner', 'qm-cara': 'Cara Quality', 'st-dan': 'Dan Staff', 'au-fay': 'Fay Auditor' };

const IMS = 'http://imsflow.org/schema/bpmn/ims/1.0';
/** A process as a reviewer would see it change: a check by a role with a due date and a form; an optional approval task. */
function processXml(options: { role?: string; due?: string; severityRequired?: boolean; approve?: 'none' | 'without-role' | 'with-role' } = {}): string {
  const { role = 'staff', due = 'P5D', severityRequired = true, approve = 'none' } = options;
  const approveTask =
    approve === 'none'
      ? ''
      : `<userTask id="approve" name="Approve the result"${approve === 'with-role' ? ' ims:candidateRole="quality-manager"' : ''} ims:due="P2D" />
    <sequenceFlow id="toApprove" sourceRef="check" targetRef="approve" />
    <sequenceFlow id="toEnd" sourceRef="approve" targetRef="done" />`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:ims="${IMS}" id="defs-${KEY}" targetNamespace="http://imsflow.org/test">
  <process id="${KEY}" name="Change-controlled check" isExecutable="true" ims:ownerRole="process-owner" ims:starters="staff, process-owner" ims:businessKeyPrefix="CC">
    <startEvent id="start" />
    <sequenceFlow id="toCheck" sourceRef="start" targetRef="check" />
    <userTask id="check" name="Check the batch" ims:candidateRole="${role}" ims:due="${due}">
      <extensionElements>
        <ims:form>
          <ims:field key="severity" label="Severity" type="select"${severityRequired ? ' required="true"' : ''}>
            <ims:option value="minor" label="Minor" />
            <ims:option value="major" label="Major" />
          </ims:field>
        </ims:form>
      </extensionElements>
    </userTask>
    ${approve === 'none' ? '<sequenceFlow id="toEnd" sourceRef="check" targetRef="done" />' : approveTask}
    <endEvent id="done" />
  </process>
</definitions>`;
}

describe('change control of process definitions (HTTP, SQLite, fake clock)', function () {
  let server: RunningServer;
  let clock: FakeClock;
  let dir: string;
  const tokens: Record<string, string> = {};
  const call = (user: string, method: string, path: string, body?: unknown): Promise<Reply> => callWithToken(server.url, tokens[user], method, path, body);
  const as = (user: string) => ({
    get: (path: string) => call(user, 'GET', path),
    post: (path: string, body: unknown) => call(user, 'POST', path, body),
    put: (path: string, body: unknown) => call(user, 'PUT', path, body),
  });
  /** A review signature made with an API token: both components, the email (user id) and the password. */
  const signature = (user: string, password = PASSWORD) => ({ email: `${user}@example.com`, password });
  const draftEvents = async (draftId: string): Promise<AuditEvent[]> => server.imsflow.store.listAudit({ target: `draft:${draftId}`, limit: 1000 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-cc-'));
    clock = new FakeClock(START);
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock, logger: pino({ level: 'silent' }) });
    const people: { id: string; roles: string[]; sites?: string[] }[] = [
      { id: 'po-anna', roles: ['process-owner'] },
      { id: 'po-ben', roles: ['process-owner'] },
      { id: 'qm-cara', roles: ['quality-manager'] },
      { id: 'st-dan', roles: ['staff'] },
      { id: 'au-fay', roles: ['auditor'] },
    ];
    for (const person of people) {
      tokens[person.id] = await userWithToken(server, { ...person, name: NAMES[person.id] });
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
    const v1 = await http('POST', `${server.url}/api/definitions?reason=first%20version`, processXml(), { 'content-type': 'application/xml', authorization: `Bearer ${tokens['po-anna']}` });
    expect(v1.status, v1.text).to.equal(201);
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('one change from draft to effective version', function () {
    let draftId: string;
    let runningOnV1: string;

    it('starts a draft from the version in effect, and refuses a second open draft (409)', async () => {
      const created = await as('po-anna').post('/api/drafts', { key: KEY, reason: 'approval step' });
      expect(created.status, created.text).to.equal(201);
      expect(created.json).to.include({ key: KEY, status: 'draft', revision: 0, baseVersion: 1, createdBy: 'po-anna' });
      expect(created.json.xml).to.equal(processXml());
      expect(created.json.problems).to.deep.equal([]);
      draftId = created.json.id;

      const second = await as('po-ben').post('/api/drafts', { key: KEY });
      expect(second.status).to.equal(409);
      expect(second.json.draft).to.include({ id: draftId, status: 'draft', createdBy: 'po-anna' });
      expect(second.json.error).to.include(draftId);
      // staff and auditors do not edit
      expect((await as('st-dan').post('/api/drafts', { key: KEY })).status).to.equal(403);
      expect((await as('au-fay').get(`/api/drafts/${draftId}`)).status).to.equal(200);
    });

    it('refuses an autosave from a stale revision (409), naming who saved since', async () => {
      const withoutRole = processXml({ role: 'quality-manager', due: 'P7D', severityRequired: false, approve: 'without-role' });
      const saved = await as('po-anna').put(`/api/drafts/${draftId}`, { xml: withoutRole, revision: 0 });
      expect(saved.status, saved.text).to.equal(200);
      expect(saved.json.revision).to.equal(1);
      expect(saved.json.problems.map((p: { element: string }) => p.element)).to.include('approve');

      clock.advance(60_000);
      const stale = await as('po-ben').put(`/api/drafts/${draftId}`, { xml: processXml({ due: 'P1D' }), revision: 0 });
      expect(stale.status).to.equal(409);
      expect(stale.json.current).to.deep.equal({ revision: 1, updatedBy: 'po-anna', updatedAt: START, status: 'draft' });
      expect(stale.json.error).to.match(/saved by po-anna/);
      const current = await as('po-anna').get(`/api/drafts/${draftId}`);
      expect(current.json).to.include({ revision: 1, xml: withoutRole, updatedBy: 'po-anna' });
    });

    it('refuses to submit a draft the deployment rules refuse, naming the element; it stays editable', async () => {
      const refused = await as('po-anna').post(`/api/drafts/${draftId}/submit`, { reason: 'a second pair of eyes on every check', impact: 'quality managers approve each result', revision: 1 });
      expect(refused.status).to.equal(422);
      const problem = refused.json.problems.find((p: { element: string }) => p.element === 'approve');
      expect(problem.message).to.match(/needs someone to do it: choose a role or a person/);
      expect((await as('po-anna').get(`/api/drafts/${draftId}`)).json.status).to.equal('draft');
      // the reason and impact are required
      const bare = await as('po-anna').post(`/api/drafts/${draftId}/submit`, { reason: ' ', impact: '', revision: 1 });
      expect(bare.status).to.equal(400);
      expect(bare.json.fields.map((f: { field: string }) => f.field).sort()).to.deep.equal(['impact', 'reason']);
    });

    it('shows what changed: the added task, role, due date and field, and the XML diff', async () => {
      const fixed = await as('po-ben').put(`/api/drafts/${draftId}`, { xml: processXml({ role: 'quality-manager', due: 'P7D', severityRequired: false, approve: 'with-role' }), revision: 1 });
      expect(fixed.status, fixed.text).to.equal(200);
      expect(fixed.json.problems).to.deep.equal([]);
      const changes = await as('qm-cara').get(`/api/drafts/${draftId}/changes`);
      expect(changes.status).to.equal(200);
      expect(changes.json.base).to.deep.equal({ version: 1, xml: processXml() });
      expect(changes.json.elements).to.deep.include({ id: 'approve', type: 'userTask', name: 'Approve the result', change: 'added' });
      expect(changes.json.elements).to.deep.include({ id: 'check', type: 'userTask', name: 'Check the batch', change: 'changed' });
      expect(changes.json.elements.find((e: { id: string }) => e.id === 'start')).to.equal(undefined);
      const fields = changes.json.fields;
      expect(fields).to.deep.include({ element: 'check', field: 'ims:candidateRole', old: 'staff', new: 'quality-manager' });
      expect(fields).to.deep.include({ element: 'check', field: 'ims:due', old: 'P5D', new: 'P7D' });
      expect(fields).to.deep.include({ element: 'check', field: 'form.severity.required', old: 'true', new: null });
      expect(fields).to.deep.include({ element: 'approve', field: 'ims:candidateRole', old: null, new: 'quality-manager' });
      expect(fields).to.deep.include({ element: 'toEnd', field: 'sourceRef', old: 'check', new: 'approve' });
      expect(changes.json.xmlDiff).to.include(`--- ${KEY} v1`);
      // over the canonical form (engine/kernel/bpmn/canonical-xml.ts): `bpmn:` prefixes, attributes id, name, then A–Z
      expect(changes.json.xmlDiff).to.include('+    <bpmn:userTask id="approve" name="Approve the result" ims:candidateRole="quality-manager" ims:due="P2D" />');
      expect(changes.json.xmlDiff).to.include('-    <bpmn:userTask id="check" name="Check the batch" ims:candidateRole="staff" ims:due="P5D">');
    });

    it('submits with a reason and an impact note; a submitted draft is frozen', async () => {
      const submitted = await as('po-anna').post(`/api/drafts/${draftId}/submit`, { reason: 'a second pair of eyes on every check', impact: 'quality managers approve each result; running checks finish as they are', revision: 2 });
      expect(submitted.status, submitted.text).to.equal(200);
      expect(submitted.json).to.include({ status: 'in-review', submittedBy: 'po-anna', reason: 'a second pair of eyes on every check' });
      expect(submitted.json.editors).to.deep.equal(['po-anna', 'po-ben']);
      const frozen = await as('po-anna').put(`/api/drafts/${draftId}`, { xml: processXml(), revision: 3 });
      expect(frozen.status).to.equal(409);
      expect(frozen.json.error).to.match(/in-review/);
    });

    it('refuses approval by an editor of the change, a wrong password or a missing component', async () => {
      for (const author of ['po-anna', 'po-ben']) {
        const own = await as(author).post(`/api/drafts/${draftId}/review`, { decision: 'approve', reason: 'looks right', signature: signature(author) });
        expect(own.status, author).to.equal(403);
        expect(own.json.error).to.include('the author of a change may not approve it');
      }
      const wrong = await as('qm-cara').post(`/api/drafts/${draftId}/review`, { decision: 'approve', reason: 'looks right', signature: signature('qm-cara', 'not my password at all') });
      expect(wrong.status).to.equal(401);
      const noEmail = await as('qm-cara').post(`/api/drafts/${draftId}/review`, { decision: 'approve', reason: 'looks right', signature: { password: PASSWORD } });
      expect(noEmail.status).to.equal(400);
      expect(noEmail.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['signature.email']);
      expect(await server.imsflow.store.listSignatures({ taskId: `draft:${draftId}` })).to.deep.equal([]);
      expect((await as('qm-cara').get(`/api/drafts/${draftId}`)).json.status).to.equal('in-review');
      expect((await draftEvents(draftId)).map((e) => e.action)).to.not.include('draft.approved');
      // staff may not review at all
      expect((await as('st-dan').post(`/api/drafts/${draftId}/review`, { decision: 'approve', reason: 'x', signature: signature('st-dan') })).status).to.equal(403);
    });

    it('approves with an electronic signature: meaning approved, the reviewer\'s printed name, bound to the XML', async () => {
      const approved = await as('qm-cara').post(`/api/drafts/${draftId}/review`, { decision: 'approve', reason: 'the approval step is right for critical batches', signature: signature('qm-cara') });
      expect(approved.status, approved.text).to.equal(200);
      expect(approved.json.status).to.equal('approved');
      expect(approved.json.review).to.include({ decision: 'approve', by: 'qm-cara', name: 'Cara Quality', reason: 'the approval step is right for critical batches' });
      const [signed] = await server.imsflow.store.listSignatures({ taskId: `draft:${draftId}` });
      expect(signed).to.include({ userId: 'qm-cara', printedName: 'Cara Quality', meaning: 'approved', method: 'password+userid', instanceId: `process:${KEY}`, timeZone: 'UTC' });
      expect(signed.content.data).to.include({ decision: 'approve', changeReason: 'a second pair of eyes on every check' });
      // a publication before approval would have been refused; a date in the past is refused now
      const past = await as('po-anna').post(`/api/drafts/${draftId}/publish`, { effectiveAt: '2026-05-01' });
      expect(past.status).to.equal(400);
      expect(past.json.fields[0].field).to.equal('effectiveAt');
    });

    it('publishes version 2 from a future date; until then new records start on version 1', async () => {
      const published = await as('po-anna').post(`/api/drafts/${draftId}/publish`, { effectiveAt: '2026-05-11', reason: 'in effect from Monday' });
      expect(published.status, published.text).to.equal(201);
      expect(published.json).to.include({ key: KEY, version: 2, effectiveAt: '2026-05-11T00:00:00.000Z' });
      expect((await as('po-anna').get(`/api/drafts/${draftId}`)).json).to.include({ status: 'published', publishedVersion: 2 });

      const before = await as('st-dan').post(`/api/processes/${KEY}/instances`, {});
      expect(before.status, before.text).to.equal(201);
      expect(before.json.version).to.equal(1);
      runningOnV1 = before.json.id;
      const versions = await as('st-dan').get(`/api/processes/${KEY}/versions`);
      expect(versions.json.items.map((v: { version: number; status: string }) => [v.version, v.status])).to.deep.equal([
        [2, 'scheduled'],
        [1, 'effective'],
      ]);
    });

    it('from the effective date new records run on version 2, running ones on version 1', async () => {
      clock.set('2026-05-11T00:00:00.000Z');
      const after = await as('st-dan').post(`/api/processes/${KEY}/instances`, {});
      expect(after.json.version).to.equal(2);
      const newTasks = await server.imsflow.listTasks({ instanceId: after.json.id });
      expect(newTasks.map((t) => [t.elementId, t.candidateRole])).to.deep.equal([['check', 'quality-manager']]);

      // the old instance keeps version 1's task (for staff, required severity) and finishes there
      const [oldTask] = await server.imsflow.listTasks({ instanceId: runningOnV1 });
      expect(oldTask.candidateRole).to.equal('staff');
      expect((await as('st-dan').post(`/api/tasks/${oldTask.id}/complete`, { data: {} })).status).to.equal(400);
      const completed = await as('st-dan').post(`/api/tasks/${oldTask.id}/complete`, { data: { severity: 'minor' } });
      expect(completed.status, completed.text).to.equal(200);
      const old = await server.imsflow.getInstance(runningOnV1);
      expect(old).to.include({ version: 1, status: 'completed' });
      expect(old.tasks.map((t) => t.elementId)).to.deep.equal(['check']);

      const versions = (await as('st-dan').get(`/api/processes/${KEY}/versions`)).json.items;
      const [v2, v1] = versions;
      expect(v2).to.include({ version: 2, status: 'effective', via: 'change-control', draftId, effectiveAt: '2026-05-11T00:00:00.000Z', deployedBy: 'po-anna' });
      // the author by id, and by name for pages (a field added beside the id)
      expect(v2.change).to.deep.equal({ reason: 'a second pair of eyes on every check', impact: 'quality managers approve each result; running checks finish as they are', author: 'po-anna', authorName: 'Anna Owner' });
      expect(v2.approvals).to.have.length(1);
      expect(v2.approvals[0]).to.include({ signer: 'qm-cara', name: 'Cara Quality', meaning: 'approved', valid: true, reason: 'the approval step is right for critical batches' });
      expect(v2.instances).to.deep.equal({ running: 1, completed: 0, cancelled: 0, incident: 0 });
      expect(v1).to.include({ version: 1, status: 'superseded', via: 'upload' });
      expect(v1.instances).to.deep.equal({ running: 0, completed: 1, cancelled: 0, incident: 0 });
    });

    it('records every step in the audit trail, and the chain verifies', async () => {
      const events = await draftEvents(draftId);
      expect(events.map((e) => [e.action, e.actor])).to.deep.equal([
        ['draft.created', 'po-anna'],
        ['draft.saved', 'po-anna'],
        ['draft.saved', 'po-ben'],
        ['draft.submitted', 'po-anna'],
        ['draft.approved', 'qm-cara'],
        ['change.signed', 'qm-cara'],
        ['draft.published', 'po-anna'],
      ]);
      const by = (action: string) => events.find((e) => e.action === action)!;
      expect(by('draft.created').reason).to.equal('approval step');
      expect(by('draft.saved').old).to.include({ revision: 0 });
      expect(by('draft.saved').new).to.include({ revision: 1 });
      expect(by('draft.submitted')).to.deep.include({ old: { status: 'draft' }, reason: 'a second pair of eyes on every check' });
      expect(by('draft.submitted').new).to.include({ status: 'in-review', impact: 'quality managers approve each result; running checks finish as they are' });
      expect(by('draft.approved')).to.deep.include({ old: { status: 'in-review' }, reason: 'the approval step is right for critical batches' });
      expect(by('change.signed').new).to.include({ userId: 'qm-cara', meaning: 'approved', printedName: 'Cara Quality' });
      expect(by('draft.published').new).to.include({ status: 'published', version: 2, effectiveAt: '2026-05-11T00:00:00.000Z' });
      for (const e of events) expect(e.at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const [published] = await server.imsflow.store.listAudit({ target: `definition:${KEY}@2` });
      expect(published).to.deep.include({ action: 'definition.published', actor: 'po-anna', reason: 'in effect from Monday', old: { version: 1, hash: (await server.imsflow.getDefinition(KEY, 1)).hash } });
      // the version and the draft's publication are one commit: adjacent in the chain
      expect(published.seq + 1).to.equal(by('draft.published').seq);
      expect(await server.imsflow.verifyAuditTrail()).to.include({ ok: true });
    });
  });

  describe('restore, reject, withdraw', function () {
    it('restores an old version as a draft and publishes it unchanged as the next version', async () => {
      const restored = await as('po-ben').post('/api/drafts', { key: KEY, fromVersion: 1, reason: 'the approval step slowed releases down' });
      expect(restored.status, restored.text).to.equal(201);
      expect(restored.json).to.include({ baseVersion: 2, restoredFrom: 1, status: 'draft' });
      expect(restored.json.xml).to.equal(processXml());
      const changes = (await as('po-ben').get(`/api/drafts/${restored.json.id}/changes`)).json;
      expect(changes.base.version).to.equal(2);
      expect(changes.elements).to.deep.include({ id: 'approve', type: 'userTask', name: 'Approve the result', change: 'removed' });
      expect(changes.fields).to.deep.include({ element: 'check', field: 'ims:candidateRole', old: 'quality-manager', new: 'staff' });

      expect((await as('po-ben').post(`/api/drafts/${restored.json.id}/submit`, { reason: 'back to version 1', impact: 'staff check alone again', revision: 0 })).status).to.equal(200);
      expect((await as('qm-cara').post(`/api/drafts/${restored.json.id}/review`, { decision: 'approve', reason: 'agreed', signature: signature('qm-cara') })).status).to.equal(200);
      const published = await as('po-ben').post(`/api/drafts/${restored.json.id}/publish`, {});
      expect(published.json).to.include({ version: 3, effectiveAt: clock.now().toISOString() });
      expect((await server.imsflow.getDefinition(KEY, 3)).xml).to.equal((await server.imsflow.getDefinition(KEY, 1)).xml);
      const [v3] = (await as('st-dan').get(`/api/processes/${KEY}/versions`)).json.items;
      expect(v3).to.include({ version: 3, status: 'effective' });
      expect(v3.change).to.include({ restoredFrom: 1, author: 'po-ben' });
      expect((await as('st-dan').post(`/api/processes/${KEY}/instances`, {})).json.version).to.equal(3);
    });

    it('a signed rejection, a save, a withdrawal and a close free the process again', async () => {
      const created = await as('po-anna').post('/api/drafts', { key: KEY });
      const id = created.json.id;
      expect(created.json.baseVersion).to.equal(3);
      const xml = processXml({ due: 'P3D' });
      expect((await as('po-anna').put(`/api/drafts/${id}`, { xml, revision: 0 })).status).to.equal(200);
      expect((await as('po-anna').post(`/api/drafts/${id}/submit`, { reason: 'faster checks', impact: 'none', revision: 1 })).status).to.equal(200);
      // a review needs a reason and, for a rejection too, a signature
      expect((await as('qm-cara').post(`/api/drafts/${id}/review`, { decision: 'reject', reason: 'three days is too short' })).status).to.equal(400);
      const rejected = await as('qm-cara').post(`/api/drafts/${id}/review`, { decision: 'reject', reason: 'three days is too short', signature: signature('qm-cara') });
      expect(rejected.status).to.equal(200);
      expect(rejected.json.status).to.equal('rejected');
      const [signed] = await server.imsflow.store.listSignatures({ taskId: `draft:${id}` });
      expect(signed).to.include({ meaning: 'reviewed', userId: 'qm-cara' });
      expect((await as('po-anna').post(`/api/drafts/${id}/publish`, {})).status).to.equal(409);
      // still open: no second draft
      expect((await as('po-ben').post('/api/drafts', { key: KEY })).status).to.equal(409);

      const again = await as('po-anna').put(`/api/drafts/${id}`, { xml: processXml({ due: 'P4D' }), revision: 3 });
      expect(again.json).to.include({ status: 'draft', revision: 4 });
      expect((await as('po-anna').post(`/api/drafts/${id}/submit`, { reason: 'four days then', impact: 'none', revision: 4 })).status).to.equal(200);
      const back = await as('po-anna').post(`/api/drafts/${id}/withdraw`, { reason: 'wait for the line trial' });
      expect(back.json).to.include({ status: 'draft' });
      const closed = await as('po-anna').post(`/api/drafts/${id}/withdraw`, { reason: 'the line trial showed no need' });
      expect(closed.json).to.include({ status: 'withdrawn', closedBy: 'po-anna', closeReason: 'the line trial showed no need' });
      expect((await as('po-anna').post(`/api/drafts/${id}/withdraw`, { reason: 'again' })).status).to.equal(409);
      expect((await draftEvents(id)).map((e) => e.action)).to.deep.equal([
        'draft.created',
        'draft.saved',
        'draft.submitted',
        'draft.rejected',
        'change.signed',
        'draft.saved',
        'draft.submitted',
        'draft.withdrawn-from-review',
        'draft.withdrawn',
      ]);
      const next = await as('po-ben').post('/api/drafts', { key: KEY });
      expect(next.status).to.equal(201);
      const open = await as('qm-cara').get(`/api/drafts?key=${KEY}&status=draft,in-review,approved,rejected`);
      expect(open.json.items.map((d: { id: string }) => d.id)).to.deep.equal([next.json.id]);
      expect(open.json.items[0].xml).to.equal(undefined);
      expect((await as('po-ben').post(`/api/drafts/${next.json.id}/withdraw`, { reason: 'tidy up' })).status).to.equal(200);
    });

    it('refuses to submit a draft when a version was uploaded since it started', async () => {
      const created = await as('po-anna').post('/api/drafts', { key: KEY });
      const upload = await http('POST', `${server.url}/api/definitions`, processXml({ due: 'P9D' }), { 'content-type': 'application/xml', authorization: `Bearer ${tokens['po-ben']}` });
      expect(upload.status).to.equal(201);
      const refused = await as('po-anna').post(`/api/drafts/${created.json.id}/submit`, { reason: 'r', impact: 'i', revision: 0 });
      expect(refused.status).to.equal(409);
      expect(refused.json.latestVersion).to.equal(upload.json.version);
      const [latest] = (await as('po-anna').get(`/api/processes/${KEY}/versions`)).json.items;
      expect(latest).to.include({ version: upload.json.version, via: 'upload', status: 'effective' });
      expect(latest.approvals).to.deep.equal([]);
    });

    it('imports a BPMN file as a new process\'s draft, and starts a valid blank one', async () => {
      const imported = await as('po-anna').post('/api/drafts', { xml: processXml().replaceAll(KEY, 'cc-imported') });
      expect(imported.status, imported.text).to.equal(201);
      expect(imported.json).to.include({ key: 'cc-imported', name: 'Change-controlled check' });
      expect(imported.json.baseVersion).to.equal(undefined);
      const changes = (await as('po-anna').get(`/api/drafts/${imported.json.id}/changes`)).json;
      expect(changes.base).to.equal(null);
      expect(changes.elements.filter((e: { change: string }) => e.change !== 'added')).to.deep.equal([]);
      const blank = await as('po-anna').post('/api/drafts', { key: 'cc-blank' });
      expect(blank.status).to.equal(201);
      expect(blank.json.problems).to.deep.equal([]);
      expect((await as('po-anna').post('/api/drafts', { xml: '<not-bpmn' })).status).to.equal(422);
      expect((await as('po-anna').post('/api/drafts', { key: 'no spaces please' })).status).to.equal(400);
    });

    it('keeps POST /api/definitions working for process owners (it bypasses review) and refuses it to others', async () => {
      const xml = processXml().replaceAll(KEY, 'cc-upload');
      const refused = await http('POST', `${server.url}/api/definitions`, xml, { 'content-type': 'application/xml', authorization: `Bearer ${tokens['qm-cara']}` });
      expect(refused.status).to.equal(403);
      const uploaded = await http('POST', `${server.url}/api/definitions`, xml, { 'content-type': 'application/xml', authorization: `Bearer ${tokens['po-anna']}` });
      expect(uploaded.status).to.equal(201);
      const [v1] = (await as('st-dan').get('/api/processes/cc-upload/versions')).json.items;
      expect(v1).to.include({ version: 1, via: 'upload', status: 'effective', deployedBy: 'po-anna' });
      // the shipped processes say so too
      const [shipped] = (await as('st-dan').get('/api/processes/nonconformity/versions')).json.items;
      expect(shipped).to.include({ via: 'shipped', deployedBy: 'system' });
    });
  });

  describe('pickers for the modeler', function () {
    it('lists the roles of the directory with how many hold each, and the registered services', async () => {
      const roles: Reply = await as('st-dan').get('/api/roles');
      expect(roles.json.items).to.deep.include({ role: 'process-owner', users: 2 });
      expect(roles.json.items).to.deep.include({ role: 'steering-committee', users: 0 });
      const services = await as('st-dan').get('/api/services');
      expect(services.json.items.map((s: { name: string }) => s.name)).to.include('risk-score');
      expect(services.json.items[0].description).to.be.a('string');
    });
  });
});
