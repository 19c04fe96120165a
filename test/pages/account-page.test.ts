import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { SESSION_COOKIE } from '../../api/auth.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FORM_BODY, http } from '../support/http.js';
import { expectEveryMessageFound } from '../support/messages.js';

/**
 * The account page over HTTP: a person sees who they are to imsflow and chooses their own language and
 * time zone; the next page reads in them. Only with the session's CSRF token, only their own.
 */

const PASSWORD = 'a long enough passphrase for tests';
const visible = (html: string) =>
  html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, '')
    .replace(/<[^<>]*>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe('the account page: your language and time zone', function () {
  this.timeout(30_000);
  let dir: string;
  let server: RunningServer;
  expectEveryMessageFound();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-account-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_SITES: 'basel=de-CH Europe/Zurich' }), { logger: pino({ level: 'silent' }) });
    await server.imsflow.saveUser({ id: 'lea', email: 'lea@example.com', name: 'Léa Martin', roles: ['quality-manager', 'auditor'], sites: ['basel'] }, 'test-setup');
    await server.imsflow.saveUser({ id: 'sam', email: 'sam@example.com', name: 'Sam Staff', roles: ['staff'] }, 'test-setup');
    for (const id of ['lea', 'sam']) await server.accounts.setPassword(id, PASSWORD, 'test-setup', 'account tests');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const session = async (email: string) => {
    const { token, session } = await server.accounts.login(email, PASSWORD, 'test');
    return { cookie: `${SESSION_COOKIE}=${token}`, csrf: session.csrf };
  };
  const post = (who: { cookie: string }, fields: Record<string, string>) => http('POST', `${server.url}/account`, new URLSearchParams(fields).toString(), { ...FORM_BODY, cookie: who.cookie });

  it('shows who you are and what you read in, linked from every page’s header', async () => {
    const lea = await session('lea@example.com');
    const tasks = await http('GET', `${server.url}/audit`, undefined, { cookie: lea.cookie });
    expect(tasks.text, 'the header links the account page').to.include('<a href="/account">Mein Konto</a>');
    const page = await http('GET', `${server.url}/account`, undefined, { cookie: lea.cookie });
    expect(page.status).to.equal(200);
    // Basel reads Swiss German until Léa chooses
    expect(page.text).to.match(/<html lang="de-CH">/);
    const text = visible(page.text);
    expect(text).to.include('Mein Konto').and.include('Léa Martin').and.include('lea@example.com').and.include('Auditor/in, Qualitätsmanager/in').and.include('Basel');
    expect(page.text).to.include('<a href="/account" aria-current="page">Mein Konto</a>');
    expect(page.text).to.include('<option value selected>Wie mein Standort (Deutsch (Schweiz))</option>');
    expect(page.text).to.include('<option value selected>Wie mein Standort (Europe/Zurich)</option>');
    expect(page.text).to.include('<option value="fr-FR" lang="fr-FR">Français (France)</option>');
    expect(page.text).to.match(/<optgroup label="Europa">.*<option value="Europe\/Zurich">Zurich \(UTC\+0[12]:00\)<\/option>/s);
    expect(text).to.not.match(/\$\{|\d{4}-\d\d-\d\dT\d\d:|\{"/);
  });

  it('saves your language and zone with the session’s CSRF token; the next page reads in them', async () => {
    const lea = await session('lea@example.com');
    const saved = await post(lea, { _csrf: lea.csrf, locale: 'fr-FR', timeZone: 'Europe/Paris' });
    expect(saved.status).to.equal(303);
    const after = await http('GET', `${server.url}/account?saved=1`, undefined, { cookie: lea.cookie });
    expect(after.text).to.match(/<html lang="fr-FR">/);
    expect(visible(after.text)).to.match(/Enregistré\. Vos pages s’affichent désormais en Français \(France\) ; fuseau horaire : heure (normale )?d’Europe centrale\./);
    expect(after.text).to.include('<option value="fr-FR" lang="fr-FR" selected>Français (France)</option>');
    expect(after.text).to.include('<option value="Europe/Paris" selected>');
    expect((await server.imsflow.queries.people({})).find((p) => p.id === 'lea')).to.include({ locale: 'fr-FR', timeZone: 'Europe/Paris' });

    // back to the site's
    expect((await post(lea, { _csrf: lea.csrf, locale: '', timeZone: '' })).status).to.equal(303);
    expect((await http('GET', `${server.url}/account`, undefined, { cookie: lea.cookie })).text).to.match(/<html lang="de-CH">/);
  });

  it('refuses a save without the CSRF token, and a value not on the list, saving nothing', async () => {
    const sam = await session('sam@example.com');
    const forged = await post(sam, { locale: 'de-DE', timeZone: 'Europe/Berlin' });
    expect(forged.status).to.equal(403);
    const odd = await post(sam, { _csrf: sam.csrf, locale: 'ja-JP', timeZone: 'Mars/Olympus' });
    expect(odd.status).to.equal(400);
    const text = visible(odd.text);
    expect(text).to.include('Nothing was saved:').and.include('Choose a language from the list.').and.include('Choose a time zone from the list.');
    expect(odd.text).to.include('id="account-locale" name="locale" aria-describedby="account-locale-error" aria-invalid="true"');
    expect(odd.text).to.include('<a href="#account-zone">Choose a time zone from the list.</a>');
    // no site: the installation's defaults
    expect(odd.text).to.include('<option value>Default (English (UK))</option>');
    const stored = (await server.imsflow.queries.people({})).find((p) => p.id === 'sam')!;
    expect(stored.locale).to.equal(undefined);
    expect(stored.timeZone).to.equal(undefined);
  });

  it('sends a visitor without a session to sign in, and back to the account page afterwards', async () => {
    const page = await http('GET', `${server.url}/account`);
    expect(page.status).to.equal(303);
    const posted = await http('POST', `${server.url}/account`, 'locale=de-DE', FORM_BODY);
    expect(posted.status).to.equal(303);
  });
});
