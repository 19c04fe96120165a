import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { BASE_FILE, buildCatalogue, CatalogueError, IMS_STANDARDS, loadCatalogue, parseCatalogueFile, type Catalogue, type CatalogueFile } from '../../../engine/features/catalogue/index.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { catalogueDir, shippedCatalogue } from '../../../processes/index.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { signInOperator } from '../../support/operator.js';

const SHARED = ['4.1', '4.2', '4.3', '4.4', '5.1', '5.2', '5.3', '6.1', '6.2', '7.1', '7.2', '7.3', '7.4', '7.5', '7.5.1', '7.5.2', '7.5.3', '8.1', '9.1', '9.2', '9.3', '10.1', '10.2', '10.3'];
const HEADINGS = ['4', '5', '6', '7', '8', '9', '10'];
const ADDED: Record<string, string[]> = {
  '9001': ['5.1.2', '6.3', '7.1.2', '7.1.3', '7.1.4', '7.1.5', '7.1.6', '8.2', '8.3', '8.4', '8.5', '8.5.1', '8.5.2', '8.5.3', '8.5.4', '8.5.5', '8.5.6', '8.6', '8.7', '9.1.2', '9.1.3'],
  '14001': ['6.1.2', '6.1.3', '6.1.4', '7.4.2', '7.4.3', '8.2', '9.1.2', '9.2.2'],
  '45001': ['5.4', '6.1.2', '6.1.3', '8.1.2', '8.1.3', '8.1.4', '8.2', '9.1.2', '10.2'],
};

/** A site's EU GMP Annex 11 items, hung off the shared clauses they sharpen. */
const ANNEX_11: CatalogueFile = {
  version: 3,
  publishedAt: '2026-10-01',
  records: [
    { id: 'annex11', number: '11', title: 'EU GMP Annex 11: computerised systems', standards: ['eu-gmp-annex-11'] },
    { id: 'annex11:9', number: '9', title: 'Audit trails', standards: ['eu-gmp-annex-11'], parent: '7.5.3' },
    { id: 'annex11:14', number: '14', title: 'Electronic signature', standards: ['eu-gmp-annex-11'], parent: 'annex11' },
    { id: 'dublin:gmp-1', number: '8.5.1', title: 'Line clearance before each batch', standards: ['9001'], parent: '9001:8.5.1' },
  ],
};

