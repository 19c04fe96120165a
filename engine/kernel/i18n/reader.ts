import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import type { MessageCatalogue } from './catalogue.js';
import { DEFAULT_LOCALE, DEFAULT_TIME_ZONE, languageOf, type Language } from './locales.js';
import { valuesReadBack } from './authored.js';

/** How a number is shown: its decimals, or as a percentage or a unit ("3 days"). */
export type NumberOptions = { minimumFractionDigits?: number; maximumFractionDigits?: number; style?: 'decimal' | 'percent' | 'unit'; unit?: string; unitDisplay?: 'long' | 'short' | 'narrow' };

/** Values a message may take; rich messages (<b>…</b>) take functions that wrap their chunks. */
export type MessageValues = Record<string, unknown>;

/**
 * Who reads, and what they read in: their language and how they write dates and numbers (the locale), and
 * the clock on their wall (the time zone). Pages and emails format everything a person sees through one.
 * Stored times stay UTC; only what is shown moves to the reader's zone.
 */
export interface Reader {
  locale: string;
  language: Language;
  timeZone: string;
  /** A message in the reader's language; English when it has no translation, never the id. */
  t(id: string, values?: MessageValues): string;
  /**
   * Shipped text that may have a translation (a pack's process, step or field names): the message `id` when
   * its English reads exactly `authored` (a templated name's values are read back from it, authored.ts), else
   * `authored` as it stands (a process owner changed the words).
   */
  translated(id: string, authored: string, values?: MessageValues): string;
  /** A message whose values may be rich (elements, tag functions): the parts, for a page to render. */
  rich<T = unknown>(id: string, values: MessageValues): Array<string | T>;
  /** An instant (ISO timestamp) as a date and time on the reader's clock: "9 May 2026, 09:00". */
  dateTime(iso: string | Date): string;
  /** An instant as a date on the reader's clock. */
  day(iso: string | Date): string;
  /** A calendar date (YYYY-MM-DD, no time zone): the same day everywhere. */
  calendarDate(ymd: string): string;
  number(value: number, options?: NumberOptions): string;
  /** The reader's zone, as a person names it ("Central European Standard Time"), for "times are in …". */
  zoneName(): string;
}

/** Missing or broken messages: reported here (tests collect them; the server logs them once). */
export type MessageProblem = { code: string; id?: string; message: string };
let report: (problem: MessageProblem) => void = () => {};
/** Where missing or broken messages are reported; returns a function restoring the previous listener. */
export function onMessageProblem(listener: (problem: MessageProblem) => void): () => void {
  const previous = report;
  report = listener;
  return () => {
    report = previous;
  };
}

const cache = createIntlCache();
const readers = new WeakMap<MessageCatalogue, Map<string, Reader>>();

/** The reader for a locale and time zone (one per pair and catalogue, kept: formatters are costly to build). */
export function readerFor(catalogue: MessageCatalogue, locale = DEFAULT_LOCALE, timeZone = DEFAULT_TIME_ZONE): Reader {
  let known = readers.get(catalogue);
  if (!known) readers.set(catalogue, (known = new Map()));
  const key = `${locale}|${timeZone}`;
  let reader = known.get(key);
  if (!reader) known.set(key, (reader = makeReader(catalogue, locale, timeZone)));
  return reader;
}

function makeReader(catalogue: MessageCatalogue, locale: string, timeZone: string): Reader {
  const language = languageOf(locale);
  const intl: IntlShape<unknown> = createIntl<unknown>(
    {
      locale,
      timeZone,
      defaultLocale: 'en',
      messages: catalogue.messages(language),
      onError: (err: Error & { code?: string; descriptor?: { id?: string } }) =>
        report({ code: err.code ?? 'ERROR', id: err.descriptor?.id, message: err.message }),
    },
    cache,
  );
  const descriptor = (id: string) => {
    const english = catalogue.english(id);
    if (english === undefined) report({ code: 'UNKNOWN_MESSAGE', id, message: `no English message "${id}"` });
    return { id, defaultMessage: english ?? id };
  };
  const asDate = (value: string | Date) => (typeof value === 'string' ? new Date(value) : value);
  return {
    locale,
    language,
    timeZone,
    t: (id, values) => String(intl.formatMessage(descriptor(id), values as Record<string, string>)),
    translated: (id, authored, values) => {
      const english = catalogue.english(id);
      // a templated name arrives resolved: its values are read back from it (engine/kernel/i18n/authored.ts)
      const found = english === undefined ? undefined : valuesReadBack(english, authored);
      return found ? String(intl.formatMessage({ id, defaultMessage: english }, { ...found, ...values } as Record<string, string>)) : authored;
    },
    rich: <T,>(id: string, values: MessageValues) => {
      const parts = intl.formatMessage(descriptor(id), values as Record<string, string>) as unknown;
      return (Array.isArray(parts) ? parts : [parts]) as Array<string | T>;
    },
    dateTime: (iso) => intl.formatDate(asDate(iso), { dateStyle: 'medium', timeStyle: 'short' }),
    day: (iso) => intl.formatDate(asDate(iso), { dateStyle: 'medium' }),
    // A calendar date is no instant: formatted at UTC midnight in UTC, 2026-05-09 stays 9 May everywhere.
    calendarDate: (ymd) => intl.formatDate(new Date(`${ymd}T00:00:00Z`), { dateStyle: 'medium', timeZone: 'UTC' }),
    number: (value, options) => intl.formatNumber(value, options),
    // "Central European Time"; UTC has no generic name (it would read "GMT+00:00"): "Coordinated Universal Time"
    zoneName: () =>
      new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: /^(Etc\/)?(UTC|UCT|GMT|Zulu|Universal)$/.test(timeZone) ? 'long' : 'longGeneric' })
        .formatToParts(new Date())
        .find((p) => p.type === 'timeZoneName')?.value ?? timeZone,
  };
}
