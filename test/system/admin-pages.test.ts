import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { expectAccessibleAtBothWidths } from '../support/accessibility.js';
import { useBrowser } from '../support/browser.js';
import { http } from '../support/http.js';

/**
 * The administration pages walked in headless Chromium by an admin: from the header's Administration
 * link, they add a site, schedule a process's start, subscribe a local receiver to record events and read
 * its delivery log after a record starts, and make an API token (shown once) and revoke it, after which a
 * call with it is refused. Every page checked with axe-core at desktop and phone width; screenshots saved.
 */

const PASSWORD = 'a long enough passphrase for tests';

declare const navigator: { clipboard: { readText(): Promise<string> } };

describe('the administration pages, walked in Chromium', function () {
  this.timeout(180_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  let receiver: Server;
  let receiverUrl: string;
  const received: { event?: string; body: string }[] = [];

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ event: req.headers['x-imsflow-event'] as string | undefined, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/imsflow-events`;
    dir = mkdtempSync(join(tmpdir(), 'imsflow-admin-pages-'));
    server = await startServer(
      loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_DIGEST: 'off', IMSFLOW_SITES: 'basel=de-CH Europe/Zurich', IMSFLOW_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1' }),
      { logger: pino({ level: 'silent' }) },
    );
    await server.imsflow.saveUser({ id: 'ada', email: 'ada@example.com', name: 'Ada Admin', roles: ['admin'] }, 'test-setup');
    await server.accounts.setPassword('ada', PASSWORD, 'test-setup', 'admin page tests');
    await server.imsflow.saveUser({ id: 'sam', email: 'sam@example.com', name: 'Sam Staff', roles: ['staff'], sites: ['basel'] }, 'test-setup');
  });
  after(async () => {
    await server?.close();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('adds a site, schedules a start, reads a webhook’s delivery log, and makes and revokes an API token', async () => {
    const { context, page, log } = await chrome.newPage({ locale: 'en-IE' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.goto(`${server.url}/login?next=/tasks`);
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/tasks'), page.getByRole('button', { name: 'Sign in' }).click()]);

    // the header leads to the landing page, one section per register
    await Promise.all([page.waitForURL((url) => url.pathname === '/admin'), page.getByRole('link', { name: 'Administration' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Administration');
    expect(await page.getByRole('link', { name: 'Administration' }).getAttribute('aria-current')).to.equal('page');
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).to.deep.equal(['People', 'Sites', 'Schedules', 'Webhooks', 'API tokens']);
    expect(await page.getByRole('link', { name: 'Import people from a CSV file' }).getAttribute('href')).to.equal('/admin/people/import');
    expect(await page.locator('main').textContent()).to.contain('1 active site');
    await expectAccessibleAtBothWidths(page, 'admin landing');

    // sites: the configured one is in the register; a new one is added with its name and defaults
    await page.getByRole('link', { name: 'Sites', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/admin/sites');
    expect(await page.getByRole('link', { name: 'Basel' }).count()).to.equal(1);
    await page.getByLabel('Key').fill('cork');
    await page.getByLabel('Name', { exact: true }).fill('Cork tablet plant');
    await page.getByLabel('Language and formats').selectOption('en-IE');
    await page.getByLabel('Time zone').selectOption('Europe/Dublin');
    await Promise.all([page.waitForURL((url) => url.search === '?created=cork'), page.getByRole('button', { name: 'Add site' }).click()]);
    expect(await page.getByRole('status').textContent()).to.equal('Site Cork tablet plant was added.');
    expect(await page.getByRole('row').filter({ hasText: 'Cork tablet plant' }).textContent()).to.contain('English (Ireland)');
    await expectAccessibleAtBothWidths(page, 'admin sites');
    const cork = await server.imsflow.queries.sites();
    expect(cork.map((s) => [s.key, s.name, s.timeZone])).to.deep.equal([
      ['basel', 'Basel', 'Europe/Zurich'],
      ['cork', 'Cork tablet plant', 'Europe/Dublin'],
    ]);

    // schedules: a yearly management review at the Cork plant, shown with the process's name and next run
    await page.goto(`${server.url}/admin`);
    await page.getByRole('link', { name: 'Schedules', exact: true }).click();
    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/schedules/new');
    await page.getByLabel('Name').fill('cork-management-review');
    await page.getByLabel('Process').selectOption({ label: 'Management review' });
    await page.getByLabel('Rule (cron)').fill('not a rule');
    await page.getByLabel('Site of the started records').selectOption({ label: 'Cork tablet plant' });
    await page.getByRole('button', { name: 'Create schedule' }).click();
    expect(await page.getByRole('alert').textContent(), 'a bad rule is refused, nothing lost').to.contain('Write the rule as five fields');
    expect(await page.getByLabel('Name').inputValue()).to.equal('cork-management-review');
    await page.getByLabel('Rule (cron)').fill('0 9 1 3 *');
    await Promise.all([page.waitForURL((url) => url.search === '?saved=1'), page.getByRole('button', { name: 'Create schedule' }).click()]);
    await page.getByRole('link', { name: 'All schedules' }).click();
    const row = page.getByRole('row').filter({ hasText: 'cork-management-review' });
    const rowText = await row.textContent();
    expect(rowText).to.contain('Management review').and.contain('Cork tablet plant').and.contain('Running').and.match(/1 Mar(ch)? \d{4}/);
    await expectAccessibleAtBothWidths(page, 'admin schedules');
    const audit = await server.imsflow.queries.auditTrail({});
    expect(audit.map((e) => e.action)).to.include.members(['site.created', 'schedule.created']);

    // webhooks: a local receiver subscribed to record starts; the secret shown once
    await page.goto(`${server.url}/admin/webhooks`);
    await page.getByRole('link', { name: 'New webhook' }).click();
    await page.getByLabel('Address').fill(receiverUrl);
    await page.getByLabel('Description').fill('Quality data lake');
    await page.locator('label', { hasText: 'A record was started' }).click();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByRole('heading', { level: 1, name: 'Quality data lake' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Signing secret' }).inputValue()).to.have.length.above(20);
    await expectAccessibleAtBothWidths(page, 'admin webhook created');

    await server.imsflow.start('nonconformity', { variables: { owner: 'sam' }, site: 'basel' }, 'sam');
    await server.scheduler.runDue();
    expect(received.length, 'the receiver got the event').to.equal(1);
    await page.getByRole('link', { name: 'All webhooks' }).click();
    await Promise.all([page.waitForURL((url) => url.pathname.startsWith('/admin/webhooks/')), page.getByRole('link', { name: 'Quality data lake' }).click()]);
    const delivery = await page.getByRole('region', { name: 'Delivery log' }).getByRole('row').nth(1).textContent();
    expect(delivery).to.contain('A record was started').and.contain('Delivered').and.contain('200');
    expect(await page.getByRole('textbox', { name: 'Signing secret' }).count(), 'shown once only').to.equal(0);
    await expectAccessibleAtBothWidths(page, 'admin webhook delivery log');

    // API tokens: made (shown once, copyable), used, revoked, refused
    await page.goto(`${server.url}/admin/tokens`);
    await page.getByLabel('Name').fill('MES Cork');
    await page.getByLabel('What it may do').selectOption('read');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByLabel('Your new token “MES Cork”').inputValue();
    expect(token).to.match(/^imsf_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText()), 'with JavaScript: copied').to.equal(token);
    await expectAccessibleAtBothWidths(page, 'admin token created');
    expect((await http('GET', `${server.url}/api/session`, undefined, { authorization: `Bearer ${token}` })).status).to.equal(200);

    await page.goto(`${server.url}/admin/tokens`);
    const tokenRow = page.getByRole('row').filter({ hasText: 'MES Cork' });
    expect(await tokenRow.textContent()).to.contain('Ada Admin').and.contain('Read only').and.contain('Does not expire').and.not.contain('Never');
    await Promise.all([page.waitForURL((url) => url.search === '?revoked=1'), tokenRow.getByRole('button', { name: 'Revoke token MES Cork of Ada Admin' }).click()]);
    expect(await page.getByRole('status').textContent()).to.contain('The token was revoked');
    expect((await http('GET', `${server.url}/api/session`, undefined, { authorization: `Bearer ${token}` })).status, 'the revoked token is refused').to.equal(401);
    await expectAccessibleAtBothWidths(page, 'admin tokens');
    expect((await server.imsflow.queries.auditTrail({})).map((e) => e.action)).to.include.members(['webhook.subscription-created', 'user.api-token-created', 'user.api-token-revoked']);
    expect(log.errors).to.deep.equal([]);
  });

  it('works without JavaScript: the token is readable, every form posts', async () => {
    const { page, log } = await chrome.newPage({ javaScriptEnabled: false });
    await page.goto(`${server.url}/login?next=/admin/tokens`);
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/admin/tokens'), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.getByLabel('Name').fill('Backup script');
    await page.getByRole('button', { name: 'Create token' }).click();
    expect(await page.getByLabel('Your new token “Backup script”').inputValue()).to.match(/^imsf_/);
    expect(await page.getByRole('button', { name: 'Copy' }).count(), 'no copy button without JavaScript').to.equal(0);
    expect(log.errors).to.deep.equal([]);
  });

  it('is for admins; a site administrator finds only the people of their sites there; staff are refused', async () => {
    await server.accounts.setPassword('sam', PASSWORD, 'test-setup', 'admin page tests');
    const staff = (await server.accounts.login('sam@example.com', PASSWORD, 'admin page test')).token;
    for (const path of ['/admin', '/admin/sites', '/admin/schedules', '/admin/webhooks', '/admin/tokens']) {
      expect((await http('GET', `${server.url}${path}`, undefined, { cookie: `imsflow_session=${staff}` })).status, path).to.equal(403);
    }
    await server.imsflow.saveUser({ id: 'sid', email: 'sid@example.com', name: 'Sid Siteadmin', roles: ['site-admin'], sites: ['basel'] }, 'test-setup');
    await server.accounts.setPassword('sid', PASSWORD, 'test-setup', 'admin page tests');
    const siteAdmin = (await server.accounts.login('sid@example.com', PASSWORD, 'admin page test')).token;
    const landing = await http('GET', `${server.url}/admin`, undefined, { cookie: `imsflow_session=${siteAdmin}` });
    expect(landing.status).to.equal(200);
    expect(landing.text).to.contain('href="/admin/people"').and.contain('2 aktive Personen').and.not.contain('href="/admin/sites"').and.not.contain('href="/admin/tokens"');
    for (const path of ['/admin/sites', '/admin/schedules', '/admin/webhooks', '/admin/tokens']) {
      expect((await http('GET', `${server.url}${path}`, undefined, { cookie: `imsflow_session=${siteAdmin}` })).status, path).to.equal(403);
    }
  });
});
