import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SESSION_COOKIE } from '../../api/auth.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { NotFoundError, ValidationError, type MessageSet, type PackContext, type PackRequest } from '../../engine/pack-kit.js';
import type { ProcessPack } from '../../engine/packs.js';
import { shippedPacks } from '../../processes/index.js';
import { bpmn } from '../helpers.js';
import { wcagViolations } from '../support/accessibility.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { callWithToken, http } from '../support/http.js';
import { signInOperator, userWithToken } from '../support/operator.js';

/**
 * A pack brings its own JSON routes and pages (ProcessPack.routes, .pages) with no file outside its own:
 * a test-only gauge log whose routes answer JSON, a file download, a 400 naming the field and 401/403 by
 * role, and whose pages show its records in the reader's language and time zone, sites and people by
 * name, with a header link for the people allowed, and pass axe-core at desktop and phone width.
 */

const PASSWORD = 'a long enough passphrase for tests';
const START = '2026-05-04T08:00:00Z';

const GAUGE_XML = bpmn(
  'gauge-log',
  `<startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="read" />
   <userTask id="read" name="Read the gauge" ims:candidateRole="quality-manager">
     <extensionElements><ims:form><ims:field key="certificate" label="Certificate" type="file" /></ims:form></extensionElements>
   </userTask>
   <sequenceFlow id="f2" sourceRef="read" targetRef="e" /><endEvent id="e" />`,
  'name="Gauge log" ims:businessKeyPrefix="GAUGE" ims:ownerRole="quality-manager"',
);

const words = {
  en: { nav: 'Gauges', title: 'Gauge log', one: 'Gauge {key}', site: 'Site', started: 'Started', by: 'Started by', state: 'State', running: 'In use', filter: 'Filter gauges', apply: 'Apply', clear: 'Clear', none: 'No gauges yet.', certificate: 'Certificate', at: 'a date as YYYY-MM-DD' },
  de: { nav: 'Messmittel', title: 'Messmittelliste', one: 'Messmittel {key}', site: 'Standort', started: 'Begonnen', by: 'Begonnen von', state: 'Zustand', running: 'In Gebrauch', filter: 'Messmittel filtern', apply: 'Anwenden', clear: 'Zurücksetzen', none: 'Noch keine Messmittel.', certificate: 'Zertifikat', at: 'ein Datum als JJJJ-MM-TT' },
  fr: { nav: 'Instruments', title: 'Registre des instruments', one: 'Instrument {key}', site: 'Site', started: 'Commencé', by: 'Commencé par', state: 'État', running: 'En service', filter: 'Filtrer les instruments', apply: 'Appliquer', clear: 'Effacer', none: 'Aucun instrument.', certificate: 'Certificat', at: 'une date AAAA-MM-JJ' },
};
const messages = Object.fromEntries(Object.entries(words).map(([language, w]) => [language, Object.fromEntries(Object.entries(w).map(([id, text]) => [`gauge-log.${id}`, text]))])) as MessageSet;

/** The gauge records the person may see, by business key. */
async function gauges(context: PackContext, site?: string) {
  return (await context.records.instances({ key: 'gauge-log', ...(site && { sites: [site] }) })).sort((a, b) => a.businessKey.localeCompare(b.businessKey));
}

async function gauge(request: PackRequest, context: PackContext) {
  const found = (await gauges(context)).find((record) => record.businessKey === request.params.key);
  if (!found) throw new NotFoundError(`no gauge ${request.params.key}`);
  return found;
}

