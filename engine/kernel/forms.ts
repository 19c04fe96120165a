import { ValidationError, type FieldError } from './errors.js';
import { BUILT_IN_FIELD_TYPES, MAX_PICKS, picksOf, type FieldTypeReader, type PackFieldType } from './field-types.js';
import { FILE_KINDS } from './file-kinds.js';
import type { FormField } from './model.js';
import type { RecordReader } from './services.js';

/** What checks a `clauses` field: the clause catalogue's record ids. */
export interface ClauseLookup {
  clause(id: string): unknown;
}

/** A person of the directory as a person field checks them. */
export interface DirectoryPerson {
  id: string;
  name: string;
  active: boolean;
  roles: readonly string[];
  /** The sites they belong to; admins belong to every site. */
  sites?: readonly string[];
}

/** What checks a `person` field: the directory of people (engine/features/people), handed in. */
export interface PersonLookup {
  /** A person by user id or email address; undefined when the directory has nobody by it. */
  person(idOrEmail: string): Promise<DirectoryPerson | undefined>;
}

export interface FormContext {
  /** The clause catalogue, for `clauses` fields; without it such a field cannot be completed. */
  catalogue?: ClauseLookup;
  /**
   * The directory, for `person` fields: the person must exist, be active, belong to `site` and hold the
   * field's `ims:role`. Without it a person field takes the text given (a form checked outside an engine).
   */
  people?: PersonLookup;
  /** The site of the record the form belongs to; a person named must belong to it. */
  site?: string;
  /** The field types the packs bring (ProcessPack.fieldTypes) and what they read; without it such a field cannot be completed. */
  packFields?: PackFields;
  /** The time now, for a date field that may not lie in the past (ims:min="today"); without it that is not checked. */
  now?: () => Date;
  /** Who reads the refusals (a page's reader), handed to the packs' field types; absent: English. */
  reader?: FieldTypeReader;
}

/** The packs' field types by name, with the records they check against and the time. */
export interface PackFields {
  types: ReadonlyMap<string, PackFieldType>;
  records: RecordReader;
  now(): Date;
  /** A site's name in the site register, for a check's refusal to name the record's site. */
  siteName?(key: string): Promise<string | undefined>;
}

const MAX_CLAUSES = 300;

const MAX_TEXT = 10_000;
const MAX_LONGTEXT = 100_000;

/**
 * Checks submitted task (or start) data against its form and returns it cleaned (numbers as numbers,
 * booleans as booleans, a person as their user id). Every problem is reported at once, by field key.
 * Unknown keys are refused rather than stored, so a record holds only what its form asked for. Person
 * fields are checked against the directory (`context.people`): a later step assigns tasks to them.
 */
export async function validateFormData(fields: FormField[], data: unknown, context: FormContext = {}): Promise<Record<string, unknown>> {
  const { cleaned, errors } = checkShape(fields, data, context);
  if (context.people) {
    for (const field of fields.filter((f) => f.type === 'person' && typeof cleaned[f.key] === 'string')) {
      const site = (field.siteFrom && typeof cleaned[field.siteFrom] === 'string' && (cleaned[field.siteFrom] as string).trim()) || context.site;
      const found = await directoryCheck(field, cleaned[field.key] as string, context.people, site);
      if ('error' in found) errors.push(found.error);
      else Object.defineProperty(cleaned, field.key, { value: found.id, enumerable: true, writable: true, configurable: true });
    }
  }
  for (const field of fields.filter((f) => isPackType(f) && Object.hasOwn(cleaned, f.key))) {
    const checked = await packCheck(field, cleaned[field.key], context);
    if ('error' in checked) errors.push({ field: field.key, message: `${field.label} ${checked.error}` });
    else Object.defineProperty(cleaned, field.key, { value: checked.value, enumerable: true, writable: true, configurable: true });
  }
  if (errors.length) throw new ValidationError(`the form has ${errors.length} error${errors.length === 1 ? '' : 's'}`, errors);
  return cleaned;
}

const isPackType = (field: FormField) => !(BUILT_IN_FIELD_TYPES as readonly string[]).includes(field.type);

/**
 * A field of a pack's type, checked by the pack (engine/kernel/field-types.ts): one value, or each of a
 * `multiple` field's values, each once. A type no pack handed over cannot be checked, so it is refused.
 */
