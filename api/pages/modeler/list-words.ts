import type { Reader } from '../../../engine/kernel/i18n/index.js';
import { PAGE_MESSAGES } from '../reader.js';

/**
 * The words of the modeler's list bundles (home.ts: the open drafts; versions.ts: a process's versions and
 * training; review.ts: a change under review), in the reader's language, for the page to hand over as data
 * (`data-words` on the container the bundle fills; modeler/list-words.ts reads it). The messages go over
 * as ICU MessageFormat rather than as finished text (`t()`): what they say (names, times, counts) is only
 * known in the browser, from the JSON API, and the bundle formats them in the reader's locale and zone.
 * Roles come as the task pages name them (tasks.role.<role>).
 * A message missing in the reader's language goes over in English, never as its id.
 */
const AREA = 'modelerLists.';
/** Words other pages own that the lists show too: roles as the task pages name them. */
const BORROWED = ['tasks.role.'];

export function listMessages(reader: Pick<Reader, 'language'>): Record<string, string> {
  const english = PAGE_MESSAGES.en;
  const own = PAGE_MESSAGES[reader.language];
  return Object.fromEntries(
    Object.keys(english)
      .filter((id) => id.startsWith(AREA) || BORROWED.some((prefix) => id.startsWith(prefix)))
      .map((id) => [id, own[id] ?? english[id]!]),
  );
}
