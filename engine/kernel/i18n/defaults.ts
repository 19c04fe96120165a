import { canonicalLocale, DEFAULT_LOCALE, DEFAULT_TIME_ZONE, isTimeZone } from './locales.js';

/** Where a person's locale and time zone come from when they have not chosen: their site, then the installation. */
export interface ReaderDefaults {
  locale: string;
  timeZone: string;
  /** Per site: the plant in Basel reads de-CH on Europe/Zurich time, the one in Dublin en-IE on Europe/Dublin. */
  sites: Record<string, { locale: string; timeZone: string }>;
}

export const INSTALLATION_DEFAULTS: ReaderDefaults = { locale: DEFAULT_LOCALE, timeZone: DEFAULT_TIME_ZONE, sites: {} };

/** What a person reads in: their own choice, else their (first) site's, else the installation's. */
export function readerSettingsOf(person: { locale?: string; timeZone?: string; sites?: string[] } | undefined, defaults: ReaderDefaults): { locale: string; timeZone: string } {
  const site = person?.sites?.map((s) => defaults.sites[s]).find(Boolean);
  return {
    locale: person?.locale ?? site?.locale ?? defaults.locale,
    timeZone: person?.timeZone ?? site?.timeZone ?? defaults.timeZone,
  };
}

/**
 * Parses IMSFLOW_SITES: "basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin". Throws a message naming
 * the entry that is not "site=locale zone" with a locale we speak and a zone Intl knows.
 */
export function parseSiteDefaults(text: string): ReaderDefaults['sites'] {
  const sites: ReaderDefaults['sites'] = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([^=\s]+)\s*=\s*(\S+)\s+(\S+)$/.exec(entry);
    if (!match) throw new Error(`"${entry}" is not "site=locale time-zone", e.g. "basel=de-CH Europe/Zurich"`);
    const [, site, tag, zone] = match;
    const locale = canonicalLocale(tag);
    if (!locale) throw new Error(`"${entry}": ${tag} is not a locale in a language imsflow speaks (en, de, fr)`);
    if (!isTimeZone(zone)) throw new Error(`"${entry}": ${zone} is not a time zone (use an IANA name such as Europe/Zurich)`);
    sites[site] = { locale, timeZone: zone };
  }
  return sites;
}
