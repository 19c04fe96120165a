import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { wcagViolations } from '../support/accessibility.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { shipped } from '../helpers.js';

/**
 * The records register page (issue 16, item 3), walked in Chromium as a quality manager: finds a
 * nonconformity by a word of its description, filters, saves the view, downloads the CSV and opens the
 * record, by clicking. axe-core (WCAG 2.1 A and AA) finds nothing at desktop or phone width; nothing is
 * wider than the phone; screenshots saved, paths printed.
 */

const PASSWORD = 'a long enough passphrase for tests';

declare const document: { documentElement: { scrollWidth: number }; querySelectorAll(selector: string): { length: number } };

describe('the records register page, in Chromium', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  const numbers: Record<string, string> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-register-page-'));
    const clock = new FakeClock('2026-12-01T09:00:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_DIGEST: 'off', IMSFLOW_CHECK_TIMEOUT_MS: '20000' }), { clock, logger: pino({ level: 'silent' }) });
    await server.imsflow.saveUser({ id: 'aoife', email: 'aoife@example.com', name: 'Aoife Brennan', roles: ['quality-manager'], sites: ['dublin'], locale: 'en-IE', timeZone: 'Europe/Dublin' }, 'test-setup');
    await server.imsflow.saveUser({ id: 'sean', email: 'sean@example.com', name: 'Seán Gallagher', roles: ['staff'], sites: ['dublin'] }, 'test-setup');
    await server.imsflow.saveUser({ id: 'hans', email: 'hans@example.com', name: 'Hans Meier', roles: ['staff'], sites: ['basel'] }, 'test-setup');
    await server.accounts.setPassword('aoife', PASSWORD, 'test-setup', 'register page tests');
    await server.imsflow.deploy(shipped('nonconformity.bpmn'), 'test-setup');
    const raise = async (name: string, variables: Record<string, unknown>, site: string, by: string) => {
      numbers[name] = (await server.imsflow.start('nonconformity', { variables, site }, by)).businessKey;
      clock.advance(3_600_000);
    };
    await raise('pump', { title: 'Oil on the floor of line 3', description: 'The hydraulic pump of the filler leaks', owner: 'sean' }, 'dublin', 'sean');
    await raise('label', { title: 'Wrong label on lot 12', description: 'Labels printed with last year’s address', owner: 'sean' }, 'dublin', 'sean');
    await raise('basel', { title: 'Hydraulic press noisy', description: 'The hydraulic press in Basel rattles', owner: 'hans' }, 'basel', 'hans');
    for (let i = 0; i < 3; i += 1) await raise(`more${i}`, { title: `Scratched housing ${i}`, description: 'Cosmetic defect', owner: 'sean' }, 'dublin', 'sean');
    clock.advance(6 * 86_400_000);
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const axeAtBothWidths = async (page: Parameters<typeof wcagViolations>[0], name: string) => {
    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      await page.setViewportSize({ width, height });
      expect(await wcagViolations(page), `axe-core at ${width}px`).to.deep.equal([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `page width at ${width}px`).to.be.at.most(width);
      console.log(`      ${name}, ${width}px: ${await screenshot(page, `${name} ${width}`)}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  };

  it('finds a nonconformity by a word of its description, filters, saves the view, downloads the CSV and opens it', async () => {
    const { page } = await chrome.newPage({ locale: 'en-IE', acceptDownloads: true });
    await page.goto(`${server.url}/login?next=/records`);
    await page.getByLabel('Email').fill('aoife@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/records'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Records');
    expect(await page.getByRole('link', { name: 'Records', exact: true }).getAttribute('aria-current')).to.equal('page');
    // the whole register of her site: five records, not Basel's
    expect(await page.locator('p[role=status]').textContent()).to.match(/^5 records match\./);
    expect(await page.evaluate(() => document.querySelectorAll('script').length), 'no script on the page').to.equal(0);

    // a word of the description
    await page.getByLabel('Search records').fill('hydraulic');
    await Promise.all([page.waitForURL((url) => url.searchParams.get('q') === 'hydraulic'), page.getByRole('button', { name: 'Search' }).click()]);
    const table = page.getByRole('region', { name: 'Records found' });
    expect(await table.locator('tbody tr').count()).to.equal(1);
    const row = table.locator('tbody tr').first();
    expect(await row.locator('th').textContent()).to.include(numbers.pump).and.include('Oil on the floor of line 3');
    expect(await row.textContent()).to.include('In progress').and.include('Assess and contain').and.include('Overdue');

    // filtered by status: still found, the search kept
    if (!(await page.getByLabel('Status').isVisible())) await page.locator('.ims-filter-bar summary').click();
    await page.getByLabel('Status').selectOption('running');
    await Promise.all([page.waitForURL((url) => url.searchParams.get('status') === 'running'), page.getByRole('button', { name: 'Apply' }).click()]);
    expect(new URL(page.url()).searchParams.get('q')).to.equal('hydraulic');
    expect(await table.locator('tbody tr').count()).to.equal(1);
    await axeAtBothWidths(page, 'register found');

    // saved as a view: it comes back in "My views"
    await page.getByLabel('Name of this view').fill('Hydraulic leaks');
    await Promise.all([page.waitForURL((url) => url.searchParams.get('saved') === 'Hydraulic leaks'), page.getByRole('button', { name: 'Save this view' }).click()]);
    expect(await page.getByRole('status').first().textContent()).to.include('The view “Hydraulic leaks” is saved.');
    const viewLink = page.getByRole('region', { name: 'My views' }).getByRole('link', { name: 'Hydraulic leaks' });
    expect(await viewLink.getAttribute('href')).to.equal('/records?q=hydraulic&status=running');

    // the CSV of what was found
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.trim().split('\r\n')).to.have.length(2);
    expect(csv).to.include(numbers.pump).and.include('Oil on the floor of line 3').and.not.include(numbers.basel);

    // and the record itself
    await Promise.all([page.waitForURL((url) => url.pathname.startsWith('/records/')), row.getByRole('link', { name: numbers.pump }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.include(numbers.pump);
  });

  it('sorts by a column header, pages, and shows a wrong filter as a problem to correct', async () => {
    const { page, context } = await chrome.newPage({ locale: 'en-IE' });
    const { token } = await server.accounts.login('aoife@example.com', PASSWORD, 'test');
    await context.addCookies([{ name: 'imsflow_session', value: token, url: server.url }]);
    await page.goto(`${server.url}/records?pageSize=2`);
    const table = page.getByRole('region', { name: 'Records found' });
    await Promise.all([page.waitForURL((url) => url.searchParams.get('sort') === 'number'), table.getByRole('link', { name: 'Record' }).click()]);
    const first = await table.locator('tbody th a').allTextContents();
    expect(first).to.deep.equal([numbers.pump, numbers.label]);
    expect(await page.getByText('Page 1 of 3').count()).to.equal(1);
    await Promise.all([page.waitForURL((url) => url.searchParams.get('page') === '2'), page.getByRole('link', { name: 'Next page' }).click()]);
    expect(await table.locator('tbody th a').allTextContents()).to.deep.equal([numbers.more0, numbers.more1]);

    const response = await page.goto(`${server.url}/records?openedFrom=2026-13-01`);
    expect(response?.status()).to.equal(400);
    expect(await page.getByRole('alert').getByRole('link').allTextContents()).to.deep.equal(['Give the date as a day, for example 2026-12-31.']);
    expect(await page.getByRole('alert').getByRole('link').first().getAttribute('href')).to.equal('#register-openedFrom');
    await axeAtBothWidths(page, 'register problem');
  });
});
