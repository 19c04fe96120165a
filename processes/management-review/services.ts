import type { PackServiceDeps } from '../../engine/packs.js';
import { eventRows, trendsOf } from '../../engine/features/events/index.js';
import type { StandardCoverage } from '../gap-analysis/services.js';
import { AUDIT_RESULTS, type AuditResult } from '../internal-audit/services.js';
import { type InstanceRecord, outputOf, type Presence, presenceOf, type RecordReader, type ServiceContext, type ServiceDefinition, type ServiceRegistry, type TaskRecord, text } from '../../engine/pack-kit.js';

/**
 * The services of the management review (processes/management-review/management-review.bpmn):
 *
 * - `review-inputs` compiles the input pack of ISO 9001 9.3.2 from the live records of the review's site
 *   (every site when the review has none) over the period reviewed;
 * - `review-actions` turns the meeting's action rows into the list the action tasks run over, and raises
 *   a linked CAPA for every action that needs one.
 *
 * The figures are counted by pure functions over the records (exported, unit-tested); the services only
 * read the records and call them. Records of processes built elsewhere (internal audit, gap analysis) are
 * read defensively: a missing or differently shaped output counts as nothing, never as an incident.
 */

/** A record as services see it (without its engine state). */
export type RecordView = Omit<InstanceRecord, 'engineState'>;

/** The period a review covers: ISO times, both ends included. */
export interface Period {
  from: string;
  to: string;
}

/** How many action rows the meeting form has (action1 … action5 with Owner, Due and Capa). */
export const ACTION_ROWS = 5;
/** How many entries the pack's lists (oldest overdue tasks, open CAPAs, findings) show at most. */
export const LIST_LIMIT = 10;

const DAY_MS = 86_400_000;

// ---- small readers ------------------------------------------------------------------------------

function objectOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A count from a record written by another process: a non-negative finite number, else 0. */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

function inPeriod(at: string | undefined, period: Period): boolean {
  return typeof at === 'string' && at >= period.from && at <= period.to;
}

/** Still to be worked on: running, or stopped by an incident that someone has to resolve. */
function isOpen(record: RecordView): boolean {
  return record.status === 'running' || record.status === 'incident';
}

function tally(values: string[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const value of values) result[value] = (result[value] ?? 0) + 1;
  return result;
}

function isOverdue(task: Pick<TaskRecord, 'status' | 'dueAt'>, now: Date): boolean {
  return task.status === 'open' && typeof task.dueAt === 'string' && Date.parse(task.dueAt) < now.getTime();
}

