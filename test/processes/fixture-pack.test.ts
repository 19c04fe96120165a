import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { SESSION_COOKIE } from '../../api/auth.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { shippedPacks } from '../../processes/index.js';
import { loadConfig } from '../../engine/boot/config.js';
import { fixturePack } from '../fixtures/packs/calibration-check/pack.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { callWithToken } from '../support/http.js';
import { signInOperator, userWithToken } from '../support/operator.js';

/**
 * A pack that ships with no release (test/fixtures/packs/calibration-check: its BPMN, one service, one
 * figure) is handed to the server in one line, and with no other file edited it deploys, runs end to end
 * through the HTTP API, and shows its figure in the dashboard JSON, its list and on the dashboard page.
 */

const PASSWORD = 'a long enough passphrase for tests';

describe('a new process pack, registered in one line, shows its figure on the dashboard', function () {
  this.timeout(90_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  const clock = new FakeClock('2026-05-04T08:00:00Z');
  const tokens: Record<string, string> = {};
  const as = (who: string, method: string, path: string, body?: unknown) => callWithToken(server.url, tokens[who], method, `/api${path}`, body);
  const checked: Record<string, string> = {};

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-fixture-pack-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), {
      clock,
      logger: pino({ level: 'silent' }),
      packs: [...shippedPacks, fixturePack],
    });
    tokens.operator = await signInOperator(server);
    tokens.tech = await userWithToken(server, { id: 'tina', name: 'Tina Technician', roles: ['technician'], sites: ['basel'] });
    tokens.steer = await userWithToken(server, { id: 'sara', name: 'Sara Steering', roles: ['steering-committee'], sites: ['basel'] });
    await server.accounts.setPassword('sara', PASSWORD, 'test-setup', 'fixture pack tests');
    await server.imsflow.saveUser({ id: 'klara', email: 'klara@example.com', name: 'Klara Keller', roles: ['steering-committee'], sites: ['basel'], locale: 'de-CH', timeZone: 'Europe/Zurich' }, 'test-setup');
    await server.accounts.setPassword('klara', PASSWORD, 'test-setup', 'fixture pack tests');
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is deployed at start with the shipped processes', async () => {
    const definitions = (await as('operator', 'GET', '/definitions')).json as { key: string; version: number }[] | { items: { key: string; version: number }[] };
    const list = Array.isArray(definitions) ? definitions : definitions.items;
    expect(list.filter((d) => d.key === 'calibration-check').map((d) => d.version)).to.deep.equal([1]);
  });

  it('runs a record end to end through the HTTP API: started, its task completed, its service judging the reading', async () => {
    for (const [name, reading] of [
      ['within', 10.1],
      ['outside', 10.5],
      ['within-too', 9.9],
    ] as const) {
      const started = await as('operator', 'POST', '/processes/calibration-check/instances', { site: 'basel' });
      expect(started.status, started.text).to.equal(201);
      const id = started.json.id as string;
      clock.advance(3_600_000);
      const open = await as('tech', 'GET', `/tasks?status=open&instance=${id}`);
      expect(open.json.items.map((t: { name: string }) => t.name)).to.deep.equal(['Read the gauge against its reference']);
      const done = await as('tech', 'POST', `/tasks/${open.json.items[0].id}/complete`, { data: { reading, reference: 10 } });
      expect(done.status, done.text).to.equal(200);
      const record = (await as('operator', 'GET', `/instances/${id}`)).json;
      expect(record.status).to.equal('completed');
      checked[name] = record.businessKey;
      expect(record.output.judge.verdict).to.equal(name === 'outside' ? 'outside' : 'within');
    }
    // the dashboard is read a minute later (a period ends just before the moment it is read)
    clock.advance(60_000);
  });

  it('shows its figure in the dashboard JSON, with the records behind each number', async () => {
    const dashboard = (await as('steer', 'GET', '/dashboard')).json;
    expect(dashboard.calibration).to.deep.equal([
      { verdict: 'outside', checks: 1, drill: 'figure=calibrationChecks&value=outside' },
      { verdict: 'within', checks: 2, drill: 'figure=calibrationChecks&value=within' },
    ]);
    const section = dashboard.sections.find((s: { section: string }) => s.section === 'calibration');
    expect(section).to.deep.include({ process: 'calibration-check', title: 'Calibration checks by verdict' });
    // the shipped sections keep their place and shape
    expect(dashboard.sections.map((s: { section: string }) => s.section)).to.include.members(['capa', 'findings', 'gapCoverage', 'calibration']);
    const within = (await as('steer', 'GET', '/dashboard/records?figure=calibrationChecks&value=within')).json;
    expect(within.title).to.equal('Calibration checks within tolerance');
    expect(within.items.map((i: { businessKey: string }) => i.businessKey)).to.deep.equal([checked.within, checked['within-too']]);
    const csv = await as('steer', 'GET', '/dashboard/records.csv?figure=calibrationChecks&value=outside');
    expect(csv.text).to.contain(checked.outside);
  });

  it('shows its figure on the dashboard page, drawn as a chart, and a click on a verdict lists its checks', async () => {
    const { page, context, log } = await chrome.newPage();
    const login = await context.request.post(`${server.url}/api/session`, { data: { email: 'sara@example.com', password: PASSWORD } });
    expect(login.status()).to.equal(200);
    expect((await page.goto(`${server.url}/dashboard`))?.status()).to.equal(200);
    await page.waitForSelector('#dashboard[data-state="ready"]');
    const section = page.locator('section[data-section="calibration"]');
    expect(await section.getByRole('heading', { level: 2 }).textContent()).to.equal('Calibration checks by verdict');
    expect(await page.locator('figure[data-chart="pack-calibration"]').getAttribute('data-state')).to.equal('drawn');
    const rows = await section.locator('tbody tr').allTextContents();
    expect(rows).to.deep.equal(['outside1', 'within2']);
    await section.scrollIntoViewIfNeeded();
    await screenshot(page, 'dashboard with a fixture pack figure');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'dashboard with a fixture pack figure on a phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    // the figures stay one click away under the chart, each verdict linked to its checks
    await section.getByText('Figures as a table').click();
    await section.getByRole('link', { name: 'within' }).click();
    await page.waitForURL(/\/dashboard\/list\?/);
    const listed = await page.locator('tbody tr').allTextContents();
    expect(listed).to.have.length(2);
    expect(listed.join(' ')).to.contain(checked.within);
    expect(log.errors).to.deep.equal([]);
  });

  it('shows its section in the words the pack ships for a German reader', async () => {
    const { token } = await server.accounts.login('klara@example.com', PASSWORD, 'test');
    const html = await (await fetch(`${server.url}/dashboard`, { headers: { cookie: `${SESSION_COOKIE}=${token}` } })).text();
    const section = html.slice(html.indexOf('data-section="calibration"'));
    expect(section).to.include('<h2>Kalibrierprüfungen nach Ergebnis</h2>').and.include('>Ergebnis<').and.include('>Prüfungen<');
    expect(html).to.include('>Kalibrierprüfung<'); // the process in the filter bar
  });
});
