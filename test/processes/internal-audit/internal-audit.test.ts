import { expect } from 'chai';
import { parseBpmnXml } from '../../../engine/kernel/bpmn/parse.js';
import { validateDefinition } from '../../../engine/kernel/bpmn/validate.js';
import { registerImsServices } from '../../../processes/index.js';
import { collectFindings, expandCriteria, readProgramme } from '../../../processes/internal-audit/services.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import { shippedCatalogue } from '../../../processes/index.js';
import { DAY, shipped } from '../../helpers.js';
import { processHarness, type ProcessHarness, type Reply } from '../../support/process-harness.js';

/**
 * The shipped internal audit (processes/internal-audit/internal-audit.bpmn) and audit programme
 * (processes/audit-programme/audit-programme.bpmn), driven through the HTTP API of a listening server only, on a fake
 * clock: every path of both diagrams, each task completed by whoever holds it with their own API token,
 * signatures given with the signer's password, linked records (audits of a programme, CAPAs of an audit)
 * checked on both sides.
 */

const START = '2026-05-04T07:00:00Z';
const PASSWORDS = { quinn: 'review-signing-pass-5521', lena: 'report-signing-pass-8830', stella: 'programme-sign-pass-2290' };

const PLAN = {
  area: 'Production: sterile filling line 2',
  auditee: 'dan',
  scope: 'Filling line 2, all shifts, batches of April 2026.',
  leadAuditor: 'lena',
  auditDate: '2026-05-12',
  method: 'on-site',
};
const REPORT = { summary: 'Filling line 2 audited over two days.', conclusion: 'conforms-with-findings', strengths: 'Batch records complete and legible.' };

