import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import type { UserRecord } from '../../engine/kernel/model.js';
import { ServiceRegistry } from '../../engine/kernel/services.js';
import { ehsIncidentEvent } from '../../processes/ehs-incident/pack.js';
import { registerEhsIncidentServices } from '../../processes/ehs-incident/services.js';
import { decide, OSHA_300, parseRuleSetConfig, RIDDOR, siteRuleSets } from '../../processes/ehs-incident/rules.js';
import { callWithToken, type Reply } from '../support/http.js';

/** A 1×1 PNG: what a phone's camera sends, as far as the content check cares. */
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

const PEOPLE: Pick<UserRecord, 'id' | 'name' | 'roles' | 'sites'>[] = [
  { id: 'po-pat', name: 'Pat Owner', roles: ['process-owner'], sites: ['dublin'] },
  { id: 'po-ines', name: 'Ines Investigator', roles: ['process-owner'], sites: ['dublin'] },
  { id: 'st-wren', name: 'Wren Worker', roles: ['staff'], sites: ['dublin'] },
  { id: 'int-mes', name: 'Safety app', roles: ['integration'], sites: ['dublin'] },
  { id: 'au-lena', name: 'Lena Roth', roles: ['auditor'], sites: ['dublin'] },
];

describe('EHS incidents and near misses: the public report page, the process end to end, recordability rules (HTTP, fake clock)', () => {
  let dir: string;
  let server: RunningServer;
  let clock: FakeClock;
  const tokens: Record<string, string> = {};
  const as = (who: string, method: string, path: string, body?: unknown): Promise<Reply> => callWithToken(server.url, tokens[who], method, path, body);

  /** Sends the public form as a phone would: multipart, no account, no CSRF token. */
  async function report(fields: Record<string, string>, photo?: { bytes: Buffer; type: string; name: string }, site = 'dublin'): Promise<Response> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    if (photo) form.append('photo', new Blob([new Uint8Array(photo.bytes)], { type: photo.type }), photo.name);
    return fetch(`${server.url}/report/${site}`, { method: 'POST', body: form, redirect: 'manual' });
  }
  const nearMiss = { kind: 'near-miss', title: 'Pallet nearly fell from rack 4', description: 'A pallet slid half off the top of rack 4 while a forklift passed.', area: 'warehouse', occurredOn: '2026-05-04' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-ehs-'));
    clock = new FakeClock('2026-05-04T07:00:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock, logger: pino({ level: 'silent' }) });
    for (const person of PEOPLE) {
      await server.imsflow.saveUser({ ...person, email: `${person.id}@example.com` }, 'test-setup');
      tokens[person.id] = (await server.accounts.createApiToken(person.id, 'ehs', 'test-setup', person.roles.includes('integration') ? 'integration' : 'full')).token;
    }
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes an anonymous near miss with a photo from /report/<site>: a receipt to quote, nothing about the record; the photo kept as its attachment', async () => {
    const page = await fetch(`${server.url}/report/dublin?area=warehouse`);
    expect(page.status).to.equal(200);
    const html = await page.text();
    expect(html).to.include('Report an incident or near miss at dublin');
    expect(html).to.match(/<input[^>]*type="file"[^>]*accept="image\/\*"[^>]*capture/);
    expect(html).to.match(/<option value="warehouse" selected/);
    expect(html, 'no signed-in navigation').to.not.include('/inbox');

    const sent = await report(nearMiss, { bytes: TINY_PNG, type: 'image/png', name: 'rack4.png' });
    expect(sent.status).to.equal(303);
    const receiptUrl = sent.headers.get('location')!;
    expect(receiptUrl).to.match(/^\/report\/dublin\/receipt\?ref=[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const reference = new URL(receiptUrl, server.url).searchParams.get('ref')!;
    const receipt = await (await fetch(`${server.url}${receiptUrl}`)).text();
    expect(receipt).to.include(reference);
    expect(receipt, 'no record number').to.not.match(/EHS-\d{4}/);
    expect(receipt, 'nothing of what was reported').to.not.include('rack 4');

    const [record] = await server.imsflow.queries.instances({ key: 'ehs-incident', limit: 10 });
    const full = await server.imsflow.getInstance(record!.id);
    expect(full).to.include({ site: 'dublin', startedBy: 'intake:dublin', status: 'running' });
    expect(full.variables).to.deep.include({ kind: 'near-miss', area: 'warehouse', intakeReceipt: reference });
    expect((full.variables.photo as { contentType: string }).contentType).to.equal('image/png');
    const sha = (full.variables.photo as { sha256: string }).sha256;
    expect(readFileSync(join(dir, 'attachments', sha)).equals(TINY_PNG)).to.equal(true);
    const audit = await server.imsflow.store.listAudit({ instanceId: full.id, limit: 100 });
    expect(audit.filter((e) => e.actor === 'intake:dublin').map((e) => e.action)).to.include.members(['instance.started', 'intake.received', 'attachment.uploaded']);
    expect(full.tasks.find((t) => t.status === 'open')).to.include({ elementId: 'triage' });
    // the audit trail names the actor in words: the site's anonymous intake
    const trail = await as('au-lena', 'GET', `/audit?record=${full.businessKey}`);
    expect(trail.status).to.equal(200);
    expect(trail.text).to.include('Anonymous report from site dublin');
    expect(trail.text).to.not.include('intake:dublin');
  });

  it('refuses a picture that is not one, a missing field, and an unknown site, in words, starting nothing', async () => {
    const before = (await server.imsflow.queries.instances({ key: 'ehs-incident', limit: 100 })).length;
    const fake = await report(nearMiss, { bytes: Buffer.from('<html><script>alert(1)</script></html>'), type: 'image/png', name: 'x.png' });
    expect(fake.status).to.equal(400);
    expect(await fake.text()).to.include('this is not a photo');
    const missing = await report({ ...nearMiss, title: '' });
    expect(missing.status).to.equal(400);
    expect(await missing.text()).to.match(/What happened, in a line: .*required/);
    expect((await fetch(`${server.url}/report/atlantis`)).status).to.equal(404);
    expect((await server.imsflow.queries.instances({ key: 'ehs-incident', limit: 100 })).length).to.equal(before);
  });

  it('refuses the 11th report in a minute from one address with 429 in words, and takes reports again a minute later', async () => {
    clock.advance(61_000);
    for (let n = 1; n <= 10; n += 1) expect((await report({ ...nearMiss, title: `Report ${n}` })).status, `report ${n}`).to.equal(303);
    const eleventh = await report({ ...nearMiss, title: 'Report 11' });
    expect(eleventh.status).to.equal(429);
    expect(await eleventh.text()).to.include('Too many reports were sent from this connection in the last minute');
    clock.advance(61_000);
    expect((await report({ ...nearMiss, title: 'Report 12' })).status).to.equal(303);
  });

  it('prints a QR code poster per area for signed-in staff only', async () => {
    expect((await fetch(`${server.url}/report/dublin/poster`, { redirect: 'manual' })).status).to.equal(303);
    const poster = await as('po-pat', 'GET', '/report/dublin/poster?area=warehouse');
    expect(poster.status).to.equal(200);
    expect(poster.text).to.include('Warehouse and loading bays');
    expect(poster.text).to.match(/<img src="data:image\/png;base64,[^"]+"/);
    expect(poster.text).to.include('/report/dublin?area=warehouse');
    const all = await as('po-pat', 'GET', '/report/dublin/poster');
    expect(all.text.match(/data:image\/png;base64/g)).to.have.length(6);
  });

  it('runs an incident end to end: triage, immediate actions, investigation with the worker representative, recordability by the rules, a linked CAPA', async () => {
    clock.advance(61_000);
    const started = await as('st-wren', 'POST', '/api/processes/ehs-incident/instances', {
      variables: { kind: 'incident', title: 'Hand cut on a guard', description: 'Cut on the unguarded edge of press 3.', area: 'production', occurredOn: '2026-05-04' },
    });
    expect(started.status, started.text).to.equal(201);
    const id = started.json.id as string;
    const open = async (elementId: string) => (await server.imsflow.getInstance(id)).tasks.find((t) => t.elementId === elementId && t.status === 'open')!;
    const complete = async (who: string, elementId: string, data: Record<string, unknown>) => {
      const task = await open(elementId);
      expect(task, elementId).to.not.equal(undefined);
      if (!task.assignee) expect((await as(who, 'POST', `/api/tasks/${task.id}/claim`)).status).to.equal(200);
      const reply = await as(who, 'POST', `/api/tasks/${task.id}/complete`, { data });
      expect(reply.status, `${elementId}: ${reply.text}`).to.equal(200);
    };
    await complete('po-pat', 'triage', { severity: 'medium', investigator: 'po-ines', workerRepresentative: 'st-wren' });
    await complete('po-pat', 'immediate', { actions: 'Press stopped, first aid given, edge taped.', madeSafe: true });
    // both investigation tasks are open at once: the worker representative takes part, not after the fact
    expect((await open('investigate')).assignee).to.equal('po-ines');
    expect((await open('workerView')).assignee).to.equal('st-wren');
    await complete('st-wren', 'workerView', { view: 'The guard was removed for cleaning and not refitted: the cleaning SOP does not say to.' });
    await complete('po-ines', 'investigate', {
      rootCause: 'Cleaning procedure lacks a guard refit step.',
      causeCategory: 'method',
      workRelated: true,
      outcome: 'days-away',
      daysAway: 9,
      capaNeeded: true,
    });
    const decideTask = await open('decide');
    expect(decideTask.name).to.equal('Decide on recordability: OSHA 300 recordable (days away from work); RIDDOR reportable (over 7 days unable to work), report by 2026-05-19');
    const rules = (await server.imsflow.getInstance(id)).output.recordability as { recordable: boolean };
    expect(rules.recordable).to.equal(true);
    await complete('po-pat', 'decide', { decision: 'as-rules' });

    const done = await server.imsflow.getInstance(id);
    expect(done.status).to.equal('completed');
    const capaLink = done.links?.find((link) => link.processKey === 'capa');
    expect(capaLink, 'a linked CAPA').to.not.equal(undefined);
    const capa = await server.imsflow.getInstance(capaLink!.instanceId);
    expect(capa.variables).to.deep.include({ source: 'incident', reference: done.businessKey });
    expect(ehsIncidentEvent.classify(done)).to.deep.equal({ source: 'incident', site: 'dublin', process: 'ehs-incident', clauses: ['45001:10.2'], causeCategory: 'method', occurredAt: '2026-05-04' });
  });

  it('starts a record from the inbound event incident.reported once per event id', async () => {
    const event = { source: 'safety-app', eventId: 'sa-77', type: 'incident.reported', data: { kind: 'near-miss', title: 'Spill by the door', description: 'Oil spill near door 2.', area: 'production', occurredOn: '2026-05-04' } };
    const first = await as('int-mes', 'POST', '/api/events', event);
    expect(first.status, first.text).to.equal(201);
    const again = await as('int-mes', 'POST', '/api/events', event);
    expect(again.status).to.equal(200);
    expect(again.json.event.instanceId).to.equal(first.json.event.instanceId);
    const record = await server.imsflow.getInstance(first.json.event.instanceId);
    expect(record.variables).to.deep.include({ kind: 'near-miss', raisedBy: { system: 'safety-app', eventId: 'sa-77', type: 'incident.reported' } });
    const bad = await as('int-mes', 'POST', '/api/events', { ...event, eventId: 'sa-78', data: { kind: 'near-miss' } });
    expect(bad.status).to.equal(400);
    expect(bad.json.fields.map((f: { field: string }) => f.field)).to.include('data.title');
    const invented = await as('int-mes', 'POST', '/api/events', { ...event, eventId: 'sa-79', data: { ...event.data, injuredName: 'J. Doe' } });
    expect(invented.status).to.equal(400);
    expect(invented.json.error).to.match(/unknown field\(s\) injuredName/);
  });
});

describe('EHS recordability rule sets (OSHA 300, RIDDOR)', () => {
  const facts = { kind: 'incident' as const, workRelated: true, outcome: 'first-aid' as const, daysAway: 0, lostConsciousness: false, specifiedInjury: false, publicToHospital: false, dangerousOccurrence: false };

  it('records first aid nowhere, medical treatment on the OSHA log only, over seven days under RIDDOR within 15 days', () => {
    expect(decide(OSHA_300, facts, '2026-05-04').applies).to.equal(false);
    expect(decide(OSHA_300, { ...facts, outcome: 'medical-treatment' }, '2026-05-04')).to.include({ applies: true });
    expect(decide(RIDDOR, { ...facts, outcome: 'medical-treatment' }, '2026-05-04').applies).to.equal(false);
    expect(decide(RIDDOR, { ...facts, outcome: 'days-away', daysAway: 7 }, '2026-05-04').applies, 'seven days is not over seven').to.equal(false);
    expect(decide(RIDDOR, { ...facts, outcome: 'days-away', daysAway: 8 }, '2026-05-04')).to.include({ applies: true, reportBy: '2026-05-19' });
  });

  it('counts a dangerous occurrence under RIDDOR without an injury, nothing that is not work-related', () => {
    expect(decide(RIDDOR, { ...facts, kind: 'near-miss', outcome: 'none', dangerousOccurrence: true }, '2026-05-04')).to.include({ applies: true, reportBy: '2026-05-14' });
    expect(decide(OSHA_300, { ...facts, workRelated: false, outcome: 'fatality' }, '2026-05-04').applies).to.equal(false);
  });

  it('applies the rule sets configured per site', () => {
    expect(siteRuleSets('dublin', 'dublin=riddor;*=osha300').map((r) => r.key)).to.deep.equal(['riddor']);
    expect(siteRuleSets('boston', 'dublin=riddor;*=osha300').map((r) => r.key)).to.deep.equal(['osha300']);
    expect(() => parseRuleSetConfig('dublin=unknown')).to.throw(/sets among osha300, riddor/);
  });

  it('refuses to start with a rule set setting naming an unknown set, naming the setting, rather than fail at the first incident', () => {
    const before = process.env.IMSFLOW_EHS_RULE_SETS;
    process.env.IMSFLOW_EHS_RULE_SETS = 'dublin=riddor;*=ohsas';
    try {
      expect(() => registerEhsIncidentServices(new ServiceRegistry())).to.throw(/IMSFLOW_EHS_RULE_SETS: "\*=ohsas" must be site=set\+set with sets among osha300, riddor/);
      process.env.IMSFLOW_EHS_RULE_SETS = 'dublin=riddor;*=osha300';
      expect(() => registerEhsIncidentServices(new ServiceRegistry())).not.to.throw();
    } finally {
      if (before === undefined) delete process.env.IMSFLOW_EHS_RULE_SETS;
      else process.env.IMSFLOW_EHS_RULE_SETS = before;
    }
  });
});
