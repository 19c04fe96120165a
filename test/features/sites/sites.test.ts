import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { readerSettingsOf } from '../../../engine/kernel/i18n/index.js';
import { signInOperator, userWithToken } from '../../support/operator.js';

/**
 * The site register: seeded from IMSFLOW_SITES at start (existing configuration keeps working, a second
 * start adds nothing), changed by admins only through /api/sites, every change audited, and the locale and
 * zone a site's people read in follow it.
 */
describe('the site register', () => {
  let dir: string;
  let server: RunningServer;
  const tokens: Record<string, string> = {};
  const config = () => loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_SITES: 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin' });
  const call = async (method: string, path: string, body: unknown, as: string) => {
    const response = await fetch(`${server.url}/api${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[as]}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-sites-'));
    server = await startServer(config(), { logger: pino({ level: 'silent' }) });
    tokens.admin = await signInOperator(server);
    tokens.qm = await userWithToken(server, { id: 'quinn', roles: ['quality-manager'], sites: ['cork'] });
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the configured sites from the start, audited as the configuration’s doing', async () => {
    const { json } = await call('GET', '/sites', undefined, 'qm');
    expect(json.items.map((s: { key: string; name: string; locale: string; timeZone: string; active: boolean }) => [s.key, s.name, s.locale, s.timeZone, s.active])).to.deep.equal([
      ['basel', 'Basel', 'de-CH', 'Europe/Zurich', true],
      ['dublin', 'Dublin', 'en-IE', 'Europe/Dublin', true],
    ]);
    const created = (await server.imsflow.queries.auditTrail({})).filter((e) => e.action === 'site.created');
    expect(created.map((e) => [e.actor, e.target])).to.deep.equal([
      ['configuration', 'site:basel'],
      ['configuration', 'site:dublin'],
    ]);
  });

  it('admins add and change sites; the reader defaults follow; others are refused; bad input names the field', async () => {
    const refused = await call('POST', '/sites', { key: 'cork', name: 'Cork', locale: 'en-IE', timeZone: 'Europe/Dublin' }, 'qm');
    expect(refused.status).to.equal(403);
    const bad = await call('POST', '/sites', { key: 'cork', name: 'Cork tablet plant', locale: 'xx', timeZone: 'Mars/Olympus' }, 'admin');
    expect([bad.status, bad.json.fields.map((f: { field: string }) => f.field)]).to.deep.equal([400, ['locale', 'timeZone']]);
    expect((await call('POST', '/sites', { key: 'cork', name: 'Cork tablet plant', locale: 'en-IE', timeZone: 'Europe/Dublin' }, 'admin')).status).to.equal(201);
    expect((await call('POST', '/sites', { key: 'cork', name: 'Again', locale: 'en-IE', timeZone: 'Europe/Dublin' }, 'admin')).status).to.equal(409);

    // Quinn at Cork reads Irish English on Dublin's clock until the site moves to French on Paris time
    expect(readerSettingsOf({ sites: ['cork'] }, server.assembly.readers)).to.deep.equal({ locale: 'en-IE', timeZone: 'Europe/Dublin' });
    const moved = await call('PUT', '/sites/cork', { name: 'Cork tablet plant', locale: 'fr-FR', timeZone: 'Europe/Paris', reason: 'run from the Lyon office' }, 'admin');
    expect(moved.status).to.equal(200);
    expect(readerSettingsOf({ sites: ['cork'] }, server.assembly.readers)).to.deep.equal({ locale: 'fr-FR', timeZone: 'Europe/Paris' });

    const noReason = await call('PUT', '/sites/cork', { name: 'Cork tablet plant', locale: 'fr-FR', timeZone: 'Europe/Paris', active: false }, 'admin');
    expect([noReason.status, noReason.json.fields[0].field]).to.deep.equal([400, 'reason']);
    const closed = await call('POST', '/sites/cork/deactivate', { reason: 'plant closed' }, 'admin');
    expect([closed.status, closed.json.active]).to.deep.equal([200, false]);

    const trail = (await server.imsflow.queries.auditTrail({ target: 'site:cork' })).map((e) => [e.action, (e.old as { locale?: string } | undefined)?.locale, (e.new as { locale?: string } | undefined)?.locale, e.reason]);
    expect(trail).to.deep.equal([
      ['site.created', undefined, 'en-IE', undefined],
      ['site.updated', 'en-IE', 'fr-FR', 'run from the Lyon office'],
      ['site.deactivated', 'fr-FR', 'fr-FR', 'plant closed'],
    ]);
  });

  it('a restart with the same configuration keeps the register as it was changed', async () => {
    await call('PUT', '/sites/basel', { name: 'Basel API plant', locale: 'de-CH', timeZone: 'Europe/Zurich' }, 'admin');
    await server.close();
    server = await startServer(config(), { logger: pino({ level: 'silent' }) });
    tokens.admin = await signInOperator(server);
    const { json } = await call('GET', '/sites/basel', undefined, 'admin');
    expect(json.name).to.equal('Basel API plant');
    expect((await server.imsflow.queries.auditTrail({})).filter((e) => e.action === 'site.created')).to.have.length(3);
  });
});
