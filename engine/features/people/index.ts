export { profileOf, saveUser, setReadingPreferences, type ReadingPreferences } from './people.js';
export { personDirectory } from './directory.js';
