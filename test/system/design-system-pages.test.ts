import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { fixtureBpmn } from '../helpers.js';
import { expectAccessibleAtBothWidths } from '../support/accessibility.js';
import { screenshotsDir, useBrowser } from '../support/browser.js';
import { http } from '../support/http.js';
import { signInOperator } from '../support/operator.js';

/**
 * The design system (USWDS, /ui/ims.css) on real pages in headless Chromium: the sign-in page (components),
 * the task list (an old template page, styled through the class names it still uses) and the audit trail
 * (components with the compact filter bar). At desktop and phone width: axe-core finds no serious violation,
 * nothing is wider than the phone, and what a person would notice holds: the stylesheet loads with its icons,
 * the header is the dark bar, an overdue task's badge stands out, and on a phone the audit filters are folded
 * away under their summary while on a desktop they sit in one row. Screenshots saved, paths printed.
 */

const PASSWORD = 'a long enough passphrase for tests';

// Browser globals used inside page.evaluate() (the project's TypeScript library has no DOM).
declare const document: { styleSheets: { length: number; [i: number]: { href: string | null; cssRules: { length: number } } } };
declare const getComputedStyle: (element: unknown) => Record<string, string>;

describe('the design system on the pages, in Chromium', function () {
  this.timeout(90_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  let clock: FakeClock;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-design-system-pages-'));
    clock = new FakeClock('2026-05-04T07:00:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock, logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    await server.imsflow.saveUser({ id: 'quinn', email: 'quinn@example.com', name: 'Quinn North', roles: ['quality-manager'], sites: ['north'] }, 'test-setup');
    await server.accounts.setPassword('quinn', PASSWORD, 'test-setup', 'design system tests');
    expect((await http('POST', `${server.url}/api/definitions`, fixtureBpmn('uiform'), { 'content-type': 'application/xml' })).status).to.equal(201);
    for (const title of ['press 4', 'mixer 2']) {
      const started = await http('POST', `${server.url}/api/processes/uiform/instances`, { variables: { title }, site: 'north' });
      expect(started.status, started.text).to.equal(201);
      if (title === 'press 4') clock.advance(6 * 24 * 3600 * 1000); // its inspection (due in 5 days) is now overdue
    }
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signedIn(): Promise<Page> {
    const { context, page } = await chrome.newPage();
    const login = await context.request.post(`${server.url}/api/session`, { data: { email: 'quinn@example.com', password: PASSWORD } });
    expect(login.status(), await login.text()).to.equal(200);
    return page;
  }

  /** Failed requests (a missing icon or stylesheet) and Content Security Policy refusals, collected on the page. */
  function watch(page: Page): string[] {
    const problems: string[] = [];
    page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
    page.on('response', (response) => {
      // the pages themselves may answer 4xx (a refused sign-in); their stylesheet and icons may not
      if (response.status() >= 400 && response.request().resourceType() !== 'document') problems.push(`${response.status()}: ${response.url()}`);
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
    });
    return problems;
  }

  /** What a person sees without scrolling, saved next to the full-page screenshots. */
  async function firstScreen(page: Page, name: string): Promise<string> {
    const path = join(screenshotsDir(), `${name.replace(/\W+/g, '-')}.png`);
    await page.screenshot({ path });
    return path;
  }

  const style = (page: Page, selector: string, property: string) => page.locator(selector).first().evaluate((element, name) => getComputedStyle(element)[name], property);

  it('the sign-in page: the USWDS stylesheet loads, the header is the dark bar, the error alert has its icon', async () => {
    const { page } = await chrome.newPage();
    const problems = watch(page);
    await page.goto(`${server.url}/login`);
    const sheets = await page.evaluate(() => Array.from({ length: document.styleSheets.length }, (_, i) => ({ href: document.styleSheets[i].href, rules: document.styleSheets[i].cssRules.length })));
    expect(sheets.map((s) => s.href)).to.deep.equal([`${server.url}/ui/ims.css`]);
    expect(sheets[0].rules, 'rules in ims.css').to.be.greaterThan(1000);
    expect(await style(page, 'header', 'backgroundColor'), 'the header: USWDS primary-darker').to.equal('rgb(22, 46, 81)');
    await page.getByLabel('Email').fill('quinn@example.com');
    await page.getByLabel('Password').fill('not the password');
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(await style(page, '[role=alert]', 'borderLeftColor'), 'the alert: USWDS error colour').to.equal('rgb(213, 67, 9)');
    expect(await style(page, '[role=alert] .usa-alert__body', 'backgroundImage'), 'the alert icon (CSS mask)').to.match(/none|url/);
    expect(await style(page, '#email', 'borderTopStyle')).to.equal('solid');
    await expectAccessibleAtBothWidths(page, 'design system: sign-in page with an error');
    expect(problems).to.deep.equal([]);
  });

  it('the task list, an old page: styled through its class names, the overdue badge stands out', async () => {
    const page = await signedIn();
    const problems = watch(page);
    await page.goto(`${server.url}/tasks`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Tasks');
    expect(await style(page, 'header', 'backgroundColor')).to.equal('rgb(22, 46, 81)');
    expect(await page.getByRole('link', { name: 'Tasks' }).getAttribute('aria-current')).to.equal('page');
    const badge = page.locator('.badge.overdue').first();
    expect(await badge.textContent()).to.match(/overdue/i);
    expect(await badge.evaluate((element) => getComputedStyle(element).backgroundColor), 'overdue: USWDS secondary-darker').to.equal('rgb(139, 10, 3)');
    // a plain button of an old page has usa-button's look: the primary blue, white bold text
    const button = page.locator('main button:not(.link):not(:disabled)').first();
    expect(await button.evaluate((element) => [getComputedStyle(element).backgroundColor, getComputedStyle(element).color, getComputedStyle(element).fontWeight])).to.deep.equal(['rgb(0, 94, 162)', 'rgb(255, 255, 255)', '700']);
    await expectAccessibleAtBothWidths(page, 'design system: task list');
    expect(problems).to.deep.equal([]);
  });

  it('the task form and the record page, old pages: every field type and the history readable at both widths', async () => {
    const page = await signedIn();
    const problems = watch(page);
    const tasks = (await http('GET', `${server.url}/api/tasks?status=open`)).json.items as { id: string; instanceId: string }[];
    await page.goto(`${server.url}/tasks/${encodeURIComponent(tasks[0].id)}`);
    expect(await style(page, 'main input[type=text], main textarea', 'borderTopStyle'), 'a text field: USWDS input border').to.equal('solid');
    expect(await page.getByRole('button', { name: /Complete task/ }).count()).to.equal(1);
    await expectAccessibleAtBothWidths(page, 'design system: task form');
    await page.goto(`${server.url}/records/${encodeURIComponent(tasks[0].instanceId)}`);
    expect(await page.getByRole('heading', { level: 1 }).count()).to.equal(1);
    await expectAccessibleAtBothWidths(page, 'design system: record page');
    expect(problems).to.deep.equal([]);
  });

  it('the audit trail: one row of filters on a desktop, folded under "Filter" on a phone', async () => {
    const page = await signedIn();
    const problems = watch(page);
    await page.goto(`${server.url}/audit`);
    const record = page.getByLabel('Record or target');
    const apply = page.getByRole('button', { name: 'Apply' });
    expect(await record.isVisible(), 'filters shown on a desktop').to.equal(true);
    expect(await page.locator('.ims-filter-bar > summary').isVisible(), 'no summary to open on a desktop').to.equal(false);
    const [recordBox, applyBox] = [await record.boundingBox(), await apply.boundingBox()];
    expect(Math.abs(recordBox!.y + recordBox!.height - (applyBox!.y + applyBox!.height)), 'the field and the button on one row').to.be.below(12);
    await expectAccessibleAtBothWidths(page, 'design system: audit trail');

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await record.isVisible(), 'filters folded on a phone').to.equal(false);
    const events = page.getByRole('region', { name: 'Audit events' });
    expect((await events.boundingBox())!.y, 'the events start on the first phone screen').to.be.below(844);
    console.log(`      design system: audit trail, first phone screen: ${await firstScreen(page, 'design system audit trail first phone screen')}`);
    await page.getByText('Filter', { exact: true }).click();
    expect(await record.isVisible(), 'the summary opens them').to.equal(true);
    // the events table stacks: one card per event, its cells labelled
    expect(await style(page, '.usa-table--stacked thead', 'display')).to.equal('none');
    await page.setViewportSize({ width: 1280, height: 800 });
    console.log(`      design system: audit trail, first desktop screen: ${await firstScreen(page, 'design system audit trail first desktop screen')}`);
    expect(problems).to.deep.equal([]);
  });
});