async function packCheck(field: FormField, raw: unknown, context: FormContext): Promise<{ value: unknown } | { error: string }> {
  const type = context.packFields?.types.get(field.type);
  if (!type || !context.packFields) return { error: `cannot be checked: this server has no field type “${field.type}”` };
  const siteName = context.site !== undefined ? await context.packFields.siteName?.(context.site) : undefined;
  const checkContext = { records: context.packFields.records, now: context.packFields.now(), field, ...(context.site !== undefined && { site: context.site }), ...(siteName && { siteName }), ...(context.reader && { reader: context.reader }) };
  if (!type.multiple) return type.check(raw, checkContext);
  const picks = picksOf(raw);
  if (picks.length > MAX_PICKS) return { error: `may name at most ${MAX_PICKS}` };
  const values: unknown[] = [];
  for (const pick of picks) {
    const checked = await type.check(pick, checkContext);
    if ('error' in checked) return checked;
    if (values.some((value) => JSON.stringify(value) === JSON.stringify(checked.value))) return { error: `names ${type.present(checked.value, context.reader ?? { locale: 'en', language: 'en' }) ?? String(pick)} twice` };
    values.push(checked.value);
  }
  return { value: values };
}

/** "an auditor", "a quality manager": a role named in a sentence. */
export function roleInWords(role: string): string {
  const words = role.replace(/-/g, ' ');
  return `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words}`;
}

/** Why a person field's person was refused, for a page to say it again in its reader's words. */
export interface PersonRefusal {
  problem: 'unknown' | 'inactive' | 'role' | 'site';
  /** What was given (for `unknown`), else the person's display name. */
  given?: string;
  name?: string;
  role?: string;
  site?: string;
}

/**
 * The refusal's detail on a field error of a person field, when it has one. It is not enumerable: the JSON
 * API answers `{field, message}` as for every field, the sentence saying it all.
 */
export function personRefusalOf(error: FieldError): PersonRefusal | undefined {
  return (error as { person?: PersonRefusal }).person;
}

/**
 * The person a person field names (by user id or email), when the directory has them active, at the
 * record's site and holding the field's role; else the field error saying why not, naming the field.
 */
async function directoryCheck(field: FormField, given: string, people: PersonLookup, site: string | undefined): Promise<{ id: string } | { error: FieldError }> {
  const refuse = (message: string, refusal: PersonRefusal) => ({ error: Object.defineProperty({ field: field.key, message: `${field.label}: ${message}` }, 'person', { value: refusal, enumerable: false }) });
  const person = await people.person(given.trim());
  if (!person) return refuse(`nobody in the directory has the user id or email “${given.trim()}”`, { problem: 'unknown', given: given.trim() });
  if (!person.active) return refuse(`${person.name} is no longer active`, { problem: 'inactive', name: person.name });
  const everySite = person.roles.includes('admin');
  if (field.role && !person.roles.includes(field.role)) {
    return refuse(`${person.name} is not ${roleInWords(field.role)}${site ? ` at ${site}` : ''}`, { problem: 'role', name: person.name, role: field.role, ...(site && { site }) });
  }
  if (site && !everySite && !(person.sites ?? []).includes(site)) return refuse(`${person.name} does not work at ${site}`, { problem: 'site', name: person.name, site });
  return { id: person.id };
}

function checkShape(fields: FormField[], data: unknown, context: FormContext): { cleaned: Record<string, unknown>; errors: FieldError[] } {
  if (data === undefined || data === null) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ValidationError('task data must be an object of field values', [{ field: 'data', message: 'must be an object' }]);
  }
  // Own keys only: a field named like an Object member (valueOf, constructor) was not submitted by the prototype.
  const given = data as Record<string, unknown>;
  const input = (key: string) => (Object.hasOwn(given, key) ? given[key] : undefined);
  const errors: FieldError[] = [];
  const cleaned: Record<string, unknown> = {};
  const known = new Set(fields.map((f) => f.key));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) errors.push({ field: key, message: 'is not a field of this task' });
  }
  for (const declared of fields) {
    const raw = input(declared.key);
    // a field required by ims:requiredWhen is checked as a required one, its messages saying why
    const because = requiredBecause(declared, fields, input, context);
    const field = because ? { ...declared, required: true } : declared;
    const why = because ? ` ${because}` : '';
    if (isEmpty(raw)) {
      if (field.required) errors.push({ field: field.key, message: `${field.label} is required${why}` });
      continue;
    }
    const result = coerce(field, raw, context);
    if ('error' in result) errors.push({ field: field.key, message: `${field.label} ${result.error}` });
    else if (field.type === 'checkbox' && field.required && result.value !== true) errors.push({ field: field.key, message: `${field.label} must be checked${why}` });
    // defined, not assigned: a key such as __proto__ would otherwise replace the prototype and drop the value
    else Object.defineProperty(cleaned, field.key, { value: result.value, enumerable: true, writable: true, configurable: true });
  }
  return { cleaned, errors };
}

