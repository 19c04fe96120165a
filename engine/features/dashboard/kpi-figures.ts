import type { DashboardStore } from './context.js';
import { kpiDefinition } from '../kpis/index.js';
import type { KpiRecord, KpiValueRecord } from '../../kernel/model.js';

import type { DashboardContext } from './context.js';
import { type KpiView, namesOf } from './figures.js';
import type { PackFigure } from './pack-figure.js';
import { readFor } from './sections.js';

/** The KPIs the viewer sees, with their monthly trend over the period and their status against target. */

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
export async function kpiFigures(store: DashboardStore, context: DashboardContext, figures: readonly PackFigure[] = []): Promise<KpiView[]> {
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
          : await computedTrend(store, kpiContext(context, kpi), kpi, periods, figures);
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

/** Monthly values of a computed KPI over the period: overdue work here, the rest from the pack figure that offers the measure. */
async function computedTrend(store: DashboardStore, context: DashboardContext, kpi: KpiRecord, periods: { period: string; start: string; end: string }[], figures: readonly PackFigure[]): Promise<{ period: string; value: number }[]> {
  if (!periods.length) return [];
  if (kpi.measure === 'overdue-count') {
    // overdue at each month's end (at asOf for the month under way)
    const series = await store.taskSeries({ ...context.scope, edges: [periods[0].start, ...periods.map((p) => p.end)] });
    return periods.map((p, i) => ({ period: p.period, value: series.overdueAtEnd[i] }));
  }
  const figure = figures.find((f) => kpi.measure !== undefined && f.measures?.[kpi.measure]);
  // a process filter that leaves the figure's process out leaves the KPI without a trend
  if (!figure || (context.scope.processes && !context.scope.processes.includes(figure.process))) return [];
  return figure.measures![kpi.measure!](readFor(store, context, figure), periods);
}
