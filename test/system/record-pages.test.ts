import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { onMessageProblem, type MessageProblem } from '../../engine/kernel/i18n/index.js';
import { DEMO_PASSWORD, seedDemo } from '../../scripts/demo.js';
import { expectAccessibleAtBothWidths } from '../support/accessibility.js';
import { useBrowser } from '../support/browser.js';

/**
 * The record pages of the demo, walked in headless Chromium (issue 15): an overdue, escalated CAPA shows
 * its title first with its status, overdue and escalation tags; the management review's input pack reads
 * as a captioned table per ISO 9001:2015 9.3.2 input; the internal audit's values keep their width (no
 * text one letter per line); every history reads as sentences; no page shows a raw template, an ISO
 * timestamp or a JSON object; axe-core finds no serious violation at desktop or phone width; German and
 * French readers get their words with no message missing. Page heights are printed (the issue measured
 * the management review at 43,102 px).
 */

// Browser globals used inside page.evaluate() (the project's TypeScript library has no DOM).
declare const document: {
  documentElement: { scrollHeight: number };
  querySelector(selector: string): { innerText: string; cloneNode(deep: boolean): { querySelector(s: string): { remove(): void } | null; textContent: string | null } } | null;
  querySelectorAll(selector: string): ArrayLike<{ getBoundingClientRect(): { width: number }; textContent: string | null }>;
};

