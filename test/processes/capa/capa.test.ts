import { expect } from 'chai';
import type { RunningServer } from '../../../api/server.js';
import type { FakeClock } from '../../../engine/kernel/clock.js';
import { parseBpmnXml } from '../../../engine/kernel/bpmn/parse.js';
import { validateDefinition } from '../../../engine/kernel/bpmn/validate.js';
import { registerImsServices, riskScore, shippedPacks } from '../../../processes/index.js';
import { packFieldTypes } from '../../../engine/packs.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import { shippedCatalogue } from '../../../processes/index.js';
import { DAY, openTasks as openTasksOf, shipped, testEngine } from '../../helpers.js';
import { processHarness, type ProcessHarness, type Reply } from '../../support/process-harness.js';

/**
 * The shipped CAPA process (processes/capa/capa.bpmn), driven through the HTTP API of a listening server
 * only: every path of the diagram, each task completed by whoever holds it with their own API token.
 * Jobs (timers, reminders, escalations) run when a test calls runDue(), on a fake clock.
 */

const PASSWORD = 'capa-closure-signing-7431';
const START = '2026-05-04T07:00:00Z';

const INTAKE = { source: 'complaint', title: 'Cracked vial caps, lot 2231', description: 'Customer reports 12 cracked caps on arrival.', reference: 'CC-2026-114' };
const TRIAGE_FULL = { severity: '4', occurrence: '3', fullCapa: 'yes', owner: 'olga' };
const CONTAIN = { containment: 'Lot 2231 quarantined; shipments on hold.', correction: 'Affected customers supplied from lot 2232.' };
const ROOT_CAUSE = {
  why1: 'Caps cracked under crimping force.',
  why2: 'Crimping force above the specification.',
  why3: 'The crimper was set up with the wrong recipe.',
  why4: 'The recipe list allows choosing any recipe.',
  why5: 'Recipes are not locked to the product code.',
  category: 'method',
  rootCause: 'Crimper recipes are not locked to the product code.',
};
const PLAN = {
  action1: 'Lock crimper recipes to the product code',
  action1Owner: 'alex',
  action2: 'Retrain operators on crimper set-up',
  action2Owner: 'bea',
  effectivenessWait: 'P90D',
  effectivenessCriteria: 'No cracked caps in 90 days of production.',
};
const IMPLEMENT = { done: 'Done as planned.', evidence: 'CC-778', completedOn: '2026-05-20' };
const CLOSURE = { summary: 'Recipes locked, operators retrained, no recurrence.', risksUpdated: true, systemChanged: true };

