import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../engine/boot/config.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { DEFAULT_TITLE_FIELDS, recordTitle } from '../../engine/kernel/present/index.js';
import type { FormField, UserRecord } from '../../engine/kernel/model.js';
import { shippedPacks } from '../../processes/index.js';
import { bpmn } from '../helpers.js';
import { callWithToken, type Reply } from '../support/http.js';
import { signInOperator } from '../support/operator.js';

/** A start form's field as GET /api/processes lists it (labels in the caller's language). */
type ListedField = FormField;
interface Listed {
  key: string;
  name: string;
  description?: string;
  version: number;
  form: ListedField[];
  sites: string[];
}

const PEOPLE: (Pick<UserRecord, 'id' | 'name' | 'roles' | 'sites'> & { locale?: string })[] = [
  { id: 'st-dan', name: 'Dan Murphy', roles: ['staff'], sites: ['dublin'] },
  { id: 'st-lisa', name: 'Lisa Weber', roles: ['staff'], sites: ['basel'], locale: 'de-CH' },
  { id: 'qm-aoife', name: 'Aoife Brennan', roles: ['quality-manager'], sites: ['dublin'] },
  { id: 'qm-two', name: 'Jonas Keller', roles: ['quality-manager'], sites: ['dublin', 'basel'] },
  { id: 'au-lena', name: 'Lena Roth', roles: ['auditor'], sites: ['dublin'] },
  { id: 'po-pat', name: 'Pat Owner', roles: ['process-owner'], sites: ['dublin'] },
  { id: 'sc-sam', name: 'Sam Steering', roles: ['steering-committee'], sites: ['dublin'] },
];