const gaugePack: ProcessPack = {
  key: 'gauge-log',
  businessKeyPrefix: 'GAUGE',
  ownerRole: 'quality-manager',
  bpmn: { file: 'gauge-log.bpmn', xml: () => GAUGE_XML },
  messages,
  routes: [
    {
      method: 'GET',
      path: '/gauges',
      summary: 'The gauges of your sites',
      access: 'signed-in',
      example: {},
      handle: async (_request, context) => ({ json: { items: (await gauges(context)).map((g) => ({ key: g.businessKey, site: g.site })), at: context.now().toISOString() } }),
    },
    {
      method: 'GET',
      path: '/gauges/:key/reading',
      summary: 'A gauge as it stood on a date',
      access: 'signed-in',
      query: { at: 'a date, YYYY-MM-DD' },
      example: { params: { key: 'GAUGE-0000' }, query: { at: '2026-05-04' } },
      handle: async (request, context) => {
        if (!/^\d{4}-\d\d-\d\d$/.test(request.query.at ?? '')) throw new ValidationError('invalid query', [{ field: 'at', message: context.reader.t('gauge-log.at') }]);
        const found = await gauge(request, context);
        return { json: { key: found.businessKey, started: found.startedAt <= `${request.query.at}T23:59:59Z` } };
      },
    },
    {
      method: 'GET',
      path: '/gauges/:key/certificate',
      summary: 'The certificate of a gauge, as a download',
      access: ['quality-manager'],
      example: { params: { key: 'GAUGE-0000' } },
      handle: async (request, context) => {
        const found = await gauge(request, context);
        const ref = (found.output?.read as { certificate?: { sha256: string } } | undefined)?.certificate;
        if (!ref) throw new NotFoundError(`gauge ${found.businessKey} has no certificate`);
        const file = await context.attachment(found.id, ref.sha256);
        return { file: { bytes: file.bytes, contentType: file.contentType, name: `certificate-${found.businessKey}.txt` } };
      },
    },
    {
      method: 'POST',
      path: '/gauges/:key/notes',
      summary: 'Echo a note (a pack route taking a body)',
      access: ['quality-manager'],
      example: { params: { key: 'GAUGE-0000' }, body: { note: 'matrix' } },
      handle: async (request, context) => {
        const note = (request.body as { note?: unknown } | undefined)?.note;
        if (typeof note !== 'string' || !note.trim()) throw new ValidationError('invalid request body', [{ field: 'note', message: 'write a note' }]);
        const found = await gauge(request, context);
        return { status: 201, json: { key: found.businessKey, note, by: request.user.name } };
      },
    },
  ],
  pages: [
    {
      path: '/gauges',
      nav: 'gauge-log.nav',
      access: 'signed-in',
      example: {},
      build: async (request, context) => {
        const { t } = context.reader;
        const sites = await context.sites();
        const items = await gauges(context, request.query.site || undefined);
        return {
          title: t('gauge-log.title'),
          blocks: [
            { kind: 'form', role: 'filter', label: t('gauge-log.filter'), submit: t('gauge-log.apply'), clear: t('gauge-log.clear'), fields: [{ name: 'site', label: t('gauge-log.site'), type: 'select', value: request.query.site, options: sites.map((s) => ({ value: s.key, label: s.name })) }] },
            {
              kind: 'table',
              caption: t('gauge-log.title'),
              empty: t('gauge-log.none'),
              columns: [
                { key: 'key', label: 'No.' },
                { key: 'site', label: t('gauge-log.site') },
                { key: 'started', label: t('gauge-log.started') },
                { key: 'by', label: t('gauge-log.by') },
                { key: 'state', label: t('gauge-log.state') },
              ],
              rows: items.map((g) => ({
                key: { kind: 'link', text: g.businessKey, href: `/gauges/${encodeURIComponent(g.businessKey)}` },
                site: g.site ? { kind: 'site', key: g.site } : '',
                started: { kind: 'time', iso: g.startedAt },
                by: { kind: 'person', id: g.startedBy },
                state: { kind: 'badge', text: t('gauge-log.running'), tone: 'pending' },
              })),
            },
          ],
        };
      },
    },
    {
      path: '/gauges/:key',
      access: 'overseers',
      example: { params: { key: 'GAUGE-0000' } },
      build: async (request, context) => {
        const { t } = context.reader;
        const found = await gauge(request, context);
        return {
          title: t('gauge-log.one', { key: found.businessKey }),
          breadcrumbs: [{ text: t('gauge-log.title'), href: '/gauges' }],
          blocks: [
            { kind: 'facts', facts: [{ label: t('gauge-log.site'), value: { kind: 'site', key: found.site ?? '' } }, { label: t('gauge-log.started'), value: { kind: 'time', iso: found.startedAt } }, { label: t('gauge-log.by'), value: { kind: 'person', id: found.startedBy } }] },
            { kind: 'downloads', links: [{ text: t('gauge-log.certificate'), href: `/api/gauges/${encodeURIComponent(found.businessKey)}/certificate` }] },
          ],
        };
      },
    },
  ],
};

