import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { SESSION_COOKIE } from '../../api/auth.js';
import { loadConfig } from '../../engine/boot/config.js';
import { http } from '../support/http.js';

/**
 * Pages in the reader's language and on the reader's clock, over HTTP: a signed-out visitor gets the
 * language their browser asks for; a signed-in person their own (or their site's) locale and time zone.
 */

const PASSWORD = 'a long enough passphrase for tests';
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, ' ');

describe('pages in the reader’s language and time zone', function () {
  this.timeout(30_000);
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-reader-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_SITES: 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin' }), { logger: pino({ level: 'silent' }) });
    await server.imsflow.saveUser({ id: 'qm-basel', email: 'quinn@example.com', name: 'Quinn Manager', roles: ['quality-manager'], sites: ['basel'] }, 'test-setup');
    await server.imsflow.saveUser({ id: 'qm-lyon', email: 'lea@example.com', name: 'Léa Martin', roles: ['quality-manager'], sites: ['basel'], locale: 'fr-FR', timeZone: 'Europe/Paris' }, 'test-setup');
    for (const id of ['qm-basel', 'qm-lyon']) await server.accounts.setPassword(id, PASSWORD, 'test-setup', 'reader tests');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const signedIn = async (email: string) => ({ cookie: `${SESSION_COOKIE}=${(await server.accounts.login(email, PASSWORD, 'test')).token}` });

  it('shows a signed-out visitor the sign-in page in the language their browser asks for', async () => {
    const german = await http('GET', `${server.url}/login`, undefined, { 'accept-language': 'de-CH,de;q=0.9,en;q=0.5' });
    expect(german.text).to.match(/<html lang="de-CH">/);
    expect(german.text).to.include('<h1>Anmelden</h1>').and.include('Passwort');
    const french = await http('GET', `${server.url}/login`, undefined, { 'accept-language': 'fr' });
    expect(french.text).to.match(/<html lang="fr">/);
    expect(french.text).to.include('<h1>Connexion</h1>').and.include('Mot de passe');
    const other = await http('GET', `${server.url}/login`, undefined, { 'accept-language': 'ja' });
    expect(other.text).to.match(/<html lang="en-GB">/);
    expect(other.text).to.include('<h1>Sign in</h1>');
  });

  it('shows a person in Basel the pages in Swiss German and times on Zurich’s clock', async () => {
    const page = await http('GET', `${server.url}/audit?record=user:qm-basel`, undefined, await signedIn('quinn@example.com'));
    expect(page.status).to.equal(200);
    expect(page.text).to.match(/<html lang="de-CH">/);
    expect(page.text).to.include('Abmelden');
    // the user was created just now: the event's UTC time, shown on Zurich's clock (UTC+1 or +2)
    const stamp = /<time datetime="([^"]+)">([^<]+)<\/time>/.exec(page.text);
    expect(stamp, 'a time on the page').to.not.equal(null);
    const expected = new Intl.DateTimeFormat('de-CH', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Zurich' }).format(new Date(stamp![1]));
    expect(plain(stamp![2])).to.equal(plain(expected));
    expect(stamp![2]).to.not.match(/UTC|T\d\d:/);
  });

  it('lets a person’s own locale and zone win over their site’s', async () => {
    const page = await http('GET', `${server.url}/audit`, undefined, await signedIn('lea@example.com'));
    expect(page.text).to.match(/<html lang="fr-FR">/);
    expect(page.text).to.include('Se déconnecter');
  });

  it('refuses a locale or time zone imsflow cannot use, naming the field', async () => {
    for (const [field, input] of [['locale', { locale: 'xx-YY' }], ['timeZone', { timeZone: 'Mars/Olympus' }]] as const) {
      const err = await server.imsflow.saveUser({ id: 'x', email: 'x@example.com', name: 'X', ...input }, 'test').then(
        () => undefined,
        (e: { fields?: { field: string }[] }) => e,
      );
      expect(err?.fields?.map((f) => f.field)).to.deep.equal([field]);
    }
  });
});
