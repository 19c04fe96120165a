import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { el } from './http.js';

/**
 * The reader's language and clock for the modeler's list bundles (home.ts, versions.ts, review.ts). The
 * server page hands them over on the container the bundle fills, as data (the CSP allows no inline script):
 *
 *   <div id="ims-versions" data-locale="de-CH" data-time-zone="Europe/Zurich" data-words='{"modelerLists.…":"…"}'>
 *
 * `data-words` holds the messages of api/pages/messages/<language>/modelerLists.json as ICU MessageFormat
 * (api/pages/modeler/list-words.ts); they are formatted here, with the names, times and counts the JSON API
 * gives, in the page's locale. Times are instants shown on the reader's clock ("9 May 2026, 09:00"); the
 * page says once which zone that is.
 */

type English = typeof import('../api/pages/messages/en/modelerLists.json');
/** A message of the area, without its `modelerLists.` prefix: `say('versions.summary', …)`. */
export type WordId = keyof English extends infer K ? (K extends `modelerLists.${infer Id}` ? Id : never) : never;
type Values = Record<string, string | number | undefined>;

export interface ListWords {
  locale: string;
  timeZone: string;
  /** A message as text; `<hidden>` parts (words only a screen reader needs) are kept as plain text. */
  say(id: WordId, values?: Values): string;
  /** A message as nodes for el(): values may be elements (a <time>), `<hidden>` parts are visually hidden. */
  parts(id: WordId, values?: Record<string, string | number | Node | undefined>): (string | Node)[];
  /** A role as people name it ("quality manager"), from the task pages' words; the key when they have none. */
  role(key: string): string;
  /** An instant on the reader's clock, in their locale: "04.05.2026, 09:00". */
  when(iso: string | undefined): string;
  /** The same as a <time> element, the machine value kept in `datetime`. */
  time(iso: string | undefined): HTMLTimeElement | string;
}

const cache = createIntlCache();

/** Deployed processes by key, as the page hands them over (data-process-names): their name, and as the reader reads it. */
type ProcessNames = Record<string, { name: string; shown: string }>;

/**
 * A draft's process by name: in the reader's language while the draft keeps the name its process shipped
 * with, else as its author wrote it (the key only for a draft without a name).
 */
export function processNameOf(draft: { key: string; name?: string }, holder: HTMLElement | null): string {
  let names: ProcessNames = {};
  try {
    names = JSON.parse(holder?.dataset.processNames ?? '{}') as ProcessNames;
  } catch {
    // no names: the draft's own
  }
  const known = names[draft.key];
  if (known && (!draft.name || draft.name === known.name)) return known.shown;
  return draft.name || draft.key;
}

/** A key as an ICU `select` case can name it (no hyphens): "in-review" → "inReview", "quality-manager" → "qualityManager". */
export function selector(key: string): string {
  return key.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
}

export function listWordsOf(holder: HTMLElement | null): ListWords {
  const locale = holder?.dataset.locale || document.documentElement.lang || 'en-GB';
  const timeZone = holder?.dataset.timeZone || 'UTC';
  let messages: Record<string, string> = {};
  try {
    messages = JSON.parse(holder?.dataset.words ?? '{}') as Record<string, string>;
  } catch {
    // unreadable words: the ids show, and the tests that read the pages fail
  }
  const intl: IntlShape<unknown> = createIntl<unknown>({ locale, timeZone, defaultLocale: 'en', messages, onError: (err) => console.warn(err.message) }, cache);
  const format = (id: WordId, values: Record<string, unknown>) => intl.formatMessage({ id: `modelerLists.${id}` }, values as Record<string, string>) as unknown;
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const when = (iso: string | undefined) => (iso ? dateTime.format(new Date(iso)) : '');
  return {
    locale,
    timeZone,
    say: (id, values = {}) => {
      const said = format(id, { ...values, hidden: (chunks: string[]) => chunks.join('') });
      return Array.isArray(said) ? said.join('') : String(said);
    },
    parts: (id, values = {}) => {
      const said = format(id, { ...values, hidden: (chunks: (string | Node)[]) => el('span', { class: 'vh' }, ...chunks) });
      return (Array.isArray(said) ? said : [said]).map((part) => (part instanceof Node ? part : String(part)));
    },
    role: (key) => (messages[`tasks.role.${key}`] === undefined ? key : String(intl.formatMessage({ id: `tasks.role.${key}` }))),
    when,
    time: (iso) => (iso ? el('time', { datetime: iso }, when(iso)) : ''),
  };
}
