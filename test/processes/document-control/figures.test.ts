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
import type { DocumentsSection, TrainingSection } from '../../../processes/document-control/figures.js';
import { DAY } from '../../helpers.js';
import { callWithToken, type Reply } from '../../support/http.js';
import { userWithToken } from '../../support/operator.js';
import { pdfFile } from './files.js';

/**
 * Document control on the steering dashboard and in the weekly digest, through the engine and the HTTP API
 * on a fake clock: a version counted in review, then awaiting approval, then awaiting its effective date;
 * read-and-understood training outstanding per document, overdue after its due date, dropping as people
 * acknowledge; the periodic review coming due within 60 days and then overdue as time passes, a later
 * version superseding it taking it off the list; drill-down lists naming documents by number and title;
 * the digest's lines in the recipient's language.
 */

const PASSWORD = 'correct horse battery staple';
const SITES = 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin';
const PEOPLE = [
  { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'], sites: ['dublin'] },
  { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'], sites: ['dublin'] },
  { id: 'st-dan', name: 'Dan Staff', roles: ['staff'], sites: ['dublin'] },
  { id: 'st-eve', name: 'Eve Staff', roles: ['staff'], sites: ['dublin'] },
  { id: 'sc-gus', name: 'Gus Steering', roles: ['steering-committee'], sites: ['dublin'] },
  { id: 'sc-bea', name: 'Bea Steering', roles: ['steering-committee'], sites: ['basel'] },
];
const TITLE = 'Cleaning and disinfection of the aseptic filling line';

describe('document control on the dashboard and in the weekly digest (engine, HTTP, fake clock)', function () {
  let dir: string;
  let clock: FakeClock;
  let server: RunningServer;
  const tokens: Record<string, string> = {};
  const call = (user: string, method: string, path: string, body?: unknown): Promise<Reply> => callWithToken(server.url, tokens[user]!, method, path, body);
  const runDue = () => (server.scheduler as EmbeddedScheduler).runDue();
  const tasksOf = async (instanceId: string, elementId: string) => (await server.imsflow.store.listTasks({ instanceId, status: 'open', limit: 1000 })).filter((t) => t.elementId === elementId);
  const upload = async (user: string, task: TaskRecord) => {
    const response = await fetch(`${server.url}/api/tasks/${task.id}/attachments?field=file&name=sop.pdf`, { method: 'POST', headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': 'application/pdf' }, body: new Uint8Array(pdfFile(task.id)) });
    expect(response.status).to.equal(201);
    return response.json();
  };
  const complete = async (user: string, task: TaskRecord, data: Record<string, unknown>, signed = false) => {
    const reply = await call(user, 'POST', `/api/tasks/${task.id}/complete`, { data, ...(signed && { signature: { email: `${user}@example.com`, password: PASSWORD } }) });
    expect(reply.status, reply.text).to.equal(200);
  };
  const dashboard = async (user = 'sc-gus') => {
    const reply = await call(user, 'GET', '/api/dashboard');
    expect(reply.status, reply.text).to.equal(200);
    return { documents: reply.json.documents as DocumentsSection, training: reply.json.documentTraining as TrainingSection, sections: reply.json.sections as { section: string; pack?: string; view: { tiles: { label: string; value: number }[] } }[] };
  };
  const drill = async (fragment: string, user = 'sc-gus') => {
    const reply = await call(user, 'GET', `/api/dashboard/records?${fragment}`);
    expect(reply.status, reply.text).to.equal(200);
    return reply.json as { title: string; words?: string; items: Record<string, unknown>[] };
  };
  const day = (at: Date): string => at.toISOString().slice(0, 10);
  /** The newest weekly digest sent to someone. */
  const latestDigest = async (user: string) => {
    const mails = (await server.imsflow.store.listMessages({ limit: 1000 })).filter((m) => m.kind === 'digest' && m.userId === user);
    return mails.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1)!;
  };

  let first: { id: string };
  let reviewDue: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-document-figures-'));
    clock = new FakeClock(new Date());
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_SITES: SITES }), { clock, logger: pino({ level: 'silent' }) });
    for (const person of PEOPLE) {
      tokens[person.id] = await userWithToken(server, person);
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
    // the Dublin steering member reads German
    const gus = (await server.imsflow.store.getUser('sc-gus'))!;
    await server.imsflow.saveUser({ id: gus.id, email: gus.email, name: gus.name, roles: gus.roles, sites: gus.sites, locale: 'de-DE' }, 'test-setup');
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts a new version in review, then awaiting approval, then awaiting its effective date, per site, with lists naming the document', async () => {
    const started = await call('po-anna', 'POST', '/api/processes/document-control/instances', {
      variables: { title: TITLE, type: 'sop', area: 'QA', revisionKind: 'major', sites: 'dublin', owner: 'po-anna', changeSummary: 'First issue', reason: 'Annex 1', reviewerRoles: 'quality-manager', trainingRoles: 'staff' },
      site: 'dublin',
    });
    expect(started.status, started.text).to.equal(201);
    first = started.json;
    expect((await dashboard()).documents).to.include({ inReview: 0, awaitingApproval: 0, awaitingEffective: 0 });

    const [draft] = await tasksOf(first.id, 'draft');
    await complete('po-anna', draft!, { file: await upload('po-anna', draft!) });
    let d = (await dashboard()).documents;
    expect(d).to.include({ inReview: 1, awaitingApproval: 0, awaitingEffective: 0, reviewsOverdue: 0, reviewsDueSoon: 0 });
    expect(d.bySite.map(({ drill: _, ...s }) => s)).to.deep.equal([{ site: 'dublin', reviewsOverdue: 0, reviewsDueSoon: 0, inReview: 1, awaitingApproval: 0, awaitingEffective: 0 }]);
    const inReview = await drill(d.drill.inReview);
    expect(inReview.words).to.equal('document-control.figure');
    expect(inReview.items.map((i) => [i.document, i.revision, i.site])).to.deep.equal([[`SOP-QA-0001 ${TITLE}`, '1.0', 'dublin']]);
    // Basel's steering member sees nothing of Dublin's documents
    expect((await dashboard('sc-bea')).documents).to.include({ inReview: 0 });
    expect((await drill(d.drill.inReview, 'sc-bea')).items).to.deep.equal([]);

    const [review] = await tasksOf(first.id, 'review');
    await complete('qm-cara', review!, { decision: 'approve', comment: 'Fine' });
    d = (await dashboard()).documents;
    expect(d).to.include({ inReview: 0, awaitingApproval: 1 });
    expect((await drill(d.drill.awaitingApproval)).items.map((i) => i.document)).to.deep.equal([`SOP-QA-0001 ${TITLE}`]);

    const [approve] = await tasksOf(first.id, 'approve');
    await complete('qm-cara', approve!, { effectiveDate: day(new Date(clock.now().getTime() + 10 * DAY)) }, true);
    d = (await dashboard()).documents;
    expect(d).to.include({ inReview: 0, awaitingApproval: 0, awaitingEffective: 1 });
  });

  it('training outstanding per document: not yet due, then overdue after the effective date, dropping as people acknowledge', async () => {
    let t = (await dashboard()).training;
    expect(t).to.include({ outstanding: 2, overdue: 0 });
    expect(t.documents.map(({ drill: _, ...x }) => x)).to.deep.equal([{ number: 'SOP-QA-0001', revision: '1.0', title: `SOP-QA-0001 ${TITLE}`, outstanding: 2, overdue: 0 }]);

    clock.advance(11 * DAY);
    await runDue();
    t = (await dashboard()).training;
    expect(t).to.include({ outstanding: 2, overdue: 2 });
    expect((await dashboard()).documents).to.include({ awaitingEffective: 0 });
    const people = await drill(t.documents[0]!.drill);
    expect(people.title).to.equal(`Read-and-understood training outstanding: SOP-QA-0001 revision 1.0`);
    expect(people.items.map((i) => [i.person, i.document, i.overdue])).to.deep.equal([
      ['Dan Staff', `SOP-QA-0001 ${TITLE}`, true],
      ['Eve Staff', `SOP-QA-0001 ${TITLE}`, true],
    ]);

    const training = (await server.imsflow.store.listTasks({ status: 'open', limit: 1000 })).filter((task) => task.definitionKey === 'training-acknowledgement');
    await complete('st-dan', training.find((task) => task.assignee === 'st-dan')!, { understood: true });
    t = (await dashboard()).training;
    expect(t).to.include({ outstanding: 1, overdue: 1 });
    expect((await drill(t.drill.overdue)).items.map((i) => i.person)).to.deep.equal(['Eve Staff']);
  });

  it('the weekly digest carries the training outstanding, in the reader\'s language', async () => {
    const job = (await server.imsflow.store.listJobs({ status: 'scheduled' })).find((j) => j.kind === 'digest')!;
    clock.set(new Date(Math.max(Date.parse(job.runAt), clock.now().getTime())));
    await runDue();
    const mail = await latestDigest('sc-gus');
    expect(mail.text).to.include('Offene Schulungen, gelesen und verstanden (1, davon 1 überfällig)');
    expect(mail.text).to.include(`SOP-QA-0001 ${TITLE} Revision 1.0: 1 Person hat noch nicht bestätigt, 1 überfällig`);
    // Basel's digest has no Dublin lines
    expect((await latestDigest('sc-bea')).text).to.not.include('SOP-QA-0001');

    const training = (await server.imsflow.store.listTasks({ status: 'open', limit: 1000 })).filter((task) => task.definitionKey === 'training-acknowledgement');
    await complete('st-eve', training[0]!, { understood: true });
    expect((await dashboard()).training).to.include({ outstanding: 0, overdue: 0 });
  });

  it('the periodic review comes due within 60 days, then is overdue, named in the lists and in the digest', async () => {
    const record = await server.imsflow.store.getInstance(first.id);
    reviewDue = String(record!.output.reviewPlan?.due);
    clock.set(new Date(Date.parse(reviewDue) - 61 * DAY));
    await runDue();
    expect((await dashboard()).documents).to.include({ reviewsDueSoon: 0, reviewsOverdue: 0 });

    clock.set(new Date(Date.parse(reviewDue) - 59 * DAY));
    await runDue();
    let d = (await dashboard()).documents;
    expect(d).to.include({ reviewsDueSoon: 1, reviewsOverdue: 0 });
    expect((await drill(d.drill.reviewsDueSoon)).items.map((i) => [i.document, i.reviewDue])).to.deep.equal([[`SOP-QA-0001 ${TITLE}`, reviewDue]]);

    clock.set(new Date(Date.parse(reviewDue) + 3 * DAY + 60_000));
    await runDue();
    expect(await tasksOf(first.id, 'periodicReview')).to.have.length(1);
    d = (await dashboard()).documents;
    expect(d).to.include({ reviewsDueSoon: 0, reviewsOverdue: 1 });
    expect(d.bySite[0]).to.include({ site: 'dublin', reviewsOverdue: 1 });
    const overdue = await drill(d.drill.reviewsOverdue);
    expect(overdue.items.map((i) => [i.document, i.daysOverdue])).to.deep.equal([[`SOP-QA-0001 ${TITLE}`, 3]]);
    expect((await drill(d.bySite[0]!.drill)).items.map((i) => i.document)).to.deep.equal([`SOP-QA-0001 ${TITLE}`]);

    // the page and its list in the reader's words (German), from the pack's catalogue
    const headers = { cookie: `${SESSION_COOKIE}=${(await server.accounts.login('sc-gus@example.com', PASSWORD, 'test')).token}` };
    const page = await (await fetch(`${server.url}/dashboard`, { headers })).text();
    for (const words of ['Gelenkte Dokumente: periodische Überprüfungen und Änderungen', 'Periodische Überprüfungen überfällig', 'Offene Schulungen (gelesen und verstanden) je Dokument', 'Offene Bestätigungen']) expect(page).to.include(words);
    // the table by site names the site, not its key
    const bySite = /data-section="documents"[\s\S]*?<\/section>/.exec(page)![0];
    expect(bySite).to.match(/>Dublin</).and.not.match(/>dublin</);
    const list = await (await fetch(`${server.url}/dashboard/list?${d.drill.reviewsOverdue}`, { headers })).text();
    for (const words of ['Dokumente mit überfälliger periodischer Überprüfung', 'Überprüfung fällig', 'Dokument', `SOP-QA-0001 ${TITLE}`]) expect(list).to.include(words);
    const sections = (await dashboard()).sections;
    expect(sections.filter((s) => s.section === 'documents' || s.section === 'documentTraining').map((s) => [s.section, s.pack])).to.deep.equal([
      ['documents', undefined],
      ['documentTraining', 'document-control'],
    ]);

    const job = (await server.imsflow.store.listJobs({ status: 'scheduled' })).find((j) => j.kind === 'digest')!;
    clock.set(new Date(Math.max(Date.parse(job.runAt), clock.now().getTime())));
    await runDue();
    const latest = await latestDigest('sc-gus');
    expect(latest.text).to.include('Gelenkte Dokumente');
    expect(latest.text).to.match(new RegExp(`SOP-QA-0001 ${TITLE} Revision 1.0: Überprüfung überfällig seit`));
    expect(latest.text).to.not.include('Offene Schulungen');
    expect((await latestDigest('sc-bea')).text).to.not.include('SOP-QA-0001');
  });

  it('only the version in force is reviewed: the superseded one is off the list, whatever its own plan says', async () => {
    const [periodic] = await tasksOf(first.id, 'periodicReview');
    await complete('po-anna', periodic!, { decision: 'revise', revisionKind: 'minor', comment: 'Sporicidal agent added' });
    // the review is done (its next one planned two years on); the revision starts as a draft
    let d = (await dashboard()).documents;
    expect(d).to.include({ reviewsOverdue: 0 });
    const second = (await server.imsflow.store.listInstances({ key: 'document-control', limit: 10 })).find((r) => r.id !== first.id)!;
    const [draft] = await tasksOf(second.id, 'draft');
    await complete('po-anna', draft!, { file: await upload('po-anna', draft!) });
    const [review] = await tasksOf(second.id, 'review');
    await complete('qm-cara', review!, { decision: 'approve', comment: 'Fine' });
    const [approve] = await tasksOf(second.id, 'approve');
    await complete('qm-cara', approve!, { effectiveDate: day(clock.now()) }, true);
    clock.advance(DAY);
    await runDue();
    d = (await dashboard()).documents;
    expect(d).to.include({ reviewsOverdue: 0, reviewsDueSoon: 0, inReview: 0, awaitingApproval: 0, awaitingEffective: 0 });
    // two years on both versions' plans fall due within 60 days; only revision 1.1, in force, is counted
    clock.advance(2 * 365 * DAY - 30 * DAY);
    await runDue();
    d = (await dashboard()).documents;
    expect(d).to.include({ reviewsDueSoon: 1, reviewsOverdue: 0 });
    expect((await drill(d.drill.reviewsDueSoon)).items.map((i) => [i.document, i.revision])).to.deep.equal([[`SOP-QA-0001 ${TITLE}`, '1.1']]);
  });
});
