import { expect } from 'chai';
import { parseBpmnXml } from '../../../engine/kernel/bpmn/parse.js';
import { validateDefinition } from '../../../engine/kernel/bpmn/validate.js';
import { assessableClauses, conformityPct, gapReport, parseStandards, type ScopeItem } from '../../../processes/gap-analysis/services.js';
import { registerImsServices } from '../../../processes/index.js';
import type { IterationResult, TaskRecord } from '../../../engine/kernel/model.js';
import { shippedCatalogue } from '../../../processes/index.js';
import { DAY, shipped } from '../../helpers.js';
import { processHarness, type ProcessHarness, type Reply } from '../../support/process-harness.js';

/**
 * The shipped gap analysis (processes/gap-analysis/gap-analysis.bpmn), driven through the HTTP API of a listening
 * server only, on a fake clock: every path of the diagram (nothing in scope, all conforming, gaps with
 * actions and a linked CAPA), reminders and escalations, the sign-off signature, and a second gap
 * analysis starting from the last one's results. Most tests limit the scope to a few clauses; one runs the
 * full integrated scope.
 */

const PASSWORD = 'gap-signoff-signing-5820';
const START = '2026-05-04T07:00:00Z';
const QM = { email: 'quinn@example.com', password: PASSWORD };
const SIGN_OFF = { conclusion: 'Documented information and supplier control are in place; see the actions.', accepted: true, nextAnalysis: '2027-05-01' };
const CLOSED = { done: 'Done as planned.', evidenceRef: 'CR-2026-118', completedOn: '2026-06-01' };

/** The scope used by most tests: documented information (7.5.1–7.5.3) and ISO 9001's 8.4. */
const SMALL_SCOPE = { title: 'Basel documented information and suppliers', standards: '9001,14001,45001', clauses: ['7.5', '9001:8.4'], assessor: 'alex', fromPrevious: 'no' };

