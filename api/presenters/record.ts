import type { FormField, TaskRecord } from '../../engine/kernel/model.js';
import { escalationLevel, humanKey, isBlank, isOverdue, showAny, showValue, type Fact, type ValueLookups } from '../../engine/kernel/present/index.js';
import type { Reader } from '../../engine/kernel/i18n/index.js';

/**
 * What a record page shows, as facts for components: the start data and each task's data under the
 * fields' labels (a pack's translation where it ships one), the automatic steps' results in human keys,
 * and the open task that is latest (for the overdue and escalation tags beside the title).
 */

type Field = Pick<FormField, 'key' | 'label' | 'type' | 'options'>;

/** A field's label as the reader reads it: the pack's translation while the label is as shipped. */
export function fieldLabel(reader: Reader, processKey: string, elementId: string, field: Pick<FormField, 'key' | 'label'>): string {
  return reader.translated(`${processKey}.${elementId}.field.${field.key}.label`, field.label);
}

/** An option's label as the reader reads it. */
export function optionLabel(reader: Reader, processKey: string, elementId: string, fieldKey: string, option: { value: string; label: string }): string {
  return reader.translated(`${processKey}.${elementId}.field.${fieldKey}.option.${option.value}`, option.label);
}

/** The fields of a task's form with their labels and options in the reader's language. */
export function translatedForm(reader: Reader, processKey: string, elementId: string, form: FormField[]): FormField[] {
  return form.map((field) => ({
    ...field,
    label: fieldLabel(reader, processKey, elementId, field),
    ...(field.options && { options: field.options.map((option) => ({ ...option, label: optionLabel(reader, processKey, elementId, field.key, option) })) }),
  }));
}

/**
 * The fields the record's forms know by key (its definition's forms, else its tasks' forms; first found
 * wins): start data often carries the same keys as a form (a CAPA raised elsewhere arrives with source,
 * title and description, which its intake form names and whose options it labels).
 */
export function knownFields(reader: Reader, processKey: string, forms: Map<string, FormField[]>, tasks: TaskRecord[] = []): Field[] {
  const fields = new Map<string, Field>();
  const all: [string, FormField[]][] = [...forms, ...tasks.map((task): [string, FormField[]] => [task.elementId, task.form])];
  for (const [elementId, form] of all) for (const field of translatedForm(reader, processKey, elementId, form)) if (!fields.has(field.key)) fields.set(field.key, field);
  return [...fields.values()];
}

/**
 * The data a record was started with, by the forms' labels, else the key in words ("riskScore" → "Risk score").
 * A variable holding the id of a record this one is linked to (a training's `documentInstanceId`) is left
 * out: the linked records name that record by its number and process, and an id means nothing to a person.
 */
export function startData(reader: Reader, processKey: string, variables: Record<string, unknown>, fields: Field[], lookups: ValueLookups, linkedIds: ReadonlySet<string> = new Set()): Fact[] {
  return Object.entries(variables ?? {}).filter(([, value]) => !(typeof value === 'string' && linkedIds.has(value))).map(([key, value]) => {
    const field = fields.find((f) => f.key === key);
    if (key === 'clause' && typeof value === 'string') return { key, label: field?.label ?? humanKey(key), value: { kind: 'clause', id: value, ...(lookups.clauseText?.(value) && { text: lookups.clauseText(value) }) } };
    return { key, label: field?.label ?? reader.translated(`${processKey}.variable.${key}.label`, humanKey(key)), value: field ? showValue(field, value, lookups) : showAny(value, lookups, 0, key) };
  });
}

/** The data entered on a task: its form's fields in order, then anything the form does not name. */
export function taskData(reader: Reader, task: TaskRecord, lookups: ValueLookups, leaveOut: readonly string[] = []): Fact[] {
  const data = task.data ?? {};
  const form = translatedForm(reader, task.definitionKey, task.elementId, task.form);
  const keys = [...form.map((f) => f.key), ...Object.keys(data).filter((k) => !form.some((f) => f.key === k))].filter((key) => !leaveOut.includes(key));
  // an optional field left blank (an unticked box included) is left out; a required one shows it is blank
  return keys
    .filter((key) => form.find((f) => f.key === key)?.required || !isBlank(data[key]))
    .map((key) => {
      const field = form.find((f) => f.key === key);
      return { key, label: field?.label ?? humanKey(key), value: showValue(field, data[key], lookups) };
    });
}

/** What the automatic steps produced: everything in the output no user task entered, non-empty. */
export function automaticResults(output: Record<string, unknown>, tasks: TaskRecord[]): [string, unknown][] {
  const userTasks = new Set(tasks.map((t) => t.elementId));
  return Object.entries(output ?? {}).filter(
    ([key, value]) => !userTasks.has(key) && value !== null && value !== undefined && !(typeof value === 'object' && !Array.isArray(value) && !Object.keys(value).length),
  );
}

/**
 * The open task to show beside the record's title: the most escalated, then the longest overdue, so an
 * overdue, escalated CAPA says so at the top.
 */
export function latestOpenTask(tasks: TaskRecord[], now: Date): TaskRecord | undefined {
  const open = tasks.filter((t) => t.status === 'open');
  return open.sort((a, b) => escalationLevel(b) - escalationLevel(a) || Number(isOverdue(b, now)) - Number(isOverdue(a, now)) || (a.dueAt ?? '~').localeCompare(b.dueAt ?? '~'))[0];
}
