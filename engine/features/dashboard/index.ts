/** The steering committee's figures (see figures.ts for what each one counts) and the records behind them. */
export { AGING_BUCKETS, MAX_RECORDS, resolveContext, type AgingBucket, type DashboardContext, type DashboardFilters, type Viewer } from './context.js';
export { drillDown, FIGURES, type Drilldown, type RecordList } from './drill-down.js';
export { computeDashboard, taskFigures, type CapaFigures, type Counts, type Dashboard, type GapCoverage, type KpiView } from './figures.js';
export { kpiStatus } from './kpi-figures.js';
export { capaStats } from './quality.js';
export { isoWeekOf, isoWeeks } from './trends.js';
