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
import { useBrowser } from '../support/browser.js';
import { http } from '../support/http.js';
import { userWithToken } from '../support/operator.js';

/**
 * The modeler's lists in the reader's language and on the reader's clock, walked in Chromium: a process
 * owner of the Basel plant (de-CH, Europe/Zurich) opens /modeler (the open drafts, filled by home.js) and
 * a process's versions page (versions.js) and the review of a published change (review.js). The browser
 * bundles write German words, times on Zurich's clock in the Swiss format, and people by name: no "UTC",
 * no user id, no ISO timestamp, no status key.
 */

// Functions given to page.waitForFunction() run in the page (the project's TypeScript library has no DOM).
declare const document: { getElementById(id: string): { dataset: Record<string, string | undefined> } | null };

const START = '2026-03-02T08:00:00.000Z';
const PASSWORD = 'correct horse battery staple';
const KEY = 'batch-check';
const IDS = ['po-anna', 'qm-cara', 'st-dan'];
const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

/** What Swiss German readers in Zurich read for an instant: "02.03.2026, 09:00" (narrow spaces made plain). */
const zurich = (iso: string) => new Intl.DateTimeFormat('de-CH', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Zurich' }).format(new Date(iso));
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, ' ');

describe('modeler lists in the reader’s language and time zone (de-CH, Europe/Zurich), in a real browser', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let server: RunningServer;
  let dir: string;
  let clock: FakeClock;
  const tokens: Record<string, string> = {};
  const api = async (user: string, method: string, path: string, body?: unknown) => {
    const response = await http(method, `${server.url}/api${path}`, body, { 'content-type': 'application/json', authorization: `Bearer ${tokens[user]}` });
    expect(response.status, `${method} ${path}: ${response.text}`).to.be.below(300);
    return response.json;
  };
  let openDraft: { id: string; updatedAt: string };
  let capaDraft: string;
  let published: { id: string; version2: { deployedAt: string; effectiveAt: string }; signedAt: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-modeler-lists-'));
    clock = new FakeClock(START);
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_SITES: 'basel=de-CH Europe/Zurich' }), { clock, logger: pino({ level: 'silent' }) });
    for (const person of [
      { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'], sites: ['basel'] },
      { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'], sites: ['basel'] },
      { id: 'st-dan', name: 'Dan Staff', roles: ['staff'], sites: ['basel'] },
    ]) {
      tokens[person.id] = await userWithToken(server, person);
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
    // version 1, uploaded by Anna; version 2 through change control: changed, submitted, signed by Cara, published
    const v1 = await http('POST', `${server.url}/api/definitions?reason=first%20version`, fixtureBpmn(KEY), { 'content-type': 'application/xml', authorization: `Bearer ${tokens['po-anna']}` });
    expect(v1.status, v1.text).to.equal(201);
    clock.advance(3_600_000);
    const draft = await api('po-anna', 'POST', '/drafts', { key: KEY, fromVersion: 1 });
    const saved = await api('po-anna', 'PUT', `/drafts/${draft.id}`, { xml: String(draft.xml).replace('name="Check the batch"', 'name="Check the batch and its label"'), revision: draft.revision });
    const submitted = await api('po-anna', 'POST', `/drafts/${draft.id}/submit`, { reason: 'Label check added', impact: 'Staff check one more thing', revision: saved.revision });
    expect(submitted.status).to.equal('in-review');
    clock.advance(3_600_000);
    const approved = await api('qm-cara', 'POST', `/drafts/${draft.id}/review`, { decision: 'approve', reason: 'Matches SOP-QA-012', signature: { email: 'qm-cara@example.com', password: PASSWORD } });
    expect(approved.status).to.equal('approved');
    await api('po-anna', 'POST', `/drafts/${draft.id}/publish`, {});
    const versions = (await api('po-anna', 'GET', `/processes/${KEY}/versions`)).items as { version: number; deployedAt: string; effectiveAt: string; approvals: { signedAt: string }[] }[];
    const v2 = versions.find((v) => v.version === 2)!;
    published = { id: draft.id, version2: v2, signedAt: v2.approvals[0]!.signedAt };
    // and an open draft of the next change, last saved by Anna
    clock.advance(86_400_000);
    const next = await api('po-anna', 'POST', '/drafts', { key: KEY, fromVersion: 2 });
    openDraft = { id: next.id, updatedAt: next.updatedAt };
    // a change of a shipped process, still under its shipped name: named in German
    capaDraft = (await api('po-anna', 'POST', '/drafts', { key: 'capa' })).id;
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signedIn(user: string): Promise<Page> {
    const { context, page } = await chrome.newPage({ viewport: { width: 1280, height: 800 } });
    const login = await context.request.post(`${server.url}/api/session`, { data: { email: `${user}@example.com`, password: PASSWORD } });
    expect(login.status(), await login.text()).to.equal(200);
    return page;
  }

  /** What a person reads on the page holds no id, no UTC, no ISO timestamp and no raw template. */
  async function expectWords(page: Page): Promise<string> {
    const text = plain(await page.locator('main').innerText());
    for (const id of IDS) expect(text, `the user id ${id}`).to.not.include(id);
    expect(text, 'UTC').to.not.match(/\bUTC\b/);
    expect(text, 'an ISO timestamp').to.not.match(ISO_TIME);
    expect(text, 'a message template or id').to.not.match(/\{\w|modelerLists\./);
    return text;
  }

  it('lists the open drafts in German, saved on Zurich’s clock by a person’s name', async () => {
    const anna = await signedIn('po-anna');
    await anna.goto(`${server.url}/modeler`);
    await anna.waitForSelector('#ims-drafts[data-state="ready"]');
    expect(await anna.locator('html').getAttribute('lang')).to.equal('de-CH');
    const row = anna.locator(`#ims-drafts tr[data-draft="${openDraft.id}"]`);
    expect(await row.locator('th, td').first().innerText()).to.equal('Batch check (aus Version 2)');
    expect(await row.locator('.badge').innerText()).to.equal('Entwurf');
    expect(plain(await row.locator('td').nth(2).innerText())).to.equal(`${plain(zurich(openDraft.updatedAt))} von Anna Owner · Revision 0`);
    expect(await row.getByRole('link', { name: 'Batch check Bearbeiten' }).count()).to.equal(1);
    expect(await anna.locator('#ims-drafts th').allInnerTexts()).to.deep.equal(['Prozess', 'Status', 'Zuletzt gespeichert', 'Öffnen']);
    expect(await anna.locator(`#ims-drafts tr[data-draft="${capaDraft}"] td`).first().innerText()).to.equal('Korrektur- und Vorbeugungsmaßnahme (CAPA) (aus Version 1)');
    await expectWords(anna);
    await expectAccessibleAtBothWidths(anna, 'modeler drafts in German');
  });

  it('shows a process’s versions and training in German, on Zurich’s clock, with names', async () => {
    const anna = await signedIn('po-anna');
    await anna.goto(`${server.url}/modeler/processes/${KEY}`);
    await anna.waitForSelector('#ims-versions[data-state="ready"]');
    expect(await anna.locator('#ims-versions-state').innerText()).to.equal('2 Versionen; 0 Vorgänge laufen.');
    const v2 = anna.locator('tr[data-version="2"]');
    const v1 = anna.locator('tr[data-version="1"]');
    expect(await v2.locator('.badge').innerText()).to.equal('in Kraft');
    expect(await v1.locator('.badge').innerText()).to.equal('abgelöst');
    const row2 = plain(await v2.innerText());
    expect(row2).to.include(`bereitgestellt am ${plain(zurich(published.version2.deployedAt))} von Anna Owner`);
    expect(row2).to.include('Label check added (von Anna Owner)');
    expect(row2).to.include(`Genehmigt von Cara Quality, ${plain(zurich(published.signedAt))}: Matches SOP-QA-012`);
    // everyone acting in the process is given version 2 to read: Dan (staff) and Anna (its owner)
    expect(row2).to.include('0 laufend · 0 abgeschlossen · 0 abgebrochen').and.include('geschult: 0 von 2');
    expect(plain(await v1.innerText())).to.include('keine Prüfung: als Datei hochgeladen');
    // the zone is said once, under the table
    expect(await anna.locator('#ims-versions').innerText()).to.include('Mitteleuropäische Zeit');
    expect(await anna.locator('#ims-shown-title').innerText()).to.equal('Diagramm der Version 2 (in Kraft)');

    await v2.getByRole('button', { name: 'Schulung zu Version 2' }).click();
    await anna.waitForSelector('#ims-training-summary');
    expect(await anna.locator('#ims-training-summary').innerText()).to.match(/^Version 2: 0 von 2 Personen haben bestätigt, dass sie sie gelesen und verstanden haben \(fällig am .+\)\.$/);
    const trainees = await anna.locator('#ims-training tbody tr').evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => (td as unknown as { innerText: string }).innerText)));
    expect(trainees).to.deep.include(['Dan Staff', 'Mitarbeitende', 'noch nicht bestätigt']);
    await expectWords(anna);
    await expectAccessibleAtBothWidths(anna, 'modeler versions in German');
  });

  it('reads a published change’s review in German: status, people by name, times on Zurich’s clock', async () => {
    const anna = await signedIn('po-anna');
    await anna.goto(`${server.url}/modeler/drafts/${encodeURIComponent(published.id)}/review`);
    await anna.waitForSelector('#ims-review[data-state="ready"]');
    const facts = plain(await anna.locator('#ims-review-facts').innerText());
    expect(facts).to.include('veröffentlicht').and.include('Verfasst von\nAnna Owner').and.include('Verglichen mit\nVersion 1');
    expect(facts).to.include(`genehmigt von Cara Quality, ${plain(zurich(published.signedAt))}: Matches SOP-QA-012`);
    expect(await anna.locator('#ims-review-state').innerText()).to.equal('Diese Änderung ist veröffentlicht.');
    expect(await anna.locator('#ims-element-table tr[data-element="check"] td').allInnerTexts()).to.deep.equal(['Check the batch and its label', 'Benutzeraufgabe', 'geändert']);
    await expectWords(anna);
    await expectAccessibleAtBothWidths(anna, 'modeler review in German');
  });

  it('keeps the ids and names side by side in the JSON the bundles read, and speaks English and French to their readers', async () => {
    const drafts = (await api('po-anna', 'GET', `/drafts?key=${KEY}`)).items as Record<string, unknown>[];
    expect(drafts.find((d) => d.id === openDraft.id)).to.include({ createdBy: 'po-anna', createdByName: 'Anna Owner', updatedBy: 'po-anna', updatedByName: 'Anna Owner' });
    const draft = await api('po-anna', 'GET', `/drafts/${published.id}`);
    expect(draft).to.include({ submittedBy: 'po-anna', submittedByName: 'Anna Owner' });
    const versions = (await api('po-anna', 'GET', `/processes/${KEY}/versions`)).items as { version: number; deployedBy: string; deployedByName?: string; change?: Record<string, unknown> }[];
    expect(versions.find((v) => v.version === 2)).to.deep.include({ deployedBy: 'po-anna', deployedByName: 'Anna Owner' });
    expect(versions.find((v) => v.version === 2)!.change).to.include({ author: 'po-anna', authorName: 'Anna Owner' });

    // Cara reads in English on the installation's clock when her locale says so
    await server.imsflow.saveUser({ id: 'qm-cara', email: 'qm-cara@example.com', name: 'Cara Quality', roles: ['quality-manager'], sites: ['basel'], locale: 'en-GB', timeZone: 'UTC' }, 'test-setup');
    const cara = await signedIn('qm-cara');
    await cara.goto(`${server.url}/modeler/processes/${KEY}`);
    await cara.waitForFunction(() => document.getElementById('ims-versions')?.dataset.state === 'ready');
    expect(await cara.locator('#ims-versions-state').innerText()).to.equal('2 versions; 0 instances running.');
    expect(await cara.locator('tr[data-version="2"] .badge').innerText()).to.equal('in effect');
    expect(await cara.locator('tr[data-version="2"]').innerText()).to.include('Approved by Cara Quality');

    // and in French on Paris's clock when it says that (French counts zero in the singular)
    await server.imsflow.saveUser({ id: 'qm-cara', email: 'qm-cara@example.com', name: 'Cara Quality', roles: ['quality-manager'], sites: ['basel'], locale: 'fr-FR', timeZone: 'Europe/Paris' }, 'test-setup');
    const claire = await signedIn('qm-cara');
    await claire.goto(`${server.url}/modeler/processes/${KEY}`);
    await claire.waitForFunction(() => document.getElementById('ims-versions')?.dataset.state === 'ready');
    expect(plain(await claire.locator('#ims-versions-state').innerText())).to.equal('2 versions ; 0 dossier en cours.');
    expect(await claire.locator('tr[data-version="2"] .badge').innerText()).to.equal('en vigueur');
    expect(plain(await claire.locator('tr[data-version="2"]').innerText())).to.include('Approuvé par Cara Quality, ').and.include('formés : 0 sur 2');
  });

  it('tells a quality manager who publishes an approved change, in German and French, and offers the author Publish and Withdraw', async () => {
    const created = await api('po-anna', 'POST', '/drafts', { key: 'label-release' });
    await api('po-anna', 'POST', `/drafts/${created.id}/submit`, { reason: 'a new process', impact: 'none yet', revision: created.revision });
    await api('qm-cara', 'POST', `/drafts/${created.id}/review`, { decision: 'approve', reason: 'Matches SOP-QA-012', signature: { email: 'qm-cara@example.com', password: PASSWORD } });
    const sentences = {
      'de-CH': 'Anna Owner, die Autorin oder der Autor, veröffentlicht sie: Nur eine prozessverantwortliche Person veröffentlicht eine freigegebene Änderung.',
      'fr-FR': 'Anna Owner, l’auteur, la publie : seul un responsable de processus publie une modification approuvée.',
    };
    for (const [locale, sentence] of Object.entries(sentences)) {
      await server.imsflow.saveUser({ id: 'qm-cara', email: 'qm-cara@example.com', name: 'Cara Quality', roles: ['quality-manager'], sites: ['basel'], locale, timeZone: 'Europe/Zurich' }, 'test-setup');
      const cara = await signedIn('qm-cara');
      await cara.goto(`${server.url}/modeler/drafts/${encodeURIComponent(created.id)}/review`);
      await cara.waitForSelector('#ims-review[data-state="ready"]');
      expect(plain(await cara.locator('#ims-publish-who').innerText()), locale).to.equal(plain(sentence));
      expect(await cara.locator('#ims-publish-submit').isVisible(), `${locale}: no Publish for her`).to.equal(false);
      await expectWords(cara);
    }
    const anna = await signedIn('po-anna');
    await anna.goto(`${server.url}/modeler/drafts/${encodeURIComponent(created.id)}/review`);
    await anna.waitForSelector('#ims-review[data-state="ready"]');
    expect(await anna.locator('#ims-publish-who').isVisible()).to.equal(false);
    expect(await anna.locator('#ims-publish-submit').isVisible()).to.equal(true);
    expect(await anna.locator('#ims-withdraw-title').innerText()).to.equal('Diese Änderung zurückziehen');
    expect(await anna.getByRole('button', { name: 'Änderung zurückziehen' }).isVisible()).to.equal(true);
    await expectWords(anna);
    await expectAccessibleAtBothWidths(anna, 'modeler review of an approved change in German, for its author');
  });
});
