/** What records, tasks and values look like to a person: facts for pages and emails to put words around. */
export { DEFAULT_TITLE_FIELDS, recordTitle, isOverdue, escalationLevel, type RecordTitle } from './records.js';
export { humanKey, isBlank, showAny, showValue, dataChanges, type Shown, type Fact, type Column, type FieldChange, type ValueLookups } from './values.js';
export { historyEntry, historyMessage, HISTORY_ACTIONS, type HistoryEntry, type HistoryLookups, type StepRef } from './history.js';
export { withoutTemplates, drawnName, markedName } from './templates.js';