// Text of spaces only is nothing written: a required field is not filled in by it (nor is a row of a form).
const isEmpty = (raw: unknown) => raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '') || (Array.isArray(raw) && raw.length === 0);

const isTicked = (raw: unknown) => raw === true || raw === 'true' || raw === 'on';

/**
 * For a field with ims:requiredWhen whose condition holds: `when <other label> is <option label or value>`,
 * or `when <other label> is filled in` for a rule naming the other field alone.
 * The other field's submitted value is compared as cleaned (a number as its digits, a checkbox as "true" or
 * "false", an unticked checkbox being "false"); a value the other field refuses is reported there, not here.
 */
function requiredBecause(field: FormField, fields: FormField[], input: (key: string) => unknown, context: FormContext): string | undefined {
  if (!field.requiredWhen) return undefined;
  const other = fields.find((f) => f.key === field.requiredWhen!.field);
  if (!other || other === field) return undefined;
  const raw = input(other.key);
  if (!field.requiredWhen.values.length) {
    // a key alone: required whenever the other field is filled in (a checkbox: ticked)
    const filled = other.type === 'checkbox' ? isTicked(raw) : !isEmpty(raw);
    return filled ? `when ${other.label} is filled in` : undefined;
  }
  let value: string;
  if (isEmpty(raw)) {
    if (other.type !== 'checkbox') return undefined;
    value = 'false';
  } else {
    const result = coerce(other, raw, context);
    if ('error' in result || (typeof result.value === 'object' && result.value !== null)) return undefined;
    value = String(result.value);
  }
  if (!field.requiredWhen.values.includes(value)) return undefined;
  const option = other.options?.find((o) => o.value === value);
  return `when ${other.label} is ${option?.label ?? value}`;
}

function coerce(field: FormField, raw: unknown, context: FormContext): { value: unknown } | { error: string } {
  switch (field.type) {
    case 'text':
    case 'longtext':
    case 'person': {
      if (typeof raw !== 'string') return { error: 'must be text' };
      const limit = field.type === 'longtext' ? MAX_LONGTEXT : field.type === 'person' ? 200 : MAX_TEXT;
      if (raw.length > limit) return { error: `must be at most ${limit} characters` };
      return { value: field.type === 'person' ? raw.trim() : raw };
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(n) ? { value: n } : { error: 'must be a number' };
    }
    case 'date': {
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw)) return { error: 'must be a date as YYYY-MM-DD' };
      const date = new Date(`${raw}T00:00:00Z`);
      if (Number.isNaN(date.getTime()) || !date.toISOString().startsWith(raw)) return { error: 'is not a real calendar date' };
      const today = field.min === 'today' && context.now ? context.now().toISOString().slice(0, 10) : undefined;
      return today && raw < today ? { error: `must not be in the past (today is ${today})` } : { value: raw };
    }
    case 'select': {
      const value = String(raw);
      const options = field.options ?? [];
      return options.some((o) => o.value === value) ? { value } : { error: `must be one of ${options.map((o) => o.value).join(', ')}` };
    }
    case 'checkbox': {
      if (isTicked(raw)) return { value: true };
      if (raw === false || raw === 'false') return { value: false };
      return { error: 'must be true or false' };
    }
    case 'file': {
      const file = raw as { sha256?: unknown; name?: unknown; size?: unknown; contentType?: unknown };
      if (
        typeof file !== 'object' ||
        Array.isArray(file) ||
        typeof file.sha256 !== 'string' ||
        !/^[a-f0-9]{64}$/.test(file.sha256) ||
        typeof file.name !== 'string' ||
        !file.name ||
        file.name.length > 255 ||
        (file.size !== undefined && (typeof file.size !== 'number' || !Number.isSafeInteger(file.size) || file.size < 0)) ||
        (file.contentType !== undefined && (typeof file.contentType !== 'string' || file.contentType.length > 200))
      ) {
        return { error: 'must be an uploaded attachment reference' };
      }
      if (field.accept && !field.accept.some((kind) => FILE_KINDS[kind] === file.contentType)) return { error: `must be ${acceptedKinds(field)}` };
      return { value: { sha256: file.sha256, name: file.name, ...(file.size !== undefined && { size: file.size }), ...(file.contentType !== undefined && { contentType: file.contentType }) } };
    }
    case 'checklist':
      return checklist(field, raw);
    case 'clauses':
      return clauses(raw, context);
    default:
      // a pack's type: its pack checks the value once the form's shape holds (packCheck)
      return typeof raw === 'string' && raw.length > MAX_TEXT ? { error: `must be at most ${MAX_TEXT} characters` } : { value: raw };
  }
}

