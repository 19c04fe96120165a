import { conformityPct } from '../../pack-kit.js';
import type { ClosedInstance, FigureScope, GapReportRow, Store } from '../../store/store.js';
import { AUDIT_PROCESS, CAPA_PROCESS, DAY_MS, type DashboardContext, FINDING_GRADES, GAP_PROCESS, fragment, round1 } from './context.js';
import type { CapaFigures, Dashboard, GapCoverage } from './figures.js';

/** The quality figures: closed CAPAs (cycle time, on time), audit findings by clause and grade, gap coverage. */

export function scopeIncludes(scope: FigureScope, process: string): boolean {
  return !scope.processes || scope.processes.includes(process);
}

export async function closedCapas(store: Store, context: DashboardContext, from = context.periodStart, before = context.periodEnd): Promise<ClosedInstance[]> {
  if (!scopeIncludes(context.scope, CAPA_PROCESS)) return [];
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

export async function capaFigures(store: Store, context: DashboardContext): Promise<Dashboard['capa']> {
  return { ...capaStats(await closedCapas(store, context)), drill: { closed: fragment({ figure: 'capaClosed' }), late: fragment({ figure: 'capaLate' }) } };
}

export function findingQuery(context: DashboardContext, extra: { clause?: string; grade?: string; limit?: number } = {}) {
  const { sites } = context.scope;
  return { key: AUDIT_PROCESS, startedFrom: context.periodStart, startedBefore: context.periodEnd, ...(sites && { sites }), ...extra };
}

export async function findingFigures(store: Store, context: DashboardContext): Promise<Dashboard['findings']> {
  if (!scopeIncludes(context.scope, AUDIT_PROCESS)) return [];
  const counts = await store.countFindings(findingQuery(context));
  return counts
    .filter((c) => (FINDING_GRADES as readonly string[]).includes(c.grade))
    .map((c) => ({ ...c, drill: fragment({ figure: 'findings', clause: c.clause, grade: c.grade }) }));
}

/** Per site, the gap analysis whose report counts: the newest signed off, else the newest. */
export async function countedGapReports(store: Store, context: DashboardContext): Promise<GapReportRow[]> {
  if (!scopeIncludes(context.scope, GAP_PROCESS)) return [];
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

export async function gapFigures(store: Store, context: DashboardContext): Promise<GapCoverage[]> {
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