describe('start forms: what a person may start, and starting it from its form alone (HTTP API)', () => {
  let dir: string;
  let server: RunningServer;
  const tokens: Record<string, string> = {};
  const as = (who: string, method: string, path: string, body?: unknown): Promise<Reply> => callWithToken(server.url, tokens[who], method, path, body);
  const listed = async (who: string): Promise<Listed[]> => {
    const reply = await as(who, 'GET', '/api/processes');
    expect(reply.status, reply.text).to.equal(200);
    return reply.json.items;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-start-forms-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }) });
    tokens.operator = await signInOperator(server);
    for (const person of PEOPLE) {
      await server.imsflow.saveUser({ ...person, email: `${person.id}@example.com` }, 'test-setup');
      tokens[person.id] = (await server.accounts.createApiToken(person.id, 'start forms', 'test-setup', 'integration')).token;
    }
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Values for a start form derived from its fields alone: a person of the right role at the site from the directory. */
  async function fill(form: ListedField[], site: string): Promise<Record<string, unknown>> {
    const people = await server.imsflow.store.listUsers({ active: true });
    const data: Record<string, unknown> = {};
    for (const field of form) {
      if (!field.required) continue;
      switch (field.type) {
        case 'text':
        case 'longtext':
          data[field.key] = `${field.label}: written for the test`;
          break;
        case 'number':
          data[field.key] = 2027;
          break;
        case 'date':
          // before the clock: a complaint's awareness date may not lie ahead
          data[field.key] = '2026-05-01';
          break;
        case 'select':
          data[field.key] = field.options![0].value;
          break;
        case 'checkbox':
          data[field.key] = true;
          break;
        case 'person': {
          const person = people.find((p) => p.sites?.includes(site) && (!field.role || p.roles.includes(field.role)) && p.id !== 'operator');
          expect(person, `a person for ${field.key}`).to.not.equal(undefined);
          data[field.key] = person!.id;
          break;
        }
        default:
          throw new Error(`no value derived for a required ${field.type} field (${field.key})`);
      }
    }
    return data;
  }

  it('lists what each person may start, with its start form in their language, and never the training acknowledgement', async () => {
    const staff = await listed('st-dan');
    expect(staff.map((p) => p.key)).to.deep.equal(['deviation', 'ehs-incident', 'nonconformity']);
    const nc = staff.find((p) => p.key === 'nonconformity')!;
    expect(nc).to.include({ name: 'Nonconformity', version: 1 });
    expect(nc.description).to.match(/^Report a problem/);
    expect(nc.sites).to.deep.equal(['dublin']);
    expect(nc.form.map((f) => [f.key, f.type, f.required])).to.deep.equal([
      ['title', 'text', true],
      ['description', 'longtext', true],
      ['reference', 'text', false],
      ['foundOn', 'date', false],
      ['owner', 'person', true],
    ]);

    const quality = (await listed('qm-aoife')).map((p) => p.key);
    expect(quality).to.deep.equal(['audit-programme', 'capa', 'change-request', 'complaint', 'deviation', 'document-control', 'ehs-incident', 'gap-analysis', 'internal-audit', 'management-review', 'nonconformity']);
    expect((await listed('po-pat')).map((p) => p.key)).to.deep.equal(['capa', 'change-request', 'complaint', 'deviation', 'document-control', 'ehs-incident', 'gap-analysis', 'internal-audit', 'nonconformity']);
    expect((await listed('sc-sam')).map((p) => p.key)).to.deep.equal(['deviation', 'ehs-incident', 'management-review', 'nonconformity']);
    expect((await listed('qm-two')).find((p) => p.key === 'capa')!.sites).to.deep.equal(['basel', 'dublin']);

    // in the reader's language: a Basel colleague reads German labels
    const german = (await listed('st-lisa')).find((p) => p.key === 'nonconformity')!;
    expect(german.name).to.equal('Nichtkonformität');
    expect(german.form.find((f) => f.key === 'title')!.label).to.equal('Was ist falsch, in einer Zeile');
  });

  it('starts every shipped process a quality manager may start from its start form alone, titled by it', async () => {
    const processes = await listed('qm-aoife');
    expect(processes).to.have.length(11);
    for (const process of processes) {
      const variables = await fill(process.form, 'dublin');
      const started = await as('qm-aoife', 'POST', `/api/processes/${process.key}/instances`, { variables });
      expect(started.status, `${process.key}: ${started.text}`).to.equal(201);
      const record = await server.imsflow.getInstance(started.json.id);
      expect(record.variables, process.key).to.deep.equal(variables);
      expect(record.site).to.equal('dublin');
      const pack = shippedPacks.find((p) => p.key === process.key)!;
      // every record has a title from its start form
      expect(recordTitle(record, pack.titleFields).title, `${process.key} has a title`).to.be.a('string');
      expect(record.status, process.key).to.equal('running');
      // the start is audited with the data given
      expect(record.history.find((e) => e.action === 'instance.started')!.new).to.deep.include({ variables });
    }
  });

  it('refuses a start without the required fields (400 naming each), with an unknown field, or at no site', async () => {
    const empty = await as('st-dan', 'POST', '/api/processes/nonconformity/instances', { variables: {} });
    expect(empty.status).to.equal(400);
    expect(empty.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['title', 'description', 'owner']);
    expect(empty.json.fields[0].message).to.equal('What is wrong, in a line is required');

    const invented = await as('st-dan', 'POST', '/api/processes/nonconformity/instances', { variables: { title: 'Cracked lid', description: 'On line 2.', owner: 'st-dan', processName: 'Invented' } });
    expect(invented.status).to.equal(400);
    expect(invented.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['processName']);

    const badDate = await as('st-dan', 'POST', '/api/processes/nonconformity/instances', { variables: { title: 'Cracked lid', description: 'On line 2.', owner: 'st-dan', foundOn: '2026-02-30' } });
    expect(badDate.status).to.equal(400);
    expect(badDate.json.fields[0]).to.include({ field: 'foundOn' });

    const noSite = await as('qm-two', 'POST', '/api/processes/nonconformity/instances', { variables: { title: 'Cracked lid', description: 'On line 2.', owner: 'st-dan' } });
    expect(noSite.status).to.equal(400);
    expect(noSite.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['site']);
    // nothing was started by any refusal
    expect((await server.imsflow.queries.instances({ limit: 1000 })).filter((i) => i.startedBy === 'st-dan' || i.startedBy === 'qm-two')).to.deep.equal([]);
  });

  it('refuses a person outside the starters, or at a site not theirs, with 403', async () => {
    const capa = { source: 'complaint', title: 'Cracked caps', description: 'Twelve cracked caps.' };
    const staffCapa = await as('st-dan', 'POST', '/api/processes/capa/instances', { variables: capa });
    expect(staffCapa.status).to.equal(403);
    expect(staffCapa.json.error).to.match(/started by quality-manager, process-owner/);
    const training = await as('qm-aoife', 'POST', '/api/processes/training-acknowledgement/instances', { variables: { processName: 'Invented', version: 1, user: 'st-dan', dueAt: '2026-06-01' } });
    expect(training.status).to.equal(403);
    expect(training.json.error).to.match(/started by the system only/);
    const otherSite = await as('st-dan', 'POST', '/api/processes/nonconformity/instances', { site: 'basel', variables: { title: 'Cracked lid', description: 'On line 2.', owner: 'st-dan' } });
    expect(otherSite.status).to.equal(403);
    // the operator (an administrator) starts a nonconformity anywhere, but opens no CAPA
    expect((await as('operator', 'POST', '/api/processes/capa/instances', { site: 'dublin', variables: capa })).status).to.equal(403);
  });

  it('gives every shipped process a start form that titles its records, and starters', async () => {
    for (const pack of shippedPacks) {
      const { spec } = await server.imsflow.checkDefinition(pack.bpmn.xml(), { trusted: true });
      const keys = spec!.startForm.filter((f) => f.type === 'text' && f.required).map((f) => f.key);
      const titled = (pack.titleFields ?? DEFAULT_TITLE_FIELDS).find((key) => keys.includes(key));
      expect(titled, `${pack.key}: a required text field of its start form titles its records`).to.not.equal(undefined);
      expect(spec!.starters, `${pack.key} names its starters`).to.be.an('array');
      expect(spec!.starters!.length > 0 || pack.key === 'training-acknowledgement', `${pack.key} has starters`).to.equal(true);
    }
  });

  it('refuses a definition whose start form or starters are wrong, naming the element', async () => {
    const xml = bpmn(
      'badstart',
      `<startEvent id="begin" name="Begin"><extensionElements><ims:form><ims:field key="when" label="When" type="moment" /><ims:field key="who" label="Who" type="text" ims:role="auditor" /></ims:form></extensionElements></startEvent>
       <sequenceFlow id="f1" sourceRef="begin" targetRef="done" /><endEvent id="done" />`,
      'ims:starters="staff, wizard"',
    );
    const reply = await fetch(`${server.url}/api/definitions`, { method: 'POST', headers: { 'content-type': 'application/xml', authorization: `Bearer ${tokens.operator}` }, body: xml });
    expect(reply.status).to.equal(422);
    const { problems } = (await reply.json()) as { problems: { element: string; message: string }[] };
    const of = (element: string) => problems.filter((p) => p.element === element).map((p) => p.message);
    expect(of('badstart').join('\n')).to.match(/“wizard”, which is no role of imsflow/);
    expect(of('begin').join('\n')).to.match(/form field “when” of unknown type “moment”/);
    expect(of('begin').join('\n')).to.match(/form field “who” is a text field and cannot ask for a role/);
  });
});
