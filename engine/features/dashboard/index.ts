/** The steering committee's figures (see figures.ts for what each one counts) and the records behind them. */
export { AGING_BUCKETS, DAY_MS, fragment, MAX_RECORDS, resolveContext, round1, type AgingBucket, type DashboardContext, type DashboardFilters, type Viewer } from './context.js';
export { drillDown, FIGURES, figureNames, type Drilldown, type RecordList } from './drill-down.js';
export { computeDashboard, taskFigures, type Counts, type Dashboard, type KpiView } from './figures.js';
export { kpiStatus } from './kpi-figures.js';
export { defineFigure, type DigestSection, type DrillList, type FactInput, type FigureRead, type FigureRecord, type FigureSection, type FigureView, type PackFigure } from './pack-figure.js';
export { FigureProjections } from './projections.js';
export { readFor } from './sections.js';
export { isoWeekOf, isoWeeks } from './trends.js';
export type { FactRow } from '../../ports/figure-store.js';
export { ValidationError } from '../../kernel/errors.js';
