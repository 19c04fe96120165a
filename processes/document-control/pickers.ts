import { ROLES, type MessageSet, type RecordReader } from '../../engine/pack-kit.js';
import type { FieldChoice, FieldTypeReader, PackFieldType } from '../../engine/packs.js';
import { packMessages } from '../locate.js';

/**
 * The start form's pickers (ProcessPack.fieldTypes): the sites a document applies to, the roles that review
 * it or are trained on it, and the processes it belongs to, offered and shown by name, never by key. A pick
 * is stored as `{key, name}` (the name as it read when picked); the services read the keys (numbering.ts
 * listOf). A JSON client may send the keys as a list or, as before, as text separated by commas.
 */

/** What a picker stores: the key the services read and the name people read. */
export interface Picked {
  key: string;
  name: string;
}

/** Roles a document can name as reviewers or trainees: the directory's roles of people. */
export const PEOPLE_ROLES: readonly string[] = ROLES.filter((role) => role !== 'integration' && role !== 'admin');

const WORDS = 'document-control-fields';
const MESSAGES: MessageSet = packMessages('document-control');

/** One of the pack's own words in the reader's language (English when absent, as the catalogue would). */
function word(reader: FieldTypeReader | undefined, id: string): string {
  const language = (reader?.language ?? 'en') as keyof MessageSet;
  return MESSAGES[language]?.[`${WORDS}.${id}`] ?? MESSAGES.en[`${WORDS}.${id}`] ?? id;
}

const isPicked = (value: unknown): value is Picked => typeof value === 'object' && value !== null && typeof (value as Picked).key === 'string' && typeof (value as Picked).name === 'string';

/** The key a submitted pick names: the text given, or the key of a stored pick handed back. */
function keyOf(raw: unknown): string {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'object' && raw !== null && typeof (raw as Picked).key === 'string') return (raw as Picked).key.trim();
  return '';
}

const byLabel = (reader: FieldTypeReader | undefined) => (a: FieldChoice, b: FieldChoice) => a.label.localeCompare(b.label, reader?.locale ?? 'en');

/** A role as people call it, in the reader's language ("Qualitätsmanager"). */
export function roleWords(role: string, reader?: FieldTypeReader): string {
  return PEOPLE_ROLES.includes(role) ? word(reader, `role.${role}`) : role.replace(/-/g, ' ');
}

/** A process's name in the reader's language when the installation has a translation. */
function processWords(process: Picked, reader: FieldTypeReader | undefined): string {
  return reader?.translated?.(`${process.key}.process.name`, process.name) ?? process.name;
}

/** The sites that may be picked: the register's active ones; without a register, every site someone belongs to. */
async function siteChoices(records: RecordReader): Promise<Picked[]> {
  const registered = (await records.registeredSites()).filter((site) => site.active).map(({ key, name }) => ({ key, name: name || key }));
  return registered.length ? registered : (await records.sites()).map((key) => ({ key, name: key }));
}

/** `document-sites`: the sites a document applies to, each a known site (registered or someone's). */
export const documentSites: PackFieldType = {
  type: 'document-sites',
  label: `${WORDS}.type.document-sites`,
  multiple: true,
  async check(raw, { records }) {
    const key = keyOf(raw);
    if (!key) return { error: 'must name a site' };
    if (!(await records.sites()).includes(key)) return { error: `names no known site “${key}”` };
    const registered = (await records.registeredSites()).find((site) => site.key === key);
    return { value: { key, name: registered?.name || key } satisfies Picked };
  },
  async choices({ records, reader }) {
    return (await siteChoices(records)).map((site) => ({ value: site.key, label: site.name })).sort(byLabel(reader));
  },
  present: (value) => (isPicked(value) ? value.name : undefined),
};

/** `roles`: roles of people (reviewers, trainees), named in the reader's language. */
export const roles: PackFieldType = {
  type: 'roles',
  label: `${WORDS}.type.roles`,
  multiple: true,
  async check(raw) {
    const key = keyOf(raw);
    if (!key) return { error: 'must name a role' };
    if (!PEOPLE_ROLES.includes(key)) return { error: `names no role “${key}” (the roles are ${PEOPLE_ROLES.map((role) => roleWords(role)).join(', ')})` };
    return { value: { key, name: roleWords(key) } satisfies Picked };
  },
  async choices({ reader }) {
    return PEOPLE_ROLES.map((role) => ({ value: role, label: roleWords(role, reader) })).sort(byLabel(reader));
  },
  present: (value, reader) => (isPicked(value) ? roleWords(value.key, reader) : undefined),
};

/** `processes`: deployed processes, by name. */
export const processes: PackFieldType = {
  type: 'processes',
  label: `${WORDS}.type.processes`,
  multiple: true,
  async check(raw, { records }) {
    const key = keyOf(raw);
    if (!key) return { error: 'must name a process' };
    const process = (await records.processes()).find((p) => p.key === key);
    return process ? { value: { key, name: process.name } satisfies Picked } : { error: `names no deployed process “${key}”` };
  },
  async choices({ records, reader }) {
    return (await records.processes()).map((process) => ({ value: process.key, label: processWords(process, reader) })).sort(byLabel(reader));
  },
  present: (value, reader) => (isPicked(value) ? processWords(value, reader) : undefined),
};

export const documentPickers: PackFieldType[] = [documentSites, roles, processes];
