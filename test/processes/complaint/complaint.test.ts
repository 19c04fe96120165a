import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import type { EmbeddedScheduler } from '../../../workers/runners/embedded/scheduler.js';
import { complaintEvent } from '../../../processes/complaint/event.js';
import { DAY } from '../../helpers.js';
import { callWithToken, type Reply } from '../../support/http.js';
import { userWithToken } from '../../support/operator.js';

/**
 * A complaint through the HTTP API on a fake clock: started from its start form, assessed by QA (a
 * serious injury on the US and EU markets: an EU MDR 15-day and an FDA MDR 30-day report, counted from
 * the awareness date), the first report's clock escalates to the steering committee before its deadline
 * (its timer armed before a restart fires after it), investigated with a cause category, a linked CAPA
 * raised, the customer answered, and closure signed by a quality manager who did not investigate. An
 * inbound `complaint.received` repeated starts exactly one complaint.
 */

const PASSWORD = 'correct horse battery staple';
const PEOPLE = [
  { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'], sites: ['dublin'] },
  // the investigator is a quality manager too: separation of duties keeps him from closing
  { id: 'qm-ian', name: 'Ian Investigator', roles: ['quality-manager'], sites: ['dublin'] },
  { id: 'sc-gus', name: 'Gus Steering', roles: ['steering-committee'], sites: ['dublin'] },
  { id: 'crm-dublin', name: 'CRM', roles: ['integration'], sites: ['dublin'] },
];

const day = (at: Date): string => at.toISOString().slice(0, 10);

describe('complaint: reportability clocks, investigation, CAPA, response and signed closure (HTTP, SQLite, fake clock, restart)', function () {
  let dir: string;
  let clock: FakeClock;
  let server: RunningServer;
  const tokens: Record<string, string> = {};
  const call = (user: string, method: string, path: string, body?: unknown): Promise<Reply> => callWithToken(server.url, tokens[user]!, method, path, body);
  const boot = async () => startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_SITES: 'dublin=en-IE Europe/Dublin' }), { clock, logger: pino({ level: 'silent' }) });
  const runDue = () => (server.scheduler as EmbeddedScheduler).runDue();
  const open = async (instanceId: string, elementId?: string) => (await server.imsflow.store.listTasks({ instanceId, limit: 1000 })).filter((t) => t.status === 'open' && (!elementId || t.elementId === elementId));
  const complete = (user: string, task: TaskRecord, data: Record<string, unknown>, signed = false) =>
    call(user, 'POST', `/api/tasks/${task.id}/complete`, { data, ...(signed && { signature: { email: `${user}@example.com`, password: PASSWORD } }) });

  let complaint: { id: string; businessKey: string };
  let aware: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-complaint-'));
    clock = new FakeClock(new Date());
    server = await boot();
    for (const person of PEOPLE) {
      tokens[person.id] = await userWithToken(server, person);
      await server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a quality manager records a complaint from its start form; an awareness date in the future is refused', async () => {
    aware = day(clock.now());
    const variables = {
      title: 'Infusion pump stopped without alarm',
      product: 'VolumeFlow 300 infusion pump',
      lot: 'VF3-2611-07',
      customer: 'St. Brigid Hospital, Dublin',
      description: 'The pump stopped delivering during a night infusion; no occlusion alarm sounded.',
      awarenessDate: aware,
      eventDetails: 'The patient needed an extra day in intensive care.',
    };
    const future = await call('qm-cara', 'POST', '/api/processes/complaint/instances', { variables: { ...variables, awarenessDate: day(new Date(clock.now().getTime() + 2 * DAY)) }, site: 'dublin' });
    expect(future.status).to.equal(400);
    expect(future.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['awarenessDate']);
    const started = await call('qm-cara', 'POST', '/api/processes/complaint/instances', { variables, site: 'dublin' });
    expect(started.status, started.text).to.equal(201);
    complaint = started.json;
    expect(complaint.businessKey).to.match(/^CMP-\d{4}-0001$/);
    expect((await open(complaint.id)).map((t) => t.elementId)).to.deep.equal(['assess']);
  });

  it('QA assesses a serious injury on the US and EU markets: the EU MDR 15-day report is due first, the FDA 30-day after it, counted from the awareness date', async () => {
    const [assess] = await open(complaint.id, 'assess');
    const assessed = await complete('qm-cara', assess!, { harm: 'serious-injury', malfunction: true, soldInUs: true, soldInEu: true, rationale: 'Missed alarm led to hospitalisation', investigator: 'qm-ian' });
    expect(assessed.status, assessed.text).to.equal(200);
    const record = await server.imsflow.getInstance(complaint.id);
    expect((record.output.reportability as { reports: { rule: string }[] }).reports.map((r) => r.rule)).to.deep.equal(['eu-mdr-15-day', 'fda-mdr-30-day']);
    const [report] = await open(complaint.id, 'fileReport');
    expect(report!.name).to.equal('File the report: EU MDR vigilance report within 15 days: serious incident (Art. 87(3))');
    expect(report!.dueAt).to.equal(`${day(new Date(Date.parse(`${aware}T12:00:00Z`) + 15 * DAY))}T23:59:59.999Z`);
    const [investigate] = await open(complaint.id, 'investigate');
    expect(investigate!.assignee).to.equal('qm-ian');
  });

  it('the first report\'s clock escalates to the steering committee five days before its deadline, after a restart', async () => {
    const [report] = await open(complaint.id, 'fileReport');
    const escalateAt = Date.parse(report!.dueAt!) - 5 * DAY;
    clock.set(new Date(escalateAt - 60_000));
    await runDue();
    expect(await open(complaint.id, 'escalate')).to.deep.equal([]);
    await server.close();
    server = await boot();
    clock.set(new Date(escalateAt + 60_000));
    await runDue();
    const [escalation] = await open(complaint.id, 'escalate');
    expect(escalation, 'the escalation after the restart').to.not.equal(undefined);
    expect(escalation!.candidateRole).to.equal('steering-committee');
    expect(escalation!.name).to.equal('Reporting deadline near: EU MDR vigilance report within 15 days: serious incident (Art. 87(3))');
    // the report itself is still open: escalation does not take it away
    expect((await open(complaint.id, 'fileReport')).map((t) => t.id)).to.deep.equal([report!.id]);
    expect((await complete('sc-gus', escalation!, { note: 'Regulatory affairs files tomorrow morning' })).status).to.equal(200);
  });

  it('reports are filed in deadline order; the investigation names a cause category and raises a linked CAPA; the customer is answered', async () => {
    const [eu] = await open(complaint.id, 'fileReport');
    expect((await complete('qm-cara', eu!, { reference: 'HPRA-2026-0412', filedOn: day(clock.now()) })).status).to.equal(200);
    const [fda] = await open(complaint.id, 'fileReport');
    expect(fda!.name).to.equal('File the report: FDA MDR 30-day report (21 CFR 803.50)');
    expect(fda!.dueAt).to.equal(`${day(new Date(Date.parse(`${aware}T12:00:00Z`) + 30 * DAY))}T23:59:59.999Z`);
    expect((await complete('qm-cara', fda!, { reference: 'MW5012345', filedOn: day(clock.now()) })).status).to.equal(200);

    expect(complaintEvent.classify(await server.imsflow.getInstance(complaint.id)), 'not classified before the investigation').to.equal(undefined);
    const [investigate] = await open(complaint.id, 'investigate');
    const found = await complete('qm-ian', investigate!, { findings: 'Alarm board from one supplier lot', rootCause: 'Solder joint on the alarm buzzer cracks', causeCategory: 'material', capaNeeded: true });
    expect(found.status, found.text).to.equal(200);
    const record = await server.imsflow.getInstance(complaint.id);
    const link = record.links!.find((l) => l.processKey === 'capa')!;
    expect(link).to.include({ rel: 'started', label: `CAPA from complaint ${complaint.businessKey}` });
    const capa = await server.imsflow.getInstance(link.instanceId);
    expect(capa.variables).to.include({ source: 'complaint', title: `Complaint ${complaint.businessKey}: Infusion pump stopped without alarm` });
    expect((await open(capa.id)).map((t) => t.elementId)).to.deep.equal(['triage']);
    expect(complaintEvent.classify(record)).to.deep.equal({
      source: 'complaint',
      site: 'dublin',
      product: 'VolumeFlow 300 infusion pump',
      lot: 'VF3-2611-07',
      process: 'complaint',
      causeCategory: 'material',
      occurredAt: aware,
    });

    const [respond] = await open(complaint.id, 'respond');
    expect((await complete('qm-cara', respond!, { response: 'Pump replaced; investigation and CAPA under way', respondedOn: day(clock.now()) })).status).to.equal(200);
    expect((await open(complaint.id)).map((t) => t.elementId)).to.deep.equal(['close']);
  });

  it('the closure is signed by a quality manager who did not investigate; the record completes with both reports filed', async () => {
    const [close] = await open(complaint.id, 'close');
    expect((await complete('qm-ian', close!, { summary: 'Done' }, true)).status, 'the investigator may not close').to.equal(403);
    expect((await complete('qm-cara', close!, { summary: 'Reported to HPRA and FDA, CAPA raised, customer answered' })).status, 'unsigned').to.be.within(400, 403);
    const signed = await complete('qm-cara', close!, { summary: 'Reported to HPRA and FDA, CAPA raised, customer answered' }, true);
    expect(signed.status, signed.text).to.equal(200);
    const record = await server.imsflow.getInstance(complaint.id);
    expect(record.status).to.equal('completed');
    expect((record.output.nextReport as { filed: { rule: string; reference: string; inTime: boolean }[] }).filed.map((f) => [f.rule, f.reference, f.inTime])).to.deep.equal([
      ['eu-mdr-15-day', 'HPRA-2026-0412', true],
      ['fda-mdr-30-day', 'MW5012345', true],
    ]);
    expect(record.signatures.map((s) => [s.userId, s.meaning, s.valid])).to.deep.equal([['qm-cara', 'approved', true]]);
    
    expect((await server.imsflow.verifyAuditTrail()).ok).to.equal(true);
  });

  it('an inbound complaint.received starts exactly one complaint for a repeated delivery; one without harm needs no report', async () => {
    const before = (await server.imsflow.store.listInstances({ key: 'complaint', limit: 1000 })).length;
    const event = {
      source: 'crm-dublin',
      eventId: 'CASE-88121',
      type: 'complaint.received',
      data: { title: 'Label smudged', product: 'VolumeFlow 300 infusion pump', lot: 'VF3-2611-09', customer: 'Mater Hospital', description: 'The lot number on the carton is hard to read.', awarenessDate: day(clock.now()) },
    };
    const first = await call('crm-dublin', 'POST', '/api/events', event);
    expect(first.status, first.text).to.equal(201);
    const again = await call('crm-dublin', 'POST', '/api/events', event);
    expect(again.status).to.equal(200);
    expect(again.json.created).to.equal(false);
    expect(again.json.instance.id).to.equal(first.json.instance.id);
    expect((await server.imsflow.store.listInstances({ key: 'complaint', limit: 1000 })).length).to.equal(before + 1);
    const bad = await call('crm-dublin', 'POST', '/api/events', { ...event, eventId: 'CASE-88122', data: { ...event.data, awarenessDate: 'yesterday' } });
    expect(bad.status).to.equal(400);
    expect(bad.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['data.awarenessDate']);

    const id = first.json.instance.id as string;
    const record = await server.imsflow.getInstance(id);
    expect(record).to.include({ site: 'dublin', startedBy: 'crm-dublin' });
    const [assess] = await open(id, 'assess');
    expect((await complete('qm-cara', assess!, { harm: 'none', rationale: 'Cosmetic: the lot is readable on the pump itself', investigator: 'qm-ian' })).status).to.equal(200);
    expect((await open(id)).map((t) => t.elementId)).to.deep.equal(['investigate']);
  });
});
