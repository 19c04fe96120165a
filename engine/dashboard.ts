import { visibleSites } from './access.js';
import { NotPermittedError, ValidationError, type FieldError } from './errors.js';
import { conformityPct } from './pack-kit.js';
import { kpiDefinition, type KpiDefinition } from './kpis.js';
import type { KpiRecord, KpiValueRecord, TaskRecord, UserRecord } from './model.js';
import type { ClosedInstance, FigureScope, FindingRow, GapReportRow, Store, TaskDimension, TaskSearch } from './store/store.js';

/**
 * The steering committee's figures, in one place: the JSON API, the page, the PDF report, the weekly
 * digest and the KPIs all read them from here. Counting happens in the store (grouped and ranged
 * queries on indexed columns); this module only asks the right questions and puts the answers together.
 *
 * Definitions (every figure at `asOf`, the time the dashboard is read at: now, or `at`):
 * - open: created by then, not completed or cancelled by then;
 * - overdue: open and due before asOf; dueSoon: open, due within the next 7 days, not overdue;
 * - aging: overdue for 1–7, 8–30, 31–90, > 90 days (a task overdue by an hour is in 1–7);
 * - escalated: open with an escalation step reached (TaskRecord.escalationLevel, as recorded now);
 * - trends: whole ISO weeks from the week of `from` to `to` (or asOf): tasks created and completed in the
 *   week, and overdue at its end (at asOf for the week under way);
 * - CAPA: records of the process `capa` completed in the period; cycle time = opened → closed in days;
 *   on time = none of its tasks was completed after its due date (approved extensions move the due date);
 * - findings: graded findings of internal audits started in the period, by clause and grade;
 * - gap coverage: per standard, the newest gap analysis with a report of each site (the newest signed off
 *   when there is one), summed; coverage = (conforms + ½ partial) / (applicable − n/a), as the gap report.
 * The dashboard at a past date uses the tasks' current due dates and escalation levels.
 */

const DAY_MS = 86_400_000;
const DUE_SOON_DAYS = 7;
export const AGING_BUCKETS = ['1-7', '8-30', '31-90', '>90'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];
const CAPA_PROCESS = 'capa';
const AUDIT_PROCESS = 'internal-audit';
const GAP_PROCESS = 'gap-analysis';
const FINDING_GRADES = ['major', 'minor', 'observation', 'ofi'] as const;
/** Longest drill-down list (the CSV of a figure holds as many). */
export const MAX_RECORDS = 10_000;

/** The filters of every dashboard request (query string and page URL alike). */
export interface DashboardFilters {
  sites?: string[];
  processes?: string[];
  /** YYYY-MM-DD (UTC): the period's first day. */
  from?: string;
  /** YYYY-MM-DD (UTC): the period's last day. */
  to?: string;
  /** ISO date-time: the dashboard as it stood then. */
  at?: string;
}

/** Who looks: their roles and sites decide what they see. */
export type Viewer = Pick<UserRecord, 'id' | 'roles' | 'sites'>;

/** The filters checked and resolved against the viewer and the clock. */
export interface DashboardContext {
  asOf: Date;
  from: string;
  to: string;
  /** Start of `from`, and the end of the period: the end of `to`, or asOf when earlier. */
  periodStart: string;
  periodEnd: string;
  scope: FigureScope;
  filters: { site: string[]; process: string[]; from: string; to: string; at?: string };
  viewer: Viewer;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks the filters (400 naming the field), limits the sites to the viewer's (403 for another's), fills the defaults. */
