import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { screenshot, screenshotsDir, useBrowser } from '../support/browser.js';

/**
 * Step names with templates in the diagrams (issue 15), in headless Chromium on the shipped processes. A
 * CAPA's triage is named "Triage: rate the risk and decide on a CAPA${output.riskScore.note}": the record
 * page, the versions page and the review draw it without the template; the editor draws it with a marker
 * ("… a CAPA ‹note›") while direct editing shows, and saving keeps, the name as authored.
 */

declare const document: { getElementById(id: string): { textContent: string | null; dataset: Record<string, string | undefined> } | null };

const PASSWORD = 'correct horse battery staple';
const TRIAGE = 'Triage: rate the risk and decide on a CAPA${output.riskScore.note}';
/** The shipped processes with templated step names. */
const TEMPLATED = ['capa', 'internal-audit', 'audit-programme', 'gap-analysis', 'management-review', 'training-acknowledgement'];

/** The names of a BPMN text's elements that hold a template, in document order. */
const templatedNames = (xml: string) => [...xml.matchAll(/\sname="([^"]*\$\{[^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));

/**
 * Every label drawn in a diagram: its lines (bpmn-js draws one tspan per line) joined with a space, by the
 * id of the element it belongs to.
 */
async function labelsIn(page: Page, diagram: string): Promise<Map<string, string>> {
  const labels = await page.locator(`${diagram} svg g.djs-element[data-element-id]`).evaluateAll((elements) =>
    elements
      .map((element) => [element.getAttribute('data-element-id') ?? '', Array.from(element.querySelectorAll(':scope > .djs-visual > text tspan'), (line) => line.textContent ?? '').join(' ').replace(/\s+/g, ' ').trim()] as const)
      .filter(([, text]) => text),
  );
  return new Map(labels);
}

describe('diagrams draw templated step names as words', function () {
  this.timeout(180_000);
  const chrome = useBrowser();
  let server: RunningServer;
  let dir: string;
  let capaXml: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-label-templates-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }) });
    for (const person of [
      { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'] },
      { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'] },
    ]) {
      await server.imsflow.saveUser({ ...person, email: `${person.id}@example.com` }, 'test-setup');
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
    const latest = (await server.imsflow.store.getDefinition('capa'))!;
    capaXml = latest.xml;
    expect(templatedNames(capaXml), 'the shipped CAPA still has its templated triage').to.include(TRIAGE);
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

  it('the record page: the CAPA at triage, its step drawn and announced without the template', async () => {
    const started = await server.imsflow.start('capa', { variables: { source: 'complaint', title: 'Leaking valve', description: 'Valve V-12 leaks on line 3' } }, 'qm-cara');
    const page = await signedIn('qm-cara');
    expect((await page.goto(`${server.url}/records/${started.id}`))?.status()).to.equal(200);
    await page.waitForSelector('#diagram[data-state="ready"]');
    const labels = await labelsIn(page, '#diagram');
    expect(labels.get('triage')).to.equal('Triage: rate the risk and decide on a CAPA');
    expect(labels.get('implement')).to.equal('Implement action …');
    expect([...labels.values()].filter((text) => /\$\{|‹/.test(text)), 'labels with a template or a marker').to.deep.equal([]);
    expect(await page.locator('#diagram').getAttribute('aria-label')).to.equal('Process diagram. Current step: Triage: rate the risk and decide on a CAPA.');
    await screenshot(page, 'record page diagram without templates');
  });

  it('the versions page of every process with templated names draws none of them', async () => {
    const page = await signedIn('po-anna');
    for (const key of TEMPLATED) {
      await page.goto(`${server.url}/modeler/processes/${key}`);
      await page.waitForSelector('#ims-versions[data-state="ready"]');
      await page.waitForSelector('#ims-version-diagram svg g.djs-element');
      const labels = await labelsIn(page, '#ims-version-diagram');
      expect(labels.size, key).to.be.above(3);
      expect([...labels.entries()].filter(([, text]) => /\$\{|‹/.test(text)), `${key}: labels with a template`).to.deep.equal([]);
      if (key === 'capa') expect(labels.get('triage')).to.equal('Triage: rate the risk and decide on a CAPA');
      if (key === 'internal-audit') expect([labels.get('plan'), labels.get('conduct')]).to.deep.equal(['Plan the audit', 'Audit …']);
      if (key === 'training-acknowledgement') expect(labels.get('acknowledge')).to.equal('Read and understood: … version …');
    }
    // the PDF and SVG exports come from the same drawing
    await page.goto(`${server.url}/modeler/processes/capa`);
    await page.waitForSelector('#ims-versions[data-state="ready"]');
    await screenshot(page, 'versions page diagram without templates');
  });

  it('the editor: templates drawn as markers, shown whole when edited, saved as authored; the review draws none', async () => {
    const draft = await server.imsflow.changes.createDraft({ key: 'capa' }, 'po-anna');
    const page = await signedIn('po-anna');
    await page.goto(`${server.url}/modeler/drafts/${encodeURIComponent(draft.id)}`);
    await page.waitForFunction(() => document.getElementById('ims-editor')?.dataset.state === 'ready');
    const labels = await labelsIn(page, '#ims-canvas');
    expect(labels.get('triage')).to.equal('Triage: rate the risk and decide on a CAPA ‹note›');
    expect(labels.get('implement')).to.equal('Implement action ‹index›: ‹title›');
    expect([...labels.values()].filter((text) => text.includes('${'))).to.deep.equal([]);
    await screenshot(page, 'editor with template markers');
    // the triage step up close, as the owner sees it drawn
    await page.locator('#ims-canvas svg').first().focus();
    for (let i = 0; i < 4; i += 1) await page.keyboard.press('Control+=');
    await page.locator('#ims-canvas [data-element-id="triage"]').first().scrollIntoViewIfNeeded();
    await page.locator('#ims-canvas').screenshot({ path: join(screenshotsDir(), 'editor-triage-marker-zoomed.png') });

    // saved without a change: every name exactly as authored
    await page.locator('#ims-save').click();
    await page.waitForFunction(() => /^All changes saved/.test(document.getElementById('ims-save-state')?.textContent ?? ''));
    const saved = (await server.imsflow.changes.getDraft(draft.id))!.xml;
    expect(templatedNames(saved)).to.deep.equal(templatedNames(capaXml));

    // direct editing shows the name as authored, template and all; what is typed is kept as typed
    await page.locator('#ims-canvas [data-element-id="triage"]').first().dblclick();
    const editing = page.locator('.djs-direct-editing-parent .djs-direct-editing-content');
    await editing.waitFor();
    expect(await editing.textContent()).to.equal(TRIAGE);
    await page.keyboard.press('Control+a');
    await page.keyboard.type('Triage the CAPA${output.riskScore.note}');
    await page.locator('#ims-canvas').click({ position: { x: 8, y: 8 } });
    expect((await labelsIn(page, '#ims-canvas')).get('triage')).to.equal('Triage the CAPA ‹note›');
    await page.waitForFunction(() => /^All changes saved/.test(document.getElementById('ims-save-state')?.textContent ?? ''));
    const edited = (await server.imsflow.changes.getDraft(draft.id))!;
    expect(edited.xml).to.include('name="Triage the CAPA${output.riskScore.note}"');

    // the review of that change: both diagrams and the list of changed elements without templates
    const submitted = await server.imsflow.changes.submit(draft.id, { reason: 'A shorter name for triage', impact: 'None: the step is the same', revision: edited.revision }, 'po-anna');
    expect(submitted.status).to.equal('in-review');
    const cara = await signedIn('qm-cara');
    await cara.goto(`${server.url}/modeler/drafts/${encodeURIComponent(draft.id)}/review`);
    await cara.waitForSelector('#ims-review[data-state="ready"]');
    const [proposed, base] = [await labelsIn(cara, '#ims-proposed'), await labelsIn(cara, '#ims-base')];
    expect([proposed.get('triage'), base.get('triage')]).to.deep.equal(['Triage the CAPA', 'Triage: rate the risk and decide on a CAPA']);
    expect([...proposed.values(), ...base.values()].filter((text) => /\$\{|‹/.test(text))).to.deep.equal([]);
    expect(await cara.locator('#ims-element-table tr[data-element="triage"] button').textContent()).to.equal('Triage the CAPA');
  });
});
