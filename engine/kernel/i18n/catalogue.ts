import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LANGUAGES, type Language } from './locales.js';

/** Messages of one language: id → ICU MessageFormat text ("{count, plural, one {# task} other {# tasks}}"). */
export type Messages = Record<string, string>;
/** Messages in each language we speak, as one owner (the pages, the emails, a pack) ships them. */
export type MessageSet = Record<Language, Messages>;

/**
 * Reads an owner's message folder: `<dir>/<language>/<area>.json`, each file a flat object whose ids start
 * with `<area>.` (so two areas can never claim one id). Files are read once, at start.
 */
export function loadMessageDir(dir: string): MessageSet {
  const set = { en: {}, de: {}, fr: {} } as MessageSet;
  for (const language of LANGUAGES) {
    const folder = join(dir, language);
    if (!existsSync(folder)) continue;
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
      const area = file.slice(0, -'.json'.length);
      const messages = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Messages;
      for (const [id, text] of Object.entries(messages)) {
        if (!id.startsWith(`${area}.`)) throw new Error(`${join(folder, file)}: the message id "${id}" must start with "${area}."`);
        if (typeof text !== 'string') throw new Error(`${join(folder, file)}: the message "${id}" must be text`);
        set[language][id] = text;
      }
    }
  }
  return set;
}

/**
 * All the messages a reader may be shown, merged from their owners. English is the source language: a
 * message missing in German or French is shown in English (and reported), never as its id.
 */
export class MessageCatalogue {
  private readonly byLanguage: MessageSet = { en: {}, de: {}, fr: {} };

  constructor(sets: MessageSet[] = []) {
    for (const set of sets) this.add(set);
  }

  add(set: MessageSet): this {
    for (const language of LANGUAGES) Object.assign(this.byLanguage[language], set[language]);
    return this;
  }

  messages(language: Language): Messages {
    return this.byLanguage[language];
  }

  /** The English text of an id: the fallback for a missing translation. */
  english(id: string): string | undefined {
    return this.byLanguage.en[id];
  }
}
