import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { loadConfig } from '../../engine/boot/config.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { userWithToken } from '../support/operator.js';

/**
 * The properties panel's role of a person field (ims:role), in Chromium: a draft of the shipped internal
 * audit shows its lead auditor asking for an auditor; the process owner lets a field take anyone of the
 * site, and the saved draft has the role no more.
 */

declare const document: { getElementById(id: string): { textContent: string | null } | null };

const PASSWORD = 'correct horse battery staple';

describe('modeler: the role a person field asks for', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let server: RunningServer;
  let dir: string;
  let token: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-panel-role-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock: new FakeClock('2026-05-04T07:00:00.000Z'), logger: pino({ level: 'silent' }) });
    token = await userWithToken(server, { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'] });
    await server.accounts.setPassword('po-anna', PASSWORD, 'test-setup', 'test user');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows and changes the role of a person field, and the draft saves it', async () => {
    const { context, page } = await chrome.newPage({ viewport: { width: 1500, height: 950 } });
    const login = await context.request.post(`${server.url}/api/session`, { data: { email: 'po-anna@example.com', password: PASSWORD } });
    expect(login.status(), await login.text()).to.equal(200);
    await page.goto(`${server.url}/modeler`);
    await page.getByRole('link', { name: 'Internal audit', exact: true }).click();
    await page.getByRole('button', { name: /^Edit version \d+ as a new draft$/ }).click();
    await page.waitForURL(/\/modeler\/drafts\/[^/]+$/);
    const draftId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);

    await page.locator('[data-element-id="plan"]').click();
    // fields: area, auditee, scope, criteria, leadAuditor, auditor2, auditor3, …
    expect(await page.locator('#ims-field-4-key').inputValue()).to.equal('leadAuditor');
    expect(await page.locator('#ims-field-4-role option:checked').textContent()).to.equal('an auditor');
    expect(await page.locator('#ims-field-1-role option:checked').textContent()).to.equal("Anyone active at the record's site");
    // only person fields ask for a role
    expect(await page.locator('#ims-field-0-role').count()).to.equal(0);
    await page.locator('#ims-field-4-role').scrollIntoViewIfNeeded();
    await screenshot(page, 'modeler person field role');

    await page.locator('#ims-field-5-role').selectOption('');
    await page.waitForFunction(() => /^All changes saved/.test(document.getElementById('ims-save-state')?.textContent ?? ''));
    const saved = await fetch(`${server.url}/api/drafts/${encodeURIComponent(draftId)}`, { headers: { authorization: `Bearer ${token}` } });
    const xml = ((await saved.json()) as { xml: string }).xml;
    expect(/<ims:field [^>]*key="leadAuditor"[^>]*>/.exec(xml)?.[0]).to.include('role="auditor"');
    expect(/<ims:field [^>]*key="auditor2"[^>]*>/.exec(xml)?.[0]).to.not.include('role=');
  });

  it('keeps the site a programme row\'s lead auditor is checked at (ims:siteFrom) when the form is edited', async () => {
    const { context, page } = await chrome.newPage({ viewport: { width: 1500, height: 950 } });
    await context.request.post(`${server.url}/api/session`, { data: { email: 'po-anna@example.com', password: PASSWORD } });
    await page.goto(`${server.url}/modeler`);
    await page.getByRole('link', { name: 'Internal audit programme', exact: true }).click();
    await page.getByRole('button', { name: /^Edit version \d+ as a new draft$/ }).click();
    await page.waitForURL(/\/modeler\/drafts\/[^/]+$/);
    const draftId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await page.locator('[data-element-id="planProgramme"]').click();
    // fields: year, criteriaNote, audit1Area, audit1Site, audit1Date, audit1Lead, …
    expect(await page.locator('#ims-field-5-siteFrom').inputValue()).to.equal('audit1Site');
    await page.locator('#ims-field-0-label').fill('Programme year (calendar)');
    await page.locator('#ims-field-0-label').press('Tab');
    await page.waitForFunction(() => /^All changes saved/.test(document.getElementById('ims-save-state')?.textContent ?? ''));
    const saved = await fetch(`${server.url}/api/drafts/${encodeURIComponent(draftId)}`, { headers: { authorization: `Bearer ${token}` } });
    const xml = ((await saved.json()) as { xml: string }).xml;
    expect(xml).to.include('Programme year (calendar)');
    expect(/<ims:field [^>]*key="audit1Lead"[^>]*>/.exec(xml)?.[0]).to.include('siteFrom="audit1Site"').and.include('role="auditor"').and.include('requiredWhen="audit1Area"');
  });
});
