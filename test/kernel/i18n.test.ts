import { expect } from 'chai';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { MessageCatalogue, negotiateLocale, onMessageProblem, parseSiteDefaults, readerFor, readerSettingsOf, type MessageProblem } from '../../engine/kernel/i18n/index.js';
import { messageFolders } from '../support/catalogues.js';

/** Intl writes narrow no-break spaces (U+202F) and no-break spaces in some formats: compare on plain spaces. */
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, ' ');

const catalogue = new MessageCatalogue([
  {
    en: { 'demo.count': '{count, plural, one {# record} other {# records}}', 'demo.only': 'Only in English' },
    de: { 'demo.count': '{count, plural, one {# Vorgang} other {# Vorgänge}}' },
    fr: { 'demo.count': '{count, plural, one {# dossier} other {# dossiers}}', 'demo.only': 'Seulement en français' },
  },
]);

describe('the reader: language, formats and time zone', () => {
  it('shows an instant on the reader’s clock: 07:00 UTC is 09:00 for a person in Europe/Zurich in summer', () => {
    const zurich = readerFor(catalogue, 'de-CH', 'Europe/Zurich');
    expect(plain(zurich.dateTime('2026-05-09T07:00:00Z'))).to.equal('09.05.2026, 09:00');
    const dublin = readerFor(catalogue, 'en-IE', 'Europe/Dublin');
    expect(plain(dublin.dateTime('2026-05-09T07:00:00Z'))).to.equal('9 May 2026, 08:00');
  });

  it('names the reader’s time zone as people say it, UTC included', () => {
    expect(readerFor(catalogue, 'de-CH', 'Europe/Zurich').zoneName()).to.equal('Mitteleuropäische Zeit');
    expect(readerFor(catalogue, 'en-GB', 'UTC').zoneName()).to.equal('Coordinated Universal Time');
    expect(readerFor(catalogue, 'fr-FR', 'Etc/UTC').zoneName()).to.equal('temps universel coordonné');
  });

  it('keeps a calendar date on its day in every zone (a due date of 9 May never becomes 8 May)', () => {
    const honolulu = readerFor(catalogue, 'en-GB', 'Pacific/Honolulu');
    expect(honolulu.calendarDate('2026-05-09')).to.equal('9 May 2026');
    expect(readerFor(catalogue, 'fr-CH', 'Europe/Zurich').calendarDate('2026-05-09')).to.equal('9 mai 2026');
  });

  it('counts in the reader’s language, with plural rules (no "1 instances")', () => {
    expect(readerFor(catalogue, 'en-GB').t('demo.count', { count: 1 })).to.equal('1 record');
    expect(readerFor(catalogue, 'de-CH').t('demo.count', { count: 3 })).to.equal('3 Vorgänge');
    expect(plain(readerFor(catalogue, 'fr-FR').t('demo.count', { count: 1234 }))).to.equal('1 234 dossiers');
  });

  it('shows a message missing in German in English, never its id, and reports it', () => {
    const problems: MessageProblem[] = [];
    const restore = onMessageProblem((p) => problems.push(p));
    try {
      expect(readerFor(catalogue, 'de-DE').t('demo.only')).to.equal('Only in English');
    } finally {
      restore();
    }
    expect(problems.map((p) => [p.code, p.id])).to.deep.equal([['MISSING_TRANSLATION', 'demo.only']]);
  });

  it('picks the browser’s first language we speak, keeping its region for formats', () => {
    expect(negotiateLocale('de-CH,de;q=0.9,en;q=0.8')).to.equal('de-CH');
    expect(negotiateLocale('ja,fr;q=0.5,de;q=0.4')).to.equal('fr');
    expect(negotiateLocale('en-US;q=0.2,fr-CA;q=0.9')).to.equal('fr-CA');
    expect(negotiateLocale('ja')).to.equal('en-GB');
    expect(negotiateLocale(undefined)).to.equal('en-GB');
    expect(negotiateLocale('en')).to.equal('en-GB');
  });

  it('reads a person in their own choice, else their site’s, else the installation’s', () => {
    const defaults = { locale: 'en-GB', timeZone: 'UTC', sites: parseSiteDefaults('basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin') };
    expect(readerSettingsOf({ sites: ['basel'] }, defaults)).to.deep.equal({ locale: 'de-CH', timeZone: 'Europe/Zurich' });
    expect(readerSettingsOf({ sites: ['basel'], locale: 'fr-CH' }, defaults)).to.deep.equal({ locale: 'fr-CH', timeZone: 'Europe/Zurich' });
    expect(readerSettingsOf({ sites: ['lyon'] }, defaults)).to.deep.equal({ locale: 'en-GB', timeZone: 'UTC' });
    expect(() => parseSiteDefaults('basel=xx-CH Europe/Zurich')).to.throw(/xx-CH is not a locale/);
    expect(() => parseSiteDefaults('basel=de-CH Mars/Olympus')).to.throw(/Mars\/Olympus is not a time zone/);
    expect(() => parseSiteDefaults('basel de-CH')).to.throw(/is not "site=locale time-zone"/);
  });
});

/** The arguments a message takes (names, with plural/select structure flattened). */
function argumentsOf(elements: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const el of elements) {
    if ('value' in el && typeof el.value === 'string' && el.type !== TYPE.literal) into.add(el.value);
    if (el.type === TYPE.tag) {
      into.add(`<${el.value}>`);
      argumentsOf(el.children, into);
    }
    if (el.type === TYPE.plural || el.type === TYPE.select) for (const option of Object.values(el.options)) argumentsOf(option.value, into);
  }
  return into;
}

describe('message catalogues: English, German and French complete', () => {
  const folders = messageFolders();

  it('finds the message folders of the pages (and of every other owner)', () => {
    expect(folders.map((f) => f.name)).to.include('api/pages/messages');
  });

  for (const { name, set } of folders) {
    it(`${name}: German and French have exactly the English ids, each parsing, with the same arguments`, () => {
      const english = Object.keys(set.en).sort();
      expect(english, `${name} has English messages`).to.not.be.empty;
      for (const language of ['de', 'fr'] as const) {
        const ids = Object.keys(set[language]).sort();
        expect(english.filter((id) => !ids.includes(id)), `${name}: not translated to ${language}`).to.deep.equal([]);
        expect(ids.filter((id) => !english.includes(id)), `${name}: ${language} ids without English`).to.deep.equal([]);
        for (const id of english) {
          const want = [...argumentsOf(parse(set.en[id]))].sort();
          const got = [...argumentsOf(parse(set[language][id]))].sort();
          expect(got, `${name} ${language} ${id}: the same arguments as English`).to.deep.equal(want);
        }
      }
    });
  }
});
