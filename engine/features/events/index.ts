/** Quality and EHS events across packs: their classification, recurrence (reopens a remedy's effectiveness) and trends. */
export { CAUSE_CATEGORIES, type CauseCategory, type EventClassification, type PackEvent } from './classification.js';
export {
  classificationsMatch,
  DEFAULT_RECURRENCE_WINDOW,
  EventRecurrence,
  eventTime,
  recurrenceWindowProblem,
  withinWindow,
  type ClassifiedRecord,
  type PackRemedy,
  type RecurrenceDeps,
  type RecurrencePack,
  type RemedyClassification,
} from './recurrence.js';
export { EVENT_TRENDS_FIGURE, EVENT_TRENDS_SECTION, eventTrendsFigure, parseDrillValue, drillValue, eventList, CAUSE_LABELS, causeWord, type EventTrendsSection } from './figure.js';
export {
  eventRowOf,
  eventRows,
  PARETO_DIMENSIONS,
  rowsBehind,
  trendsOf,
  weeksOf,
  type EventRecordSource,
  type EventRow,
  type EventTrends,
  type ParetoChart,
  type ParetoDimension,
  type ParetoEntry,
  type TrendDrill,
  type TrendPeriod,
  type WeeklyCount,
} from './trends.js';
