import { BUILT_IN_FIELD_TYPES, PACK_TYPE_NAME } from '../field-type-names.js';
import { FILE_KINDS, type FileKind } from '../file-kinds.js';
import { ROLES, type FieldType, type FormField } from '../model.js';
import type { ModdleElement } from './parse.js';
import type { Report } from './validate.js';

// The fields of an ims:form (a user task's), as validate.ts reads them: key, type, options, ims:requiredWhen, ims:role.

/** The built-in field types; a pack's types (ValidationOptions.fieldTypes) are known besides where its pack is handed over. */
export const FIELD_TYPES: readonly FieldType[] = BUILT_IN_FIELD_TYPES;

/** Roles a person field may ask for (ims:role): the directory's roles of people (not an integration's). */
export const FIELD_ROLES: readonly string[] = ROLES.filter((role) => role !== 'integration');

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readField(task: ModdleElement, field: ModdleElement, report: Report, packTypes: ReadonlySet<string> | 'any' = new Set()): FormField | undefined {
  const key = field.key as string | undefined;
  if (!key || !IDENTIFIER.test(key)) {
    report(task, 'field-key', { field: key ?? '' });
    return undefined;
  }
  const type = (field.type ?? 'text') as FieldType;
  const packType = packTypes === 'any' ? PACK_TYPE_NAME.test(type) : packTypes.has(type);
  if (!FIELD_TYPES.includes(type) && !packType) {
    report(task, 'field-type', { field: key, type, types: [...FIELD_TYPES, ...(packTypes === 'any' ? [] : packTypes)].join(', ') });
    return undefined;
  }
  const options = ((field.options ?? []) as ModdleElement[]).map((o) => ({ value: String(o.value ?? ''), label: String(o.label ?? o.value ?? '') }));
  if (type === 'select' && options.length === 0) report(task, 'field-no-options', { field: key });
  if (type === 'checklist' && options.length === 0) report(task, 'field-no-items', { field: key });
  if (options.some((o) => !o.value)) report(task, 'field-option-no-value', { field: key });
  if (new Set(options.map((o) => o.value)).size !== options.length) report(task, 'field-option-twice', { field: key });
  const requiredWhen = readRequiredWhen(task, key, field.requiredWhen as string | undefined, report);
  const role = readRole(task, key, type, field.role as string | undefined, report);
  const siteFrom = typeof field.siteFrom === 'string' && field.siteFrom.trim() ? field.siteFrom.trim() : undefined;
  const accept = readAccept(task, key, type, field.accept as string | undefined, report);
  const min = field.min === 'today' && type === 'date' ? ('today' as const) : undefined;
  if (field.min !== undefined && !min) report(task, 'field-min', { field: key, value: String(field.min).slice(0, 60) });
  return {
    key,
    label: field.label ?? key,
    type,
    required: Boolean(field.required),
    ...(options.length ? { options } : {}),
    ...(requiredWhen && { requiredWhen }),
    ...(role && { role }),
    ...(siteFrom && { siteFrom }),
    ...(accept && { accept }),
    ...(min && { min }),
  };
}

/** ims:accept on a file field: kinds of FILE_KINDS, separated by spaces or commas. */
function readAccept(task: ModdleElement, key: string, type: FieldType, text: string | undefined, report: Report): FileKind[] | undefined {
  if (text === undefined) return undefined;
  const kinds = text.split(/[\s,]+/).filter(Boolean);
  if (type !== 'file' || !kinds.length || kinds.some((kind) => !Object.hasOwn(FILE_KINDS, kind))) {
    report(task, 'field-accept', { field: key, value: text.slice(0, 60), kinds: Object.keys(FILE_KINDS).join(', ') });
    return undefined;
  }
  return [...new Set(kinds)] as FileKind[];
}

/**
 * The rules between the fields of one form: ims:requiredWhen, and ims:siteFrom, which names a text or
 * choice field of the same form giving the site a person field's person must belong to.
 */
export function checkFormRules(task: ModdleElement, form: FormField[], report: Report): void {
  checkRequiredWhen(task, form, report);
  for (const field of form) {
    if (!field.siteFrom) continue;
    const other = form.find((f) => f.key === field.siteFrom);
    if (field.type !== 'person' || !other || other === field || (other.type !== 'text' && other.type !== 'select')) report(task, 'field-site-from', { field: field.key, other: field.siteFrom });
  }
}

/** ims:role on a person field: a role of the directory, which the person named must hold. */
function readRole(task: ModdleElement, key: string, type: FieldType, text: string | undefined, report: Report): string | undefined {
  if (text === undefined) return undefined;
  const role = text.trim();
  if (type !== 'person') report(task, 'field-role-not-person', { field: key, type });
  else if (!FIELD_ROLES.includes(role)) report(task, 'field-role-unknown', { field: key, role: role.length > 60 ? `${role.slice(0, 60)}…` : role, roles: FIELD_ROLES.join(', ') });
  else return role;
  return undefined;
}

/** `fullCapa=no`, `status=na|partial|gap`: a field key, "=", one or more values separated by "|"; or `action2`: a key alone. */
function readRequiredWhen(task: ModdleElement, key: string, text: string | undefined, report: Report): FormField['requiredWhen'] {
  if (text === undefined) return undefined;
  // a key alone: required whenever that field is filled in
  if (/^[^=\s|]+$/.test(text)) return { field: text, values: [] };
  const match = /^\s*(?:([^=\s]+)\s*)?=(.*)$/.exec(text);
  const values = match ? match[2]!.split('|').map((v) => v.trim()) : [];
  if (!match || !match[1] || !values.length || values.some((v) => !v)) {
    report(task, 'required-when-form', { field: key, rule: text.length > 60 ? `${text.slice(0, 60)}…` : text });
    return undefined;
  }
  return { field: match[1], values: [...new Set(values)] };
}

/** Types whose value compares as one string; a list or an attachment cannot be the condition. */
const CONDITION_TYPES: readonly FieldType[] = ['text', 'longtext', 'person', 'number', 'date', 'select', 'checkbox'];

/** ims:requiredWhen names another field of the same form, by a value that field can take. */
export function checkRequiredWhen(task: ModdleElement, form: FormField[], report: Report): void {
  for (const field of form) {
    if (!field.requiredWhen) continue;
    const { field: otherKey, values } = field.requiredWhen;
    const other = form.find((f) => f.key === otherKey);
    const where = { field: field.key, other: otherKey };
    if (otherKey === field.key) report(task, 'required-when-self', where);
    else if (!other) report(task, 'required-when-unknown', where);
    // "filled in" holds for a field of any type; a value is compared as one string
    else if (values.length && !CONDITION_TYPES.includes(other.type)) report(task, 'required-when-type', { ...where, type: other.type });
    else if (other.type === 'select' && values.some((v) => !other.options?.some((o) => o.value === v))) {
      report(task, 'required-when-option', { ...where, options: (other.options ?? []).map((o) => o.value).join(', ') });
    } else if (other.type === 'checkbox' && values.some((v) => v !== 'true' && v !== 'false')) {
      report(task, 'required-when-checkbox', where);
    }
  }
}
