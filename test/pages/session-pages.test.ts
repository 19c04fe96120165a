import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { SESSION_COOKIE } from '../../api/auth.js';
import { loadConfig } from '../../engine/boot/config.js';
import { expectEveryMessageFound } from '../support/messages.js';

/**
 * Signing in and out, and the error pages, in the reader's language: what the routes say (signed out,
 * session ended, wrong password, slowed) reaches a German or French reader in their words.
 */

const PASSWORD = 'a long enough passphrase for tests';
const text = (html: string) => html.replace(/<[^<>]*>/g, ' ').replace(/\s+/g, ' ').replace(/[\u202f\u00a0]/g, ' ');

describe('sign-in and error pages in the reader’s language', function () {
  this.timeout(30_000);
  let dir: string;
  let server: RunningServer;
  expectEveryMessageFound();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-session-pages-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir }), { logger: pino({ level: 'silent' }) });
    await server.imsflow.saveUser({ id: 'lea', email: 'lea@example.com', name: 'Léa Martin', roles: ['staff'], locale: 'fr-FR', timeZone: 'Europe/Paris' }, 'test-setup');
    await server.accounts.setPassword('lea', PASSWORD, 'test-setup', 'session page tests');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers, redirect: 'manual' });

  it('says “signed out” and “session ended” in the browser’s language', async () => {
    expect(text(await (await get('/login?out=1', { 'accept-language': 'de-CH' })).text())).to.include('Sie sind abgemeldet.');
    expect(text(await (await get('/login?out=1', { 'accept-language': 'fr' })).text())).to.include('Vous êtes déconnecté·e.');
    // a browser that still sends the cookie of a session that ended is told so
    const stale = await get('/tasks?due=overdue', { cookie: `${SESSION_COOKIE}=no-such-session` });
    expect(stale.status).to.equal(303);
    expect(stale.headers.get('location')).to.equal(`/login?next=${encodeURIComponent('/tasks?due=overdue')}&ended=1`);
    const ended = await get(stale.headers.get('location')!, { 'accept-language': 'fr-CH' });
    expect(text(await ended.text())).to.include('Votre session a pris fin. Reconnectez-vous pour reprendre là où vous en étiez.');
    // without any cookie: just the sign-in page
    expect((await get('/tasks')).headers.get('location')).to.equal('/login?next=%2Ftasks');
  });

  it('says a wrong password and a slowed sign-in in German, the wait in words', async () => {
    const form = await get('/login', { 'accept-language': 'de-CH' });
    const loginCookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('imsflow_login='))!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1];
    const attempt = (password: string) =>
      fetch(`${server.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie, 'accept-language': 'de-CH' },
        body: new URLSearchParams({ _csrf: csrf, next: '/tasks', email: 'lea@example.com', password }),
        redirect: 'manual',
      });
    const wrong = await attempt('wrong-password-1');
    expect(wrong.status).to.equal(401);
    expect(text(await wrong.text())).to.include('Die E-Mail-Adresse oder das Passwort ist falsch.');
    let last = wrong;
    for (let i = 2; i <= 6 && last.status !== 429; i += 1) last = await attempt(`wrong-password-${i}`);
    const said = text(await last.text());
    expect(said).to.match(/Zu viele fehlgeschlagene Anmeldungen mit dieser E-Mail-Adresse von hier[.:] Versuchen Sie es in \d+ Sekunden erneut\./);
  });

  it('shows a refusal as a page in the person’s language', async () => {
    const { token } = await server.accounts.login('lea@example.com', PASSWORD, 'test');
    const missing = await get('/records/no-such-record', { cookie: `${SESSION_COOKIE}=${token}` });
    expect(missing.status).to.equal(404);
    const page = await missing.text();
    expect(page).to.match(/<html lang="fr-FR">/);
    expect(text(page)).to.include('Introuvable').and.include('Il n’y a rien ici, ou ce n’est pas à vous de le voir.').and.include('Retour à mes tâches');
  });
});
