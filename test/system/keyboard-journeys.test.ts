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
    const emmas = (await store.listTasks({ status: 'open' })).filter((t) => t.assignee === 'emma.byrne');
    expect(emmas, 'the demo gives Emma Byrne open tasks').to.not.be.empty;
    const handed = emmas[0];
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
    expect(await page.getByRole('status').first().textContent()).to.include('“Take corrective action” for NC-2026-0002');
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
    expect((await tabTo(page, named('Back to my tasks'))).presses, 'past the header, the record link, the record and tasks links').to.be.at.most(8);
    await expectAccessibleAtBothWidths(page, 'keyboard 1 task completed');
    expect(log.errors).to.deep.equal([]);
  });
});
