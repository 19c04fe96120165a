import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Email } from 'postal-mime';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { DEMO_PASSWORD, seedDemo } from '../../scripts/demo.js';
import { expectAccessibleAtBothWidths } from '../support/accessibility.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { TestSmtpServer } from '../support/smtp.js';

/**
 * The three journeys of the README by keyboard alone (issue 15), on the demo organisation in real Chromium:
 * after the first page.goto, every step is a key (Tab, Shift+Tab, Enter, Space, arrows, typing): no click,
 * no fill. At every stop the focused element shows that it has focus (an outline or a box shadow), and
 * after each action focus lands where a person expects it. Each journey ends with axe-core at both widths.
 */

declare const document: { activeElement: any; body: any };
declare function requestAnimationFrame(callback: () => void): void;
declare function getComputedStyle(element: any): { outlineStyle: string; outlineWidth: string; boxShadow: string };

/** Where focus is, as a person would name it. */
interface Focus {
  tag: string;
  id: string;
  /** The accessible name, roughly: aria-label, else the text, else the value or placeholder. */
  name: string;
  href: string;
  /** An outline or box shadow is drawn around it. */
  shown: boolean;
}

function focusOf(page: Page): Promise<Focus> {
  return page.evaluate(async () => {
    // focus may move a frame after the key (out of a date field's last part, say)
    await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body', id: '', name: '', href: '', shown: true };
    const style = getComputedStyle(el);
    // a date field's calendar button: focused inside Chromium's own control, which rings it (not styleable)
    const picker = el.tagName === 'INPUT' && /^date/.test(el.type) && !el.matches(':focus');
    const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadowed = style.boxShadow !== 'none' && style.boxShadow !== '';
    const label = el.getAttribute('aria-label') ?? (el.labels?.[0]?.textContent as string | undefined) ?? el.textContent ?? '';
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id ?? '',
      name: String(label).replace(/\s+/g, ' ').trim().slice(0, 80),
      href: el.getAttribute('href') ?? '',
      shown: outlined || shadowed || picker,
    };
  });
}

const describeFocus = (f: Focus) => `${f.tag}${f.id ? `#${f.id}` : ''} “${f.name}”`;

/** Asserts the focused element shows its focus, and returns it. */
async function visibleFocus(page: Page): Promise<Focus> {
  const focus = await focusOf(page);
  expect(focus.shown, `focus is not visible on ${describeFocus(focus)}`).to.equal(true);
  return focus;
}

/**
 * Presses Tab (Shift+Tab with `back`) until the focused element matches, checking at every stop that focus
 * is visible; returns how many presses it took and the stops. Fails after `max` presses.
 */
async function tabTo(page: Page, matches: (focus: Focus) => boolean, { max = 60, back = false } = {}): Promise<{ presses: number; stops: Focus[] }> {
  const stops: Focus[] = [];
  for (let presses = 1; presses <= max; presses += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const focus = await visibleFocus(page);
    stops.push(focus);
    if (matches(focus)) return { presses, stops };
  }
  throw new Error(`not reached after ${max} presses of Tab: ${stops.map(describeFocus).join(' → ')}`);
}

/** Presses of Tab from the top of the page (focus reset to the document) to the link `href`: the long way, past the filters. */
async function tabFromTop(page: Page, href: string): Promise<{ presses: number }> {
  await page.evaluate(() => (document.activeElement as { blur?: () => void } | null)?.blur?.());
  // ends with focus on the link again, as the short way left it
  return tabTo(page, (f) => f.href === href, { max: 80 });
}

const named = (pattern: RegExp | string) => (f: Focus) => (typeof pattern === 'string' ? f.name === pattern : pattern.test(f.name));

/** Does `act` (a key) that loads a new page; resolves once it has loaded. */
async function loads(page: Page, act: () => Promise<void>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), act()]);
}

function addressOf(email: Email): string {
  const [to] = email.to ?? [];
  return to && 'address' in to ? String(to.address) : '';
}

