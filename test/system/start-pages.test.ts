import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { wcagViolations } from '../support/accessibility.js';
import type { Page } from 'playwright-core';
import { screenshot, useBrowser } from '../support/browser.js';
import { signInOperator } from '../support/operator.js';

/**
 * Raising a record in the browser (issue 16): a filling-line supervisor, on a phone with JavaScript off,
 * opens "New" from the header, picks "Nonconformity", sends the form once with a field missing (it comes
 * back with the problem named and what was typed kept), completes it, and reads the record's number, title
 * and what happens next on the confirmation. axe-core clean, screenshots at 1280 and 390 px.
 */

const PASSWORD = 'a long enough passphrase for tests';

declare const document: { documentElement: { scrollWidth: number } };

describe('starting a record from its start form, walked in Chromium with JavaScript off', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-start-pages-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_SITES: 'dublin=en-IE Europe/Dublin' }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    for (const user of [
      { id: 'sean', name: 'Sean Gallagher', roles: ['staff'], sites: ['dublin'] },
      { id: 'aoife', name: 'Aoife Brennan', roles: ['quality-manager'], sites: ['dublin'] },
    ]) {
      await server.imsflow.saveUser({ ...user, email: `${user.id}@example.com` }, 'test-setup');
      await server.accounts.setPassword(user.id, PASSWORD, 'test-setup', 'start pages walk');
    }
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * axe-core runs as a script in the page, which a page without JavaScript cannot: each page walked without it
   * is checked again in a page with it, on the same session, at both widths.
   */
  async function axeClean(from: Page, url: string, name: string, post?: (page: Page) => Promise<void>): Promise<void> {
    const { context, page } = await chrome.newPage({ viewport: { width: 1280, height: 800 } });
    await context.addCookies(await from.context().cookies());
    await page.goto(url);
    if (post) await post(page);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      expect(await wcagViolations(page), `${name} at ${width} px`).to.deep.equal([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} fits ${width} px`).to.be.at.most(width);
    }
  }

  it('a staff member raises a nonconformity on a phone without JavaScript and reads its number', async () => {
    const { page, log } = await chrome.newPage({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    await page.goto(`${server.url}/login?next=/tasks`);
    await page.getByLabel('Email').fill('sean@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/tasks'), page.locator('main button[type=submit]').click()]);

    // "New" in the header: what Sean may start: a deviation, an EHS incident or a nonconformity
    await Promise.all([page.waitForURL((url) => url.pathname === '/new'), page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Start something new');
    const choices = page.locator('main h2 a');
    expect(await choices.allTextContents()).to.deep.equal(['Deviation', 'EHS incident or near miss', 'Nonconformity']);
    expect(await page.locator('main').textContent()).to.include('Report a problem with a product, process, supplier or the management system');
    await axeClean(page, `${server.url}/new`, 'what I may start');
    await screenshot(page, 'start-pages 1 what I may start 390');

    await Promise.all([page.waitForURL((url) => url.pathname === '/new/nonconformity'), choices.filter({ hasText: 'Nonconformity' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('New: Nonconformity');
    // sent with a blank description: the form comes back naming it, with what was typed kept
    await page.getByLabel('What is wrong, in a line').fill('Cap torque low on line 2');
    await page.getByLabel('Who takes the corrective action if one is needed').selectOption({ label: 'Sean Gallagher' });
    // spaces only satisfy the browser's own check, not the form's: nothing is written there
    await page.getByLabel('What happened, where and when, as found').fill('   ');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Start' }).click()]);
    const alert = page.getByRole('alert').first();
    expect(await alert.textContent()).to.match(/What happened, where and when, as found/);
    expect(await page.getByLabel('What is wrong, in a line').inputValue()).to.equal('Cap torque low on line 2');
    await screenshot(page, 'start-pages 2 form with a problem 390');
    await axeClean(page, `${server.url}/new/nonconformity`, 'the start form with problems', async (withJs) => {
      await withJs.locator('form.ims-task-form').evaluate((form) => ((form as unknown as { noValidate: boolean }).noValidate = true));
      await Promise.all([withJs.waitForLoadState('load'), withJs.getByRole('button', { name: 'Start' }).click()]);
      expect(await withJs.getByRole('alert').first().textContent()).to.match(/is required/);
    });

    await page.getByLabel('What happened, where and when, as found').fill('Three caps turned by hand at the end of the shift; lot 4471 held.');
    await page.getByLabel('Reference (lot, batch, order or equipment number)').fill('Lot 4471');
    await Promise.all([page.waitForURL((url) => /^\/new\/nonconformity\/started\//.test(url.pathname)), page.getByRole('button', { name: 'Start' }).click()]);

    // the confirmation: its number, its title and who acts next, by when
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Nonconformity started');
    const status = await page.getByRole('status').first().textContent();
    const number = /NC-2026-\d{4}/.exec(status ?? '')?.[0];
    expect(number, status ?? '').to.be.a('string');
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).to.include(`${number} · Cap torque low on line 2`);
    expect(main).to.match(/Assess and contain: any quality manager at dublin\. Due \d{1,2} May 2026/);
    expect(main).to.not.match(/\d{4}-\d\d-\d\dT\d\d:|\$\{|undefined/);
    await screenshot(page, 'start-pages 3 confirmation 390');
    await axeClean(page, page.url(), 'the confirmation');
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, 'start-pages 4 confirmation 1280');

    // the record is Sean's, with the form's values as its data, and its page opens from the confirmation
    const [record] = (await server.imsflow.queries.instances({ key: 'nonconformity' })).filter((i) => i.businessKey === number);
    expect(record).to.deep.include({ startedBy: 'sean', site: 'dublin', variables: { title: 'Cap torque low on line 2', description: 'Three caps turned by hand at the end of the shift; lot 4471 held.', reference: 'Lot 4471', owner: 'sean' } });
    await Promise.all([page.waitForURL((url) => url.pathname === `/records/${record.id}`), page.getByRole('link', { name: `See record ${number}` }).click()]);
    expect(log.errors).to.deep.equal([]);
  });

  it('offers a quality manager every process they may start, at desktop width', async () => {
    const { page } = await chrome.newPage({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/login?next=/new`);
    await page.getByLabel('Email').fill('aoife@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/new'), page.locator('main button[type=submit]').click()]);
    expect(await page.locator('main h2 a').allTextContents()).to.deep.equal(['Change request', 'Complaint', 'Corrective and preventive action (CAPA)', 'Deviation', 'Document control', 'EHS incident or near miss', 'Gap analysis', 'Internal audit', 'Internal audit programme', 'Management review', 'Nonconformity']);
    await screenshot(page, 'start-pages 5 what a quality manager may start 1280');
    await Promise.all([page.waitForURL((url) => url.pathname === '/new/internal-audit'), page.getByRole('link', { name: 'Internal audit', exact: true }).click()]);
    await screenshot(page, 'start-pages 6 internal audit form 1280');
    await axeClean(page, page.url(), 'the internal audit start form');
    // a staff member's URL for something they may not start answers as if it did not exist
    const { page: staff } = await chrome.newPage({ javaScriptEnabled: false });
    await staff.goto(`${server.url}/login?next=/new/capa`);
    await staff.getByLabel('Email').fill('sean@example.com');
    await staff.getByLabel('Password').fill(PASSWORD);
    const [reply] = await Promise.all([staff.waitForResponse((r) => new URL(r.url()).pathname === '/new/capa'), staff.locator('main button[type=submit]').click()]);
    expect(reply.status()).to.equal(404);
  });
});
