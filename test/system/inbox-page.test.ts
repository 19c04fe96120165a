import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Email } from 'postal-mime';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { expectAccessibleAtBothWidths, wcagViolations } from '../support/accessibility.js';
import { useBrowser } from '../support/browser.js';
import { callWithToken, http } from '../support/http.js';
import { userWithToken } from '../support/operator.js';
import { TestSmtpServer } from '../support/smtp.js';

/**
 * The inbox in Chromium (issue 16): a change is submitted; the reviewer finds it in her inbox (the header
 * counts it) and in her email, opens the email's link, signs in and signs the approval; the author is then
 * told by email and finds the change to publish in his inbox. The inbox works without JavaScript; axe-core
 * at desktop and phone width, screenshots of both.
 */

const PASSWORD = 'a long enough passphrase for tests';
const KEY = 'inbox-walk';
const XML = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:ims="http://imsflow.org/schema/bpmn/ims/1.0" id="defs-${KEY}" targetNamespace="http://imsflow.org/test">
  <process id="${KEY}" name="Line clearance" isExecutable="true" ims:ownerRole="quality-manager" ims:businessKeyPrefix="LC">
    <startEvent id="start" />
    <sequenceFlow id="toCheck" sourceRef="start" targetRef="check" />
    <userTask id="check" name="Check the line is clear" ims:candidateRole="quality-manager" ims:due="P2D" />
    <sequenceFlow id="toEnd" sourceRef="check" targetRef="done" />
    <endEvent id="done" />
  </process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="${KEY}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="check_di" bpmnElement="check"><dc:Bounds x="190" y="78" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="done_di" bpmnElement="done"><dc:Bounds x="350" y="100" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="toCheck_di" bpmnElement="toCheck"><di:waypoint x="136" y="118" /><di:waypoint x="190" y="118" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="toEnd_di" bpmnElement="toEnd"><di:waypoint x="290" y="118" /><di:waypoint x="350" y="118" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</definitions>`;