/** "a PDF, DOCX, ODT or XLSX file": the kinds a file field takes (ims:accept), in words. */
export function acceptedKinds(field: Pick<FormField, 'accept'>): string {
  const kinds = (field.accept ?? []).map((kind) => kind.toUpperCase());
  return `a ${kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}` : kinds[0]} file`;
}

/** A list of clause catalogue ids (`8.4`, `14001:6.1.2`), each once, each in the catalogue. */
function clauses(raw: unknown, context: FormContext): { value: string[] } | { error: string } {
  const ids = typeof raw === 'string' ? raw.split(',').map((id) => id.trim()).filter(Boolean) : raw;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) return { error: 'must be a list of clause ids such as 8.4 or 14001:6.1.2' };
  if (!ids.length) return { error: 'names no clause' };
  if (ids.length > MAX_CLAUSES) return { error: `may list at most ${MAX_CLAUSES} clauses` };
  if (!context.catalogue) return { error: 'cannot be checked: this server has no clause catalogue' };
  const unknown = ids.filter((id) => !context.catalogue!.clause(id));
  if (unknown.length) return { error: `names clauses that are not in the catalogue: ${unknown.join(', ')}` };
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length) return { error: `lists ${twice[0]} twice` };
  return { value: ids as string[] };
}

/** A checklist row's result: the item conforms, does not conform, or does not apply. */
export const CHECKLIST_RESULTS = ['conforms', 'nonconforming', 'na'] as const;
export type ChecklistResult = (typeof CHECKLIST_RESULTS)[number];
export interface ChecklistRow {
  /** The item's ims:option value. */
  item: string;
  result: ChecklistResult;
  note?: string;
}
const MAX_NOTE = 2000;

/**
 * A checklist's items are its field's ims:option elements; its value has one row per item answered.
 * A required checklist needs every item answered.
 */
function checklist(field: FormField, raw: unknown): { value: ChecklistRow[] } | { error: string } {
  if (!Array.isArray(raw)) return { error: 'must be a list of checklist rows' };
  const items = new Map((field.options ?? []).map((o) => [o.value, o.label]));
  const rows: ChecklistRow[] = [];
  for (const row of raw as unknown[]) {
    const { item, result, note } = (row ?? {}) as Record<string, unknown>;
    if (typeof row !== 'object' || typeof item !== 'string' || !items.has(item)) return { error: 'has a row that is not an item of the checklist' };
    if (rows.some((r) => r.item === item)) return { error: `answers "${items.get(item)}" twice` };
    if (typeof result !== 'string' || !(CHECKLIST_RESULTS as readonly string[]).includes(result)) return { error: `needs a result for "${items.get(item)}" (${CHECKLIST_RESULTS.join(', ')})` };
    if (note !== undefined && (typeof note !== 'string' || note.length > MAX_NOTE)) return { error: `has a note on "${items.get(item)}" that is not text of at most ${MAX_NOTE} characters` };
    rows.push({ item, result: result as ChecklistResult, ...(typeof note === 'string' && note.trim() && { note }) });
  }
  if (field.required) {
    const missing = [...items.keys()].filter((item) => !rows.some((r) => r.item === item));
    if (missing.length) return { error: `needs a result for every item (missing: ${missing.map((m) => items.get(m)).join(', ')})` };
  }
  return { value: rows };
}
