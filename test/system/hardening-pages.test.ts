import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Email } from 'postal-mime';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../api/server.js';
import { SESSION_COOKIE } from '../../api/auth.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import type { TaskRecord } from '../../engine/kernel/model.js';
import { loadConfig } from '../../engine/boot/config.js';
import { unknownElementsOnLines } from '../fixtures/hostile/generate.js';
import { fixtureBpmn } from '../helpers.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { seriousViolations } from '../support/accessibility.js';
import { FORM_BODY, http } from '../support/http.js';
import { signInOperator } from '../support/operator.js';
import { TestSmtpServer } from '../support/smtp.js';

/**
 * The pages the hardening changed, walked in headless Chromium as a person meets them: the refusal pages
 * of email task links (a deactivated person, a person moved to another role), the sign-in page when sign-in
 * is slowed, and the modeler refusing a file too costly to check. Each page is checked for the words a
 * person reads, for leaked ids, JSON and ISO timestamps, at desktop and phone width (screenshots saved,
 * path printed), and with axe-core (no serious or critical violation).
 */

const PASSWORD = 'a long enough passphrase for tests';

// Browser globals used inside page.evaluate() (the project's TypeScript library has no DOM).
declare const document: { documentElement: { scrollWidth: number }; body: { innerText: string } };

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function addressOf(email: Email): string {
  const [to] = email.to ?? [];
  return to && 'address' in to ? String(to.address) : '';
}

function linkIn(email: Email): string {
  const link = /Open the task: (\S+)/.exec(email.text ?? '')?.[1];
  expect(link, `no link in: ${email.text}`).to.be.a('string');
  return link!;
}

/**
 * What every changed page must pass: no id, JSON or ISO timestamp in what a person reads; no serious axe
 * violation; at phone width nothing sticks out sideways. Saves a desktop and a phone screenshot.
 */
