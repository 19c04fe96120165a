import { parseBpmnXml, type ModdleElement } from '../engine/kernel/bpmn/parse.js';
import { documentationOf } from '../engine/kernel/bpmn/validate.js';
import type { Messages } from '../engine/kernel/i18n/index.js';

/**
 * A pack's English words, read from its BPMN (the one source of the English): the process's name, every
 * named element's name (steps, events, gateways, flows, lanes), and each form field's label and options.
 * Ids: `<key>.process.name`, `<key>.<elementId>.name`, `<key>.<elementId>.field.<fieldKey>.label`,
 * `<key>.<elementId>.field.<fieldKey>.option.<value>`, and `<key>.process.description` (the start event's
 * documentation). Other documentation is left out: no page shows it yet.
 *
 * A templated name (`Implement action ${item.index}: ${item.title}`) becomes an ICU message with one
 * argument per expression, named after its last path segment (`Implement action {index}: {title}`); a
 * translation keeps the arguments. Pages and emails pass the name the engine resolved, and the reader reads
 * the values back from it (engine/kernel/i18n/authored.ts). Literal text is quoted where ICU would read it
 * as syntax ({, }, <, >).
 */
export async function packMessagesFromBpmn(key: string, xml: string): Promise<Messages> {
  return Object.fromEntries(Object.entries(await packWordsFromBpmn(key, xml)).map(([id, text]) => [id, icu(text)]));
}

/** The same ids with the words as authored in the BPMN (templates and all), before they become ICU. */
export async function packWordsFromBpmn(key: string, xml: string): Promise<Messages> {
  const { rootElement } = await parseBpmnXml(xml);
  const process = (rootElement.rootElements as ModdleElement[]).find((e) => e.$type === 'bpmn:Process' && e.id === key);
  if (!process) throw new Error(`the BPMN has no process with the id "${key}"`);
  const messages: Messages = {};
  const put = (id: string, text: string | undefined) => {
    if (typeof text === 'string' && text.trim()) messages[`${key}.${id}`] = text;
  };
  put('process.name', process.name);
  const visit = (container: ModdleElement) => {
    for (const lane of (container.laneSets as ModdleElement[] | undefined)?.flatMap((set) => (set.lanes as ModdleElement[]) ?? []) ?? []) put(`${lane.id}.name`, lane.name);
    for (const element of (container.flowElements as ModdleElement[] | undefined) ?? []) {
      put(`${element.id}.name`, element.name);
      // the start event's documentation says in a line what a record is for (the "New" page lists it)
      if (element.$type === 'bpmn:StartEvent' && container === process) put('process.description', documentationOf(element));
      for (const form of ((element.extensionElements?.values as ModdleElement[] | undefined) ?? []).filter((v) => v.$type === 'ims:Form')) {
        for (const field of (form.fields as ModdleElement[] | undefined) ?? []) {
          put(`${element.id}.field.${field.key}.label`, field.label);
          for (const option of (field.options as ModdleElement[] | undefined) ?? []) put(`${element.id}.field.${field.key}.option.${option.value}`, option.label);
        }
      }
      if (element.flowElements) visit(element);
    }
  };
  visit(process);
  return messages;
}

/** Authored text as ICU MessageFormat: `${path}` becomes `{argument}`, syntax characters are quoted. */
export function icu(text: string): string {
  const pieces: ({ literal: string } | { path: string[] })[] = [];
  let at = 0;
  for (let start = text.indexOf('${'); start >= 0; start = text.indexOf('${', at)) {
    const end = text.indexOf('}', start);
    if (end < 0) break;
    pieces.push({ literal: text.slice(at, start) }, { path: text.slice(start + 2, end).trim().split('.') });
    at = end + 1;
  }
  pieces.push({ literal: text.slice(at) });
  const paths = pieces.filter((p): p is { path: string[] } => 'path' in p).map((p) => p.path);
  const nameOf = (path: string[]) => {
    const last = path[path.length - 1];
    // the last segment names the value, unless two expressions end alike: then the whole path, camel-cased
    const clash = paths.some((other) => other !== path && other[other.length - 1] === last && other.join('.') !== path.join('.'));
    const name = clash ? path.map((s, i) => (i ? s[0].toUpperCase() + s.slice(1) : s)).join('') : last;
    return name.replace(/\W/g, '_');
  };
  return pieces.map((p) => ('literal' in p ? p.literal.replace(/[{}<>]/g, (c) => `'${c}'`) : `{${nameOf(p.path)}}`)).join('');
}
