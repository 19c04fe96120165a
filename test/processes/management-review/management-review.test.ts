import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { parseBpmnXml } from '../../../engine/kernel/bpmn/parse.js';
import { validateDefinition } from '../../../engine/kernel/bpmn/validate.js';
import {
  auditFigures,
  capaFigures,
  capaRequest,
  gapCoverageOf,
  nonconformityFigures,
  overdueFigures,
  periodOf,
  previousActions,
  previousReview,
  readActionRows,
  titleOf,
  type RecordView,
} from '../../../processes/management-review/services.js';
import type { GapReport } from '../../../processes/gap-analysis/services.js';
import type { AuditResult, Finding } from '../../../processes/internal-audit/services.js';
import { registerImsServices } from '../../../processes/index.js';
import type { InstanceRecord, TaskRecord } from '../../../engine/kernel/model.js';
import { shippedCatalogue } from '../../../processes/index.js';
import { DAY, shipped } from '../../helpers.js';
import { processHarness, type ProcessHarness, type Reply } from '../../support/process-harness.js';

/**
 * The shipped management review (processes/management-review/management-review.bpmn), driven through the HTTP API of a
 * listening server only, on a fake clock: the input pack compiled from live records (CAPAs and
 * nonconformities made through the API; internal audits and gap analyses inserted as records, since
 * those processes are built elsewhere), the meeting's actions with their linked CAPA, the sign-off with
 * a signature, a scheduled start, reminders and escalations.
 */

const STELLA_PASSWORD = 'top-management-signs-9317';
// 2026-01-05 is a Monday.
const START = '2026-01-05T08:00:00Z';
const HOUR = 3_600_000;

const PREPARE = {
  objectivesQuality: 'On-time delivery: target 98 %, result 97.2 % (owner: logistics).',
  objectivesEnvironment: 'Solvent use: target −10 %, result −12 %.',
  contextChanges: 'New EU GMP Annex 1 in force; second filling line planned.',
  customerFeedback: 'Survey 8.1/10; three complaints (caps).',
  processPerformance: 'Yield 98.7 %; two batches reworked.',
  externalProviders: 'Cap supplier on probation after two late deliveries.',
  resources: 'One QC analyst vacancy open since October.',
  risksActions: 'Supplier dual-sourcing reduced stock-outs to zero.',
  improvement: 'Automate the line clearance checklist.',
};
const MINUTES = {
  attendees: 'Site director (chair), quality manager, production manager, EHS lead.',
  minutesPreviousActions: 'Reviewed: see the pack.',
  minutesContext: 'Annex 1 gap closure on track.',
  minutesPerformance: 'Objectives met except on-time delivery; CAPA backlog discussed.',
  minutesResources: 'QC vacancy to be filled.',
  minutesRisks: 'Dual-sourcing effective.',
  minutesImprovement: 'Line clearance automation agreed.',
  decisionImprovement: 'Automate line clearance.',
  decisionChanges: 'Update the supplier approval procedure.',
  decisionResources: 'Hire one QC analyst.',
};
const SIGN_OFF = { conclusion: 'effective-with-actions', statement: 'The IMS is suitable, adequate and effective, with the two actions decided.' };
const ACTION_DONE = { done: 'Done as decided.', completedOn: '2026-02-10', reference: 'CC-1001' };

