export { profileOf, saveUser, setReadingPreferences, type ReadingPreferences } from './people.js';
export { IMMEDIATE, setNoticePreference } from './notices.js';
export { clearAbsence, handleAbsence, possibleDelegates, setAbsence, startOfDay } from './absence.js';
export { personDirectory } from './directory.js';
