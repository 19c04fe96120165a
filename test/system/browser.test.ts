import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Email } from 'postal-mime';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../api/server.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import type { TaskRecord } from '../../engine/kernel/model.js';
import type { SignatureView } from '../../engine/features/signatures/index.js';
import { shippedCatalogue } from '../../processes/index.js';
import { loadConfig } from '../../engine/boot/config.js';
import { fixtureBpmn } from '../helpers.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { http, JSON_BODY, XML_BODY } from '../support/http.js';
import { signInOperator } from '../support/operator.js';
import { TestSmtpServer } from '../support/smtp.js';

/**
 * What a person does in a real browser (headless Chromium): opens the task link from an email that a real
 * SMTP server received, completes the form with the mouse, with the keyboard alone and on a phone, and sees
 * the process diagram of a record. The server listens on SQLite with a fake clock; jobs run with runDue().
 * Assertions are on behaviour; each test also saves a screenshot (path printed when it fails).
 */

const PASSWORD = 'a long enough passphrase for tests';

// Functions given to page.evaluate() run in the page: these are the browser globals they use (the
// project's TypeScript library is Node's, without the DOM; declared here, they stay in this file).
declare const window: { innerWidth: number };
declare const document: { activeElement: any; body: any; documentElement: { scrollWidth: number }; querySelectorAll(selector: string): Iterable<any>; getElementById(id: string): any };
declare function getComputedStyle(element: any): { fontSize: string; stroke: string };

function addressOf(email: Email): string {
  const [to] = email.to ?? [];
  return to && 'address' in to ? String(to.address) : '';
}

function linkIn(email: Email): string {
  const link = /Open the task: (\S+)/.exec(email.text ?? '')?.[1];
  expect(link, `no link in: ${email.text}`).to.be.a('string');
  return link!;
}

/** The id of the focused element, or its tag when it has none. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return !el || el === document.body ? 'body' : el.id || el.tagName.toLowerCase();
  });
}

/** Where focus is: the element's id (or tag) and text, and whether it is a link. */
interface Focus {
  id: string;
  link: boolean;
  text: string;
}

/**
 * Presses Tab from where focus is until the form's submit button has focus, and returns every stop on
 * the way, in order (the button last); `at` runs keys at some stops on the way (by element id). Fails
 * after `max` presses.
 */
async function tabToSubmit(page: Page, at: Record<string, () => Promise<void>> = {}, max = 25): Promise<Focus[]> {
  const stops: Focus[] = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      const id = !el || el === document.body ? 'body' : el.id || el.tagName.toLowerCase();
      return { id, link: el?.tagName === 'A', text: (el?.textContent ?? '').trim(), submit: el?.tagName === 'BUTTON' && el.type === 'submit' };
    });
    stops.push({ id: stop.id, link: stop.link, text: stop.text });
    if (stop.submit) return stops;
    await at[stop.id]?.();
  }
  throw new Error(`no submit button after ${max} presses of Tab: ${stops.map((s) => s.id).join(' → ')}`);
}

/**
 * The fields come in form order, one after another, then the button; before them only links (a skip link,
 * the links of an error summary) may take focus.
 */
function expectFieldsInOrder(stops: Focus[], fields: string[], button: string): void {
  const first = stops.findIndex((stop) => stop.id === fields[0]);
  expect(first, `focus never reached ${fields[0]}: ${stops.map((s) => s.id).join(' → ')}`).to.be.at.least(0);
  expect(stops.slice(first).map((stop) => stop.id)).to.deep.equal([...fields, stops[stops.length - 1].id]);
  expect(stops[stops.length - 1].text).to.equal(button);
  expect(stops.slice(0, first).filter((stop) => !stop.link), 'focus stops before the first field').to.deep.equal([]);
}

/** The text a screen reader gives as an element's description: its aria-describedby targets' text. */
function descriptionOf(page: Page, selector: string): Promise<string> {
  return page.locator(selector).evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id: string) => document.getElementById(id)?.textContent?.trim() ?? '')
      .join(' '),
  );
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * A small valid PDF (one page saying `text`): header, five objects, a cross-reference table whose offsets
 * point at the objects, trailer and end-of-file marker. ASCII only, so string length is byte length.
 */
