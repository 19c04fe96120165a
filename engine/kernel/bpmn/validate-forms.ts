import { ROLES, type FieldType, type FormField } from '../model.js';
import type { ProblemCode } from './problem-words.js';
import type { ModdleElement } from './parse.js';

/**
 * Reading the forms of a definition (a user task's ims:form, the start event's start form), their fields
 * and ims:requiredWhen rules, and the process's ims:starters: every problem reported by code, as in
 * validate.ts, which calls these.
 */

/** Reports a problem of an element (or of the file, 'definitions'), by code (validate.ts adds its kind and name). */
export type Report = (element: ModdleElement | string, code: ProblemCode, args?: Record<string, string | number>) => void;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const FIELD_TYPES: readonly FieldType[] = ['text', 'longtext', 'number', 'date', 'select', 'checkbox', 'person', 'file', 'checklist', 'clauses'];

/** An element's documentation as one line of text; undefined when it has none. */
export function documentationOf(element: ModdleElement): string | undefined {
  const text = ((element.documentation ?? []) as ModdleElement[]).map((d) => String(d.text ?? '')).join(' ').replace(/\s+/g, ' ').trim();
  return text || undefined;
}

export const formsOf = (element: ModdleElement) => ((element.extensionElements?.values ?? []) as ModdleElement[]).filter((e) => e.$type === 'ims:Form');

/** The ims:form of a user task or of the start event: its fields, each checked, with their ims:requiredWhen rules. */
export function readForm(element: ModdleElement, report: Report): FormField[] {
  const forms = formsOf(element);
  if (forms.length > 1) report(element, 'one-form');
  const form: FormField[] = [];
  for (const field of (forms[0]?.fields ?? []) as ModdleElement[]) {
    const read = readField(element, field, report);
    if (!read) continue;
    if (form.some((f) => f.key === read.key)) report(element, 'field-twice', { field: read.key });
    form.push(read);
  }
  checkRequiredWhen(element, form, report);
  return form;
}

/** The roles ims:starters names ("staff, quality-manager"), each a role of imsflow; "none": no person starts it by hand. */
export function readStarters(process: ModdleElement, report: Report): string[] | undefined {
  const text = process.starters as string | undefined;
  // default: the owner role; a file that names no owner either (drawn elsewhere, before starters) keeps what it had: anyone
  if (text === undefined) return process.ownerRole ? [process.ownerRole as string] : undefined;
  const roles = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  if (roles.length === 1 && roles[0] === 'none') return [];
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) report(process, 'starters-unknown', { role, roles: ROLES.join(', ') });
  }
  if (!roles.length) report(process, 'starters-empty');
  return roles.filter((role) => (ROLES as readonly string[]).includes(role));
}

function readField(task: ModdleElement, field: ModdleElement, report: Report): FormField | undefined {
  const key = field.key as string | undefined;
  if (!key || !IDENTIFIER.test(key)) {
    report(task, 'field-key', { field: key ?? '' });
    return undefined;
  }
  const type = (field.type ?? 'text') as FieldType;
  if (!FIELD_TYPES.includes(type)) {
    report(task, 'field-type', { field: key, type, types: FIELD_TYPES.join(', ') });
    return undefined;
  }
  const options = ((field.options ?? []) as ModdleElement[]).map((o) => ({ value: String(o.value ?? ''), label: String(o.label ?? o.value ?? '') }));
  if (type === 'select' && options.length === 0) report(task, 'field-no-options', { field: key });
  if (type === 'checklist' && options.length === 0) report(task, 'field-no-items', { field: key });
  if (options.some((o) => !o.value)) report(task, 'field-option-no-value', { field: key });
  if (new Set(options.map((o) => o.value)).size !== options.length) report(task, 'field-option-twice', { field: key });
  const requiredWhen = readRequiredWhen(task, key, field.requiredWhen as string | undefined, report);
  const role = field.role as string | undefined;
  if (role !== undefined && (type !== 'person' || !(ROLES as readonly string[]).includes(role))) report(task, 'field-role', { field: key, role, roles: ROLES.join(', ') });
  return {
    key,
    label: field.label ?? key,
    type,
    required: Boolean(field.required),
    ...(options.length ? { options } : {}),
    ...(requiredWhen && { requiredWhen }),
    ...(role !== undefined && type === 'person' && { role }),
  };
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
function checkRequiredWhen(task: ModdleElement, form: FormField[], report: Report): void {
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