export function resolveContext(viewer: Viewer, filters: DashboardFilters, now: Date): DashboardContext {
  const fields: FieldError[] = [];
  let asOf = now;
  if (filters.at !== undefined) {
    const parsed = new Date(filters.at);
    if (Number.isNaN(parsed.getTime())) fields.push({ field: 'at', message: 'must be an ISO date-time such as 2026-11-30T17:00:00Z' });
    else if (parsed.getTime() > now.getTime()) fields.push({ field: 'at', message: 'must not be in the future' });
    else asOf = parsed;
  }
  for (const name of ['from', 'to'] as const) {
    const value = filters[name];
    if (value !== undefined && (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))) fields.push({ field: name, message: 'must be a date YYYY-MM-DD' });
  }
  if (fields.length) throw new ValidationError('invalid dashboard filter', fields);
  const to = filters.to ?? isoDay(asOf);
  const from = filters.from ?? isoDay(new Date(Date.parse(`${to}T00:00:00Z`) - 364 * DAY_MS));
  if (from > to) throw new ValidationError('invalid dashboard filter', [{ field: 'from', message: `must not be after to (${to})` }]);
  if (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`) > 5 * 366 * DAY_MS) throw new ValidationError('invalid dashboard filter', [{ field: 'from', message: 'the period may span at most five years' }]);
  const visible = visibleSites(viewer);
  const chosen = [...new Set(filters.sites ?? [])];
  const foreign = visible === undefined ? [] : chosen.filter((s) => !visible.includes(s));
  if (foreign.length) throw new NotPermittedError(`you do not belong to site ${foreign.join(', ')}: the dashboard shows your sites only`);
  const sites = chosen.length ? { in: chosen, orNone: false } : visible === undefined ? undefined : { in: visible, orNone: true };
  const processes = [...new Set(filters.processes ?? [])];
  const toEnd = new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS);
  const periodEnd = toEnd.getTime() < asOf.getTime() ? toEnd : asOf;
  return {
    asOf,
    from,
    to,
    periodStart: `${from}T00:00:00.000Z`,
    periodEnd: periodEnd.toISOString(),
    scope: { ...(processes.length && { processes }), ...(sites && { sites }) },
    filters: { site: chosen, process: processes, from, to, ...(filters.at !== undefined && { at: asOf.toISOString() }) },
    viewer,
  };
}

// ---- the JSON --------------------------------------------------------------------------------------------

export interface Counts {
  open: number;
  dueSoon: number;
  overdue: number;
}

type Drill = Record<keyof Counts, string>;

export interface Dashboard {
  asOf: string;
  filters: DashboardContext['filters'];
  totals: Counts & { escalated: number; drill: Drill & { escalated: string } };
  byProcess: (Counts & { key: string; name: string; drill: Drill })[];
  bySite: (Counts & { site: string | null; drill: Drill })[];
  byOwner: (Counts & { user: string | null; name: string; drill: Drill })[];
  byRole: (Counts & { role: string | null; drill: Drill })[];
  aging: { bucket: AgingBucket; count: number; drill: string }[];
  escalations: { level: number; count: number; drill: string }[];
  trends: { week: string; start: string; opened: number; closed: number; overdue: number; drill: { opened: string; closed: string; overdue: string } }[];
  capa: CapaFigures & { drill: { closed: string; late: string } };
  findings: { clause: string; number: string; title: string; grade: string; count: number; drill: string }[];
  gapCoverage: GapCoverage[];
  kpis: KpiView[];
}

export interface CapaFigures {
  closed: number;
  onTime: number;
  /** Percent, one decimal; null when none closed. */
  onTimeRate: number | null;
  cycleTimeDays: { median: number | null; p90: number | null; mean: number | null };
}

export interface GapCoverage {
  standard: string;
  clauses: number;
  assessed: number;
  conforms: number;
  partial: number;
  gap: number;
  notApplicable: number;
  /** Percent, one decimal; null when nothing applicable remains. */
  coverage: number | null;
  /** The gap analyses counted (one per site). */
  records: number;
  drill: string;
}

/** A KPI as the dashboard shows it: its definition, its owner's name, its trend over the period and its status. */
export type KpiView = KpiDefinition & {
  ownerName: string;
  latest: { period: string; value: number } | null;
  status: 'on-target' | 'off-target' | 'no-data';
  trend: { period: string; value: number }[];
};

/** Every figure of the dashboard for this viewer and these filters. */
export async function computeDashboard(store: Store, context: DashboardContext): Promise<Dashboard> {
  const [tasks, trends, capa, findings, gapCoverage, kpis] = await Promise.all([
    taskFigures(store, context),
    trendFigures(store, context),
    capaFigures(store, context),
    findingFigures(store, context),
    gapFigures(store, context),
    kpiFigures(store, context),
  ]);
  return { asOf: context.asOf.toISOString(), filters: context.filters, ...tasks, trends, capa, findings, gapCoverage, kpis };
}

/** Only the open-task figures (what the weekly digest needs). */
export async function taskFigures(store: Store, context: DashboardContext): Promise<Pick<Dashboard, 'totals' | 'byProcess' | 'bySite' | 'byOwner' | 'byRole' | 'aging' | 'escalations'>> {
  const at = context.asOf.toISOString();
  const soon = new Date(context.asOf.getTime() + DUE_SOON_DAYS * DAY_MS).toISOString();
  const query = { ...context.scope, at };
  // one pass over the holders' grouping (process, site, role, level) with the aging edges, one over owners
  const [holders, owners] = await Promise.all([
    store.openTaskGroups({ ...query, by: 'holders', dueEdges: agingEdges(context.asOf) }),
    store.openTaskGroups({ ...query, by: 'assignee', dueEdges: [at, soon] }),
  ]);
  // aging bands: > 90, 31–90, 8–30, 1–7 days overdue, due within 7 days, later
  const counted = holders.map((g) => {
    const [over90, over30, over7, over1, dueSoon, later] = g.bands;
    return { values: g.values, open: g.noDue + over90 + over30 + over7 + over1 + dueSoon + later, dueSoon, overdue: over90 + over30 + over7 + over1, aging: [over1, over7, over30, over90] };
  });
  const sumBy = <K extends string | number | null>(dimension: TaskDimension) => {
    const totals = new Map<K, Counts>();
    for (const c of counted) {
      const key = (c.values[dimension] ?? null) as K;
      const row = totals.get(key) ?? { open: 0, dueSoon: 0, overdue: 0 };
      row.open += c.open;
      row.dueSoon += c.dueSoon;
      row.overdue += c.overdue;
      totals.set(key, row);
    }
    return sorted([...totals.entries()].map(([key, counts]) => ({ key, ...counts })));
  };
  const sorted = <R extends Counts & { key: string | number | null }>(list: R[]) =>
    list.sort((a, b) => b.overdue - a.overdue || b.open - a.open || String(a.key ?? '').localeCompare(String(b.key ?? '')));
  const drill = (param: string, value: string | null): Drill => ({
    open: fragment({ figure: 'open', [param]: value ?? '' }),
    dueSoon: fragment({ figure: 'dueSoon', [param]: value ?? '' }),
    overdue: fragment({ figure: 'overdue', [param]: value ?? '' }),
  });
  const byProcess = sumBy<string>('definitionKey');
  const byOwner = sorted(owners.map((g) => ({ key: (g.values.assignee ?? null) as string | null, open: g.noDue + g.bands.reduce((a, b) => a + b, 0), dueSoon: g.bands[1], overdue: g.bands[0] })));
  const [names, processNames] = await Promise.all([
    namesOf(store, byOwner.map((o) => o.key).filter((k): k is string => k !== null)),
    definitionNames(store, byProcess.map((p) => p.key)),
  ]);
  const total = { open: 0, dueSoon: 0, overdue: 0, escalated: 0, aging: [0, 0, 0, 0] };
  for (const c of counted) {
    total.open += c.open;
    total.dueSoon += c.dueSoon;
    total.overdue += c.overdue;
    c.aging.forEach((n, i) => (total.aging[i] += n));
  }
  const escalations = sumBy<number>('escalationLevel')
    .filter((l) => Number(l.key) > 0 && l.open > 0)
    .sort((a, b) => Number(a.key) - Number(b.key))
    .map((l) => ({ level: Number(l.key), count: l.open, drill: fragment({ figure: 'escalation', level: String(l.key) }) }));
  total.escalated = escalations.reduce((n, e) => n + e.count, 0);
  return {
    totals: {
      open: total.open,
      dueSoon: total.dueSoon,
      overdue: total.overdue,
      escalated: total.escalated,
      drill: { open: fragment({ figure: 'open' }), dueSoon: fragment({ figure: 'dueSoon' }), overdue: fragment({ figure: 'overdue' }), escalated: fragment({ figure: 'escalated' }) },
    },
    byProcess: byProcess.map(({ key, ...counts }) => ({ key, name: processNames.get(key) ?? key, ...counts, drill: drill('byProcess', key) })),
    bySite: sumBy<string | null>('site').map(({ key, ...counts }) => ({ site: key, ...counts, drill: drill('bySite', key) })),
    byOwner: byOwner.map(({ key, ...counts }) => ({ user: key, name: key === null ? 'Unassigned (held by a role)' : (names.get(key) ?? key), ...counts, drill: drill('byOwner', key) })),
    byRole: sumBy<string | null>('candidateRole').map(({ key, ...counts }) => ({ role: key, ...counts, drill: drill('byRole', key) })),
    aging: AGING_BUCKETS.map((bucket, i) => ({ bucket, count: total.aging[i], drill: fragment({ figure: 'aging', bucket }) })),
    escalations,
  };
}

/** The due-date edges of the aging bands: > 90, 31–90, 8–30, 1–7 days overdue, due within 7 days, later. */
function agingEdges(asOf: Date): string[] {
  const t = asOf.getTime();
  return [t - 90 * DAY_MS, t - 30 * DAY_MS, t - 7 * DAY_MS, t, t + DUE_SOON_DAYS * DAY_MS].map((ms) => new Date(ms).toISOString());
}

async function namesOf(store: Store, ids: string[]): Promise<Map<string, string>> {
  const users = await Promise.all(ids.map((id) => store.getUser(id)));
  return new Map(users.filter((u): u is UserRecord => Boolean(u)).map((u) => [u.id, u.name]));
}

/** Process definition keys → their names (the key when the definition is gone). */
async function definitionNames(store: Store, keys: string[]): Promise<Map<string, string>> {
  return new Map(await Promise.all(keys.map(async (key) => [key, (await store.getDefinition(key))?.name ?? key] as const)));
}

// ---- trends ---------------------------------------------------------------------------------------------

/** Whole ISO weeks over the period: [{week, start, end}] with the last one ending at the period's end. */
export function isoWeeks(context: Pick<DashboardContext, 'from' | 'periodEnd'>): { week: string; start: string; end: string }[] {
  const first = Date.parse(`${context.from}T00:00:00Z`);
  const monday = first - ((new Date(first).getUTCDay() + 6) % 7) * DAY_MS;
  const end = Date.parse(context.periodEnd);
  const weeks: { week: string; start: string; end: string }[] = [];
  for (let start = monday; start < end; start += 7 * DAY_MS) {
    weeks.push({ week: isoWeekOf(new Date(start)), start: new Date(start).toISOString(), end: new Date(Math.min(start + 7 * DAY_MS, end)).toISOString() });
  }
  return weeks;
}

/** `2026-W47` for any day of that ISO week (the week's Thursday decides the year). */
export function isoWeekOf(day: Date): string {
  const thursday = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) + (3 - ((day.getUTCDay() + 6) % 7)) * DAY_MS);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / (7 * DAY_MS)) + 1;
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

async function trendFigures(store: Store, context: DashboardContext): Promise<Dashboard['trends']> {
  const weeks = isoWeeks(context);
  if (!weeks.length) return [];
  const series = await store.taskSeries({ ...context.scope, edges: [weeks[0].start, ...weeks.map((w) => w.end)] });
  return weeks.map((w, i) => ({
    week: w.week,
    start: w.start.slice(0, 10),
    opened: series.created[i],
    closed: series.completed[i],
    overdue: series.overdueAtEnd[i],
    drill: {
      opened: fragment({ figure: 'opened', week: w.week }),
      closed: fragment({ figure: 'closed', week: w.week }),
      overdue: fragment({ figure: 'overdueAtWeekEnd', week: w.week }),
    },
  }));
}

// ---- CAPA, findings, gap coverage ----------------------------------------------------------------------

function includes(scope: FigureScope, process: string): boolean {
  return !scope.processes || scope.processes.includes(process);
}

async function closedCapas(store: Store, context: DashboardContext, from = context.periodStart, before = context.periodEnd): Promise<ClosedInstance[]> {
  if (!includes(context.scope, CAPA_PROCESS)) return [];
  const { sites } = context.scope;
  return store.closedInstances({ key: CAPA_PROCESS, endedFrom: from, endedBefore: before, ...(sites && { sites }) });
}

/** Cycle time (opened → closed, days) and on-time closure of closed CAPAs. */
export function capaStats(closed: ClosedInstance[]): CapaFigures {
  const days = closed.map((c) => (Date.parse(c.endedAt) - Date.parse(c.startedAt)) / DAY_MS).sort((a, b) => a - b);
  const onTime = closed.filter((c) => c.lateTasks === 0).length;
  const median = days.length ? (days.length % 2 ? days[(days.length - 1) / 2] : (days[days.length / 2 - 1] + days[days.length / 2]) / 2) : null;
  const p90 = days.length ? days[Math.min(days.length, Math.ceil(0.9 * days.length)) - 1] : null;
  const mean = days.length ? days.reduce((a, b) => a + b, 0) / days.length : null;
  return {
    closed: closed.length,
    onTime,
    onTimeRate: closed.length ? round1((100 * onTime) / closed.length) : null,
    cycleTimeDays: { median: round1(median), p90: round1(p90), mean: round1(mean) },
  };
}

async function capaFigures(store: Store, context: DashboardContext): Promise<Dashboard['capa']> {
  return { ...capaStats(await closedCapas(store, context)), drill: { closed: fragment({ figure: 'capaClosed' }), late: fragment({ figure: 'capaLate' }) } };
}

function findingQuery(context: DashboardContext, extra: { clause?: string; grade?: string; limit?: number } = {}) {
  const { sites } = context.scope;
  return { key: AUDIT_PROCESS, startedFrom: context.periodStart, startedBefore: context.periodEnd, ...(sites && { sites }), ...extra };
}

async function findingFigures(store: Store, context: DashboardContext): Promise<Dashboard['findings']> {
  if (!includes(context.scope, AUDIT_PROCESS)) return [];
  const counts = await store.countFindings(findingQuery(context));
  return counts
    .filter((c) => (FINDING_GRADES as readonly string[]).includes(c.grade))
    .map((c) => ({ ...c, drill: fragment({ figure: 'findings', clause: c.clause, grade: c.grade }) }));
}

/** Per site, the gap analysis whose report counts: the newest signed off, else the newest. */
async function countedGapReports(store: Store, context: DashboardContext): Promise<GapReportRow[]> {
  if (!includes(context.scope, GAP_PROCESS)) return [];
  const { sites } = context.scope;
  const rows = await store.gapReports({ key: GAP_PROCESS, startedBefore: context.asOf.toISOString(), ...(sites && { sites }) });
  const bySite = new Map<string | null, GapReportRow>();
  for (const row of rows) {
    const current = bySite.get(row.site);
    // rows come oldest first: a later one replaces the current unless it is unsigned and the current is signed
    if (!current || row.signedOff || !current.signedOff) bySite.set(row.site, row);
  }
  return [...bySite.values()];
}

async function gapFigures(store: Store, context: DashboardContext): Promise<GapCoverage[]> {
  const reports = await countedGapReports(store, context);
  const byStandard = new Map<string, GapCoverage>();
  for (const report of reports) {
    for (const c of report.coverage) {
      const row = byStandard.get(c.standard) ?? { standard: c.standard, clauses: 0, assessed: 0, conforms: 0, partial: 0, gap: 0, notApplicable: 0, coverage: null, records: 0, drill: fragment({ figure: 'gap', standard: c.standard }) };
      row.clauses += c.applicable;
      row.assessed += c.assessed;
      row.conforms += c.conforms;
      row.partial += c.partial;
      row.gap += c.gap;
      row.notApplicable += c.na;
      row.records += 1;
      byStandard.set(c.standard, row);
    }
  }
  return [...byStandard.values()]
    .map((row) => ({ ...row, coverage: conformityPct({ applicable: row.clauses, na: row.notApplicable, conforms: row.conforms, partial: row.partial }) }))
    .sort((a, b) => a.standard.localeCompare(b.standard));
}

// ---- KPIs ------------------------------------------------------------------------------------------------

/** Months (YYYY-MM) of the period, each [start, end) with the last ending at the period's end. */
function months(context: Pick<DashboardContext, 'from' | 'periodEnd'>): { period: string; start: string; end: string }[] {
  const end = Date.parse(context.periodEnd);
  const list: { period: string; start: string; end: string }[] = [];
  const first = new Date(`${context.from.slice(0, 7)}-01T00:00:00Z`);
  for (let d = first; d.getTime() < end; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))) {
    const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    list.push({ period: d.toISOString().slice(0, 7), start: d.toISOString(), end: new Date(Math.min(next, end)).toISOString() });
  }
  return list;
}

/** The period of a value as a comparable range start: `2026-11` → 2026-11, `2026-Q4` → 2026-10. */
function periodStart(period: string): string {
  const quarter = /^(\d{4})-Q([1-4])$/.exec(period);
  return quarter ? `${quarter[1]}-${String((Number(quarter[2]) - 1) * 3 + 1).padStart(2, '0')}` : period;
}

export function kpiStatus(kpi: Pick<KpiRecord, 'target' | 'direction'>, value: number | undefined): KpiView['status'] {
  if (value === undefined) return 'no-data';
  return (kpi.direction === 'up' ? value >= kpi.target : value <= kpi.target) ? 'on-target' : 'off-target';
}

/** KPIs the viewer sees (of the organisation, or of a site in scope), with their trend over the period and status. */
async function kpiFigures(store: Store, context: DashboardContext): Promise<KpiView[]> {
  const kpis = (await store.listKpis()).filter((k) => k.site === undefined || !context.scope.sites || context.scope.sites.in.includes(k.site));
  if (!kpis.length) return [];
  const values = await store.listKpiValues(kpis.filter((k) => k.source === 'manual').map((k) => k.id));
  const owners = await namesOf(store, [...new Set(kpis.map((k) => k.owner))]);
  const periods = months(context);
  const fromMonth = context.from.slice(0, 7);
  const toMonth = context.periodEnd.slice(0, 7);
  return Promise.all(
    kpis.map(async (kpi): Promise<KpiView> => {
      const trend =
        kpi.source === 'manual'
          ? values
              .filter((v: KpiValueRecord) => v.kpiId === kpi.id && periodStart(v.period) >= fromMonth && periodStart(v.period) <= toMonth)
              .sort((a, b) => periodStart(a.period).localeCompare(periodStart(b.period)))
              .map((v) => ({ period: v.period, value: v.value }))
          : await computedTrend(store, kpiContext(context, kpi), kpi, periods);
      const latest = trend.length ? trend[trend.length - 1] : null;
      return {
        ...kpiDefinition(kpi),
        ownerName: owners.get(kpi.owner) ?? kpi.owner,
        latest,
        status: kpiStatus(kpi, latest?.value),
        trend,
      };
    }),
  );
}

/** A site KPI is computed over its site only. */
function kpiContext(context: DashboardContext, kpi: KpiRecord): DashboardContext {
  return kpi.site === undefined ? context : { ...context, scope: { ...context.scope, sites: { in: [kpi.site], orNone: false } } };
}

/** Monthly values of a computed KPI over the period; months without data (no CAPA closed) are left out. */
async function computedTrend(store: Store, context: DashboardContext, kpi: KpiRecord, periods: { period: string; start: string; end: string }[]): Promise<{ period: string; value: number }[]> {
  if (!periods.length) return [];
  switch (kpi.measure) {
    case 'overdue-count': {
      // overdue at each month's end (at asOf for the month under way)
      const series = await store.taskSeries({ ...context.scope, edges: [periods[0].start, ...periods.map((p) => p.end)] });
      return periods.map((p, i) => ({ period: p.period, value: series.overdueAtEnd[i] }));
    }
    case 'capa-on-time-rate':
    case 'capa-cycle-time-median': {
      const closed = await closedCapas(store, context, periods[0].start, periods[periods.length - 1].end);
      return periods.flatMap((p) => {
        const stats = capaStats(closed.filter((c) => c.endedAt >= p.start && c.endedAt < p.end));
        const value = kpi.measure === 'capa-on-time-rate' ? stats.onTimeRate : stats.cycleTimeDays.median;
        return value === null ? [] : [{ period: p.period, value }];
      });
    }
    case 'nonconformity-findings': {
      if (!includes(context.scope, AUDIT_PROCESS)) return [];
      const findings = await store.listFindings({ ...findingQuery(context, { limit: MAX_RECORDS }), startedFrom: periods[0].start, startedBefore: periods[periods.length - 1].end });
      const ncs = findings.filter((f) => f.grade === 'major' || f.grade === 'minor');
      return periods.map((p) => ({ period: p.period, value: ncs.filter((f) => f.startedAt >= p.start && f.startedAt < p.end).length }));
    }
    default:
      return [];
  }
}

// ---- drill-down --------------------------------------------------------------------------------------------

/** What a drill-down fragment says (besides the filters). */
export interface Drilldown {
  figure: string;
  byProcess?: string;
  bySite?: string;
  byOwner?: string;
  byRole?: string;
  bucket?: string;
  level?: string;
  week?: string;
  clause?: string;
  grade?: string;
  standard?: string;
}

export const FIGURES = ['open', 'dueSoon', 'overdue', 'escalated', 'aging', 'escalation', 'opened', 'closed', 'overdueAtWeekEnd', 'capaClosed', 'capaLate', 'findings', 'gap'] as const;

export interface RecordList {
  title: string;
  columns: { key: string; label: string }[];
  items: Record<string, string | number | boolean | null>[];
}

const TASK_COLUMNS = [
  { key: 'businessKey', label: 'Record' },
  { key: 'process', label: 'Process' },
  { key: 'task', label: 'Task' },
  { key: 'site', label: 'Site' },
  { key: 'assignee', label: 'Owner' },
  { key: 'role', label: 'Role' },
  { key: 'createdAt', label: 'Opened' },
  { key: 'dueAt', label: 'Due' },
  { key: 'daysOverdue', label: 'Days overdue' },
  { key: 'escalationLevel', label: 'Escalation level' },
  { key: 'completedAt', label: 'Completed' },
];

/** The records behind one figure: the same scope and definitions as the figure itself. */
export async function drillDown(store: Store, context: DashboardContext, drill: Drilldown, limit = MAX_RECORDS): Promise<RecordList> {
  const at = context.asOf.toISOString();
  const edges = agingEdges(context.asOf);
  const scope: FigureScope = { ...context.scope };
  const bad = (field: string, message: string) => new ValidationError('invalid drill-down', [{ field, message }]);
  if (drill.byProcess !== undefined) {
    if (scope.processes && !scope.processes.includes(drill.byProcess)) return emptyTasks('Open tasks');
    scope.processes = [drill.byProcess];
  }
  if (drill.bySite !== undefined) {
    const site = drill.bySite;
    if (scope.sites && !(site === '' ? scope.sites.orNone : scope.sites.in.includes(site))) return emptyTasks('Open tasks');
    scope.sites = site === '' ? { in: [], orNone: true } : { in: [site], orNone: false };
  }
  const holder: Pick<TaskSearch, 'assignee' | 'candidateRole'> = {
    ...(drill.byOwner !== undefined && { assignee: drill.byOwner === '' ? null : drill.byOwner }),
    ...(drill.byRole !== undefined && { candidateRole: drill.byRole === '' ? null : drill.byRole }),
  };
  const tasks = async (title: string, search: TaskSearch) => taskList(store, context, title, await store.searchTasks({ ...scope, ...holder, ...search, limit }));
  const week = () => {
    const found = isoWeeks(context).find((w) => w.week === drill.week);
    if (!found) throw bad('week', `give a week of the period, such as ${isoWeekOf(new Date(context.periodEnd))}`);
    return found;
  };
  switch (drill.figure) {
    case 'open':
      return tasks('Open tasks', { openAt: at });
    case 'dueSoon':
      return tasks('Tasks due within 7 days', { openAt: at, dueFrom: edges[3], dueBefore: edges[4] });
    case 'overdue':
      return tasks('Overdue tasks', { openAt: at, dueBefore: at });
    case 'escalated':
      return tasks('Escalated tasks', { openAt: at, minEscalationLevel: 1 });
    case 'aging': {
      const i = AGING_BUCKETS.indexOf(drill.bucket as AgingBucket);
      if (i < 0) throw bad('bucket', `one of ${AGING_BUCKETS.join(', ')}`);
      // bucket i (1–7 … > 90) is band 3 − i of the due edges
      const band = 3 - i;
      return tasks(`Tasks overdue ${drill.bucket} days`, { openAt: at, ...(band > 0 && { dueFrom: edges[band - 1] }), dueBefore: edges[band] });
    }
    case 'escalation': {
      const level = Number(drill.level);
      if (!Number.isInteger(level) || level < 1) throw bad('level', 'an escalation level from 1');
      return tasks(`Tasks at escalation level ${level}`, { openAt: at, escalationLevel: level });
    }
    case 'opened': {
      const w = week();
      return tasks(`Tasks opened in ${w.week}`, { createdFrom: w.start, createdBefore: w.end });
    }
    case 'closed': {
      const w = week();
      return tasks(`Tasks completed in ${w.week}`, { completedFrom: w.start, completedBefore: w.end });
    }
    case 'overdueAtWeekEnd': {
      const w = week();
      return tasks(`Tasks overdue at the end of ${w.week}`, { overdueAt: w.end });
    }
    case 'capaClosed':
    case 'capaLate': {
      const closed = (await closedCapas(store, context)).filter((c) => drill.figure === 'capaClosed' || c.lateTasks > 0);
      return {
        title: drill.figure === 'capaClosed' ? 'CAPAs closed in the period' : 'CAPAs closed late (a task completed after its due date)',
        columns: [
          { key: 'businessKey', label: 'CAPA' },
          { key: 'site', label: 'Site' },
          { key: 'openedAt', label: 'Opened' },
          { key: 'closedAt', label: 'Closed' },
          { key: 'cycleTimeDays', label: 'Cycle time (days)' },
          { key: 'lateTasks', label: 'Tasks completed late' },
          { key: 'onTime', label: 'On time' },
        ],
        items: closed.slice(0, limit).map((c) => ({
          instanceId: c.id,
          businessKey: c.businessKey,
          site: c.site,
          openedAt: c.startedAt,
          closedAt: c.endedAt,
          cycleTimeDays: round1((Date.parse(c.endedAt) - Date.parse(c.startedAt)) / DAY_MS),
          lateTasks: c.lateTasks,
          onTime: c.lateTasks === 0,
          link: `/records/${encodeURIComponent(c.id)}`,
        })),
      };
    }
    case 'findings': {
      if (drill.grade !== undefined && !(FINDING_GRADES as readonly string[]).includes(drill.grade)) throw bad('grade', `one of ${FINDING_GRADES.join(', ')}`);
      const rows: FindingRow[] = includes(scope, AUDIT_PROCESS) ? await store.listFindings(findingQuery({ ...context, scope }, { clause: drill.clause, grade: drill.grade, limit })) : [];
      return {
        title: `Audit findings${drill.clause ? ` against ${rows[0]?.number || drill.clause}` : ''}${drill.grade ? ` (${drill.grade})` : ''}`,
        columns: [
          { key: 'businessKey', label: 'Audit' },
          { key: 'site', label: 'Site' },
          { key: 'auditStartedAt', label: 'Audit opened' },
          { key: 'finding', label: 'Finding' },
          { key: 'clause', label: 'Clause' },
          { key: 'title', label: 'Clause title' },
          { key: 'grade', label: 'Grade' },
          { key: 'statement', label: 'Statement' },
        ],
        items: rows
          .filter((r) => (FINDING_GRADES as readonly string[]).includes(r.grade))
          .map((r) => ({ instanceId: r.instanceId, businessKey: r.businessKey, site: r.site, auditStartedAt: r.startedAt, finding: r.n, clause: r.number || r.clause, title: r.title, grade: r.grade, statement: r.statement, link: `/records/${encodeURIComponent(r.instanceId)}` })),
      };
    }
    case 'gap': {
      if (!drill.standard) throw bad('standard', 'name the standard, e.g. 9001');
      const reports = (await countedGapReports(store, { ...context, scope })).filter((r) => r.coverage.some((c) => c.standard === drill.standard));
      return {
        title: `Gap analyses counted for ISO ${drill.standard}`,
        columns: [
          { key: 'businessKey', label: 'Gap analysis' },
          { key: 'site', label: 'Site' },
          { key: 'startedAt', label: 'Opened' },
          { key: 'signedOff', label: 'Signed off' },
          { key: 'clauses', label: 'Clauses' },
          { key: 'assessed', label: 'Assessed' },
          { key: 'conforms', label: 'Conform' },
          { key: 'partial', label: 'Partial' },
          { key: 'gap', label: 'Gap' },
          { key: 'notApplicable', label: 'Not applicable' },
          { key: 'coverage', label: 'Coverage %' },
        ],
        items: reports.slice(0, limit).map((r) => {
          const c = r.coverage.find((x) => x.standard === drill.standard)!;
          return {
            instanceId: r.instanceId,
            businessKey: r.businessKey,
            site: r.site,
            startedAt: r.startedAt,
            signedOff: r.signedOff,
            clauses: c.applicable,
            assessed: c.assessed,
            conforms: c.conforms,
            partial: c.partial,
            gap: c.gap,
            notApplicable: c.na,
            coverage: conformityPct(c),
            link: `/records/${encodeURIComponent(r.instanceId)}`,
          };
        }),
      };
    }
    default:
      throw bad('figure', `one of ${FIGURES.join(', ')}`);
  }
}

function emptyTasks(title: string): RecordList {
  return { title, columns: TASK_COLUMNS, items: [] };
}

async function taskList(store: Store, context: DashboardContext, title: string, tasks: TaskRecord[]): Promise<RecordList> {
  const at = context.asOf.getTime();
  const names = await definitionNames(store, [...new Set(tasks.map((t) => t.definitionKey))]);
  return {
    title,
    columns: TASK_COLUMNS,
    items: tasks.map((t) => {
      const closedAt = t.completedAt ?? t.cancelledAt;
      const openThen = Date.parse(t.createdAt) <= at && (t.status === 'open' || (closedAt !== undefined && Date.parse(closedAt) > at));
      const overdueMs = t.dueAt && openThen ? at - Date.parse(t.dueAt) : 0;
      return {
        taskId: t.id,
        instanceId: t.instanceId,
        businessKey: t.businessKey,
        process: names.get(t.definitionKey) ?? t.definitionKey,
        task: t.name,
        site: t.site ?? null,
        assignee: t.assignee ?? null,
        role: t.candidateRole ?? null,
        createdAt: t.createdAt,
        dueAt: t.dueAt ?? null,
        daysOverdue: overdueMs > 0 ? Math.ceil(overdueMs / DAY_MS) : 0,
        escalationLevel: t.escalationLevel ?? 0,
        completedAt: t.completedAt ?? null,
        status: t.status,
        link: `/tasks/${encodeURIComponent(t.id)}`,
        recordLink: `/records/${encodeURIComponent(t.instanceId)}`,
      };
    }),
  };
}

// ---- helpers -------------------------------------------------------------------------------------------------

/** A query-string fragment for the records endpoint. */
function fragment(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function round1(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}