async function expectReadableEverywhere(page: Page, name: string, mustNotShow: string[] = []): Promise<void> {
  const text = await page.evaluate(() => document.body.innerText);
  expect(text, 'an ISO timestamp on the page').to.not.match(ISO_TIME);
  expect(text, 'JSON on the page').to.not.match(/[{}]|"\w+":/);
  for (const hidden of mustNotShow) expect(text, `"${hidden}" on the page`).to.not.include(hidden);
  expect(await seriousViolations(page), 'axe-core: serious or critical violations').to.deep.equal([]);
  console.log(`      ${name}, desktop: ${await screenshot(page, `${name} desktop`)}`);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'page width on a phone').to.be.at.most(390);
  console.log(`      ${name}, phone: ${await screenshot(page, `${name} phone`)}`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('pages the hardening changed, walked in Chromium (refused links, slowed sign-in, a too costly file)', function () {
  this.timeout(60_000);
  const chrome = useBrowser();
  let dir: string;
  let smtp: TestSmtpServer;
  let server: RunningServer;
  let clock: FakeClock;
  const api = (path: string) => `${server.url}/api${path}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-hardening-pages-'));
    smtp = await new TestSmtpServer().start();
    clock = new FakeClock('2026-05-04T07:00:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, SMTP_URL: smtp.url }), { clock, logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    const users = [
      { id: 'qm1', email: 'quinn@example.com', name: 'Quinn Manager', roles: ['quality-manager'] },
      { id: 'carol', email: 'carol@example.com', name: 'Carol Deputy', roles: ['quality-manager'] },
      { id: 'bob', email: 'bob@example.com', name: 'Bob Owner', roles: ['production'] },
      { id: 'po-anna', email: 'anna@example.com', name: 'Anna Owner', roles: ['process-owner'] },
    ];
    for (const { id, ...user } of users) expect((await http('PUT', api(`/users/${id}`), user)).status).to.equal(200);
    for (const id of ['qm1', 'po-anna']) await server.accounts.setPassword(id, PASSWORD, 'test-setup', 'hardening page tests');
  });
  after(async () => {
    await server?.close();
    await smtp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a nonconformity (or `processKey`) and returns its first task and the links emailed to `to`, by address. */
  async function started(to: string, processKey = 'nonconformity'): Promise<{ task: TaskRecord; links: Record<string, string> }> {
    const from = smtp.received.length;
    const reply = await http('POST', api(`/processes/${processKey}/instances`), { variables: { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } });
    expect(reply.status, reply.text).to.equal(201);
    const [task] = (await http('GET', api(`/tasks?instance=${reply.json.id}&status=open`))).json.items as TaskRecord[];
    const links: Record<string, string> = {};
    for (;;) {
      await server.scheduler.runDue();
      for (const email of smtp.received.slice(from)) {
        if (email.subject?.includes(`(${reply.json.businessKey}`) && /^New task: /.test(email.subject)) links[addressOf(email)] = linkIn(email);
      }
      if (links[to]) return { task, links };
      await smtp.waitFor(smtp.received.length + 1);
    }
  }

  it('a deactivated person\'s task link says their account is no longer active', async () => {
    const { task, links } = await started('carol@example.com');
    const link = links['carol@example.com'];
    expect((await http('PUT', api('/users/carol'), { email: 'carol@example.com', name: 'Carol Deputy', roles: ['quality-manager'], active: false })).status).to.equal(200);
    const { page } = await chrome.newPage();

    const opened = await page.goto(link);
    expect(opened?.status()).to.equal(410);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('This link is no longer valid');
    expect(await page.title()).to.match(/^This link is no longer valid/);
    expect(await page.locator('main').textContent()).to.include(`The task: “Assess and contain” for ${task.businessKey}.`);
    expect(await page.locator('main').textContent()).to.include('This link was for Carol Deputy, whose account is no longer active.');
    expect(await page.getByRole('link', { name: /sign in/i }).count(), 'no sign-in offered to an inactive account').to.equal(0);
    await expectReadableEverywhere(page, 'link of a deactivated person', [task.id, 'carol', link.slice(link.lastIndexOf('/t/') + 3)]);
  });

  it('a task link of someone moved to another role says the task is not theirs', async () => {
    const { task, links } = await started('quinn@example.com');
    const link = links['quinn@example.com'];
    expect((await http('PUT', api('/users/qm1'), { email: 'quinn@example.com', name: 'Quinn Manager', roles: ['production'] })).status).to.equal(200);
    const { page } = await chrome.newPage();
    try {
      const opened = await page.goto(link);
      expect(opened?.status()).to.equal(403);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('This task is no longer assigned to you');
      expect(await page.locator('main').textContent()).to.include(`The task: “Assess and contain” for ${task.businessKey}.`);
      expect(await page.locator('main').textContent()).to.include('This link was for Quinn Manager, who no longer holds this task');
      await page.getByRole('link', { name: 'Sign in to see your tasks' }).click();
      await page.waitForURL(/\/login\?next=%2Ftasks$/);
      await page.goBack();
      await expectReadableEverywhere(page, 'link of a person moved to another role', [task.id, 'qm1']);
    } finally {
      expect((await http('PUT', api('/users/qm1'), { email: 'quinn@example.com', name: 'Quinn Manager', roles: ['quality-manager'] })).status).to.equal(200);
    }
  });

  it('after wrong passwords, sign-in says in words how long to wait, then works', async () => {
    const { page } = await chrome.newPage();
    await page.goto(`${server.url}/login`);
    const attempt = async (password: string): Promise<number> => {
      await page.getByLabel('Email').fill('quinn@example.com');
      await page.getByLabel('Password').fill(password);
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
      return response.status();
    };

    expect(await attempt('wrong one')).to.equal(401);
    expect(await page.getByRole('alert').textContent()).to.equal('The email or the password is wrong.');
    await expectReadableEverywhere(page, 'sign-in with a wrong password');

    // the fifth wrong password in a row starts a wait, and the page says so at once, in words
    for (let i = 2; i <= 4; i += 1) expect(await attempt(`wrong ${i}`)).to.equal(401);
    expect(await attempt('wrong 5')).to.equal(401);
    expect(await page.getByRole('alert').textContent()).to.equal('The email or the password is wrong. Too many failed sign-ins with this email from here: try again in 30 seconds.');
    await expectReadableEverywhere(page, 'sign-in the wrong password that starts the wait');

    expect(await attempt(PASSWORD), 'even the right password waits while sign-in is slowed').to.equal(429);
    const said = (await page.getByRole('alert').textContent()) ?? '';
    expect(said).to.equal('Too many failed sign-ins with this email from here. Try again in 30 seconds.');
    expect(await page.getByLabel('Email').inputValue(), 'the email typed is kept').to.equal('quinn@example.com');
    await expectReadableEverywhere(page, 'sign-in slowed after wrong passwords');

    clock.advance(31_000);
    await page.getByLabel('Email').fill('quinn@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL(/\/tasks/), page.getByRole('button', { name: 'Sign in' }).click()]);
  });

  it('importing a file too costly to check into the modeler says why', async () => {
    const { context, page } = await chrome.newPage();
    const { token } = await server.accounts.login('anna@example.com', PASSWORD, 'test-setup');
    await context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.url }]);
    const file = join(dir, 'costly.bpmn');
    writeFileSync(file, unknownElementsOnLines().xml);

    await page.goto(`${server.url}/modeler`);
    await page.waitForSelector('#ims-drafts[data-state="ready"]');
    await page.locator('#ims-import-file').setInputFiles(file);
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/drafts') && r.request().method() === 'POST'), page.locator('#ims-import-form button[type="submit"]').click()]);
    expect(response.status()).to.equal(413);
    const state = page.locator('#ims-import-state');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('ims-import-state')?.dataset.kind === 'bad');
    expect(await state.textContent()).to.match(/^Not created: checking this BPMN file took longer than 1 s; it is refused/).and.include('nothing was saved');
    // said next to the button just pressed, where the person looks: not at the top of a page scrolled away
    const box = (await state.boundingBox())!;
    const viewport = page.viewportSize()!;
    const scrollY = await page.evaluate(() => (globalThis as any).scrollY as number);
    expect(box.y - scrollY, 'the refusal is on screen').to.be.within(0, viewport.height - box.height);
    expect((await http('GET', api('/drafts'))).json.items).to.deep.equal([]);
    await expectReadableEverywhere(page, 'modeler import of a too costly file');
  });

  it('a refused too-large autosave says why, keeps the change, and saves after an undo', async () => {
    const created = await http('POST', api('/drafts'), { key: 'nonconformity', reason: 'autosave test' });
    expect(created.status, created.text).to.equal(201);
    const { context, page } = await chrome.newPage();
    const { token } = await server.accounts.login('anna@example.com', PASSWORD, 'test-setup');
    await context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.url }]);
    const saves: number[] = [];
    page.on('response', (r) => {
      if (r.request().method() === 'PUT' && r.url().includes('/api/drafts/')) saves.push(r.status());
    });
    // the page's own timers (autosave after 1.5 s, retries) run on Playwright's fake clock: no waiting
    await page.clock.install();
    await page.goto(`${server.url}/modeler/drafts/${encodeURIComponent(created.json.id)}`);
    await page.waitForSelector('#ims-editor[data-state="ready"]');

    await page.locator('#ims-canvas [data-element-id="assess"]').click();
    await page.locator('#ims-add-field').click();
    await page.clock.runFor(2_000);
    await page.waitForFunction(() => (globalThis as any).document.getElementById('ims-save-state')?.textContent.startsWith('All changes saved'));
    expect(saves).to.deep.equal([200]);

    // a form field label of 2.2 MB (pasted by mistake) makes the file larger than the server keeps
    const label = page.locator('input[id^="ims-field-"][id$="-label"]').last();
    await label.fill('Lot number '.repeat(200_000));
    await label.press('Tab');
    const refused = page.waitForResponse((r) => r.request().method() === 'PUT' && r.status() === 413);
    await page.clock.runFor(2_000);
    await refused;
    const saveState = page.locator('#ims-save-state');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('ims-save-state')?.dataset.kind === 'bad');
    const said = (await saveState.textContent()) ?? '';
    expect(said).to.match(/^Not saved: the BPMN file is 2\.2 MB; the most imsflow accepts is 2 MB\. Your changes are still on this page/);
    expect(said).to.include('undo the last change');
    expect(said, 'a raw byte count').to.not.match(/\d{6,}/);
    expect(await label.inputValue(), 'the change is still on the page').to.have.length(2_200_000);

    // a file larger still is refused before it is read, in the same words
    const huge = await http('PUT', api(`/drafts/${encodeURIComponent(created.json.id)}`), { xml: 'x'.repeat(3_500_000), revision: 0 });
    expect(huge.status).to.equal(413);
    expect(huge.json.error).to.equal('the request is larger than 3 MB, the most accepted here; nothing was saved');

    // the same refused file is not sent again every few seconds
    await page.clock.runFor(60_000);
    expect(saves).to.deep.equal([200, 413]);
    expect(await seriousViolations(page), 'axe-core on the editor with the refusal').to.deep.equal([]);
    console.log(`      modeler autosave refused, desktop: ${await screenshot(page, 'modeler autosave refused desktop')}`);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.clock.runFor(1_000);
    console.log(`      modeler autosave refused, phone: ${await screenshot(page, 'modeler autosave refused phone')}`);
    await page.setViewportSize({ width: 1280, height: 800 });

    // undoing the change saves the draft again
    await page.locator('#ims-undo').click();
    const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.status() === 200);
    await page.clock.runFor(2_000);
    await saved;
    await page.waitForFunction(() => (globalThis as any).document.getElementById('ims-save-state')?.textContent.startsWith('All changes saved'));
  });

  it('a signature task link says in words how long to wait after wrong passwords', async () => {
    const deployed = await http('POST', api('/definitions?reason=signature%20test'), fixtureBpmn('signoff'), { 'content-type': 'application/xml' });
    expect(deployed.status, deployed.text).to.equal(201);
    const { links } = await started('quinn@example.com', 'signoff');
    const { page } = await chrome.newPage();
    await page.goto(links['quinn@example.com']);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Approve the deviation');
    const sign = async (password: string): Promise<number> => {
      await page.getByLabel('Your email (user id)').fill('quinn@example.com');
      await page.getByLabel('Your password').fill(password);
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.waitForEvent('load'), page.getByRole('button', { name: 'Sign and complete task' }).click()]);
      return response.status();
    };
    for (let i = 1; i <= 5; i += 1) expect(await sign(`wrong ${i}`)).to.equal(401);
    expect(await sign(PASSWORD)).to.equal(401);
    const said = (await page.getByRole('alert').first().textContent()) ?? '';
    expect(said).to.include('Not signed: too many wrong passwords: try again in 30 seconds. Nothing was saved.');
    expect(said, 'a clock time in UTC').to.not.match(/\d{2}:\d{2}|UTC/);
    await expectReadableEverywhere(page, 'signing through a link slowed after wrong passwords');
  });

  // Last: it moves the server's clock a month on.
  it('a used, damaged or expired task link says so and offers to sign in', async () => {
    const used = (await started('quinn@example.com')).links['quinn@example.com'];
    const done = await http('POST', used, new URLSearchParams({ severity: 'major', containment: 'Lot 12 quarantined', actionNeeded: 'on' }).toString(), FORM_BODY);
    expect(done.status, done.text).to.equal(200);
    const expiring = (await started('quinn@example.com')).links['quinn@example.com'];
    const token = used.slice(used.lastIndexOf('/t/') + 3);
    const damaged = `${used.slice(0, used.lastIndexOf('/t/') + 3)}${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const { page } = await chrome.newPage();
    const pages: [string, string, number, string, string][] = [
      ['used link', used, 410, 'This link has been used', 'The task was completed with this link already.'],
      ['damaged link', damaged, 400, 'This link is not valid', 'The link was changed after it was sent, so it cannot be trusted.'],
    ];
    for (const [name, link, status, title, sentence] of pages) {
      expect((await page.goto(link))?.status(), name).to.equal(status);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal(title);
      expect(await page.locator('main').textContent()).to.include(sentence);
      expect(await page.getByRole('link', { name: 'Sign in to see your tasks' }).count(), name).to.equal(1);
      await expectReadableEverywhere(page, name, [token]);
    }
    clock.advance(31 * 24 * 3_600_000);
    expect((await page.goto(expiring))?.status()).to.equal(410);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('This link has expired');
    expect(await page.locator('main').textContent()).to.include('Sign in to find the task in your task list.');
    await expectReadableEverywhere(page, 'expired link');
  });
});
