import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../api/server.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { loadConfig } from '../../engine/boot/config.js';
import { fixtureBpmn } from '../helpers.js';
import { screenshot, screenshotsDir, useBrowser } from '../support/browser.js';
import { expectAccessibleAtBothWidths } from '../support/accessibility.js';
import { http } from '../support/http.js';
import { userWithToken } from '../support/operator.js';


/**
 * The modeler in a real browser (headless Chromium), against a listening server on SQLite with a fake
 * clock: a process owner edits a draft of a deployed process (adds a user task by dropping it on a flow,
 * the problems panel flags its missing role and clears when the role is picked, the due duration reads
 * "14 days", undo takes a change back, the draft autosaves), submits it; a quality manager sees the
 * coloured diff and signs the approval; the owner publishes; a new record starts on the new version
 * while one started before finishes on the old; version 1 is restored as a draft; and a save over
 * someone else's newer save is refused and says who saved.
 */

// Functions given to page.waitForFunction() run in the page: the one browser global they use (the project's
// TypeScript library is Node's, without the DOM).
declare const document: { getElementById(id: string): { textContent: string | null; dataset: Record<string, string | undefined>; querySelector(selector: string): { textContent: string | null } | null } | null };
declare const getComputedStyle: (element: unknown) => { strokeWidth: string };

const START = '2026-05-04T07:00:00.000Z';
const PASSWORD = 'correct horse battery staple';
const KEY = 'batch-check';

/** Version 1: start → "Check the batch" (staff, 5 days) → end, with its diagram. */
const V1 = fixtureBpmn(KEY);

/**
 * A row of steps on short flows (the first is 44 px long, shorter than a task is wide), wider than a phone
 * shows at a readable zoom: Received → Log it → Check → Decide → Record → Logged.
 */
function shortFlows(): string {
  const steps = [
    ['received', 'startEvent', 'Received', 150, 100, 36, 36],
    ['log', 'userTask', 'Log it', 230, 78, 100, 80],
    ['check', 'userTask', 'Check', 380, 78, 100, 80],
    ['decide', 'userTask', 'Decide', 530, 78, 100, 80],
    ['record', 'userTask', 'Record', 680, 78, 100, 80],
    ['logged', 'endEvent', 'Logged', 830, 100, 36, 36],
  ] as const;
  const flows = steps.slice(1).map((step, i) => [`to_${step[0]}`, steps[i]!, step] as const);
  const role = (tag: string) => (tag === 'userTask' ? ' ims:candidateRole="staff"' : '');
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:ims="http://imsflow.org/schema/bpmn/ims/1.0" id="short-defs" targetNamespace="http://imsflow.org/test">
  <bpmn:process id="short-flows" name="Short flows" isExecutable="true">
${steps.map(([id, tag, name]) => `    <bpmn:${tag} id="${id}" name="${name}"${role(tag)} />`).join('\n')}
${flows.map(([id, from, to]) => `    <bpmn:sequenceFlow id="${id}" sourceRef="${from[0]}" targetRef="${to[0]}" />`).join('\n')}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="short-diagram"><bpmndi:BPMNPlane id="short-plane" bpmnElement="short-flows">
${steps.map(([id, , , x, y, w, h]) => `    <bpmndi:BPMNShape id="${id}_di" bpmnElement="${id}"><dc:Bounds x="${x}" y="${y}" width="${w}" height="${h}" /></bpmndi:BPMNShape>`).join('\n')}
${flows.map(([id, from, to]) => `    <bpmndi:BPMNEdge id="${id}_di" bpmnElement="${id}"><di:waypoint x="${from[3] + from[5]}" y="118" /><di:waypoint x="${to[3]}" y="118" /></bpmndi:BPMNEdge>`).join('\n')}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}