const RAW = [/\$\{/, /\d{4}-\d\d-\d\dT\d\d:/, /\{"/, /\[object Object\]/];

describe('record pages of the demo, walked in Chromium', function () {
  this.timeout(240_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  const ids = new Map<string, string>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-record-pages-'));
    await seedDemo(dir, { env: { ...process.env, PORT: '0' } });
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir }), { logger: pino({ level: 'silent' }) });
    for (const instance of await server.imsflow.store.listInstances({ limit: 10_000 })) ids.set(instance.businessKey, instance.id);
    // a reader in Basel and one in Lyon (the auditor covers both plants)
    const henrik = (await server.imsflow.store.getUser('henrik.larsen'))!;
    await server.imsflow.saveUser({ ...henrik, locale: 'de-CH', timeZone: 'Europe/Zurich' }, 'test-setup');
    const grace = (await server.imsflow.store.getUser('grace.obi'))!;
    await server.imsflow.saveUser({ ...grace, locale: 'en-IE', timeZone: 'Europe/Dublin' }, 'test-setup');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto(`${server.url}/login`);
    await page.locator('input[name=email]').fill(email);
    await page.locator('input[name=password]').fill(DEMO_PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.locator('form[action="/login"] button[type=submit]').click()]);
  }

  async function open(page: Page, businessKey: string): Promise<string> {
    const response = await page.goto(`${server.url}/records/${ids.get(businessKey)}`);
    expect(response?.status(), businessKey).to.equal(200);
    // the page's own text; the diagram's labels are drawn by the BPMN viewer from the definition (modeler/viewer.ts)
    const text = await page.evaluate(() => {
      const main = document.querySelector('main')!.cloneNode(true);
      main.querySelector('#diagram')?.remove();
      return main.textContent ?? '';
    });
    for (const raw of RAW) {
      const at = text.search(raw);
      expect(at, `${businessKey} shows ${raw}: …${text.slice(Math.max(0, at - 120), at + 60)}…`).to.equal(-1);
    }
    // the diagram's labels: step names without their templates (modeler/label-templates.ts)
    await page.waitForSelector('#diagram[data-state="ready"]');
    const drawn = (await page.locator('#diagram svg text').allTextContents()).join(' ');
    expect(drawn, `${businessKey}: the diagram's labels`).to.not.match(/\$\{/);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    const narrow = await page.evaluate(() => Array.from(document.querySelectorAll('td, dd, th')).filter((cell) => cell.getBoundingClientRect().width < 40 && (cell.textContent ?? '').trim().length > 3).length);
    console.log(`      ${businessKey}: ${height} px tall at 1280 px, ${narrow} cells under 40 px wide`);
    expect(narrow, `${businessKey}: cells squeezed to a letter per line`).to.equal(0);
    return text;
  }

  it('an overdue, escalated CAPA: title first, status, overdue and escalation level, the history as sentences', async () => {
    const { page } = await chrome.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, 'grace.obi@example.com');
    const text = await open(page, 'CAPA-2026-0002');
    const heading = await page.getByRole('heading', { level: 1 }).textContent();
    expect(heading).to.match(/^CAPA-2026-0002 · AUD-2026-0001 finding 2: 7\.5\.3 Control of documented information/);
    expect(await page.locator('.ims-record-tags .usa-tag').allTextContents()).to.deep.equal(['In progress', 'Overdue', 'Escalated · level 2']);
    expect(await page.locator('.ims-record-facts').textContent()).to.include('ProcessCorrective and preventive action (CAPA) (version 1)');
    expect(text).to.not.match(/Process capa/i);
    // the history: who did what to which step, in words
    const sentences = await page.locator('.ims-sentence').allTextContents();
    expect(sentences).to.include('Aoife Brennan started the record');
    expect(sentences.filter((s) => /^Contain and correct was opened for Sean Gallagher, due \d{1,2} \w{3} \d{4}, \d\d:\d\d$/.test(s)), 'the holder by name, the due time in words').to.have.length(1);
    expect(sentences).to.include('Contain and correct was escalated to level 2 (the steering committee); 1 person was told');
    // the daily overdue notices: told once, then counted (each still listed by number)
    expect(sentences.filter((s) => s === 'Sent an overdue notice about Contain and correct (to 1 person)').length).to.be.below(4);
    expect(await page.locator('.ims-history').textContent()).to.match(/Sent again \d+ more times, the last time on \d+ \w+ \d{4}/);
    expect(sentences.some((s) => /^Aoife Brennan completed Triage: rate the risk and decide on a CAPA: /.test(s)), sentences.join('\n')).to.equal(true);
    await expectAccessibleAtBothWidths(page, 'CAPA record, overdue and escalated');
  });

  it('the management review: its input pack as a captioned table per 9.3.2 input, a) to f)', async () => {
    const { page } = await chrome.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, 'grace.obi@example.com');
    await open(page, 'MR-2026-0001');
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(height, 'the review was 43,102 px tall before').to.be.below(20_000);
    const inputs = await page.locator('.ims-input-pack h4').allTextContents();
    expect(inputs.map((h) => h.replace(/\).*/, ')'))).to.deep.equal(['a)', 'b)', 'c 1)', 'c 2)', 'c 3)', 'c 4)', 'c 6)', 'c 7)', 'd)', 'e)', 'f)']);
    // every input's table has a caption; a) says that no earlier review is recorded
    for (const section of await page.locator('.ims-input-pack section').all()) {
      const tables = await section.locator('table').count();
      expect(await section.locator('table caption').count()).to.equal(tables);
    }
    expect(await page.locator('#input-a + .ims-table-empty').textContent()).to.match(/no earlier review of this scope is recorded/);
    expect(await page.locator('caption', { hasText: 'Corrective and preventive actions (CAPA) and nonconformities in the period' }).count()).to.equal(1);
    const c4 = page.locator('table', { has: page.locator('caption', { hasText: 'Corrective and preventive actions (CAPA)' }) });
    expect(await c4.locator('thead th').allTextContents()).to.deep.equal(['Measure', 'CAPA', 'Nonconformities']);
    expect(await c4.locator('tbody tr').first().locator('td').allTextContents()).to.deep.equal(['Opened in the period', '3', '2']);
    // overdue tasks by process name, people by name, never ids
    const c3 = await page.locator('#input-c3 ~ div').allTextContents();
    expect(c3.join(' ')).to.include('Corrective and preventive action (CAPA)');
    expect(c3.join(' ')).to.include('Sean Gallagher');
    expect(await page.locator('main').textContent()).to.not.match(/sean\.gallagher|ciaran\.doyle|aoife\.brennan/);
    const sentences = await page.locator('.ims-sentence').allTextContents();
    expect(sentences.some((s) => /^Aoife Brennan completed Prepare the management review: Meeting date: \d+ \w+ \d{4}/.test(s)), sentences.join('\n')).to.equal(true);
    expect(sentences.some((s) => s.startsWith('Siobhan Walsh signed Sign off the management review electronically: approved'))).to.equal(true);
    await expectAccessibleAtBothWidths(page, 'management review record');
  });

  it('the internal audit: its values keep their width, its automatic results read as facts and tables', async () => {
    const { page } = await chrome.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, 'grace.obi@example.com');
    const text = await open(page, 'AUD-2026-0001');
    expect(text).to.include('Results of automatic steps');
    expect(await page.evaluate(() => document.documentElement.scrollHeight), 'the audit was 31,709 px tall before').to.be.below(20_000);
    await expectAccessibleAtBothWidths(page, 'internal audit record');
  });

  it('reads in German and in French, with no message missing', async () => {
    const problems: MessageProblem[] = [];
    const stop = onMessageProblem((problem) => problems.push(problem));
    try {
      const { page } = await chrome.newPage({ viewport: { width: 1280, height: 800 } });
      await signIn(page, 'henrik.larsen@example.com');
      await open(page, 'MR-2026-0001');
      expect(await page.locator('html').getAttribute('lang')).to.equal('de-CH');
      const headings = await page.locator('h2, h3, h4').allTextContents();
      expect(headings).to.include.members(['Erfasste Daten', 'Verlauf', 'Eingaben zur Managementbewertung (ISO 9001:2015 9.3.2)', 'c 4) Nichtkonformitäten und Korrekturmaßnahmen']);
      expect(await page.locator('.ims-record-tags').textContent()).to.equal('In Bearbeitung');
      const german = await page.locator('.ims-sentence').allTextContents();
      expect(german.some((s) => /^Aoife Brennan hat .+ erledigt: /.test(s)), german.join('\n')).to.equal(true);
      await open(page, 'CAPA-2026-0002');
      expect(await page.locator('.ims-record-tags .usa-tag').allTextContents()).to.deep.equal(['In Bearbeitung', 'Überfällig', 'Eskaliert · Stufe 2']);

      const french = (await server.imsflow.store.getUser('henrik.larsen'))!;
      await server.imsflow.saveUser({ ...french, locale: 'fr-FR', timeZone: 'Europe/Paris' }, 'test-setup');
      await open(page, 'AUD-2026-0001');
      expect(await page.locator('html').getAttribute('lang')).to.equal('fr-FR');
      expect(await page.locator('h2').allTextContents()).to.include.members(['Données saisies', 'Historique', 'Résultats des étapes automatiques']);
      await open(page, 'MR-2026-0001');
      expect(await page.locator('.ims-input-pack h4').first().textContent()).to.equal('a) État d’avancement des actions décidées lors des revues de direction précédentes');
      await page.goto(`${server.url}/audit`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Piste d’audit');
      expect(problems, 'missing or broken messages').to.deep.equal([]);
    } finally {
      stop();
    }
  });
});
