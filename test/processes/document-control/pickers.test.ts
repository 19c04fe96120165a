import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SESSION_COOKIE } from '../../../api/auth.js';
import { startServer, type RunningServer } from '../../../api/server.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { callWithToken, FORM_BODY, http, pageText } from '../../support/http.js';
import { expectEveryMessageFound } from '../../support/messages.js';
import { userWithToken } from '../../support/operator.js';

/**
 * The document-control start form asks for names, not keys: the sites a document applies to (the register's
 * active sites by name), the roles that review and are trained (by name, in the reader's language) and the
 * linked processes (by name) are lists to pick from. A JSON client may still send keys, as a list or as text
 * separated by commas; what is unknown is refused naming its field; the record shows the picks by name.
 */

const PASSWORD = 'a long enough passphrase for tests';
const ADMIN = { id: 'test-setup', roles: ['admin'] };
const textOf = pageText;

/** The options of the list named `name` on a page: [value, label] each, and whether several may be picked. */
function listOn(html: string, name: string): { options: [string, string][]; multiple: boolean } {
  const select = new RegExp(`<select([^>]*name="${name}"[^>]*)>([\\s\\S]*?)</select>`).exec(html);
  expect(select, `the field ${name} is a list`).to.not.equal(null);
  const options = [...select![2].matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map((m): [string, string] => [m[1]!, m[2]!]);
  return { options, multiple: / multiple/.test(select![1]!) };
}

const labels = (list: { options: [string, string][] }) => list.options.map(([, label]) => label);

describe('document control: the start form picks sites, roles and processes by name', function () {
  this.timeout(60_000);
  let dir: string;
  let server: RunningServer;
  let token: string;
  expectEveryMessageFound();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-document-pickers-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_SITES: 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin, lyon=fr-FR Europe/Paris' }), {
      clock: new FakeClock(new Date()),
      logger: pino({ level: 'silent' }),
    });
    const sites = server.imsflow.commands.sites;
    await sites.update('basel', { name: 'Basel plant', locale: 'de-CH', timeZone: 'Europe/Zurich' }, ADMIN);
    await sites.update('dublin', { name: 'Dublin plant', locale: 'en-IE', timeZone: 'Europe/Dublin' }, ADMIN);
    await sites.deactivate('lyon', 'sold', ADMIN);
    token = await userWithToken(server, { id: 'jonas', name: 'Jonas Keller', roles: ['quality-manager', 'process-owner'], sites: ['basel', 'dublin'] });
    await server.imsflow.saveUser({ id: 'jonas', email: 'jonas@example.com', name: 'Jonas Keller', roles: ['quality-manager', 'process-owner'], sites: ['basel', 'dublin'], locale: 'en-GB' }, 'test-setup');
    await server.imsflow.saveUser({ id: 'lisa', email: 'lisa@example.com', name: 'Lisa Weber', roles: ['process-owner', 'quality-manager'], sites: ['basel', 'dublin'], locale: 'de-CH' }, 'test-setup');
    for (const id of ['jonas', 'lisa']) await server.accounts.setPassword(id, PASSWORD, 'test-setup', 'picker tests');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const session = async (id: string) => {
    const { token: cookie, session } = await server.accounts.login(`${id}@example.com`, PASSWORD, 'test');
    return { cookie: `${SESSION_COOKIE}=${cookie}`, csrf: session.csrf };
  };
  const start = (variables: Record<string, unknown>) =>
    callWithToken(server.url, token, 'POST', '/api/processes/document-control/instances', {
      variables: { title: 'Cleaning of production rooms', type: 'sop', area: 'QA', revisionKind: 'major', owner: 'jonas', changeSummary: 'First issue', reason: 'New cleaning agent', ...variables },
      site: 'dublin',
    });

  it('offers the active sites, the roles and the processes by name in English, and no keys in the labels', async () => {
    const page = await http('GET', `${server.url}/new/document-control`, undefined, { cookie: (await session('jonas')).cookie });
    expect(page.status).to.equal(200);
    // the record's own site, asked of a person of two sites, by name too
    expect(labels(listOn(page.text, 'site'))).to.include('Basel plant').and.include('Dublin plant').and.not.include('basel');
    const sites = listOn(page.text, 'sites');
    expect(sites.multiple).to.equal(true);
    // Lyon is deactivated: not offered
    expect(sites.options).to.deep.equal([
      ['basel', 'Basel plant'],
      ['dublin', 'Dublin plant'],
    ]);
    for (const field of ['reviewerRoles', 'trainingRoles']) {
      const roles = listOn(page.text, field);
      expect(roles.multiple).to.equal(true);
      expect(roles.options).to.deep.equal([
        ['auditor', 'Auditor'],
        ['process-owner', 'Process owner'],
        ['quality-manager', 'Quality manager'],
        ['staff', 'Staff'],
        ['steering-committee', 'Steering committee'],
      ]);
    }
    const processes = listOn(page.text, 'processes');
    expect(processes.multiple).to.equal(true);
    expect(processes.options).to.deep.include(['capa', 'Corrective and preventive action (CAPA)']).and.deep.include(['nonconformity', 'Nonconformity']);
    const text = textOf(page.text);
    expect(text).to.include('Sites the document applies to').and.include('Roles that review').and.include('Roles to train on it').and.include('Linked processes');
    expect(text).to.not.match(/separated by commas|site keys|process keys|quality-manager/);
  });

  it('offers them in German to a reader in Basel', async () => {
    const page = await http('GET', `${server.url}/new/document-control`, undefined, { cookie: (await session('lisa')).cookie });
    expect(page.status).to.equal(200);
    expect(labels(listOn(page.text, 'sites'))).to.deep.equal(['Basel plant', 'Dublin plant']);
    expect(labels(listOn(page.text, 'reviewerRoles'))).to.deep.equal(['Auditor', 'Lenkungsausschuss', 'Mitarbeitende', 'Prozesseigner', 'Qualitätsmanager']);
    expect(labels(listOn(page.text, 'processes'))).to.include('Korrektur- und Vorbeugungsmaßnahme (CAPA)').and.include('Nichtkonformität');
    const text = textOf(page.text);
    expect(text).to.include('Standorte, für die das Dokument gilt').and.include('Prüfende Rollen').and.include('Verknüpfte Prozesse');
    expect(text).to.not.match(/Kommas|schlüssel/);
  });

  it('starts a document from the picks posted by the form; the record names them, the services read their keys', async () => {
    const jonas = await session('jonas');
    const form = new URLSearchParams({ _csrf: jonas.csrf, site: 'dublin', title: 'Gowning', type: 'sop', area: 'PR', revisionKind: 'major', owner: 'jonas', changeSummary: 'First issue', reason: 'New cleanroom' });
    for (const [name, value] of [['sites', 'dublin'], ['sites', 'basel'], ['reviewerRoles', 'auditor'], ['reviewerRoles', 'steering-committee'], ['trainingRoles', 'staff'], ['processes', 'capa']]) form.append(name!, value!);
    const started = await fetch(`${server.url}/new/document-control`, { method: 'POST', redirect: 'manual', headers: { ...FORM_BODY, cookie: jonas.cookie }, body: form.toString() });
    expect(started.status, await started.clone().text()).to.equal(303);
    const id = (started.headers.get('location') ?? '').split('/').pop()!;
    const record = await server.imsflow.getInstance(id);
    expect(record.variables.sites).to.deep.equal([
      { key: 'dublin', name: 'Dublin plant' },
      { key: 'basel', name: 'Basel plant' },
    ]);
    expect(record.output.numbering).to.deep.include({ sites: ['dublin', 'basel'], processes: ['capa'], trainingRoles: ['staff'], reviewers: [{ role: 'auditor' }, { role: 'steering-committee' }] });
    const page = await http('GET', `${server.url}/records/${id}`, undefined, { cookie: jonas.cookie });
    const text = textOf(page.text);
    expect(text).to.include('Dublin plant').and.include('Basel plant').and.include('Steering committee').and.include('Corrective and preventive action (CAPA)');
    expect(text).to.not.include('"key"');
    // the same record in German: the roles and the process by their German names
    const german = textOf((await http('GET', `${server.url}/records/${id}`, undefined, { cookie: (await session('lisa')).cookie })).text);
    expect(german).to.include('Lenkungsausschuss').and.include('Korrektur- und Vorbeugungsmaßnahme (CAPA)');
  });

  it('takes keys from a JSON client as a list or as text separated by commas', async () => {
    const listed = await start({ sites: ['dublin', 'basel'], reviewerRoles: ['auditor'], trainingRoles: ['staff', 'process-owner'], processes: ['nonconformity'] });
    expect(listed.status, listed.text).to.equal(201);
    const texted = await start({ sites: 'dublin, basel', reviewerRoles: 'auditor', trainingRoles: 'staff, process-owner', processes: 'nonconformity' });
    expect(texted.status, texted.text).to.equal(201);
    for (const reply of [listed, texted]) {
      const record = await server.imsflow.getInstance(reply.json.id);
      expect(record.output.numbering).to.deep.include({ sites: ['dublin', 'basel'], processes: ['nonconformity'], trainingRoles: ['staff', 'process-owner'], reviewers: [{ role: 'auditor' }] });
    }
  });

  it('refuses an unknown site, role or process naming its field, in words', async () => {
    const reply = await start({ sites: 'dublin, atlantis', reviewerRoles: ['auditor', 'chef'], processes: ['alchemy'] });
    expect(reply.status).to.equal(400);
    const fields = reply.json.fields as { field: string; message: string }[];
    expect(fields.map((f) => f.field)).to.deep.equal(['sites', 'processes', 'reviewerRoles']);
    expect(fields[0]!.message).to.include('atlantis');
    expect(fields[2]!.message).to.include('chef').and.include('Quality manager');
  });
});
