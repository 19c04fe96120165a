export { personProblems, personRecord, profileOf, saveUser, setReadingPreferences, type PersonInput, type ReadingPreferences } from './people.js';
export { IMMEDIATE, setNoticePreference } from './notices.js';
export { clearAbsence, handleAbsence, possibleDelegates, setAbsence, startOfDay } from './absence.js';
export { personDirectory } from './directory.js';
export {
  ADMIN_ONLY_ROLES,
  SITE_ADMIN,
  administers,
  administrationRefusal,
  createPerson,
  deactivatePerson,
  listPeople,
  mayAdminister,
  personView,
  reactivatePerson,
  updatePerson,
  type Deactivation,
  type PeopleFilter,
  type PersonChanges,
} from './administration.js';
export { type Handover } from './handover.js';
export { applyImport, planImport, IMPORT_COLUMNS, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, type FieldChange, type ImportPlan, type ImportProblem, type ImportRow } from './import.js';
export { PeopleCommands } from './commands.js';