describe('the inbox, walked in Chromium: a change to sign, found in the inbox and by email', function () {
  this.timeout(180_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  let smtp: TestSmtpServer;
  const tokens: Record<string, string> = {};
  const to = (email: Email) => (email.to ?? []).map((a) => ('address' in a ? String(a.address) : '')).join(',');
  const deliver = async (count: number) => {
    const before = smtp.received.length;
    await server.scheduler.runDue();
    await server.scheduler.runDue();
    await smtp.waitFor(before + count);
    return smtp.received.slice(before);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-inbox-page-'));
    smtp = await new TestSmtpServer().start();
    const clock = new FakeClock('2026-05-04T07:00:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_DIGEST: 'off', SMTP_URL: smtp.url }), { clock, logger: pino({ level: 'silent' }) });
    for (const person of [
      { id: 'po-anton', name: 'Anton Owner', roles: ['process-owner'] },
      { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'], sites: ['dublin'] },
    ]) {
      tokens[person.id] = await userWithToken(server, person);
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'inbox walk');
    }
    const v1 = await http('POST', `${server.url}/api/definitions`, XML, { 'content-type': 'application/xml', authorization: `Bearer ${tokens['po-anton']}` });
    expect(v1.status, v1.text).to.equal(201);
    // a task of Cara's role at her site, overdue, beside the change she is asked to sign
    expect((await callWithToken(server.url, tokens['qm-cara'], 'POST', `/api/processes/${KEY}/instances`, { site: 'dublin', variables: { title: 'Filling line 2 after the lot change' } })).status).to.equal(201);
    clock.advance(3 * 86_400_000);
  });
  after(async () => {
    await server?.close();
    await smtp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(email: string, next: string) {
    const { page, log } = await chrome.newPage();
    await page.goto(`${server.url}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === new URL(next, server.url).pathname), page.locator('main button[type=submit]').click()]);
    return { page, log };
  }

  it('the reviewer finds the change in her inbox and her email, signs it from the email\'s link; the author is told', async () => {
    const author = (method: string, path: string, body?: unknown) => callWithToken(server.url, tokens['po-anton'], method, path, body);
    const draft = (await author('POST', '/api/drafts', { key: KEY, reason: 'clearance within a day' })).json;
    const saved = await author('PUT', `/api/drafts/${draft.id}`, { xml: XML.replace('ims:due="P2D"', 'ims:due="P1D"'), revision: 0 });
    expect(saved.status, saved.text).to.equal(200);
    expect((await author('POST', `/api/drafts/${draft.id}/submit`, { reason: 'A line stands still while it waits', impact: 'Open clearances keep their due date', revision: 1 })).status).to.equal(200);
    const [mail] = (await deliver(1)).filter((e) => to(e) === 'qm-cara@example.com' && /^Please review/.test(e.subject ?? ''));
    expect(mail, 'the review request in Cara\'s mail').to.not.equal(undefined);
    expect(mail!.subject).to.equal('Please review: change to Line clearance');
    const link = /Review and sign the change: (\S+)/.exec(mail!.text ?? '')![1]!;
    expect(link).to.equal(`${server.url}/modeler/drafts/${draft.id}/review`);

    // her inbox: the change to sign and her overdue task, counted in the header
    const { page, log } = await signIn('qm-cara@example.com', '/inbox');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Inbox');
    expect(await page.locator('.ims-header__nav a[aria-current=page]').innerText()).to.match(/^Inbox\s*2/);
    const items = await page.locator('main .usa-collection__item').allInnerTexts();
    expect(items).to.have.length(2);
    const flat = items.map((text) => text.replace(/\s+/g, ' '));
    expect(flat[0], flat[0]).to.match(/^Check the line is clear \(claim it to start\) Task for your role Overdue LC-\d{4}-0001 · Filling line 2 after the lot change/);
    expect(flat[1], flat[1]).to.match(/^Review and sign the change to Line clearance Change to sign Line clearance/);
    expect(items[1]).to.include('Submitted by Anton Owner');
    expect(items[1]).to.include('Reason for the change: A line stands still while it waits');
    expect(await wcagViolations(page)).to.deep.equal([]);
    await expectAccessibleAtBothWidths(page, 'inbox of a reviewer');

    // the email's link: the review page; she signs the approval there
    await page.goto(link);
    // the first request builds the review bundle (esbuild): give it time
    await page.waitForSelector('#ims-review[data-state="ready"]', { timeout: 120_000 });
    await page.getByLabel('Approve: sign with the meaning “approved”').check();
    await page.getByLabel('Reason', { exact: true }).fill('A day is enough for a clearance');
    await page.getByLabel('Your email (user id)').fill('qm-cara@example.com');
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.waitForFunction(() => /^Approved and signed/.test((globalThis as any).document.getElementById('ims-review-result')?.textContent ?? ''));
    await page.goto(`${server.url}/inbox`);
    expect(await page.locator('main .usa-collection__item').count()).to.equal(1);
    expect(log.errors).to.deep.equal([]);

    // the author's email and inbox
    const told = (await deliver(1)).find((e) => to(e) === 'po-anton@example.com')!;
    expect(told.subject).to.equal('Approved: your change to Line clearance');
    expect(told.text).to.include('approved and signed by Cara Quality');
    expect(told.text).to.include('Reason for the decision: A day is enough for a clearance');
    const anton = await signIn('po-anton@example.com', '/inbox');
    const [publish] = await anton.page.locator('main .usa-collection__item').allInnerTexts();
    expect(publish!.replace(/\s+/g, ' ')).to.match(/^Publish the approved change to Line clearance Change to publish/);
    expect(await anton.page.locator('main .usa-collection__item a').first().getAttribute('href')).to.equal(`/modeler/drafts/${draft.id}/review`);
    await expectAccessibleAtBothWidths(anton.page, 'inbox of an author with a change to publish');
  });

  it('works without JavaScript, and says so when nothing waits', async () => {
    const { page } = await chrome.newPage({ javaScriptEnabled: false });
    await page.goto(`${server.url}/login?next=/inbox`);
    await page.getByLabel('Email').fill('po-anton@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/inbox'), page.locator('main button[type=submit]').click()]);
    await page.locator('main .usa-collection__item a').first().click();
    await page.waitForURL((url) => url.pathname.endsWith('/review'));
    expect((await callWithToken(server.url, tokens['po-anton'], 'GET', '/api/inbox')).json.count).to.equal(1);
    // nothing for someone without work
    await userWithToken(server, { id: 'st-nell', name: 'Nell Staff', roles: ['staff'], sites: ['dublin'] });
    await server.accounts.setPassword('st-nell', PASSWORD, 'test-setup', 'inbox walk');
    const nell = await signIn('st-nell@example.com', '/inbox');
    expect(await nell.page.locator('main .usa-intro').innerText()).to.equal('Nothing waits on you: no tasks, changes to sign or publish, or requests to decide.');
    expect(await nell.page.locator('.ims-header__nav a[href="/inbox"]').innerText()).to.equal('Inbox');
  });
});
