import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../../api/server.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { bpmn, DAY } from '../../helpers.js';
import { screenshot, useBrowser } from '../../support/browser.js';
import { http, XML_BODY } from '../../support/http.js';
import { signInOperator } from '../../support/operator.js';

/**
 * The steering dashboard in a real browser (headless Chromium): a steering-committee member of one site
 * sees that site's figures as tiles, tables and Chart.js charts drawn on their canvases; a click on a bar
 * opens the list of the records it counted; the filters live in the URL and survive a reload; a member of
 * another site sees only theirs. The data set is built on a fake clock, so every figure is known.
 */

const PASSWORD = 'a long enough passphrase for tests';

// Functions given to page.evaluate() run in the page: the browser globals they use.
declare const document: { querySelector(selector: string): any; querySelectorAll(selector: string): Iterable<any> };
declare const window: { imsDashboard: { charts: Record<string, any> } };

/** What a drawn chart holds: its labels, and each dataset's label and values. */
interface ChartData {
  labels: string[];
  datasets: { label: string; data: number[] }[];
}

function chartData(page: Page, name: string): Promise<ChartData | undefined> {
  return page.evaluate((n) => {
    const chart = window.imsDashboard.charts[n];
    return chart ? { labels: [...chart.data.labels], datasets: chart.data.datasets.map((d: any) => ({ label: d.label, data: [...d.data] })) } : undefined;
  }, name);
}

/** How many pixels of the figure's canvas are painted (not transparent): 0 for a blank canvas. */
function paintedPixels(page: Page, name: string): Promise<number> {
  return page.evaluate((n) => {
    const canvas = document.querySelector(`figure[data-chart="${n}"] canvas`);
    if (!canvas) return 0;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted += 1;
    return painted;
  }, name);
}

/** Where on the page a bar (dataset, index) of a chart is drawn: the point to click. */
function barPoint(page: Page, name: string, dataset: number, index: number): Promise<{ x: number; y: number }> {
  return page.evaluate(
    ({ n, d, i }) => {
      const chart = window.imsDashboard.charts[n];
      const bar = chart.getDatasetMeta(d).data[i];
      chart.canvas.scrollIntoView({ block: 'center' }); // a mouse clicks what is on the screen
      const box = chart.canvas.getBoundingClientRect();
      // a horizontal bar runs from the axis (base) to x: click halfway along it
      return { x: box.left + (bar.x + bar.base) / 2, y: box.top + bar.y };
    },
    { n: name, d: dataset, i: index },
  );
}

/** The four tiles at the top: open, due soon, overdue, escalated. */
async function tiles(page: Page): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const tile of await page.locator('ul[aria-label="Open items"] .tile').all()) {
    found[(await tile.locator('.label').textContent())!.trim()] = (await tile.locator('.figure').textContent())!.trim();
  }
  return found;
}

/** Waits until the dashboard script has run (the charts are drawn or found empty). */
async function ready(page: Page): Promise<void> {
  await page.waitForSelector('#dashboard[data-state="ready"]');
}

