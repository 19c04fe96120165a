import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import type { EmbeddedScheduler } from '../../../workers/runners/embedded/scheduler.js';
import { documentVersions, effectiveAt, loadDocumentSources } from '../../../processes/document-control/versions.js';
import { DAY } from '../../helpers.js';
import { callWithToken, type Reply } from '../../support/http.js';
import { userWithToken } from '../../support/operator.js';
import { docxFile, pdfFile, pngFile } from './files.js';

/**
 * A controlled document's whole lifecycle through the HTTP API on a fake clock: a process owner starts a
 * new SOP and uploads its file, two reviewers of different roles comment in parallel (one asks for a
 * change, the author uploads again), a quality manager other than the author signs the approval with an
 * effective date ten days ahead, the staff of the document's sites get read-and-understood tasks, the
 * version is effective only from that date, its periodic review fires two years later after a restart, and
 * the revision started from that review supersedes it.
 *
 * Dates are relative to the real now: bpmn-engine arms a timeDate against the wall clock.
 */

const PASSWORD = 'correct horse battery staple';
const SITES = 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin, lyon=fr-FR Europe/Paris';
const PEOPLE = [
  // the author also holds the approver's role: separation of duties keeps her from approving
  { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner', 'quality-manager'], sites: ['dublin'] },
  { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'], sites: ['dublin'] },
  { id: 'au-fay', name: 'Fay Auditor', roles: ['auditor'], sites: ['dublin'] },
  { id: 'sc-gus', name: 'Gus Steering', roles: ['steering-committee'], sites: ['dublin', 'basel'] },
  { id: 'st-dan', name: 'Dan Staff', roles: ['staff'], sites: ['dublin'] },
  { id: 'st-eve', name: 'Eve Staff', roles: ['staff'], sites: ['basel'] },
  { id: 'st-mia', name: 'Mia Staff', roles: ['staff'], sites: ['lyon', 'basel'] },
  { id: 'st-lou', name: 'Lou Staff', roles: ['staff'], sites: ['lyon'] },
];

const day = (at: Date): string => at.toISOString().slice(0, 10);

describe('document control: a controlled document from draft to supersession (HTTP, SQLite, fake clock, restart)', function () {
  let dir: string;
  let clock: FakeClock;
  let server: RunningServer;
  const tokens: Record<string, string> = {};
  const call = (user: string, method: string, path: string, body?: unknown): Promise<Reply> => callWithToken(server.url, tokens[user]!, method, path, body);
  const boot = async () => startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_SITES: SITES }), { clock, logger: pino({ level: 'silent' }) });
  const reader = () => ({ instances: (q: Parameters<RunningServer['imsflow']['store']['listInstances']>[0]) => server.imsflow.store.listInstances(q), tasks: (q: Parameters<RunningServer['imsflow']['store']['listTasks']>[0]) => server.imsflow.store.listTasks(q) });
  const runDue = () => (server.scheduler as EmbeddedScheduler).runDue();
  const tasksOf = async (instanceId: string, elementId: string, status: TaskRecord['status'] = 'open') => (await server.imsflow.store.listTasks({ instanceId, limit: 1000 })).filter((t) => t.elementId === elementId && t.status === status);
  const versions = async (number: string) => documentVersions(await loadDocumentSources(reader()), { number, at: clock.now() });
  const upload = async (user: string, task: TaskRecord, name: string, type: string, bytes: Buffer): Promise<Reply> => {
    const response = await fetch(`${server.url}/api/tasks/${task.id}/attachments?field=file&name=${encodeURIComponent(name)}`, { method: 'POST', headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': type }, body: new Uint8Array(bytes) });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', text, json: JSON.parse(text) };
  };
  const complete = (user: string, task: TaskRecord, data: Record<string, unknown>, signed = false) =>
    call(user, 'POST', `/api/tasks/${task.id}/complete`, { data, ...(signed && { signature: { email: `${user}@example.com`, password: PASSWORD } }) });

  let first: { id: string; businessKey: string };
  let effectiveDate: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-documents-'));
    clock = new FakeClock(new Date());
    server = await boot();
    for (const person of PEOPLE) {
      tokens[person.id] = await userWithToken(server, person);
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
    await server.imsflow.saveUser({ id: 'st-old', email: 'st-old@example.com', name: 'Old Staff', roles: ['staff'], sites: ['dublin'], active: false }, 'test-setup');
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a process owner starts a new SOP: refused without known sites, then numbered SOP-QA-0001 revision 1.0', async () => {
    const variables = { title: 'Cleaning of production rooms', type: 'sop', area: 'QA', revisionKind: 'major', sites: 'dublin, atlantis', owner: 'po-anna', changeSummary: 'First issue', reason: 'New cleaning agent', reviewerRoles: 'auditor, steering-committee', trainingRoles: 'staff' };
    const refused = await call('po-anna', 'POST', '/api/processes/document-control/instances', { variables, site: 'dublin' });
    expect(refused.status).to.equal(400);
    expect(refused.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['sites']);
    const started = await call('po-anna', 'POST', '/api/processes/document-control/instances', { variables: { ...variables, sites: 'dublin, basel' }, site: 'dublin' });
    expect(started.status, started.text).to.equal(201);
    first = started.json;
    const [version] = await versions('SOP-QA-0001');
    expect(version).to.include({ number: 'SOP-QA-0001', revision: '1.0', title: 'Cleaning of production rooms', status: 'draft', businessKey: first.businessKey });
    expect(version!.sites).to.deep.equal(['dublin', 'basel']);
  });

  it('the author uploads the file, checked by its content; two reviewers of different roles review in parallel; a change asked for goes back to the author', async () => {
    const [draft] = await tasksOf(first.id, 'draft');
    expect(draft!.assignee).to.equal('po-anna');
    const png = await upload('po-anna', draft!, 'cleaning.png', 'image/png', pngFile());
    expect(png.status).to.equal(400);
    expect(png.json.fields[0].field).to.equal('file');
    const fakePdf = await upload('po-anna', draft!, 'cleaning.pdf', 'application/pdf', pngFile());
    expect(fakePdf.status).to.equal(400);
    const pdf = await upload('po-anna', draft!, 'cleaning.pdf', 'application/pdf', pdfFile());
    expect(pdf.status, pdf.text).to.equal(201);
    expect((await complete('po-anna', draft!, { file: pdf.json })).status).to.equal(200);

    const reviews = await tasksOf(first.id, 'review');
    expect(reviews.map((t) => t.candidateRole).sort()).to.deep.equal(['auditor', 'steering-committee']);
    expect((await versions('SOP-QA-0001'))[0]!.status).to.equal('in-review');
    const byRole = (role: string) => reviews.find((t) => t.candidateRole === role)!;
    expect((await complete('au-fay', byRole('auditor'), { decision: 'approve', comment: 'Clear and complete' })).status).to.equal(200);
    expect((await complete('sc-gus', byRole('steering-committee'), { decision: 'changes-needed', comment: 'Name the cleaning agent' })).status).to.equal(200);

    const [again] = await tasksOf(first.id, 'draft');
    expect((await versions('SOP-QA-0001'))[0]!.status).to.equal('draft');
    const docx = await upload('po-anna', again!, 'cleaning.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', docxFile());
    expect(docx.status, docx.text).to.equal(201);
    expect((await complete('po-anna', again!, { file: docx.json, notes: 'Agent named' })).status).to.equal(200);
    for (const task of await tasksOf(first.id, 'review')) {
      const user = task.candidateRole === 'auditor' ? 'au-fay' : 'sc-gus';
      expect((await complete(user, task, { decision: 'approve', comment: 'Agreed' })).status).to.equal(200);
    }
    expect((await tasksOf(first.id, 'approve')).length).to.equal(1);
  });

  it('the approval is signed by a quality manager who is not the author, with an effective date that is not in the past', async () => {
    const [approve] = await tasksOf(first.id, 'approve');
    effectiveDate = day(new Date(clock.now().getTime() + 10 * DAY));
    const byAuthor = await complete('po-anna', approve!, { effectiveDate }, true);
    expect(byAuthor.status).to.equal(403);
    const past = await complete('qm-cara', approve!, { effectiveDate: day(new Date(clock.now().getTime() - DAY)) }, true);
    expect(past.status).to.equal(400);
    expect(past.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['effectiveDate']);
    const signed = await complete('qm-cara', approve!, { effectiveDate }, true);
    expect(signed.status, signed.text).to.equal(200);
    const [version] = await versions('SOP-QA-0001');
    expect(version).to.include({ status: 'approved', effectiveDate });
    expect(version!.signatures.map((s) => s.by)).to.deep.equal(['qm-cara']);
    expect(version!.file).to.include({ name: 'cleaning.docx' });
  });

  it('read-and-understood training goes to exactly the active staff of Dublin and Basel', async () => {
    const training = (await server.imsflow.store.listTasks({ limit: 1000 })).filter((t) => t.definitionKey === 'training-acknowledgement');
    expect(training.map((t) => t.assignee).sort()).to.deep.equal(['st-dan', 'st-eve', 'st-mia']);
    expect(training[0]!.name).to.equal('Read and understood: SOP-QA-0001 Cleaning of production rooms version 1.0');
    expect(training.every((t) => t.dueAt === `${effectiveDate}T00:00:00.000Z`)).to.equal(true);
    const acknowledged = await call('st-dan', 'POST', `/api/tasks/${training.find((t) => t.assignee === 'st-dan')!.id}/complete`, { data: { understood: true } });
    expect(acknowledged.status).to.equal(200);
    expect((await versions('SOP-QA-0001'))[0]!.training).to.deep.equal({ assigned: 3, acknowledged: 1, outstanding: ['st-eve', 'st-mia'] });
  });

  it('is not effective before its effective date, and is from that date on', async () => {
    const from = new Date(`${effectiveDate}T00:00:00.000Z`);
    clock.set(new Date(from.getTime() - 60_000));
    await runDue();
    expect((await versions('SOP-QA-0001'))[0]!.status).to.equal('approved');
    expect(effectiveAt(await loadDocumentSources(reader()), 'all', 'dublin', clock.now())).to.deep.equal([]);
    clock.set(new Date(from.getTime() + 60_000));
    await runDue();
    const [version] = await versions('SOP-QA-0001');
    expect(version!.status).to.equal('effective');
    expect(version!.effectiveFrom! >= from.toISOString()).to.equal(true);
    const sources = await loadDocumentSources(reader());
    expect(effectiveAt(sources, 'SOP-QA-0001', 'basel', clock.now()).map((v) => v.revision)).to.deep.equal(['1.0']);
    expect(effectiveAt(sources, 'SOP-QA-0001', 'lyon', clock.now())).to.deep.equal([]);
    expect(effectiveAt(sources, 'SOP-QA-0001', 'dublin', new Date(from.getTime() - 60_000))).to.deep.equal([]);
    expect(version!.nextReviewDue).to.be.a('string');
  });

  it('after a restart, the periodic review fires two years later, and a revision is refused while one is under way', async () => {
    await server.close();
    server = await boot();
    clock.advance(2 * 365 * DAY - 5 * DAY);
    await runDue();
    expect(await tasksOf(first.id, 'periodicReview')).to.deep.equal([]);
    clock.advance(10 * DAY);
    await runDue();
    const [review] = await tasksOf(first.id, 'periodicReview');
    expect(review!.assignee).to.equal('po-anna');
    const revised = await complete('po-anna', review!, { decision: 'revise', revisionKind: 'major', comment: 'New disinfectant rotation' });
    expect(revised.status, revised.text).to.equal(200);
    const all = await versions('SOP-QA-0001');
    expect(all.map((v) => [v.revision, v.status])).to.deep.equal([
      ['1.0', 'effective'],
      ['2.0', 'draft'],
    ]);
    const again = await call('po-anna', 'POST', '/api/processes/document-control/instances', { variables: { title: 'Cleaning', type: 'sop', area: 'QA', revises: 'SOP-QA-0001', revisionKind: 'minor', sites: 'dublin', owner: 'po-anna', changeSummary: 'x', reason: 'y', reviewerRoles: 'auditor' }, site: 'dublin' });
    expect(again.status).to.equal(400);
    expect(again.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['revises']);
  });

  it('the second version supersedes the first the instant it becomes effective; the first ends at its next review', async () => {
    const second = (await versions('SOP-QA-0001')).find((v) => v.revision === '2.0')!;
    const [draft] = await tasksOf(second.instanceId, 'draft');
    const pdf = await upload('po-anna', draft!, 'cleaning-v2.pdf', 'application/pdf', pdfFile('v2'));
    expect((await complete('po-anna', draft!, { file: pdf.json })).status).to.equal(200);
    for (const task of await tasksOf(second.instanceId, 'review')) {
      const user = task.candidateRole === 'auditor' ? 'au-fay' : 'sc-gus';
      expect((await complete(user, task, { decision: 'approve', comment: 'Agreed' })).status).to.equal(200);
    }
    const [approve] = await tasksOf(second.instanceId, 'approve');
    const date = day(new Date(clock.now().getTime() + 3 * DAY));
    expect((await complete('qm-cara', approve!, { effectiveDate: date }, true)).status).to.equal(200);
    clock.set(new Date(`${date}T00:00:01.000Z`));
    await runDue();
    const all = await versions('SOP-QA-0001');
    expect(all.map((v) => [v.revision, v.status])).to.deep.equal([
      ['1.0', 'superseded'],
      ['2.0', 'effective'],
    ]);
    expect(all[0]!.supersededBy).to.equal(second.businessKey);
    const sources = await loadDocumentSources(reader());
    expect(effectiveAt(sources, 'all', 'dublin', clock.now()).map((v) => v.revision)).to.deep.equal(['2.0']);
    // the first version's next review falls due: it ends as superseded instead of asking for a review
    clock.advance(2 * 365 * DAY + 2 * DAY);
    await runDue();
    const record = await server.imsflow.store.getInstance(first.id);
    expect(record!.status).to.equal('completed');
    expect(record!.output.reviewCheck).to.include({ superseded: true, by: second.businessKey });
    expect((await tasksOf(first.id, 'periodicReview')).length).to.equal(0);
    expect((await server.imsflow.verifyAuditTrail()).ok).to.equal(true);
  });
});