function tinyPdf(text: string): Buffer {
  const content = `BT /F1 18 Tf 24 60 Td (${text.replace(/[\\()]/g, '\\$&')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/** Does `act` (a click, a tap, a key) that posts the form; resolves with the status once the answer page has loaded. */
async function submits(page: Page, act: () => Promise<void>): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
    page.waitForEvent('load'),
    act(),
  ]);
  return response.status();
}

describe('browser: task pages opened from emails (headless Chromium, real SMTP, listening server)', function () {
  this.timeout(60_000);
  const chrome = useBrowser();
  let dir: string;
  let smtp: TestSmtpServer;
  let server: RunningServer;
  const api = (path: string) => `${server.url}/api${path}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-browser-'));
    smtp = await new TestSmtpServer().start();
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, SMTP_URL: smtp.url }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    const users = [
      { id: 'qm1', email: 'quinn@example.com', name: 'Quinn Manager', roles: ['quality-manager'] },
      { id: 'bob', email: 'bob@example.com', name: 'Bob Owner', roles: ['production'] },
      { id: 'aud', email: 'audrey@example.com', name: 'Audrey Auditor', roles: ['auditor'] },
    ];
    for (const { id, ...user } of users) expect((await http('PUT', api(`/users/${id}`), user)).status).to.equal(200);
    for (const id of ['qm1', 'aud']) await server.accounts.setPassword(id, PASSWORD, 'test-setup', 'browser tests');
  });
  after(async () => {
    await server?.close();
    await smtp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs due jobs and returns the one email about `businessKey` to `to` that arrived since `from`. */
  async function emailTo(to: string, businessKey: string, from: number, subject: RegExp): Promise<Email> {
    for (;;) {
      await server.scheduler.runDue();
      const found = smtp.received.slice(from).find((e) => addressOf(e) === to && e.subject?.includes(`(${businessKey}`) && subject.test(e.subject));
      if (found) return found;
      await smtp.waitFor(smtp.received.length + 1);
    }
  }

  /** Starts a process and returns the first task and the link emailed to quinn. */
  async function started(processKey: string, variables: Record<string, unknown> = {}): Promise<{ task: TaskRecord; link: string; businessKey: string }> {
    const from = smtp.received.length;
    const reply = await http('POST', api(`/processes/${processKey}/instances`), { variables });
    expect(reply.status, reply.text).to.equal(201);
    const [task] = (await http('GET', api(`/tasks?instance=${reply.json.id}&status=open`))).json.items as TaskRecord[];
    const email = await emailTo('quinn@example.com', reply.json.businessKey, from, /^New task: /);
    return { task, link: linkIn(email), businessKey: reply.json.businessKey };
  }

  it('completes a task from its email link, and the next task\'s email arrives', async () => {
    const { task, link, businessKey } = await started('nonconformity', { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' });
    const { page, log } = await chrome.newPage();

    const opened = await page.goto(link);
    expect(opened?.status()).to.equal(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Assess and contain');
    expect(await page.title()).to.match(/^Assess and contain/);
    expect(await page.locator('main').textContent()).to.include(businessKey);

    // by the labels a person reads: each field is labelled
    await page.getByLabel('Severity').selectOption('major');
    await page.getByLabel('Containment and correction taken').fill('Lot 12 quarantined and relabelled');
    await page.getByLabel('A corrective action is needed').check();
    const from = smtp.received.length;
    expect(await submits(page, () => page.getByRole('button', { name: 'Complete task' }).click())).to.equal(200);

    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Thank you');
    const confirmation = await page.locator('main').textContent();
    expect(confirmation).to.include(`“Assess and contain” for ${businessKey} · Scratched vial, lot 12 is complete.`);
    expect(confirmation).to.include('the next step has started');
    expect(confirmation).to.include('Take corrective action');
    await screenshot(page, 'task page confirmation');

    const done = (await http('GET', api(`/tasks/${task.id}`))).json as TaskRecord;
    expect(done).to.include({ status: 'completed', completedBy: 'qm1' });
    expect(done.data).to.deep.equal({ severity: 'major', containment: 'Lot 12 quarantined and relabelled', actionNeeded: true });

    // the next task goes to bob, whose link opens his form in the browser
    const next = await emailTo('bob@example.com', businessKey, from, /^New task: Take corrective action/);
    await page.goto(linkIn(next));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Take corrective action');
    for (const label of ['Root cause', 'Action taken', 'Completed on']) expect(await page.getByLabel(label).count()).to.equal(1);
    expect(log.errors).to.deep.equal([]);
  });

  it('completes a form with the keyboard alone, with errors announced next to their field', async () => {
    const xml = fixtureBpmn('quarantine-check');
    expect((await http('POST', api('/definitions'), xml, XML_BODY)).status).to.equal(201);
    const { task, link } = await started('quarantine-check');
    const { page, log } = await chrome.newPage();
    await page.goto(link);
    const order = ['f-lot', 'f-result', 'f-notes', 'f-confirmed'];

    // Tab from the top of the page visits the fields in order, then the button
    expect(await focused(page)).to.equal('body');
    expectFieldsInOrder(await tabToSubmit(page), order, 'Complete task');

    // Enter with the required fields empty: the browser keeps the form (nothing is sent) and takes focus to the first one
    let posts = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST') posts += 1;
    });
    await page.keyboard.press('Enter');
    expect(await focused(page)).to.equal('f-lot');
    expect(posts).to.equal(0);
    expect(await page.locator('#f-lot').evaluate((el) => (el as unknown as { validationMessage: string }).validationMessage)).to.not.equal('');

    // fill in by typing; the required confirmation is left unticked, which only the server checks
    await page.keyboard.type('LOT-2026-117');
    await page.keyboard.press('Tab');
    await page.keyboard.type('P'); // type-ahead in a closed select picks "Passed"
    await page.keyboard.press('Tab');
    await page.keyboard.type('Labels checked on all 12 pallets.');
    await page.keyboard.press('Tab');
    expect(await focused(page)).to.equal('f-confirmed');
    await page.keyboard.press('Tab');
    expect(await submits(page, () => page.keyboard.press('Enter'))).to.equal(400);

    // the error is announced (an alert says how many), is the field's description, and sits next to it
    const message = 'I confirm the lot is labelled and segregated: tick the box to go on.';
    const summary = page.getByRole('alert').filter({ hasText: 'Please correct 1 field.' });
    expect(await summary.count()).to.equal(1);
    expect(await summary.textContent()).to.include(message);
    const field = page.locator('#f-confirmed');
    expect(await field.getAttribute('aria-invalid')).to.equal('true');
    expect(await descriptionOf(page, '#f-confirmed')).to.equal(message);
    const besideField = await field.evaluate((el) => {
      const error = (el.getAttribute('aria-describedby') ?? '').split(/\s+/).map((id: string) => document.getElementById(id)).find((x: any) => x);
      return Boolean(error) && error.closest('.usa-form-group') === el.closest('.usa-form-group');
    });
    expect(besideField, 'the error is in the same field block as the checkbox').to.equal(true);
    // the other answers were kept
    expect(await page.locator('#f-lot').inputValue()).to.equal('LOT-2026-117');
    expect(await page.locator('#f-result').inputValue()).to.equal('pass');
    expect(await page.locator('#f-notes').inputValue()).to.equal('Labels checked on all 12 pallets.');
    await screenshot(page, 'keyboard form with an error');

    // again from the top: same order (the summary's links may come first); Space ticks the box on the way,
    // Enter on the button sends
    const again = await tabToSubmit(page, { 'f-confirmed': () => page.keyboard.press('Space') });
    expectFieldsInOrder(again, order, 'Complete task');
    expect(await field.isChecked()).to.equal(true);
    expect(await submits(page, () => page.keyboard.press('Enter'))).to.equal(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Thank you');

    const done = (await http('GET', api(`/tasks/${task.id}`))).json as TaskRecord;
    expect(done).to.include({ status: 'completed', completedBy: 'qm1' });
    expect(done.data).to.deep.equal({ lot: 'LOT-2026-117', result: 'pass', notes: 'Labels checked on all 12 pallets.', confirmed: true });
    expect(log.errors).to.deep.equal([]);
  });

  it('is usable on a phone (390×844) and completed with taps', async () => {
    const { task, link } = await started('nonconformity', { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' });
    const { page } = await chrome.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await page.goto(link);

    const layout = () =>
      page.evaluate(() => ({
        viewport: window.innerWidth,
        scrollWidth: document.documentElement.scrollWidth,
        outside: [...document.querySelectorAll('h1, p, label, input, select, textarea, button')]
          .filter((el) => {
            const box = el.getBoundingClientRect();
            return box.left < 0 || box.right > window.innerWidth;
          })
          .map((el) => el.id || el.tagName.toLowerCase()),
      }));
    // the page is laid out for the phone's width (its meta viewport is honoured), not a zoomed-out desktop page
    let seen = await layout();
    expect(seen.viewport).to.equal(390);
    expect(seen.scrollWidth, 'horizontal scroll').to.be.at.most(390);
    expect(seen.outside).to.deep.equal([]);
    expect(await page.locator('#f-containment').evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).to.be.at.least(13);

    await page.getByLabel('Severity').selectOption('minor');
    await page.getByLabel('Containment and correction taken').fill('Sorted 400 parts; 3 rejects scrapped. '.repeat(8));
    seen = await layout();
    expect(seen.scrollWidth, 'horizontal scroll after typing').to.be.at.most(390);
    await screenshot(page, 'task page on a phone');
    // a thumb-sized button (44 CSS px high at least)
    expect((await page.getByRole('button', { name: 'Complete task' }).boundingBox())!.height).to.be.at.least(44);
    await page.getByLabel('A corrective action is needed').tap();
    expect(await submits(page, () => page.getByRole('button', { name: 'Complete task' }).tap())).to.equal(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Thank you');
    seen = await layout();
    expect(seen.scrollWidth, 'horizontal scroll on the confirmation').to.be.at.most(390);
    expect(seen.outside).to.deep.equal([]);
    expect((await http('GET', api(`/tasks/${task.id}`))).json).to.include({ status: 'completed', completedBy: 'qm1' });
  });

  it('from the email link, attaches a PDF and submits; the record offers the same file', async () => {
    const xml = fixtureBpmn('incoming-inspection');
    expect((await http('POST', api('/definitions'), xml, XML_BODY)).status).to.equal(201);
    const { task, link, businessKey } = await started('incoming-inspection');
    // a real file on disk, chosen as a person would: Chromium reads it and types it by its extension
    const bytes = tinyPdf(`Inspection report ${businessKey}`);
    const file = join(dir, 'inspection report.pdf');
    writeFileSync(file, bytes);
    const { page, log } = await chrome.newPage();

    expect((await page.goto(link))?.status()).to.equal(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Record the incoming inspection');
    const input = page.getByLabel('Inspection report');
    expect(await input.getAttribute('type')).to.equal('file');
    expect(await input.getAttribute('required')).to.not.equal(null);
    expect(await input.getAttribute('accept')).to.include('application/pdf');
    expect(await page.locator('form').getAttribute('enctype')).to.equal('multipart/form-data');
    await input.setInputFiles(file);
    expect(await input.evaluate((el) => [...(el as any).files].map((f: { name: string; type: string; size: number }) => [f.name, f.type, f.size]))).to.deep.equal([
      ['inspection report.pdf', 'application/pdf', bytes.length],
    ]);
    await page.getByLabel('Summary').fill('Certificate of conformity matches the delivery note');
    const from = smtp.received.length;
    expect(await submits(page, () => page.getByRole('button', { name: 'Complete task' }).click())).to.equal(200);

    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Thank you');
    const confirmation = await page.locator('main').textContent();
    expect(confirmation).to.include(`“Record the incoming inspection” for ${businessKey} is complete.`);
    expect(confirmation).to.include('the next step has started');
    expect(confirmation).to.include('“Review the inspection report”, for Bob Owner');
    await screenshot(page, 'attachment form confirmation');
    expect(log.errors).to.deep.equal([]);

    // the next task's email reaches its holder, with a link that opens it
    const next = await emailTo('bob@example.com', businessKey, from, /^New task: Review the inspection report/);
    expect(linkIn(next)).to.match(new RegExp(`^${server.url}/t/`));

    // what was stored is exactly what was chosen: the reference in the record, the file by its SHA-256, the upload audited
    const expected = { sha256: sha256(bytes), name: 'inspection report.pdf', size: bytes.length, contentType: 'application/pdf' };
    const record = (await http('GET', api(`/instances/${task.instanceId}`))).json as { tasks: TaskRecord[] };
    const inspected = record.tasks.find((t) => t.id === task.id)!;
    expect(inspected).to.include({ status: 'completed', completedBy: 'qm1' });
    expect(inspected.data).to.deep.equal({ report: expected, summary: 'Certificate of conformity matches the delivery note' });
    expect(sha256(readFileSync(join(dir, 'attachments', expected.sha256)))).to.equal(expected.sha256);
    const uploaded = (await server.imsflow.store.listAudit({ target: `attachment:${expected.sha256}` })).filter((event) => event.action === 'attachment.uploaded');
    expect(uploaded.map((event) => [event.actor, event.instanceId])).to.deep.equal([['qm1', task.instanceId]]);

    // an overseer who had no part in the record finds it on the record page, and downloads the same bytes
    const auditor = await chrome.newPage();
    expect((await auditor.context.request.post(api('/session'), { data: { email: 'audrey@example.com', password: PASSWORD } })).status()).to.equal(200);
    expect((await auditor.page.goto(`${server.url}/records/${task.instanceId}`))?.status()).to.equal(200);
    const entered = auditor.page.getByRole('region', { name: 'Record the incoming inspection' });
    const download = entered.getByRole('link', { name: 'inspection report.pdf' });
    expect(await download.getAttribute('href')).to.equal(`/attachments/${expected.sha256}`);
    expect(await download.getAttribute('download')).to.not.equal(null);
    expect(await entered.textContent()).to.include(`(${bytes.length} bytes, application/pdf)`);
    const [saved] = await Promise.all([auditor.page.waitForEvent('download'), download.click()]);
    expect(saved.suggestedFilename()).to.equal('inspection report.pdf');
    expect(sha256(readFileSync(await saved.path()))).to.equal(expected.sha256);
    await screenshot(auditor.page, 'record page with the attachment');
    expect(auditor.log.errors).to.deep.equal([]);
  });

  it('picks two clauses in the clause picker and sees them on the record page', async () => {
    const xml = fixtureBpmn('audit-scope');
    expect((await http('POST', api('/definitions'), xml, XML_BODY)).status).to.equal(201);
    const { task } = await started('audit-scope');
    const { context, page, log } = await chrome.newPage();
    expect((await context.request.post(api('/session'), { data: { email: 'quinn@example.com', password: PASSWORD } })).status()).to.equal(200);
    expect((await page.goto(`${server.url}/tasks/${task.id}`))?.status()).to.equal(200);

    // one group for the field, a group per chapter whose heading is a checkbox too
    const picker = page.getByRole('group', { name: 'Audit criteria (required)' });
    expect(await picker.getByRole('checkbox').count()).to.equal(shippedCatalogue().records.length);
    const operation = picker.getByRole('group', { name: /^8 Operation/ });
    expect(await operation.getByRole('checkbox', { name: /^8 Operation/ }).count()).to.equal(1);
    expect(await operation.getByRole('checkbox', { name: /^8\.1 Operational planning and control/ }).count()).to.equal(1);
    // the standards a clause applies to are read with it
    expect(await page.getByRole('checkbox', { name: '8.4 Control of externally provided processes, products and services ISO 9001' }).count()).to.equal(1);

    await page.getByLabel('7.5.3 Control of documented information').check();
    await page.getByLabel('8.4 Control of externally provided processes').check();
    await screenshot(page, 'clause picker');
    expect(await submits(page, () => page.getByRole('button', { name: 'Complete task' }).click())).to.equal(303);
    expect(await page.locator('main').textContent()).to.include(`You completed “Set the audit scope”`);
    expect(((await http('GET', api(`/tasks/${task.id}`))).json as TaskRecord).data).to.deep.equal({ criteria: ['7.5.3', '9001:8.4'] });

    await Promise.all([page.waitForURL(`${server.url}/records/${task.instanceId}`), page.getByRole('link', { name: 'See the record' }).click()]);
    const entered = page.getByRole('region', { name: 'Set the audit scope' });
    expect(await entered.getByRole('listitem').allTextContents()).to.deep.equal(['7.5.3 Control of documented information', '8.4 Control of externally provided processes, products and services (ISO 9001)']);
    await screenshot(page, 'record page with clauses');
    expect(log.errors).to.deep.equal([]);
  });

  it('a signature task asks for the password and shows the manifestation afterwards', async () => {
    // the shipped nonconformity process, walked to `verify` through the API by the holders of its tasks
    const { task: assess, businessKey } = await started('nonconformity', { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' });
    const tokenOf = async (id: string) => ({ ...JSON_BODY, authorization: `Bearer ${(await server.accounts.createApiToken(id, 'browser tests', 'test-setup')).token}` });
    const open = async () => (await http('GET', api(`/tasks?instance=${assess.instanceId}&status=open`))).json.items as TaskRecord[];
    const asQuinn = await tokenOf('qm1');
    let reply = await http('POST', api(`/tasks/${assess.id}/complete`), { data: { severity: 'major', containment: 'Lot 12 quarantined', actionNeeded: true } }, asQuinn);
    expect(reply.status, reply.text).to.equal(200);
    const [act] = await open();
    expect(act).to.include({ elementId: 'act', assignee: 'bob' });
    const from = smtp.received.length;
    reply = await http('POST', api(`/tasks/${act.id}/complete`), { data: { cause: 'Worn die', actionTaken: 'Die replaced', completedOn: '2026-05-03' } }, await tokenOf('bob'));
    expect(reply.status, reply.text).to.equal(200);
    const [verify] = await open();
    expect(verify).to.include({ elementId: 'verify', signature: 'verified', candidateRole: 'quality-manager' });
    // the quality manager is told, as for every task
    const link = linkIn(await emailTo('quinn@example.com', businessKey, from, /^New task: Verify effectiveness/));

    // signed out, the task page sends her to sign in, and back to the task afterwards
    const { page, log } = await chrome.newPage();
    await page.goto(`${server.url}/tasks/${verify.id}`);
    expect(new URL(page.url()).pathname).to.equal('/login');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Sign in');
    await page.getByLabel('Email').fill('quinn@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL(`${server.url}/tasks/${verify.id}`), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Verify effectiveness');
    expect(await page.locator('header').textContent()).to.include('Signed in as Quinn Manager');

    // what signing means, in words, read with the password field; the first signing of the session asks for the email too
    const statement = `By signing you confirm you verified “Verify effectiveness” for ${businessKey} · Scratched vial, lot 12, with the data entered here.`;
    const signature = page.getByRole('group', { name: 'Electronic signature: Verified' });
    expect(await signature.textContent()).to.include(statement);
    const password = page.getByLabel('Your password');
    const email = page.getByLabel('Your email (user id)');
    expect(await password.getAttribute('type')).to.equal('password');
    expect(await email.getAttribute('type')).to.equal('email');
    expect(await descriptionOf(page, '#s-password')).to.equal(statement);
    expect(await page.getByRole('button', { name: 'Sign and complete task' }).count()).to.equal(1);

    await page.getByLabel('The action was effective').selectOption('yes');
    await page.getByLabel('Evidence of effectiveness').fill('No recurrence in 3 lots after the die was replaced');
    await email.fill('quinn@example.com');
    await password.fill('not the right password');
    expect(await submits(page, () => page.getByRole('button', { name: 'Sign and complete task' }).click())).to.equal(401);

    // refused: said next to the password field, which is its description and is marked invalid; nothing is signed
    const refusal = 'Not signed: the password is wrong. Nothing was saved.';
    expect(await page.getByRole('alert').first().textContent()).to.include(refusal);
    expect(await password.getAttribute('aria-invalid')).to.equal('true');
    expect(await descriptionOf(page, '#s-password')).to.equal(`${refusal} ${statement}`);
    const besidePassword = await password.evaluate((el) => {
      const error = document.getElementById((el.getAttribute('aria-describedby') ?? '').split(/\s+/)[0]);
      return Boolean(error) && error.parentElement === el.parentElement;
    });
    expect(besidePassword, 'the error is in the password field\'s block').to.equal(true);
    expect(await password.inputValue(), 'the password is never filled in again').to.equal('');
    expect(await email.inputValue()).to.equal('quinn@example.com');
    expect(await page.getByLabel('Evidence of effectiveness').inputValue()).to.equal('No recurrence in 3 lots after the die was replaced');
    await screenshot(page, 'signature refused');
    expect((await http('GET', api(`/tasks/${verify.id}`))).json).to.include({ status: 'open' });
    expect(await server.imsflow.store.listSignatures({ taskId: verify.id })).to.deep.equal([]);

    // the right password signs and completes; the page shows the signature: printed name, meaning, UTC time
    await password.fill(PASSWORD);
    expect(await submits(page, () => page.getByRole('button', { name: 'Sign and complete task' }).click())).to.equal(303);
    expect(new URL(page.url()).pathname).to.equal(`/tasks/${verify.id}`);
    const [signed] = await server.imsflow.store.listSignatures({ taskId: verify.id });
    expect(signed).to.include({ userId: 'qm1', printedName: 'Quinn Manager', meaning: 'verified', timeZone: 'UTC', method: 'password+userid' });
    const time = `${signed.signedAt.slice(0, 19).replace('T', ' ')} UTC`;
    expect(time).to.equal('2026-05-04 07:00:00 UTC');
    const done = await page.locator('main').textContent();
    // on the reader's clock (UTC, the installation's zone here), in words: no ISO timestamp, no "UTC"
    expect(done).to.match(new RegExp(`You completed “Verify effectiveness” for ${businessKey}( · [^]*?)? on 4 May 2026, 07:00\\.`));
    expect(done).to.include('The process is complete.');
    const shown = page.getByRole('region', { name: 'Signed electronically' });
    const facts = await shown.locator('dt, dd').allTextContents();
    expect(facts.slice(0, 5)).to.deep.equal(['Signed by', 'Quinn Manager', 'Meaning', 'Verified', 'Date and time']);
    // on the signer's clock (the one signature component, components/Signature.tsx), its zone named
    expect(facts[5]).to.match(/^4 May 2026 at 07:00:00 (UTC|.+ \(.+\))$/);
    expect(await shown.textContent()).to.include('Verified by Quinn Manager on 4 May 2026 at 07:00:00');
    await screenshot(page, 'signature confirmation');

    // the record page shows the manifestation, checked against the record as it is now
    await Promise.all([page.waitForURL(`${server.url}/records/${assess.instanceId}`), page.getByRole('link', { name: 'See the record' }).click()]);
    const verified = page.getByRole('region', { name: 'Verify effectiveness' });
    // on the record page the manifestation reads in the reader's words, the time on their clock with its zone named
    expect(await verified.locator('.signed').textContent()).to.match(/^Signed electronically: Verified by Quinn Manager on 4 May 2026, 07:00 \([^)]+\)\. The signature matches the record\.$/);
    await screenshot(page, 'record page with the signature');
    const views = (await http('GET', api(`/instances/${assess.instanceId}`))).json.signatures as SignatureView[];
    expect(views.map((view) => [view.taskId, view.valid, view.manifestation.text])).to.deep.equal([[verify.id, true, `Verified by Quinn Manager on ${time}`]]);
    // and the link in her email no longer opens the signed task
    expect((await page.goto(link))?.status()).to.equal(410);
    expect(log.errors).to.deep.equal([]);
  });
});

/** A minimal page with the record page's diagram placeholder and the viewer's CSS and script. */
function recordPage(title: string, bpmnUrl: string, active: string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · imsflow</title><link rel="stylesheet" href="/assets/viewer.css"></head>
<body><main><h1>${title}</h1><div id="diagram" data-bpmn-url="${bpmnUrl}" data-active="${active.join(',')}"></div></main>
<script src="/assets/viewer.js" defer></script></body></html>`;
}

describe('record pages: the process diagram (bpmn-js viewer, served from /assets/)', function () {
  this.timeout(60_000);
  let dir: string;
  let server: RunningServer;
  const api = (path: string) => `${server.url}/api${path}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-viewer-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }) });
    await signInOperator(server);
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves /assets/viewer.js and /assets/viewer.css from memory, minified, revalidated by ETag', async () => {
    const js = await fetch(`${server.url}/assets/viewer.js`);
    expect(js.status).to.equal(200);
    expect(js.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).to.equal('no-cache');
    expect(js.headers.get('x-content-type-options')).to.equal('nosniff');
    const etag = js.headers.get('etag');
    expect(etag).to.match(/^"[\w-]+"$/);
    const body = await js.text();
    expect(body).to.include('bjs-powered-by'); // bpmn-js, with its watermark
    // the budget: the viewer alone, not the modeler; a jump means something heavy came along
    expect(body.length).to.be.within(100_000, 400_000);
    expect(body.split('\n').length, 'minified').to.be.below(200);
    // as a browser revalidates (fetch() itself would add `cache-control: no-cache`, which forbids a 304)
    const again = await fetch(`${server.url}/assets/viewer.js`, { headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' } });
    expect(again.status).to.equal(304);

    const css = await fetch(`${server.url}/assets/viewer.css`);
    expect(css.status).to.equal(200);
    expect(css.headers.get('content-type')).to.equal('text/css; charset=utf-8');
    const styles = await css.text();
    expect(styles).to.include('.ims-active');
    expect(styles).to.include('.djs-container'); // diagram-js's own styles are in it
    expect((await fetch(`${server.url}/assets/nothing.js`)).status).to.equal(404);
  });

  describe('in a browser', () => {
    const chrome = useBrowser();
    let instance: { id: string; key: string; version: number; businessKey: string };

    before(async () => {
      await server.imsflow.saveUser({ id: 'qm1', email: 'quinn@example.com', name: 'Quinn Manager', roles: ['quality-manager'] }, 'test-setup');
      await server.imsflow.saveUser({ id: 'aud', email: 'audrey@example.com', name: 'Audrey Auditor', roles: ['auditor'] }, 'test-setup');
      await server.accounts.setPassword('aud', PASSWORD, 'test-setup', 'browser tests');
      const started = await http('POST', api('/processes/nonconformity/instances'), { variables: { owner: 'qm1', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } });
      expect(started.status, started.text).to.equal(201);
      const [assess] = (await http('GET', api(`/tasks?instance=${started.json.id}&status=open`))).json.items as TaskRecord[];
      await server.imsflow.completeTask(assess.id, { severity: 'major', containment: 'Lot 12 quarantined', actionNeeded: true }, 'qm1');
      instance = (await http('GET', api(`/instances/${started.json.id}`))).json;
    });

    /** A browser signed in as the auditor (the session cookie of POST /api/session, as the login page sets it). */
    async function signedIn(): Promise<Page> {
      const { context, page } = await chrome.newPage();
      const login = await context.request.post(api('/session'), { data: { email: 'audrey@example.com', password: PASSWORD } });
      expect(login.status()).to.equal(200);
      return page;
    }

    const settled = (page: Page) => page.waitForSelector('#diagram[data-state="ready"], #diagram[data-state="error"]');

    it('renders the version\'s diagram, marks the current step ims-active, and keeps the bpmn.io watermark', async () => {
      const page = await signedIn();
      const log = chrome.logOf(page);
      const opened = await page.goto(`${server.url}/records/${instance.id}`);
      expect(opened?.status()).to.equal(200);
      expect(opened?.headers()['content-security-policy']).to.be.a('string'); // the viewer works under the pages' CSP
      expect(await page.getByRole("heading", { level: 1 }).textContent()).to.match(new RegExp(`^${instance.businessKey}( · |$)`));
      await settled(page);
      expect(await page.locator('#diagram').getAttribute('data-state'), await page.locator('#diagram').textContent() ?? '').to.equal('ready');

      // every shape and flow of the version's diagram is drawn in the SVG
      const xml = (await http('GET', api(`/definitions/${instance.key}/versions/${instance.version}`))).text;
      const shapes = [...xml.matchAll(/<bpmndi:BPMN(?:Shape|Edge) [^>]*bpmnElement="([^"]+)"/g)].map((m) => m[1]);
      expect(shapes.length).to.be.above(10);
      expect(await page.locator('#diagram svg').count()).to.be.above(0);
      const drawn = await page.locator('#diagram svg g.djs-element[data-element-id]').evaluateAll((els) => els.map((el) => el.getAttribute('data-element-id')));
      expect(drawn).to.include.members(shapes);
      expect(await page.locator('#diagram [data-element-id="act"] text').textContent()).to.include('Take corrective action');

      // the current step, and only it, is marked, and the mark shows
      const marked = await page.locator('#diagram .ims-active').evaluateAll((els) => els.map((el) => el.getAttribute('data-element-id')));
      expect(marked).to.deep.equal(['act']);
      const stroke = await page.locator('#diagram [data-element-id="act"] .djs-visual > rect').first().evaluate((el) => getComputedStyle(el).stroke);
      expect(stroke).to.equal('rgb(11, 87, 208)');
      expect(await page.locator('#diagram').getAttribute('aria-label')).to.equal('Process diagram. Current step: Take corrective action.');

      // the licence's watermark: a visible link to bpmn.io inside the diagram
      const watermark = page.locator('#diagram a.bjs-powered-by');
      expect(await watermark.count()).to.equal(1);
      expect(await watermark.getAttribute('href')).to.match(/^https?:\/\/bpmn\.io/);
      expect(await watermark.isVisible()).to.equal(true);
      const [box, frame] = [await watermark.boundingBox(), await page.locator('#diagram').boundingBox()];
      expect(box!.width * box!.height).to.be.above(100);
      expect(box!.x >= frame!.x && box!.x + box!.width <= frame!.x + frame!.width && box!.y + box!.height <= frame!.y + frame!.height).to.equal(true);

      await screenshot(page, 'record page diagram');
      expect(log.errors).to.deep.equal([]);
      // nothing refused (a CSP violation is a console error) and nothing missing but the favicon the browser asks for by itself
      expect(log.failed.filter((line) => !line.endsWith('/favicon.ico')), 'failed requests').to.deep.equal([]);
      expect(log.console.filter((line) => line.startsWith('console.error') && !line.includes('Failed to load resource')), 'console errors').to.deep.equal([]);
    });

    it('says so, instead of a broken drawing, when the diagram cannot be loaded', async () => {
      // The record page itself sends a signed-out person to the login page; a minimal page served by the
      // test (same origin) shows what the viewer does when the session has gone meanwhile.
      const { page } = await chrome.newPage();
      const pageUrl = `${server.url}/test-pages/record/${instance.id}`;
      const html = recordPage(instance.businessKey, `/api/definitions/${instance.key}/versions/${instance.version}`, ['act']);
      await page.route(pageUrl, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
      await page.goto(pageUrl);
      await settled(page);
      expect(await page.locator('#diagram').getAttribute('data-state')).to.equal('error');
      expect(await page.locator('#diagram [role="alert"]').textContent()).to.equal('The process diagram could not be loaded: sign in to see it.');
      expect(await page.locator('#diagram svg').count()).to.equal(0);
      await screenshot(page, 'record page diagram signed out');
      expect(chrome.logOf(page).errors).to.deep.equal([]);
    });
  });
});