describe('CAPA process (shipped processes/capa/capa.bpmn, through the HTTP API)', () => {
  let h: ProcessHarness;
  let server: RunningServer;
  let clock: FakeClock;
  const call = (method: string, path: string, body: unknown, as: string): Promise<Reply> => h.call(method, path, body, as);
  const openTasks = (instanceId: string): Promise<TaskRecord[]> => h.openTasks(instanceId);
  const theTask = (instanceId: string, elementId: string): Promise<TaskRecord> => h.theTask(instanceId, elementId);
  const complete = (task: TaskRecord, as: string, data: Record<string, unknown>, signature?: { email: string; password: string }): Promise<Reply> => h.complete(task, as, data, signature);
  const record = (instanceId: string): Promise<any> => h.record(instanceId);
  const completedInOrder = (instance: { history: { action: string; target: string }[]; tasks: TaskRecord[] }): string[] => h.completedInOrder(instance);
  const advance = (ms: number): Promise<void> => h.advance(ms);

  async function start(as = 'sam'): Promise<string> {
    const started = await h.startBySystem('capa', as);
    expect(started.businessKey).to.match(/^CAPA-2026-\d{4}$/);
    return started.id;
  }

  /** Raised, recorded by staff and triaged by the quality manager as a full CAPA owned by olga. */
  async function triaged(): Promise<string> {
    const id = await start();
    await complete(await theTask(id, 'intake'), 'sam', INTAKE);
    await complete(await theTask(id, 'triage'), 'quinn', TRIAGE_FULL);
    return id;
  }

  /** From root cause analysis through the plan to every action implemented; returns when the wait starts. */
  async function analyseAndImplement(id: string, plan: Record<string, unknown> = PLAN): Promise<void> {
    const rca = await theTask(id, 'rootCause');
    expect(rca.assignee).to.equal('olga');
    await complete(rca, 'olga', ROOT_CAUSE);
    await complete(await theTask(id, 'plan'), 'olga', plan);
    const actions = await openTasks(id);
    for (const action of actions) await complete(action, action.assignee!, IMPLEMENT);
  }

  before(async () => {
    h = await processHarness({
      start: START,
      overseer: 'quinn',
      prefix: 'capa',
      people: [
        { id: 'quinn', name: 'Quinn Quality', roles: ['quality-manager'], password: PASSWORD },
        { id: 'sam', name: 'Sam Staff', roles: ['staff'], managerId: 'quinn' },
        { id: 'olga', name: 'Olga Owner', roles: ['staff'], managerId: 'quinn' },
        { id: 'alex', name: 'Alex Engineer', roles: ['staff'], managerId: 'quinn' },
        { id: 'bea', name: 'Bea Trainer', roles: ['staff'], managerId: 'quinn' },
        { id: 'stella', name: 'Stella Steering', roles: ['steering-committee'] },
        { id: 'otto', name: 'Otto Former', roles: ['staff'], managerId: 'quinn' },
      ],
    });
    ({ server, clock } = h);
  });
  after(async () => {
    await h?.close();
  });
  beforeEach(() => h.reset());

  it('is deployed at server start and passes the same validation as an upload', async () => {
    const definitions = await call('GET', '/api/definitions', undefined, 'quinn');
    expect(definitions.status).to.equal(200);
    const capa = definitions.json.items.find((d: { key: string }) => d.key === 'capa');
    expect(capa).to.include({ key: 'capa', version: 1, name: 'Corrective and preventive action (CAPA)', businessKeyPrefix: 'CAPA', ownerRole: 'quality-manager' });

    const xml = shipped('capa.bpmn');
    const upload = await h.upload(xml);
    expect(upload.status).to.equal(200);
    expect(upload.json).to.include({ key: 'capa', version: 1 });

    // The validator itself: no problem, the service tasks bound to the registered IMS services.
    const { spec, problems } = validateDefinition(await parseBpmnXml(xml), { services: registerImsServices({ catalogue: shippedCatalogue() }).names(), fieldTypes: new Set(packFieldTypes(shippedPacks).map((type) => type.type)) });
    expect(problems).to.deep.equal([]);
    expect(Object.fromEntries(spec!.serviceTasks)).to.deep.equal({ riskScore: 'risk-score', documentChanges: 'capa-document-changes', actionList: 'capa-actions' });
    expect([...spec!.userTasks.keys()]).to.deep.equal(['recheck', 'intake', 'triage', 'contain', 'rootCause', 'plan', 'implement', 'checkEffectiveness', 'closure']);
    for (const task of spec!.userTasks.values()) {
      expect(task.due, `${task.elementId} has a due date`).to.be.a('string');
      expect(task.remindBefore, `${task.elementId} has a reminder`).to.be.a('string');
      expect(task.escalations.length, `${task.elementId} escalates`).to.be.greaterThan(0);
    }
    // Every flow element has a shape or an edge in the diagram, so it opens in bpmn-js.
    const ids = [...xml.matchAll(/<bpmn:(?:startEvent|endEvent|userTask|serviceTask|exclusiveGateway|intermediateCatchEvent|sequenceFlow) id="([^"]+)"/g)].map((m) => m[1]);
    const drawn = new Set([...xml.matchAll(/bpmnElement="([^"]+)"/g)].map((m) => m[1]));
    expect(ids.length).to.equal(47);
    expect(ids.filter((id) => !drawn.has(id))).to.deep.equal([]);
  });

  it('a CAPA raised with the issue already recorded goes straight to triage', async () => {
    const started = await h.start('capa', 'quinn', { variables: { source: 'audit-finding', title: 'Supplier approvals not re-evaluated', description: 'Found in audit.', reference: 'AUD-2026-0001' } });
    const triage = await theTask(started.id, 'triage');
    expect(triage.candidateRole).to.equal('quality-manager');
    await complete(triage, 'quinn', { severity: '2', occurrence: '2', fullCapa: 'no', justification: 'Covered by the supplier review.' });
    const closed = await record(started.id);
    expect(closed.status).to.equal('completed');
    expect(completedInOrder(closed)).to.deep.equal(['triage']);
    expect(closed.variables).to.include({ source: 'audit-finding', reference: 'AUD-2026-0001' });
  });

  it('closing without a full CAPA needs a justification, and a full CAPA needs an owner', async () => {
    const started = await h.start('capa', 'quinn', { variables: { source: 'audit-finding', title: 'Major NC: supplier approval', description: 'From an audit.' } });
    const triage = await theTask(started.id, 'triage');
    const noJustification = await call('POST', `/api/tasks/${triage.id}/complete`, { data: { severity: '4', occurrence: '4', fullCapa: 'no' } }, 'quinn');
    expect(noJustification.status).to.equal(400);
    expect(noJustification.json.fields).to.deep.equal([
      { field: 'justification', message: 'Justification (why no CAPA is needed) is required when Full CAPA needed is No: close with a justification' },
    ]);
    const noOwner = await call('POST', `/api/tasks/${triage.id}/complete`, { data: { severity: '4', occurrence: '4', fullCapa: 'yes' } }, 'quinn');
    expect(noOwner.status).to.equal(400);
    expect(noOwner.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['owner']);
    await complete(await theTask(started.id, 'triage'), 'quinn', { severity: '4', occurrence: '4', fullCapa: 'yes', owner: 'olga' });
    expect((await theTask(started.id, 'contain')).assignee).to.equal('olga');
    expect(completedInOrder(await record(started.id))).to.deep.equal(['triage']);
  });

  it('without the form rule, a triage closed without justification still comes back', async () => {
    // the shipped diagram without ims:requiredWhen on the justification, on an engine of its own
    const t = await testEngine({ services: registerImsServices({ catalogue: shippedCatalogue() }), fieldTypes: packFieldTypes(shippedPacks) });
    await t.imsflow.deploy(shipped('capa.bpmn').replace(' ims:requiredWhen="fullCapa=no"', ''), 'quinn');
    const started = await t.imsflow.start('capa', { variables: { source: 'audit-finding', title: 'Major NC: supplier approval', description: 'From an audit.' } }, 'quinn');
    await t.imsflow.completeTask((await openTasksOf(t.imsflow, started.id)).triage!.id, { severity: '4', occurrence: '4', fullCapa: 'no' }, 'quinn');
    const again = (await openTasksOf(t.imsflow, started.id)).triage!;
    expect(again.name).to.equal('Triage: rate the risk and decide on a CAPA again: closing without a full CAPA needs a justification');
  });

  it('rates risk as severity × occurrence into low, medium or high, refusing values outside 1–5', () => {
    expect(riskScore(1, 1)).to.deep.equal({ score: 1, level: 'low' });
    expect(riskScore(2, 3)).to.deep.equal({ score: 6, level: 'low' });
    expect(riskScore(4, 2)).to.deep.equal({ score: 8, level: 'medium' });
    expect(riskScore(4, 3)).to.deep.equal({ score: 12, level: 'medium' });
    expect(riskScore(5, 3)).to.deep.equal({ score: 15, level: 'high' });
    expect(riskScore(5, 5)).to.deep.equal({ score: 25, level: 'high' });
    expect(() => riskScore(0, 3)).to.throw(/severity/);
    expect(() => riskScore(3, 6)).to.throw(/occurrence/);
    expect(() => riskScore(Number.NaN, 3)).to.throw(/severity/);
  });

  it('not a full CAPA: closed at triage with the justification and the risk score', async () => {
    const id = await start();
    const intake = await theTask(id, 'intake');
    expect(intake).to.include({ candidateRole: 'staff', dueAt: '2026-05-06T07:00:00.000Z' });
    // a quality manager does not hold a staff task
    expect((await call('POST', `/api/tasks/${intake.id}/complete`, { data: INTAKE }, 'quinn')).status).to.equal(403);
    await complete(intake, 'sam', { ...INTAKE, source: 'improvement-suggestion' });

    const triage = await theTask(id, 'triage');
    expect(triage).to.include({ candidateRole: 'quality-manager', dueAt: '2026-05-09T07:00:00.000Z' });
    expect((await call('POST', `/api/tasks/${triage.id}/complete`, { data: { severity: '1', occurrence: '2', fullCapa: 'no' } }, 'sam')).status).to.equal(404);
    const bad = await call('POST', `/api/tasks/${triage.id}/complete`, { data: { severity: '6', occurrence: '2', fullCapa: 'no' } }, 'quinn');
    expect(bad.status).to.equal(400);
    expect(bad.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['severity', 'justification']);
    const done = await complete(triage, 'quinn', { severity: '1', occurrence: '2', fullCapa: 'no', justification: 'One-off cosmetic mark; no risk to product or people.' });
    expect(done.json.instanceStatus).to.equal('completed');

    const closed = await record(id);
    expect(closed.status).to.equal('completed');
    expect(closed.output.riskScore).to.deep.equal({ score: 2, level: 'low', note: '' });
    expect(closed.output.triage.justification).to.match(/cosmetic/);
    expect(completedInOrder(closed)).to.deep.equal(['intake', 'triage']);
    expect(closed.signatures).to.deep.equal([]);
  });

  it('effective first time: contained, analysed, acted on, checked, and closed with a signature', async () => {
    const id = await triaged();
    expect((await record(id)).output.riskScore).to.deep.equal({ score: 12, level: 'medium', note: '' });

    const contain = await theTask(id, 'contain');
    expect(contain).to.include({ assignee: 'olga', dueAt: '2026-05-11T07:00:00.000Z' });
    expect((await call('POST', `/api/tasks/${contain.id}/complete`, { data: CONTAIN }, 'sam')).status).to.equal(404);
    await complete(contain, 'olga', CONTAIN);

    const rca = await theTask(id, 'rootCause');
    const missing = await call('POST', `/api/tasks/${rca.id}/complete`, { data: { why1: 'x', category: 'luck' } }, 'olga');
    expect(missing.status).to.equal(400);
    expect(missing.json.fields.map((f: { field: string }) => f.field).sort()).to.deep.equal(['category', 'rootCause']);
    await complete(rca, 'olga', ROOT_CAUSE);
    await complete(await theTask(id, 'plan'), 'olga', PLAN);

    // one implementation task per planned action, open at once, each with its owner
    const actions = await openTasks(id);
    expect(actions.map((t) => [t.elementId, t.assignee, t.name]).sort()).to.deep.equal([
      ['implement', 'alex', 'Implement action 1: Lock crimper recipes to the product code'],
      ['implement', 'bea', 'Implement action 2: Retrain operators on crimper set-up'],
    ]);
    const alexTask = actions.find((t) => t.assignee === 'alex')!;
    const beaTask = actions.find((t) => t.assignee === 'bea')!;
    expect((await call('POST', `/api/tasks/${beaTask.id}/complete`, { data: IMPLEMENT }, 'alex')).status).to.equal(404);
    clock.set(new Date('2026-05-10T07:00:00Z'));
    await complete(beaTask, 'bea', IMPLEMENT);
    expect((await openTasks(id)).map((t) => t.assignee)).to.deep.equal(['alex']);
    clock.set(new Date('2026-05-20T07:00:00Z'));
    await complete(alexTask, 'alex', IMPLEMENT);
    expect(await openTasks(id)).to.deep.equal([]);
    expect((await record(id)).status).to.equal('running');

    // the effectiveness timer: P90D from the plan, counted from the last action done
    await advance(90 * DAY - 60_000);
    expect(await openTasks(id)).to.deep.equal([]);
    await advance(60_000);
    const check = await theTask(id, 'checkEffectiveness');
    expect(check.createdAt).to.equal('2026-08-18T07:00:00.000Z');
    await complete(check, 'quinn', { effective: 'yes', evidence: 'No cracked caps in 90 days (23 lots).' });

    const closure = await theTask(id, 'closure');
    expect(closure).to.include({ candidateRole: 'quality-manager', signature: 'approved' });
    const unsigned = await call('POST', `/api/tasks/${closure.id}/complete`, { data: CLOSURE }, 'quinn');
    expect(unsigned.status).to.equal(400);
    expect(unsigned.json.fields.map((f: { field: string }) => f.field.split('.')[0])).to.include('signature');
    const wrong = await call('POST', `/api/tasks/${closure.id}/complete`, { data: CLOSURE, signature: { email: 'quinn@example.com', password: 'not-the-password' } }, 'quinn');
    expect(wrong.status).to.equal(401);
    const signed = await complete(closure, 'quinn', CLOSURE, { email: 'quinn@example.com', password: PASSWORD });
    expect(signed.json.instanceStatus).to.equal('completed');
    expect(signed.json.signature).to.include({ userId: 'quinn', printedName: 'Quinn Quality', meaning: 'approved', timeZone: 'UTC' });
    expect(signed.json.signature.manifestation.text).to.equal('Approved by Quinn Quality on 2026-08-18 07:00:00 UTC');

    const closed = await record(id);
    expect(closed.status).to.equal('completed');
    expect(closed.signatures).to.have.length(1);
    expect(closed.signatures[0]).to.deep.include({ taskId: closure.id, meaning: 'approved', valid: true, status: 'matches' });
    const history = closed.history.map((e: { action: string }) => e.action);
    expect(history).to.include.members(['timer.fired', 'task.signed', 'instance.completed']);
    expect(completedInOrder(closed)).to.deep.equal([
      'intake', 'triage', 'contain', 'rootCause', 'plan', 'implement', 'implement', 'checkEffectiveness', 'closure',
    ]);
  });

  it('not effective: back to root cause analysis and a new plan, then effective and closed', async () => {
    const id = await triaged();
    await complete(await theTask(id, 'contain'), 'olga', CONTAIN);
    await analyseAndImplement(id, { ...PLAN, effectivenessWait: 'P30D' });
    await advance(30 * DAY);
    await complete(await theTask(id, 'checkEffectiveness'), 'quinn', { effective: 'no', evidence: 'Two cracked caps in lot 2290.' });

    // back to the analysis, with the owner again; containment is not redone
    const second = await theTask(id, 'rootCause');
    expect(second.assignee).to.equal('olga');
    const { action2: _a, action2Owner: _o, ...onlyOne } = PLAN;
    const secondRound = clock.now().getTime();
    await analyseAndImplement(id, { ...onlyOne, action1: 'Replace the crimper heads', effectivenessWait: 'P60D' });
    // the second wait is the second plan's: 60 days, not the first plan's 30
    await advance(30 * DAY);
    expect(await openTasks(id)).to.deep.equal([]);
    await advance(30 * DAY);
    const check = await theTask(id, 'checkEffectiveness');
    expect(Date.parse(check.createdAt) - secondRound).to.equal(60 * DAY);
    await complete(check, 'quinn', { effective: 'yes', evidence: 'No recurrence in 60 days.' });
    await complete(await theTask(id, 'closure'), 'quinn', CLOSURE, { email: 'quinn@example.com', password: PASSWORD });

    const closed = await record(id);
    expect(closed.status).to.equal('completed');
    const done = completedInOrder(closed);
    expect(done).to.deep.equal([
      'intake', 'triage', 'contain',
      'rootCause', 'plan', 'implement', 'implement', 'checkEffectiveness',
      'rootCause', 'plan', 'implement', 'checkEffectiveness',
      'closure',
    ]);
    expect(closed.history.filter((e: { action: string }) => e.action === 'timer.fired')).to.have.length(2);
    expect(closed.signatures.map((s: { meaning: string; valid: boolean }) => [s.meaning, s.valid]), JSON.stringify(closed.signatures)).to.deep.equal([['approved', true]]);
  });

  it('refuses an action plan with an action but no owner (or an owner but no action) at once: 400 naming the row, nothing changes', async () => {
    const id = await triaged();
    await complete(await theTask(id, 'contain'), 'olga', CONTAIN);
    await complete(await theTask(id, 'rootCause'), 'olga', ROOT_CAUSE);
    const plan = await theTask(id, 'plan');
    const before = await record(id);
    for (const [data, field, message] of [
      [{ ...PLAN, action2Owner: '' }, 'action2Owner', 'Owner of action 2 is required when Action 2 is filled in'],
      [{ ...PLAN, action3Owner: 'alex' }, 'action3', 'Action 3 is required when Owner of action 3 is filled in'],
      [{ ...PLAN, action3: 'Audit the line', action3Owner: '   ' }, 'action3Owner', 'Owner of action 3 is required when Action 3 is filled in'],
      // an owner the directory does not have would make an action task nobody holds
      [{ ...PLAN, action2Owner: 'Bea T.' }, 'action2Owner', 'Owner of action 2: nobody in the directory has the user id or email “Bea T.”'],
    ] as const) {
      const refused = await call('POST', `/api/tasks/${plan.id}/complete`, { data }, 'olga');
      expect(refused.status, refused.text).to.equal(400);
      expect(refused.json.fields).to.deep.equal([{ field, message }]);
    }
    // nothing changed: the plan is still open, no incident, no action task, the record as it was
    const after = await record(id);
    expect(after.status).to.equal('running');
    expect(after.incidents).to.deep.equal([]);
    expect(after.tasks.filter((t: TaskRecord) => t.status === 'open').map((t: TaskRecord) => t.id)).to.deep.equal([plan.id]);
    expect(after.history).to.deep.equal(before.history);
    // the good plan passes, one implementation task per row
    expect((await complete(plan, 'olga', PLAN)).status).to.equal(200);
    expect((await openTasks(id)).map((t) => t.assignee).sort()).to.deep.equal(['alex', 'bea']);
    expect((await record(id)).incidents).to.deep.equal([]);
  });

  it('refuses a deactivated person as CAPA owner at triage: 400 naming the field, the triage still open', async () => {
    await server.imsflow.saveUser({ id: 'otto', email: 'otto@example.com', name: 'Otto Former', roles: ['staff'], managerId: 'quinn', active: false }, 'quinn');
    const id = await start();
    await complete(await theTask(id, 'intake'), 'sam', INTAKE);
    const triage = await theTask(id, 'triage');
    expect(await h.refused(triage, 'quinn', { ...TRIAGE_FULL, owner: 'otto' })).to.deep.equal(['owner: CAPA owner (contains, analyses and plans): Otto Former is no longer active']);
    await complete(triage, 'quinn', TRIAGE_FULL);
    expect((await theTask(id, 'contain')).assignee).to.equal('olga');
  });

  it('a task reminds before and at its due date, then escalates up the management chain', async () => {
    const id = await triaged();
    await complete(await theTask(id, 'contain'), 'olga', CONTAIN);
    await complete(await theTask(id, 'rootCause'), 'olga', ROOT_CAUSE);
    const { action2: _a, action2Owner: _o, ...onlyOne } = PLAN;
    await complete(await theTask(id, 'plan'), 'olga', onlyOne);
    const action = await theTask(id, 'implement');
    expect(action).to.include({ assignee: 'alex', dueAt: '2026-07-03T07:00:00.000Z' });

    // the jobs planned for the task: notice, reminder, due, overdue reminders and the escalation chain
    const jobs = (await server.imsflow.store.listJobs({ instanceId: id, status: 'scheduled' })).filter((j) => j.payload.taskId === action.id);
    expect(jobs.map((j) => j.kind)).to.include.members(['notify', 'escalation']);
    expect(jobs.filter((j) => j.kind === 'escalation').map((j) => j.runAt).sort()).to.deep.equal(['2026-07-10T07:00:00.000Z', '2026-07-17T07:00:00.000Z', '2026-08-02T07:00:00.000Z']);

    await advance(0);
    await advance(53 * DAY); // 7 days before the due date
    await advance(7 * DAY); // due
    await advance(7 * DAY); // first escalation
    let task = (await call('GET', `/api/tasks/${action.id}`, undefined, 'quinn')).json as TaskRecord;
    expect(task.escalationLevel).to.equal(1);
    await advance(7 * DAY);
    await advance(16 * DAY);
    task = (await call('GET', `/api/tasks/${action.id}`, undefined, 'quinn')).json as TaskRecord;
    expect(task.escalationLevel).to.equal(3);
    const kinds = (task.notifications ?? []).map((n) => n.kind);
    expect(kinds).to.include.members(['assigned', 'reminder', 'due', 'overdue', 'escalation']);
    const escalations = (task.notifications ?? []).filter((n) => n.kind === 'escalation');
    expect(escalations.map((n) => [n.level, n.at, n.to])).to.deep.equal([
      [1, '2026-07-10T07:00:00.000Z', ['quinn']], // alex's manager
      [2, '2026-07-17T07:00:00.000Z', ['quinn']], // the quality managers
      [3, '2026-08-02T07:00:00.000Z', ['stella']], // the steering committee
    ]);
    expect((task.notifications ?? []).find((n) => n.kind === 'reminder')).to.deep.include({ at: '2026-06-26T07:00:00.000Z', to: ['alex'] });
    // each notice is an email in the outbox (held: no mail server), to the people named
    const outbox = await call('GET', `/api/outbox?task=${action.id}`, undefined, 'operator');
    expect(outbox.status, outbox.text).to.equal(200);
    expect(outbox.json.items.map((m: { to: string }) => m.to)).to.include.members(['alex@example.com', 'quinn@example.com', 'stella@example.com']);
    // completing it cancels what is left of its reminders (only the completion notice is planned)
    await complete(task, 'alex', IMPLEMENT);
    const left = (await server.imsflow.store.listJobs({ instanceId: id, status: 'scheduled' })).filter((j) => j.payload.taskId === action.id);
    expect(left.map((j) => j.payload.notice ?? j.kind)).to.deep.equal(left.length ? ['completed'] : []);
  });
});
