import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import type { Email } from 'postal-mime';
import { startServer, type RunningServer } from '../../../api/server.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import { screenshot, useBrowser } from '../../support/browser.js';
import { callWithToken } from '../../support/http.js';
import { userWithToken } from '../../support/operator.js';
import { TestSmtpServer } from '../../support/smtp.js';
import { docx } from './office-files.js';
import { pageTexts } from './pdf-read.js';

/**
 * Document control as its people live it, in headless Chromium against a listening server with real SMTP:
 * a process owner uploads the DOCX of a new SOP on her task page, two reviewers comment on theirs, a
 * quality manager signs the approval, a member of staff acknowledges it from the link emailed to him, and
 * the controlled copy downloaded from the document's page carries the stamp on every page.
 */

const PASSWORD = 'correct horse battery staple';
const PEOPLE = [
  { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'], sites: ['dublin'] },
  { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'], sites: ['dublin'] },
  { id: 'au-fay', name: 'Fay Auditor', roles: ['auditor'], sites: ['dublin'] },
  { id: 'st-dan', name: 'Dan Staff', roles: ['staff'], sites: ['dublin'] },
];
const TITLE = 'Cleaning and disinfection of the aseptic filling line';

describe('document control walked in Chromium: upload, review, signed approval, acknowledgement from an email, a stamped copy', function () {
  this.timeout(180_000);
  const chrome = useBrowser();
  let dir: string;
  let smtp: TestSmtpServer;
  let server: RunningServer;
  let clock: FakeClock;
  const tokens: Record<string, string> = {};
  let record: { id: string; businessKey: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-document-journey-'));
    smtp = await new TestSmtpServer().start();
    // the clock starts at the real now: timer dates are compared with it (engine/kernel/safe-elements.ts)
    clock = new FakeClock(new Date());
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, SMTP_URL: smtp.url, IMSFLOW_POLL_MS: '0', IMSFLOW_DIGEST: 'off', IMSFLOW_SITES: 'dublin=en-IE Europe/Dublin' }), { clock, logger: pino({ level: 'silent' }) });
    for (const person of PEOPLE) {
      tokens[person.id] = await userWithToken(server, person);
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'document journey');
    }
  });
  after(async () => {
    await server?.close();
    await smtp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const openTask = async (elementId: string, role?: string): Promise<TaskRecord> => {
    const tasks = (await server.imsflow.store.listTasks({ instanceId: record.id, status: 'open', limit: 100 })).filter((t) => t.elementId === elementId && (!role || t.candidateRole === role));
    expect(tasks, `an open ${elementId} task`).to.have.length(1);
    return tasks[0]!;
  };

  async function signedIn(email: string): Promise<{ page: Page; log: { errors: string[] } }> {
    const { page, log } = await chrome.newPage();
    await page.goto(`${server.url}/login?next=/inbox`);
    await page.getByLabel(/^(Email|E-Mail)$/).fill(email);
    await page.getByLabel(/^(Password|Passwort)$/).fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/inbox'), page.locator('main button[type=submit]').click()]);
    return { page, log };
  }

  /** Opens the task from the person's inbox by its title, as they would. */
  async function fromInbox(page: Page, name: RegExp): Promise<void> {
    await Promise.all([page.waitForURL(/\/tasks\//), page.getByRole('link', { name }).first().click()]);
  }

  /** Submits the task form; the task page then says it is done. */
  async function completes(page: Page, button: RegExp = /^Complete task$/): Promise<void> {
    await page.getByRole('button', { name: button }).click();
    await page.getByText(/^You completed “/).waitFor();
  }

  /** Runs due jobs until the email to `to` whose subject matches arrives. */
  async function emailTo(to: string, subject: RegExp): Promise<Email> {
    for (;;) {
      await server.scheduler.runDue();
      const found = smtp.received.find((e) => e.to?.some((a) => a.address === to) && subject.test(e.subject ?? ''));
      if (found) return found;
      await smtp.waitFor(smtp.received.length + 1);
    }
  }

  it('the process owner uploads the DOCX on her task page', async () => {
    const started = await callWithToken(server.url, tokens['po-anna']!, 'POST', '/api/processes/document-control/instances', {
      variables: { title: TITLE, type: 'sop', area: 'QA', revisionKind: 'major', sites: 'dublin', owner: 'po-anna', changeSummary: 'First issue', reason: 'New sporicidal agent', reviewerRoles: 'auditor, quality-manager', trainingRoles: 'staff' },
      site: 'dublin',
    });
    expect(started.status, started.text).to.equal(201);
    record = started.json;

    const { page, log } = await signedIn('po-anna@example.com');
    await fromInbox(page, /SOP-QA-0001/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal(`Write revision 1.0 of SOP-QA-0001 ${TITLE}`);
    const file = join(dir, 'SOP-QA-0001 cleaning.docx');
    writeFileSync(file, docx(['1 Purpose', 'This procedure describes the cleaning and disinfection of the aseptic filling line.', '2 Scope', 'Filling line 1 in grade A/B areas.']));
    // the field takes the kinds its BPMN accepts (ims:accept), and says so
    expect(await page.getByText(/^PDF, Word \(\.docx\), OpenDocument text \(\.odt\) or Excel \(\.xlsx\); at most 10 MiB\.$/).count()).to.equal(1);
    expect(await page.getByLabel(/^Document file/).getAttribute('accept')).to.not.include('image/png');
    await page.getByLabel(/^Document file/).setInputFiles(file);
    await page.getByLabel('Notes for the reviewers').fill('The sporicidal agent changes in section 5.');
    await screenshot(page, 'document draft task');
    await completes(page);
    expect(log.errors).to.deep.equal([]);
    const draft = (await server.imsflow.store.listTasks({ instanceId: record.id, limit: 100 })).find((t) => t.elementId === 'draft')!;
    expect(draft).to.include({ status: 'completed', completedBy: 'po-anna' });
    expect((draft.data as { file: { name: string } }).file.name).to.equal('SOP-QA-0001 cleaning.docx');
  });

  it('two reviewers comment on their review tasks', async () => {
    for (const [email, role, comment] of [
      ['au-fay@example.com', 'auditor', 'Clear; the contact time is stated.'],
      ['qm-cara@example.com', 'quality-manager', 'Agreed; matches the validation report.'],
    ] as const) {
      const task = await openTask('review', role);
      const { page, log } = await signedIn(email);
      await page.goto(`${server.url}/tasks/${task.id}`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal(`Review revision 1.0 of SOP-QA-0001 ${TITLE}`);
      await page.getByLabel(/^Decision/).selectOption({ label: 'Approve' });
      await page.getByLabel(/^Comments/).fill(comment);
      if (role === 'auditor') await screenshot(page, 'document review task');
      await completes(page);
      expect(log.errors).to.deep.equal([]);
    }
    const reviews = (await server.imsflow.store.listTasks({ instanceId: record.id, limit: 100 })).filter((t) => t.elementId === 'review');
    expect(reviews.map((t) => [t.completedBy, (t.data as { comment: string }).comment]).sort()).to.deep.equal([
      ['au-fay', 'Clear; the contact time is stated.'],
      ['qm-cara', 'Agreed; matches the validation report.'],
    ]);
  });

  it('a quality manager signs the approval with the effective date', async () => {
    const task = await openTask('approve');
    const { page, log } = await signedIn('qm-cara@example.com');
    await page.goto(`${server.url}/tasks/${task.id}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal(`Approve revision 1.0 of SOP-QA-0001 ${TITLE}`);
    await page.getByLabel(/^Effective from/).fill(clock.now().toISOString().slice(0, 10));
    await page.getByLabel(/^Comments/).fill('Approved for use.');
    await page.getByLabel('Your email (user id)').fill('qm-cara@example.com');
    await page.getByLabel('Your password').fill(PASSWORD);
    await screenshot(page, 'document approval with signature');
    await completes(page, /^Sign and complete task$/);
    expect(log.errors).to.deep.equal([]);
    const signed = await server.imsflow.store.listTasks({ instanceId: record.id, limit: 100 });
    expect(signed.find((t) => t.elementId === 'approve')).to.include({ status: 'completed', completedBy: 'qm-cara' });
  });

  it('a member of staff acknowledges it from the link emailed to him', async () => {
    const email = await emailTo('st-dan@example.com', /Read and understood: SOP-QA-0001/);
    const link = /https?:\/\/\S+\/t\/\S+/.exec(email.text ?? '')?.[0];
    expect(link, email.text).to.be.a('string');
    const { page, log } = await chrome.newPage();
    expect((await page.goto(link!))?.status()).to.equal(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.match(/^Read and understood: SOP-QA-0001/);
    await page.getByLabel(/^I have read and understood/).check();
    await screenshot(page, 'document acknowledgement from the email link');
    await page.getByRole('button', { name: /^Complete task$/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Thank you' }).waitFor();
    expect(log.errors).to.deep.equal([]);
    const trainings = await server.imsflow.store.listInstances({ key: 'training-acknowledgement', limit: 100 });
    expect(trainings.map((t) => [t.variables.user, t.status])).to.deep.include(['st-dan', 'completed']);
  });

  it('on its effective date the SOP is in force, and the copy downloaded from its page carries the stamp on every page', async () => {
    await server.scheduler.runDue(); // the effective date is today: its timer is due
    const { page, log } = await signedIn('st-dan@example.com');
    await Promise.all([page.waitForURL((url) => url.pathname === '/documents'), page.getByRole('link', { name: 'Documents', exact: true }).first().click()]);
    await Promise.all([page.waitForURL((url) => url.pathname === '/documents/SOP-QA-0001'), page.getByRole('link', { name: 'SOP-QA-0001' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal(`SOP-QA-0001 ${TITLE}`);
    await screenshot(page, 'document page for staff');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /SOP-QA-0001 revision 1\.0 \(PDF\)/ }).first().click()]);
    expect(download.suggestedFilename()).to.equal('SOP-QA-0001-1.0-effective.pdf');
    const pages = await pageTexts(new Uint8Array(readFileSync((await download.path())!)));
    expect(pages.length).to.be.at.least(1);
    for (const text of pages) {
      expect(text).to.contain('SOP-QA-0001').and.contain('1.0').and.contain('Cara Quality');
      expect(text).to.match(/Uncontrolled when printed/i);
      expect(text).to.match(/Effective/);
    }
    // the Word document's own words, turned into PDF by LibreOffice under the stamp
    expect(pages.join(' ')).to.contain('cleaning and disinfection of the aseptic filling line');
    expect(log.errors).to.deep.equal([]);
  });
});
