import { ROLES, type FormField } from '../model.js';
import { checkFormRules, readField } from './form-fields.js';
import type { ModdleElement } from './parse.js';
import type { Report } from './validate.js';

/**
 * The forms of a definition as validate.ts reads them: a user task's ims:form and the start event's (the
 * start form, what a person gives to start a record), each field read by form-fields.ts; and the
 * process's ims:starters. Every problem is reported by code.
 */

/** An element's documentation as one line of text; undefined when it has none. */
export function documentationOf(element: ModdleElement): string | undefined {
  const text = ((element.documentation ?? []) as ModdleElement[]).map((d) => String(d.text ?? '')).join(' ').replace(/\s+/g, ' ').trim();
  return text || undefined;
}

export const formsOf = (element: ModdleElement) => ((element.extensionElements?.values ?? []) as ModdleElement[]).filter((e) => e.$type === 'ims:Form');

/** The ims:form of a user task or of the start event: its fields, each checked, with their rules (ims:requiredWhen, ims:siteFrom). */
export function readForm(element: ModdleElement, report: Report, packTypes?: ReadonlySet<string> | 'any'): FormField[] {
  const forms = formsOf(element);
  if (forms.length > 1) report(element, 'one-form');
  const form: FormField[] = [];
  for (const field of (forms[0]?.fields ?? []) as ModdleElement[]) {
    const read = readField(element, field, report, packTypes);
    if (!read) continue;
    if (form.some((f) => f.key === read.key)) report(element, 'field-twice', { field: read.key });
    form.push(read);
  }
  checkFormRules(element, form, report);
  return form;
}

/**
 * The roles ims:starters names ("staff, quality-manager"), each a role of imsflow; "none": no person starts
 * it by hand. Not given: the owner role; a file that names no owner either (drawn elsewhere, before starters)
 * keeps what it had: anyone signed in (undefined).
 */
export function readStarters(process: ModdleElement, report: Report): string[] | undefined {
  const text = process.starters as string | undefined;
  if (text === undefined) return process.ownerRole ? [process.ownerRole as string] : undefined;
  const roles = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  if (roles.length === 1 && roles[0] === 'none') return [];
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) report(process, 'starters-unknown', { role, roles: ROLES.join(', ') });
  }
  if (!roles.length) report(process, 'starters-empty');
  return roles.filter((role) => (ROLES as readonly string[]).includes(role));
}
