import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { bpmn } from '../helpers.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { expectAccessibleAtBothWidths } from '../support/accessibility.js';

/**
 * My account walked in headless Chromium by clicking: Alice changes her password (her other session ends,
 * and the page says so), chooses one daily digest, and sets herself out of office with Bob as delegate;
 * Bob signs in, finds Alice's task in his list, completes it, and the record's history reads "Bob Builder
 * for Alice Auditor completed …". axe at desktop and phone width; screenshots at 1280 and 390 px.
 */

const PASSWORD = 'a long enough passphrase for tests';
const NEW_PASSWORD = 'a brand new passphrase for Monday';
const REVIEW = bpmn(
  'journey-review',
  `<startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="t" />
   <userTask id="t" name="Review the deviation report" ims:assignee="\${variables.owner}" /><sequenceFlow id="f2" sourceRef="t" targetRef="e" /><endEvent id="e" />`,
);

describe('my account: password, daily digest and out of office, walked in Chromium', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  const shots: string[] = [];

  const signIn = async (page: Page, email: string, password: string, next: string) => {
    await page.goto(`${server.url}/login?next=${next}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await Promise.all([page.waitForURL((url) => url.pathname === next), page.getByRole('button', { name: 'Sign in' }).click()]);
  };
  const shoot = async (page: Page, name: string) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    shots.push(await screenshot(page, `${name} 1280`));
    await page.setViewportSize({ width: 390, height: 844 });
    shots.push(await screenshot(page, `${name} 390`));
    await page.setViewportSize({ width: 1280, height: 900 });
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-account-journey-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_DIGEST: 'off' }), { logger: pino({ level: 'silent' }) });
    for (const [id, name] of [
      ['alice', 'Alice Auditor'],
      ['bob', 'Bob Builder'],
    ]) {
      await server.imsflow.saveUser({ id, email: `${id}@example.com`, name, roles: ['quality-manager'], sites: ['basel'], timeZone: 'Europe/Zurich' }, 'test-setup');
      await server.accounts.setPassword(id, PASSWORD, 'test-setup', 'journey');
    }
    await server.imsflow.deploy(REVIEW, 'test-setup');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (shots.length) console.log(`      screenshots:\n${shots.map((s) => `        ${s}`).join('\n')}`);
  });

  it('Alice changes her password, chooses a daily digest and goes out of office; Bob completes her task for her', async () => {
    const record = await server.imsflow.start('journey-review', { variables: { owner: 'alice' }, site: 'basel' }, 'test-setup');
    // Alice is also signed in elsewhere: that session ends with the change
    const elsewhere = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'alice@example.com', password: PASSWORD }) });
    const otherCookie = elsewhere.headers.get('set-cookie')!.split(';')[0];

    const { page, log } = await chrome.newPage();
    await signIn(page, 'alice@example.com', PASSWORD, '/account');
    await expectAccessibleAtBothWidths(page, 'account page with every form');
    await shoot(page, 'account page');

    // a mismatch is refused, naming the field
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill('something else entirely');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Change password' }).click()]);
    expect(await page.getByRole('alert').textContent()).to.contain('The two new passwords are not the same.');
    await expectAccessibleAtBothWidths(page, 'account page, password refused');

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await Promise.all([page.waitForURL((url) => url.searchParams.get('done') === 'password'), page.getByRole('button', { name: 'Change password' }).click()]);
    expect(await page.getByRole('status').textContent()).to.equal('Your password was changed and your other session was ended: where you were signed in elsewhere, sign in again.');
    expect((await fetch(`${server.url}/api/session`, { headers: { cookie: otherCookie } })).status).to.equal(401);

    await page.locator('label[for=account-delivery-daily]').click();
    await page.getByLabel('Time of the daily digest').fill('06:30');
    await Promise.all([page.waitForURL((url) => url.searchParams.get('done') === 'notices'), page.getByRole('button', { name: 'Save notices' }).click()]);
    expect(await page.getByRole('status').textContent()).to.equal('Saved: your notices come in one daily digest at 06:30.');
    expect(await page.getByLabel('One daily digest').isChecked()).to.equal(true);

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Zurich' }).format(new Date());
    const later = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Zurich' }).format(new Date(Date.now() + 4 * 86_400_000));
    await page.getByLabel('First day away').fill(today);
    await page.getByLabel('Last day away').fill(later);
    // no delegate chosen: refused, naming the field
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Set out of office' }).click()]);
    expect(await page.getByRole('alert').textContent()).to.contain('Choose who holds your tasks: a colleague at your site holding your roles (Quality manager).');
    expect(await page.getByLabel('Who holds your tasks meanwhile').getAttribute('aria-invalid')).to.equal('true');
    await expectAccessibleAtBothWidths(page, 'account page, out of office refused');
    await page.getByLabel('Who holds your tasks meanwhile').selectOption({ label: 'Bob Builder' });
    await Promise.all([page.waitForURL((url) => url.searchParams.get('done') === 'absence'), page.getByRole('button', { name: 'Set out of office' }).click()]);
    expect(await page.getByRole('status').textContent()).to.match(/^You are out of office until .+ included: Bob Builder holds your tasks\.$/);
    expect(await page.getByRole('button', { name: 'End out of office now' }).count()).to.equal(1);
    await expectAccessibleAtBothWidths(page, 'account page, out of office set');
    await shoot(page, 'account page out of office');
    expect(log.errors).to.deep.equal([]);

    // Bob finds Alice's task in his list and completes it
    const bob = await chrome.newPage();
    await signIn(bob.page, 'bob@example.com', PASSWORD, '/tasks');
    await bob.page.getByRole('link', { name: 'Review the deviation report' }).first().click();
    await bob.page.waitForURL((url) => url.pathname.startsWith('/tasks/'));
    await Promise.all([bob.page.waitForLoadState('load'), bob.page.getByRole('button', { name: 'Complete task' }).click()]);
    await bob.page.goto(`${server.url}/records/${record.id}`);
    const history = await bob.page.locator('main').textContent();
    expect(history).to.contain('Bob Builder for Alice Auditor completed Review the deviation report');
    await expectAccessibleAtBothWidths(bob.page, 'record completed by a delegate');
    await shoot(bob.page, 'record completed by a delegate');
    await bob.page.goto(`${server.url}/account`);
    expect(await bob.page.locator('main').textContent()).to.match(/You hold the tasks of Alice Auditor until .+ included\./);
    expect(bob.log.errors).to.deep.equal([]);
  });
});