describe('dashboard page: charts, drill-down and filters in a real browser (headless Chromium)', function () {
  this.timeout(90_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  const clock = new FakeClock('2026-03-02T08:00:00Z');
  const api = (path: string) => `${server.url}/api${path}`;
  /** Business keys by site and process, as started. */
  const keys = { baselOverdue: [] as string[], baselDueSoon: [] as string[], dublin: [] as string[] };

  const processXml = (key: string, name: string, task: string) =>
    bpmn(
      key,
      `<startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="t" />
      <userTask id="t" name="${task}" ims:assignee="olga" ims:due="P5D" />
      <sequenceFlow id="f2" sourceRef="t" targetRef="e" /><endEvent id="e" />`,
      `name="${name}"`,
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-dashboard-page-'));
    // no polling: jobs (reminders, escalations) run when the test says, so every figure is known
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock, logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    const people = [
      { id: 'olga', name: 'Olga Owner', roles: ['staff'], sites: ['basel', 'dublin'] },
      { id: 'sara', name: 'Sara Steering', roles: ['steering-committee'], sites: ['basel'] },
      { id: 'dan', name: 'Dan Steering', roles: ['steering-committee'], sites: ['dublin'] },
      { id: 'cora', name: 'Cora Steering', roles: ['steering-committee'], sites: ['cork'] },
    ];
    for (const { id, ...user } of people) {
      expect((await http('PUT', api(`/users/${id}`), { email: `${id}@example.com`, ...user })).status).to.equal(200);
      await server.accounts.setPassword(id, PASSWORD, 'test-setup', 'dashboard page tests');
    }
    for (const [key, name, task] of [
      ['line-clearance', 'Line clearance', 'Check the line is clear'],
      ['safety-walk', 'Safety walk', 'Walk the floor'],
    ]) {
      expect((await http('POST', api('/definitions'), processXml(key, name, task), XML_BODY)).status).to.equal(201);
    }
    const ids = new Map<string, string>();
    const start = async (key: string, site: string) => {
      const started = await server.imsflow.start(key, { site }, 'operator');
      ids.set(started.businessKey!, started.id);
      return started.businessKey!;
    };

    // 2026-03-02: three line clearances at Basel, one at Dublin, all due 2026-03-07
    for (let i = 0; i < 3; i += 1) keys.baselOverdue.push(await start('line-clearance', 'basel'));
    keys.dublin.push(await start('line-clearance', 'dublin'));
    // 2026-03-22: one Basel clearance done late; two safety walks opened at Basel, due 2026-03-27
    clock.advance(20 * DAY);
    const done = keys.baselOverdue.shift()!;
    const [task] = (await http('GET', api(`/tasks?status=open&instance=${ids.get(done)}`))).json.items as { id: string; businessKey: string }[];
    expect(task?.businessKey).to.equal(done);
    await server.imsflow.completeTask(task.id, {}, 'olga');
    for (let i = 0; i < 2; i += 1) keys.baselDueSoon.push(await start('safety-walk', 'basel'));
    // an hour later the dashboard is read; every reminder and escalation due by then has run (the overdue
    // clearances, 15 days late, have passed both default escalations: to the manager after 3 days, to the
    // steering committee after 10)
    clock.advance(DAY / 24);
    while ((await server.scheduler.runDue()) > 0);
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Each person signs in once (the login limiter counts sign-ins per address); later pages reuse the cookie. */
  const sessions = new Map<string, Awaited<ReturnType<BrowserContext['storageState']>>>();

  /** A browser signed in as the person (the session cookie of POST /api/session, as the login page sets it). */
  async function signedIn(id: string, options: BrowserContextOptions = {}) {
    const storageState = sessions.get(id);
    if (storageState) return chrome.newPage({ ...options, storageState });
    const opened = await chrome.newPage(options);
    const login = await opened.context.request.post(api('/session'), { data: { email: `${id}@example.com`, password: PASSWORD } });
    expect(login.status()).to.equal(200);
    sessions.set(id, await opened.context.storageState());
    return opened;
  }

  it('shows a site\'s figures as tiles and charts; clicking a bar lists its records', async () => {
    const { page, log, context } = await signedIn('sara');
    const response = await page.goto(`${server.url}/dashboard`);
    expect(response?.status()).to.equal(200);
    await ready(page);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Steering dashboard');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current')).to.equal('page');

    // Basel: two clearances overdue by 15 days (escalated twice), two safety walks due in 5 days
    expect(await tiles(page)).to.deep.equal({ Open: '4', 'Due soon': '2', Overdue: '2', Escalated: '2' });

    // the charts are drawn: Chart.js holds the figures, and their canvases are painted
    const byProcess = await chartData(page, 'byProcess');
    expect(byProcess?.labels).to.deep.equal(['Line clearance', 'Safety walk']);
    expect(byProcess?.datasets).to.deep.equal([
      { label: 'Open', data: [2, 2] },
      { label: 'Due soon', data: [0, 2] },
      { label: 'Overdue', data: [2, 0] },
    ]);
    expect((await chartData(page, 'bySite'))?.labels).to.deep.equal(['basel']);
    expect((await chartData(page, 'aging'))?.datasets[0].data).to.deep.equal([0, 2, 0, 0]);
    const trends = await chartData(page, 'trends');
    const sum = (label: string) => trends!.datasets.find((d) => d.label === label)!.data.reduce((a, b) => a + b, 0);
    expect([sum('Opened'), sum('Closed')]).to.deep.equal([5, 1]);
    for (const name of ['byProcess', 'bySite', 'byOwner', 'aging', 'escalations', 'trends']) {
      expect(await page.locator(`figure[data-chart="${name}"]`).getAttribute('data-state'), name).to.equal('drawn');
      expect(await paintedPixels(page, name), `painted pixels of ${name}`).to.be.above(500);
    }
    expect(await chartData(page, 'escalations')).to.deep.equal({ labels: ['Level 2'], datasets: [{ label: 'Escalated items', data: [2] }] });
    // nothing to draw: a sentence, no empty chart
    expect(await page.locator('figure[data-chart="findings"]').getAttribute('data-state')).to.equal('empty');
    expect(await page.locator('figure[data-chart="findings"] canvas').count()).to.equal(0);
    // each chart is an image with a description; its figures stay one click away as a table
    expect(await page.locator('figure[data-chart="byProcess"] canvas').getAttribute('aria-label')).to.equal(
      'Bar chart: Open items by process. Line clearance: 2 open, 0 due soon, 2 overdue; Safety walk: 2 open, 2 due soon, 0 overdue.',
    );
    expect(await page.locator('figure[data-chart="byProcess"] details.figures table').count()).to.equal(1);
    await screenshot(page, 'dashboard basel');

    // a click on the overdue bar of Line clearance opens the two overdue clearances of Basel
    const point = await barPoint(page, 'byProcess', 2, 0);
    await Promise.all([page.waitForURL(/\/dashboard\/list\?/), page.mouse.click(point.x, point.y)]);
    const url = new URL(page.url());
    expect(url.pathname).to.equal('/dashboard/list');
    expect(Object.fromEntries(url.searchParams)).to.deep.equal({ figure: 'overdue', byProcess: 'line-clearance' });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Overdue tasks');
    const records = page.locator('main table tbody tr td:first-child a');
    expect((await records.allTextContents()).sort()).to.deep.equal([...keys.baselOverdue].sort());
    for (const href of await records.evaluateAll((links) => links.map((a) => a.getAttribute('href')))) expect(href).to.match(/^\/records\/[\w-]+$/);
    expect(await page.locator('main table tbody tr td[data-label="Days overdue"]').allTextContents()).to.deep.equal(['16', '16']); // 15 days and an hour, counted as started days
    // the same list as CSV
    const csvHref = await page.getByRole('link', { name: 'Download as CSV' }).getAttribute('href');
    const csv = await context.request.get(`${server.url}${csvHref}`);
    expect(csv.status()).to.equal(200);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines).to.have.length(3);
    for (const key of keys.baselOverdue) expect(lines.slice(1).some((line) => line.startsWith(`"${key}"`)), key).to.equal(true);
    await screenshot(page, 'dashboard drill-down');
    expect(log.errors).to.deep.equal([]);
  });

  it('keeps the filters in the URL, so a shared or reloaded page is the same', async () => {
    const { page, log } = await signedIn('sara');
    await page.goto(`${server.url}/dashboard`);
    await ready(page);
    await page.getByRole('group', { name: 'Process' }).getByLabel('Safety walk').check();
    await page.getByLabel('From', { exact: true }).fill('2026-03-16');
    await Promise.all([page.waitForURL(/process=/), page.getByRole('button', { name: 'Apply' }).click()]);
    await ready(page);

    // the address holds the filters, in one spelling (no empty fields)
    const url = new URL(page.url());
    expect([...url.searchParams]).to.deep.equal([
      ['process', 'safety-walk'],
      ['from', '2026-03-16'],
    ]);
    const seen = async () => ({
      tiles: await tiles(page),
      byProcess: await chartData(page, 'byProcess'),
      weeks: (await chartData(page, 'trends'))?.labels,
      process: await page.getByRole('group', { name: 'Process' }).getByLabel('Safety walk').isChecked(),
      other: await page.getByRole('group', { name: 'Process' }).getByLabel('Line clearance').isChecked(),
      from: await page.getByLabel('From', { exact: true }).inputValue(),
      period: await page.locator('#dashboard p[role="status"]').textContent(),
    });
    const applied = await seen();
    expect(applied.tiles).to.deep.equal({ Open: '2', 'Due soon': '2', Overdue: '0', Escalated: '0' });
    expect(applied.byProcess?.labels).to.deep.equal(['Safety walk']);
    expect(applied.weeks).to.deep.equal(['Wk 12']);
    expect([applied.process, applied.other, applied.from]).to.deep.equal([true, false, '2026-03-16']);
    expect(applied.period).to.include('period 16 Mar 2026 to 22 Mar 2026');

    // the drill-down links carry the filters
    const tile = page.locator('ul[aria-label="Open items"] a').first();
    expect(new URL((await tile.getAttribute('href'))!, server.url).searchParams.getAll('process')).to.deep.equal(['safety-walk']);

    // reloaded (or opened from a shared link): the same view
    await page.reload();
    await ready(page);
    expect(await seen()).to.deep.equal(applied);
    const { page: shared } = await signedIn('sara');
    await shared.goto(page.url());
    await ready(shared);
    expect(await tiles(shared)).to.deep.equal(applied.tiles);

    // clearing the filters gives the whole of Basel again
    await Promise.all([page.waitForURL(`${server.url}/dashboard`), page.getByRole('link', { name: 'Clear filters' }).click()]);
    await ready(page);
    expect((await tiles(page)).Open).to.equal('4');
    expect(log.errors).to.deep.equal([]);
  });

  it('shows the dashboard as it stood at a given time, and explains a wrong filter', async () => {
    const { page, log } = await signedIn('sara');
    // a datetime field sends the time without a zone, on the reader's clock (here UTC): the address gets the
    // instant, the field shows it as typed
    await page.goto(`${server.url}/dashboard?at=2026-03-10T12:00`);
    await ready(page);
    expect(new URL(page.url()).searchParams.get('at')).to.equal('2026-03-10T12:00Z');
    expect(await page.getByLabel('As it stood at (optional)').inputValue()).to.equal('2026-03-10T12:00');
    // on 10 March the three Basel clearances were open and overdue; the safety walks did not exist yet
    const then = await tiles(page);
    expect([then.Open, then['Due soon'], then.Overdue]).to.deep.equal(['3', '0', '3']);
    expect(await page.locator('#dashboard p[role="status"]').textContent()).to.include('10 Mar 2026, 12:00');

    // a period that ends before it starts: the form comes back, the message next to the field
    expect((await page.goto(`${server.url}/dashboard?from=2026-03-20&to=2026-03-01`))?.status()).to.equal(400);
    expect(await page.getByRole('alert').textContent()).to.include('From: must not be after to (2026-03-01)');
    expect(await page.locator('#f-from').getAttribute('aria-invalid')).to.equal('true');
    expect(await page.locator('#f-from-error').textContent()).to.equal('must not be after to (2026-03-01)');
    expect(await page.getByLabel('To (inclusive)').inputValue()).to.equal('2026-03-01');
    expect(log.errors).to.deep.equal([]);
  });

  it('shows a member of another site only that site\'s figures, and refuses the first site\'s', async () => {
    const { page, log } = await signedIn('dan');
    await page.goto(`${server.url}/dashboard`);
    await ready(page);
    expect(await tiles(page)).to.deep.equal({ Open: '1', 'Due soon': '0', Overdue: '1', Escalated: '1' });
    expect((await chartData(page, 'bySite'))?.labels).to.deep.equal(['dublin']);
    expect((await chartData(page, 'byProcess'))?.datasets.map((d) => d.data)).to.deep.equal([[1], [0], [1]]);
    const text = (await page.locator('main').textContent())!;
    expect(text).to.not.include('basel');
    expect(await page.getByRole('group', { name: 'Site' }).getByRole('checkbox').count()).to.equal(1);

    // the open items' list holds Dublin's record only
    await Promise.all([page.waitForURL(/figure=open/), page.locator('ul[aria-label="Open items"] .tile.open a').click()]);
    expect(await page.locator('main table tbody tr td:first-child a').allTextContents()).to.deep.equal(keys.dublin);

    // Basel's figures are refused, on the page and in its list
    expect((await page.goto(`${server.url}/dashboard?site=basel`))?.status()).to.equal(403);
    expect(await page.locator('main').textContent()).to.match(/do not belong to site basel/);
    expect((await page.goto(`${server.url}/dashboard/list?figure=open&site=basel`))?.status()).to.equal(403);
    expect(log.errors).to.deep.equal([]);
  });

  it('shows a site with no records as zeros and sentences, without a script error', async () => {
    const { page, log } = await signedIn('cora');
    expect((await page.goto(`${server.url}/dashboard`))?.status()).to.equal(200);
    await ready(page);
    expect(await tiles(page)).to.deep.equal({ Open: '0', 'Due soon': '0', Overdue: '0', Escalated: '0' });
    expect(await page.locator('#dashboard').getAttribute('data-charts')).to.equal('0');
    expect(await page.locator('figure[data-chart="byProcess"] .empty').textContent()).to.equal('No open items.');
    expect(await page.locator('main').textContent()).to.include('No KPI defined.');
    expect(log.errors).to.deep.equal([]);
  });

  it('fits a phone screen (390 px) without sideways scrolling', async () => {
    const { page } = await signedIn('sara', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await page.goto(`${server.url}/dashboard`);
    await ready(page);
    const layout = await page.evaluate(() => ({
      scrollWidth: (document as any).documentElement.scrollWidth,
      canvases: [...document.querySelectorAll('figure.chart canvas')].map((c) => Math.round(c.getBoundingClientRect().right)),
    }));
    expect(layout.scrollWidth, 'horizontal scroll').to.be.at.most(390);
    expect(layout.canvases.length).to.be.above(4);
    for (const right of layout.canvases) expect(right).to.be.at.most(390);
    await screenshot(page, 'dashboard on a phone');
  });

  it('gives every figure without JavaScript: the tables with their links', async () => {
    const { page } = await signedIn('sara', { javaScriptEnabled: false });
    await page.goto(`${server.url}/dashboard`);
    expect(await page.locator('canvas').count()).to.equal(0);
    const row = page.locator('figure[data-chart="byProcess"] tbody tr').first();
    expect(await row.locator('th').textContent()).to.equal('Line clearance');
    expect(await row.locator('td').allTextContents()).to.deep.equal(['2 open, Line clearance', '0', '2 overdue, Line clearance']);
    await row.locator('td a').last().click();
    await page.waitForURL(/figure=overdue/);
    expect(await page.locator('main table tbody tr').count()).to.equal(2);
  });

  it('is refused to people who do not oversee, and asks signed-out people to sign in', async () => {
    const { page, context } = await signedIn('olga');
    await page.goto(`${server.url}/tasks`);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).count()).to.equal(0);
    expect((await page.goto(`${server.url}/dashboard`))?.status()).to.equal(403);
    expect((await page.goto(`${server.url}/dashboard/list?figure=open`))?.status()).to.equal(403);
    expect(await page.locator('main').textContent()).to.include('The dashboard is for');

    await context.clearCookies();
    await page.goto(`${server.url}/dashboard?process=safety-walk`);
    expect(new URL(page.url()).pathname).to.equal('/login');
    expect(new URL(page.url()).searchParams.get('next')).to.equal('/dashboard?process=safety-walk');
  });

  it('lets a KPI owner who is no overseer enter its values', async () => {
    expect((await http('PUT', api('/kpis/waste-sorted'), { system: 'environment', name: 'Waste sorted', unit: '%', target: 90, direction: 'up', owner: 'olga', source: 'manual', site: 'basel' })).status).to.equal(200);
    const { page, context } = await signedIn('olga');
    await page.goto(`${server.url}/dashboard/kpis/waste-sorted`);
    await page.getByLabel('Period').fill('2026-Q1');
    await page.getByLabel('Value (%)').fill('92.5');
    await Promise.all([page.waitForURL(/saved=2026-Q1/), page.getByRole('button', { name: 'Save the value' }).click()]);
    expect(await page.getByRole('status').textContent()).to.include('Waste sorted for Q1 2026 is 92.5 %.');

    // a post without the session's token (another site's form) changes nothing
    const forged = await context.request.post(`${server.url}/dashboard/kpis/waste-sorted`, { form: { period: '2026-Q1', value: '10', reason: 'forged' }, maxRedirects: 0 });
    expect(forged.status()).to.equal(403);
    const values = (await http('GET', api('/kpis'))).json.items.find((k: { id: string }) => k.id === 'waste-sorted').values as { period: string; value: number; enteredBy: string }[];
    expect(values.map((v) => [v.period, v.value, v.enteredBy])).to.deep.equal([['2026-Q1', 92.5, 'olga']]);
    // Dublin's member does not see Basel's KPI
    const { page: dublin } = await signedIn('dan');
    expect((await dublin.goto(`${server.url}/dashboard/kpis/waste-sorted`))?.status()).to.equal(404);
  });

  it('a KPI owner enters a period\'s value with a note, shown against the target', async () => {
    const kpi = { system: 'safety', name: 'Near misses reported', unit: 'reports', target: 10, direction: 'up', owner: 'sara', source: 'manual' };
    expect((await http('PUT', api('/kpis/near-misses'), kpi)).status).to.equal(200);
    const { page, log } = await signedIn('sara');
    await page.goto(`${server.url}/dashboard`);
    await ready(page);
    const safety = page.getByRole('region', { name: 'Occupational health and safety (ISO 45001)' });
    expect(await safety.locator('.badge').textContent()).to.equal('No data');
    await Promise.all([page.waitForURL(/\/dashboard\/kpis\/near-misses$/), safety.getByRole('link', { name: /Enter a value/ }).click()]);

    // the month before today is offered
    expect(await page.getByLabel('Period').inputValue()).to.equal('2026-02');
    await page.getByLabel('Value (reports)').fill('12');
    await page.getByLabel('Note (optional)').fill('From the shift logs');
    await Promise.all([page.waitForURL(/saved=2026-02/), page.getByRole('button', { name: 'Save the value' }).click()]);
    expect(await page.getByRole('status').textContent()).to.include('Saved: Near misses reported for Feb 2026 is 12 reports.');
    expect(await page.locator('main table tbody tr').first().locator('td').allTextContents()).to.include('From the shift logs');

    // entering the same month again needs a reason for the correction
    await page.getByLabel('Period').fill('2026-02');
    await page.getByLabel('Value (reports)').fill('8');
    await page.getByRole('button', { name: 'Save the value' }).click();
    await page.waitForSelector('[role="alert"]');
    expect(await page.locator('#f-reason').getAttribute('aria-invalid')).to.equal('true');

    await page.goto(`${server.url}/dashboard?from=2026-01-01`);
    await ready(page);
    expect(await safety.locator('.badge').textContent()).to.equal('On target');
    expect(await safety.locator('.value').textContent()).to.equal('12 reports');
    expect(await paintedPixels(page, 'kpi-near-misses')).to.be.above(20);
    expect(log.errors).to.deep.equal([]);
  });
});
