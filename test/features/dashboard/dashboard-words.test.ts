import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../../api/server.js';
import { SESSION_COOKIE } from '../../../api/auth.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { onMessageProblem, type MessageProblem } from '../../../engine/kernel/i18n/index.js';
import { bpmn, DAY } from '../../helpers.js';
import { expectAccessibleAtBothWidths } from '../../support/accessibility.js';
import { screenshot, screenshotsDir, useBrowser } from '../../support/browser.js';
import { http, XML_BODY } from '../../support/http.js';
import { signInOperator } from '../../support/operator.js';

/**
 * The dashboard and the modeler's pages as people read them (issue 15): on a phone the figures come first
 * (the filters fold into one line) and nothing runs off the screen, chart labels included; drill-down lists
 * show record titles, people by name, times on the reader's clock and overdue and escalation badges; every
 * page passes axe-core at desktop and phone width; and German and French readers get the pages in their
 * language, with no message missing, no raw template, timestamp, JSON or user id in the text.
 */

const PASSWORD = 'a long enough passphrase for tests';
/** A process whose name and step are long, as plants name them: the labels a phone must not clip. */
const LONG_PROCESS = 'Supplier corrective action request follow-up and verification';
const LONG_TASK = 'Verify the effectiveness of the supplier’s corrective action';

// Browser globals used inside page.evaluate() (the project's TypeScript library may have no DOM).
declare const document: { documentElement: { scrollWidth: number }; querySelector(selector: string): any; querySelectorAll(selector: string): Iterable<any> };
declare const window: { imsDashboard: { charts: Record<string, any> }; scrollY: number };

