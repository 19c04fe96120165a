import { PROBLEM_MESSAGES } from '../../../engine/kernel/bpmn/problem-catalogue.js';
import { loadMessageDir, projectPath, type Reader } from '../../../engine/kernel/i18n/index.js';

/**
 * The words of the modeler's browser bundles (modeler/messages/<language>/modeler.json) and the problem
 * sentences (engine/kernel/bpmn/messages/<language>/problem.json), handed to them by
 * the page as data: a JSON `data-words` attribute on the container the bundle fills (modeler/words.ts reads
 * it). An attribute, not an inline script, so the strict CSP stays as it is; the renderer escapes it like
 * any attribute. Only the reader's language goes over the wire; the bundle carries English itself.
 */
const BUNDLE_MESSAGES = loadMessageDir(projectPath('modeler', 'messages'));

/** The bundle's messages in the reader's language, for the `data-words` attribute (English: none, the bundle has them). */
export function bundleMessages(reader: Pick<Reader, 'language'>): Record<string, string> {
  return reader.language === 'en' ? {} : { ...BUNDLE_MESSAGES[reader.language], ...PROBLEM_MESSAGES[reader.language] };
}
