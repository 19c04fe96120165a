import { expect } from 'chai';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { wcagViolations } from '../../support/accessibility.js';
import { screenshot, useBrowser } from '../../support/browser.js';
import { pageTexts } from './pdf-read.js';
import { PASSWORD, DocumentRegister } from './register-fixture.js';

/**
 * The document register's pages in real Chromium: a Dublin staff member finds the SOP from the header's
 * "Documents" link, reads its versions, approvals and training in English on Dublin's clock and downloads
 * the stamped copy; a French-reading quality manager asks what was effective at Basel on a date. Each page
 * passes axe-core at desktop and phone width without scrolling sideways.
 */

const SHOTS = '/tmp/i17-shots';

describe('document control: the register pages (Chromium)', function () {
  this.timeout(180_000);
  const register = new DocumentRegister();
  const chrome = useBrowser();

  before(async () => {
    await register.start();
    await register.build();
    mkdirSync(SHOTS, { recursive: true });
  });
  after(() => register.close());

  const signIn = async (page: Page, user: string, next: string) => {
    await page.goto(`${register.server.url}/login?next=${encodeURIComponent(next)}`);
    await page.locator('input[name=email]').fill(`${user}@example.com`);
    await page.locator('input[name=password]').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === next.split('?')[0]), page.locator('form button[type=submit]').first().click()]);
  };

  const checkAtBothWidths = async (page: Page, name: string) => {
    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      await page.setViewportSize({ width, height });
      expect(await wcagViolations(page), `axe-core at ${width}px`).to.deep.equal([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `page width at ${width}px`).to.be.at.most(width);
      copyFileSync(await screenshot(page, `${name} ${width}`), join(SHOTS, `${name}-${width}.png`));
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  };

  /** What a person reads: no message ids, ISO instants, record ids or JSON. */
  const readsWell = async (page: Page) => {
    const text = (await page.locator('main').innerText()).replace(/SOP-QA-\d+|WI-QA-\d+|DOC-\d{4}-\d+/g, '');
    expect(text).to.not.match(/\bdocuments\.[a-z]+\.[a-z]/);
    expect(text).to.not.match(/\d{4}-\d\d-\d\dT\d\d:/);
    expect(text).to.not.match(/[{}[\]]"/);
    expect(text).to.not.match(/\b(st-dan|qm-cara|po-anna|au-fay)\b/);
  };

  it('a Dublin staff member finds the SOP in the register, reads its versions and training, and downloads the effective copy', async () => {
    const { page } = await chrome.newPage({ locale: 'en-IE', acceptDownloads: true });
    await signIn(page, 'st-dan', '/inbox');
    await Promise.all([page.waitForURL((url) => url.pathname === '/documents'), page.getByRole('link', { name: 'Documents', exact: true }).first().click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Controlled documents');
    const table = page.getByRole('region', { name: /controlled document/ });
    expect(await table.locator('tbody tr').count()).to.equal(1);
    const row = table.locator('tbody tr').first();
    expect(await row.textContent()).to.include('Cleaning and disinfection of the aseptic filling line').and.include('3.0').and.include('Revision 4.0 under way').and.include('Effective').and.include('Anna Owner').and.include('Dublin');
    await readsWell(page);
    await checkAtBothWidths(page, 'documents-register');

    // a search that finds nothing, then the document itself
    if (!(await page.getByLabel('Number or title').isVisible())) await page.locator('.ims-filter-bar summary').click();
    await page.getByLabel('Number or title').fill('clearance');
    await Promise.all([page.waitForURL((url) => url.searchParams.get('q') === 'clearance'), page.getByRole('button', { name: 'Apply' }).click()]);
    expect(await page.locator('main').innerText()).to.include('No controlled documents match.');
    await page.goto(`${register.server.url}/documents`);
    await Promise.all([page.waitForURL((url) => url.pathname === '/documents/SOP-QA-0001'), page.getByRole('link', { name: 'SOP-QA-0001' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('SOP-QA-0001 Cleaning and disinfection of the aseptic filling line');
    const main = await page.locator('main').innerText();
    expect(main).to.include('Revision 4.0 is under way: Approved, not yet effective.');
    expect(main).to.include('Cara Quality').and.include('Fay Auditor').and.include('Reviewed: Cleaning 1.0').and.include('Read and understood: 1 of 2');
    // training at every site the version applied to: Dan at Dublin read it, Eve at Basel has yet to
    expect(main).to.include('Dan Staff').and.include('Outstanding').and.include('Eve Staff');
    await readsWell(page);
    await checkAtBothWidths(page, 'document-sop');

    // Dan may have the effective copy only
    const links = page.getByRole('link', { name: /SOP-QA-0001 revision .* \(PDF\)/ });
    expect(await links.allTextContents()).to.deep.equal(['SOP-QA-0001 revision 3.0 (PDF)']);
    const [download] = await Promise.all([page.waitForEvent('download'), links.first().click()]);
    expect(download.suggestedFilename()).to.equal('SOP-QA-0001-3.0-effective.pdf');
    const [text] = await pageTexts(new Uint8Array(readFileSync((await download.path())!)));
    expect(text).to.contain('Cleaning 3.0').and.contain('Effective').and.contain('Cara Quality');
  });

  it('a French-reading quality manager asks what was effective at Basel on the day 2.0 took effect', async () => {
    const { page } = await chrome.newPage({ locale: 'fr-CH' });
    await signIn(page, 'qm-cara', '/documents/effective');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('En vigueur à une date');
    // a date the form cannot read is named on its field
    await page.goto(`${register.server.url}/documents/effective?site=basel&at=2026-02-30`);
    expect(await page.locator('main').innerText()).to.include('Date : écrivez une date AAAA-MM-JJ');
    await page.goto(`${register.server.url}/documents/effective`);
    await page.getByLabel('Site', { exact: true }).selectOption('basel');
    const day = register.releases[1]!.effectiveAt.toISOString().slice(0, 10);
    await page.getByLabel('Date', { exact: true }).fill(day);
    await Promise.all([page.waitForURL((url) => url.searchParams.get('at') === day), page.getByRole('button', { name: 'Afficher' }).click()]);
    const main = await page.locator('main').innerText();
    expect(main).to.match(/En vigueur à basel/i);
    const rows = page.locator('main table tbody tr');
    expect(await rows.count()).to.equal(1);
    expect(await rows.first().textContent()).to.include('SOP-QA-0001').and.include('2.0');
    await readsWell(page);
    await checkAtBothWidths(page, 'documents-effective');
    await page.goto(`${register.server.url}/documents?reviewDue=90`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Documents maîtrisés');
    await checkAtBothWidths(page, 'documents-reviews-due');
  });
});
