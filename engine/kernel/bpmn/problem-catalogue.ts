import { languageOf, loadMessageDir, projectPath, type MessageSet } from '../i18n/index.js';
import { problemsIn } from './problem-language.js';

/**
 * The problem messages in every language, read from messages/{en,de,fr}/problem.json (on the server; the
 * modeler's bundle gets the reader's language from its page instead).
 */
export const PROBLEM_MESSAGES: MessageSet = loadMessageDir(projectPath('engine', 'kernel', 'bpmn', 'messages'));

/** Problems with `message` in the locale's language (code, args and element unchanged). */
export function problemsInLocale<P extends { message: string; code?: string; args?: Record<string, string | number | undefined> }>(problems: P[], locale: string): P[] {
  return problemsIn(problems, locale, PROBLEM_MESSAGES[languageOf(locale)]);
}
