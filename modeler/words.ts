import { IntlMessageFormat } from 'intl-messageformat';
import EN from './messages/en/modeler.json' with { type: 'json' };

/**
 * The words of the modeler's bundles in the reader's language (issue 15). The server page hands them over
 * on the container the bundle fills, as data, not script (the CSP allows no inline script):
 *
 *   <div id="ims-editor" data-locale="de-CH" data-words='{"modeler.problems.none":"Keine Probleme",…}'>
 *
 * `data-words` holds this folder's messages (modeler/messages/<language>/modeler.json) and the problem
 * messages (engine/kernel/bpmn/messages/<language>/problem.json) in the reader's language, as ICU
 * MessageFormat; they are formatted here with the page's locale. English, bundled, stands in for any message
 * the page did not give (an English page gives none; so does the record page's viewer). Only one language
 * travels: the editor's JavaScript stays within its size budget.
 */

export type WordId = keyof typeof EN;
export interface Words {
  locale: string;
  /** The messages the page gave (its language's bundle and problem messages), for problem-language.ts. */
  messages: Readonly<Record<string, string>>;
  say(id: WordId, values?: Record<string, string | number>): string;
  /** An instant on the reader's clock (the page's data-time-zone), in their locale: "7 Dec 2026, 19:14". */
  when(iso: string): string;
}

/** A key as an ICU `select` case can name it: "in-review" → "inReview". */
export const selector = (key: string): string => key.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());

/** The words for the page part `container`: those of the nearest element above it with data-words. */
export function wordsOf(container: Element | null | undefined): Words {
  // a part not yet in the page (bpmn-js draws its palette before the canvas is attached): the page's one holder
  const holder = container?.closest<HTMLElement>('[data-words]') ?? document.querySelector<HTMLElement>('[data-words]');
  const locale = holder?.dataset.locale || document.documentElement.lang || 'en';
  let given: Record<string, string> = {};
  try {
    given = JSON.parse(holder?.dataset.words ?? '{}') as Record<string, string>;
  } catch {
    // unreadable words: English
  }
  const timeZone = holder?.dataset.timeZone || undefined;
  const messages: Record<string, string> = { ...EN, ...given };
  const formats = new Map<string, IntlMessageFormat>();
  // a message the page gave that does not parse: the English one (the catalogue test keeps them parsing)
  const formatOf = (id: WordId) => {
    let format = formats.get(id);
    if (!format) {
      try {
        format = new IntlMessageFormat(messages[id] ?? EN[id], locale);
      } catch {
        format = new IntlMessageFormat(EN[id], 'en');
      }
      formats.set(id, format);
    }
    return format;
  };
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  return {
    locale,
    messages: given,
    say: (id, values) => String(formatOf(id).format(values)),
    when: (iso) => dateTime.format(new Date(iso)),
  };
}
