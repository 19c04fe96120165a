import type { FormField, TaskRecord } from '../../../engine/kernel/model.js';
import type { Reader } from '../../../engine/kernel/i18n/index.js';
import { fieldWords, roleName, type FormProblem } from './words.js';

/**
 * A problem with a form, in the reader's words and naming the field: "Summary: enter a value." The page's
 * own problems carry their message id; the engine's checks (engine/kernel/forms.ts) speak English, so
 * their kinds are recognised here and said again in the reader's language. Anything else (an upload that
 * is not what it claims, a refused signature) is shown as it came, after the field's name.
 */

/** An example date for date hints: in the reader's format, as Chromium's date input does not follow the page's language. */
export const EXAMPLE_DATE = '2026-05-29';

/** What to do about an empty required field, by its type: choose, tick, attach, or enter. */
const REQUIRED: Partial<Record<FormField['type'], string>> = {
  select: 'taskForm.problem.chooseOne',
  person: 'taskForm.problem.choosePersonRequired',
  checkbox: 'taskForm.problem.mustBeChecked',
  file: 'taskForm.problem.attach',
  checklist: 'taskForm.problem.checklistEmpty',
  clauses: 'taskForm.problem.chooseClauses',
  date: 'taskForm.problem.chooseDate',
};

export function problemText(reader: Pick<Reader, 't' | 'translated' | 'calendarDate'>, task: Pick<TaskRecord, 'definitionKey' | 'elementId' | 'form'>, problem: FormProblem, values: Record<string, unknown> = {}): string {
  const { t } = reader;
  const field = task.form.find((f) => f.key === problem.field);
  if (!field) return problem.say ? t(problem.say.id, problem.say.values) : problem.message;
  const words = fieldWords(reader, task, field);
  const labelled = (text: string) => t('taskForm.problem.labelled', { label: words.label, problem: text });
  if (problem.say) {
    let sayValues = problem.say.values;
    if (problem.say.id === 'taskForm.problem.checklistResult') {
      const item = field.options?.[Number(problem.say.values?.index)];
      sayValues = { ...sayValues, item: item ? words.option(item) : String(problem.say.values?.item ?? '') };
    }
    // a role as the reader calls it
    if (problem.say.id === 'taskForm.problem.person.role') sayValues = { ...sayValues, role: roleName(reader, String(problem.say.values?.role ?? '')) };
    return labelled(t(problem.say.id, sayValues));
  }
  const message = problem.message;
  if (/ is required when /.test(message) && field.requiredWhen) return labelled(requiredWhen(reader, task, field, values));
  if (/ is required$/.test(message)) return labelled(t(REQUIRED[field.type] ?? 'taskForm.problem.required'));
  if (/ must be checked( when |$)/.test(message)) return labelled(t('taskForm.problem.mustBeChecked'));
  if (/ must be a number$/.test(message)) return labelled(t('taskForm.problem.number'));
  if (/ must be a date as YYYY-MM-DD$| is not a real calendar date$/.test(message)) return labelled(t('taskForm.problem.date', { example: reader.calendarDate(EXAMPLE_DATE) }));
  if (/ must be one of /.test(message)) return labelled(t('taskForm.problem.chooseOption'));
  const long = / must be at most (\d+) characters$/.exec(message);
  if (long) return labelled(t('taskForm.problem.tooLong', { max: Number(long[1]) }));
  const unknown = /not in the catalogue: (.+)$/.exec(message);
  if (unknown) return labelled(t('taskForm.problem.unknownClauses', { clauses: unknown[1] }));
  if (/ is not a clause|clause ids?/.test(message)) return labelled(t('taskForm.problem.clauses'));
  // Other words of the engine's already name the field by its authored label: as they stand where the label
  // reads the same, else after the label in the reader's words.
  if (message.startsWith(field.label) && words.label === field.label) return message;
  const rest = message.startsWith(`${field.label}: `) ? message.slice(field.label.length + 2) : message.startsWith(`${field.label} `) ? message.slice(field.label.length + 1) : message;
  return labelled(rest);
}

/** "required when Result is Gap: not met": the other field and the value that makes this one needed. */
function requiredWhen(reader: Pick<Reader, 't' | 'translated'>, task: Pick<TaskRecord, 'definitionKey' | 'elementId' | 'form'>, field: FormField, values: Record<string, unknown>): string {
  const other = task.form.find((f) => f.key === field.requiredWhen!.field);
  if (!other) return reader.t('taskForm.problem.required');
  const words = fieldWords(reader, task, other);
  if (!field.requiredWhen!.values.length) return reader.t('taskForm.problem.requiredWhenFilled', { other: words.label });
  const posted = values[other.key];
  const value = other.type === 'checkbox' ? (posted === 'on' || posted === 'true' ? 'true' : 'false') : String(posted ?? '');
  const option = other.options?.find((o) => o.value === value);
  const shown = other.type === 'checkbox' ? reader.t(value === 'true' ? 'taskForm.ticked' : 'taskForm.notTicked') : option ? words.option(option) : value;
  return reader.t('taskForm.problem.requiredWhen', { other: words.label, value: shown });
}

/** What a label adds about whether the field is needed: " (required)", or when another field's value makes it so. */
export function requiredNote(reader: Pick<Reader, 't' | 'translated' | 'locale'>, task: Pick<TaskRecord, 'definitionKey' | 'elementId' | 'form'>, field: FormField): string {
  if (field.required) return reader.t('taskForm.required');
  if (!field.requiredWhen) return '';
  const other = task.form.find((f) => f.key === field.requiredWhen!.field);
  if (!other) return '';
  const words = fieldWords(reader, task, other);
  if (!field.requiredWhen.values.length) return reader.t('taskForm.requiredWhenFilled', { other: words.label });
  const shown = field.requiredWhen.values.map((value) => {
    if (other.type === 'checkbox') return reader.t(value === 'true' ? 'taskForm.ticked' : 'taskForm.notTicked');
    const option = other.options?.find((o) => o.value === value);
    return option ? words.option(option) : value;
  });
  return reader.t('taskForm.requiredWhen', { other: words.label, values: new Intl.ListFormat(reader.locale, { type: 'disjunction' }).format(shown) });
}