describe('the three journeys by keyboard alone (demo organisation, headless Chromium)', function () {
  this.timeout(240_000);
  const chrome = useBrowser();
  let dir: string;
  let smtp: TestSmtpServer;
  let server: RunningServer;
  const counts: string[] = [];

  before(async function () {
    this.timeout(240_000);
    dir = mkdtempSync(join(tmpdir(), 'imsflow-keyboard-'));
    await seedDemo(dir, { env: {} });
    smtp = await new TestSmtpServer().start();
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_DIGEST: 'off', SMTP_URL: smtp.url }), { logger: pino({ level: 'silent' }) });
  });
  after(async () => {
    await server?.close();
    await smtp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (counts.length) console.log(`      Tab presses:\n${counts.map((c) => `        ${c}`).join('\n')}`);
  });

  it('staff: a task from an email link, then one from the task list after signing in', async () => {
    const { store } = server.assembly;
    // a filling-line step handed over to Sean Gallagher by his quality manager: the email he gets
    const handed = (await store.listTasks({ status: 'open' })).find((t) => t.assignee === 'emma.byrne' && t.elementId === 'act')!;
    expect(handed, 'the demo gives Emma Byrne a nonconformity\'s corrective action').to.not.equal(undefined);
    const from = smtp.received.length;
    await server.imsflow.reassignTask(handed.id, { assignee: 'sean.gallagher' }, 'Emma is on leave this week', 'aoife.brennan');
    let email: Email | undefined;
    while (!email) {
      await server.scheduler.runDue();
      email = smtp.received.slice(from).find((e) => addressOf(e) === 'sean.gallagher@example.com');
      if (!email) await smtp.waitFor(smtp.received.length + 1);
    }
    const link = /(http\S+\/t\/\S+)/.exec(email.text ?? '')?.[1];
    expect(link, `a task link in: ${email.text}`).to.be.a('string');

    const { page, log } = await chrome.newPage({ locale: 'en-IE' });
    await page.goto(link!);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Take corrective action');
    // the first Tab reaches the skip link; Enter on it takes focus to the content, the next Tab to the first field
    expect((await tabTo(page, () => true)).stops.map(describeFocus)).to.deep.equal(['a “Skip to content”']);
    await page.keyboard.press('Enter');
    expect((await visibleFocus(page)).id).to.equal('main');
    await page.keyboard.press('Tab');
    expect(describeFocus(await visibleFocus(page))).to.equal('textarea#f-cause “Root cause (required)”');
    await page.keyboard.type('Airflow to the Grade B corridor blocked by a stored trolley');
    await page.keyboard.press('Tab');
    expect((await visibleFocus(page)).id).to.equal('f-actionTaken');
    await page.keyboard.type('Trolley parking moved; corridor re-sampled, within limits');
    await page.keyboard.press('Tab');
    expect((await visibleFocus(page)).id).to.equal('f-completedOn');
    await page.keyboard.type('01012026'); // 1 January 2026, whichever order the browser shows day and month in
    const toButton = await tabTo(page, (f) => f.tag === 'button');
    expect(toButton.stops.at(-1)!.name).to.equal('Complete task');
    counts.push(`staff, email link: 1 to the skip link, Enter, 1 to the first field; from the date to “Complete task”: ${toButton.presses} (the date field's calendar button first)`);
    await screenshot(page, 'keyboard 1 email task filled');
    await loads(page, () => page.keyboard.press('Enter'));

    // the answer page: a new page, read from the top; what was done is said first, then what happens next
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Thank you');
    expect(await page.getByRole('status').first().textContent()).to.include(`“Take corrective action” for ${handed.businessKey}`);
    expect(await focusOf(page)).to.include({ tag: 'body' });
    await screenshot(page, 'keyboard 1 email task thank you');
    const onward = await tabTo(page, named('Sign in to see your tasks'));
    expect(onward.presses, 'the skip link, then the way on').to.equal(2);
    await loads(page, () => page.keyboard.press('Enter'));

    // signing in: the email field is the first stop after the skip link; Enter in the password field signs in
    expect(new URL(page.url()).pathname).to.equal('/login');
    expect((await tabTo(page, (f) => f.id === 'email')).presses).to.equal(2);
    await page.keyboard.type('sean.gallagher@example.com');
    await page.keyboard.press('Tab');
    expect((await visibleFocus(page)).id).to.equal('password');
    await page.keyboard.type(DEMO_PASSWORD);
    await loads(page, () => page.keyboard.press('Enter'));
    expect(new URL(page.url()).pathname).to.equal('/tasks');
    await screenshot(page, 'keyboard 1 task list');

    // the list: past the header and the filter bar to the first card's step name, which opens the task
    const toTask = await tabTo(page, (f) => /^\/tasks\/[^/?]+$/.test(f.href));
    const step = toTask.stops.at(-1)!.name;
    expect(toTask.stops.slice(0, 2).map(describeFocus)).to.deep.equal(['a “Skip to content”', 'a “imsflow”']);
    counts.push(`staff, task list: ${toTask.presses} to the first task (“${step}”): skip link, header (4), filter bar (5)`);
    await loads(page, () => page.keyboard.press('Enter'));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal(step);

    // its form: every field in order, typed into; Enter on the button completes the task
    const filled: string[] = [];
    const toComplete = await tabTo(
      page,
      (f) => {
        if (f.tag === 'textarea' || (f.tag === 'input' && f.id.startsWith('f-'))) filled.push(f.id);
        return f.tag === 'button' && f.name === 'Complete task';
      },
      { max: 30 },
    );
    expect(filled.length, 'fields on the way').to.be.above(0);
    counts.push(`staff, task page: ${toComplete.presses} to “Complete task” past ${filled.length} fields, the record link and the release and delegate disclosures`);
    // again from the top, now typing into each field on the way
    await page.keyboard.press('Shift+Tab'); // back in the last field
    for (let i = filled.length - 1; i > 0; i -= 1) await page.keyboard.press('Shift+Tab');
    for (const id of filled) {
      expect((await visibleFocus(page)).id).to.equal(id);
      await page.keyboard.type(`Done by keyboard: ${id.slice(2)}`);
      await page.keyboard.press('Tab');
    }
    expect(describeFocus(await visibleFocus(page))).to.equal('button “Complete task”');
    const taskUrl = page.url();
    await loads(page, () => page.keyboard.press('Enter'));
    // back on the task, read-only now, with the confirmation at the top
    expect(page.url()).to.equal(taskUrl);
    const notice = await page.getByRole('status').first().textContent();
    expect(notice).to.match(new RegExp(`You completed “${step}”`));
    expect(await focusOf(page), 'a new page, read from the top').to.include({ tag: 'body' });
    expect((await tabTo(page, named('Back to my tasks'))).presses, 'past the header (with its Inbox, New, Records and Documents links), the record link, the record and tasks links').to.be.at.most(12);
    await expectAccessibleAtBothWidths(page, 'keyboard 1 task completed');
    expect(log.errors).to.deep.equal([]);
  });

  it('process owner: a change to a process, by keyboard, approved with a signature', async () => {
    const { page, log } = await chrome.newPage({ locale: 'en-IE' });
    const signIn = async (on: Page, email: string) => {
      expect(new URL(on.url()).pathname).to.equal('/login');
      expect((await tabTo(on, (f) => f.id === 'email')).presses).to.equal(2);
      await on.keyboard.type(email);
      await on.keyboard.press('Tab');
      await on.keyboard.type(DEMO_PASSWORD);
      await loads(on, () => on.keyboard.press('Enter'));
    };
    await page.goto(`${server.url}/modeler`);
    await signIn(page, 'ciaran.doyle@example.com');
    expect(new URL(page.url()).pathname).to.equal('/modeler');
    await page.waitForLoadState('networkidle');

    // the processes: the first one listed is a link after the header's seven stops
    const toCapa = await tabTo(page, named('Corrective and preventive action (CAPA)'));
    counts.push(`process owner, processes: ${toCapa.presses} to the CAPA process (skip link, header, then the list)`);
    await loads(page, () => page.keyboard.press('Enter'));
    await page.waitForLoadState('networkidle');
    const toEdit = await tabTo(page, named('Edit version 1 as a new draft'));
    counts.push(`process owner, versions: ${toEdit.presses} to “Edit version 1 as a new draft”`);
    await loads(page, () => page.keyboard.press('Enter'));
    await page.waitForSelector('#ims-editor[data-state="ready"]');
    await screenshot(page, 'keyboard 2 editor');

    // the editor: the search finds an element by its name and selects it; the palette adds after it
    const search = async (name: string) => {
      if ((await focusOf(page)).id !== 'ims-search') await tabTo(page, (f) => f.id === 'ims-search', { back: true });
      await page.keyboard.press('Enter');
      expect(describeFocus(await visibleFocus(page)), 'Enter on Search opens the search field').to.equal('input “Search in diagram”');
      await page.keyboard.type(name);
      await page.keyboard.press('Enter');
      await page.waitForFunction((id) => (document as any).getElementById('ims-panel-title')?.textContent.includes(id), name);
      // what was found is selected, and the diagram has focus: its keys (Delete, the arrows) act on it
      expect((await visibleFocus(page)).tag).to.equal('svg');
    };
    const panelHeading = () => page.locator('#ims-panel-title').innerText();
    const toSearch = await tabTo(page, (f) => f.id === 'ims-search');
    counts.push(`process owner, editor: ${toSearch.presses} to Search; the palette's “Create task” 9 past the diagram`);
    await search('Approve closure');
    expect(await panelHeading()).to.include('Approve closure');

    const addAfterSelected = async (entry: RegExp, name: string) => {
      await tabTo(page, named(entry));
      await page.keyboard.press('Enter');
      // the status line says what was added and after what; the new element is selected, its panel shown
      await page.waitForFunction(() => /^(Task|End Event)/.test((document as any).getElementById('ims-panel-title')?.textContent ?? ''));
      await tabTo(page, (f) => f.id === 'ims-name');
      await page.keyboard.type(name);
      await page.keyboard.press('Tab');
      // the name is committed as Tab leaves the field; focus goes on to the next field, not back to the page
      expect((await visibleFocus(page)).tag, 'focus after naming').to.not.equal('body');
      await page.waitForFunction((n) => (document as any).getElementById('ims-panel-title')?.textContent.includes(n), name);
    };
    await addAfterSelected(/^Create task/, 'Update the risk register');
    await page.keyboard.press('Shift+Tab'); // back from the panel towards the palette
    await addAfterSelected(/^Create end event/, 'CAPA closed, risks updated');
    // the approval now splits in two without a gateway: one problem, once the check after the edit has run
    await page.waitForFunction(() => (document as any).getElementById('ims-problem-count').textContent === '1 problem');

    // the old end is found by name and deleted with the Delete key: its flow goes with it
    await search('CAPA closed as effective');
    await page.keyboard.press('Delete');
    await page.waitForFunction(() => (document as any).getElementById('ims-problem-count').textContent === 'No problems');
    await screenshot(page, 'keyboard 2 edited');

    // saved by the toolbar's button, then submitted with a reason and the impact
    await tabTo(page, (f) => f.id === 'ims-save', { back: true });
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /^All changes saved/.test((document as any).getElementById('ims-save-state').textContent));
    expect((await visibleFocus(page)).id, 'focus stays on Save').to.equal('ims-save');
    const toReason = await tabTo(page, (f) => f.id === 'ims-reason', { max: 40 });
    counts.push(`process owner, editor: ${toReason.presses} from Save to the reason (past the diagram, the palette's 12 entries and the panel)`);
    await page.keyboard.type('Risks and opportunities are updated before a CAPA is closed (ISO 9001 10.2.1 e)');
    await page.keyboard.press('Tab');
    expect((await visibleFocus(page)).id).to.equal('ims-impact');
    await page.keyboard.type('Open CAPAs get one more step after approval; no training needed');
    await page.keyboard.press('Tab');
    expect((await visibleFocus(page)).id).to.equal('ims-submit-button');
    await loads(page, () => page.keyboard.press('Enter'));
    // submitted: the review page, where the author is told someone else decides
    expect(new URL(page.url()).pathname).to.match(/^\/modeler\/drafts\/[^/]+\/review$/);
    await page.waitForSelector('#ims-review[data-state="ready"]');
    expect(await page.locator('main').innerText()).to.include('You edited this change: the author of a change may not approve it.');
    await screenshot(page, 'keyboard 2 submitted');
    const reviewUrl = page.url();

    // the quality manager opens the review page from its address, signs in, and approves with her signature
    const qm = await chrome.newPage({ locale: 'en-IE' });
    await qm.page.goto(reviewUrl);
    await signIn(qm.page, 'aoife.brennan@example.com');
    await qm.page.waitForSelector('#ims-review[data-state="ready"]');
    const changed = await qm.page.locator('#ims-elements').innerText();
    for (const name of ['Update the risk register', 'CAPA closed, risks updated', 'CAPA closed as effective']) expect(changed).to.include(name);
    await screenshot(qm.page, 'keyboard 2 review');
    const toDecision = await tabTo(qm.page, (f) => f.id === 'ims-decision-approve', { max: 60 });
    counts.push(`quality manager, review: ${toDecision.presses} to the decision (zoom buttons, both diagrams, each changed element, the raw diff), then 4 to “Record the decision”`);
    expect(await qm.page.locator('#ims-decision-approve').isChecked()).to.equal(true);
    await qm.page.keyboard.press('Tab');
    await qm.page.keyboard.type('Checked against ISO 9001 10.2.1: the register is updated while the CAPA is fresh');
    await qm.page.keyboard.press('Tab');
    expect((await visibleFocus(qm.page)).id).to.equal('ims-review-email');
    await qm.page.keyboard.type('aoife.brennan@example.com');
    await qm.page.keyboard.press('Tab');
    expect((await visibleFocus(qm.page)).id).to.equal('ims-review-password');
    await qm.page.keyboard.type(DEMO_PASSWORD);
    await qm.page.keyboard.press('Tab');
    expect(describeFocus(await visibleFocus(qm.page))).to.equal('button#ims-review-submit “Record the decision”');
    await qm.page.keyboard.press('Enter');
    await qm.page.waitForFunction(() => !/^(?:Signing…)?$/.test((document as any).getElementById('ims-review-result').textContent));
    // what was recorded has focus (the button pressed is disabled now)
    const recorded = await visibleFocus(qm.page);
    expect(recorded.id).to.equal('ims-review-result');
    expect(await qm.page.locator('#ims-review-result').innerText()).to.equal('Approved and signed by you. The change is approved.');
    expect(await qm.page.locator('#ims-review-status').innerText()).to.equal('approved');
    await screenshot(qm.page, 'keyboard 2 approved');
    // a quality manager does not publish (a process owner does): no publish form, a sentence saying who publishes
    expect(await qm.page.locator('#ims-effective').isVisible(), 'no publish form for the approver').to.equal(false);
    expect(await qm.page.locator('main').innerText()).to.match(/Ciaran Doyle, the author, publishes it/);
    await expectAccessibleAtBothWidths(qm.page, 'keyboard 2 approved');
    expect(log.errors).to.deep.equal([]);
    expect(qm.log.errors).to.deep.equal([]);
  });

  it('steering committee: from a figure to its records and one record, and back', async () => {
    const { page, log } = await chrome.newPage({ locale: 'en-IE' });
    await page.goto(`${server.url}/dashboard`);
    expect((await tabTo(page, (f) => f.id === 'email')).presses).to.equal(2);
    await page.keyboard.type('siobhan.walsh@example.com');
    await page.keyboard.press('Tab');
    await page.keyboard.type(DEMO_PASSWORD);
    await loads(page, () => page.keyboard.press('Enter'));
    expect(new URL(page.url()).pathname).to.equal('/dashboard');
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'keyboard 3 dashboard');

    // past the header to the skip link that passes the filter bar (its date fields are many stops), then to the first figure
    const toSkip = await tabTo(page, named('Skip the filters to the figures'), { max: 12 });
    expect(toSkip.stops.filter((f) => f.id.startsWith('f-')), 'no filter field before the skip link').to.deep.equal([]);
    await page.keyboard.press('Enter');
    const toFigure = await tabTo(page, (f) => f.href.startsWith('/dashboard/list?'), { max: 20 });
    const figure = toFigure.stops.at(-1)!;
    expect(toFigure.stops.filter((f) => f.id.startsWith('f-')), 'no filter field after skipping them').to.deep.equal([]);
    counts.push(`steering committee, dashboard: ${toSkip.presses} to “Skip the filters”, then ${toFigure.presses} to the first figure (“${figure.name}”); without it ${(await tabFromTop(page, figure.href)).presses}`);
    await loads(page, () => page.keyboard.press('Enter'));
    expect(new URL(page.url()).pathname + new URL(page.url()).search).to.equal(figure.href);
    await screenshot(page, 'keyboard 3 list');

    // the records behind the figure: the first record's key opens it
    const toRecord = await tabTo(page, (f) => f.href.startsWith('/records/'), { max: 40 });
    const record = toRecord.stops.at(-1)!;
    expect(toRecord.stops.map((f) => f.name)).to.include('Back to the dashboard');
    counts.push(`steering committee, list: ${toRecord.presses} to the first record (${record.name}), past “Download as CSV” and “Back to the dashboard”`);
    await loads(page, () => page.keyboard.press('Enter'));
    expect(new URL(page.url()).pathname).to.equal(record.href);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).to.include(record.name);
    expect(await focusOf(page), 'a new page, read from the top').to.include({ tag: 'body' });
    await screenshot(page, 'keyboard 3 record');

    // back: the header's Dashboard link (the browser's own Back, Alt+Left, is not a key a page receives)
    const toDashboard = await tabTo(page, named('Dashboard'));
    // skip link, brand, Inbox, Tasks, New (the committee starts management reviews), Records, Documents, Dashboard
    expect(toDashboard.presses).to.equal(8);
    await loads(page, () => page.keyboard.press('Enter'));
    expect(new URL(page.url()).pathname).to.equal('/dashboard');
    await page.waitForLoadState('networkidle');
    // the same figure is the same number of presses away
    await tabTo(page, named('Skip the filters to the figures'), { max: 12 });
    await page.keyboard.press('Enter');
    expect((await tabTo(page, (f) => f.href === figure.href, { max: 20 })).presses).to.equal(toFigure.presses);
    await expectAccessibleAtBothWidths(page, 'keyboard 3 dashboard again');
    expect(log.errors).to.deep.equal([]);
  });
});
