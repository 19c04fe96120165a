/** The reader's language and time: locales we speak, message catalogues, and readers that format for a person. */
export { LANGUAGES, DEFAULT_LOCALE, DEFAULT_TIME_ZONE, languageOf, canonicalLocale, isTimeZone, negotiateLocale, type Language } from './locales.js';
export { MessageCatalogue, loadMessageDir, type Messages, type MessageSet } from './catalogue.js';
export { valuesReadBack } from './authored.js';
export { readerFor, onMessageProblem, type Reader, type MessageValues, type NumberOptions, type MessageProblem } from './reader.js';
export { projectPath } from './project-path.js';
export { INSTALLATION_DEFAULTS, readerSettingsOf, parseSiteDefaults, type ReaderDefaults } from './defaults.js';