function tempCatalogue(extensions: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'imsflow-catalogue-'));
  copyFileSync(join(catalogueDir(), BASE_FILE), join(dir, BASE_FILE));
  mkdirSync(join(dir, 'extensions'));
  for (const [name, content] of Object.entries(extensions)) writeFileSync(join(dir, 'extensions', name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

function refused(extensions: Record<string, unknown>): string {
  const dir = tempCatalogue(extensions);
  try {
    loadCatalogue(dir);
  } catch (err) {
    expect(err).to.be.instanceOf(CatalogueError);
    return (err as Error).message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('the catalogue was loaded');
}

describe('clause catalogue', () => {
  let catalogue: Catalogue;
  before(() => {
    catalogue = loadCatalogue(catalogueDir());
  });

  it('loads the shipped, versioned catalogue (no extensions shipped)', () => {
    expect(catalogue.version).to.equal(1);
    expect(catalogue.publishedAt).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(catalogue.extensions).to.deep.equal([]);
    expect(catalogue.records.every((r) => r.source === BASE_FILE)).to.equal(true);
    expect(catalogue.standards).to.deep.equal([...IMS_STANDARDS]);
    expect(shippedCatalogue().records.length).to.equal(catalogue.records.length);
  });

  it('counts per standard: the 31 shared records plus what each standard adds', () => {
    const shared = SHARED.length + HEADINGS.length;
    expect(catalogue.records).to.have.length(shared + ADDED['9001'].length + ADDED['14001'].length + ADDED['45001'].length);
    expect(catalogue.applicableClauses(['9001'])).to.have.length(shared + 21);
    expect(catalogue.applicableClauses(['14001'])).to.have.length(shared + 8);
    expect(catalogue.applicableClauses(['45001'])).to.have.length(shared + 9);
  });

  it('holds every shared clause exactly once, for all three standards', () => {
    for (const number of [...HEADINGS, ...SHARED]) {
      const records = catalogue.records.filter((r) => r.number === number && r.addedBy === undefined);
      expect(records, number).to.have.length(1);
      expect(records[0].id).to.equal(number);
      expect(records[0].standards).to.deep.equal(['9001', '14001', '45001']);
    }
    expect(catalogue.records.filter((r) => r.addedBy === undefined)).to.have.length(SHARED.length + HEADINGS.length);
  });

  it('holds each addition with its own standard only, under its parent', () => {
    for (const [standard, numbers] of Object.entries(ADDED)) {
      const added = catalogue.records.filter((r) => r.addedBy === standard);
      expect(added.map((r) => r.number).sort(), standard).to.deep.equal([...numbers].sort());
      for (const record of added) {
        expect(record.id).to.equal(`${standard}:${record.number}`);
        expect(record.standards).to.deep.equal([standard]);
        const parent = catalogue.clause(record.parent!);
        expect(parent, record.id).to.not.equal(undefined);
        expect(parent!.standards).to.include(standard);
      }
    }
    expect(catalogue.clause('9001:8.5.6')).to.include({ title: 'Control of changes', parent: '9001:8.5' });
    expect(catalogue.clause('45001:10.2')).to.include({ parent: '10.2' });
    expect(catalogue.clause('9001:5.4')).to.equal(undefined);
  });

  it('keeps a number that means different things in different standards apart', () => {
    const titles = (number: string) => Object.fromEntries(catalogue.records.filter((r) => r.number === number).map((r) => [r.id, r.title]));
    expect(titles('8.2')).to.deep.equal({
      '9001:8.2': 'Requirements for products and services',
      '14001:8.2': 'Emergency preparedness and response',
      '45001:8.2': 'Emergency preparedness and response',
    });
    expect(titles('6.1.2')).to.deep.equal({ '14001:6.1.2': 'Environmental aspects', '45001:6.1.2': 'Hazard identification and assessment of risks and opportunities' });
    expect(Object.keys(titles('9.1.2'))).to.deep.equal(['9001:9.1.2', '14001:9.1.2', '45001:9.1.2']);
    expect(catalogue.applicableClauses(['9001']).filter((r) => r.number === '8.2').map((r) => r.id)).to.deep.equal(['9001:8.2']);
  });

  it('filters by standards: any of them, in catalogue order; none given means all', () => {
    const both = catalogue.applicableClauses(['9001', '14001']);
    expect(both).to.have.length(SHARED.length + HEADINGS.length + 21 + 8);
    expect(both.some((r) => r.addedBy === '45001')).to.equal(false);
    expect(both.map((r) => r.id).indexOf('4.1')).to.be.lessThan(both.map((r) => r.id).indexOf('10.3'));
    expect(catalogue.applicableClauses([])).to.have.length(catalogue.records.length);
    expect(catalogue.applicableClauses(['nope'])).to.deep.equal([]);
  });

  it('merges extension files with their source, in name order', () => {
    const dir = tempCatalogue({ 'b-annex11.json': ANNEX_11, 'a-empty.json': { version: 1, publishedAt: '2026-01-01', records: [] }, 'notes.txt': 'ignored' });
    try {
      const merged = loadCatalogue(dir);
      expect(merged.extensions.map((e) => e.source)).to.deep.equal(['extensions/a-empty.json', 'extensions/b-annex11.json']);
      expect(merged.extensions[1]).to.include({ version: 3, publishedAt: '2026-10-01' });
      expect(merged.records).to.have.length(catalogue.records.length + 4);
      expect(merged.clause('annex11:9')).to.deep.equal({ ...ANNEX_11.records[1], source: 'extensions/b-annex11.json' });
      expect(merged.clause('4.1')!.source).to.equal(BASE_FILE);
      expect(merged.standards).to.deep.equal(['9001', '14001', '45001', 'eu-gmp-annex-11']);
      expect(merged.applicableClauses(['eu-gmp-annex-11']).map((r) => r.id)).to.deep.equal(['annex11', 'annex11:9', 'annex11:14']);
      expect(merged.applicableClauses(['9001']).map((r) => r.id)).to.include('dublin:gmp-1');
      expect(merged.applicableClauses(['14001']).map((r) => r.id)).to.not.include('dublin:gmp-1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an invalid extension with a message naming the file and the record', () => {
    const record = (over: Record<string, unknown>) => ({ version: 1, publishedAt: '2026-01-01', records: [{ id: 'site:1', number: '1', title: 'Site rule', standards: ['site'], ...over }] });
    expect(refused({ 'bad.json': record({ parent: 'nope' }) })).to.equal("clause catalogue extensions/bad.json: record 'site:1': parent 'nope' does not exist");
    expect(refused({ 'bad.json': record({ number: '7..5' }) })).to.equal("clause catalogue extensions/bad.json: record 'site:1' (records[0]) number: must be a clause number such as 7.5.3");
    expect(refused({ 'bad.json': record({ title: '' }) })).to.include("extensions/bad.json: record 'site:1' (records[0]) title: is required");
    expect(refused({ 'bad.json': record({ standards: [] }) })).to.include("extensions/bad.json: record 'site:1' (records[0]) standards: name at least one standard");
    expect(refused({ 'bad.json': record({ extra: true }) })).to.include("extensions/bad.json: record 'site:1' (records[0])");
    expect(refused({ 'bad.json': record({ id: '4.1' }) })).to.equal(`clause catalogue extensions/bad.json: record '4.1': the id is already used by ${BASE_FILE}`);
    expect(refused({ 'a.json': record({}), 'b.json': record({}) })).to.equal("clause catalogue extensions/b.json: record 'site:1': the id is already used by extensions/a.json");
    expect(refused({ 'bad.json': record({ parent: 'site:1' }) })).to.include("extensions/bad.json: record 'site:1': its parents form a cycle");
    expect(refused({ 'bad.json': '{ not json' })).to.match(/^clause catalogue extensions\/bad\.json: not valid JSON/);
    expect(refused({ 'bad.json': { records: [] } })).to.include('extensions/bad.json: version:');
  });

  it('refuses a base file that breaks the harmonized-structure rules', () => {
    const base = parseCatalogueFile(BASE_FILE, { version: 1, publishedAt: '2026-01-01', records: [] });
    const withRecords = (records: CatalogueFile['records']) => () => buildCatalogue({ source: BASE_FILE, file: { ...base, records } });
    const all = ['9001', '14001', '45001'];
    expect(withRecords([{ id: '4', number: '4', title: 'Context', standards: ['9001'] }])).to.throw(CatalogueError, "record '4': a shared clause applies to all three standards");
    expect(withRecords([{ id: '4', number: '4', title: 'Context', standards: all }, { id: '9001:5.1', number: '5.1', title: 'X', standards: ['9001'], addedBy: '9001', parent: '4' }])).to.throw(CatalogueError, "record '9001:5.1': number 5.1 does not sit under its parent 4");
    expect(withRecords([{ id: '4.1', number: '4.1', title: 'Context', standards: all }])).to.throw(CatalogueError, 'clause 4.1 needs a parent');
    expect(withRecords([{ id: '11', number: '11', title: 'Beyond', standards: all }])).to.throw(CatalogueError, 'outside clauses 4–10');
    expect(withRecords([{ id: '4', number: '4', title: 'Context', standards: all }, { id: '4', number: '4', title: 'Again', standards: all }])).to.throw(CatalogueError, 'the id is used twice in this file');
  });

  describe('GET /api/catalogue (listening server)', () => {
    let dir: string;
    let server: RunningServer;
    let token: string;
    /** `as`: an API token; '' for none. */
    const get = async (path: string, as = token) => {
      const response = await fetch(`${server.url}${path}`, { headers: as ? { authorization: `Bearer ${as}` } : {} });
      return { status: response.status, json: (await response.json()) as any };
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'imsflow-catalogue-api-'));
      server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }) });
      token = await signInOperator(server);
    });
    after(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('returns the whole catalogue with its version to a signed-in user', async () => {
      const { status, json } = await get('/api/catalogue');
      expect(status).to.equal(200);
      expect(json).to.include({ version: 1, publishedAt: catalogue.publishedAt });
      expect(json.extensions).to.deep.equal([]);
      expect(json.standards).to.deep.equal(['9001', '14001', '45001']);
      expect(json.items).to.have.length(catalogue.records.length);
      expect(json.items.find((r: { id: string }) => r.id === '7.5.3')).to.deep.equal({ id: '7.5.3', number: '7.5.3', title: 'Control of documented information', standards: ['9001', '14001', '45001'], parent: '7.5', source: BASE_FILE });
    });

    it('filters by ?standards=9001,14001 and refuses an unknown standard or a malformed list', async () => {
      const { status, json } = await get('/api/catalogue?standards=9001,14001');
      expect(status).to.equal(200);
      expect(json.standards).to.deep.equal(['9001', '14001']);
      expect(json.items.map((r: { id: string }) => r.id)).to.deep.equal(catalogue.applicableClauses(['9001', '14001']).map((r) => r.id));
      expect(json.items.some((r: { addedBy?: string }) => r.addedBy === '45001')).to.equal(false);
      const only = await get('/api/catalogue?standards=45001');
      expect(only.json.items).to.have.length(SHARED.length + HEADINGS.length + 9);
      const unknown = await get('/api/catalogue?standards=9001,9999');
      expect(unknown.status).to.equal(400);
      expect(unknown.json.error).to.equal('unknown standard 9999');
      expect((await get('/api/catalogue?standards=9001,,14001')).status).to.equal(400);
    });

    it('needs a signed-in caller', async () => {
      expect((await get('/api/catalogue', '')).status).to.equal(401);
    });
  });
});
