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