describe('gap analysis process (shipped processes/gap-analysis/gap-analysis.bpmn, through the HTTP API)', () => {
  let h: ProcessHarness;
  const call = (method: string, path: string, body: unknown, as: string): Promise<Reply> => h.call(method, path, body, as);
  const openTasks = (instanceId: string): Promise<TaskRecord[]> => h.openTasks(instanceId);
  const record = (instanceId: string): Promise<any> => h.record(instanceId);
  const byName = (tasks: TaskRecord[]) => [...tasks].sort((a, b) => a.name.localeCompare(b.name));
  const task = async (id: string): Promise<TaskRecord> => (await call('GET', `/api/tasks/${id}`, undefined, 'quinn')).json as TaskRecord;

  async function start(site = 'basel'): Promise<{ id: string; businessKey: string }> {
    const started = await h.start('gap-analysis', 'quinn', { site, variables: { title: `${site} gap analysis` } });
    expect(started.businessKey).to.match(/^GAP-2026-\d{4}$/);
    return started;
  }

  /** Starts a gap analysis and sets its scope; returns the instance and its open assessment tasks, in clause order. */
  async function scoped(scope: Record<string, unknown>, site = 'basel'): Promise<{ id: string; businessKey: string; assessments: TaskRecord[] }> {
    const started = await start(site);
    await h.complete(await h.theTask(started.id, 'scope'), 'quinn', scope);
    const assessments = (await openTasks(started.id)).sort((a, b) => a.iteration!.index - b.iteration!.index);
    return { ...started, assessments };
  }

  /** Assesses every clause as conforming and signs the report off. */
  async function conformingAndSignedOff(id: string, assessments: TaskRecord[]): Promise<void> {
    for (const assessment of assessments) await h.completeAsHolder(assessment, { status: 'conforms', comment: `Seen in operation (${assessment.iteration!.index}).` });
    await h.complete(await h.theTask(id, 'signOff'), 'quinn', SIGN_OFF, QM);
  }

  before(async () => {
    h = await processHarness({
      start: START,
      overseer: 'quinn',
      prefix: 'gap',
      people: [
        { id: 'quinn', name: 'Quinn Quality', roles: ['quality-manager'], sites: ['basel', 'dublin', 'lyon', 'zurich'], password: PASSWORD },
        { id: 'alex', name: 'Alex Assessor', roles: ['staff'], sites: ['basel', 'dublin', 'lyon', 'zurich'], managerId: 'quinn' },
        { id: 'bea', name: 'Bea Owner', roles: ['staff'], sites: ['basel'], managerId: 'quinn' },
        { id: 'stella', name: 'Stella Steering', roles: ['steering-committee'], sites: ['basel'] },
      ],
    });
  });
  after(async () => {
    await h?.close();
  });
  beforeEach(() => h.reset());

  it('is deployed at server start and passes the same validation as an upload', async () => {
    const definitions = await call('GET', '/api/definitions', undefined, 'quinn');
    expect(definitions.status).to.equal(200);
    const gap = definitions.json.items.find((d: { key: string }) => d.key === 'gap-analysis');
    expect(gap).to.include({ key: 'gap-analysis', version: 1, name: 'Gap analysis', businessKeyPrefix: 'GAP', ownerRole: 'quality-manager' });

    const xml = shipped('gap-analysis.bpmn');
    const upload = await h.upload(xml);
    expect(upload.status, upload.text).to.equal(200);
    expect(upload.json).to.include({ key: 'gap-analysis', version: 1 });

    const context = await parseBpmnXml(xml);
    expect(context.warnings ?? []).to.deep.equal([]);
    const { spec, problems } = validateDefinition(context, { services: registerImsServices({ catalogue: shippedCatalogue() }).names() });
    expect(problems).to.deep.equal([]);
    expect(Object.fromEntries(spec!.serviceTasks)).to.deep.equal({ scopeList: 'gap-scope', gapList: 'gap-actions', gapReport: 'gap-report' });
    expect([...spec!.userTasks.keys()]).to.deep.equal(['scope', 'assess', 'signOff', 'closeGap']);
    for (const userTask of spec!.userTasks.values()) {
      expect(userTask.due, `${userTask.elementId} has a due date`).to.be.a('string');
      expect(userTask.remindBefore, `${userTask.elementId} reminds before`).to.be.a('string');
      expect(userTask.remindEvery, `${userTask.elementId} reminds when overdue`).to.be.a('string');
      expect(userTask.escalations.length, `${userTask.elementId} escalates`).to.be.greaterThan(0);
      expect(userTask.candidateRole, `${userTask.elementId} has a role`).to.equal('quality-manager');
    }
    expect(spec!.userTasks.get('signOff')!.signature).to.equal('approved');
    expect(spec!.userTasks.get('assess')!).to.include({ assignee: '${item.assessor}', due: '${item.due}' });
    expect(spec!.userTasks.get('closeGap')!).to.include({ assignee: '${item.owner}', due: '${item.due}' });

    // Every flow element has a shape or an edge, so it opens in bpmn-js; and every one is documented or named.
    const ids = [...xml.matchAll(/<bpmn:(?:startEvent|endEvent|userTask|serviceTask|exclusiveGateway|parallelGateway|intermediateCatchEvent|sequenceFlow) id="([^"]+)"/g)].map((m) => m[1]);
    const drawn = new Set([...xml.matchAll(/bpmnElement="([^"]+)"/g)].map((m) => m[1]));
    expect(ids.length).to.equal(30);
    expect(ids.filter((id) => !drawn.has(id))).to.deep.equal([]);
    // No two shapes overlap.
    const shapes = [...xml.matchAll(/bpmnElement="([^"]+)"[^>]*><dc:Bounds x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"/g)].map((m) => ({ id: m[1], x: +m[2], y: +m[3], w: +m[4], h: +m[5] }));
    for (const a of shapes) {
      for (const b of shapes) {
        if (a.id < b.id) expect(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, `${a.id} overlaps ${b.id}`).to.equal(true);
      }
    }
  });

  it('refuses a scope with an unknown clause, and asks again for an empty scope', async () => {
    const { id } = await start();
    const scope = await h.theTask(id, 'scope');
    expect(scope).to.include({ candidateRole: 'quality-manager', name: 'Set the scope of the gap analysis', dueAt: '2026-05-11T07:00:00.000Z' });

    for (const clauses of [['7.5', '99.9'], ['8.4']]) {
      const bad = await call('POST', `/api/tasks/${scope.id}/complete`, { data: { ...SMALL_SCOPE, clauses } }, 'quinn');
      expect(bad.status, bad.text).to.equal(400);
      expect(bad.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['clauses']);
      expect(bad.json.fields[0].message).to.contain(clauses.at(-1)!);
    }
    const missing = await call('POST', `/api/tasks/${scope.id}/complete`, { data: { title: 'x', standards: '9001,9002' } }, 'quinn');
    expect(missing.status).to.equal(400);
    expect(missing.json.fields.map((f: { field: string }) => f.field).sort()).to.deep.equal(['assessor', 'fromPrevious', 'standards']);
    // staff do not set the scope
    expect((await call('POST', `/api/tasks/${scope.id}/complete`, { data: SMALL_SCOPE }, 'alex')).status).to.be.oneOf([403, 404]);

    // ISO 9001's 8.4 under an ISO 14001 gap analysis: nothing to assess, the scope task opens again
    await h.complete(scope, 'quinn', { ...SMALL_SCOPE, standards: '14001', clauses: ['9001:8.4'] });
    const again = await h.theTask(id, 'scope');
    expect(again.id).to.not.equal(scope.id);
    let gap = await record(id);
    expect(gap.status).to.equal('running');
    expect(gap.output.scopeList).to.deep.equal({ items: [], count: 0, standards: ['14001'], previousBusinessKey: null, outOfScope: ['9001:8.4'] });

    await h.complete(again, 'quinn', { ...SMALL_SCOPE, standards: '14001', clauses: ['9001:8.4', '14001:8.2'] });
    gap = await record(id);
    expect(gap.output.scopeList.items.map((i: ScopeItem) => i.clause)).to.deep.equal(['14001:8.2']);
    expect(gap.output.scopeList.outOfScope).to.deep.equal(['9001:8.4']);
    expect(h.completedInOrder(gap)).to.deep.equal(['scope', 'scope']);
  });

  it('with every clause conforming there is no gap, and coverage is 100 %', async () => {
    const { id, businessKey, assessments } = await scoped({ ...SMALL_SCOPE, assessmentDue: 'P14D' });
    // 7.5 is assessed through 7.5.1–7.5.3; 8.4 is ISO 9001's
    expect(assessments.map((t) => [t.name, t.assignee, t.candidateRole, t.dueAt])).to.deep.equal([
      ['Assess 7.5.1 General', 'alex', 'quality-manager', '2026-05-18T23:59:59.999Z'],
      ['Assess 7.5.2 Creating and updating', 'alex', 'quality-manager', '2026-05-18T23:59:59.999Z'],
      ['Assess 7.5.3 Control of documented information', 'alex', 'quality-manager', '2026-05-18T23:59:59.999Z'],
      ['Assess 8.4 Control of externally provided processes, products and services', 'alex', 'quality-manager', '2026-05-18T23:59:59.999Z'],
    ]);
    expect(assessments[3].iteration!.item).to.deep.equal({ clause: '9001:8.4', number: '8.4', title: 'Control of externally provided processes, products and services', standards: ['9001'], assessor: 'alex', due: '2026-05-18' });
    expect((assessments[0].iteration!.item as ScopeItem).standards).to.deep.equal(['9001', '14001', '45001']);
    const scopeList = (await record(id)).output.scopeList;
    expect(scopeList).to.include({ count: 4, previousBusinessKey: null });
    expect(scopeList.standards).to.deep.equal(['9001', '14001', '45001']);

    // only the assessor completes an assessment; the result must be one of the four
    expect((await call('POST', `/api/tasks/${assessments[0].id}/complete`, { data: { status: 'conforms' } }, 'bea')).status).to.be.oneOf([403, 404]);
    const bad = await call('POST', `/api/tasks/${assessments[0].id}/complete`, { data: { status: 'maybe' } }, 'alex');
    expect(bad.status).to.equal(400);
    expect(bad.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['status']);

    // evidence attached to the assessment through the API
    const token = (await h.server.accounts.createApiToken('alex', 'upload', 'test-setup')).token;
    const uploaded = await fetch(`${h.server.url}/api/tasks/${assessments[0].id}/attachments?field=evidence&name=doc-register.txt`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}` },
      body: 'SOP register, rev. 14: every SOP reviewed within 24 months.',
    });
    expect(uploaded.status, await uploaded.clone().text()).to.equal(201);
    const evidence = (await uploaded.json()) as { sha256: string; name: string };
    await h.complete(assessments[0], 'alex', { status: 'conforms', evidence, evidenceRef: 'SOP register rev. 14', comment: 'Register complete and current.' });
    await conformingAndSignedOff(id, assessments.slice(1));

    const gap = await record(id);
    expect(gap.status).to.equal('completed');
    expect(gap.output.assess[0].data.evidence).to.deep.include({ name: 'doc-register.txt', sha256: evidence.sha256 });
    expect(gap.output.gapList).to.deep.equal({ actions: [], count: 0, capasRaised: 0 });
    expect(gap.output.gapReport).to.deep.equal({
      standards: ['9001', '14001', '45001'],
      coverage: [
        { standard: '9001', applicable: 4, assessed: 4, conforms: 4, partial: 0, gap: 0, na: 0, conformityPct: 100 },
        { standard: '14001', applicable: 3, assessed: 3, conforms: 3, partial: 0, gap: 0, na: 0, conformityPct: 100 },
        { standard: '45001', applicable: 3, assessed: 3, conforms: 3, partial: 0, gap: 0, na: 0, conformityPct: 100 },
      ],
      clauses: [
        { clause: '7.5.1', number: '7.5.1', title: 'General', status: 'conforms' },
        { clause: '7.5.2', number: '7.5.2', title: 'Creating and updating', status: 'conforms' },
        { clause: '7.5.3', number: '7.5.3', title: 'Control of documented information', status: 'conforms' },
        { clause: '9001:8.4', number: '8.4', title: 'Control of externally provided processes, products and services', status: 'conforms' },
      ],
      openGaps: 0,
    });
    expect(h.completedInOrder(gap)).to.deep.equal(['scope', 'assess', 'assess', 'assess', 'assess', 'signOff']);
    expect(gap.tasks.filter((t: TaskRecord) => t.elementId === 'closeGap')).to.deep.equal([]);
    expect(gap.links ?? []).to.deep.equal([]);
    expect(gap.signatures).to.have.length(1);
    const signOff = gap.tasks.find((t: TaskRecord) => t.elementId === 'signOff');
    expect(gap.signatures[0]).to.deep.include({ taskId: signOff.id, userId: 'quinn', printedName: 'Quinn Quality', meaning: 'approved', valid: true, status: 'matches' });
    expect(gap.signatures[0].manifestation.text).to.equal('Approved by Quinn Quality on 2026-05-04 07:00:00 UTC');
    expect(businessKey).to.equal(gap.businessKey);
  });

  it('with gaps, each becomes an owned action and systemic ones raise a CAPA', async () => {
    // 9001 and 14001: 7.5.1–7.5.3 (both), 14001's 8.2, 9001's 8.4, 9.2 (both: only 14001 adds 9.2.2 below it), 14001's 9.2.2
    const { id, businessKey, assessments } = await scoped({ ...SMALL_SCOPE, standards: '9001,14001', clauses: ['7.5', '9001:8.4', '14001:8.2', '9.2'] });
    expect(assessments.map((t) => [(t.iteration!.item as ScopeItem).clause, (t.iteration!.item as ScopeItem).standards.join('+'), t.dueAt])).to.deep.equal([
      ['7.5.1', '9001+14001', '2026-06-03T23:59:59.999Z'],
      ['7.5.2', '9001+14001', '2026-06-03T23:59:59.999Z'],
      ['7.5.3', '9001+14001', '2026-06-03T23:59:59.999Z'],
      ['14001:8.2', '14001', '2026-06-03T23:59:59.999Z'],
      ['9001:8.4', '9001', '2026-06-03T23:59:59.999Z'],
      ['9.2', '9001+14001', '2026-06-03T23:59:59.999Z'],
      ['14001:9.2.2', '14001', '2026-06-03T23:59:59.999Z'],
    ]);
    const [s751, s752, s753, s82, s84, s92, s922] = assessments;
    await h.complete(s751, 'alex', { status: 'conforms' });
    await h.complete(s752, 'alex', { status: 'partial', comment: 'Templates carry no review date.', owner: 'bea', action: 'Add a review date to every SOP template', actionDue: '2026-06-30' });
    await h.complete(s753, 'alex', { status: 'gap', comment: 'Obsolete SOP copies found at two filling-line workstations.', owner: 'bea', action: 'Withdraw uncontrolled copies; issue controlled copies only', actionDue: '2026-06-15', raiseCapa: true });
    await h.complete(s82, 'alex', { status: 'partial', comment: 'Spill drill not held this year.' }); // owner, due and action text by default
    await h.complete(s84, 'alex', { status: 'na', comment: 'Nothing is outsourced or bought in at this warehouse.', raiseCapa: true }); // no CAPA for n/a
    await h.complete(s92, 'alex', { status: 'conforms' });
    await h.complete(s922, 'alex', { status: 'conforms' });

    let gap = await record(id);
    expect(gap.status).to.equal('running');
    expect(gap.output.gapList.count).to.equal(3);
    expect(gap.output.gapList.capasRaised).to.equal(1);
    expect(gap.output.gapList.actions.map((a: any) => [a.clause, a.status, a.owner, a.due, a.action, a.capa])).to.deep.equal([
      ['7.5.2', 'partial', 'bea', '2026-06-30', 'Add a review date to every SOP template', false],
      ['7.5.3', 'gap', 'bea', '2026-06-15', 'Withdraw uncontrolled copies; issue controlled copies only', true],
      ['14001:8.2', 'partial', 'alex', '2026-07-03', 'Close the gap in 8.2 Emergency preparedness and response', false],
    ]);

    // Coverage, by hand. 9001: 7.5.1 c, 7.5.2 p, 7.5.3 g, 8.4 n/a, 9.2 c → (2 + 0.5) / (5 − 1) = 62.5 %.
    // 14001: 7.5.1 c, 7.5.2 p, 7.5.3 g, 8.2 p, 9.2 c, 9.2.2 c → (3 + 0.5 × 2) / 6 = 66.7 %.
    expect(gap.output.gapReport.coverage).to.deep.equal([
      { standard: '9001', applicable: 5, assessed: 5, conforms: 2, partial: 1, gap: 1, na: 1, conformityPct: 62.5 },
      { standard: '14001', applicable: 6, assessed: 6, conforms: 3, partial: 2, gap: 1, na: 0, conformityPct: 66.7 },
    ]);
    expect(gap.output.gapReport.openGaps).to.equal(3);
    expect(gap.output.gapReport.clauses.map((c: any) => [c.clause, c.status, c.owner])).to.deep.equal([
      ['7.5.1', 'conforms', undefined],
      ['7.5.2', 'partial', 'bea'],
      ['7.5.3', 'gap', 'bea'],
      ['14001:8.2', 'partial', 'alex'],
      ['9001:8.4', 'na', undefined],
      ['9.2', 'conforms', undefined],
      ['14001:9.2.2', 'conforms', undefined],
    ]);

    // one closing task per action, open at once beside the sign-off, each with its owner and due date
    const open = byName(await openTasks(id));
    expect(open.map((t) => [t.elementId, t.name, t.assignee, t.dueAt])).to.deep.equal([
      ['closeGap', 'Close gap 7.5.2: Creating and updating', 'bea', '2026-06-30T23:59:59.999Z'],
      ['closeGap', 'Close gap 7.5.3: Control of documented information', 'bea', '2026-06-15T23:59:59.999Z'],
      ['closeGap', 'Close gap 8.2: Emergency preparedness and response', 'alex', '2026-07-03T23:59:59.999Z'],
      ['signOff', 'Sign off the gap report', undefined, '2026-05-18T07:00:00.000Z'],
    ]);

    // the CAPA raised for 7.5.3: linked on both sides, waiting at triage with what the gap analysis knew
    expect(gap.links.map((l: any) => [l.rel, l.processKey, l.elementId, l.label])).to.deep.equal([['started', 'capa', 'gapList', 'Gap 7.5.3 Control of documented information (gap)']]);
    const capa = await record(gap.links[0].instanceId);
    expect(capa).to.include({ key: 'capa', status: 'running', site: 'basel', businessKey: gap.links[0].businessKey });
    expect(capa.links.map((l: any) => [l.rel, l.instanceId, l.businessKey, l.processKey])).to.deep.equal([['origin', id, businessKey, 'gap-analysis']]);
    expect(capa.variables).to.deep.include({ source: 'gap', title: 'Gap in 7.5.3 Control of documented information', reference: `${businessKey} / 7.5.3`, clause: '7.5.3' });
    expect(capa.variables.description).to.contain('Obsolete SOP copies').and.to.contain('Withdraw uncontrolled copies');
    expect((await openTasks(capa.id)).map((t) => [t.elementId, t.candidateRole])).to.deep.equal([['triage', 'quality-manager']]);

    // signed off while the actions are still open: the record stays open
    h.clock.set(new Date('2026-05-10T07:00:00Z'));
    const signOff = open.find((t) => t.elementId === 'signOff')!;
    const unsigned = await call('POST', `/api/tasks/${signOff.id}/complete`, { data: SIGN_OFF }, 'quinn');
    expect(unsigned.status).to.equal(400);
    const signed = await h.completeAsHolder(signOff, SIGN_OFF, 'quinn');
    expect(signed.json.instanceStatus).to.equal('running');
    expect(signed.json.signature.manifestation.text).to.equal('Approved by Quinn Quality on 2026-05-10 07:00:00 UTC');

    const actions = open.filter((t) => t.elementId === 'closeGap');
    expect((await call('POST', `/api/tasks/${actions[0].id}/complete`, { data: CLOSED }, 'alex')).status).to.be.oneOf([403, 404]);
    const missing = await call('POST', `/api/tasks/${actions[0].id}/complete`, { data: { done: 'x' } }, 'bea');
    expect(missing.status).to.equal(400);
    expect(missing.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['completedOn']);
    await h.completeAsHolder(actions[0], CLOSED);
    await h.completeAsHolder(actions[1], CLOSED);
    expect((await record(id)).status).to.equal('running');
    const last = await h.completeAsHolder(actions[2], CLOSED);
    expect(last.json.instanceStatus).to.equal('completed');

    gap = await record(id);
    expect(gap.status).to.equal('completed');
    expect(h.completedInOrder(gap)).to.deep.equal(['scope', 'assess', 'assess', 'assess', 'assess', 'assess', 'assess', 'assess', 'signOff', 'closeGap', 'closeGap', 'closeGap']);
    expect(gap.output.closeGap.map((r: IterationResult) => [(r.item as any).clause, r.data.completedOn])).to.deep.equal([
      ['7.5.2', '2026-06-01'],
      ['7.5.3', '2026-06-01'],
      ['14001:8.2', '2026-06-01'],
    ]);
    expect(gap.signatures.map((s: any) => [s.meaning, s.valid, s.status])).to.deep.equal([['approved', true, 'matches']]);
    expect(gap.history.map((e: { action: string }) => e.action)).to.include.members(['instance.linked', 'task.signed', 'instance.completed']);
  });

  it('assessments and gap actions remind before their due date, then escalate up the management chain', async () => {
    const { id, assessments } = await scoped({ ...SMALL_SCOPE, standards: '9001', clauses: ['9001:8.4'], assessmentDueOn: '2026-05-20' });
    expect(assessments).to.have.length(1);
    const [assessment] = assessments;
    expect(assessment).to.include({ assignee: 'alex', dueAt: '2026-05-20T23:59:59.999Z' });

    await h.advance(0);
    h.clock.set(new Date('2026-05-17T23:59:59.999Z')); // P3D before
    await h.advance(0);
    h.clock.set(new Date('2026-05-20T23:59:59.999Z')); // due
    await h.advance(0);
    await h.advance(3 * DAY); // the assessor's manager
    await h.advance(4 * DAY); // the quality manager
    await h.advance(7 * DAY); // the steering committee
    let seen = await task(assessment.id);
    expect(seen.escalationLevel).to.equal(3);
    expect((seen.notifications ?? []).map((n) => n.kind)).to.include.members(['assigned', 'reminder', 'due', 'overdue', 'escalation']);
    expect((seen.notifications ?? []).find((n) => n.kind === 'reminder')).to.deep.include({ at: '2026-05-17T23:59:59.999Z', to: ['alex'] });
    expect((seen.notifications ?? []).filter((n) => n.kind === 'escalation').map((n) => [n.level, n.at, n.to])).to.deep.equal([
      [1, '2026-05-23T23:59:59.999Z', ['quinn']],
      [2, '2026-05-27T23:59:59.999Z', ['quinn']],
      [3, '2026-06-03T23:59:59.999Z', ['stella']],
    ]);

    // late, but done: a gap owned by bea, due in two weeks
    const noFinding = await h.call('POST', `/api/tasks/${assessment.id}/complete`, { data: { status: 'gap', owner: 'bea' } }, 'alex');
    expect(noFinding.status).to.equal(400);
    expect(noFinding.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['comment']);
    await h.complete(assessment, 'alex', { status: 'gap', comment: 'Two carriers used without approval.', owner: 'bea', action: 'Approve the two unapproved carriers', actionDue: '2026-06-17' });
    const action = (await openTasks(id)).find((t) => t.elementId === 'closeGap')!;
    expect(action).to.include({ assignee: 'bea', name: 'Close gap 8.4: Control of externally provided processes, products and services', dueAt: '2026-06-17T23:59:59.999Z' });
    h.clock.set(new Date('2026-06-17T23:59:59.999Z'));
    await h.advance(0);
    await h.advance(7 * DAY);
    seen = await task(action.id);
    expect(seen.escalationLevel).to.equal(1);
    expect((seen.notifications ?? []).filter((n) => n.kind === 'escalation').map((n) => [n.level, n.to])).to.deep.equal([[1, ['quinn']]]);
    expect((seen.notifications ?? []).filter((n) => n.kind === 'reminder').map((n) => n.to)).to.deep.equal([['bea']]);
    const outbox = await call('GET', `/api/outbox?task=${assessment.id}`, undefined, 'operator');
    expect(outbox.status, outbox.text).to.equal(200);
    expect(outbox.json.items.map((m: { to: string }) => m.to)).to.include.members(['alex@example.com', 'quinn@example.com', 'stella@example.com']);
  });

  it('a site\'s next gap analysis starts from its last one, unless asked to start fresh', async () => {
    const scope = { ...SMALL_SCOPE, clauses: ['7.5'] };
    // first at Dublin: all conforming
    const first = await scoped(scope, 'dublin');
    await conformingAndSignedOff(first.id, first.assessments);
    // second at Dublin, two days later: 7.5.3 partial
    await h.advance(2 * DAY);
    const second = await scoped({ ...scope, fromPrevious: 'yes' }, 'dublin');
    expect(second.assessments.map((t) => (t.iteration!.item as ScopeItem).previous)).to.deep.equal([
      { status: 'conforms', comment: 'Seen in operation (0).', businessKey: first.businessKey },
      { status: 'conforms', comment: 'Seen in operation (1).', businessKey: first.businessKey },
      { status: 'conforms', comment: 'Seen in operation (2).', businessKey: first.businessKey },
    ]);
    await h.complete(second.assessments[0], 'alex', { status: 'conforms' });
    await h.complete(second.assessments[1], 'alex', { status: 'conforms' });
    await h.complete(second.assessments[2], 'alex', { status: 'partial', comment: 'Retention periods not defined for batch records.', owner: 'alex' });
    for (const t of await openTasks(second.id)) await h.completeAsHolder(t, t.elementId === 'signOff' ? SIGN_OFF : CLOSED, t.elementId === 'signOff' ? 'quinn' : undefined);
    expect((await record(second.id)).status).to.equal('completed');
    // a running one does not count: a third, started and left open
    await h.advance(DAY);
    const running = await scoped(scope, 'dublin');

    await h.advance(DAY);
    const third = await scoped({ ...scope, standards: '9001', fromPrevious: 'yes' }, 'dublin');
    const gap = await record(third.id);
    expect(gap.output.scopeList.previousBusinessKey).to.equal(second.businessKey);
    expect(gap.output.scopeList.items.map((i: ScopeItem) => [i.clause, i.standards, i.previous])).to.deep.equal([
      ['7.5.1', ['9001'], { status: 'conforms', businessKey: second.businessKey }],
      ['7.5.2', ['9001'], { status: 'conforms', businessKey: second.businessKey }],
      ['7.5.3', ['9001'], { status: 'partial', comment: 'Retention periods not defined for batch records.', owner: 'alex', businessKey: second.businessKey }],
    ]);
    expect(running.businessKey).to.not.equal(gap.output.scopeList.previousBusinessKey);

    // Lyon has no completed gap analysis; Dublin's are not Lyon's
    const lyon = await record((await scoped({ ...scope, fromPrevious: 'yes' }, 'lyon')).id);
    expect(lyon.output.scopeList.previousBusinessKey).to.equal(null);
    expect(lyon.output.scopeList.items.filter((i: ScopeItem) => i.previous)).to.deep.equal([]);
    // a fresh start at Dublin shows no previous result
    const fresh = await record((await scoped(scope, 'dublin')).id);
    expect(fresh.output.scopeList.previousBusinessKey).to.equal(null);
    expect(fresh.output.scopeList.items.filter((i: ScopeItem) => i.previous)).to.deep.equal([]);
  });

  it('an assessor or gap owner unable to act at the site is refused when the form is sent, naming the field', async () => {
    const started = await start('dublin');
    const scope = await h.theTask(started.id, 'scope');
    expect(await h.refused(scope, 'quinn', { ...SMALL_SCOPE, assessor: 'bea' })).to.deep.equal(['assessor: Assessor of every clause: Bea Owner does not work at dublin']);
    await h.complete(scope, 'quinn', { ...SMALL_SCOPE, clauses: ['7.5.3'] });
    const [assessment] = await openTasks(started.id);
    expect(assessment.assignee).to.equal('alex');
    expect(await h.refused(assessment, 'alex', { status: 'gap', comment: 'No retention rules.', owner: 'bea' })).to.deep.equal(['owner: Who closes the gap (default: the assessor): Bea Owner does not work at dublin']);
    await h.completeAsHolder(assessment, { status: 'gap', comment: 'No retention rules.' });
    const gap = await record(started.id);
    expect(gap.output.gapReport.clauses.map((c: any) => c.owner)).to.deep.equal(['alex']);
    expect((await openTasks(started.id)).find((t) => t.elementId === 'closeGap')?.assignee).to.equal('alex');
  });

  it('the full integrated scope assesses every applicable clause of the three standards once', async function () {
    this.timeout(30_000);
    const { id } = await scoped({ title: 'Zurich integrated gap analysis', standards: '9001,14001,45001', assessor: 'alex', fromPrevious: 'no' }, 'zurich');
    const clauses = (await record(id)).output.scopeList.items.map((i: ScopeItem) => i.clause);
    expect(clauses).to.have.length(60);
    // chapters and divided clauses are assessed through their sub-clauses; shared clauses another standard adds to, themselves too
    expect(clauses).to.not.include.members(['4', '7', '7.5', '9001:8.5']);
    expect(clauses).to.include.members(['4.1', '7.1', '8.1', '9.1', '9.2', '10.2', '45001:10.2', '9001:8.5.6', '14001:9.2.2', '45001:5.4']);
    expect(clauses.slice(0, 10)).to.deep.equal(['4.1', '4.2', '4.3', '4.4', '5.1', '9001:5.1.2', '5.2', '5.3', '45001:5.4', '6.1']);
    // every assessment opens at once (bpmn-elements' default batch of 50 is raised in engine/kernel/runtime.ts)
    const open = (await openTasks(id)).filter((t) => t.elementId === 'assess');
    expect(open).to.have.length(60);
    const assessed: string[] = [];
    for (const assessment of open) {
      assessed.push((assessment.iteration!.item as ScopeItem).clause);
      await h.completeAsHolder(assessment, { status: 'conforms' });
    }
    expect([...assessed].sort()).to.deep.equal([...clauses].sort());
    await h.complete(await h.theTask(id, 'signOff'), 'quinn', SIGN_OFF, QM);
    const gap = await record(id);
    expect(gap.status).to.equal('completed');
    expect(gap.output.assess.map((r: IterationResult) => (r.item as ScopeItem).clause)).to.deep.equal(clauses);
    expect(gap.output.gapReport.coverage.map((c: any) => [c.standard, c.applicable, c.conforms, c.conformityPct])).to.deep.equal([
      ['9001', 43, 43, 100],
      ['14001', 31, 31, 100],
      ['45001', 32, 32, 100],
    ]);
    expect(gap.output.gapReport.openGaps).to.equal(0);
  });

  describe('coverage arithmetic and scope (unit)', () => {
    const catalogue = shippedCatalogue();

    it('computes conformity from conforming and partial clauses, or null when none applies', () => {
      expect(conformityPct({ applicable: 4, na: 0, conforms: 4, partial: 0 })).to.equal(100);
      expect(conformityPct({ applicable: 5, na: 1, conforms: 2, partial: 1 })).to.equal(62.5);
      expect(conformityPct({ applicable: 6, na: 0, conforms: 3, partial: 2 })).to.equal(66.7);
      expect(conformityPct({ applicable: 3, na: 0, conforms: 1, partial: 0 })).to.equal(33.3);
      expect(conformityPct({ applicable: 3, na: 0, conforms: 0, partial: 3 })).to.equal(50);
      expect(conformityPct({ applicable: 16, na: 0, conforms: 0, partial: 2 })).to.equal(6.3);
      expect(conformityPct({ applicable: 4, na: 0, conforms: 0, partial: 0 })).to.equal(0);
      expect(conformityPct({ applicable: 3, na: 3, conforms: 0, partial: 0 })).to.equal(null);
      expect(conformityPct({ applicable: 0, na: 0, conforms: 0, partial: 0 })).to.equal(null);
    });

    it('the report counts, per standard, the applicable clauses and the open gaps', () => {
      const item = (clause: string, standards: string[]): ScopeItem => ({ clause, number: clause.replace(/^\d+:/, ''), title: `T ${clause}`, standards, assessor: 'alex', due: 'P30D' });
      const items = [item('4.1', ['9001', '45001']), item('9001:8.4', ['9001']), item('45001:5.4', ['45001']), item('4.2', ['9001', '45001'])];
      const iterations: IterationResult[] = [
        { index: 0, item: items[0], data: { status: 'gap', owner: 'bea' } },
        { index: 1, item: items[1], data: { status: 'partial' } },
        { index: 2, item: items[2], data: { status: 'na' } },
        { index: 3, item: items[3], data: { status: 'conforms' } },
      ];
      const report = gapReport(['9001', '45001'], items, iterations);
      expect(report.coverage).to.deep.equal([
        { standard: '9001', applicable: 3, assessed: 3, conforms: 1, partial: 1, gap: 1, na: 0, conformityPct: 50 },
        { standard: '45001', applicable: 3, assessed: 3, conforms: 1, partial: 0, gap: 1, na: 1, conformityPct: 50 },
      ]);
      expect(report.clauses.map((c) => [c.clause, c.status, c.owner])).to.deep.equal([
        ['4.1', 'gap', 'bea'],
        ['9001:8.4', 'partial', 'alex'],
        ['45001:5.4', 'na', undefined],
        ['4.2', 'conforms', undefined],
      ]);
      expect(report.openGaps).to.equal(2);
      expect(Object.keys(report)).to.deep.equal(['standards', 'coverage', 'clauses', 'openGaps']);
      // before any assessment: applicable but not assessed, no conformity yet counted
      expect(gapReport(['9001'], items.slice(0, 1), []).coverage).to.deep.equal([{ standard: '9001', applicable: 1, assessed: 0, conforms: 0, partial: 0, gap: 0, na: 0, conformityPct: 0 }]);
    });

    it('assesses leaf clauses and shared clauses another standard only adds to, per standard in scope', () => {
      const ids = (standards: string[], limit?: string[]) => assessableClauses(catalogue, standards, limit).map((c) => c.entry.id);
      expect(ids(['9001', '14001', '45001'])).to.have.length(60);
      expect(ids(['9001'])).to.include.members(['6.1', '7.4', '8.1', '9.2', '10.2', '9001:8.4']).and.not.include.members(['14001:9.2.2', '7.5', '9001:8.5']);
      expect(ids(['14001'], ['9'])).to.deep.equal(['9.1', '14001:9.1.2', '9.2', '14001:9.2.2', '9.3']);
      expect(ids(['45001'], ['10.2'])).to.deep.equal(['10.2', '45001:10.2']);
      expect(assessableClauses(catalogue, ['9001', '14001'], ['9.2']).map((c) => [c.entry.id, c.standards])).to.deep.equal([
        ['9.2', ['9001', '14001']],
        ['14001:9.2.2', ['14001']],
      ]);
      expect(parseStandards('45001,9001')).to.deep.equal(['9001', '45001']);
      expect(() => parseStandards('9001,9002')).to.throw(/9002/);
      expect(() => parseStandards('')).to.throw(/no standard/);
    });
  });
});
