import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import type { TaskRecord } from '../../engine/kernel/model.js';
import { expectAccessibleAtBothWidths } from '../support/accessibility.js';
import { useBrowser } from '../support/browser.js';
import { callWithToken, http } from '../support/http.js';
import { signInOperator } from '../support/operator.js';

/**
 * The task pages built from components (api/pages/tasks, api/pages/task-form, api/pages/email-link.tsx),
 * walked in headless Chromium: the list with two CAPAs told apart by their titles and an overdue one
 * marked, claimed by keyboard; the task page with the step as heading and the record's title under it, its
 * form; the same form from the email link; a German reader's list. axe-core at desktop and phone width
 * on each (no serious or critical violation, nothing wider than the phone), screenshots saved.
 */

const PASSWORD = 'a long enough passphrase for tests';

// Browser globals used inside page.evaluate() (the project's TypeScript library may have no DOM).
declare const document: { activeElement: { textContent: string | null; tagName: string } | null };

describe('the task pages, built from components, walked in Chromium', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  let clock: FakeClock;
  const api = (path: string) => `${server.url}/api${path}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-task-pages-browser-'));
    clock = new FakeClock('2026-05-04T07:00:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_SITES: 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin' }), { clock, logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    for (const user of [
      { id: 'qm-aoife', name: 'Aoife Brennan', roles: ['quality-manager'], sites: ['dublin'] },
      { id: 'qm-jonas', name: 'Jonas Keller', roles: ['quality-manager'], sites: ['basel'] },
    ]) {
      await server.imsflow.saveUser({ ...user, email: `${user.id}@example.com` }, 'test-setup');
      await server.accounts.setPassword(user.id, PASSWORD, 'test-setup', 'task page walk');
    }
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function capa(title: string, site: string): Promise<TaskRecord> {
    // a CAPA is opened by the site's quality manager (its starters), not by the operator
    const { token } = await server.accounts.createApiToken(site === 'basel' ? 'qm-jonas' : 'qm-aoife', 'opens CAPAs', 'test-setup', 'integration');
    const started = await callWithToken(server.url, token, 'POST', '/api/processes/capa/instances', { variables: { source: 'complaint', title, description: `${title}, found at goods-in.` }, site });
    expect(started.status, started.text).to.equal(201);
    return ((await http('GET', api(`/tasks?instance=${started.json.id}&status=open`))).json.items as TaskRecord[])[0];
  }

  async function signIn(email: string) {
    const { page, log } = await chrome.newPage();
    await page.goto(`${server.url}/login?next=/tasks`);
    await page.getByLabel(/^(Email|E-Mail)$/).fill(email);
    await page.getByLabel(/^(Password|Passwort)$/).fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/tasks'), page.locator('main button[type=submit]').click()]);
    return { page, log };
  }

  it('lists tasks by what they are about, claims by keyboard, and shows a task and its form', async () => {
    const valve = await capa('Leaking valve on line 3', 'dublin');
    clock.advance(6 * 86_400_000);
    const pump = await capa('Pump seal worn', 'dublin');
    const { page, log } = await signIn('qm-aoife@example.com');

    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Tasks');
    const cards = page.locator('li[id^="task-"]');
    expect(await cards.count()).to.equal(2);
    const texts = await cards.allTextContents();
    expect(texts.some((t) => t.includes('Leaking valve on line 3'))).to.equal(true);
    expect(texts.some((t) => t.includes('Pump seal worn'))).to.equal(true);
    expect(await page.locator(`#task-${valve.id} .overdue`).textContent()).to.equal('Overdue');
    expect(await page.locator(`#task-${pump.id} .overdue`).count()).to.equal(0);
    expect(await page.locator('main').textContent()).to.not.match(/\d{4}-\d\d-\d\dT\d\d:|UTC|\$\{/);
    await expectAccessibleAtBothWidths(page, 'task list');

    // the phone's first screen shows tasks, not filters: folded, and the first card starts within it
    await page.setViewportSize({ width: 390, height: 844 });
    const firstCard = await cards.first().boundingBox();
    expect(firstCard?.y, 'the first task on the first phone screen').to.be.below(844);
    await page.setViewportSize({ width: 1280, height: 800 });

    // claim the valve task by keyboard: tab to its Claim button, press Enter
    const claim = page.locator(`#task-${valve.id} button`, { hasText: 'Claim' });
    await claim.focus();
    expect(await page.evaluate(() => document.activeElement?.textContent ?? '')).to.match(/^Claim “Triage: rate the risk and decide on a CAPA” for CAPA-2026-\d{4} · Leaking valve on line 3$/);
    await Promise.all([page.waitForURL((url) => url.searchParams.get('done') === 'claimed'), page.keyboard.press('Enter')]);
    expect(await page.getByRole('status').first().textContent()).to.match(/is now assigned to you\./);
    expect(await page.locator('#mine').textContent()).to.equal('My tasks (1)');

    // the task page: the step is the heading, the record's title right under it, late and by whom
    await Promise.all([page.waitForURL((url) => url.pathname === `/tasks/${valve.id}`), page.locator(`#task-${valve.id} h3 a`).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Triage: rate the risk and decide on a CAPA');
    expect(await page.locator('main > p.ims-record-title').textContent()).to.match(/^CAPA-2026-\d{4} · Leaking valve on line 3$/);
    expect(await page.locator('main .ims-badges').textContent()).to.include('Overdue');
    expect(await page.locator('dl.facts').textContent()).to.include('Assigned to Aoife Brennan');
    expect(await page.getByRole('button', { name: 'Complete task' }).count()).to.equal(1);
    // an empty form sent back: the problems name their fields, each a link to it
    await page.locator('form.ims-task-form').evaluate((form) => (form as unknown as { noValidate: boolean }).noValidate = true);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Complete task' }).click()]);
    const alert = page.getByRole('alert').first();
    expect(await alert.textContent()).to.match(/Please correct \d+ fields\./);
    const first = alert.getByRole('link').first();
    expect(await first.textContent()).to.match(/^[A-Z][^:]+: /);
    await expectAccessibleAtBothWidths(page, 'task page with problems');
    expect(log.errors).to.deep.equal([]);
  });

  it('opens the same form from an email link, and reads a German list', async () => {
    const task = await capa('Label unreadable on pallet 7', 'basel');
    await server.scheduler.runDue();
    const message = (await server.imsflow.store.listMessages({ taskId: task.id })).find((m) => m.userId === 'qm-jonas' && m.link);
    expect(message, 'a link for Jonas').to.not.equal(undefined);
    const { page } = await chrome.newPage();
    await page.goto(message!.link!);
    // the link's person reads in their site's language without signing in
    expect(await page.locator('html').getAttribute('lang')).to.equal('de-CH');
    expect(await page.locator('main > p.ims-record-title').textContent()).to.match(/^CAPA-2026-\d{4} · Label unreadable on pallet 7$/);
    expect(await page.getByRole('button', { name: 'Aufgabe abschließen' }).count()).to.equal(1);
    await expectAccessibleAtBothWidths(page, 'email link task page german');

    const { page: list } = await signIn('qm-jonas@example.com');
    expect(await list.getByRole('heading', { level: 1 }).textContent()).to.equal('Aufgaben');
    expect(await list.locator('main').textContent()).to.include('Label unreadable on pallet 7');
    await expectAccessibleAtBothWidths(list, 'task list german');
  });
});
