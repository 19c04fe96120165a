import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { bpmn } from '../helpers.js';
import { wcagViolations } from '../support/accessibility.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { TestSmtpServer } from '../support/smtp.js';

/**
 * Administration of people walked in headless Chromium: an admin imports 50 people from a CSV file (the
 * dry run shows 50 to add, then the import), finds a person who holds an open task whose link was emailed
 * to them, and deactivates them with a reason. The emailed link is then refused, and the task is with
 * their manager. axe-core (WCAG 2.1 A/AA, every impact) and screenshots at 1280 and 390 px on each page.
 */

const PASSWORD = 'a long enough passphrase for tests';

const REPORT = bpmn(
  'deviation-report',
  `<startEvent id="s" /><sequenceFlow id="f0" sourceRef="s" targetRef="write" />
   <userTask id="write" name="Write the deviation report" ims:assignee="pat" ims:due="P3D"><extensionElements><ims:form><ims:field key="summary" label="Summary" type="longtext" required="true" /></ims:form></extensionElements></userTask>
   <sequenceFlow id="f1" sourceRef="write" targetRef="e" /><endEvent id="e" />`,
  'name="Deviation report" ims:ownerRole="quality-manager"',
);

/** axe-core clean (any impact), nothing sideways, at desktop and phone width; a screenshot at each. */
async function expectCleanAtBothWidths(page: Page, name: string): Promise<void> {
  for (const [width, height] of [[1280, 800], [390, 844]] as const) {
    await page.setViewportSize({ width, height });
    expect(await wcagViolations(page), `${name} at ${width}px`).to.deep.equal([]);
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth), `${name}: width at ${width}px`).to.be.at.most(width);
    console.log(`      ${name}, ${width}px: ${await screenshot(page, `admin people ${name} ${width}`)}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('administration of people, walked in Chromium', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let dir: string;
  let smtp: TestSmtpServer;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-admin-people-'));
    smtp = await new TestSmtpServer().start();
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, SMTP_URL: smtp.url, IMSFLOW_POLL_MS: '0', IMSFLOW_DIGEST: 'off' }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }) });
    const { imsflow } = server;
    await imsflow.saveUser({ id: 'ada', email: 'ada@example.com', name: 'Ada Admin', roles: ['admin'] }, 'test-setup');
    await server.accounts.setPassword('ada', PASSWORD, 'test-setup', 'admin pages test');
    await imsflow.saveUser({ id: 'mia', email: 'mia@example.com', name: 'Mia Manager', roles: ['quality-manager'], sites: ['basel'] }, 'test-setup');
    await imsflow.saveUser({ id: 'pat', email: 'pat@example.com', name: 'Pat Leaver', roles: ['staff'], sites: ['basel'], managerId: 'mia' }, 'test-setup');
  });
  after(async () => {
    await server?.close();
    await smtp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports 50 people after a dry run, deactivates one, whose emailed link is then refused and whose task goes to their manager', async () => {
    const { imsflow } = server;
    await imsflow.deploy(REPORT, 'ada');
    const started = await imsflow.start('deviation-report', { site: 'basel' }, 'mia');
    const [task] = await imsflow.listTasks({ instanceId: started.id });
    const before = smtp.received.length;
    await server.scheduler.runDue();
    await smtp.waitFor(before + 1);
    const email = smtp.received.slice(before).find((e) => (e.to ?? []).some((a) => 'address' in a && a.address === 'pat@example.com'))!;
    const link = /Open the task: (\S+)/.exec(email.text ?? '')![1];

    const { page, log } = await chrome.newPage({ locale: 'en-GB' });
    await page.goto(`${server.url}/login?next=/admin/people`);
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/admin/people'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('People');
    await expectCleanAtBothWidths(page, 'list');

    // the import: a file of 50 people, the dry run, then the import
    await page.getByRole('link', { name: 'Import from a CSV file' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/people/import');
    await expectCleanAtBothWidths(page, 'import');
    const rows = Array.from({ length: 50 }, (_, i) => `operator${i + 1}@example.com,Operator ${i + 1},staff,basel,mia@example.com,${i % 2 ? 'de-CH' : ''}`);
    await page.getByLabel('CSV file').setInputFiles({ name: 'new-starters.csv', mimeType: 'text/csv', buffer: Buffer.from(`email,display name,roles,sites,manager email,locale\n${rows.join('\n')}\n`) });
    await Promise.all([page.waitForURL((url) => url.pathname === '/admin/people/import'), page.getByRole('button', { name: 'Check the file' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Import people: what would change');
    expect(await page.getByRole('status').textContent()).to.equal('50 to add, nobody to change, none unchanged, no problem.');
    expect(await page.locator('tbody tr').count()).to.equal(50);
    expect(await page.locator('tbody tr').first().textContent()).to.contain('Manager: mia@example.com');
    expect(await imsflow.store.getUserByEmail('operator1@example.com'), 'the dry run writes nothing').to.equal(undefined);
    await expectCleanAtBothWidths(page, 'dry run');
    await Promise.all([page.waitForURL((url) => url.pathname === '/admin/people'), page.getByRole('button', { name: 'Import: add 50 people, nobody to change' }).click()]);
    expect(await page.getByRole('status').first().textContent()).to.equal('Imported: 50 people added, nobody changed.');
    expect((await imsflow.people.list('ada', { search: 'operator' })).length).to.equal(50);

    // find Pat, and deactivate them with a reason
    await page.getByLabel('Name or email').fill('pat');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === 'pat');
    await page.getByRole('link', { name: 'Pat Leaver' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/people/pat');
    expect(await page.getByRole('link', { name: /Write the deviation report/ }).count()).to.equal(1);
    await expectCleanAtBothWidths(page, 'person');
    await page.getByRole('link', { name: 'Deactivate…' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/people/pat/deactivate');
    await expectCleanAtBothWidths(page, 'deactivate');
    await page.getByRole('button', { name: 'Deactivate Pat Leaver' }).click();
    expect(await page.getByLabel('Why').evaluate((el) => (el as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing), 'a reason is required').to.equal(true);
    await page.getByLabel('Why').fill('Left the company on 30 April');
    await Promise.all([page.waitForURL((url) => url.pathname === '/admin/people/pat/deactivated'), page.getByRole('button', { name: 'Deactivate Pat Leaver' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Pat Leaver is deactivated');
    expect(await page.getByRole('status').textContent()).to.contain('by Ada Admin: signed out everywhere; API tokens and emailed task links revoked. Why: Left the company on 30 April');
    expect(await page.locator('main li').first().textContent()).to.equal(`${task.businessKey}: Write the deviation report, to their manager Mia Manager`);
    await expectCleanAtBothWidths(page, 'deactivated');

    // the link Pat was emailed is refused, in a browser of its own (signed out, as from the mail client)
    const { page: mail } = await chrome.newPage({ locale: 'en-GB' });
    const refused = await mail.goto(link);
    expect(refused?.status()).to.equal(410);
    expect(await mail.getByRole('heading', { level: 1 }).textContent()).to.equal('This link is no longer valid');
    expect(await mail.locator('main').textContent()).to.contain('This link was for Pat Leaver, whose account is no longer active.');
    await expectCleanAtBothWidths(mail, 'refused link');

    expect(await imsflow.store.getTask(task.id)).to.deep.include({ assignee: 'mia', status: 'open' });
    const handover = (await imsflow.store.listAudit({ target: `task:${task.id}` })).pop()!;
    expect(handover).to.deep.include({ actor: 'ada', action: 'task.reassigned', reason: 'Pat Leaver was deactivated (Left the company on 30 April): given to their manager' });
    expect(log.errors).to.deep.equal([]);
  });
});
