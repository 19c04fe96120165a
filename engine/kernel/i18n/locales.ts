/**
 * The languages imsflow speaks and how a locale or time zone someone gives is checked. A locale is a BCP 47
 * tag ("de-CH"): its language picks the messages, the whole tag picks how dates and numbers look.
 */
export const LANGUAGES = ['en', 'de', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Where nothing else is known: English, dates as in the UK (day first, 24-hour clock), UTC. */
export const DEFAULT_LOCALE = 'en-GB';
export const DEFAULT_TIME_ZONE = 'UTC';

/** The language of a locale we have messages for; English for any other. */
export function languageOf(locale: string): Language {
  const base = locale.toLowerCase().split('-')[0];
  return (LANGUAGES as readonly string[]).includes(base) ? (base as Language) : 'en';
}

/** The canonical form of a locale tag, or undefined when it is not one (or names a language we lack). */
export function canonicalLocale(tag: string): string | undefined {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical && (LANGUAGES as readonly string[]).includes(canonical.split('-')[0]) ? canonical : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the time zone is one the platform's Intl knows (an IANA name such as Europe/Zurich). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The best locale for an Accept-Language header: the first listed tag (by q) whose language we speak,
 * kept whole so "de-CH" gets Swiss number formats; DEFAULT_LOCALE when none fits.
 */
export function negotiateLocale(acceptLanguage: string | undefined): string {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.trim(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((entry) => entry.tag && entry.tag !== '*' && entry.q > 0 && Number.isFinite(entry.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const locale = canonicalLocale(tag);
    if (locale) return locale === 'en' ? DEFAULT_LOCALE : locale;
  }
  return DEFAULT_LOCALE;
}
