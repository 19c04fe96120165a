import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../api/server.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { loadConfig } from '../../engine/boot/config.js';
import { countOf } from '../../engine/kernel/words.js';
import { useBrowser } from '../support/browser.js';
import { expectAccessibleAtBothWidths } from '../support/accessibility.js';
import { http } from '../support/http.js';
import { signInOperator, userWithToken } from '../support/operator.js';

/**
 * Paper cuts people stumbled on (issue 15), walked in headless Chromium: the favicon every page asked for
 * and never got; counts that read "1 instances"; a process page headed by its key ("Process capa") instead
 * of its name; disabled buttons that looked like the active ones. Each changed page is checked with
 * axe-core and screenshotted at desktop and phone width.
 */

const PASSWORD = 'a long enough passphrase for tests';

describe('paper cuts: favicon, counts, process names, disabled buttons, in Chromium', function () {
  this.timeout(60_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  let annaToken: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-paper-cuts-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    annaToken = await userWithToken(server, { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'] });
    await userWithToken(server, { id: 'st-dan', name: 'Dan Staff', roles: ['staff'] });
    await server.accounts.setPassword('po-anna', PASSWORD, 'test-setup', 'paper cut tests');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A browser page signed in as `user` (the session cookie POST /api/session sets, as the login page does). */
  async function signedIn(user: string): Promise<Page> {
    const { context, page } = await chrome.newPage();
    const login = await context.request.post(`${server.url}/api/session`, { data: { email: `${user}@example.com`, password: PASSWORD } });
    expect(login.status(), await login.text()).to.equal(200);
    return page;
  }

  it('every page shows the imsflow icon, and /favicon.ico is no longer a 404', async () => {
    // The browser's own request for /favicon.ico (made for JSON and PDF answers) ends at the SVG.
    const ico = await fetch(`${server.url}/favicon.ico`, { redirect: 'manual' });
    expect(ico.status).to.equal(301);
    expect(ico.headers.get('location')).to.equal('/assets/favicon.svg');
    const followed = await fetch(`${server.url}/favicon.ico`);
    expect(followed.status).to.equal(200);
    expect(followed.headers.get('content-type')).to.match(/^image\/svg\+xml/);
    expect(await followed.text()).to.match(/^<svg [^>]*viewBox="0 0 32 32"/);

    // Signed out (the sign-in page) and signed in (the task list, the modeler): the page links the icon,
    // the link loads under the page's Content Security Policy, and nothing the page asked for failed.
    const { page: visitor, log: visitorLog } = await chrome.newPage();
    const anna = await signedIn('po-anna');
    for (const [page, path] of [[visitor, '/login'], [anna, '/tasks'], [anna, '/modeler']] as const) {
      await page.goto(`${server.url}${path}`);
      const href = await page.locator('link[rel="icon"]').getAttribute('href');
      expect(href, `the icon link of ${path}`).to.equal('/assets/favicon.svg');
      // Loaded as the browser loads an icon: an <img> of the page, which the CSP's img-src must admit.
      const loaded = await page.evaluate(
        (src) =>
          new Promise<number>((resolve) => {
            const img = new (globalThis as any).Image();
            img.onload = () => resolve(img.naturalWidth);
            img.onerror = () => resolve(-1);
            img.src = src;
          }),
        href!,
      );
      expect(loaded, `the icon drawn on ${path}`).to.be.greaterThan(0);
    }
    expect(visitorLog.failed, 'failed requests').to.deep.equal([]);
    expect(chrome.logOf(anna).failed, 'failed requests').to.deep.equal([]);
    expect(chrome.logOf(anna).console.filter((line) => /Content Security Policy/i.test(line)), 'CSP refusals').to.deep.equal([]);
    await visitor.goto(`${server.url}/login`);
    await expectAccessibleAtBothWidths(visitor, 'sign-in page with favicon');
  });

  it('counts read as English: "1 instance running", never "1 instances"', async () => {
    expect([0, 1, 2].map((n) => countOf(n, 'instance'))).to.deep.equal(['0 instances', '1 instance', '2 instances']);
    expect(countOf(1, 'match', 'matches')).to.equal('1 match');

    // One nonconformity running: the process page says so in the singular.
    const started = await http('POST', `${server.url}/api/processes/nonconformity/instances`, { variables: { title: 'Scratched housing', description: 'Found on the line.', owner: 'st-dan' } });
    expect(started.status, started.text).to.equal(201);
    const anna = await signedIn('po-anna');
    await anna.goto(`${server.url}/modeler/processes/nonconformity`);
    await anna.waitForSelector('#ims-versions[data-state="ready"]');
    expect(await anna.locator('#ims-versions-state').textContent()).to.equal('1 version; 1 instance running.');
  });

  it('a process page is headed by the process name, not its key', async () => {
    const anna = await signedIn('po-anna');
    await anna.goto(`${server.url}/modeler`);
    await anna.getByRole('link', { name: 'Corrective and preventive action (CAPA)' }).click();
    await anna.waitForSelector('#ims-versions[data-state="ready"]');
    expect(await anna.locator('h1').textContent()).to.equal('Corrective and preventive action (CAPA)');
    expect(await anna.title()).to.equal('Corrective and preventive action (CAPA) · imsflow');
    expect(await anna.locator('main').innerText()).to.not.include('Process capa');
    await expectAccessibleAtBothWidths(anna, 'process page headed by its name');
  });

  it('a disabled button looks disabled: grey, dashed and a not-allowed pointer, unlike its active neighbour', async () => {
    // A new process's draft: nothing to undo or redo yet, so both buttons are disabled; Search is not.
    const draft = await fetch(`${server.url}/api/drafts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${annaToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'paper_cut' }),
    });
    expect(draft.status, await draft.clone().text()).to.equal(201);
    const { id } = (await draft.json()) as { id: string };
    const anna = await signedIn('po-anna');
    await anna.goto(`${server.url}/modeler/drafts/${encodeURIComponent(id)}`);
    await anna.waitForSelector('#ims-editor[data-state="ready"]');
    expect(await anna.locator('#ims-undo').isDisabled()).to.equal(true);
    expect(await anna.locator('#ims-search').isDisabled()).to.equal(false);
    const look = (selector: string) =>
      anna.locator(selector).evaluate((button) => {
        const style = (globalThis as any).getComputedStyle(button);
        return { background: style.backgroundColor, color: style.color, border: style.borderTopStyle, cursor: style.cursor };
      });
    const [disabled, active] = [await look('#ims-undo'), await look('#ims-search')];
    expect(disabled.background, 'background').to.not.equal(active.background);
    expect(disabled.color, 'text colour').to.not.equal(active.color);
    expect([disabled.border, active.border]).to.deep.equal(['dashed', 'solid']);
    expect([disabled.cursor, active.cursor]).to.deep.equal(['not-allowed', 'pointer']);
    await expectAccessibleAtBothWidths(anna, 'editor with disabled Undo and Redo');
  });
});
