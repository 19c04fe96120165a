import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { fixtureBpmn } from '../helpers.js';
import { useBrowser } from '../support/browser.js';
import { expectAccessibleAtBothWidths } from '../support/accessibility.js';

/**
 * The modeler in the reader's language (issue 15), in headless Chromium: a process owner at the Basel site
 * (de-CH) opens a draft whose task has nobody to do it and reads the problem, its count and the panel in
 * German — the task's name as drawn — while a colleague in Dublin reads the same draft in English. The
 * element's id is no longer under its heading, only under Details.
 */

declare const document: {
  getElementById(id: string): { textContent: string | null; dataset: Record<string, string | undefined> } | null;
  querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null;
};

const PASSWORD = 'correct horse battery staple';

describe('modeler: problems and the panel in the person’s language', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let server: RunningServer;
  let dir: string;
  let draftId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-modeler-language-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_SITES: 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin' }), {
      logger: pino({ level: 'silent' }),
    });
    for (const person of [
      { id: 'anna', name: 'Anna Meier', sites: ['basel'] },
      { id: 'aoife', name: 'Aoife Brennan', sites: ['dublin'] },
    ]) {
      await server.imsflow.saveUser({ ...person, email: `${person.id}@example.com`, roles: ['process-owner'] }, 'test-setup');
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
    // a drawing whose task names nobody to do it
    const xml = fixtureBpmn('batch-check').replace(' ims:candidateRole="staff"', '').replace('name="Check the batch"', 'name="Charge prüfen"');
    const draft = await server.imsflow.changes.createDraft({ xml }, 'anna');
    draftId = draft.id;
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function editorAs(user: string): Promise<Page> {
    const { context, page } = await chrome.newPage();
    const login = await context.request.post(`${server.url}/api/session`, { data: { email: `${user}@example.com`, password: PASSWORD } });
    expect(login.status(), await login.text()).to.equal(200);
    await page.goto(`${server.url}/modeler/drafts/${draftId}`);
    await page.waitForFunction(() => document.getElementById('ims-editor')?.dataset.state === 'ready');
    await page.waitForFunction(() => document.getElementById('ims-problems')?.dataset.checked !== undefined);
    return page;
  }

  it('shows a German reader the problem, its count and the panel in German, the name as drawn', async () => {
    const page = await editorAs('anna');
    expect(await page.getAttribute('html', 'lang')).to.match(/^de/);
    const problems = await page.locator('#ims-problems .ims-problem-link').allTextContents();
    expect(problems).to.deep.equal(['Aufgabe „Charge prüfen“: Niemand ist dafür zuständig. Wählen Sie eine Rolle oder eine Person.']);
    expect(await page.locator('#ims-problem-count').textContent()).to.equal('1 Problem');
    expect(await page.locator('#ims-problems-summary').textContent()).to.match(/^1 Problem: Einreichen zur Prüfung/);
    expect(await page.locator('#ims-problems summary').first().textContent()).to.equal('Details');
    // the draft's status and when it was saved, in German on the Basel clock, by name or id but never "UTC"
    expect(await page.locator('#ims-draft-status').textContent()).to.equal('Entwurf');
    expect(await page.locator('#ims-save-state').textContent()).to.match(/^Gespeichert am \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} von .+ \(Revision 0\)\.$/);

    // a click selects the task: its panel names it in German, with its problem; the id only under Details
    await page.locator('#ims-problems .ims-problem-link').first().click();
    await page.waitForFunction(() => document.querySelector('#ims-panel h2')?.textContent === 'Aufgabe: Charge prüfen');
    const panel = (await page.locator('#ims-panel').innerText()).replace(/\s+/g, ' ');
    expect(panel).to.include('Probleme hier: Aufgabe „Charge prüfen“: Niemand ist dafür zuständig.');
    // its properties in German too: who does it, when it is due (P5D read as "5 Tage")
    expect(await page.getByLabel('Kandidatenrolle').count()).to.equal(1);
    expect(await page.locator('#ims-due').inputValue()).to.equal('P5D');
    expect(panel).to.include('Fällig nach').and.include('5 Tage').and.not.match(/Candidate role|Due after|\b5 days\b/);
    expect(await page.locator('#ims-panel > p.hint').allTextContents()).to.not.include('Id: check');
    expect(await page.locator('#ims-panel details.ims-panel-details').isVisible()).to.equal(true);
    expect(await page.locator('#ims-panel details.ims-panel-details p').isVisible()).to.equal(false);
    await page.locator('#ims-panel details.ims-panel-details summary').click();
    expect(await page.locator('#ims-panel details.ims-panel-details p').textContent()).to.equal('ID: check');
    // the palette and its announcements speak German too
    expect(await page.locator('.djs-palette').getAttribute('aria-label')).to.equal('Zum Diagramm hinzufügen');

    // the text people read carries no English problem words and no placeholder
    const text = await page.locator('#ims-editor').innerText();
    expect(text).to.not.match(/needs someone|No problems|\{[a-zA-Z]+\}|\bproblems?\b|\bUTC\b|\bSaved\b|\bdraft\b/);
    await expectAccessibleAtBothWidths(page, 'modeler in German');
  });

  it('shows a reader in Dublin the same draft in English', async () => {
    const page = await editorAs('aoife');
    expect(await page.locator('#ims-problems .ims-problem-link').allTextContents()).to.deep.equal(['The task “Charge prüfen” needs someone to do it: choose a role or a person.']);
    expect(await page.locator('#ims-problem-count').textContent()).to.equal('1 problem');
    expect(await page.locator('#ims-draft-status').textContent()).to.equal('draft');
    expect(await page.locator('#ims-save-state').textContent()).to.match(/^Saved \d{1,2} \w{3} \d{4}, \d{2}:\d{2} by .+ \(revision 0\)\.$/);
  });
});