/** What a person sees of a page's HTML: the text of its body, without scripts, tags or attribute values. */
function visibleText(html: string): string {
  return html
    .replace(/<head>[\s\S]*?<\/head>/, ' ')
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/="[^"]*"/g, '') // attribute values (a quote in text is written &quot;): they may hold '>'
    .replace(/<[^<>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** The text must read as words: no template, no ISO timestamp, no JSON, no user id. */
function expectWords(text: string, where: string, ids: string[]): void {
  expect(text, `${where}: a raw template`).to.not.include('${');
  expect(text, `${where}: an ISO timestamp`).to.not.match(/\d{4}-\d\d-\d\dT\d\d:/);
  expect(text, `${where}: JSON`).to.not.include('{"');
  expect(text, `${where}: UTC`).to.not.match(/\bUTC\b/);
  for (const id of ids) expect(text, `${where}: the user id ${id}`).to.not.match(new RegExp(`\\b${id}\\b`));
}

describe('dashboard and modeler pages in words, on a phone and in German and French', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  const clock = new FakeClock('2026-03-02T08:00:00Z');
  const api = (path: string) => `${server.url}/api${path}`;
  const ids = ['olga', 'sara', 'klaus', 'lea'];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-dashboard-words-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock, logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    const people = [
      { id: 'olga', name: 'Olga Owner', roles: ['staff'], sites: ['basel'] },
      { id: 'sara', name: 'Sara Steering', roles: ['steering-committee'], sites: ['basel'] },
      { id: 'klaus', name: 'Klaus Keller', roles: ['steering-committee'], sites: ['basel'], locale: 'de-CH', timeZone: 'Europe/Zurich' },
      { id: 'lea', name: 'Léa Martin', roles: ['steering-committee'], sites: ['basel'], locale: 'fr-FR', timeZone: 'Europe/Paris' },
    ];
    for (const { id, ...user } of people) {
      await server.imsflow.saveUser({ id, email: `${id}@example.com`, ...user }, 'test-setup');
      await server.accounts.setPassword(id, PASSWORD, 'test-setup', 'dashboard words tests');
    }
    const xml = bpmn(
      'supplier-car',
      `<startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="verify" />
      <userTask id="verify" name="${LONG_TASK}" ims:assignee="olga" ims:due="P5D" />
      <sequenceFlow id="f2" sourceRef="verify" targetRef="e" /><endEvent id="e" />`,
      `name="${LONG_PROCESS}"`,
    );
    expect((await http('POST', api('/definitions'), xml, XML_BODY)).status).to.equal(201);
    for (const title of ['Leaking valve on line 3', 'Cracked housing from supplier Meier']) await server.imsflow.start('supplier-car', { site: 'basel', variables: { title } }, 'operator');
    expect((await http('PUT', api('/kpis/waste-sorted'), { system: 'environment', name: 'Waste sorted', unit: '%', target: 90, direction: 'up', owner: 'olga', source: 'manual', site: 'basel' })).status).to.equal(200);
    await server.imsflow.commands.kpis.enterValue('waste-sorted', { period: '2026-02', value: 92.5 }, 'olga');
    // 20 days later both are 15 days overdue and escalated twice (to the manager after 3 days, the committee after 10)
    clock.advance(20 * DAY);
    while ((await server.scheduler.runDue()) > 0);
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sessions = new Map<string, Awaited<ReturnType<BrowserContext['storageState']>>>();
  async function signedIn(id: string, options: BrowserContextOptions = {}) {
    const storageState = sessions.get(id);
    if (storageState) return chrome.newPage({ ...options, storageState });
    const opened = await chrome.newPage(options);
    const login = await opened.context.request.post(api('/session'), { data: { email: `${id}@example.com`, password: PASSWORD } });
    expect(login.status()).to.equal(200);
    sessions.set(id, await opened.context.storageState());
    return opened;
  }
  const ready = (page: Page) => page.waitForSelector('#dashboard[data-state="ready"]');

  it('on a phone (375 × 812) shows figures on the first screen, folds the filters and clips no chart label', async () => {
    const { page, log } = await signedIn('sara', { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await page.goto(`${server.url}/dashboard`);
    await ready(page);
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      filtersOpen: document.querySelector('#dashboard-filters').open,
      firstFigure: Math.round(document.querySelector('figure').getBoundingClientRect().top + window.scrollY),
      canvases: [...document.querySelectorAll('figure.chart canvas')].map((c) => Math.round(c.getBoundingClientRect().right)),
    }));
    console.log(`      dashboard on a 375 px phone: ${await screenshot(page, 'dashboard phone 375')}`);
    const firstScreen = join(screenshotsDir(), 'dashboard-phone-375-first-screen.png');
    await page.screenshot({ path: firstScreen });
    console.log(`      its first screen: ${firstScreen}`);
    expect(layout.filtersOpen, 'the filter bar is folded').to.equal(false);
    expect(layout.firstFigure, 'the first figure starts on the first screen').to.be.below(812);
    expect(layout.scrollWidth, 'no sideways scrolling').to.be.at.most(375);
    for (const right of layout.canvases) expect(right).to.be.at.most(375);
    // the filter bar's summary says what is shown
    expect(await page.locator('#dashboard-filters summary').textContent()).to.match(/^\s*Filters\s+All your sites · every process · 23 Mar 2025 to 22 Mar 2026\s*$/);

    // every category label of a bar chart fits beside its bars: wrapped onto lines, none wider than its axis
    const fits = await page.evaluate(() =>
      ['byProcess', 'byOwner', 'byRole', 'aging'].map((name) => {
        const chart = window.imsDashboard.charts[name];
        const axis = chart.options.indexAxis === 'y' ? chart.scales.y : chart.scales.x;
        const ctx = chart.ctx;
        ctx.save();
        ctx.font = `${axis.options.ticks.font?.size ?? 13}px ${chart.options.font?.family ?? 'sans-serif'}`;
        const lines = axis.ticks.flatMap((t: { label: string | string[] }) => (Array.isArray(t.label) ? t.label : [t.label]));
        const widest = Math.max(...lines.map((l: string) => ctx.measureText(l).width));
        ctx.restore();
        return { name, lines, widest: Math.round(widest), room: Math.round(chart.options.indexAxis === 'y' ? axis.width : chart.width / Math.max(1, axis.ticks.length)), left: axis.left };
      }),
    );
    for (const axis of fits) {
      expect(axis.left, `${axis.name}: the axis starts on the canvas`).to.be.at.least(0);
      expect(axis.widest, `${axis.name}: widest label line ${JSON.stringify(axis.lines)}`).to.be.at.most(axis.room);
    }
    expect(fits[0].lines.join(' ')).to.include('Supplier corrective').and.include('…');
    expect(log.errors).to.deep.equal([]);
  });

  it('passes axe-core at both widths on the dashboard, its lists and a KPI page; lists show titles, names and badges', async () => {
    const { page, log } = await signedIn('sara');
    await page.goto(`${server.url}/dashboard`);
    await ready(page);
    expect(await page.locator('#dashboard-filters').evaluate((d) => (d as unknown as { open: boolean }).open), 'open on a wide screen').to.equal(true);
    expect(await page.locator('figure[data-chart="byProcess"] th[scope="row"]').first().textContent()).to.equal(LONG_PROCESS);
    expect(await page.locator('figure[data-chart="byOwner"] th[scope="row"]').first().textContent()).to.equal('Olga Owner');
    expectWords((await page.locator('main').innerText()).replace(/\s+/g, ' '), 'dashboard', ids);
    await expectAccessibleAtBothWidths(page, 'dashboard with charts');

    await page.goto(`${server.url}/dashboard/list?figure=overdue`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Overdue tasks');
    expect(await page.locator('main p[role="status"]').textContent()).to.equal('2 records.');
    const rows = page.locator('main table tbody tr');
    expect(await rows.count()).to.equal(2);
    const first = rows.first();
    expect(await first.locator('td[data-label="Record"]').textContent()).to.match(/^SUPPLIERCA-\d{4}-\d{4} · (Leaking valve on line 3|Cracked housing from supplier Meier)$/i);
    expect(await first.locator('td[data-label="Owner"]').textContent()).to.equal('Olga Owner');
    expect(await first.locator('td[data-label="Process"]').textContent()).to.equal(LONG_PROCESS);
    expect(await first.locator('td[data-label="Task"] a').textContent()).to.equal(LONG_TASK);
    expect(await first.locator('td[data-label="Task"] .usa-tag').allTextContents()).to.deep.equal(['Overdue', 'Escalated · level 2']);
    expect(await first.locator('td[data-label="Due"] time').textContent()).to.equal('7 Mar 2026, 08:00');
    expectWords((await page.locator('main').innerText()).replace(/\s+/g, ' '), 'overdue list', ids);
    await expectAccessibleAtBothWidths(page, 'dashboard drill-down list');

    await page.goto(`${server.url}/dashboard/kpis/waste-sorted`);
    const facts = (await page.locator('dl.facts').innerText()).replace(/\s+/g, ' ');
    expect(facts).to.include('Environment (ISO 14001)').and.include('at least 90 %').and.include('Olga Owner');
    expect(await page.locator('main table tbody tr').first().locator('th').textContent()).to.equal('Feb 2026');
    expectWords((await page.locator('main').innerText()).replace(/\s+/g, ' '), 'KPI page', ids);
    await expectAccessibleAtBothWidths(page, 'KPI page');
    expect(log.errors).to.deep.equal([]);
  });

  it('passes axe-core at both widths on the processes page and a process page, with names, not keys or ids', async () => {
    const { page, log } = await signedIn('sara');
    await page.goto(`${server.url}/modeler`);
    await page.waitForSelector('#ims-drafts[data-state="ready"], #ims-drafts[data-state="empty"], #ims-drafts[data-state="error"]').catch(() => undefined);
    const row = page.locator('main table tbody tr', { hasText: LONG_PROCESS });
    expect(await row.locator('td').nth(1).textContent()).to.equal('Version 1');
    expect((await row.locator('td').nth(2).textContent())!.replace(/\s+/g, ' ')).to.equal('2 Mar 2026, 08:00 by Test Operator');
    expect(await page.locator('main table tbody tr', { hasText: 'Nonconformity' }).locator('td').nth(2).textContent()).to.equal('2 Mar 2026, 08:00, shipped with imsflow');
    expectWords((await page.locator('main').innerText()).replace(/\s+/g, ' '), 'processes page', ids);
    await expectAccessibleAtBothWidths(page, 'processes page');

    await page.getByRole('link', { name: LONG_PROCESS }).click();
    await page.waitForSelector('#ims-versions:not([data-state="loading"])');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal(LONG_PROCESS);
    await expectAccessibleAtBothWidths(page, 'process versions page');
    expect(log.errors).to.deep.equal([]);
  });

  it('fits a phone in German too, where the words are longer', async () => {
    const { page, log } = await signedIn('klaus', { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await page.goto(`${server.url}/dashboard`);
    await ready(page);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Steuerungs-Dashboard');
    expect(await page.evaluate(() => document.documentElement.scrollWidth), 'no sideways scrolling').to.be.at.most(375);
    expect(await page.evaluate(() => Math.round(document.querySelector('figure').getBoundingClientRect().top + window.scrollY)), 'the first figure on the first screen').to.be.below(812);
    const chart = await page.evaluate(() => {
      const c = window.imsDashboard.charts.aging;
      return { labels: c.data.labels, series: c.data.datasets.map((d: { label: string }) => d.label) };
    });
    expect(chart).to.deep.equal({ labels: ['1–7 Tage', '8–30 Tage', '31–90 Tage', 'über 90 Tage'], series: ['Überfällige Punkte'] });
    console.log(`      German dashboard on a 375 px phone: ${await screenshot(page, 'dashboard phone 375 german')}`);
    await page.goto(`${server.url}/dashboard/list?figure=overdue`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), 'the list: no sideways scrolling').to.be.at.most(375);
    console.log(`      German overdue list on a 375 px phone: ${await screenshot(page, 'dashboard list phone 375 german')}`);
    expect(log.errors).to.deep.equal([]);
  });

  const cookieOf = async (email: string) => ({ cookie: `${SESSION_COOKIE}=${(await server.accounts.login(email, PASSWORD, 'test')).token}` });
  const PAGES = ['/dashboard', '/dashboard/list?figure=overdue', '/dashboard/list?figure=aging&bucket=8-30', '/dashboard/kpis/waste-sorted', '/modeler', '/modeler/processes/supplier-car', '/modeler/drafts/x', '/modeler/drafts/x/review'];

  for (const [who, email, lang, words] of [
    ['a reader in Basel', 'klaus@example.com', 'de-CH', { '/dashboard': ['Steuerungs-Dashboard', 'Offene Punkte nach Prozess', 'Umwelt (ISO 14001)'], '/dashboard/list?figure=overdue': ['Überfällige Aufgaben', 'Überfällig', 'Eskaliert · Stufe 2', 'Verantwortlich'], '/dashboard/kpis/waste-sorted': ['mindestens 90 %', 'Feb. 2026'], '/modeler': ['Bereitgestellte Prozesse', 'von Test Operator'] }],
    ['a reader in Lyon', 'lea@example.com', 'fr-FR', { '/dashboard': ['Tableau de bord de pilotage', 'Points ouverts par processus', 'Environnement (ISO 14001)'], '/dashboard/list?figure=overdue': ['Tâches en retard', 'En retard', 'Responsable'], '/dashboard/kpis/waste-sorted': ['au moins 90 %', 'févr. 2026'], '/modeler': ['Processus déployés', 'par Test Operator'] }],
  ] as const) {
    it(`renders every dashboard and modeler page for ${who} (${lang}) in their language, with no message missing`, async () => {
      const problems: MessageProblem[] = [];
      const restore = onMessageProblem((p) => problems.push(p));
      try {
        const headers = await cookieOf(email);
        for (const path of PAGES) {
          const reply = await http('GET', `${server.url}${path}`, undefined, headers);
          expect(reply.status, path).to.equal(200);
          expect(reply.text, path).to.include(`<html lang="${lang}">`);
          const text = visibleText(reply.text).replace(/[\u202f\u00a0]/g, ' ');
          expectWords(text, `${path} (${lang})`, ids);
          for (const word of (words as Record<string, readonly string[]>)[path] ?? []) expect(text, `${path} (${lang})`).to.include(word);
        }
      } finally {
        restore();
      }
      expect(problems, 'missing or broken messages').to.deep.equal([]);
    });
  }

  it('reads a time typed in the "as it stood at" field on the reader’s clock', async () => {
    const headers = await cookieOf('klaus@example.com');
    // 12:00 in Zurich in March (UTC+1) is 11:00 UTC: the address holds the instant
    const reply = await fetch(`${server.url}/dashboard?at=2026-03-10T12:00`, { headers, redirect: 'manual' });
    expect(reply.status).to.equal(303);
    expect(reply.headers.get('location')).to.equal('/dashboard?at=2026-03-10T11%3A00Z');
    const page = await http('GET', `${server.url}/dashboard?at=2026-03-10T11%3A00Z`, undefined, headers);
    expect(page.text).to.include('value="2026-03-10T12:00"');
  });
});