describe('modeler: edit, review, sign, publish and restore a process in a real browser', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let server: RunningServer;
  let dir: string;
  const tokens: Record<string, string> = {};
  /** The JSON API as `user` (their API token). */
  const api = async (user: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; json: any }> => {
    const response = await fetch(`${server.url}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, json: (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-modeler-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock: new FakeClock(START), logger: pino({ level: 'silent' }) });
    for (const person of [
      { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'] },
      { id: 'po-ben', name: 'Ben Owner', roles: ['process-owner'] },
      { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'] },
      { id: 'st-dan', name: 'Dan Staff', roles: ['staff'] },
    ]) {
      tokens[person.id] = await userWithToken(server, person);
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
    const v1 = await http('POST', `${server.url}/api/definitions?reason=first%20version`, V1, { 'content-type': 'application/xml', authorization: `Bearer ${tokens['po-anna']}` });
    expect(v1.status, v1.text).to.equal(201);
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A browser page signed in as `user` (the session cookie POST /api/session sets, as the login page does). */
  async function signedIn(user: string): Promise<Page> {
    const { context, page } = await chrome.newPage({ viewport: { width: 1500, height: 950 } });
    const login = await context.request.post(`${server.url}/api/session`, { data: { email: `${user}@example.com`, password: PASSWORD } });
    expect(login.status(), await login.text()).to.equal(200);
    return page;
  }

  /** The problems as people read them: each one's sentence (the id and rule are folded away in its details). */
  const problemsOf = (page: Page) => page.locator('#ims-problems .ims-problem-link').allTextContents();
  const waitProblemsChecked = async (page: Page, before: string | null) => page.waitForFunction((previous) => document.getElementById('ims-problems')?.dataset.checked !== previous, before);

  /** The zoom of a diagram: the scale of bpmn-js's viewport layer. */
  const scaleOf = async (page: Page, diagram: string) => Number(/matrix\(([\d.e-]+)/.exec((await page.locator(`${diagram} svg g.viewport`).first().getAttribute('transform')) ?? '')?.[1] ?? NaN);

  /** Drags an entry of the palette with the mouse (press, move, release) onto the middle of an element's drawing. */
  async function dragFromPalette(page: Page, action: string, target: string): Promise<void> {
    const entry = (await page.locator(`.djs-palette [data-action="${action}"]`).boundingBox())!;
    // the middle of a straight flow's box is on its line; the hit area is the line's 15 px stroke
    const onto = (await page.locator(`${target} .djs-visual`).first().boundingBox())!;
    await page.mouse.move(entry.x + entry.width / 2, entry.y + entry.height / 2);
    await page.mouse.down();
    await page.mouse.move(onto.x + onto.width / 2 - 30, onto.y + onto.height / 2, { steps: 8 });
    await page.mouse.move(onto.x + onto.width / 2, onto.y + onto.height / 2, { steps: 4 });
    // the flow under the new shape is shown as the one it will split
    expect(await page.locator(target).first().getAttribute('class')).to.include('new-parent');
    expect(await page.locator(`${target} .djs-visual > path`).first().evaluate((path) => getComputedStyle(path).strokeWidth)).to.equal('4px');
    await page.mouse.up();
  }

  /** The sequence flows of a BPMN text: [id, sourceRef, targetRef]. */
  const flowsOf = (xml: string): [string, string, string][] =>
    [...xml.matchAll(/<(?:bpmn:)?sequenceFlow\b[^>]*>/g)].map(([tag]) => ['id', 'sourceRef', 'targetRef'].map((name) => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1] ?? '') as [string, string, string]);

  it('a process owner edits, a reviewer signs, both versions run, and version 1 is restored', async () => {
    // A record started on version 1 before the change.
    const old = await server.imsflow.start(KEY, {}, 'st-dan');
    expect(old.version).to.equal(1);

    // ---- the process owner opens the process page and starts a draft from version 1 -----------------------
    const anna = await signedIn('po-anna');
    await anna.goto(`${server.url}/modeler`);
    await anna.getByRole('link', { name: 'Batch check' }).click();
    await anna.waitForSelector('#ims-versions[data-state="ready"]');
    await anna.getByRole('button', { name: 'Edit version 1 as a new draft' }).click();
    await anna.waitForURL(/\/modeler\/drafts\/[^/]+$/);
    const draftId = decodeURIComponent(new URL(anna.url()).pathname.split('/').pop()!);
    await anna.waitForSelector('#ims-editor[data-state="ready"]');
    expect(await anna.locator('#ims-problems-summary').textContent()).to.match(/^No problems/);
    expect(await anna.locator('#ims-canvas .bjs-powered-by').isVisible(), 'the bpmn.io watermark').to.equal(true);

    // keyboard: Ctrl+F on the canvas opens bpmn-js's search, which finds elements by name
    await anna.locator('#ims-canvas svg').first().focus();
    await anna.keyboard.press('Control+f');
    await anna.locator('.djs-search-container input').pressSequentially('Check the');
    await anna.waitForSelector('.djs-search-results .djs-search-result');
    expect(await anna.locator('.djs-search-results').textContent()).to.include('Check the batch');
    await anna.keyboard.press('Escape');

    // ---- draw: a task dragged from the palette onto the middle of the flow check → done splits it ----------
    const checkedBefore = await anna.locator('#ims-problems').getAttribute('data-checked');
    await dragFromPalette(anna, 'create.task', '#ims-canvas [data-element-id="toDone"]');
    const dropped = await anna.waitForFunction(() => (/^Activity_/.test(document.getElementById('ims-panel')?.dataset.element ?? '') && document.getElementById('ims-panel')?.dataset.element));
    const droppedId = (await dropped.jsonValue()) as string;
    await anna.waitForFunction(() => /^All changes saved/.test(document.getElementById('ims-save-state')?.textContent ?? ''));
    const split = (await api('po-anna', 'GET', `/drafts/${draftId}`)).json.xml as string;
    expect(flowsOf(split), 'the old flow now ends at the new task, a new flow goes on to the old target').to.deep.include.members([
      ['toDone', 'check', droppedId],
      [flowsOf(split).find(([, from]) => from === droppedId)?.[0] ?? '(none)', droppedId, 'done'],
    ]);
    expect(await anna.locator('#ims-problem-count').textContent(), 'the count by Save: a plain task is fine').to.equal('No problems');
    // the wrench makes it a user task
    await anna.locator('.djs-context-pad [data-action="replace"]').click();
    await anna.locator('.djs-popup [data-id="replace-with-user-task"]').click();
    await anna.waitForFunction(() => document.getElementById('ims-panel')?.querySelector('h2')?.textContent?.startsWith('User Task'));
    const taskId = (await anna.locator('#ims-panel').getAttribute('data-element'))!;
    expect(taskId).to.match(/^Activity_/);
    await waitProblemsChecked(anna, checkedBefore);

    // the problems panel flags the missing role, names the element, and selects it when clicked
    await anna.waitForSelector(`#ims-problems [data-element="${taskId}"]`);
    const flagged = await problemsOf(anna);
    expect(flagged, 'named by what was drawn, not by its id').to.include('A task without a name needs someone to do it: choose a role or a person.');
    expect(flagged.join('\n')).not.to.match(/Activity_|ims:|\$\{/);
    expect(await anna.locator('#ims-problem-count').textContent(), 'the count by Save').to.equal('1 problem');
    expect(await anna.locator(`#ims-problems [data-element="${taskId}"] + details`).textContent(), 'the id, folded away').to.include(taskId);
    expect(await anna.locator(`#ims-canvas .djs-element.ims-problem[data-element-id="${taskId}"]`).count()).to.equal(1);
    // select nothing: empty canvas above the palette (which starts 20 px in; at 20,20 a click hit its corner or not by a fraction of a pixel of the layout above)
    await anna.locator('#ims-canvas').click({ position: { x: 8, y: 8 } });
    expect(await anna.locator('#ims-panel').getAttribute('data-element')).to.equal(KEY);
    await anna.locator(`#ims-problems [data-element="${taskId}"]`).click();
    expect(await anna.locator('#ims-panel').getAttribute('data-element')).to.equal(taskId);

    // name, role from the directory, due duration with its plain-language reading
    await anna.getByLabel('Name', { exact: true }).fill('Approve the release');
    await anna.getByLabel('Name', { exact: true }).press('Tab');
    const roleOptions = await anna.locator('#ims-candidateRole option').allTextContents();
    expect(roleOptions).to.include.members(['process-owner', 'quality-manager', 'staff']);
    let checked = await anna.locator('#ims-problems').getAttribute('data-checked');
    await anna.getByLabel('Candidate role').selectOption('quality-manager');
    await waitProblemsChecked(anna, checked);
    expect(await anna.locator(`#ims-problems [data-element="${taskId}"]`).count(), 'the role problem clears').to.equal(0);
    expect(await anna.locator('#ims-problems-summary').textContent()).to.match(/^No problems/);
    expect(await anna.locator('#ims-problem-count').textContent()).to.equal('No problems');
    await anna.getByLabel('Due after').fill('P14D');
    expect(await anna.locator('#ims-due-reading').textContent()).to.equal('14 days');
    await anna.getByLabel('Due after').press('Tab');

    // an order check, and undo takes the change back
    checked = await anna.locator('#ims-problems').getAttribute('data-checked');
    await anna.getByLabel('Reminder before the due date').fill('P20D');
    await anna.getByLabel('Reminder before the due date').press('Tab');
    await anna.waitForSelector('#ims-order');
    expect(await anna.locator('#ims-order').textContent()).to.include('must be shorter');
    await waitProblemsChecked(anna, checked);
    expect(await problemsOf(anna)).to.include(
      'The task “Approve the release” would remind 20 days before a due date only 14 days after it opens: the reminder must be shorter than the time to the due date.',
    );
    checked = await anna.locator('#ims-problems').getAttribute('data-checked');
    await anna.getByRole('button', { name: 'Undo' }).click();
    await waitProblemsChecked(anna, checked);
    expect(await anna.locator('#ims-order').count()).to.equal(0);
    expect(await anna.getByLabel('Reminder before the due date').inputValue()).to.equal('');
    expect(await anna.getByLabel('Due after').inputValue()).to.equal('P14D');

    // autosave: the server has what the page shows
    await anna.waitForFunction(() => /^All changes saved/.test(document.getElementById('ims-save-state')?.textContent ?? ''));
    const saved = await api('po-anna', 'GET', `/drafts/${draftId}`);
    const savedTask = new RegExp(`<(?:bpmn:)?userTask [^>]*id="${taskId}"[^>]*>`).exec(saved.json.xml)?.[0] ?? '';
    expect(savedTask).to.include('name="Approve the release"').and.include('ims:candidateRole="quality-manager"').and.include('ims:due="P14D"').and.not.include('remindBefore');
    expect(saved.json.problems).to.deep.equal([]);
    await screenshot(anna, 'modeler editor with the added task');

    // submit with the reason and impact
    await anna.getByLabel('Reason for the change').fill('A quality manager releases each checked batch');
    await anna.getByLabel('Impact').fill('Quality managers get a release task; running checks are not affected');
    await anna.getByRole('button', { name: 'Submit for review' }).click();
    await anna.waitForURL(/\/review$/);
    await anna.waitForSelector('#ims-review[data-state="ready"]');
    expect(await anna.locator('#ims-review-status').textContent()).to.equal('in review');

    // ---- the reviewer sees the coloured diff and signs the approval -----------------------------------------
    const cara = await signedIn('qm-cara');
    await cara.goto(`${server.url}/modeler/drafts/${encodeURIComponent(draftId)}/review`);
    await cara.waitForSelector('#ims-review[data-state="ready"]');
    expect(await cara.locator(`#ims-proposed .djs-element.ims-added[data-element-id="${taskId}"]`).count(), 'the added task is marked added').to.equal(1);
    expect(await cara.locator(`#ims-base [data-element-id="${taskId}"]`).count(), 'and is not in version 1').to.equal(0);
    expect(await cara.locator(`#ims-element-table tr[data-element="${taskId}"]`).getAttribute('data-change')).to.equal('added');
    const fields = await cara.locator('#ims-field-table tbody tr').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-element')} ${r.getAttribute('data-field')}`));
    expect(fields).to.include.members([`${taskId} ims:candidateRole`, `${taskId} ims:due`]);
    expect(await cara.locator('#ims-xml-diff .add').allTextContents()).to.satisfy((lines: string[]) => lines.some((l) => l.includes('ims:candidateRole="quality-manager"')));
    expect(await cara.locator('#ims-proposed .bjs-powered-by').isVisible(), 'the bpmn.io watermark').to.equal(true);
    await screenshot(cara, 'modeler review with the coloured diff');

    // zoom on the review: buttons and keys, both diagrams in step
    const fitted = await scaleOf(cara, '#ims-proposed');
    expect(fitted, 'fitted readable').to.be.at.least(0.6);
    await cara.getByRole('button', { name: 'Zoom in (both diagrams)' }).click();
    expect(await scaleOf(cara, '#ims-proposed')).to.be.above(fitted);
    expect(await scaleOf(cara, '#ims-base'), 'the current version follows').to.be.closeTo(await scaleOf(cara, '#ims-proposed'), 0.01);
    await cara.locator('#ims-proposed svg').first().focus();
    await cara.keyboard.press('-');
    await cara.keyboard.press('-');
    expect(await scaleOf(cara, '#ims-proposed')).to.be.below(fitted);
    await cara.keyboard.press('0');
    expect(await scaleOf(cara, '#ims-proposed')).to.be.closeTo(fitted, 0.01);
    // on a phone the fit stays readable, starting from the start event
    await cara.setViewportSize({ width: 375, height: 812 });
    await cara.getByRole('button', { name: 'Fit to the frame (both diagrams)' }).click();
    expect(await scaleOf(cara, '#ims-proposed'), 'readable on a phone').to.be.at.least(0.6);
    await cara.locator('#ims-proposed').scrollIntoViewIfNeeded();
    const phoneShot = join(screenshotsDir(), 'modeler-review-diagrams-phone-375.png');
    await cara.screenshot({ path: phoneShot });
    console.log(`      review diagrams, phone 375×812: ${phoneShot}`);
    await cara.setViewportSize({ width: 1500, height: 950 });

    // the raw XML diff compares both versions written one way (canonical-xml.ts): version 1 came in with a default
    // namespace and the modeler saved `bpmn:` prefixes, yet only what Anna changed shows
    await cara.locator('#ims-xml summary').click();
    const removed = await cara.locator('#ims-xml-diff .del').allTextContents();
    const added = await cara.locator('#ims-xml-diff .add').allTextContents();
    expect(removed.map((line) => line.trim()), 'removed: the flow the task was dropped on, and the end event it led to').to.deep.equal([
      '-    <bpmn:sequenceFlow id="toDone" sourceRef="check" targetRef="done" />',
      '-    <bpmn:endEvent id="done" name="Checked" />',
    ]);
    expect(added.map((line) => line.trim())).to.include(`+    <bpmn:sequenceFlow id="toDone" sourceRef="check" targetRef="${taskId}" />`);
    expect(added.join('')).not.to.match(/startEvent|id="check"|<bpmn:process|<bpmn:definitions/);
    await expectAccessibleAtBothWidths(cara, 'modeler review with the raw diff open');
    for (const [width, height, name] of [[1280, 800, 'desktop'], [390, 844, 'phone']] as const) {
      await cara.setViewportSize({ width, height });
      await cara.locator('#ims-xml').scrollIntoViewIfNeeded();
      console.log(`      raw XML diff, ${name}: ${await screenshot(cara, `modeler review raw xml diff ${name}`)}`);
    }
    await cara.setViewportSize({ width: 1500, height: 950 });

    await cara.getByLabel('Approve: sign with the meaning “approved”').check();
    await cara.getByLabel('Reason', { exact: true }).fill('Release step reviewed against SOP-QA-012');
    await cara.getByLabel('Your email (user id)').fill('qm-cara@example.com');
    await cara.getByLabel('Your password').fill(PASSWORD);
    await cara.getByRole('button', { name: 'Record the decision' }).click();
    await cara.waitForFunction(() => /^Approved and signed/.test(document.getElementById('ims-review-result')?.textContent ?? ''));
    const approved = await api('po-anna', 'GET', `/drafts/${draftId}`);
    expect(approved.json.status).to.equal('approved');
    expect(approved.json.review).to.include({ decision: 'approve', by: 'qm-cara', reason: 'Release step reviewed against SOP-QA-012' });

    // ---- the quality manager is not offered what the API refuses her: she is told who publishes --------
    const whoPublishes = 'Anna Owner, the author, publishes it: only a process owner publishes an approved change.';
    expect(await cara.locator('#ims-publish-submit').isVisible(), 'no Publish button right after approving').to.equal(false);
    expect(await cara.locator('#ims-publish-who').textContent()).to.equal(whoPublishes);
    await cara.reload();
    await cara.waitForSelector('#ims-review[data-state="ready"]');
    expect(await cara.locator('#ims-publish-submit').isVisible(), 'nor on a fresh look').to.equal(false);
    expect(await cara.locator('#ims-publish-who').textContent()).to.equal(whoPublishes);
    expect(await cara.locator('#ims-withdraw').isVisible(), 'nor is she offered to withdraw it').to.equal(false);
    expect((await api('qm-cara', 'POST', `/drafts/${draftId}/publish`, {})).status, 'the rule the page follows is the API\'s').to.equal(403);

    // ---- the owner publishes ------------------------------------------------------------------------------
    await anna.reload();
    await anna.waitForSelector('#ims-review[data-state="ready"]');
    expect(await anna.locator('#ims-publish-who').isVisible(), 'the author is offered Publish, not told who publishes').to.equal(false);
    await anna.getByRole('button', { name: 'Publish as the next version' }).click();
    await anna.waitForFunction(() => /^Published as version 2/.test(document.getElementById('ims-publish-result')?.textContent ?? ''));

    // ---- a new record runs on version 2; the one started before finishes on version 1 -------------------
    const fresh = await server.imsflow.start(KEY, {}, 'st-dan');
    expect(fresh.version).to.equal(2);
    const versionsPage = await anna.goto(`${server.url}/modeler/processes/${KEY}`);
    // the one page that admits style attributes (its PDF export parses the diagram's SVG), <style> still refused
    expect(versionsPage?.headers()['content-security-policy']).to.include("style-src 'self'; style-src-attr 'unsafe-inline';");
    await anna.waitForSelector('#ims-versions[data-state="ready"]');
    expect(await anna.locator('tr[data-version="2"] .ims-instances').textContent()).to.match(/^1 running/);
    expect(await anna.locator('tr[data-version="1"] .ims-instances').textContent()).to.match(/^1 running/);
    expect(await anna.locator('tr[data-version="2"]').textContent()).to.include('Approved by Cara Quality');

    // exports of version 2: BPMN as published, SVG from bpmn-js, PDF (its bundle loaded only now) stamped with the approval
    const pdfRequests: string[] = [];
    anna.on('request', (request) => {
      if (request.url().endsWith('/assets/pdf-export.js')) pdfRequests.push(request.url());
    });
    const downloaded = async (label: string) => {
      const [download] = await Promise.all([anna.waitForEvent('download'), anna.getByRole('button', { name: label }).click()]);
      const path = await download.path();
      return { name: download.suggestedFilename(), body: readFileSync(path!) };
    };
    const bpmnFile = await downloaded('Download version 2 as BPMN');
    expect(bpmnFile.name).to.equal(`${KEY}-v2.bpmn`);
    expect(bpmnFile.body.toString('utf8')).to.equal((await server.imsflow.getDefinition(KEY, 2)).xml);
    const svgFile = await downloaded('Download version 2 as SVG');
    expect(svgFile.name).to.equal(`${KEY}-v2.svg`);
    const svgText = svgFile.body.toString('utf8');
    expect(svgText.slice(0, 300)).to.match(/<svg /);
    expect(svgText, 'the added task, drawn').to.include('Approve the');
    expect(pdfRequests, 'the PDF bundle is not loaded before a PDF is asked for').to.deep.equal([]);
    const pdfFile = await downloaded('Download version 2 as PDF');
    expect(pdfFile.name).to.equal(`${KEY}-v2.pdf`);
    const pdf = pdfFile.body.toString('latin1');
    expect(pdf.startsWith('%PDF-')).to.equal(true);
    expect(pdf).to.include('(Batch check \\(batch-check\\) version 2)'); // the document title
    expect(pdf).to.include('Status: effective').and.include('Approval signatures').and.include('Cara Quality \\(qm-cara\\)').and.include('Release step reviewed against SOP-QA-012');
    expect(pdfRequests).to.have.length(1);

    const [oldCheck] = await server.imsflow.store.listTasks({ instanceId: old.id, status: 'open' });
    await server.imsflow.completeTask(oldCheck!.id, {}, 'st-dan');
    const oldDone = await server.imsflow.getInstance(old.id);
    expect(oldDone).to.include({ status: 'completed', version: 1 });
    expect(oldDone.tasks.map((t) => t.elementId)).to.deep.equal(['check']);
    const [freshCheck] = await server.imsflow.store.listTasks({ instanceId: fresh.id, status: 'open' });
    await server.imsflow.completeTask(freshCheck!.id, {}, 'st-dan');
    const freshTasks = await server.imsflow.store.listTasks({ instanceId: fresh.id, status: 'open' });
    expect(freshTasks.map((t) => [t.elementId, t.candidateRole])).to.deep.equal([[taskId, 'quality-manager']]);
    await anna.reload();
    await anna.waitForSelector('#ims-versions[data-state="ready"]');
    expect(await anna.locator('tr[data-version="1"] .ims-instances').textContent()).to.match(/^0 running · 1 completed/);

    // ---- version 1 restored as a draft ------------------------------------------------------------------
    await anna.getByRole('button', { name: 'Restore version 1 as a new draft' }).click();
    await anna.waitForURL((url) => url.pathname.startsWith('/modeler/drafts/') && !url.pathname.endsWith(draftId));
    const restoredId = decodeURIComponent(new URL(anna.url()).pathname.split('/').pop()!);
    await anna.waitForSelector('#ims-editor[data-state="ready"]');
    expect(await anna.locator(`#ims-canvas [data-element-id="${taskId}"]`).count(), 'version 1 has no release task').to.equal(0);
    expect(await anna.locator('#ims-canvas [data-element-id="check"]').count()).to.equal(1);
    const restored = await api('po-anna', 'GET', `/drafts/${restoredId}`);
    expect(restored.json).to.include({ key: KEY, restoredFrom: 1, baseVersion: 2, status: 'draft' });

    // ---- someone else saves meanwhile: the page does not write over it and says who ----------------------
    const bens = restored.json.xml.replace('ims:due="P5D"', 'ims:due="P6D"');
    const benSave = await api('po-ben', 'PUT', `/drafts/${restoredId}`, { xml: bens, revision: restored.json.revision });
    expect(benSave.status, benSave.text).to.equal(200);
    await anna.locator('#ims-canvas [data-element-id="check"]').click();
    await anna.getByLabel('Due after').fill('P9D');
    await anna.getByLabel('Due after').press('Tab');
    await anna.waitForSelector('#ims-editor[data-state="conflict"]');
    expect(await anna.locator('#ims-save-state').textContent()).to.match(/^Not saved: po-ben saved this draft .* \(revision 1\)/);
    expect(await anna.locator('#ims-conflict').isVisible()).to.equal(true);
    const after = await api('po-anna', 'GET', `/drafts/${restoredId}`);
    expect(after.json).to.include({ revision: 1, updatedBy: 'po-ben', xml: bens });
    expect(chrome.logOf(anna).errors, 'page errors').to.deep.equal([]);
    expect(chrome.logOf(cara).errors, 'page errors').to.deep.equal([]);
  });

  it('adds tasks by keyboard alone, splits a short flow making room, and stays readable at desktop and phone width', async () => {
    const created = await api('po-anna', 'POST', '/drafts', { xml: shortFlows() });
    expect(created.status, created.text).to.equal(201);
    const draftId = created.json.id as string;
    const page = await signedIn('po-anna');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${server.url}/modeler/drafts/${encodeURIComponent(draftId)}`);
    await page.waitForSelector('#ims-editor[data-state="ready"]');
    const box = async (selector: string) => (await page.locator(selector).first().boundingBox())!;
    const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

    // readable at 1280×800: the problem count by Save in sight without scrolling, the start event clear of the palette
    const count = await box('#ims-problem-count');
    expect(count.y + count.height, 'the count is above the fold').to.be.at.most(800);
    expect(await page.locator('#ims-problem-count').textContent()).to.equal('No problems');
    expect(overlap(await box('.djs-palette'), await box('#ims-canvas [data-element-id="received"] .djs-visual')), 'the palette covers the start event').to.equal(false);
    expect(await scaleOf(page, '#ims-canvas')).to.be.at.least(0.6);

    // ---- keyboard only: Tab to the palette's task, Enter adds it; after the element found by Ctrl+F, connected -----
    const tabTo = async (action: string) => {
      for (let presses = 0; presses < 40; presses += 1) {
        if ((await page.evaluate(() => (globalThis as any).document.activeElement?.dataset?.action)) === action) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached the palette's ${action}`);
    };
    const tasks = () => page.locator('#ims-canvas .djs-shape[data-element-id^="Activity_"]').count();
    await page.locator('#ims-fit').focus();
    await tabTo('create.task');
    expect(await page.locator(':focus').getAttribute('aria-label')).to.match(/^Create task/);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#ims-canvas .djs-shape[data-element-id^="Activity_"]').length === 1);
    expect(await page.locator('#ims-canvas .vh[role="status"]').textContent()).to.equal('Added a task in the middle of the view.');
    const centred = await box('#ims-canvas .djs-shape[data-element-id^="Activity_"] .djs-visual');
    for (const id of ['received', 'log', 'check', 'decide', 'record', 'logged']) {
      expect(overlap(centred, await box(`#ims-canvas [data-element-id="${id}"] .djs-visual`)), `the new task covers ${id}`).to.equal(false);
    }
    await page.locator('#ims-canvas svg').first().focus();
    await page.keyboard.press('Control+f');
    await page.locator('.djs-search-container input').pressSequentially('Record');
    await page.waitForSelector('.djs-search-results .djs-search-result');
    await page.keyboard.press('Enter');
    await tabTo('create.task');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#ims-canvas .djs-shape[data-element-id^="Activity_"]').length === 2);
    expect(await page.locator('#ims-canvas .vh[role="status"]').textContent()).to.equal('Added a task after “Record”.');
    const appended = (await page.locator('#ims-panel').getAttribute('data-element'))!;
    expect(appended).to.match(/^Activity_/);
    expect(await tasks()).to.equal(2);

    // ---- a task dropped on the 44 px flow Received → Log it splits it, and Log it moves over to make room -------
    await page.locator('#ims-fit').click(); // the search scrolled to Record; fit brings the start back in view
    await dragFromPalette(page, 'create.task', '#ims-canvas [data-element-id="to_log"]');
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#ims-canvas .djs-shape[data-element-id^="Activity_"]').length === 3);
    await page.keyboard.press('Escape'); // leave the name editing the drop opened
    await page.waitForFunction(() => /^All changes saved/.test(document.getElementById('ims-save-state')?.textContent ?? ''));
    const xml = (await api('po-anna', 'GET', `/drafts/${draftId}`)).json.xml as string;
    const flows = flowsOf(xml);
    const inserted = flows.find(([id]) => id === 'to_log')?.[2] ?? '';
    expect(inserted, JSON.stringify(flows)).to.match(/^Activity_/).and.not.equal(appended);
    expect(flows.some(([, from, to]) => from === inserted && to === 'log'), 'a new flow goes on to Log it').to.equal(true);
    expect(flows.some(([, from, to]) => from === 'record' && to === appended), 'the appended task follows Record').to.equal(true);
    const [start, added, log] = await Promise.all(['received', inserted, 'log'].map((id) => box(`#ims-canvas [data-element-id="${id}"] .djs-visual`)));
    expect(overlap(added!, log!), 'the new task covers Log it').to.equal(false);
    expect(overlap(added!, start!), 'the new task covers the start event').to.equal(false);
    console.log(`      short flow split, desktop: ${await screenshot(page, 'modeler short flow split desktop')}`);

    // ---- phone: still readable, the start event in view and clear of the palette --------------------------
    await page.setViewportSize({ width: 375, height: 812 });
    await page.reload();
    await page.waitForSelector('#ims-editor[data-state="ready"]');
    expect(await scaleOf(page, '#ims-canvas'), 'not shrunk below readable').to.be.at.least(0.6);
    const [canvas, palette, received] = [await box('#ims-canvas'), await box('.djs-palette'), await box('#ims-canvas [data-element-id="received"] .djs-visual')];
    expect(overlap(received, canvas), 'the start event is in view').to.equal(true);
    expect(overlap(received, palette), 'the palette covers the start event').to.equal(false);
    console.log(`      editor, phone 375×812: ${await screenshot(page, 'modeler editor phone 375')}`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.reload();
    await page.waitForSelector('#ims-editor[data-state="ready"]');
    await expectAccessibleAtBothWidths(page, 'modeler editor');
    expect(chrome.logOf(page).errors, 'page errors').to.deep.equal([]);
  });

  it('sends a signed-out visitor of the modeler pages to the login page', async () => {
    for (const path of ['/modeler', '/modeler/drafts/x', '/modeler/drafts/x/review', `/modeler/processes/${KEY}`]) {
      const response = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      expect(response.status, path).to.equal(303);
      expect(response.headers.get('location'), path).to.equal(`/login?next=${encodeURIComponent(path)}`);
    }
  });

  it('the review page tells authors they may not approve their own change, and signs nothing', async () => {
    const created = await api('po-ben', 'POST', '/drafts', { key: 'ben-process' });
    expect(created.status, created.text).to.equal(201);
    const submitted = await api('po-ben', 'POST', `/drafts/${created.json.id}/submit`, { reason: 'a new process', impact: 'none yet', revision: created.json.revision });
    expect(submitted.status, submitted.text).to.equal(200);
    const page = await signedIn('po-ben');
    await page.goto(`${server.url}/modeler/drafts/${encodeURIComponent(created.json.id)}/review`);
    await page.waitForSelector('#ims-review[data-state="ready"]');
    expect(await page.locator('#ims-decide').textContent()).to.include('the author of a change may not approve it');
    await page.getByLabel('Reason', { exact: true }).fill('looks fine to me');
    await page.getByLabel('Your email (user id)').fill('po-ben@example.com');
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.waitForFunction(() => /^Not recorded/.test(document.getElementById('ims-review-result')?.textContent ?? ''));
    expect(await page.locator('#ims-review-result').textContent()).to.include('may not approve');
    expect(await page.getByLabel('Your password').inputValue(), 'the password is not kept in the page').to.equal('');
    const after = await api('po-ben', 'GET', `/drafts/${created.json.id}`);
    expect(after.json.status).to.equal('in-review');
    expect(after.json.review).to.equal(undefined);
  });

  it('the author withdraws a draft from its page with a reason: it leaves the list of open drafts, audited', async () => {
    const created = await api('po-ben', 'POST', '/drafts', { key: 'ben-withdrawn' });
    expect(created.status, created.text).to.equal(201);
    const page = await signedIn('po-ben');
    await page.goto(`${server.url}/modeler`);
    await page.waitForSelector('#ims-drafts[data-state="ready"]');
    expect(await page.locator(`#ims-drafts [data-draft="${created.json.id}"]`).count(), 'listed while open').to.equal(1);
    await page.goto(`${server.url}/modeler/drafts/${encodeURIComponent(created.json.id)}/review`);
    await page.waitForSelector('#ims-review[data-state="ready"]');
    // without a reason nothing is sent
    await page.getByRole('button', { name: 'Withdraw the change' }).click();
    expect(await page.locator('#ims-withdraw-result').textContent()).to.equal('Give the reason for withdrawing the change.');
    await page.getByLabel('Why you withdraw it').fill('the line trial showed no need');
    // a dismissed confirmation withdraws nothing
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.getByRole('button', { name: 'Withdraw the change' }).click();
    expect((await api('po-ben', 'GET', `/drafts/${created.json.id}`)).json.status).to.equal('draft');
    page.once('dialog', (dialog) => {
      expect(dialog.message()).to.equal('Withdraw this change? This cannot be undone.');
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Withdraw the change' }).click();
    await page.waitForFunction(() => /^Withdrawn:/.test(document.getElementById('ims-withdraw-result')?.textContent ?? ''));
    expect(await page.locator('#ims-review-status').textContent()).to.equal('withdrawn');
    expect(await page.locator('#ims-review-state').textContent()).not.to.include('Open it in the editor');
    await expectAccessibleAtBothWidths(page, 'modeler review after withdrawing a draft');
    const events = await server.imsflow.store.listAudit({ target: `draft:${created.json.id}`, limit: 100 });
    expect(events.map((e) => [e.action, e.actor, e.reason])).to.deep.include(['draft.withdrawn', 'po-ben', 'the line trial showed no need']);
    await page.getByRole('link', { name: 'Back to the processes' }).click();
    await page.waitForSelector('#ims-drafts[data-state="ready"]');
    expect(await page.locator(`#ims-drafts [data-draft="${created.json.id}"]`).count(), 'gone from the open drafts').to.equal(0);
  });
});
