import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { expectAccessibleAtBothWidths, wcagViolations } from '../support/accessibility.js';
import { screenshot, useBrowser } from '../support/browser.js';

/** A 1×1 PNG, what the photo input sends. */
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/**
 * The public report page (/report/<site>, ProcessPack.intake of the EHS incident pack) in real Chromium at
 * phone width: an anonymous near miss with a photo, the receipt, and the refusal of an 11th report in a minute.
 */
describe('the public report page on a phone (Chromium)', function () {
  this.timeout(120_000);
  const fixture = useBrowser();
  let dir: string;
  let server: RunningServer;
  let clock: FakeClock;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-report-page-'));
    clock = new FakeClock('2026-05-04T07:00:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock, logger: pino({ level: 'silent' }) });
    await server.imsflow.saveUser({ id: 'po-pat', name: 'Pat Owner', email: 'po-pat@example.com', roles: ['process-owner'], sites: ['dublin'] }, 'test-setup');
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes an anonymous near miss with a photo from the camera input, shows a receipt and nothing else, and refuses the 11th report in a minute', async () => {
    const { page } = await fixture.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const photo = join(dir, 'rack4.png');
    writeFileSync(photo, TINY_PNG);

    await page.goto(`${server.url}/report/dublin?area=warehouse`);
    expect(await page.locator('h1').innerText()).to.equal('Report an incident or near miss at dublin');
    expect(await page.locator('input[type=file]').getAttribute('capture')).to.equal('environment');
    expect(await wcagViolations(page)).to.deep.equal([]);
    // the same pages in a desktop browser too: axe and a screenshot at both widths
    const { page: desktop } = await fixture.newPage();
    await desktop.goto(`${server.url}/report/dublin?area=warehouse`);
    await expectAccessibleAtBothWidths(desktop, 'report page');
    await page.getByLabel('What was it').selectOption('near-miss');
    await page.getByLabel('What happened, in a line').fill('Pallet nearly fell from rack 4');
    await page.getByLabel('Tell us more').fill('A pallet slid half off the top of rack 4 as a forklift passed.');
    expect(await page.getByLabel('Where').inputValue(), 'the poster’s area is preset').to.equal('warehouse');
    await page.getByLabel('On which day').fill('2026-05-04');
    await page.getByLabel('A photo').setInputFiles(photo);
    await page.getByRole('button', { name: 'Send the report' }).click();

    await page.waitForURL(/\/report\/dublin\/receipt\?ref=/);
    expect(await page.locator('h1').innerText()).to.equal('Thank you: your report was received');
    const reference = await page.locator('[data-receipt]').innerText();
    expect(reference).to.match(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const shown = await page.locator('main').innerText();
    expect(shown, 'no record number').to.not.match(/EHS-\d{4}/);
    expect(shown, 'nothing of what was reported').to.not.include('rack 4');
    expect(await page.locator('a[href^="/inbox"], a[href^="/records"]').count(), 'no way into the records').to.equal(0);
    expect(await wcagViolations(page)).to.deep.equal([]);
    await desktop.goto(page.url());
    await expectAccessibleAtBothWidths(desktop, 'report receipt');

    const [record] = await server.imsflow.queries.instances({ key: 'ehs-incident', limit: 10 });
    const full = await server.imsflow.getInstance(record!.id);
    expect(full).to.include({ startedBy: 'intake:dublin', site: 'dublin' });
    expect(full.variables).to.deep.include({ kind: 'near-miss', area: 'warehouse', intakeReceipt: reference });
    expect(full.variables.photo).to.deep.include({ contentType: 'image/png', name: 'rack4.png' });

    // nine more in the same minute are taken; the eleventh is refused in words
    for (let n = 2; n <= 11; n += 1) {
      await page.goto(`${server.url}/report/dublin`);
      await page.getByLabel('What was it').selectOption('near-miss');
      await page.getByLabel('What happened, in a line').fill(`Report ${n}`);
      await page.getByLabel('Tell us more').fill('Again.');
      await page.getByLabel('Where').selectOption('production');
      await page.getByLabel('On which day').fill('2026-05-04');
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Send the report' }).click()]);
      expect(response.status(), `report ${n}`).to.equal(n <= 10 ? 303 : 429);
    }
    expect(await page.locator('h1').innerText()).to.equal('Too many reports');
    expect(await page.locator('main').innerText()).to.include('Please wait a minute');
    expect(await wcagViolations(page)).to.deep.equal([]);
    await screenshot(page, 'report refused phone');
    // the refusal as a desktop browser sees it (a 12th report from the same address)
    await desktop.goto(`${server.url}/report/dublin`);
    // sent as it stands (form.submit() skips the browser's own required-field check): the limit comes first
    await Promise.all([desktop.waitForLoadState('load'), desktop.locator('form').evaluate((form) => (form as unknown as { submit(): void }).submit())]);
    await desktop.waitForSelector('h1:text("Too many reports")');
    expect(await desktop.locator('h1').innerText()).to.equal('Too many reports');
    await expectAccessibleAtBothWidths(desktop, 'report refused');
    expect((await server.imsflow.queries.instances({ key: 'ehs-incident', limit: 100 })).length).to.equal(10);
  });
});
