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
import { recordReader } from '../../../engine/features/instances/record-reader.js';
import { documentFieldTypes } from '../../../processes/document-control/field-type.js';
import { documentVersions, loadDocumentSources } from '../../../processes/document-control/versions.js';
import { bpmn } from '../../helpers.js';
import { callWithToken, http, type Reply, pageText } from '../../support/http.js';
import { userWithToken } from '../../support/operator.js';
import { pdfFile } from './files.js';

/**
 * The `document` form-field types (processes/document-control/field-type.ts) and the CAPA link, through the
 * HTTP API on a fake clock: a field names the version of a controlled document in force at the record's
 * site, and says so in words; a CAPA's action plan naming SOP-QA-0001 to revise starts a document change
 * linked both ways, drafted by the document's owner, which goes through to effective and supersedes 1.0.
 *
 * Dates are relative to the real now: bpmn-engine arms a timeDate against the wall clock.
 */

const PASSWORD = 'correct horse battery staple';
const SITES = 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin';
const PEOPLE = [
  { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'], sites: ['dublin', 'basel'] },
  { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'], sites: ['dublin', 'basel'] },
  { id: 'au-fay', name: 'Fay Auditor', roles: ['auditor'], sites: ['dublin'] },
  { id: 'st-dan', name: 'Dan Staff', roles: ['staff'], sites: ['dublin'] },
];
const IN_WORDS = 'SOP-QA-0001 Cleaning of the filling line, revision 1.0';

/** A test process whose forms name documents: the procedure followed (one) and the documents concerned (several). */
const DEVIATION_XML = bpmn(
  'deviation-note',
  `<startEvent id="noted" name="Noted"><extensionElements><ims:form>
     <ims:field key="title" label="Title" type="text" required="true" />
     <ims:field key="procedure" label="Procedure followed" type="document" required="true" />
     <ims:field key="concerned" label="Documents concerned" type="documents" />
   </ims:form></extensionElements></startEvent>
   <sequenceFlow id="f1" sourceRef="noted" targetRef="done" /><endEvent id="done" />`,
  'name="Deviation note" ims:businessKeyPrefix="DEV" ims:ownerRole="quality-manager" ims:starters="quality-manager"',
);

const textOf = pageText;

describe('document control: the document field types and the CAPA link (HTTP, SQLite, fake clock)', function () {
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
  const signedIn = async (user: string) => ({ cookie: `${SESSION_COOKIE}=${(await server.accounts.login(`${user}@example.com`, PASSWORD, 'test')).token}` });
  const today = () => clock.now().toISOString().slice(0, 10);

  /** The owner uploads the file, the auditor approves, the quality manager signs it effective today; the timer fires. */
  async function throughToEffective(instanceId: string, file: string): Promise<void> {
    const [draft] = await tasksOf(instanceId, 'draft');
    expect(draft!.assignee, 'the document’s owner drafts').to.equal('po-anna');
    const response = await fetch(`${server.url}/api/tasks/${draft!.id}/attachments?field=file&name=${file}`, { method: 'POST', headers: { authorization: `Bearer ${tokens['po-anna']}`, 'content-type': 'application/pdf' }, body: new Uint8Array(pdfFile(file)) });
    expect(response.status).to.equal(201);
    expect((await complete('po-anna', draft!, { file: await response.json() })).status).to.equal(200);
    for (const review of await tasksOf(instanceId, 'review')) expect((await complete('au-fay', review, { decision: 'approve', comment: 'Agreed' })).status).to.equal(200);
    const [approve] = await tasksOf(instanceId, 'approve');
    const signed = await complete('qm-cara', approve!, { effectiveDate: today() }, true);
    expect(signed.status, signed.text).to.equal(200);
    clock.advance(60_000);
    await runDue();
  }

  /** A CAPA at Dublin, triaged, contained and analysed by Cara: its action plan is open. */
  async function capaAtPlan(title: string): Promise<{ id: string; businessKey: string; plan: TaskRecord }> {
    const started = await call('qm-cara', 'POST', '/api/processes/capa/instances', { variables: { source: 'complaint', title, description: 'Residue found on the needles after cleaning.' }, site: 'dublin' });
    expect(started.status, started.text).to.equal(201);
    const { id, businessKey } = started.json;
    expect((await complete('qm-cara', (await tasksOf(id, 'triage'))[0]!, { severity: '4', occurrence: '3', fullCapa: 'yes', owner: 'qm-cara' })).status).to.equal(200);
    expect((await complete('qm-cara', (await tasksOf(id, 'contain'))[0]!, { containment: 'Line stopped.', correction: 'Needles recleaned.' })).status).to.equal(200);
    expect((await complete('qm-cara', (await tasksOf(id, 'rootCause'))[0]!, { why1: 'The SOP names no rinse time.', category: 'method', rootCause: 'The cleaning SOP names no rinse time.' })).status).to.equal(200);
    return { id, businessKey, plan: (await tasksOf(id, 'plan'))[0]! };
  }
  const PLAN = { action1: 'Add a rinse time to the cleaning SOP', action1Owner: 'po-anna', effectivenessWait: 'P30D', effectivenessCriteria: 'No residue in 30 days.' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-document-link-'));
    clock = new FakeClock(new Date());
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_SITES: SITES }), { clock, logger: pino({ level: 'silent' }) });
    for (const person of PEOPLE) {
      tokens[person.id] = await userWithToken(server, person);
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
    await server.imsflow.deploy(DEVIATION_XML, 'test-setup');
    // SOP-QA-0001 in force at Dublin only; SOP-QA-0002 still a draft
    const common = { type: 'sop', area: 'QA', revisionKind: 'major', owner: 'po-anna', changeSummary: 'First issue', reason: 'New line', reviewerRoles: 'auditor', trainingRoles: 'staff' };
    const first = await call('po-anna', 'POST', '/api/processes/document-control/instances', { variables: { ...common, title: 'Cleaning of the filling line', sites: 'dublin' }, site: 'dublin' });
    expect(first.status, first.text).to.equal(201);
    await throughToEffective(first.json.id, 'cleaning.pdf');
    const second = await call('po-anna', 'POST', '/api/processes/document-control/instances', { variables: { ...common, title: 'Line clearance', sites: 'dublin, basel' }, site: 'dublin' });
    expect(second.status, second.text).to.equal(201);
    expect((await versions('SOP-QA-0001')).map((v) => [v.revision, v.status])).to.deep.equal([['1.0', 'effective']]);
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('the document field types', () => {
    const start = (site: string, variables: Record<string, unknown>) => call('qm-cara', 'POST', '/api/processes/deviation-note/instances', { variables: { title: 'Needle residue', ...variables }, site });

    it('stores the version in force at the record’s site as number, revision and title', async () => {
      const started = await start('dublin', { procedure: ' SOP-QA-0001 ' });
      expect(started.status, started.text).to.equal(201);
      const record = await server.imsflow.store.getInstance(started.json.id);
      expect(record!.variables.procedure).to.deep.equal({ number: 'SOP-QA-0001', revision: '1.0', title: 'Cleaning of the filling line' });
    });

    it('refuses a number that is no controlled document, and one not in force at the site, naming the field and the site', async () => {
      const unknown = await start('dublin', { procedure: 'SOP-QA-0009' });
      expect(unknown.status).to.equal(400);
      expect(unknown.json.fields).to.deep.equal([{ field: 'procedure', message: 'Procedure followed names SOP-QA-0009, which is not a controlled document' }]);
      const elsewhere = await start('basel', { procedure: 'SOP-QA-0001' });
      expect(elsewhere.status).to.equal(400);
      expect(elsewhere.json.fields).to.deep.equal([{ field: 'procedure', message: 'Procedure followed names SOP-QA-0001, which has no effective version at Basel' }]);
      const draft = await start('dublin', { procedure: 'SOP-QA-0002' });
      expect(draft.json.fields).to.deep.equal([{ field: 'procedure', message: 'Procedure followed names SOP-QA-0002, which has no effective version at Dublin' }]);
    });

    it('takes several documents in a multiple field, each checked, none twice', async () => {
      const twice = await start('dublin', { procedure: 'SOP-QA-0001', concerned: 'SOP-QA-0001, SOP-QA-0001' });
      expect(twice.json.fields).to.deep.equal([{ field: 'concerned', message: `Documents concerned names ${IN_WORDS} twice` }]);
      const oneUnknown = await start('dublin', { procedure: 'SOP-QA-0001', concerned: ['SOP-QA-0001', 'WI-QA-0042'] });
      expect(oneUnknown.json.fields).to.deep.equal([{ field: 'concerned', message: 'Documents concerned names WI-QA-0042, which is not a controlled document' }]);
      const started = await start('dublin', { procedure: 'SOP-QA-0001', concerned: ['SOP-QA-0001'] });
      expect(started.status, started.text).to.equal(201);
      expect((await server.imsflow.store.getInstance(started.json.id))!.variables.concerned).to.deep.equal([{ number: 'SOP-QA-0001', revision: '1.0', title: 'Cleaning of the filling line' }]);
    });

    it('says the value in words in the reader’s language, on the record page and in its history', async () => {
      const [document] = documentFieldTypes;
      const value = { number: 'SOP-QA-0001', revision: '2.0', title: 'Cleaning of the filling line' };
      expect(document!.present(value, { locale: 'en-IE', language: 'en' })).to.equal('SOP-QA-0001 Cleaning of the filling line, revision 2.0');
      expect(document!.present(value, { locale: 'de-CH', language: 'de' })).to.equal('SOP-QA-0001 Cleaning of the filling line, Revision 2.0');
      expect(document!.present(value, { locale: 'fr-FR', language: 'fr' })).to.equal('SOP-QA-0001 Cleaning of the filling line, révision 2.0');
      expect(document!.present('SOP-QA-0001', { locale: 'en', language: 'en' }), 'not a value it stored: shown as data').to.equal(undefined);

      const started = await start('dublin', { procedure: 'SOP-QA-0001' });
      const cookie = await signedIn('qm-cara');
      const page = textOf((await http('GET', `${server.url}/records/${started.json.id}`, undefined, cookie)).text);
      // Cara reads in German (her sites' language): the pack's words in hers
      const inGerman = 'SOP-QA-0001 Cleaning of the filling line, Revision 1.0';
      expect(page).to.include(`Procedure followed ${inGerman}`);
      expect(page).to.not.include('"number"');
      // and in the record's history
      expect(page).to.include(`Procedure followed: ${inGerman}`);
    });

    it('offers the documents in force at the site, and for a plan only those without a change under way', async () => {
      const types = new Map(documentFieldTypes.map((type) => [type.type, type]));
      const records = recordReader(server.imsflow.store);
      const context = (site: string) => ({ records, site, now: clock.now(), field: { key: 'x', label: 'X', type: 'document', required: false } });
      expect(await types.get('document')!.choices!(context('dublin'))).to.deep.equal([{ value: 'SOP-QA-0001', label: IN_WORDS }]);
      expect(await types.get('documents')!.choices!(context('basel'))).to.deep.equal([]);
      expect(await types.get('documents-to-revise')!.choices!(context('dublin'))).to.deep.equal([{ value: 'SOP-QA-0001', label: IN_WORDS }]);
    });
  });

  describe('a CAPA’s action plan names documents to revise', () => {
    let capa: { id: string; businessKey: string; plan: TaskRecord };
    let change: { instanceId: string; businessKey: string };

    it('refuses a document that is not controlled, or not in force at the CAPA’s site, naming the field', async () => {
      capa = await capaAtPlan('Residue on the filling needles');
      const unknown = await complete('qm-cara', capa.plan, { ...PLAN, documentsToRevise: 'SOP-QA-0009' });
      expect(unknown.status).to.equal(400);
      expect(unknown.json.fields).to.deep.equal([{ field: 'documentsToRevise', message: 'Documents to revise names SOP-QA-0009, which is not a controlled document' }]);
      const draft = await complete('qm-cara', capa.plan, { ...PLAN, documentsToRevise: ['SOP-QA-0002'] });
      expect(draft.json.fields).to.deep.equal([{ field: 'documentsToRevise', message: 'Documents to revise names SOP-QA-0002, which has no effective version at Dublin' }]);
    });

    it('starts a document change of SOP-QA-0001 on completion, linked both ways, drafted by the document’s owner', async () => {
      const done = await complete('qm-cara', capa.plan, { ...PLAN, documentsToRevise: ['SOP-QA-0001'] });
      expect(done.status, done.text).to.equal(200);
      const [, next] = await versions('SOP-QA-0001');
      expect(next).to.include({ revision: '2.0', status: 'draft', owner: 'po-anna', title: 'Cleaning of the filling line', revises: 'SOP-QA-0001' });
      expect(next!.sites).to.deep.equal(['dublin']);
      expect(next!.reason).to.include(capa.businessKey).and.include('Residue on the filling needles');
      expect(next!.changeSummary).to.include(capa.businessKey);
      change = { instanceId: next!.instanceId, businessKey: next!.businessKey };

      const capaRecord = await server.imsflow.store.getInstance(capa.id);
      const changeRecord = await server.imsflow.store.getInstance(change.instanceId);
      expect(capaRecord!.output.plan).to.deep.include({ documentsToRevise: [{ number: 'SOP-QA-0001', revision: '1.0', title: 'Cleaning of the filling line' }] });
      expect(capaRecord!.links!.filter((l) => l.rel === 'started').map((l) => [l.businessKey, l.label])).to.deep.equal([[change.businessKey, `Revision of ${IN_WORDS}, for ${capa.businessKey}`]]);
      expect(changeRecord!.links!.map((l) => [l.rel, l.businessKey])).to.deep.equal([['origin', capa.businessKey]]);
      // the CAPA goes on to its actions meanwhile
      expect((await tasksOf(capa.id, 'implement')).map((t) => t.assignee)).to.deep.equal(['po-anna']);
      // both record pages show the link
      const cookie = await signedIn('qm-cara');
      expect(textOf((await http('GET', `${server.url}/records/${capa.id}`, undefined, cookie)).text)).to.include(change.businessKey).and.include(IN_WORDS);
      expect(textOf((await http('GET', `${server.url}/records/${change.instanceId}`, undefined, cookie)).text)).to.include(capa.businessKey);
      // the audit trail says what the plan named in words (Cara reads German)
      const audit = textOf((await http('GET', `${server.url}/audit?record=${capa.businessKey}`, undefined, cookie)).text);
      expect(audit).to.include('SOP-QA-0001 Cleaning of the filling line, Revision 1.0').and.not.include('Number SOP-QA-0001');
    });

    it('refuses, at the plan’s completion, a document whose change is under way already', async () => {
      const other = await capaAtPlan('Residue again, second line');
      const refused = await complete('qm-cara', other.plan, { ...PLAN, documentsToRevise: 'SOP-QA-0001' });
      expect(refused.status).to.equal(400);
      expect(refused.json.fields).to.deep.equal([{ field: 'documentsToRevise', message: `Documents to revise names SOP-QA-0001, which has a change under way already (${change.businessKey}): finish or cancel it first` }]);
      expect((await tasksOf(other.id, 'plan')).length, 'the plan stays open').to.equal(1);
      // a plan naming none goes on without a document change
      expect((await complete('qm-cara', other.plan, PLAN)).status).to.equal(200);
      expect((await server.imsflow.store.getInstance(other.id))!.links ?? []).to.deep.equal([]);
    });

    it('the revision goes through to effective and supersedes revision 1.0', async () => {
      await throughToEffective(change.instanceId, 'cleaning-v2.pdf');
      const all = await versions('SOP-QA-0001');
      expect(all.map((v) => [v.revision, v.status])).to.deep.equal([
        ['1.0', 'superseded'],
        ['2.0', 'effective'],
      ]);
      expect(all[0]!.supersededBy).to.equal(change.businessKey);
      // a field names the new revision from now on
      const started = await call('qm-cara', 'POST', '/api/processes/deviation-note/instances', { variables: { title: 'After the change', procedure: 'SOP-QA-0001' }, site: 'dublin' });
      expect((await server.imsflow.store.getInstance(started.json.id))!.variables.procedure).to.deep.include({ revision: '2.0' });
      expect((await server.imsflow.verifyAuditTrail()).ok).to.equal(true);
    });
  });
});