/** The first line of a text, cut to `max` characters: a title for a long action description. */
export function titleOf(description: string, max = 120): string {
  const line = description.split(/\r?\n/).find((l) => l.trim())?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

// ---- the figures (pure) -------------------------------------------------------------------------

/** Overdue open tasks of some records: how many, and how many records have one. */
function overdueOf(records: RecordView[], overdueTasks: TaskRecord[]): { overdueTasks: number; recordsWithOverdueTasks: number } {
  const ids = new Set(records.map((r) => r.id));
  const tasks = overdueTasks.filter((t) => ids.has(t.instanceId));
  return { overdueTasks: tasks.length, recordsWithOverdueTasks: new Set(tasks.map((t) => t.instanceId)).size };
}

export interface CapaFigures {
  openedInPeriod: number;
  openNow: number;
  closedInPeriod: number;
  /** Closed in the period after the approval of an effective result. */
  closedEffective: number;
  /** Closed in the period at triage: no full CAPA needed, with a justification. */
  closedAtTriage: number;
  cancelledInPeriod: number;
  overdueTasks: number;
  recordsWithOverdueTasks: number;
  /** Opened in the period, by where the problem came from. */
  bySource: Record<string, number>;
  /** Opened in the period, by the risk level of the triage ('not rated' before triage). */
  byRiskLevel: Record<string, number>;
  /** The oldest open CAPAs. */
  oldestOpen: { businessKey: string; title: string; riskLevel?: string; startedAt: string }[];
}

/** The source of a CAPA: given at the start (a linked record's), or entered at intake. */
export function capaSource(capa: RecordView): string {
  return text(capa.variables.source) || text(objectOf(capa.output.intake).source) || 'unknown';
}

function capaTitle(capa: RecordView): string {
  return text(capa.variables.title) || text(objectOf(capa.output.intake).title);
}

/** CAPA figures (9.3.2 c 4) over the period; overdue tasks are those open past due now. */
export function capaFigures(capas: RecordView[], overdueTasks: TaskRecord[], period: Period): CapaFigures {
  const opened = capas.filter((c) => inPeriod(c.startedAt, period));
  const closed = capas.filter((c) => c.status === 'completed' && inPeriod(c.endedAt, period));
  const open = capas.filter(isOpen).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return {
    openedInPeriod: opened.length,
    openNow: open.length,
    closedInPeriod: closed.length,
    closedEffective: closed.filter((c) => c.output.closure !== undefined).length,
    closedAtTriage: closed.filter((c) => c.output.closure === undefined && objectOf(c.output.triage).fullCapa === 'no').length,
    cancelledInPeriod: capas.filter((c) => c.status === 'cancelled' && inPeriod(c.endedAt, period)).length,
    ...overdueOf(capas, overdueTasks),
    bySource: tally(opened.map(capaSource)),
    byRiskLevel: tally(opened.map((c) => text(objectOf(c.output.riskScore).level) || 'not rated')),
    oldestOpen: open.slice(0, LIST_LIMIT).map((c) => {
      const level = text(objectOf(c.output.riskScore).level);
      return { businessKey: c.businessKey, title: capaTitle(c), ...(level && { riskLevel: level }), startedAt: c.startedAt };
    }),
  };
}

export interface NonconformityFigures {
  openedInPeriod: number;
  openNow: number;
  closedInPeriod: number;
  /** Closed in the period after a corrective action verified as effective. */
  closedEffective: number;
  /** Closed in the period after containment and correction, no corrective action needed. */
  closedAfterCorrection: number;
  cancelledInPeriod: number;
  overdueTasks: number;
  recordsWithOverdueTasks: number;
  /** Opened in the period, by the severity of the assessment ('not assessed' before it). */
  bySeverity: Record<string, number>;
  /** Opened in the period and sent to corrective action. */
  correctiveActionNeeded: number;
}

/** Nonconformity figures (processes/nonconformity/nonconformity.bpmn: assess → act → verify) over the period. */
export function nonconformityFigures(records: RecordView[], overdueTasks: TaskRecord[], period: Period): NonconformityFigures {
  const opened = records.filter((r) => inPeriod(r.startedAt, period));
  const closed = records.filter((r) => r.status === 'completed' && inPeriod(r.endedAt, period));
  return {
    openedInPeriod: opened.length,
    openNow: records.filter(isOpen).length,
    closedInPeriod: closed.length,
    closedEffective: closed.filter((r) => objectOf(r.output.verify).effective === 'yes').length,
    closedAfterCorrection: closed.filter((r) => r.output.assess !== undefined && objectOf(r.output.assess).actionNeeded !== true).length,
    cancelledInPeriod: records.filter((r) => r.status === 'cancelled' && inPeriod(r.endedAt, period)).length,
    ...overdueOf(records, overdueTasks),
    bySeverity: tally(opened.map((r) => text(objectOf(r.output.assess).severity) || 'not assessed')),
    correctiveActionNeeded: opened.filter((r) => objectOf(r.output.assess).actionNeeded === true).length,
  };
}

/** The audit's count of each checklist result (internal audit's `output.findings.counts`). */
export type FindingCounts = Record<AuditResult, number>;

export interface AuditFigures {
  /** Audits held in the period whose findings are recorded (still in follow-up or closed). */
  auditedInPeriod: number;
  /** Audits planned or under way, their findings not yet recorded. */
  inProgress: number;
  /** The audited audits' finding counts, summed. */
  counts: FindingCounts;
  /** Nonconformities those audits raised. */
  nonconformities: number;
  audits: { businessKey: string; auditedOn: string; status: string; counts: FindingCounts; nonconformities: number }[];
  /** Major and minor nonconformities found, the first few. */
  nonconformingFindings: { audit: string; clause: string; title: string; grade: string }[];
}

function findingCounts(value: unknown): FindingCounts {
  const source = objectOf(value);
  return Object.fromEntries(AUDIT_RESULTS.map((grade) => [grade, count(source[grade])])) as FindingCounts;
}

/** When an audit was held: its planned audit date, else when it ended. */
function auditedOn(audit: RecordView): string | undefined {
  const day = text(objectOf(audit.output.plan).auditDate);
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T00:00:00.000Z` : audit.endedAt;
}

/**
 * Internal audit results (9.3.2 c 6): audits held in the period whose findings are recorded, from their
 * `output.findings` (`{findings: [{clause, number, title, grade, …}], counts, nonconformities}`;
 * nonconformities a number or a list). An audit with nonconformities stays open until its follow-up is
 * verified, so open audits with findings count too: the review must hear of their nonconformities. A
 * missing or partial output counts as zero.
 */
export function auditFigures(audits: RecordView[], period: Period): AuditFigures {
  const audited = audits
    .filter((a) => a.status !== 'cancelled' && (a.status === 'completed' || a.output.findings !== undefined) && inPeriod(auditedOn(a), period))
    .sort((a, b) => auditedOn(a)!.localeCompare(auditedOn(b)!));
  const counts = findingCounts({});
  let nonconformities = 0;
  const rows: AuditFigures['audits'] = [];
  const nonconforming: AuditFigures['nonconformingFindings'] = [];
  for (const audit of audited) {
    const findings = objectOf(audit.output.findings);
    const own = findingCounts(findings.counts);
    const raised = Array.isArray(findings.nonconformities) ? findings.nonconformities.length : count(findings.nonconformities);
    for (const grade of AUDIT_RESULTS) counts[grade] += own[grade];
    nonconformities += raised;
    rows.push({ businessKey: audit.businessKey, auditedOn: auditedOn(audit)!, status: audit.status, counts: own, nonconformities: raised });
    for (const finding of Array.isArray(findings.findings) ? findings.findings : []) {
      const f = objectOf(finding);
      const grade = text(f.grade);
      if (grade !== 'major' && grade !== 'minor') continue;
      nonconforming.push({ audit: audit.businessKey, clause: text(f.number) || text(f.clause), title: text(f.title), grade });
    }
  }
  return {
    auditedInPeriod: audited.length,
    inProgress: audits.filter((a) => isOpen(a) && a.output.findings === undefined).length,
    counts,
    nonconformities,
    audits: rows,
    nonconformingFindings: nonconforming.slice(0, LIST_LIMIT),
  };
}

/** A gap analysis's coverage of one standard, as its `gap-report` computed it (null % when nothing applicable remained). */
export type CoverageRow = StandardCoverage;

export interface GapCoverage {
  businessKey: string;
  status: string;
  /** When it ended, or started while it runs. */
  at: string;
  standards: string[];
  coverage: CoverageRow[];
  openGaps: number;
  /** The clauses assessed partial or gap, the first few. */
  openGapClauses: { number: string; title: string; status: string; owner?: string }[];
}

/**
 * The newest gap analysis with a report (`output.gapReport`: `{standards, coverage, clauses: [{clause,
 * number, title, status, owner?}], openGaps}`): the newest whose report is signed off (`output.signOff`),
 * else the newest with a report at all; null when there is none. A gap analysis stays open until its last
 * gap is closed, so "completed" would prefer last year's figures over this year's signed report.
 */
export function gapCoverageOf(analyses: RecordView[]): GapCoverage | null {
  const withReport = analyses.filter((a) => Object.keys(objectOf(a.output.gapReport)).length > 0 && a.status !== 'cancelled');
  const latest = (list: RecordView[]) => [...list].sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  const chosen = latest(withReport.filter((a) => a.output.signOff !== undefined)) ?? latest(withReport);
  if (!chosen) return null;
  const report = objectOf(chosen.output.gapReport);
  const coverage = (Array.isArray(report.coverage) ? report.coverage : []).map((row): CoverageRow => {
    const r = objectOf(row);
    return {
      standard: text(r.standard),
      applicable: count(r.applicable),
      assessed: count(r.assessed),
      conforms: count(r.conforms),
      partial: count(r.partial),
      gap: count(r.gap),
      na: count(r.na),
      conformityPct: typeof r.conformityPct === 'number' && Number.isFinite(r.conformityPct) ? r.conformityPct : null,
    };
  });
  const open = (Array.isArray(report.clauses) ? report.clauses : []).map(objectOf).filter((c) => c.status === 'partial' || c.status === 'gap');
  return {
    businessKey: chosen.businessKey,
    status: chosen.status,
    at: chosen.endedAt ?? chosen.startedAt,
    standards: (Array.isArray(report.standards) ? report.standards : []).filter((s): s is string => typeof s === 'string'),
    coverage,
    openGaps: Array.isArray(report.openGaps) ? report.openGaps.length : count(report.openGaps),
    openGapClauses: open.slice(0, LIST_LIMIT).map((c) => {
      const owner = text(c.owner);
      return { number: text(c.number) || text(c.clause), title: text(c.title), status: String(c.status), ...(owner && { owner }) };
    }),
  };
}

export interface OverdueFigures {
  total: number;
  byProcess: Record<string, number>;
  oldest: { businessKey: string; process: string; task: string; holder: string; dueAt: string; daysOverdue: number }[];
}

/** Open tasks past due now, by process (definition key), and the longest overdue. */
export function overdueFigures(tasks: TaskRecord[], now: Date): OverdueFigures {
  const overdue = tasks.filter((t) => isOverdue(t, now)).sort((a, b) => a.dueAt!.localeCompare(b.dueAt!));
  return {
    total: overdue.length,
    byProcess: tally(overdue.map((t) => t.definitionKey)),
    oldest: overdue.slice(0, LIST_LIMIT).map((t) => ({
      businessKey: t.businessKey,
      process: t.definitionKey,
      task: t.name,
      holder: t.assignee ?? t.candidateRole ?? '',
      dueAt: t.dueAt!,
      daysOverdue: Math.floor((now.getTime() - Date.parse(t.dueAt!)) / DAY_MS),
    })),
  };
}

/** One action of a review, as listed by `review-actions` and run over by the action tasks. */
export interface ReviewAction {
  n: number;
  title: string;
  description: string;
  owner: string;
  due: string;
  capa: boolean;
}

export type ActionState = 'done' | 'open' | 'overdue' | 'cancelled';

export interface PreviousActions {
  review: { businessKey: string; status: string; meetingDate?: string } | null;
  actions: (ReviewAction & { state: ActionState; completedOn?: string; capaRecord?: string })[];
  summary: Record<ActionState, number> & { total: number };
}

/** The actions a review decided, as its `review-actions` step listed them. */
export function actionsOf(review: RecordView): ReviewAction[] {
  const listed = objectOf(review.output.reviewActions);
  return Array.isArray(listed.actions) ? (listed.actions as ReviewAction[]) : [];
}

/**
 * The previous review to report on (9.3.2 a): the latest other review of the same scope (the same site,
 * or also none), completed or running, that held its meeting (its actions are listed).
 */
export function previousReview(reviews: RecordView[], current: { id: string; site?: string }): RecordView | undefined {
  return reviews
    .filter((r) => r.id !== current.id && (r.site ?? null) === (current.site ?? null))
    .filter((r) => (r.status === 'completed' || r.status === 'running') && objectOf(r.output.reviewActions).complete === true)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
}

function actionState(task: TaskRecord | undefined, review: RecordView, now: Date): ActionState {
  if (!task) return review.status === 'running' ? 'open' : 'cancelled';
  if (task.status === 'completed') return 'done';
  if (task.status === 'cancelled') return 'cancelled';
  return isOverdue(task, now) ? 'overdue' : 'open';
}

/**
 * The state of each action of a review from its action tasks (`doAction`, one per action): done when its
 * task was completed, overdue when it is open past due, cancelled when the review was cancelled. An
 * action with a CAPA names the CAPA record linked for it.
 */
export function previousActions(review: RecordView | undefined, tasks: TaskRecord[], now: Date): PreviousActions {
  const summary = { total: 0, done: 0, open: 0, overdue: 0, cancelled: 0 };
  if (!review) return { review: null, actions: [], summary };
  const actions = actionsOf(review).map((action) => {
    const task = tasks.find((t) => t.elementId === 'doAction' && objectOf(t.iteration?.item).n === action.n);
    const state = actionState(task, review, now);
    const completedOn = text(task?.data?.completedOn);
    const capa = (review.links ?? []).find((l) => l.rel === 'started' && l.processKey === 'capa' && l.label.startsWith(`Review action ${action.n}:`));
    summary[state] += 1;
    summary.total += 1;
    return { ...action, state, ...(completedOn && { completedOn }), ...(capa && { capaRecord: capa.businessKey }) };
  });
  const meetingDate = text(objectOf(review.output.prepare).meetingDate);
  return { review: { businessKey: review.businessKey, status: review.status, ...(meetingDate && { meetingDate }) }, actions, summary };
}

// ---- review-inputs ------------------------------------------------------------------------------

const PAGE = 500;
/** Far more than a plant keeps of one kind; past it the figures would be incomplete, so the step fails. */
const MAX_RECORDS = 100_000;

/** Every row of a paged query. */
async function every<T>(page: (offset: number) => Promise<T[]>): Promise<T[]> {
  const rows: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    if (offset >= MAX_RECORDS) throw new Error(`review-inputs: more than ${MAX_RECORDS} records of one kind; the figures would be incomplete`);
    const batch = await page(offset);
    rows.push(...batch);
    if (batch.length < PAGE) return rows;
  }
}

function instancesOf(records: RecordReader, key: string, sites: string[] | undefined): Promise<RecordView[]> {
  return every((offset) => records.instances({ key, ...(sites && { sites }), limit: PAGE, offset }));
}

/**
 * The period reviewed: from the start of `periodFrom` (UTC) to now. A start in the future (a typing
 * slip) gives an empty period ending now, so the pack shows nothing counted rather than failing.
 */
export function periodOf(periodFrom: unknown, now: Date): Period {
  const from = typeof periodFrom === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(periodFrom) ? new Date(`${periodFrom}T00:00:00.000Z`) : new Date(NaN);
  if (Number.isNaN(from.getTime())) throw new Error(`review-inputs: the period reviewed needs a start date (prepare.periodFrom), got ${JSON.stringify(periodFrom)}`);
  return { from: new Date(Math.min(from.getTime(), now.getTime())).toISOString(), to: now.toISOString() };
}

/**
 * `review-inputs`: the input pack of the review, compiled from the records of its site (records without a
 * site count for every site) over the period from `prepare.periodFrom` to now.
 */
export const reviewInputsService: ServiceDefinition = reviewInputs([]);

/** `review-inputs` counting the events of these packs too (trends across sources, 9.3.2 c). */
export function reviewInputs(events: NonNullable<PackServiceDeps['events']>): ServiceDefinition {
  return {
  description:
    'Compiles the management review input pack (ISO 9001 9.3.2) from the live records of the review\'s site over the period reviewed: previous actions, CAPA, nonconformities, audits, gap coverage, overdue tasks',
  async run(context) {
    const prepare = outputOf(context, 'prepare');
    const period = periodOf(prepare.periodFrom, context.now);
    const sites = context.site ? [context.site] : undefined;
    const { records } = context;
    const [reviews, capas, nonconformities, audits, analyses, overdueTasks] = await Promise.all([
      instancesOf(records, 'management-review', sites),
      instancesOf(records, 'capa', sites),
      instancesOf(records, 'nonconformity', sites),
      instancesOf(records, 'internal-audit', sites),
      instancesOf(records, 'gap-analysis', sites),
      every((offset) => records.tasks({ status: 'open', dueBefore: context.now.toISOString(), ...(sites && { sites }), limit: PAGE, offset })),
    ]);
    const previous = previousReview(reviews, { id: context.instanceId, ...(context.site && { site: context.site }) });
    const previousTasks = previous ? await every((offset) => records.tasks({ instanceId: previous.id, limit: PAGE, offset })) : [];
    return {
      generatedAt: context.now.toISOString(),
      period,
      site: context.site ?? null,
      previousActions: previousActions(previous, previousTasks, context.now),
      capa: capaFigures(capas, overdueTasks, period),
      nonconformities: nonconformityFigures(nonconformities, overdueTasks, period),
      audits: auditFigures(audits, period),
      gapCoverage: gapCoverageOf(analyses),
      overdue: overdueFigures(overdueTasks, context.now),
      // the events of every source over the period: Pareto and weekly counts (engine/features/events)
      ...(events.length && { eventTrends: trendsOf(await eventRows(records, events, sites), { from: period.from, to: period.to }) }),
    };
  },
  };
}

// ---- review-actions -----------------------------------------------------------------------------

export interface ActionRows {
  actions: ReviewAction[];
  /** Why rows cannot be taken over as they stand; empty when every row is complete. */
  problems: string[];
}

/** Who may own an action: an active person who sees the review's site. */
export interface OwnerCheck {
  (id: string): Promise<Presence>;
}

/**
 * Reads the action rows of a form (`action<n>`, `action<n>Owner`, `action<n>Due`, `action<n>Capa`).
 * Empty rows are skipped; a row with a description needs an owner who may hold it and a due date not
 * before `today` (YYYY-MM-DD); a row with only an owner or a date lacks its description.
 */
export async function readActionRows(form: Record<string, unknown>, today: string, owner: OwnerCheck): Promise<ActionRows> {
  const actions: ReviewAction[] = [];
  const problems: string[] = [];
  for (let n = 1; n <= ACTION_ROWS; n += 1) {
    const description = text(form[`action${n}`]);
    const who = text(form[`action${n}Owner`]);
    const due = text(form[`action${n}Due`]);
    const capa = form[`action${n}Capa`] === true;
    if (!description) {
      if (who || due || capa) problems.push(`action ${n} has no description`);
      continue;
    }
    const title = titleOf(description);
    const before = problems.length;
    if (!who) problems.push(`action ${n} (${title}) has no owner`);
    else {
      const check = await owner(who);
      if (check === 'unknown') problems.push(`the owner of action ${n} (${who}) is not a known person`);
      if (check === 'inactive') problems.push(`the owner of action ${n} (${who}) is no longer active`);
      if (check === 'other-site') problems.push(`the owner of action ${n} (${who}) does not belong to the review's site`);
    }
    if (!due) problems.push(`action ${n} (${title}) has no due date`);
    else if (due < today) problems.push(`action ${n} (${title}) is due in the past (${due})`);
    if (problems.length === before) actions.push({ n, title, description, owner: who, due, capa });
  }
  return { actions, problems };
}

