import type { FieldError } from '../../../engine/kernel/errors.js';
import { ROLES, type FormField, type TaskRecord } from '../../../engine/kernel/model.js';
import type { MessageCatalogue, Reader } from '../../../engine/kernel/i18n/index.js';
import { withoutTemplates } from '../../../engine/kernel/present/index.js';

/**
 * A pack's words on a task, in the reader's language: the step's name, its fields' labels and options
 * (ids `<processKey>.<elementId>.name`, `….field.<key>.label`, `….field.<key>.option.<value>`). The BPMN is
 * English; a translation is shown only where the authored English is unchanged (Reader.translated).
 */

/** A problem the page found itself, with the words to say it in (the field's label is added when shown). */
export interface FormProblem extends FieldError {
  say?: { id: string; values?: Record<string, string | number> };
}

export interface FieldWords {
  label: string;
  option(option: { value: string; label: string }): string;
}

export function fieldWords(reader: Pick<Reader, 'translated'>, task: Pick<TaskRecord, 'definitionKey' | 'elementId'>, field: Pick<FormField, 'key' | 'label'>): FieldWords {
  const base = `${task.definitionKey}.${task.elementId}.field.${field.key}`;
  return {
    label: withoutTemplates(reader.translated(`${base}.label`, field.label)),
    option: (option) => withoutTemplates(reader.translated(`${base}.option.${option.value}`, option.label)),
  };
}

// the rule lives in the kernel, where the diagram bundles use it too
export { withoutTemplates };

/** A simple ICU argument (`{note}`); anything richer (plural, select) is not matched back. */
const ARGUMENT = /\{\s*([A-Za-z_][\w]*)\s*\}/g;

/**
 * The values of a templated English message found back in the text the engine resolved: the pack's
 * catalogue says "Implement action {index}: {title}", the task is named "Implement action 2: Fit a new seal",
 * so index is "2" and title "Fit a new seal". Undefined when the text does not have the message's shape
 * (a process owner changed the words) or the message is more than text and simple arguments.
 */
export function valuesIn(english: string, text: string): Record<string, string> | undefined {
  if (/[{}]/.test(english.replace(ARGUMENT, '')) || english.includes("'")) return undefined;
  const names: string[] = [];
  let pattern = '';
  let from = 0;
  for (const match of english.matchAll(ARGUMENT)) {
    pattern += escapeRegExp(english.slice(from, match.index)) + '([\\s\\S]*?)';
    names.push(match[1]);
    from = match.index + match[0].length;
  }
  pattern += escapeRegExp(english.slice(from));
  const found = new RegExp(`^${pattern}$`).exec(text);
  if (!found) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, found[i + 1]]));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A task's step name in the reader's language. The task holds its name as the engine resolved it (templates
 * filled in, so never a raw `${…}`); a catalogue message with arguments is filled with the values found back
 * in that name. Without a translation, or when the words were changed, the resolved name as it stands.
 */
export function stepName(reader: Pick<Reader, 'translated'>, catalogue: Pick<MessageCatalogue, 'english'> | undefined, task: Pick<TaskRecord, 'definitionKey' | 'elementId' | 'name'>): string {
  const id = `${task.definitionKey}.${task.elementId}.name`;
  const english = catalogue?.english(id);
  if (english === undefined) return task.name;
  if (english === task.name) return reader.translated(id, english);
  const values = valuesIn(english, task.name);
  return values ? reader.translated(id, english, values) : task.name;
}

const KNOWN_ROLES = new Set<string>([...ROLES, 'manager']);

/** A role as people call it ("quality manager", "Qualitätsmanagement"); a role of this installation's own without its hyphens. */
export function roleName(reader: Pick<Reader, 't'>, role: string): string {
  return KNOWN_ROLES.has(role) ? reader.t(`tasks.role.${role}`) : role.replace(/-/g, ' ');
}

/** A process's name in the reader's language. */
export function processName(reader: Pick<Reader, 'translated'>, key: string, authored: string | undefined): string {
  return authored ? reader.translated(`${key}.process.name`, authored) : key;
}
