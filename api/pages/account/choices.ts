import { canonicalLocale, isTimeZone } from '../../../engine/kernel/i18n/index.js';

/**
 * What a person may choose on the account page: the locales imsflow speaks (English, German, French, each
 * with the regions our plants are in, which decide how dates and numbers look) and the time zones the
 * platform knows (IANA names, grouped by region).
 */

export const LOCALE_CHOICES = ['en-GB', 'en-IE', 'en-US', 'de-CH', 'de-DE', 'de-AT', 'fr-FR', 'fr-CH', 'fr-BE'] as const;

/** A locale named in its own language ("Deutsch (Schweiz)", "Français (France)"), as language pickers do. */
export function localeName(tag: string): string {
  let name: string | undefined;
  try {
    name = new Intl.DisplayNames([tag], { type: 'language', languageDisplay: 'standard', style: 'short' }).of(tag);
  } catch {
    name = undefined;
  }
  if (!name) return tag;
  return name.charAt(0).toLocaleUpperCase(tag) + name.slice(1);
}

/** The locales to offer: ours, plus the person's own when it is another one imsflow reads (e.g. "de"). */
export function localeChoices(current: string | undefined): string[] {
  const known: string[] = [...LOCALE_CHOICES];
  const own = current ? canonicalLocale(current) : undefined;
  if (own && !known.includes(own)) known.push(own);
  return known;
}

export interface ZoneGroup {
  /** The first part of the IANA names: Europe, America, … (the page translates it). */
  region: string;
  zones: string[];
}

let groups: ZoneGroup[] | undefined;

/** The platform's time zones by region (computed once), UTC on its own first. */
export function zoneGroups(current?: string): ZoneGroup[] {
  groups ??= build();
  if (!current || current === 'UTC' || groups.some((g) => g.zones.includes(current)) || !isTimeZone(current)) return groups;
  // a zone Intl knows under another name (Europe/Kiev, Etc/GMT-1): offered as it is, so the select shows it
  return [...groups, { region: 'Other', zones: [current] }];
}

function build(): ZoneGroup[] {
  const byRegion = new Map<string, string[]>();
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const slash = zone.indexOf('/');
    if (slash < 0) continue;
    const region = zone.slice(0, slash);
    byRegion.set(region, [...(byRegion.get(region) ?? []), zone]);
  }
  return [{ region: 'UTC', zones: ['UTC'] }, ...[...byRegion.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([region, zones]) => ({ region, zones: zones.sort() }))];
}

/** "Europe/Zurich" → "Zurich", "America/Argentina/Buenos_Aires" → "Argentina – Buenos Aires". */
export function placeOf(zone: string): string {
  const parts = zone.split('/');
  return (parts.length > 1 ? parts.slice(1) : parts).map((p) => p.replace(/_/g, ' ')).join(' – ');
}

/** The zone's offset from UTC now, as "UTC+01:00" ("UTC" for none): helps tell zones apart in the list. */
export function offsetNow(zone: string, now: Date): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(now).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  return name.replace(/^GMT/, 'UTC');
}

