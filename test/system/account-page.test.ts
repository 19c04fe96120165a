import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { useBrowser } from '../support/browser.js';
import { expectAccessibleAtBothWidths } from '../support/accessibility.js';

/**
 * The account page walked in headless Chromium: from the header link, a person switches to Swiss German
 * and Zurich's clock and reads the next page in German; axe-core at desktop and phone width before and
 * after. Screenshots saved, paths printed.
 */

const PASSWORD = 'a long enough passphrase for tests';

describe('the account page, walked in Chromium', function () {
  this.timeout(90_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-account-page-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir }), { logger: pino({ level: 'silent' }) });
    await server.imsflow.saveUser({ id: 'qm1', email: 'quinn@example.com', name: 'Quinn Manager', roles: ['quality-manager'], sites: ['basel'] }, 'test-setup');
    await server.accounts.setPassword('qm1', PASSWORD, 'test-setup', 'account page tests');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('changes to Deutsch and Zurich time from the header link, and the pages read in German', async () => {
    const { page, log } = await chrome.newPage();
    await page.goto(`${server.url}/login?next=/account`);
    await page.getByLabel('Email').fill('quinn@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/account'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Your account');
    expect(await page.getByRole('link', { name: 'Your account' }).getAttribute('aria-current')).to.equal('page');
    expect(await page.getByLabel('Language').inputValue(), 'no choice yet: the default').to.equal('');
    await expectAccessibleAtBothWidths(page, 'account page');

    await page.getByLabel('Language').selectOption('de-CH');
    await page.getByLabel('Time zone').selectOption('Europe/Zurich');
    await Promise.all([page.waitForURL((url) => url.search === '?saved=1'), page.getByRole('button', { name: 'Save', exact: true }).click()]);
    expect(await page.locator('html').getAttribute('lang')).to.equal('de-CH');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Mein Konto');
    expect(await page.getByRole('status').textContent()).to.match(/^Gespeichert\. Ihre Seiten erscheinen jetzt auf Deutsch \(Schweiz\); Zeitzone: Mitteleuropäische (Normal|Sommer)?[Zz]eit\.$/);
    expect(await page.getByLabel('Sprache').inputValue()).to.equal('de-CH');
    expect(await page.getByLabel('Zeitzone').inputValue()).to.equal('Europe/Zurich');
    await expectAccessibleAtBothWidths(page, 'account page in German');

    // the other pages built from components follow (the audit trail; the task list once converted)
    await page.getByRole('link', { name: 'Audit-Trail' }).click();
    await page.waitForURL((url) => url.pathname === '/audit');
    expect(await page.getByRole('button', { name: 'Abmelden' }).count()).to.equal(1);

    // a refusal is a page in her language too
    const missing = await page.goto(`${server.url}/records/no-such-record`);
    expect(missing?.status()).to.equal(404);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Nicht gefunden');
    expect(await page.getByRole('alert').textContent()).to.equal('Hier gibt es nichts, oder es ist nicht für Sie bestimmt.');
    await expectAccessibleAtBothWidths(page, 'not-found page in German');
    expect(log.errors).to.deep.equal([]);
  });
});