/** The CAPA an action asks for, started by the review and linked to it. */
export function capaRequest(action: ReviewAction, review: { businessKey: string; meetingDate?: string }): { variables: Record<string, unknown>; label: string } {
  return {
    variables: {
      source: 'management-review',
      title: action.title,
      description: `Action ${action.n} of management review ${review.businessKey}${review.meetingDate ? ` (meeting of ${review.meetingDate})` : ''}: ${action.description}\nAction owner: ${action.owner}, due ${action.due}.`,
      reference: `${review.businessKey} action ${action.n}`,
    },
    label: `Review action ${action.n}: ${action.title}`,
  };
}

function ownerCheck(context: Pick<ServiceContext, 'records' | 'site'>): OwnerCheck {
  return async (id) => {
    return presenceOf(await context.records.user(id), context.site);
  };
}

/**
 * `review-actions`: the actions of the meeting (or of the corrected list, `completeActions`, when one was
 * asked for) as `{complete, actions: [{n, title, description, owner, due, capa}], count, capas}`. When a
 * row falls short, `complete` is false with the `problems` (and `problem`, one line for the task name) and
 * nothing is raised; otherwise each action that needs a CAPA starts one, linked to the review.
 */
export const reviewActionsService: ServiceDefinition = {
  description: 'Lists the management review actions (output.meeting or output.completeActions: action1…5 with owner, due date, CAPA) and starts a linked CAPA for each action that needs one',
  async run(context) {
    const corrected = outputOf(context, 'completeActions');
    const form = Object.keys(corrected).length ? corrected : outputOf(context, 'meeting');
    const today = context.now.toISOString().slice(0, 10);
    const { actions, problems } = await readActionRows(form, today, ownerCheck(context));
    if (problems.length) return { complete: false, problems, problem: problems.join('; '), actions: [], count: 0, capas: [] };
    const meetingDate = text(outputOf(context, 'prepare').meetingDate);
    const capas: { n: number; title: string }[] = [];
    for (const action of actions.filter((a) => a.capa)) {
      const { variables, label } = capaRequest(action, { businessKey: context.businessKey, ...(meetingDate && { meetingDate }) });
      context.startLinked({ processKey: 'capa', variables, label });
      capas.push({ n: action.n, title: action.title });
    }
    return { complete: true, actions, count: actions.length, capas };
  },
};

/** The services of the management review (processes/management-review/management-review.bpmn). */
export function registerManagementReviewServices(registry: ServiceRegistry, deps: PackServiceDeps): void {
  registry.register('review-inputs', reviewInputs(deps.events ?? []));
  registry.register('review-actions', reviewActionsService);
}