describe('Management review process (shipped processes/management-review/management-review.bpmn, through the HTTP API)', () => {
  let h: ProcessHarness;
  const call = (method: string, path: string, body: unknown, as: string): Promise<Reply> => h.call(method, path, body, as);
  const theTask = (instanceId: string, elementId: string): Promise<TaskRecord> => h.theTask(instanceId, elementId);
  const record = (instanceId: string): Promise<any> => h.record(instanceId);
  const taskById = async (id: string): Promise<TaskRecord> => (await call('GET', `/api/tasks/${id}`, undefined, 'quinn')).json as TaskRecord;

  /** Inserts a finished record of a process built elsewhere (internal audit, gap analysis), as it would be stored. */
  async function insertRecord(key: string, businessKey: string, fields: Partial<InstanceRecord>): Promise<void> {
    const record: InstanceRecord = {
      id: randomUUID(),
      key,
      version: 1,
      businessKey,
      status: 'completed',
      variables: {},
      output: {},
      engineState: null,
      revision: 0,
      startedAt: '2025-01-01T08:00:00.000Z',
      startedBy: 'test-setup',
      ...fields,
    };
    await h.server.imsflow.store.commit({ instance: { record, expectedRevision: null }, audit: [] });
  }

  /** Starts a review at a site and completes the preparation; returns the review's id and key. */
  async function prepared(site: string, prepare: Record<string, unknown>): Promise<{ id: string; businessKey: string }> {
    const started = await h.start('management-review', 'quinn', { site, variables: { title: 'Management review 2026' } });
    expect(started.businessKey).to.match(/^MR-2026-\d{4}$/);
    await h.complete(await theTask(started.id, 'prepare'), 'quinn', { ...PREPARE, ...prepare });
    return started;
  }

  before(async () => {
    h = await processHarness({
      start: START,
      overseer: 'quinn',
      prefix: 'mr',
      people: [
        { id: 'quinn', name: 'Quinn Quality', roles: ['quality-manager'], sites: ['dublin', 'cork'] },
        { id: 'stella', name: 'Stella Steering', roles: ['steering-committee'], sites: ['dublin', 'cork'], password: STELLA_PASSWORD },
        { id: 'sam', name: 'Sam Staff', roles: ['staff'], managerId: 'quinn', sites: ['dublin'] },
        { id: 'olga', name: 'Olga Owner', roles: ['staff'], managerId: 'quinn', sites: ['dublin'] },
        { id: 'alex', name: 'Alex Engineer', roles: ['staff'], managerId: 'quinn', sites: ['dublin'] },
        { id: 'bea', name: 'Bea Buyer', roles: ['staff'], managerId: 'quinn', sites: ['dublin'] },
        { id: 'bruno', name: 'Bruno Basel', roles: ['quality-manager'], sites: ['basel'] },
      ],
    });
  });
  after(async () => {
    await h?.close();
  });
  beforeEach(() => h.reset());

  it('is deployed at server start, validated like an upload, with every element drawn', async () => {
    const definitions = await call('GET', '/api/definitions', undefined, 'quinn');
    const review = definitions.json.items.find((d: { key: string }) => d.key === 'management-review');
    expect(review).to.include({ key: 'management-review', version: 1, name: 'Management review', businessKeyPrefix: 'MR', ownerRole: 'quality-manager' });

    const xml = shipped('management-review.bpmn');
    const upload = await h.upload(xml);
    expect(upload.status, upload.text).to.equal(200);
    expect(upload.json).to.include({ key: 'management-review', version: 1 });

    const { spec, problems } = validateDefinition(await parseBpmnXml(xml), { services: registerImsServices({ catalogue: shippedCatalogue() }).names() });
    expect(problems).to.deep.equal([]);
    expect(Object.fromEntries(spec!.serviceTasks)).to.deep.equal({ inputPack: 'review-inputs', reviewActions: 'review-actions' });
    expect([...spec!.userTasks.keys()]).to.deep.equal(['prepare', 'meeting', 'completeActions', 'signOff', 'doAction']);
    for (const task of spec!.userTasks.values()) {
      expect(task.candidateRole ?? task.assignee, `${task.elementId} has a holder`).to.be.a('string');
      expect(task.due, `${task.elementId} has a due date`).to.be.a('string');
      expect(task.remindBefore, `${task.elementId} reminds before`).to.be.a('string');
      expect(task.remindEvery, `${task.elementId} reminds when late`).to.be.a('string');
      expect(task.escalations.length, `${task.elementId} escalates`).to.be.greaterThan(0);
    }
    expect(spec!.userTasks.get('signOff')).to.include({ candidateRole: 'steering-committee', signature: 'approved' });
    expect(spec!.userTasks.get('doAction')).to.include({ assignee: '${item.owner}', due: '${item.due}' });
    expect(spec!.userTasks.get('meeting')!.form.filter((f) => f.key.startsWith('action')).map((f) => f.key)).to.have.length(20);

    // Every flow element has a shape or an edge, so the file opens in the modeler.
    const ids = [...xml.matchAll(/<bpmn:(?:startEvent|endEvent|userTask|serviceTask|exclusiveGateway|parallelGateway|sequenceFlow) id="([^"]+)"/g)].map((m) => m[1]);
    const drawn = new Set([...xml.matchAll(/bpmnElement="([^"]+)"/g)].map((m) => m[1]));
    expect(ids.length).to.equal(30);
    expect(ids.filter((id) => !drawn.has(id))).to.deep.equal([]);
  });

  describe('the input pack figures (pure functions)', () => {
    const period = { from: '2025-07-01T00:00:00.000Z', to: '2026-01-15T08:00:00.000Z' };
    const now = new Date(period.to);
    let n = 0;
    const rec = (key: string, fields: Partial<RecordView>): RecordView => ({
      id: `r${(n += 1)}`,
      key,
      version: 1,
      businessKey: `${key.toUpperCase()}-${n}`,
      status: 'running',
      variables: {},
      output: {},
      revision: 0,
      startedAt: '2025-09-01T00:00:00.000Z',
      startedBy: 'x',
      ...fields,
    });
    const task = (instanceId: string, fields: Partial<TaskRecord>): TaskRecord => ({
      id: randomUUID(),
      instanceId,
      definitionKey: 'capa',
      businessKey: 'K',
      elementId: 'contain',
      executionId: 'e',
      name: 'Task',
      status: 'open',
      createdAt: '2025-09-01T00:00:00.000Z',
      form: [],
      revision: 0,
      ...fields,
    });

    it('counts CAPAs opened, open and closed, by source and risk, and overdue tasks', () => {
      const before = rec('capa', { startedAt: '2025-03-01T00:00:00.000Z', variables: { source: 'gap' }, output: { riskScore: { level: 'medium' } } });
      const atTriage = rec('capa', { status: 'completed', endedAt: '2025-09-02T00:00:00.000Z', variables: { source: 'complaint', title: 'Caps' }, output: { triage: { fullCapa: 'no' }, riskScore: { level: 'low' } } });
      const effective = rec('capa', { status: 'completed', startedAt: '2025-02-01T00:00:00.000Z', endedAt: '2025-10-01T00:00:00.000Z', output: { intake: { source: 'incident' }, closure: { summary: 's' } } });
      const open = rec('capa', { startedAt: '2025-08-01T00:00:00.000Z', output: { intake: { source: 'incident', title: 'Spill' }, riskScore: { level: 'high' } } });
      const stuck = rec('capa', { status: 'incident', startedAt: '2025-11-01T00:00:00.000Z' });
      const cancelled = rec('capa', { status: 'cancelled', endedAt: '2025-12-01T00:00:00.000Z', variables: { source: 'manual' } });
      const overdue = [task(open.id, { dueAt: '2026-01-01T00:00:00.000Z' }), task(open.id, { dueAt: '2026-01-02T00:00:00.000Z' }), task('other', { dueAt: '2026-01-01T00:00:00.000Z' })];
      const figures = capaFigures([before, atTriage, effective, open, stuck, cancelled], overdue, period);
      expect(figures).to.deep.equal({
        openedInPeriod: 4,
        openNow: 3,
        closedInPeriod: 2,
        closedEffective: 1,
        closedAtTriage: 1,
        cancelledInPeriod: 1,
        overdueTasks: 2,
        recordsWithOverdueTasks: 1,
        bySource: { complaint: 1, incident: 1, unknown: 1, manual: 1 },
        byRiskLevel: { low: 1, high: 1, 'not rated': 2 },
        oldestOpen: [
          { businessKey: before.businessKey, title: '', riskLevel: 'medium', startedAt: before.startedAt },
          { businessKey: open.businessKey, title: 'Spill', riskLevel: 'high', startedAt: open.startedAt },
          { businessKey: stuck.businessKey, title: '', startedAt: stuck.startedAt },
        ],
      });
    });

    it('counts nonconformities by outcome and severity', () => {
      const effective = rec('nonconformity', { status: 'completed', endedAt: '2025-12-01T00:00:00.000Z', output: { assess: { severity: 'major', actionNeeded: true }, verify: { effective: 'yes' } } });
      const corrected = rec('nonconformity', { status: 'completed', endedAt: '2025-09-03T00:00:00.000Z', output: { assess: { severity: 'minor', actionNeeded: false } } });
      const open = rec('nonconformity', { output: { assess: { severity: 'major', actionNeeded: true } } });
      const fresh = rec('nonconformity', {});
      const old = rec('nonconformity', { status: 'completed', startedAt: '2025-01-01T00:00:00.000Z', endedAt: '2025-02-01T00:00:00.000Z', output: { assess: { severity: 'critical' } } });
      expect(nonconformityFigures([effective, corrected, open, fresh, old], [task(open.id, { definitionKey: 'nonconformity', dueAt: '2026-01-10T00:00:00.000Z' })], period)).to.deep.equal({
        openedInPeriod: 4,
        openNow: 2,
        closedInPeriod: 2,
        closedEffective: 1,
        closedAfterCorrection: 1,
        cancelledInPeriod: 0,
        overdueTasks: 1,
        recordsWithOverdueTasks: 1,
        bySeverity: { major: 2, minor: 1, 'not assessed': 1 },
        correctiveActionNeeded: 2,
      });
    });

    it('sums the findings of the period\'s audits, reading missing or partial output as zero', () => {
      const full = rec('internal-audit', {
        status: 'completed',
        endedAt: '2025-11-20T00:00:00.000Z',
        output: {
          findings: {
            findings: [
              { n: 1, clause: '8.4', number: '8.4', title: 'Supplier approval', grade: 'major' },
              { n: 2, clause: '7.2', number: '7.2', title: 'Competence', grade: 'observation' },
              { n: 3, clause: '14001:6.1.2', number: '6.1.2', title: 'Aspects', grade: 'minor' },
            ],
            counts: { conforms: 10, major: 1, minor: 1, observation: 1, ofi: 2, na: 3 },
            nonconformities: 2,
          },
        },
      });
      const partial = rec('internal-audit', { status: 'completed', endedAt: '2025-12-01T00:00:00.000Z', output: { findings: { counts: { minor: 2, major: 'x' }, nonconformities: [{}, {}] } } });
      const empty = rec('internal-audit', { status: 'completed', endedAt: '2025-12-02T00:00:00.000Z' });
      const earlier = rec('internal-audit', { status: 'completed', endedAt: '2025-06-30T23:59:59.000Z', output: { findings: { counts: { major: 5 } } } });
      const running = rec('internal-audit', {});
      // an audit with a nonconformity stays open until its follow-up is verified: it counts all the same
      const inFollowUp = rec('internal-audit', {
        output: {
          plan: { auditDate: '2025-11-25' },
          findings: { findings: [{ n: 1, clause: '8.5.1', number: '8.5.1', title: 'Control of production', grade: 'major' }], counts: { major: 1 }, nonconformities: 1 },
        },
      });
      const cancelled = rec('internal-audit', { status: 'cancelled', output: { plan: { auditDate: '2025-11-26' }, findings: { counts: { major: 4 }, nonconformities: 4 } } });
      const figures = auditFigures([empty, partial, full, earlier, running, inFollowUp, cancelled], period);
      expect(figures.auditedInPeriod).to.equal(4);
      expect(figures.inProgress).to.equal(1);
      expect(figures.counts).to.deep.equal({ conforms: 10, major: 2, minor: 3, observation: 1, ofi: 2, na: 3 });
      expect(figures.nonconformities).to.equal(5);
      expect(figures.audits.map((a) => [a.businessKey, a.status, a.nonconformities])).to.deep.equal([
        [full.businessKey, 'completed', 2],
        [inFollowUp.businessKey, 'running', 1],
        [partial.businessKey, 'completed', 2],
        [empty.businessKey, 'completed', 0],
      ]);
      expect(figures.nonconformingFindings).to.deep.equal([
        { audit: full.businessKey, clause: '8.4', title: 'Supplier approval', grade: 'major' },
        { audit: full.businessKey, clause: '6.1.2', title: 'Aspects', grade: 'minor' },
        { audit: inFollowUp.businessKey, clause: '8.5.1', title: 'Control of production', grade: 'major' },
      ]);
    });

    it('takes gap coverage from the newest signed-off gap report, else the newest report', () => {
      const clauses = [
        { clause: '8.4', number: '8.4', title: 'Control of externally provided processes', status: 'gap', owner: 'bea' },
        { clause: '7.2', number: '7.2', title: 'Competence', status: 'conforms' },
        { clause: '14001:6.1.2', number: '6.1.2', title: 'Environmental aspects', status: 'partial' },
      ];
      const report = (pct: number) => ({ gapReport: { standards: ['9001'], coverage: [{ standard: '9001', applicable: 10, assessed: 10, conforms: 8, partial: 1, gap: 1, na: 0, conformityPct: pct }], clauses, openGaps: 2 } });
      const signed = { signOff: { conclusion: 'c', accepted: true } };
      const older = rec('gap-analysis', { status: 'completed', startedAt: '2025-05-01T00:00:00.000Z', endedAt: '2025-06-01T00:00:00.000Z', output: { ...report(60), ...signed } });
      // signed off, its gaps still being closed: newer than the completed one, so it is the one reported
      const latest = rec('gap-analysis', { startedAt: '2025-09-01T00:00:00.000Z', output: { ...report(80), ...signed } });
      const running = rec('gap-analysis', { startedAt: '2025-12-01T00:00:00.000Z', output: report(90) });
      const noReport = rec('gap-analysis', { status: 'completed', endedAt: '2025-12-20T00:00:00.000Z' });
      expect(gapCoverageOf([])).to.equal(null);
      expect(gapCoverageOf([noReport])).to.equal(null);
      expect(gapCoverageOf([older, running, latest, noReport])).to.deep.equal({
        businessKey: latest.businessKey,
        status: 'running',
        at: '2025-09-01T00:00:00.000Z',
        standards: ['9001'],
        coverage: [{ standard: '9001', applicable: 10, assessed: 10, conforms: 8, partial: 1, gap: 1, na: 0, conformityPct: 80 }],
        openGaps: 2,
        openGapClauses: [
          { number: '8.4', title: 'Control of externally provided processes', status: 'gap', owner: 'bea' },
          { number: '6.1.2', title: 'Environmental aspects', status: 'partial' },
        ],
      });
      expect(gapCoverageOf([running, noReport])!.coverage[0].conformityPct).to.equal(90);
      // read defensively: odd values count as zero, a missing percentage stays unknown
      const odd = rec('gap-analysis', { status: 'completed', endedAt: '2025-10-01T00:00:00.000Z', output: { gapReport: { coverage: [{ standard: '45001', applicable: 'many', conformityPct: null }], clauses: 'x', openGaps: [{}, {}, {}] } } });
      expect(gapCoverageOf([odd])).to.deep.include({
        standards: [],
        openGaps: 3,
        openGapClauses: [],
        coverage: [{ standard: '45001', applicable: 0, assessed: 0, conforms: 0, partial: 0, gap: 0, na: 0, conformityPct: null }],
      });
    });

    it('lists overdue tasks by process, the longest overdue first', () => {
      const figures = overdueFigures(
        [
          task('a', { definitionKey: 'capa', businessKey: 'CAPA-1', name: 'Contain', assignee: 'olga', dueAt: '2026-01-12T08:00:00.000Z' }),
          task('b', { definitionKey: 'nonconformity', businessKey: 'NC-1', name: 'Assess', candidateRole: 'quality-manager', dueAt: '2026-01-01T08:00:00.000Z' }),
          task('c', { definitionKey: 'capa', dueAt: '2026-02-01T00:00:00.000Z' }),
          task('d', { definitionKey: 'capa', status: 'completed', dueAt: '2025-12-01T00:00:00.000Z' }),
          task('e', { definitionKey: 'capa' }),
        ],
        now,
      );
      expect(figures).to.deep.equal({
        total: 2,
        byProcess: { capa: 1, nonconformity: 1 },
        oldest: [
          { businessKey: 'NC-1', process: 'nonconformity', task: 'Assess', holder: 'quality-manager', dueAt: '2026-01-01T08:00:00.000Z', daysOverdue: 14 },
          { businessKey: 'CAPA-1', process: 'capa', task: 'Contain', holder: 'olga', dueAt: '2026-01-12T08:00:00.000Z', daysOverdue: 3 },
        ],
      });
    });

    it('reports the previous review\'s actions as done, open, overdue or cancelled, with their CAPA', () => {
      const actions = [1, 2, 3].map((i) => ({ n: i, title: `A${i}`, description: `A${i}`, owner: 'alex', due: '2026-01-10', capa: i === 3 }));
      const earlier = rec('management-review', { status: 'completed', startedAt: '2024-12-01T00:00:00.000Z', output: { reviewActions: { complete: true, actions: [] } } });
      const review = rec('management-review', {
        startedAt: '2025-01-10T00:00:00.000Z',
        output: { prepare: { meetingDate: '2025-01-20' }, reviewActions: { complete: true, actions, count: 3 } },
        links: [{ rel: 'started', instanceId: 'c1', businessKey: 'CAPA-2025-0007', processKey: 'capa', elementId: 'reviewActions', label: 'Review action 3: A3', at: '2025-01-20T00:00:00.000Z' }],
      });
      const waiting = rec('management-review', { startedAt: '2025-06-01T00:00:00.000Z', output: { reviewActions: { complete: false, actions: [] } } });
      const otherSite = rec('management-review', { site: 'basel', startedAt: '2025-09-01T00:00:00.000Z', output: { reviewActions: { complete: true, actions: [] } } });
      const current = rec('management-review', { startedAt: '2026-01-15T00:00:00.000Z' });
      expect(previousReview([current, waiting, otherSite, earlier, review], current)).to.equal(review);
      expect(previousReview([current, otherSite, review], { id: 'x', site: 'basel' })).to.equal(otherSite);
      expect(previousReview([current], current)).to.equal(undefined);

      const tasks = [
        task(review.id, { elementId: 'doAction', status: 'completed', iteration: { index: 0, item: actions[0] }, data: { completedOn: '2025-12-01' } }),
        task(review.id, { elementId: 'doAction', iteration: { index: 1, item: actions[1] }, dueAt: '2026-01-10T23:59:59.999Z' }),
        task(review.id, { elementId: 'doAction', iteration: { index: 2, item: actions[2] }, dueAt: '2026-02-10T23:59:59.999Z' }),
        task(review.id, { elementId: 'signOff', status: 'completed' }),
      ];
      const result = previousActions(review, tasks, now);
      expect(result.review).to.deep.equal({ businessKey: review.businessKey, status: 'running', meetingDate: '2025-01-20' });
      expect(result.actions.map((a) => [a.n, a.state, a.completedOn, a.capaRecord])).to.deep.equal([
        [1, 'done', '2025-12-01', undefined],
        [2, 'overdue', undefined, undefined],
        [3, 'open', undefined, 'CAPA-2025-0007'],
      ]);
      expect(result.summary).to.deep.equal({ total: 3, done: 1, open: 1, overdue: 1, cancelled: 0 });
      const cancelled = previousActions({ ...review, status: 'cancelled' }, [tasks[0], { ...tasks[1], status: 'cancelled' }], now);
      expect(cancelled.actions.map((a) => a.state)).to.deep.equal(['done', 'cancelled', 'cancelled']);
      expect(previousActions(undefined, [], now)).to.deep.equal({ review: null, actions: [], summary: { total: 0, done: 0, open: 0, overdue: 0, cancelled: 0 } });
    });

    it('reads the action rows: an incomplete row is a problem to correct, not an incident', async () => {
      const owners = async (id: string) => (id === 'ghost' ? 'unknown' : id === 'gone' ? 'inactive' : id === 'basil' ? 'other-site' : 'ok') as 'ok';
      const ok = await readActionRows(
        { action1: 'Hire a QC analyst\nby Q2, budget approved', action1Owner: 'alex', action1Due: '2026-03-01', action3: 'Raise a CAPA', action3Owner: 'bea', action3Due: '2026-01-15', action3Capa: true, action4Capa: false },
        '2026-01-15',
        owners,
      );
      expect(ok).to.deep.equal({
        problems: [],
        actions: [
          { n: 1, title: 'Hire a QC analyst', description: 'Hire a QC analyst\nby Q2, budget approved', owner: 'alex', due: '2026-03-01', capa: false },
          { n: 3, title: 'Raise a CAPA', description: 'Raise a CAPA', owner: 'bea', due: '2026-01-15', capa: true },
        ],
      });
      const bad = await readActionRows(
        { action1: 'No owner', action1Due: '2026-03-01', action2: 'No date', action2Owner: 'alex', action3Owner: 'alex', action4: 'Late', action4Owner: 'ghost', action4Due: '2026-01-14', action5: 'x', action5Owner: 'basil', action5Due: '2026-02-01' },
        '2026-01-15',
        owners,
      );
      expect(bad.problems).to.deep.equal([
        'action 1 (No owner) has no owner',
        'action 2 (No date) has no due date',
        'action 3 has no description',
        'the owner of action 4 (ghost) is not a known person',
        'action 4 (Late) is due in the past (2026-01-14)',
        "the owner of action 5 (basil) does not belong to the review's site",
      ]);
      expect(bad.actions).to.deep.equal([]);
      expect((await readActionRows({ action1: 'x', action1Owner: 'gone', action1Due: '2026-02-01' }, '2026-01-15', owners)).problems).to.deep.equal(['the owner of action 1 (gone) is no longer active']);
      expect(titleOf(`${'a'.repeat(130)}`)).to.have.length(120);
      expect(capaRequest({ n: 2, title: 'T', description: 'D', owner: 'bea', due: '2026-03-01', capa: true }, { businessKey: 'MR-2026-0001', meetingDate: '2026-01-20' })).to.deep.equal({
        variables: { source: 'management-review', title: 'T', description: 'Action 2 of management review MR-2026-0001 (meeting of 2026-01-20): D\nAction owner: bea, due 2026-03-01.', reference: 'MR-2026-0001 action 2' },
        label: 'Review action 2: T',
      });
    });

    it('covers the period from the start date to now', () => {
      expect(periodOf('2025-07-01', now)).to.deep.equal(period);
      expect(periodOf('2026-02-01', now)).to.deep.equal({ from: period.to, to: period.to });
      expect(() => periodOf(undefined, now)).to.throw(/start date/);
    });
  });

  it('compiles the input pack from the live records of the site over the period', async () => {
    // CAPA closed at triage (raised with the issue recorded: straight to triage)
    const atTriage = await h.start('capa', 'quinn', { site: 'dublin', variables: { source: 'complaint', title: 'Cracked caps, lot 2231', description: 'Twelve cracked caps.', reference: 'CC-2026-114' } });
    await h.complete(await theTask(atTriage.id, 'triage'), 'quinn', { severity: '1', occurrence: '2', fullCapa: 'no', justification: 'Cosmetic, one lot.' });
    // CAPA recorded by staff, rated high, waiting for containment (due in 7 days, overdue by the review)
    const open = await h.startBySystem('capa', 'sam');
    await h.complete(await theTask(open.id, 'intake'), 'sam', { source: 'incident', title: 'Solvent spill in store 2', description: 'Ten litres of IPA spilled.' });
    await h.complete(await theTask(open.id, 'triage'), 'quinn', { severity: '4', occurrence: '4', fullCapa: 'yes', owner: 'olga' });
    const contain = await theTask(open.id, 'contain');
    expect(contain).to.include({ assignee: 'olga', dueAt: '2026-01-12T08:00:00.000Z' });
    // another site's CAPA, overdue as well: not in Dublin's figures
    const basel = await h.start('capa', 'bruno', { variables: { source: 'audit-finding', title: 'Basel finding', description: 'Other site.' } });
    expect((await call('GET', `/api/instances/${basel.id}`, undefined, 'quinn')).status).to.equal(404);
    // nonconformities: one in corrective action, one closed after correction
    const ncOpen = await h.start('nonconformity', 'quinn', { site: 'dublin', variables: { owner: 'alex', title: 'Scratched vial', description: 'Scratch across the label panel.' } });
    await h.complete(await theTask(ncOpen.id, 'assess'), 'quinn', { severity: 'major', containment: 'Lot quarantined.', actionNeeded: true });
    const ncClosed = await h.start('nonconformity', 'quinn', { site: 'dublin', variables: { owner: 'alex', title: 'Label smudge', description: 'Smudged print on one label roll.' } });
    await h.complete(await theTask(ncClosed.id, 'assess'), 'quinn', { severity: 'minor', containment: 'Relabelled.', actionNeeded: false });
    expect((await record(ncClosed.id)).status).to.equal('completed');

    // internal audits and gap analyses, stored as those processes record them (typed with their shapes)
    const findings: { findings: Finding[]; counts: Record<AuditResult, number>; nonconformities: number } = {
      findings: [
        { n: 1, clause: '8.4', number: '8.4', title: 'Control of externally provided processes', grade: 'major', statement: 'Supplier approvals not re-evaluated.', auditor: 'henrik' },
        { n: 2, clause: '7.5.3', number: '7.5.3', title: 'Control of documented information', grade: 'minor', statement: 'Obsolete SOP at the line.', auditor: 'henrik' },
        { n: 3, clause: '7.2', number: '7.2', title: 'Competence', grade: 'observation', statement: 'Training matrix late.', auditor: 'henrik' },
      ],
      counts: { conforms: 40, major: 1, minor: 1, observation: 1, ofi: 4, na: 5 },
      nonconformities: 2,
    };
    await insertRecord('internal-audit', 'AUD-2025-0001', { site: 'dublin', startedAt: '2025-11-01T08:00:00.000Z', endedAt: '2025-11-20T16:00:00.000Z', output: { findings } });
    await insertRecord('internal-audit', 'AUD-2025-0002', { site: 'dublin', startedAt: '2025-11-25T08:00:00.000Z', endedAt: '2025-12-10T16:00:00.000Z', output: { findings: { counts: { minor: 2 }, nonconformities: [{ clause: '8.5.1' }, { clause: '8.7' }] } } });
    await insertRecord('internal-audit', 'AUD-2025-0003', { site: 'dublin', startedAt: '2025-12-01T08:00:00.000Z', endedAt: '2025-12-12T16:00:00.000Z' });
    await insertRecord('internal-audit', 'AUD-2025-0004', { site: 'dublin', startedAt: '2025-03-01T08:00:00.000Z', endedAt: '2025-03-20T16:00:00.000Z', output: { findings: { counts: { major: 9 } } } });
    await insertRecord('internal-audit', 'AUD-2025-0005', { site: 'basel', startedAt: '2025-10-01T08:00:00.000Z', endedAt: '2025-10-20T16:00:00.000Z', output: { findings: { counts: { major: 7 } } } });
    await insertRecord('internal-audit', 'AUD-2026-0001', { site: 'dublin', status: 'running', startedAt: '2026-01-02T08:00:00.000Z' });
    const coverage = (pct: number): GapReport['coverage'] => [
      { standard: '9001', applicable: 120, assessed: 120, conforms: 100, partial: 10, gap: 6, na: 4, conformityPct: pct },
      { standard: '14001', applicable: 80, assessed: 60, conforms: 50, partial: 5, gap: 5, na: 0, conformityPct: 83 },
    ];
    const clauses: GapReport['clauses'] = [
      { clause: '8.4', number: '8.4', title: 'Control of externally provided processes, products and services', status: 'gap', owner: 'bea' },
      { clause: '9.1.3', number: '9.1.3', title: 'Analysis and evaluation', status: 'conforms' },
      { clause: '14001:6.1.3', number: '6.1.3', title: 'Compliance obligations', status: 'partial', owner: 'alex' },
    ];
    await insertRecord('gap-analysis', 'GAP-2025-0001', { site: 'dublin', endedAt: '2025-06-01T16:00:00.000Z', output: { gapReport: { standards: ['9001', '14001'], coverage: coverage(70), clauses: [], openGaps: 3 } } });
    await insertRecord('gap-analysis', 'GAP-2025-0002', { site: 'dublin', startedAt: '2025-09-01T08:00:00.000Z', endedAt: '2025-10-01T16:00:00.000Z', output: { gapReport: { standards: ['9001', '14001'], coverage: coverage(87), clauses, openGaps: 2 } satisfies GapReport } });
    await insertRecord('gap-analysis', 'GAP-2025-0003', { site: 'basel', startedAt: '2025-12-01T08:00:00.000Z', endedAt: '2025-12-20T16:00:00.000Z', output: { gapReport: { standards: ['45001'], coverage: [], openGaps: 9 } } });

    // ten days on: the containment task and the Basel triage are overdue
    await h.advance(10 * DAY);
    const review = await h.start('management-review', 'quinn', { site: 'dublin', variables: { title: 'Management review 2026' } });
    const prepare = await theTask(review.id, 'prepare');
    expect(prepare).to.include({ candidateRole: 'quality-manager', site: 'dublin', dueAt: '2026-01-29T08:00:00.000Z' });
    const missing = await call('POST', `/api/tasks/${prepare.id}/complete`, { data: { meetingDate: '2026-01-29' } }, 'quinn');
    expect(missing.status).to.equal(400);
    expect(missing.json.fields.map((f: { field: string }) => f.field)).to.include.members(['periodFrom', 'objectivesQuality', 'contextChanges', 'improvement']);
    await h.complete(prepare, 'quinn', { ...PREPARE, meetingDate: '2026-01-29', periodFrom: '2025-07-01' });

    const pack = (await record(review.id)).output.inputPack;
    expect(pack.generatedAt).to.equal('2026-01-15T08:00:00.000Z');
    expect(pack.period).to.deep.equal({ from: '2025-07-01T00:00:00.000Z', to: '2026-01-15T08:00:00.000Z' });
    expect(pack.site).to.equal('dublin');
    expect(pack.previousActions).to.deep.equal({ review: null, actions: [], summary: { total: 0, done: 0, open: 0, overdue: 0, cancelled: 0 } });
    expect(pack.capa).to.deep.equal({
      openedInPeriod: 2,
      openNow: 1,
      closedInPeriod: 1,
      closedEffective: 0,
      closedAtTriage: 1,
      cancelledInPeriod: 0,
      overdueTasks: 1,
      recordsWithOverdueTasks: 1,
      bySource: { complaint: 1, incident: 1 },
      byRiskLevel: { low: 1, high: 1 },
      oldestOpen: [{ businessKey: open.businessKey, title: 'Solvent spill in store 2', riskLevel: 'high', startedAt: '2026-01-05T08:00:00.000Z' }],
    });
    expect(pack.nonconformities).to.deep.equal({
      openedInPeriod: 2,
      openNow: 1,
      closedInPeriod: 1,
      closedEffective: 0,
      closedAfterCorrection: 1,
      cancelledInPeriod: 0,
      overdueTasks: 0,
      recordsWithOverdueTasks: 0,
      bySeverity: { major: 1, minor: 1 },
      correctiveActionNeeded: 1,
    });
    expect(pack.audits).to.deep.equal({
      auditedInPeriod: 3,
      inProgress: 1,
      counts: { conforms: 40, major: 1, minor: 3, observation: 1, ofi: 4, na: 5 },
      nonconformities: 4,
      audits: [
        { businessKey: 'AUD-2025-0001', auditedOn: '2025-11-20T16:00:00.000Z', status: 'completed', counts: findings.counts, nonconformities: 2 },
        { businessKey: 'AUD-2025-0002', auditedOn: '2025-12-10T16:00:00.000Z', status: 'completed', counts: { conforms: 0, major: 0, minor: 2, observation: 0, ofi: 0, na: 0 }, nonconformities: 2 },
        { businessKey: 'AUD-2025-0003', auditedOn: '2025-12-12T16:00:00.000Z', status: 'completed', counts: { conforms: 0, major: 0, minor: 0, observation: 0, ofi: 0, na: 0 }, nonconformities: 0 },
      ],
      nonconformingFindings: [
        { audit: 'AUD-2025-0001', clause: '8.4', title: 'Control of externally provided processes', grade: 'major' },
        { audit: 'AUD-2025-0001', clause: '7.5.3', title: 'Control of documented information', grade: 'minor' },
      ],
    });
    expect(pack.gapCoverage).to.deep.equal({
      businessKey: 'GAP-2025-0002',
      status: 'completed',
      at: '2025-10-01T16:00:00.000Z',
      standards: ['9001', '14001'],
      coverage: coverage(87),
      openGaps: 2,
      openGapClauses: [
        { number: '8.4', title: 'Control of externally provided processes, products and services', status: 'gap', owner: 'bea' },
        { number: '6.1.3', title: 'Compliance obligations', status: 'partial', owner: 'alex' },
      ],
    });
    expect(pack.overdue).to.deep.equal({
      total: 1,
      byProcess: { capa: 1 },
      oldest: [{ businessKey: open.businessKey, process: 'capa', task: 'Contain and correct', holder: 'olga', dueAt: '2026-01-12T08:00:00.000Z', daysOverdue: 3 }],
    });

    // the meeting is due at the end of the meeting day
    expect(await theTask(review.id, 'meeting')).to.include({ candidateRole: 'quality-manager', dueAt: '2026-01-29T23:59:59.999Z' });
    expect((await call('POST', `/api/instances/${review.id}/cancel`, { reason: 'Figures checked; the review is held later.' }, 'quinn')).status).to.equal(200);
  });

  it('a review with actions raises a CAPA, and the next review reports the actions', async () => {
    const first = await prepared('dublin', { meetingDate: '2026-01-20', periodFrom: '2025-01-01' });
    const meeting = await theTask(first.id, 'meeting');
    expect(meeting.dueAt).to.equal('2026-01-20T23:59:59.999Z');

    // the meeting reminder comes three days before the meeting day ends
    await h.advance(0);
    await h.advance(12 * DAY + 15 * HOUR); // 2026-01-17T23:00
    expect(((await taskById(meeting.id)).notifications ?? []).map((n) => n.kind)).to.not.include('reminder');
    await h.advance(HOUR);
    expect(((await taskById(meeting.id)).notifications ?? []).find((n) => n.kind === 'reminder')).to.deep.include({ at: '2026-01-18T00:00:00.000Z', to: ['quinn'] });
    await h.advance(2 * DAY);

    // action 2 lacks its owner, action 3's owner works at another site: refused when the minutes are sent
    const minutes = {
      ...MINUTES,
      action1: 'Re-qualify the cap supplier\nwith an on-site audit',
      action1Owner: 'alex',
      action1Due: '2026-02-15',
      action2: 'Update the supplier approval procedure',
      action2Due: '2026-03-01',
      action2Capa: true,
      action3: 'Share the lessons learned',
      action3Owner: 'bruno',
      action3Due: '2026-03-01',
    };
    expect(await h.refused(meeting, 'quinn', minutes)).to.deep.equal([
      'action2Owner: Owner of action 2 is required when Action 2 is filled in',
      'action3Owner: Owner of action 3: Bruno Basel does not work at dublin',
    ]);
    // what the form cannot tell (a due date already past, a date without its action) the list sends back
    // to the quality manager: nothing is raised, no incident
    await h.complete(meeting, 'quinn', { ...minutes, action2Owner: 'bea', action2Due: '2026-01-01', action3: '', action3Owner: '' });
    let review = await record(first.id);
    expect(review.status).to.equal('running');
    const problems = ['action 2 (Update the supplier approval procedure) is due in the past (2026-01-01)', 'action 3 has no description'];
    expect(review.output.reviewActions).to.deep.include({ complete: false, count: 0, problems });
    expect(review.links ?? []).to.deep.equal([]);
    expect(review.incidents).to.deep.equal([]);
    const correct = await theTask(first.id, 'completeActions');
    expect(correct).to.include({ candidateRole: 'quality-manager', name: `Complete the review actions: ${problems.join('; ')}`, dueAt: '2026-01-23T00:00:00.000Z' });
    await h.complete(correct, 'quinn', {
      action1: 'Re-qualify the cap supplier\nwith an on-site audit',
      action1Owner: 'alex',
      action1Due: '2026-02-15',
      action2: 'Update the supplier approval procedure',
      action2Owner: 'bea',
      action2Due: '2026-03-01',
      action2Capa: true,
    });

    // the CAPA, linked on both sides, waits at triage
    review = await record(first.id);
    expect(review.output.reviewActions).to.deep.include({ complete: true, count: 2, capas: [{ n: 2, title: 'Update the supplier approval procedure' }] });
    expect(review.links.map((l: any) => [l.rel, l.processKey, l.elementId, l.label])).to.deep.equal([['started', 'capa', 'reviewActions', 'Review action 2: Update the supplier approval procedure']]);
    const capa = await record(review.links[0].instanceId);
    expect(capa).to.deep.include({ key: 'capa', site: 'dublin', status: 'running' });
    expect(capa.variables).to.deep.include({ source: 'management-review', title: 'Update the supplier approval procedure', reference: `${first.businessKey} action 2` });
    expect(capa.links.map((l: any) => [l.rel, l.instanceId, l.businessKey, l.label])).to.deep.equal([['origin', first.id, first.businessKey, 'Review action 2: Update the supplier approval procedure']]);
    expect((await h.openTasks(capa.id)).map((t) => t.elementId)).to.deep.equal(['triage']);

    // the sign-off and one task per action, open at once
    const open = await h.openTasks(first.id);
    expect(open.map((t) => [t.elementId, t.name, t.assignee ?? t.candidateRole, t.dueAt]).sort()).to.deep.equal([
      ['doAction', 'Review action 1: Re-qualify the cap supplier', 'alex', '2026-02-15T23:59:59.999Z'],
      ['doAction', 'Review action 2: Update the supplier approval procedure', 'bea', '2026-03-01T23:59:59.999Z'],
      ['signOff', 'Sign off the management review', 'steering-committee', '2026-02-03T00:00:00.000Z'],
    ]);
    const signOff = open.find((t) => t.elementId === 'signOff')!;
    expect(signOff.signature).to.equal('approved');
    expect((await call('POST', `/api/tasks/${signOff.id}/complete`, { data: SIGN_OFF }, 'quinn')).status).to.equal(403);
    const unsigned = await call('POST', `/api/tasks/${signOff.id}/complete`, { data: SIGN_OFF }, 'stella');
    expect(unsigned.status).to.equal(400);
    const signed = await h.completeAsHolder(signOff, SIGN_OFF, 'stella');
    expect(signed.json.instanceStatus).to.equal('running');
    expect(signed.json.signature).to.include({ userId: 'stella', printedName: 'Stella Steering', meaning: 'approved' });

    // action 1 runs late: reminded before its due date, escalated to the owner's manager after it
    const alexTask = open.find((t) => t.assignee === 'alex')!;
    const beaTask = open.find((t) => t.assignee === 'bea')!;
    await h.advance(0);
    h.clock.set(new Date('2026-02-09T00:00:00Z'));
    await h.advance(0);
    await h.advance(7 * DAY); // 2026-02-16: due
    await h.advance(7 * DAY); // 2026-02-23: first escalation
    const late = await taskById(alexTask.id);
    expect(late.escalationLevel).to.equal(1);
    expect((late.notifications ?? []).map((n) => n.kind)).to.include.members(['assigned', 'reminder', 'due', 'escalation']);
    expect((late.notifications ?? []).find((n) => n.kind === 'reminder')).to.deep.include({ at: '2026-02-09T00:00:00.000Z', to: ['alex'] });
    expect((late.notifications ?? []).filter((n) => n.kind === 'escalation').map((n) => [n.level, n.to])).to.deep.equal([[1, ['quinn']]]);
    await h.complete(alexTask, 'alex', ACTION_DONE);
    expect((await record(first.id)).status).to.equal('running');

    // the next review, with action 2 overdue: the pack reports both actions with their state and CAPA
    h.clock.set(new Date('2026-03-05T08:00:00Z'));
    const second = await prepared('dublin', { meetingDate: '2026-03-20', periodFrom: '2026-01-20' });
    const pack = (await record(second.id)).output.inputPack;
    expect(pack.previousActions.review).to.deep.equal({ businessKey: first.businessKey, status: 'running', meetingDate: '2026-01-20' });
    expect(pack.previousActions.actions.map((a: any) => [a.n, a.title, a.owner, a.due, a.state, a.completedOn ?? null, a.capaRecord ?? null])).to.deep.equal([
      [1, 'Re-qualify the cap supplier', 'alex', '2026-02-15', 'done', '2026-02-10', null],
      [2, 'Update the supplier approval procedure', 'bea', '2026-03-01', 'overdue', null, capa.businessKey],
    ]);
    expect(pack.previousActions.summary).to.deep.equal({ total: 2, done: 1, open: 0, overdue: 1, cancelled: 0 });
    expect(pack.capa.bySource['management-review']).to.equal(1);

    // the last action done closes the first review
    const done = await h.complete(beaTask, 'bea', { ...ACTION_DONE, completedOn: '2026-03-05' });
    expect(done.json.instanceStatus).to.equal('completed');
    const closed = await record(first.id);
    expect(closed.status).to.equal('completed');
    expect(h.completedInOrder(closed)).to.deep.equal(['prepare', 'meeting', 'completeActions', 'signOff', 'doAction', 'doAction']);
    expect(closed.output.doAction.map((i: any) => [i.item.n, i.data.completedOn])).to.deep.equal([[1, '2026-02-10'], [2, '2026-03-05']]);
    expect(closed.signatures.map((s: any) => [s.meaning, s.userId, s.valid])).to.deep.equal([['approved', 'stella', true]]);
    expect((await call('POST', `/api/instances/${second.id}/cancel`, { reason: 'Test done.' }, 'quinn')).status).to.equal(200);
  });

  it('without actions it is signed off and closed; a late preparation reminds and escalates', async () => {
    const started = await h.start('management-review', 'quinn', { site: 'cork', variables: { title: 'Management review Cork' } });
    const prepare = await theTask(started.id, 'prepare');
    expect(prepare.dueAt).to.equal('2026-01-19T08:00:00.000Z');
    await h.advance(0);
    await h.advance(11 * DAY); // three days before: reminder
    await h.advance(3 * DAY); // due
    await h.advance(3 * DAY); // three days late: escalation to the steering committee
    const late = await taskById(prepare.id);
    expect(late.escalationLevel).to.equal(1);
    const notices = late.notifications ?? [];
    expect(notices.find((n) => n.kind === 'reminder')).to.deep.include({ at: '2026-01-16T08:00:00.000Z', to: ['quinn'] });
    expect(notices.find((n) => n.kind === 'due')).to.deep.include({ at: '2026-01-19T08:00:00.000Z' });
    expect(notices.filter((n) => n.kind === 'escalation').map((n) => [n.level, n.at, n.to])).to.deep.equal([[1, '2026-01-22T08:00:00.000Z', ['stella']]]);
    const outbox = await call('GET', `/api/outbox?task=${prepare.id}`, undefined, 'operator');
    expect(outbox.json.items.map((m: { to: string }) => m.to)).to.include.members(['quinn@example.com', 'stella@example.com']);

    await h.complete(prepare, 'quinn', { ...PREPARE, meetingDate: '2026-01-28', periodFrom: '2025-01-01' });
    expect((await record(started.id)).output.inputPack.site).to.equal('cork');
    await h.complete(await theTask(started.id, 'meeting'), 'quinn', MINUTES);
    const signOff = await theTask(started.id, 'signOff');
    const signed = await h.completeAsHolder(signOff, { conclusion: 'effective', statement: 'Suitable, adequate and effective; no action needed.' }, 'stella');
    expect(signed.json.instanceStatus).to.equal('completed');

    const closed = await record(started.id);
    expect(closed.status).to.equal('completed');
    expect(closed.output.reviewActions).to.deep.equal({ complete: true, actions: [], count: 0, capas: [] });
    expect(h.completedInOrder(closed)).to.deep.equal(['prepare', 'meeting', 'signOff']);
    expect(closed.signatures.map((s: any) => [s.meaning, s.userId, s.valid, s.status])).to.deep.equal([['approved', 'stella', true, 'matches']]);
    expect(closed.links ?? []).to.deep.equal([]);
  });

  it('starts yearly on a schedule set through the API, opening the preparation', async () => {
    const saved = await call('PUT', '/api/schedules/management-review', { processKey: 'management-review', cron: '0 9 15 1 *', timezone: 'Europe/Dublin' }, 'operator');
    expect(saved.status, saved.text).to.equal(200);
    const scheduled = async () => ((await call('GET', '/api/instances?key=management-review', undefined, 'quinn')).json.items as any[]).filter((i) => i.startedBy === 'schedule:management-review');

    await h.advance(10 * DAY + HOUR - 1000); // 2026-01-15T08:59:59 UTC
    expect(await scheduled()).to.deep.equal([]);
    await h.advance(1000);
    const [started] = await scheduled();
    expect(started).to.deep.include({ status: 'running', variables: { scheduledFor: '2026-01-15T09:00:00.000Z' } });
    expect(started.site).to.equal(undefined);
    const prepare = await theTask(started.id, 'prepare');
    expect(prepare).to.include({ candidateRole: 'quality-manager', dueAt: '2026-01-29T09:00:00.000Z' });
    // the next occurrence is a year later
    const next = (await h.server.imsflow.store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === 'scheduled-start' && j.payload.scheduleId === 'management-review');
    expect(next.map((j) => j.runAt)).to.deep.equal(['2027-01-15T09:00:00.000Z']);
  });
});
