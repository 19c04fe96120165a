import {
  INSTALLATION_DEFAULTS,
  loadMessageDir,
  MessageCatalogue,
  projectPath,
  readerFor,
  readerSettingsOf,
  type MessageSet,
  type Reader,
  type ReaderDefaults,
} from '../../../kernel/i18n/index.js';
import type { InstanceRecord, TaskRecord, UserRecord } from '../../../kernel/model.js';
import { DEFAULT_TITLE_FIELDS, recordTitle, type RecordTitle } from '../../../kernel/present/index.js';

/** The emails' words: engine/features/notifications/messages/<language>/mail.json (ids `mail.…`). */
export const MAIL_MESSAGES: MessageSet = loadMessageDir(projectPath('engine', 'features', 'notifications', 'messages'));

/** What the emails need to speak to a person: the installation's reader defaults and the packs' words and titles. */
export interface MailSettings {
  /** IMSFLOW_LOCALE, IMSFLOW_TIME_ZONE, IMSFLOW_SITES (Assembly.readers). */
  defaults?: ReaderDefaults;
  /** The packs' catalogues (Assembly.packMessages): step and process names in every language. */
  packMessages?: MessageSet[];
  /** The start-form fields naming each pack's records, by process key (Assembly.titleFields). */
  titleFields?: Record<string, string[]>;
}

/**
 * Readers for email recipients: each person reads in their own locale and time zone, else their site's,
 * else the installation's (the same rule as the pages, engine/kernel/i18n readerSettingsOf).
 */
export class MailReaders {
  readonly catalogue: MessageCatalogue;
  private readonly defaults: ReaderDefaults;
  private readonly titleFields: Record<string, string[]>;

  constructor(settings: MailSettings = {}) {
    this.catalogue = new MessageCatalogue([MAIL_MESSAGES, ...(settings.packMessages ?? [])]);
    this.defaults = settings.defaults ?? INSTALLATION_DEFAULTS;
    this.titleFields = settings.titleFields ?? {};
  }

  /** The reader for one recipient. */
  readerOf(person: Pick<UserRecord, 'locale' | 'timeZone' | 'sites'> | undefined): Reader {
    const { locale, timeZone } = readerSettingsOf(person, this.defaults);
    return readerFor(this.catalogue, locale, timeZone);
  }

  /** A task's record as people know it: "CAPA-2026-0004 · Leaking valve" (the key alone when the record is gone). */
  titleOf(task: Pick<TaskRecord, 'businessKey' | 'definitionKey'>, instance: Pick<InstanceRecord, 'businessKey' | 'variables'> | undefined): RecordTitle {
    return recordTitle(instance ?? { businessKey: task.businessKey, variables: {} }, this.titleFields[task.definitionKey] ?? DEFAULT_TITLE_FIELDS);
  }
}

/** A step's name in the reader's language (the pack's catalogue), as authored when it has none or was changed. */
export function stepName(reader: Reader, task: Pick<TaskRecord, 'definitionKey' | 'elementId' | 'name'>): string {
  return reader.translated(`${task.definitionKey}.${task.elementId}.name`, task.name);
}

/** A process's name in the reader's language, as authored when its pack has no catalogue. */
export function processName(reader: Reader, key: string, authored: string): string {
  return reader.translated(`${key}.process.name`, authored);
}
