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
 * The audit-trail page, built from components (api/pages/audit-trail.tsx), walked in headless Chromium:
 * the chain's verification, the count and the CSV link, the filter with its labels and problems, the
 * events table and the pager; a hostile filter value shown as typed; axe-core with no serious or critical
 * violation, nothing sideways on a phone. Screenshots saved, paths printed.
 */

const PASSWORD = 'a long enough passphrase for tests';

// Browser globals used inside page.evaluate() (the project's TypeScript library has no DOM).
declare const document: { documentElement: { scrollWidth: number }; querySelectorAll(selector: string): { length: number } };

describe('the audit-trail page, built from components, walked in Chromium', function () {
  this.timeout(60_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-audit-trail-page-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir }), { logger: pino({ level: 'silent' }) });
    await server.imsflow.saveUser({ id: 'qm1', email: 'quinn@example.com', name: 'Quinn Manager', roles: ['quality-manager'] }, 'test-setup');
    await server.accounts.setPassword('qm1', PASSWORD, 'test-setup', 'audit-trail page tests');
    // enough events for two pages, one with characters HTML escapes in its name
    for (let i = 1; i <= 55; i += 1) {
      await server.imsflow.saveUser({ id: `u${i}`, email: `u${i}@example.com`, name: i === 1 ? `O'Brien & <Sons> ${i}` : `Person ${i}`, roles: ['operator'] }, 'qm1');
    }
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the chain, counts, filters, pages and shows problems as text', async () => {
    const { page } = await chrome.newPage();
    const policyViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
    });
    await page.goto(`${server.url}/login?next=/audit`);
    await page.getByLabel('Email').fill('quinn@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/audit'), page.getByRole('button', { name: 'Sign in' }).click()]);

    expect(await page.title()).to.equal('Audit trail · imsflow');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Audit trail');
    expect(await page.getByRole('link', { name: 'Audit trail' }).getAttribute('aria-current')).to.equal('page');
    const total = (await server.imsflow.store.listAudit({ limit: 1_000_000 })).length;
    expect(await page.locator('.notice.good[role=status]').textContent()).to.equal(`Audit trail verified: the hash chain of all ${total} events is intact.`);
    expect(await page.locator('p[role=status]').textContent()).to.equal(`${total} events match (of ${total} in the trail); page 1 of 2, newest first. Download these events as CSV`);
    expect(await page.getByRole('link', { name: 'Download these events as CSV' }).getAttribute('href')).to.equal('/audit.csv');
    for (const label of ['Record or target', 'User (id)', 'From (date, UTC)', 'To (date, UTC, inclusive)']) expect(await page.getByLabel(label).count(), label).to.equal(1);
    expect(await page.getByLabel('Record or target').getAttribute('aria-describedby')).to.equal('audit-record-hint');
    const table = page.getByRole('region', { name: 'Audit events' });
    expect(await table.locator('tbody tr').count()).to.equal(50);
    expect(await table.locator('th').allTextContents()).to.deep.equal(['#', 'When', 'What happened']);
    expect(await page.getByRole('link', { name: 'Newer events' }).count()).to.equal(0);
    expect(await page.evaluate(() => document.querySelectorAll('script').length), 'no script on the page').to.equal(0);
    await expectAccessibleAtBothWidths(page, 'audit trail page');

    // the older page, then the filter by user through the form
    await Promise.all([page.waitForURL((url) => url.search === '?page=2'), page.getByRole('link', { name: 'Older events' }).click()]);
    expect(await page.getByRole('link', { name: 'Newer events' }).getAttribute('href')).to.equal('/audit?page=1');
    await page.getByLabel('Record or target').fill('user:u1');
    await Promise.all([page.waitForURL((url) => url.searchParams.get('record') === 'user:u1'), page.getByRole('button', { name: 'Apply' }).click()]);
    expect(await page.locator('p[role=status]').textContent()).to.match(/^1 event matches \(of \d+ in the trail\); page 1 of 1, newest first\. /);
    expect(await page.getByRole('link', { name: 'Download these events as CSV' }).getAttribute('href')).to.equal('/audit.csv?record=user%3Au1');
    // the event as a sentence, people by name (a name with & and < shown as typed), the change per field
    expect(await table.locator('tbody .ims-sentence').textContent()).to.equal(`Quinn Manager added O'Brien & <Sons> 1 to the directory`);
    expect(await table.locator('tbody .ims-changes').textContent(), 'what was entered, field by field').to.include(`Name: O'Brien & <Sons> 1`);
    expect(await table.locator('tbody').textContent(), 'no stored object shown as it is').to.not.match(/\{"|\$\{/);

    // a filter with problems: an alert whose links lead to the fields, the values kept as typed
    const hostile = '"><script>alert(1)</script>';
    const response = await page.goto(`${server.url}/audit?record=${encodeURIComponent(hostile)}&from=2026-13-01&to=yesterday`);
    expect(response?.status()).to.equal(400);
    expect(await page.getByRole('alert').locator('p').textContent()).to.equal('Please correct 2 fields.');
    expect(await page.getByRole('alert').getByRole('link').allTextContents()).to.deep.equal(['Give the date as YYYY-MM-DD.', 'Give the date as YYYY-MM-DD.']);
    expect(await page.getByRole('alert').getByRole('link').first().getAttribute('href')).to.equal('#audit-from');
    expect(await page.getByLabel('Record or target').inputValue(), 'the filter comes back as typed').to.equal(hostile);
    expect(await page.getByLabel('From (date, UTC)').getAttribute('aria-invalid')).to.equal('true');
    expect(await page.getByLabel('From (date, UTC)').getAttribute('aria-describedby')).to.equal('audit-from-error');
    expect(await page.getByLabel('User (id)').getAttribute('aria-invalid')).to.equal(null);
    expect(await page.getByRole('region', { name: 'Audit events' }).count(), 'no events while the filter has problems').to.equal(0);
    expect(await page.evaluate(() => document.querySelectorAll('script').length), 'no script on the page').to.equal(0);
    await expectAccessibleAtBothWidths(page, 'audit trail page with filter problems');

    await Promise.all([page.waitForURL((url) => url.pathname === '/audit' && url.search === ''), page.getByRole('link', { name: 'Clear filters' }).click()]);
    expect(await page.getByLabel('Record or target').inputValue()).to.equal('');
    expect(policyViolations, 'Content Security Policy violations').to.deep.equal([]);
  });
});