describe('a pack brings its own API routes and pages', function () {
  this.timeout(90_000);
  let dir: string;
  let server: RunningServer;
  const clock = new FakeClock(START);
  const tokens: Record<string, string> = {};
  const as = (who: string | undefined, method: string, path: string, body?: unknown) => (who ? callWithToken(server.url, tokens[who], method, path, body) : http(method, `${server.url}${path}`, body, { 'content-type': 'application/json', authorization: '' }));
  const keys: Record<string, string> = {};
  const CERTIFICATE = 'Calibration certificate 4711: within tolerance.\n';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-pack-ext-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock, logger: pino({ level: 'silent' }), packs: [...shippedPacks, gaugePack] });
    tokens.operator = await signInOperator(server);
    for (const [key, name, locale, timeZone] of [
      ['zug', 'Zug instrument shop', 'de-CH', 'Europe/Zurich'],
      ['cork', 'Cork filling plant', 'en-IE', 'Europe/Dublin'],
    ]) {
      expect((await as('operator', 'POST', '/api/sites', { key, name, locale, timeZone })).status).to.equal(201);
    }
    tokens.qmZug = await userWithToken(server, { id: 'klara', name: 'Klara Keller', roles: ['quality-manager'], sites: ['zug'] });
    await server.imsflow.saveUser({ id: 'klara', email: 'klara@example.com', name: 'Klara Keller', roles: ['quality-manager'], sites: ['zug'], locale: 'de-CH', timeZone: 'Europe/Zurich' }, 'test-setup');
    await server.accounts.setPassword('klara', PASSWORD, 'test-setup', 'pack extension tests');
    tokens.qmCork = await userWithToken(server, { id: 'cian', name: 'Cian Byrne', roles: ['quality-manager'], sites: ['cork'] });
    tokens.staffZug = await userWithToken(server, { id: 'sepp', name: 'Sepp Staff', roles: ['staff'], sites: ['zug'] });
    for (const [site, who] of [['zug', 'klara'], ['cork', 'cian']]) {
      const started = await server.imsflow.start('gauge-log', { variables: {}, site }, who);
      keys[site] = started.businessKey;
      clock.advance(3_600_000);
    }
    // Klara uploads the Zug gauge's certificate and completes its reading with it
    const zug = (await server.imsflow.queries.instances({ key: 'gauge-log', sites: ['zug'] }))[0]!;
    const task = (await server.imsflow.listTasks({ instanceId: zug.id, status: 'open' }))[0]!;
    const upload = await fetch(`${server.url}/api/tasks/${task.id}/attachments?field=certificate&name=certificate.txt`, { method: 'POST', headers: { authorization: `Bearer ${tokens.qmZug}`, 'content-type': 'text/plain' }, body: CERTIFICATE });
    expect(upload.status, await upload.clone().text()).to.equal(201);
    const done = await as('qmZug', 'POST', `/api/tasks/${task.id}/complete`, { data: { certificate: await upload.json() } });
    expect(done.status, done.text).to.equal(200);
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers JSON with the records of the caller\'s sites only, on the engine\'s clock', async () => {
    const zug = await as('qmZug', 'GET', '/api/gauges');
    expect(zug.status).to.equal(200);
    expect(zug.json).to.deep.equal({ items: [{ key: keys.zug, site: 'zug' }], at: '2026-05-04T10:00:00.000Z' });
    expect((await as('qmCork', 'GET', '/api/gauges')).json.items).to.deep.equal([{ key: keys.cork, site: 'cork' }]);
    expect((await as('operator', 'GET', '/api/gauges')).json.items.map((i: { key: string }) => i.key)).to.have.members([keys.zug, keys.cork]);
    expect((await as('qmCork', 'GET', `/api/gauges/${keys.zug}/reading?at=2026-05-04`)).status, 'a record of another site is not found').to.equal(404);
  });

  it('refuses bad input with 400 naming the field, in the reader\'s language', async () => {
    const bad = await as('qmZug', 'GET', `/api/gauges/${keys.zug}/reading?at=yesterday`);
    expect(bad.status).to.equal(400);
    expect(bad.json.fields).to.deep.equal([{ field: 'at', message: 'ein Datum als JJJJ-MM-TT' }]);
    const good = await as('qmZug', 'GET', `/api/gauges/${keys.zug}/reading?at=2026-05-04`);
    expect(good.json).to.deep.equal({ key: keys.zug, started: true });
    const noNote = await as('qmZug', 'POST', `/api/gauges/${keys.zug}/notes`, { note: ' ' });
    expect([noNote.status, noNote.json.fields[0].field]).to.deep.equal([400, 'note']);
    const note = await as('qmZug', 'POST', `/api/gauges/${keys.zug}/notes`, { note: 'cleaned' });
    expect([note.status, note.json]).to.deep.equal([201, { key: keys.zug, note: 'cleaned', by: 'Klara Keller' }]);
  });

  it('serves a file as a download, only to the roles allowed and of the record\'s site', async () => {
    const reply = await fetch(`${server.url}/api/gauges/${keys.zug}/certificate`, { headers: { authorization: `Bearer ${tokens.qmZug}` } });
    expect(reply.status).to.equal(200);
    expect(reply.headers.get('content-type')).to.match(/^text\/plain/);
    expect(reply.headers.get('content-disposition')).to.equal(`attachment; filename=certificate-${keys.zug}.txt`);
    expect(reply.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(await reply.text()).to.equal(CERTIFICATE);
    expect((await as('staffZug', 'GET', `/api/gauges/${keys.zug}/certificate`)).status, 'staff: not of the role').to.equal(403);
    expect((await as('qmCork', 'GET', `/api/gauges/${keys.zug}/certificate`)).status, 'another site').to.equal(404);
    expect((await as('qmZug', 'GET', `/api/gauges/${keys.cork}/certificate`)).status, 'no certificate yet').to.equal(404);
  });

  it('answers 401 to nobody and 403 to a role not named, and lists its routes in the API document', async () => {
    expect((await as(undefined, 'GET', '/api/gauges')).status).to.equal(401);
    expect((await as(undefined, 'GET', `/api/gauges/${keys.zug}/certificate`)).status).to.equal(401);
    expect((await as('staffZug', 'POST', `/api/gauges/${keys.zug}/notes`, { note: 'x' })).status).to.equal(403);
    const doc = (await as(undefined, 'GET', '/api/openapi.json')).json;
    expect(doc.paths['/api/gauges'].get).to.include({ summary: 'The gauges of your sites' }).and.deep.include({ tags: ['gauge-log'] });
    expect(doc.paths['/api/gauges/{key}/certificate'].get['x-roles']).to.deep.equal(['quality-manager']);
    expect(doc.paths['/api/gauges/{key}/reading'].get.parameters.map((p: { name: string; in: string }) => `${p.in} ${p.name}`)).to.deep.equal(['path key', 'query at']);
    expect(doc.paths['/api/gauges/{key}/notes'].post['x-token-scope']).to.equal('full');
  });

  it('shows its page in the reader\'s language and time zone, sites and people by name, with its header link', async () => {
    const html = (await http('GET', `${server.url}/gauges`, undefined, { authorization: `Bearer ${tokens.qmZug}` })).text;
    expect(html).to.include('<html lang="de-CH"').and.include('<h1>Messmittelliste</h1>');
    expect(html).to.include('href="/gauges" aria-current="page">Messmittel</a>');
    expect(html).to.include('Zug instrument shop').and.include('Klara Keller').and.include('In Gebrauch');
    // started 08:00 UTC = 10:00 in Zurich, read as a date and time, never as an ISO timestamp
    expect(html).to.match(/04\.05\.2026,? 10:00/);
    expect(html.replace(/datetime="[^"]*"/g, '')).to.not.match(/\d{4}-\d\d-\d\dT\d\d:\d\d|gauge-log\.\w|packPage\./);
    expect(html, 'only the records of her site').to.not.include(keys.cork);
    const english = (await http('GET', `${server.url}/gauges`, undefined, { authorization: `Bearer ${tokens.qmCork}` })).text;
    expect(english).to.include('<h1>Gauge log</h1>').and.include('Cork filling plant').and.include('Cian Byrne');
    // 09:00 UTC = 10:00 in Dublin (summer time)
    expect(english).to.match(/4 May 2026,? 10:00/);
  });

  it('checks its page\'s access: 403 for a role not named, the sign-in page for nobody, 404 for another site', async () => {
    expect((await http('GET', `${server.url}/gauges/${keys.zug}`, undefined, { authorization: `Bearer ${tokens.staffZug}` })).status).to.equal(403);
    const anonymous = await fetch(`${server.url}/gauges/${keys.zug}`, { redirect: 'manual' });
    expect([anonymous.status, anonymous.headers.get('location')]).to.deep.equal([303, `/login?next=${encodeURIComponent(`/gauges/${keys.zug}`)}`]);
    expect((await http('GET', `${server.url}/gauges/${keys.zug}`, undefined, { authorization: `Bearer ${tokens.qmCork}` })).status).to.equal(404);
    const staffHome = (await http('GET', `${server.url}/gauges`, undefined, { authorization: `Bearer ${tokens.staffZug}` })).text;
    expect(staffHome, 'the list page is for everyone signed in').to.include('Messmittel');
  });

  describe('in Chromium', () => {
    const chrome = useBrowser();

    it('passes axe-core (WCAG 2.1 AA) at desktop and phone width, nothing sideways', async () => {
      const { token } = await server.accounts.login('klara@example.com', PASSWORD, 'test');
      const problems: string[] = [];
      for (const path of ['/gauges', `/gauges/${keys.zug}`, '/gauges?site=cork']) {
        const { context, page, log } = await chrome.newPage({ locale: 'de-CH' });
        await context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.url }]);
        expect((await page.goto(`${server.url}${path}`))?.status()).to.equal(200);
        for (const [width, height] of [[1280, 800], [390, 844]] as const) {
          await page.setViewportSize({ width, height });
          for (const violation of await wcagViolations(page)) problems.push(`${path} at ${width}px: ${violation}`);
          if ((await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)) > width) problems.push(`${path} at ${width}px: wider than the screen`);
          console.log(`      ${path}, ${width}px: ${await screenshot(page, `pack page ${path} ${width}`)}`);
        }
        expect(log.errors).to.deep.equal([]);
      }
      expect(problems).to.deep.equal([]);
    });

    it('downloads the certificate from the gauge\'s page', async () => {
      const { token } = await server.accounts.login('klara@example.com', PASSWORD, 'test');
      const { context, page } = await chrome.newPage({ locale: 'de-CH', acceptDownloads: true });
      await context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.url }]);
      await page.goto(`${server.url}/gauges/${keys.zug}`);
      expect(await page.locator('nav.usa-breadcrumb a').textContent()).to.equal('Messmittelliste');
      expect(await page.locator('header a[aria-current="page"]').textContent(), 'the list page\'s header link, current').to.equal('Messmittel');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Zertifikat' }).click()]);
      expect(download.suggestedFilename()).to.equal(`certificate-${keys.zug}.txt`);
    });
  });
});