describe('internal audit and audit programme (shipped processes, through the HTTP API)', () => {
  let h: ProcessHarness;
  const call = (method: string, path: string, body: unknown, as: string): Promise<Reply> => h.call(method, path, body, as);
  const openTasks = (instanceId: string): Promise<TaskRecord[]> => h.openTasks(instanceId);
  const theTask = (instanceId: string, elementId: string): Promise<TaskRecord> => h.theTask(instanceId, elementId);
  const record = (instanceId: string): Promise<any> => h.record(instanceId);
  const byIndex = (tasks: TaskRecord[]) => [...tasks].sort((a, b) => a.iteration!.index - b.iteration!.index);
  const fieldsOf = (reply: Reply) => reply.json.fields.map((f: { field: string }) => f.field);

  /** An audit started by hand (unplanned) at Dublin, by the quality manager. */
  async function startAudit(): Promise<{ id: string; businessKey: string }> {
    const started = await h.start('internal-audit', 'quinn', { site: 'dublin', variables: { area: 'Goods receipt', leadAuditor: 'lena' } });
    expect(started.businessKey).to.match(/^AUD-2026-\d{4}$/);
    return started;
  }

  /** Started and planned (lead lena, team tom unless told), through the independence check to the checklist. */
  async function plannedAudit(plan: Record<string, unknown>): Promise<{ id: string; businessKey: string }> {
    const started = await startAudit();
    await h.complete(await theTask(started.id, 'plan'), 'lena', { ...PLAN, ...plan });
    return started;
  }

  before(async () => {
    h = await processHarness({
      start: START,
      overseer: 'quinn',
      prefix: 'audit',
      people: [
        { id: 'quinn', name: 'Quinn Quality', roles: ['quality-manager'], sites: ['dublin', 'basel'], password: PASSWORDS.quinn },
        { id: 'lena', name: 'Lena Lead', roles: ['auditor'], sites: ['dublin', 'basel'], managerId: 'quinn', password: PASSWORDS.lena },
        { id: 'tom', name: 'Tom Turner', roles: ['auditor'], sites: ['dublin'], managerId: 'quinn' },
        { id: 'dan', name: 'Dan Dock', roles: ['process-owner'], sites: ['dublin'], managerId: 'stella' },
        { id: 'ria', name: 'Ria Rivera', roles: ['auditor', 'staff'], sites: ['dublin'], managerId: 'dan' },
        { id: 'uma', name: 'Uma Ueda', roles: ['auditor', 'staff'], sites: ['dublin'], managerId: 'ria' },
        { id: 'stella', name: 'Stella Steering', roles: ['steering-committee'], sites: ['dublin', 'basel'], password: PASSWORDS.stella },
        { id: 'pat', name: 'Pat Owner', roles: ['process-owner'], sites: ['dublin', 'basel'] },
        { id: 'sam', name: 'Sam Staff', roles: ['staff'], sites: ['dublin', 'basel'] },
        { id: 'dora', name: 'Dora Departed', roles: ['auditor'], sites: ['dublin', 'basel'] },
      ],
    });
  });
  after(async () => {
    await h?.close();
  });
  beforeEach(() => h.reset());

  it('both processes are deployed at server start and pass the same validation as an upload', async () => {
    const definitions = await call('GET', '/api/definitions', undefined, 'quinn');
    expect(definitions.status).to.equal(200);
    const find = (key: string) => definitions.json.items.find((d: { key: string }) => d.key === key);
    expect(find('internal-audit')).to.include({ key: 'internal-audit', version: 1, name: 'Internal audit', businessKeyPrefix: 'AUD', ownerRole: 'quality-manager' });
    expect(find('audit-programme')).to.include({ key: 'audit-programme', version: 1, name: 'Internal audit programme', businessKeyPrefix: 'AP', ownerRole: 'quality-manager' });

    const expected = {
      'internal-audit.bpmn': {
        key: 'internal-audit',
        services: { independence: 'audit-independence', checklist: 'audit-checklist', findings: 'audit-findings', raiseCapas: 'audit-raise-capas' },
        tasks: ['plan', 'conduct', 'report', 'reviewReport', 'followUp', 'followUpAgain'],
        signatures: { report: 'authored', reviewReport: 'reviewed', followUp: 'verified', followUpAgain: 'verified' },
        elements: 45,
      },
      'audit-programme.bpmn': {
        key: 'audit-programme',
        services: { checkProgramme: 'audit-programme-check', scheduleAudits: 'audit-programme' },
        tasks: ['planProgramme', 'approveProgramme'],
        signatures: { approveProgramme: 'approved' },
        elements: 16,
      },
    };
    for (const [file, want] of Object.entries(expected)) {
      const xml = shipped(file);
      const upload = await h.upload(xml);
      expect(upload.status, upload.text).to.equal(200);
      expect(upload.json).to.include({ key: want.key, version: 1 });

      const { spec, problems } = validateDefinition(await parseBpmnXml(xml), { services: registerImsServices({ catalogue: shippedCatalogue() }).names() });
      expect(problems, file).to.deep.equal([]);
      expect(Object.fromEntries(spec!.serviceTasks)).to.deep.equal(want.services);
      expect([...spec!.userTasks.keys()]).to.deep.equal(want.tasks);
      for (const task of spec!.userTasks.values()) {
        expect(task.candidateRole ?? task.assignee, `${task.elementId} has a role or an assignee`).to.be.a('string');
        expect(task.due, `${task.elementId} has a due date`).to.be.a('string');
        expect(task.remindBefore, `${task.elementId} has a reminder`).to.be.a('string');
        expect(task.remindEvery, `${task.elementId} reminds when overdue`).to.be.a('string');
        expect(task.escalations.length, `${task.elementId} escalates`).to.be.greaterThan(0);
      }
      expect(Object.fromEntries([...spec!.userTasks.values()].filter((t) => t.signature).map((t) => [t.elementId, t.signature]))).to.deep.equal(want.signatures);
      // Every flow element has a shape or an edge in the diagram, so it opens in bpmn-js.
      const ids = [...xml.matchAll(/<bpmn:(?:startEvent|endEvent|userTask|serviceTask|exclusiveGateway|intermediateCatchEvent|sequenceFlow) id="([^"]+)"/g)].map((m) => m[1]);
      const drawn = new Set([...xml.matchAll(/bpmnElement="([^"]+)"/g)].map((m) => m[1]));
      expect(ids.length, file).to.equal(want.elements);
      expect(ids.filter((id) => !drawn.has(id))).to.deep.equal([]);
    }
  });

  it('the checklist covers every chosen clause, with its sub-clauses and each standard\'s additions', () => {
    const ids = (criteria: string[]) => expandCriteria(shippedCatalogue(), criteria).map((r) => r.id);
    expect(ids(['9.2', '9001:8.4', '7.5'])).to.deep.equal(['7.5.1', '7.5.2', '7.5.3', '9001:8.4', '9.2', '14001:9.2.2']);
    expect(ids(['6.1'])).to.deep.equal(['6.1', '14001:6.1.2', '45001:6.1.2', '14001:6.1.3', '45001:6.1.3', '14001:6.1.4']);
    expect(ids(['10'])).to.deep.equal(['10.1', '10.2', '45001:10.2', '10.3']);
    expect(ids(['9001:8.5', '9001:8.5.3'])).to.deep.equal(['9001:8.5.1', '9001:8.5.2', '9001:8.5.3', '9001:8.5.4', '9001:8.5.5', '9001:8.5.6']);
  });

  it('a programme on paper: complete rows only, dates within its year, at least one audit', () => {
    expect(readProgramme({ year: 2027 }).problems).to.deep.equal(['the programme plans no audit']);
    const read = readProgramme({ year: 2027, audit1Area: 'Warehouse', audit1Date: '2026-12-20', audit1Lead: 'lena', audit4Site: 'basel', audit5Area: 'Labs', audit5Date: '2027-06-01', audit5Lead: 'tom' });
    expect(read.rows.map((r) => r.row)).to.deep.equal([1, 5]);
    expect(read.problems).to.deep.equal([
      'audit 1 (Warehouse) is planned for 2026-12-20, outside the programme year 2027',
      'audit 4 is missing the area, the date and the lead auditor: give every planned audit its area, date and lead auditor, or clear the row',
    ]);
  });

  it('refuses criteria that are not in the clause catalogue, naming the field', async () => {
    const { id } = await startAudit();
    const plan = await theTask(id, 'plan');
    const bad = await call('POST', `/api/tasks/${plan.id}/complete`, { data: { ...PLAN, criteria: ['9001:8.4', '99.9'] } }, 'lena');
    expect(bad.status).to.equal(400);
    expect(fieldsOf(bad)).to.deep.equal(['criteria']);
    expect(bad.json.fields[0].message).to.match(/99\.9/);
    const missing = await call('POST', `/api/tasks/${plan.id}/complete`, { data: { ...PLAN, auditee: undefined } }, 'lena');
    expect(missing.status).to.equal(400);
    expect(fieldsOf(missing).sort()).to.deep.equal(['auditee', 'criteria']);
    // nothing moved: the plan is still open
    expect((await theTask(id, 'plan')).id).to.equal(plan.id);
    await call('POST', `/api/instances/${id}/cancel`, { reason: 'test over' }, 'quinn');
  });

  it('an audit without findings is signed and reviewed, with no CAPA and no follow-up', async () => {
    const { id } = await startAudit();
    const plan = await theTask(id, 'plan');
    // unplanned: planned at once, by the lead auditor named on the start form; the name has no reason to plan again
    expect(plan).to.include({ name: 'Plan the audit', candidateRole: 'auditor', assignee: 'lena', dueAt: '2026-05-18T07:00:00.000Z' });
    await h.complete(plan, 'lena', { ...PLAN, criteria: ['9001:8.5.1', '9001:8.5.2'] });

    const checklist = byIndex(await openTasks(id));
    expect(checklist.map((t) => [t.elementId, t.name, t.assignee, t.dueAt])).to.deep.equal([
      ['conduct', 'Audit 8.5.1 Control of production and service provision', 'lena', '2026-05-19T23:59:59.999Z'],
      ['conduct', 'Audit 8.5.2 Identification and traceability', 'lena', '2026-05-19T23:59:59.999Z'],
    ]);
    expect(checklist[0].iteration!.item).to.deep.include({ clause: '9001:8.5.1', number: '8.5.1', standards: ['9001'], auditor: 'lena' });
    for (const task of checklist) await h.complete(task, 'lena', { result: 'conforms', evidence: `Batch records of April seen for ${task.iteration!.index}.` });

    const report = await theTask(id, 'report');
    expect(report).to.include({ assignee: 'lena', signature: 'authored' });
    await h.completeAsHolder(report, { ...REPORT, conclusion: 'conforms' });
    const review = await theTask(id, 'reviewReport');
    expect(review).to.include({ candidateRole: 'quality-manager', signature: 'reviewed' });
    const done = await h.completeAsHolder(review, { decision: 'accept' }, 'quinn');
    expect(done.json.instanceStatus).to.equal('completed');

    const closed = await record(id);
    expect(closed.status).to.equal('completed');
    expect(closed.output.independence).to.deep.include({ independent: true, problems: [], team: ['lena'] });
    expect(closed.output.findings).to.deep.equal({ findings: [], counts: { conforms: 2, major: 0, minor: 0, observation: 0, ofi: 0, na: 0 }, nonconformities: 0 });
    expect(closed.output.raiseCapas).to.deep.equal({ raised: 0, capas: [] });
    expect(closed.links ?? []).to.deep.equal([]);
    expect(h.completedInOrder(closed)).to.deep.equal(['plan', 'conduct', 'conduct', 'report', 'reviewReport']);
    expect(closed.signatures.map((s: any) => [s.meaning, s.userId, s.valid])).to.deep.equal([
      ['authored', 'lena', true],
      ['reviewed', 'quinn', true],
    ]);
    expect(closed.signatures[0].manifestation.text).to.equal('Authored by Lena Lead on 2026-05-04 07:00:00 UTC');
    expect(closed.history.map((e: { action: string }) => e.action)).to.include.members(['task.signed', 'instance.completed']);
  });

  it('an audit with findings raises a linked CAPA per nonconformity, verified at the second follow-up', async () => {
    const { id, businessKey } = await plannedAudit({ auditor2: 'tom', criteria: ['9.2', '9001:8.4', '7.5'], auditDate: '2026-05-20' });

    // six clauses, shared lena, tom, lena, … in clause order; due a week after the audit date
    const checklist = byIndex(await openTasks(id));
    expect(checklist.map((t) => [t.iteration!.item && (t.iteration!.item as any).clause, t.assignee])).to.deep.equal([
      ['7.5.1', 'lena'],
      ['7.5.2', 'tom'],
      ['7.5.3', 'lena'],
      ['9001:8.4', 'tom'],
      ['9.2', 'lena'],
      ['14001:9.2.2', 'tom'],
    ]);
    expect(checklist[3].name).to.equal('Audit 8.4 Control of externally provided processes, products and services');
    expect(new Set(checklist.map((t) => t.dueAt))).to.deep.equal(new Set(['2026-05-27T23:59:59.999Z']));
    // a clause is audited only by whoever it is assigned to
    expect((await call('POST', `/api/tasks/${checklist[1].id}/complete`, { data: { result: 'conforms', evidence: 'x' } }, 'lena')).status).to.equal(403);
    const results = [
      { result: 'conforms', evidence: 'Procedure QP-7.5 current, index complete.' },
      { result: 'observation', evidence: 'Two obsolete copies in the line 2 office.', finding: 'Obsolete copies of SOP-114 kept at the point of use, marked obsolete.' },
      { result: 'minor', evidence: 'Change record CR-220 without approval date.', finding: 'Change record CR-220 closed without an approval date.' },
      { result: 'major', evidence: 'Supplier list: 4 of 12 suppliers without a re-evaluation since 2023.', finding: 'Supplier re-evaluation not performed as required by the supplier procedure.' },
      { result: 'ofi', evidence: 'Audit reports filed by hand.', finding: 'The audit programme could use the previous results more visibly.' },
      { result: 'na', evidence: 'Environmental programme audited separately in September.' },
    ];
    // a graded finding needs its statement: the form says so, naming the field
    const noFinding = await call('POST', `/api/tasks/${checklist[2].id}/complete`, { data: { result: 'minor', evidence: 'x' } }, 'lena');
    expect(noFinding.status).to.equal(400);
    expect(noFinding.json.fields).to.deep.equal([{ field: 'finding', message: 'Finding statement (requirement, what was found, where) is required when Result is Minor nonconformity' }]);
    for (const [i, task] of checklist.entries()) await h.complete(task, task.assignee!, results[i]);

    const findings = (await record(id)).output.findings;
    expect(findings.counts).to.deep.equal({ conforms: 1, major: 1, minor: 1, observation: 1, ofi: 1, na: 1 });
    expect(findings.nonconformities).to.equal(2);
    expect(findings.findings).to.deep.equal([
      { n: 1, clause: '7.5.2', number: '7.5.2', title: 'Creating and updating', grade: 'observation', statement: results[1].finding, auditor: 'tom' },
      { n: 2, clause: '7.5.3', number: '7.5.3', title: 'Control of documented information', grade: 'minor', statement: results[2].finding, auditor: 'lena' },
      { n: 3, clause: '9001:8.4', number: '8.4', title: 'Control of externally provided processes, products and services', grade: 'major', statement: results[3].finding, auditor: 'tom' },
      { n: 4, clause: '9.2', number: '9.2', title: 'Internal audit', grade: 'ofi', statement: results[4].finding, auditor: 'lena' },
    ]);

    // the report, returned once by the reviewer, revised and accepted
    const nextDay = () => h.clock.set(new Date(h.clock.now().getTime() + DAY));
    nextDay();
    await h.completeAsHolder(await theTask(id, 'report'), REPORT);
    nextDay();
    await h.completeAsHolder(await theTask(id, 'reviewReport'), { decision: 'return', comments: 'Name the suppliers concerned in the summary.' }, 'quinn');
    const revised = await theTask(id, 'report');
    expect(revised).to.include({ assignee: 'lena', signature: 'authored' });
    expect((await record(id)).links ?? []).to.deep.equal([]); // no CAPA before the report is accepted
    nextDay();
    await h.completeAsHolder(revised, { ...REPORT, summary: 'Filling line 2 audited; suppliers A, B, C, D not re-evaluated.' });
    nextDay();
    await h.completeAsHolder(await theTask(id, 'reviewReport'), { decision: 'accept' }, 'quinn');

    // exactly two linked CAPAs, one per nonconformity, waiting at triage
    const audit = await record(id);
    expect(audit.output.raiseCapas.raised).to.equal(2);
    expect(audit.links.map((l: any) => [l.rel, l.processKey, l.elementId, l.label])).to.deep.equal([
      ['started', 'capa', 'raiseCapas', 'Finding 2 (minor nonconformity) against 7.5.3'],
      ['started', 'capa', 'raiseCapas', 'Finding 3 (major nonconformity) against 8.4'],
    ]);
    const major = await record(audit.links[1].instanceId);
    expect(major).to.include({ key: 'capa', status: 'running', site: 'dublin' });
    expect(major.businessKey).to.match(/^CAPA-2026-\d{4}$/);
    expect(major.variables).to.deep.include({
      source: 'audit-finding',
      title: `${businessKey} finding 3: 8.4 Control of externally provided processes, products and services`,
      reference: `${businessKey} finding 3`,
      clause: '9001:8.4',
      grade: 'major',
      auditee: 'dan',
    });
    expect(major.variables.description).to.equal(`${results[3].finding}\n\nEvidence: ${results[3].evidence}`);
    expect(major.links.map((l: any) => [l.rel, l.instanceId, l.businessKey, l.label])).to.deep.equal([['origin', id, businessKey, 'Finding 3 (major nonconformity) against 8.4']]);
    expect((await theTask(major.id, 'triage')).candidateRole).to.equal('quality-manager');
    const minor = await record(audit.links[0].instanceId);
    expect(minor.variables).to.deep.include({ clause: '7.5.3', grade: 'minor', description: 'Change record CR-220 closed without an approval date.\n\nEvidence: Change record CR-220 without approval date.' });
    expect(minor.links[0]).to.include({ rel: 'origin', instanceId: id });

    // follow-up: not yet verified at 90 days, verified at the second check 30 days on
    const followUp = await theTask(id, 'followUp');
    expect(followUp).to.include({ assignee: 'lena', signature: 'verified', name: 'Verify the corrective actions', dueAt: '2026-08-06T07:00:00.000Z' });
    h.clock.set(new Date('2026-08-01T07:00:00Z'));
    await h.completeAsHolder(followUp, { verified: 'no', evidence: 'CAPA for finding 3 still in root cause analysis.' });
    const again = await theTask(id, 'followUpAgain');
    expect(again).to.include({ assignee: 'lena', signature: 'verified', dueAt: '2026-08-31T07:00:00.000Z' });
    const closedReply = await h.completeAsHolder(again, { verified: 'yes', evidence: 'Both CAPAs implemented; supplier re-evaluations on file.' });
    expect(closedReply.json.instanceStatus).to.equal('completed');

    const closed = await record(id);
    expect(h.completedInOrder(closed)).to.deep.equal(['plan', ...Array(6).fill('conduct'), 'report', 'reviewReport', 'report', 'reviewReport', 'followUp', 'followUpAgain']);
    expect(closed.signatures.map((s: any) => [s.meaning, s.userId, s.valid])).to.deep.equal([
      ['authored', 'lena', true],
      ['reviewed', 'quinn', true],
      ['authored', 'lena', true],
      ['reviewed', 'quinn', true],
      ['verified', 'lena', true],
      ['verified', 'lena', true],
    ]);
    expect(closed.history.filter((e: { action: string }) => e.action === 'instance.linked').map((e: { reason: string }) => e.reason)).to.deep.equal([
      'Finding 2 (minor nonconformity) against 7.5.3',
      'Finding 3 (major nonconformity) against 8.4',
    ]);
  });

  it('a lead auditor who is or reports to the auditee sends the plan back', async () => {
    const { id } = await startAudit();
    const first = await theTask(id, 'plan');
    await h.complete(first, 'lena', { ...PLAN, auditee: 'lena', criteria: ['9001:8.4'] });
    const second = await theTask(id, 'plan');
    expect(second.id).to.not.equal(first.id);
    expect(second.name).to.equal('Plan the audit again: Lena Lead (lead auditor) is the auditee: nobody audits their own area');

    // "ghost" is nobody: refused when the plan is sent, the plan staying open
    expect(await h.refused(second, 'lena', { ...PLAN, leadAuditor: 'ria', auditor2: 'uma', auditor3: 'ghost', criteria: ['9001:8.4'] })).to.deep.equal([
      'auditor3: Auditor: nobody in the directory has the user id or email “ghost”',
    ]);
    // Ria reports to Dan; Uma reports to Ria (so to Dan, through her)
    await h.complete(second, 'lena', { ...PLAN, leadAuditor: 'ria', auditor2: 'uma', criteria: ['9001:8.4'] });
    const third = await theTask(id, 'plan');
    expect(third.name).to.equal('Plan the audit again: Ria Rivera (lead auditor) reports to the auditee Dan Dock; Uma Ueda (auditor) reports to the auditee Dan Dock (through Ria Rivera)');
    let audit = await record(id);
    expect(audit.output.independence).to.deep.include({ independent: false, team: ['ria', 'uma'] });
    expect(audit.output.independence.problems).to.have.length(2);
    // the audit trail shows why each plan came back: the re-opened tasks' names
    const created = audit.history.filter((e: any) => e.action === 'task.created').map((e: any) => e.new.name);
    expect(created).to.deep.equal(['Plan the audit', second.name, third.name]);

    await h.complete(third, 'lena', { ...PLAN, auditor2: 'tom', criteria: ['9001:8.4', '9001:8.6'] });
    audit = await record(id);
    expect(audit.output.independence).to.deep.include({ independent: true, problems: [], team: ['lena', 'tom'] });
    expect(byIndex(await openTasks(id)).map((t) => [t.name, t.assignee])).to.deep.equal([
      ['Audit 8.4 Control of externally provided processes, products and services', 'lena'],
      ['Audit 8.6 Release of products and services', 'tom'],
    ]);
    expect(h.completedInOrder(audit)).to.deep.equal(['plan', 'plan', 'plan']);
    await call('POST', `/api/instances/${id}/cancel`, { reason: 'test over' }, 'quinn');
  });

  it('a lead auditor and auditors must be active auditors of the audit\'s site: anyone else is refused when the plan is sent', async () => {
    await h.server.imsflow.saveUser({ id: 'dora', email: 'dora@example.com', name: 'Dora Departed', roles: ['auditor'], sites: ['dublin', 'basel'], active: false }, 'quinn');
    const { id } = await startAudit();
    const plan = await theTask(id, 'plan');
    expect(await h.refused(plan, 'lena', { ...PLAN, leadAuditor: 'sam', auditor2: 'dora', auditor3: 'dan', criteria: ['9001:8.4'] })).to.deep.equal([
      'leadAuditor: Lead auditor: Sam Staff is not an auditor at dublin',
      'auditor2: Auditor: Dora Departed is no longer active',
      'auditor3: Auditor: Dan Dock is not an auditor at dublin',
    ]);
    // an email address names the person too; the record keeps the user id the later steps are assigned to
    await h.complete(plan, 'lena', { ...PLAN, leadAuditor: 'LENA@example.com', auditor2: 'tom', criteria: ['9001:8.4'] });
    expect((await record(id)).output.plan).to.deep.include({ leadAuditor: 'lena', auditor2: 'tom' });
    await call('POST', `/api/instances/${id}/cancel`, { reason: 'test over' }, 'quinn');
  });

  it('the auditee\'s own managers answer for the area and may not audit it', async () => {
    const { id } = await startAudit();
    // Uma is audited; Ria, an auditor, is her manager
    await h.complete(await theTask(id, 'plan'), 'lena', { ...PLAN, auditee: 'uma', auditor2: 'ria', criteria: ['9001:8.4'] });
    const again = await theTask(id, 'plan');
    expect(again.name).to.equal('Plan the audit again: Ria Rivera (auditor) is the manager of the auditee Uma Ueda and answers for the area');
    await call('POST', `/api/instances/${id}/cancel`, { reason: 'test over' }, 'quinn');
  });

  it('checklist tasks remind before their due date, then escalate up the management chain', async () => {
    const { id } = await plannedAudit({ auditor2: 'tom', criteria: ['9001:8.4', '9001:8.6'], auditDate: '2026-05-04' });
    const tomTask = (await openTasks(id)).find((t) => t.assignee === 'tom')!;
    expect(tomTask.dueAt).to.equal('2026-05-11T23:59:59.999Z');
    const at = async (iso: string) => {
      h.clock.set(new Date(iso));
      await h.advance(0);
    };
    await h.advance(0);
    await at('2026-05-09T23:59:59.999Z'); // two days before the due date
    await at('2026-05-11T23:59:59.999Z'); // due
    await at('2026-05-13T23:59:59.999Z'); // overdue, reminded every two days
    await at('2026-05-14T23:59:59.999Z'); // first escalation, P3D after the due date
    let task = (await call('GET', `/api/tasks/${tomTask.id}`, undefined, 'quinn')).json as TaskRecord;
    expect(task.escalationLevel).to.equal(1);
    await at('2026-05-18T23:59:59.999Z');
    await at('2026-05-25T23:59:59.999Z');
    task = (await call('GET', `/api/tasks/${tomTask.id}`, undefined, 'quinn')).json as TaskRecord;
    expect(task.escalationLevel).to.equal(3);
    const kinds = (task.notifications ?? []).map((n) => n.kind);
    expect(kinds).to.include.members(['assigned', 'reminder', 'due', 'overdue', 'escalation']);
    expect((task.notifications ?? []).find((n) => n.kind === 'reminder')).to.deep.include({ at: '2026-05-09T23:59:59.999Z', to: ['tom'] });
    expect((task.notifications ?? []).filter((n) => n.kind === 'escalation').map((n) => [n.level, n.at, n.to])).to.deep.equal([
      [1, '2026-05-14T23:59:59.999Z', ['quinn']], // Tom's manager
      [2, '2026-05-18T23:59:59.999Z', ['quinn']], // the quality managers
      [3, '2026-05-25T23:59:59.999Z', ['stella']], // the steering committee
    ]);
    // each notice is an email in the outbox (held: no mail server), to the people named
    const outbox = await call('GET', `/api/outbox?task=${tomTask.id}`, undefined, 'operator');
    expect(outbox.json.items.map((m: { to: string }) => m.to)).to.include.members(['tom@example.com', 'quinn@example.com', 'stella@example.com']);
    await call('POST', `/api/instances/${id}/cancel`, { reason: 'test over' }, 'quinn');
  });

  it('the audit programme starts on schedule, is approved, and opens its audits on their dates', async () => {
    // started yearly by a schedule, on 1 December at 06:00 UTC; a programme for every site is scheduled by
    // an administrator (a process owner bound to sites schedules for their sites only)
    expect((await call('PUT', '/api/schedules/audit-programme', { processKey: 'audit-programme', cron: '0 6 1 12 *', timezone: 'UTC' }, 'pat')).status).to.equal(400);
    const schedule = await call('PUT', '/api/schedules/audit-programme', { processKey: 'audit-programme', cron: '0 6 1 12 *', timezone: 'UTC' }, 'operator');
    expect(schedule.status, schedule.text).to.equal(200);
    h.clock.set(new Date('2026-12-01T05:59:00Z'));
    await h.advance(60_000);
    const programmes = await call('GET', '/api/instances?key=audit-programme', undefined, 'quinn');
    expect(programmes.json.items.map((i: any) => [i.startedBy, i.variables.scheduledFor])).to.deep.equal([['schedule:audit-programme', '2026-12-01T06:00:00.000Z']]);
    const programme = programmes.json.items[0];
    expect(programme.businessKey).to.equal('AP-2026-0001');
    await call('DELETE', '/api/schedules/audit-programme', undefined, 'operator');

    const plan = await theTask(programme.id, 'planProgramme');
    expect(plan).to.include({ name: 'Plan the audit programme', candidateRole: 'quality-manager', dueAt: '2026-12-31T06:00:00.000Z' });
    const rows = {
      year: 2027,
      criteriaNote: 'Sterile filling first (highest risk, two complaints in 2026); suppliers after the 2026 major finding.',
      audit1Area: 'Warehouse and distribution',
      audit1Site: 'dublin',
      audit1Date: '2027-02-15',
      audit1Lead: 'lena',
      audit2Area: 'Implant machining',
      audit2Site: 'basel',
      audit2Date: '2027-03-10',
      audit2Lead: 'tom',
    };
    // row 3 half-filled, and Tom cannot lead an audit at Basel (he does not belong to it): refused as sent
    expect(await h.refused(plan, 'quinn', { ...rows, audit3Area: 'Maintenance', audit3Date: '2027-04-01' })).to.deep.equal([
      'audit3Lead: Audit 3: lead auditor is required when Audit 3: process or area is filled in',
      'audit2Lead: Audit 2: lead auditor: Tom Turner does not work at basel',
    ]);
    // what the form cannot tell (a date outside the programme year) the programme check sends back
    await h.complete(plan, 'quinn', { ...rows, audit2Lead: 'lena', audit2Date: '2028-03-10' });
    const again = await theTask(programme.id, 'planProgramme');
    expect(again.name).to.equal('Plan the audit programme again: audit 2 (Implant machining) is planned for 2028-03-10, outside the programme year 2027');
    expect((await record(programme.id)).output.checkProgramme).to.deep.include({ complete: false, planned: 2 });

    await h.complete(again, 'quinn', { ...rows, audit2Lead: 'lena' });
    const approve = await theTask(programme.id, 'approveProgramme');
    expect(approve).to.include({ candidateRole: 'steering-committee', signature: 'approved' });
    const approved = await h.completeAsHolder(approve, { comments: 'Approved; auditor time budgeted.' }, 'stella');
    expect(approved.json.instanceStatus).to.equal('completed');

    const done = await record(programme.id);
    expect(done.signatures.map((s: any) => [s.meaning, s.userId, s.valid])).to.deep.equal([['approved', 'stella', true]]);
    expect(done.output.scheduleAudits).to.deep.equal({
      audits: [
        { row: 1, area: 'Warehouse and distribution', site: 'dublin', plannedFor: '2027-02-15', leadAuditor: 'lena' },
        { row: 2, area: 'Implant machining', site: 'basel', plannedFor: '2027-03-10', leadAuditor: 'lena' },
      ],
      count: 2,
    });
    expect(done.links.map((l: any) => [l.rel, l.processKey, l.label])).to.deep.equal([
      ['started', 'internal-audit', 'Audit 1 of the 2027 programme: Warehouse and distribution (2027-02-15)'],
      ['started', 'internal-audit', 'Audit 2 of the 2027 programme: Implant machining (2027-03-10)'],
    ]);
    const [warehouse, machining] = await Promise.all(done.links.map((l: any) => record(l.instanceId)));
    for (const [audit, site, plannedFor] of [[warehouse, 'dublin', '2027-02-15'], [machining, 'basel', '2027-03-10']] as const) {
      expect(audit).to.include({ key: 'internal-audit', status: 'running', site });
      expect(audit.variables).to.deep.equal({ area: audit.variables.area, plannedFor, leadAuditor: 'lena', programme: 'AP-2026-0001', programmeYear: 2027 });
      expect(audit.links.map((l: any) => [l.rel, l.instanceId, l.businessKey])).to.deep.equal([['origin', programme.id, 'AP-2026-0001']]);
      expect(await openTasks(audit.id)).to.deep.equal([]); // waiting for its planned date
    }
    const timers = (await h.server.imsflow.store.listJobs({ instanceId: warehouse.id, status: 'scheduled' })).filter((j) => j.kind === 'timer');
    expect(timers.map((j) => j.runAt)).to.deep.equal(['2027-02-15T00:00:00.000Z']);

    // the planned date: the warehouse audit's plan opens for its lead auditor; the machining audit still waits
    h.clock.set(new Date('2027-02-14T23:59:00Z'));
    await h.advance(0);
    expect(await openTasks(warehouse.id)).to.deep.equal([]);
    await h.advance(60_000);
    const auditPlan = await theTask(warehouse.id, 'plan');
    expect(auditPlan).to.include({ name: 'Plan the audit', assignee: 'lena', candidateRole: 'auditor', site: 'dublin', dueAt: '2027-03-01T00:00:00.000Z' });
    expect(await openTasks(machining.id)).to.deep.equal([]);
    expect((await record(warehouse.id)).history.map((e: { action: string }) => e.action)).to.include('timer.fired');
    for (const audit of [warehouse, machining]) await call('POST', `/api/instances/${audit.id}/cancel`, { reason: 'test over' }, 'quinn');
  });

  it('a lead auditor who is also a quality manager cannot review their own report', async () => {
    const lena = { id: 'lena', email: 'lena@example.com', name: 'Lena Lead', sites: ['dublin', 'basel'], managerId: 'quinn' };
    await h.server.imsflow.saveUser({ ...lena, roles: ['auditor', 'quality-manager'] }, 'test-setup');
    try {
      const { id, businessKey } = await plannedAudit({ criteria: ['9001:8.5.1'] });
      const [clause] = await openTasks(id);
      await h.complete(clause, 'lena', { result: 'conforms', evidence: 'Batch records of April seen.' });
      await h.completeAsHolder(await theTask(id, 'report'), { ...REPORT, conclusion: 'conforms' });

      const review = await theTask(id, 'reviewReport');
      // lena holds the review through her quality-manager role, and signs with her own valid password: still refused
      const own = await call('POST', `/api/tasks/${review.id}/complete`, { data: { decision: 'accept' }, signature: { email: 'lena@example.com', password: PASSWORDS.lena } }, 'lena');
      expect(own.status, own.text).to.equal(403);
      expect(own.json.error).to.equal(`separation of duties: you completed “Write and sign the audit report” (report) of ${businessKey}, so you may not complete “Review the audit report”`);
      const unchanged = await record(id);
      expect(unchanged.tasks.find((t: TaskRecord) => t.id === review.id).status).to.equal('open');
      expect(unchanged.signatures.map((s: any) => [s.meaning, s.userId])).to.deep.equal([['authored', 'lena']]);
      expect(unchanged.history.filter((e: { action: string }) => e.action === 'task.signed')).to.have.length(1);

      const done = await h.completeAsHolder(review, { decision: 'accept' }, 'quinn');
      expect(done.json.instanceStatus).to.equal('completed');
      expect((await record(id)).signatures.map((s: any) => [s.meaning, s.userId, s.valid])).to.deep.equal([
        ['authored', 'lena', true],
        ['reviewed', 'quinn', true],
      ]);
    } finally {
      await h.server.imsflow.saveUser({ ...lena, roles: ['auditor'] }, 'test-setup');
    }
  });
});

describe('internal audit findings (unit)', () => {
  it('numbers findings in checklist order with their grade, and never shows a blank statement', () => {
    const item = (clause: string, title: string) => ({ clause, number: clause, title, auditor: 'lena' });
    const output = {
      conduct: [
        { index: 0, item: item('7.5.3', 'Control of documented information'), data: { result: 'minor', evidence: 'Uncontrolled copies at line 2.' } },
        { index: 1, item: item('8.1', 'Operational planning and control'), data: { result: 'conforms', evidence: 'Seen.' } },
        { index: 2, item: item('8.5.1', 'Control of production'), data: { result: 'major', evidence: 'No set-up record.', finding: 'Set-up records are missing for batch 12.' } },
      ],
    };
    const { findings, counts } = collectFindings({ output });
    expect(findings.map((f) => [f.n, f.number, f.grade, f.statement])).to.deep.equal([
      [1, '7.5.3', 'minor', 'Minor nonconformity against 7.5.3 Control of documented information'],
      [2, '8.5.1', 'major', 'Set-up records are missing for batch 12.'],
    ]);
    expect(counts).to.deep.equal({ conforms: 1, major: 1, minor: 1, observation: 0, ofi: 0, na: 0 });
  });
});
