import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { onMessageProblem, type MessageProblem } from '../../engine/kernel/i18n/index.js';
import { expectAccessibleAtBothWidths } from '../support/accessibility.js';
import { useBrowser } from '../support/browser.js';

/**
 * The first-administrator setup page (api/pages/setup.tsx), walked in headless Chromium: in the language the
 * browser asks for (nobody is signed in yet), problems at their fields and in a list at the top, axe-core
 * with no serious violation at both widths, nothing the Content Security Policy refuses.
 */

const PASSWORD = 'a long enough passphrase for tests';

describe('the first-administrator setup page, walked in Chromium', function () {
  this.timeout(60_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  let link: string;
  const problems: MessageProblem[] = [];
  let stop: (() => void) | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-setup-page-'));
    const logs: { link?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir }), { logger });
    link = new URL(logs.find((line) => line.link)!.link!).pathname;
    stop = onMessageProblem((problem) => problems.push(problem));
  });
  after(async () => {
    stop?.();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const text = (body: string) => body.replace(/\s+/g, ' ');

  it('asks in German and French when the browser does, with no message missing', async () => {
    for (const [locale, words] of [
      ['de-CH', ['Ersten Administrator anlegen', 'Ihr Name', 'Passwort', 'Mindestens 12 Zeichen', 'Das Passwort muss mindestens 12 Zeichen lang sein.']],
      ['fr-FR', ['Créer le premier administrateur', 'Votre nom', 'Mot de passe', 'Au moins 12 caractères', 'Le mot de passe doit comporter au moins 12 caractères.']],
    ] as const) {
      const { page } = await chrome.newPage({ locale });
      expect((await page.goto(`${server.url}${link}`))?.status()).to.equal(200);
      expect(await page.locator('html').getAttribute('lang')).to.equal(locale);
      await page.locator('#name').fill('Ada Admin');
      await page.locator('#email').fill('ada@example.com');
      await page.locator('#password').fill('short');
      await Promise.all([page.waitForEvent('load'), page.locator('button[type=submit]').click()]);
      const shown = text(await page.locator('main').innerText());
      for (const word of words) expect(shown, locale).to.include(word);
      expect(shown).to.not.match(/\$\{|\d{4}-\d\d-\d\dT\d\d:|\{"/);
      await expectAccessibleAtBothWidths(page, `setup page with a short password, ${locale}`);
    }
    expect(problems, 'messages missing or broken').to.deep.equal([]);
  });

  it('says what is wrong at the field, then creates the administrator once', async () => {
    const { page } = await chrome.newPage({ locale: 'en-GB' });
    const opened = await page.goto(`${server.url}${link}`);
    expect(opened?.status()).to.equal(200);
    expect(opened?.headers()['content-security-policy'], 'no inline style or script').to.include("style-src 'self';").and.not.include('unsafe-inline');
    expect(await page.title()).to.equal('Create the first administrator · imsflow');
    expect(await page.getByLabel('Password').getAttribute('autocomplete')).to.equal('new-password');
    await expectAccessibleAtBothWidths(page, 'setup page');

    await page.getByLabel('Your name').fill('Ada Lovelace');
    await page.getByLabel('Your email').fill('countess@example.com');
    await page.getByLabel('Password').fill('the countess passphrase');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.waitForEvent('load'), page.getByRole('button', { name: 'Create the administrator' }).click()]);
    expect(refused.status()).to.equal(400);
    const alert = text(await page.getByRole('alert').innerText());
    expect(alert).to.include('Fix this problem to go on:').and.include('The password must not contain the part of your email before the @.');
    expect(await page.getByRole('alert').getByRole('link').getAttribute('href')).to.equal('#password');
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).to.equal('true');
    expect(await page.getByLabel('Password').getAttribute('aria-describedby')).to.equal('password-error password-hint');
    expect(await page.getByLabel('Your email').inputValue(), 'the email typed comes back').to.equal('countess@example.com');
    expect(await page.getByLabel('Password').inputValue(), 'the password is never sent back').to.equal('');
    await expectAccessibleAtBothWidths(page, 'setup page with a refused password');

    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Create the administrator' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).to.equal('Administrator created');
    expect(await page.getByRole('link', { name: 'sign in' }).getAttribute('href')).to.equal('/login');
    await expectAccessibleAtBothWidths(page, 'setup page, administrator created');

    expect((await page.goto(`${server.url}${link}`))?.status(), 'the link works once').to.equal(404);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).to.equal('No setup here');
    expect(problems, 'messages missing or broken').to.deep.equal([]);
  });
});
