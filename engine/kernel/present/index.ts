/** What records, tasks and values look like to a person: facts for pages and emails to put words around. */
export { DEFAULT_TITLE_FIELDS, recordTitle, isOverdue, escalationLevel, type RecordTitle } from './records.js';
