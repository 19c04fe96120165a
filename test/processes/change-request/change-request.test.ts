import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SESSION_COOKIE } from '../../../api/auth.js';
import { startServer, type RunningServer } from '../../../api/server.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import type { EmbeddedScheduler } from '../../../workers/runners/embedded/scheduler.js';
import { changeRequestEvent } from '../../../processes/change-request/classify.js';
import { documentVersions, loadDocumentSources } from '../../../processes/document-control/versions.js';
import { callWithToken, http, type Reply } from '../../support/http.js';
import { userWithToken } from '../../support/operator.js';
import { pdfFile } from '../document-control/files.js';

/**
 * A change request end to end through the HTTP API on a fake clock, from its start form: the quality manager
 * screens it, quality, regulatory and EHS assess its impact in parallel, a quality manager other than the
 * requester approves it with a signature, the plan starts a linked document change of the SOP it names and
 * two implementation actions, and the effectiveness check comes due after the waiting period.
 *
 * Dates are relative to the real now: bpmn-engine arms a timeDate (a document's effective date) against the wall clock.
 */

const PASSWORD = 'correct horse battery staple';
const DAY = 24 * 60 * 60 * 1000;
const PEOPLE = [
  { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'], sites: ['dublin'] },
  { id: 'po-eve', name: 'Eve Safety', roles: ['process-owner'], sites: ['dublin'] },
  { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'], sites: ['dublin'] },
  { id: 'qm-ben', name: 'Ben Regulatory', roles: ['quality-manager'], sites: ['dublin'] },
  { id: 'au-fay', name: 'Fay Auditor', roles: ['auditor'], sites: ['dublin'] },
  { id: 'st-dan', name: 'Dan Staff', roles: ['staff'], sites: ['dublin'] },
];

describe('change request: impact assessed in parallel, signed approval, linked document change, effectiveness (HTTP, SQLite, fake clock)', function () {
  let dir: string;
  let clock: FakeClock;
  let server: RunningServer;
  const tokens: Record<string, string> = {};
  const call = (user: string, method: string, path: string, body?: unknown): Promise<Reply> => callWithToken(server.url, tokens[user]!, method, path, body);
  const runDue = () => (server.scheduler as EmbeddedScheduler).runDue();
  const reader = () => ({ instances: (q: Parameters<RunningServer['imsflow']['store']['listInstances']>[0]) => server.imsflow.store.listInstances(q), tasks: (q: Parameters<RunningServer['imsflow']['store']['listTasks']>[0]) => server.imsflow.store.listTasks(q) });
  const versions = async (number: string) => documentVersions(await loadDocumentSources(reader()), { number, at: clock.now() });
  const tasksOf = async (instanceId: string, elementId: string) => (await server.imsflow.store.listTasks({ instanceId, limit: 1000 })).filter((t) => t.elementId === elementId && t.status === 'open');
  const complete = (user: string, task: TaskRecord, data: Record<string, unknown>, signed = false) =>
    call(user, 'POST', `/api/tasks/${task.id}/complete`, { data, ...(signed && { signature: { email: `${user}@example.com`, password: PASSWORD } }) });
  const record = async (id: string) => (await server.imsflow.store.getInstance(id))!;
  const today = () => clock.now().toISOString().slice(0, 10);
  const pageText = async (user: string, path: string) => {
    const cookie = `${SESSION_COOKIE}=${(await server.accounts.login(`${user}@example.com`, PASSWORD, 'test')).token}`;
    return (await http('GET', `${server.url}${path}`, undefined, { cookie })).text.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^<>]*>/g, ' ').replace(/&amp;/g, '&').replace(/&#x27;|&#39;/g, "'").replace(/\s+/g, ' ');
  };

  const REQUEST = {
    kind: 'process',
    title: 'Longer rinse on the filling line',
    description: 'Rinse the filling needles for 5 minutes instead of 2 after cleaning.',
    reason: 'Residue found on the needles after cleaning.',
    product: 'Vial 10 ml',
    documents: ['SOP-QA-0001'],
    processes: ['nonconformity'],
    owner: 'po-anna',
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-change-request-'));
    clock = new FakeClock(new Date());
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_SITES: 'dublin=en-IE Europe/Dublin' }), { clock, logger: pino({ level: 'silent' }) });
    for (const person of PEOPLE) {
      tokens[person.id] = await userWithToken(server, person);
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
    // SOP-QA-0001, owned by Anna, in force at Dublin
    const started = await call('po-anna', 'POST', '/api/processes/document-control/instances', {
      variables: { type: 'sop', area: 'QA', revisionKind: 'major', owner: 'po-anna', changeSummary: 'First issue', reason: 'New line', reviewerRoles: 'auditor', trainingRoles: 'staff', title: 'Cleaning of the filling line', sites: 'dublin' },
      site: 'dublin',
    });
    expect(started.status, started.text).to.equal(201);
    const [draft] = await tasksOf(started.json.id, 'draft');
    const upload = await fetch(`${server.url}/api/tasks/${draft!.id}/attachments?field=file&name=cleaning.pdf`, { method: 'POST', headers: { authorization: `Bearer ${tokens['po-anna']}`, 'content-type': 'application/pdf' }, body: new Uint8Array(pdfFile('cleaning.pdf')) });
    expect((await complete('po-anna', draft!, { file: await upload.json() })).status).to.equal(200);
    for (const review of await tasksOf(started.json.id, 'review')) expect((await complete('au-fay', review, { decision: 'approve', comment: 'Agreed' })).status).to.equal(200);
    expect((await complete('qm-cara', (await tasksOf(started.json.id, 'approve'))[0]!, { effectiveDate: today() }, true)).status).to.equal(200);
    clock.advance(60_000);
    await runDue();
    expect((await versions('SOP-QA-0001')).map((v) => [v.revision, v.status])).to.deep.equal([['1.0', 'effective']]);
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let id: string;
  let businessKey: string;

  it('is started from its start form, which refuses a request without its kind, naming the field', async () => {
    const { kind: _kind, ...withoutKind } = REQUEST;
    const refused = await call('qm-cara', 'POST', '/api/processes/change-request/instances', { variables: withoutKind, site: 'dublin' });
    expect(refused.status).to.equal(400);
    expect(refused.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['kind']);
    // a staff member asks a process owner or the quality manager to raise the change
    expect((await call('st-dan', 'POST', '/api/processes/change-request/instances', { variables: REQUEST, site: 'dublin' })).status).to.equal(403);

    const started = await call('qm-cara', 'POST', '/api/processes/change-request/instances', { variables: REQUEST, site: 'dublin' });
    expect(started.status, started.text).to.equal(201);
    ({ id, businessKey } = started.json);
    expect(businessKey).to.match(/^CR-/);
    const variables = (await record(id)).variables;
    expect(variables.documents).to.deep.equal([{ number: 'SOP-QA-0001', revision: '1.0', title: 'Cleaning of the filling line' }]);
    expect(variables.processes).to.deep.equal([{ key: 'nonconformity', name: 'Nonconformity' }]);
    expect(changeRequestEvent.classify(await record(id)), 'not classified before its screening').to.equal(undefined);
  });

  it('opens one impact assessment per function the screening chose, all at once, to the named assessor or the function’s role', async () => {
    const [screen] = await tasksOf(id, 'screen');
    const screened = await complete('qm-cara', screen!, { changeClass: 'major', regulatory: true, regulatoryAssessor: 'qm-ben', ehs: true });
    expect(screened.status, screened.text).to.equal(200);
    const assessments = await tasksOf(id, 'assess');
    expect(assessments.map((t) => [t.name, t.assignee ?? null, t.candidateRole])).to.have.deep.members([
      ['Assess the impact: Quality', null, 'quality-manager'],
      ['Assess the impact: Regulatory', 'qm-ben', 'quality-manager'],
      ['Assess the impact: EHS', null, 'process-owner'],
    ]);
    const byName = (name: string) => assessments.find((t) => t.name.endsWith(name))!;
    expect((await complete('qm-cara', byName('Quality'), { impact: 'minor', assessment: 'No effect on the product; the SOP changes.' })).status).to.equal(200);
    expect((await complete('po-eve', byName('EHS'), { impact: 'none', assessment: 'Same detergent, same exposure.' })).status).to.equal(200);
    expect(await tasksOf(id, 'approve'), 'the approval waits for every assessment').to.have.length(0);
    expect((await complete('qm-ben', byName('Regulatory'), { impact: 'none', assessment: 'No registered parameter changes.' })).status).to.equal(200);

    expect(changeRequestEvent.classify(await record(id))).to.deep.equal({ source: 'change-request', site: 'dublin', product: 'Vial 10 ml', process: 'nonconformity', occurredAt: (await record(id)).startedAt });
  });

  it('is approved with a signature, and never by whoever requested it', async () => {
    const [approve] = await tasksOf(id, 'approve');
    const decision = { decision: 'approve', rationale: 'Low risk, removes the residue.' };
    const own = await complete('qm-cara', approve!, decision, true);
    expect(own.status).to.equal(403);
    expect(own.text).to.include('you started').and.include(businessKey);
    const unsigned = await complete('qm-ben', approve!, decision);
    expect(unsigned.status).to.be.within(400, 499);
    expect((await tasksOf(id, 'approve')).length, 'still open').to.equal(1);
    const signed = await complete('qm-ben', approve!, decision, true);
    expect(signed.status, signed.text).to.equal(200);
    const signatures = await server.imsflow.store.listSignatures({ instanceId: id });
    expect(signatures.map((s) => [s.printedName, s.meaning])).to.deep.equal([['Ben Regulatory', 'approved']]);
  });

  it('starts a linked document change for the SOP the plan names, and one implementation task per action', async () => {
    const [plan] = await tasksOf(id, 'plan');
    expect(plan!.assignee, 'the change’s leader plans it').to.equal('po-anna');
    const planned = await complete('po-anna', plan!, {
      action1: 'Add the 5-minute rinse to the cleaning SOP',
      action1Owner: 'po-anna',
      action2: 'Set the washer’s rinse cycle to 5 minutes',
      action2Owner: 'st-dan',
      documentsToRevise: ['SOP-QA-0001'],
      processChanges: 'Nonconformity: no change to the process definition.',
      effectivenessWait: 'P30D',
      effectivenessCriteria: 'No residue found in 30 days of production.',
    });
    expect(planned.status, planned.text).to.equal(200);

    const [, next] = await versions('SOP-QA-0001');
    expect(next).to.include({ revision: '2.0', status: 'draft', owner: 'po-anna', revises: 'SOP-QA-0001' });
    expect(next!.reason).to.include(businessKey).and.include('Longer rinse on the filling line');
    const change = await record(id);
    expect(change.links!.filter((l) => l.rel === 'started').map((l) => [l.businessKey, l.label])).to.deep.equal([[next!.businessKey, `Revision of SOP-QA-0001 Cleaning of the filling line, revision 1.0, for ${businessKey}`]]);
    expect((await record(next!.instanceId)).links!.map((l) => [l.rel, l.businessKey])).to.deep.equal([['origin', businessKey]]);
    expect((await tasksOf(next!.instanceId, 'draft')).map((t) => t.assignee)).to.deep.equal(['po-anna']);
    // the record page names the documents and processes affected and the document change, in words
    const page = await pageText('qm-cara', `/records/${id}`);
    expect(page).to.include('SOP-QA-0001 Cleaning of the filling line, revision 1.0').and.include('Processes affected Nonconformity').and.include(next!.businessKey);
    expect(page).to.not.include('"key"');

    const implement = await tasksOf(id, 'implement');
    expect(implement.map((t) => [t.name, t.assignee])).to.have.deep.members([
      ['Implement action 1: Add the 5-minute rinse to the cleaning SOP', 'po-anna'],
      ['Implement action 2: Set the washer’s rinse cycle to 5 minutes', 'st-dan'],
    ]);
    for (const task of implement) {
      const done = await complete(task.assignee!, task, { done: 'Done as planned.', evidence: 'WO-1042', completedOn: today() });
      expect(done.status, done.text).to.equal(200);
    }
  });

  it('asks for the effectiveness check when the waiting period is over, and closes as effective on a signed check', async () => {
    clock.advance(30 * DAY - 60_000);
    await runDue();
    expect(await tasksOf(id, 'checkEffectiveness'), 'not before 30 days').to.have.length(0);
    clock.advance(60_000);
    await runDue();
    const [check] = await tasksOf(id, 'checkEffectiveness');
    expect(check, 'due after 30 days').to.not.equal(undefined);
    const checked = await complete('qm-cara', check!, { effective: 'yes', evidence: 'No residue in 30 days of production.' }, true);
    expect(checked.status, checked.text).to.equal(200);
    const closed = await record(id);
    expect(closed.status).to.equal('completed');
    expect((await server.imsflow.verifyAuditTrail()).ok).to.equal(true);
  });

  it('ends a rejected request without a plan', async () => {
    const started = await call('po-anna', 'POST', '/api/processes/change-request/instances', { variables: { ...REQUEST, kind: 'equipment', title: 'Second washer', documents: [], processes: [] }, site: 'dublin' });
    expect(started.status, started.text).to.equal(201);
    expect((await complete('qm-cara', (await tasksOf(started.json.id, 'screen'))[0]!, { changeClass: 'minor' })).status).to.equal(200);
    const assessments = await tasksOf(started.json.id, 'assess');
    expect(assessments.map((t) => t.name)).to.deep.equal(['Assess the impact: Quality']);
    expect((await complete('qm-cara', assessments[0]!, { impact: 'major', assessment: 'Needs a full qualification first.' })).status).to.equal(200);
    const rejected = await complete('qm-cara', (await tasksOf(started.json.id, 'approve'))[0]!, { decision: 'reject', rationale: 'Qualify the washer first.' }, true);
    expect(rejected.status, rejected.text).to.equal(200);
    expect((await record(started.json.id)).status).to.equal('completed');
    expect(await tasksOf(started.json.id, 'plan')).to.have.length(0);
  });
});
