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
 * The "New" pages over HTTP (api/pages/start): the header offers "New" to whoever may start something;
 * a person of two sites picks the site on the form; a form sent back keeps what was typed; what a person
 * may not start answers 404; German words for a Basel reader; the confirmation is only its starter's.
 */

const PASSWORD = 'a long enough passphrase for tests';

describe('the "New" pages: what I may start, its form, the confirmation', function () {
  this.timeout(60_000);
  let dir: string;
  let server: RunningServer;
  expectEveryMessageFound();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-start-pages-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_SITES: 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin' }), { logger: pino({ level: 'silent' }) });
    for (const person of [
      { id: 'jonas', name: 'Jonas Keller', roles: ['quality-manager'], sites: ['basel', 'dublin'], locale: 'en-GB' },
      { id: 'lisa', name: 'Lisa Weber', roles: ['staff'], sites: ['basel'] },
      { id: 'ivy', name: 'Ivy Integration', roles: ['integration'], sites: ['basel'] },
    ]) {
      await server.imsflow.saveUser({ ...person, email: `${person.id}@example.com` }, 'test-setup');
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'start page tests');
    }
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const session = async (id: string) => {
    const { token, session } = await server.accounts.login(`${id}@example.com`, PASSWORD, 'test');
    return { cookie: `${SESSION_COOKIE}=${token}`, csrf: session.csrf };
  };
  const get = async (who: { cookie: string }, path: string) => http('GET', `${server.url}${path}`, undefined, { cookie: who.cookie });
  const post = (who: { cookie: string }, path: string, fields: Record<string, string>) => http('POST', `${server.url}${path}`, new URLSearchParams(fields).toString(), { ...FORM_BODY, cookie: who.cookie });

  it('offers "New" only to people who may start something, in their language', async () => {
    const lisa = await session('lisa');
    const tasks = await get(lisa, '/tasks');
    expect(tasks.text).to.include('<a href="/new">Neu</a>');
    const list = await get(lisa, '/new');
    expect(list.status).to.equal(200);
    expect(list.text).to.include('<a class="usa-link" href="/new/nonconformity">Nichtkonformität</a>');
    expect(list.text).to.not.include('/new/capa');
    expect((await get(lisa, '/new/capa')).status).to.equal(404);
    expect((await get(lisa, '/new/training-acknowledgement')).status).to.equal(404);
    const form = await get(lisa, '/new/nonconformity');
    expect(form.text).to.include('Was ist falsch, in einer Zeile').and.include('>Starten<');
    // someone who may start nothing is not offered "New"
    const ivy = await session('ivy');
    expect((await get(ivy, '/tasks')).text).to.not.include('href="/new"');
    expect((await get(ivy, '/new')).text).to.include('Sie dürfen nichts starten.');
  });

  it('asks a person of two sites for the site, keeps what was typed, and starts the record at the site chosen', async () => {
    const jonas = await session('jonas');
    const form = await get(jonas, '/new/nonconformity');
    expect(form.text).to.match(/<select[^>]*id="f-site" name="site" required/);
    const fields = { _csrf: jonas.csrf, title: 'Torn label on pallet 9', description: 'Found at dispatch.', owner: 'lisa' };
    const noSite = await post(jonas, '/new/nonconformity', fields);
    expect(noSite.status).to.equal(400);
    expect(noSite.text).to.include('href="#f-site"').and.include('value="Torn label on pallet 9"');
    const started = await fetch(`${server.url}/new/nonconformity`, { method: 'POST', redirect: 'manual', headers: { ...FORM_BODY, cookie: jonas.cookie }, body: new URLSearchParams({ ...fields, site: 'basel' }).toString() });
    expect(started.status).to.equal(303);
    const location = started.headers.get('location') ?? '';
    expect(location).to.match(/^\/new\/nonconformity\/started\/[\w-]+$/);
    const record = await server.imsflow.getInstance(location.split('/').pop()!);
    expect(record).to.deep.include({ site: 'basel', startedBy: 'jonas', variables: { title: 'Torn label on pallet 9', description: 'Found at dispatch.', owner: 'lisa' } });
    const done = await get(jonas, location);
    expect(done.text).to.include(`${record.businessKey}</strong> · Torn label on pallet 9`).and.include('Assess and contain');
    // the confirmation is its starter's (and the overseers'); a colleague who holds nothing on it gets 404
    expect((await get(await session('lisa'), location)).status).to.equal(404);
    // without the CSRF token nothing starts
    expect((await post(jonas, '/new/nonconformity', { ...fields, site: 'basel', _csrf: '' })).status).to.equal(403);
  });
});
