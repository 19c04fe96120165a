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
 * The sign-in page, the first page built from components (api/pages/sign-in.tsx), walked in headless
 * Chromium: what a person reads and can do, a hostile address kept harmless, an email with & and ' shown as typed, axe-core
 * with no serious or critical violation, nothing sideways on a phone. Screenshots saved, paths printed.
 */

const PASSWORD = 'a long enough passphrase for tests';

// Browser globals used inside page.evaluate() (the project's TypeScript library has no DOM).
declare const document: { documentElement: { scrollWidth: number }; querySelectorAll(selector: string): { length: number } };

describe('the sign-in page, built from components, walked in Chromium', function () {
  this.timeout(60_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-sign-in-page-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir }), { logger: pino({ level: 'silent' }) });
    await server.imsflow.saveUser({ id: 'qm1', email: 'quinn@example.com', name: 'Quinn Manager', roles: ['quality-manager'] }, 'test-setup');
    await server.accounts.setPassword('qm1', PASSWORD, 'test-setup', 'sign-in page tests');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('asks for email and password, says what went wrong as text, and signs in', async () => {
    const { page } = await chrome.newPage();
    const policyViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
    });
    const hostileNext = '/tasks?q="><script>alert(1)</script>';
    const opened = await page.goto(`${server.url}/login?next=${encodeURIComponent(hostileNext)}`);
    expect(opened?.status()).to.equal(200);
    expect(await page.title()).to.equal('Sign in · imsflow');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Sign in');
    expect(await page.getByRole('link', { name: 'Skip to content' }).getAttribute('href')).to.equal('#main');
    expect(await page.getByLabel('Email').getAttribute('autocomplete')).to.equal('username');
    expect(await page.getByLabel('Password').getAttribute('autocomplete')).to.equal('current-password');
    expect(await page.locator('input[name=next]').inputValue(), 'the address kept, percent-encoded by safeNext').to.equal('/tasks?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    expect(await page.evaluate(() => document.querySelectorAll('script').length), 'no script on the page').to.equal(0);
    await expectAccessibleAtBothWidths(page, 'sign-in page');

    // a valid address (the browser checks type=email) with the characters HTML escapes
    const hostileEmail = "o'brien+a&b@example.com";
    await page.getByLabel('Email').fill(hostileEmail);
    await page.getByLabel('Password').fill('wrong password');
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(response.status()).to.equal(401);
    expect(await page.getByRole('alert').textContent()).to.equal('The email or the password is wrong.');
    expect(await page.getByLabel('Email').inputValue(), 'the email typed comes back as typed').to.equal(hostileEmail);
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).to.equal('true');
    expect(await page.getByLabel('Password').getAttribute('aria-describedby')).to.equal('login-error');
    await expectAccessibleAtBothWidths(page, 'sign-in page with a wrong password');

    await page.getByLabel('Email').fill('quinn@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/tasks'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).to.equal(1);
    expect(policyViolations, 'Content Security Policy violations').to.deep.equal([]);
  });
});
