export { profileOf, saveUser, setReadingPreferences, type ReadingPreferences } from './people.js';
