import { diff as differ } from 'bpmn-js-differ';
import { createTwoFilesPatch } from 'diff';
import { canonicalXml } from './canonical-xml.js';
import type { ModdleContext, ModdleElement } from './parse.js';

/**
 * What a change to a process changes, for the reviewer: which elements were added, removed, changed or
 * only moved on the diagram; every changed attribute, including each `ims:` attribute and form field; and
 * the raw XML as a unified diff, over both files written one way (canonical-xml.ts), so that it shows what
 * the author changed and not how a tool wrote it.
 *
 * bpmn-js-differ classifies the elements; it reports old and new values swapped and does not see inside
 * extension elements (FIELD-NOTES), so the attribute list is built here from both models.
 */

export type ElementChangeKind = 'added' | 'removed' | 'changed' | 'moved';

export interface ElementChange {
  id: string;
  /** The BPMN type without its prefix: userTask, sequenceFlow, process … */
  type: string;
  name?: string;
  change: ElementChangeKind;
}

/** One attribute of one element that differs: null where the element or attribute does not exist. */
export interface FieldChange {
  element: string;
  /** `name`, `ims:candidateRole`, `condition`, `form.severity` (the field itself), `form.severity.required` … */
  field: string;
  old: string | null;
  new: string | null;
}

export interface DefinitionDiff {
  elements: ElementChange[];
  fields: FieldChange[];
  /**
   * A unified diff of the two XML texts in canonical form (empty when they say the same): namespace prefixes,
   * attribute order, indentation and character escapes do not show. Headers only, and a line saying so,
   * where the two differ too much to compare line by line in DIFF_BUDGET.
   */
  xmlDiff: string;
}

/**
 * Compares two parsed definitions. `before` null: a new process, every element added.
 * `labels` name the two sides in the XML diff's header (e.g. `capa v3`, `capa draft r12`).
 */
export function diffDefinitions(
  before: { context: ModdleContext; xml: string } | null,
  after: { context: ModdleContext; xml: string },
  labels: { before: string; after: string } = { before: 'before', after: 'after' },
): DefinitionDiff {
  const oldElements = before ? comparableElements(before.context) : new Map<string, ModdleElement>();
  const newElements = comparableElements(after.context);
  const classified = new Map<string, ElementChangeKind>();
  if (before) {
    const result = differ(before.context.rootElement, after.context.rootElement);
    for (const id of Object.keys(result._added)) if (newElements.has(id)) classified.set(id, 'added');
    for (const id of Object.keys(result._removed)) if (oldElements.has(id)) classified.set(id, 'removed');
    for (const id of Object.keys(result._changed)) if (newElements.has(id) && !classified.has(id)) classified.set(id, 'changed');
    for (const id of Object.keys(result._layoutChanged)) if (newElements.has(id) && !classified.has(id)) classified.set(id, 'moved');
  }

  const fields: FieldChange[] = [];
  for (const id of new Set([...oldElements.keys(), ...newElements.keys()])) {
    const was = oldElements.get(id);
    const now = newElements.get(id);
    // the element's presence decides first: the differ may miss one inside a changed container
    if (!was) classified.set(id, 'added');
    else if (!now) classified.set(id, 'removed');
    const oldProps = was ? propertiesOf(was) : {};
    const newProps = now ? propertiesOf(now) : {};
    let differs = false;
    for (const field of new Set([...Object.keys(oldProps), ...Object.keys(newProps)])) {
      const o = oldProps[field] ?? null;
      const n = newProps[field] ?? null;
      if (o === n) continue;
      differs = true;
      // a form field that is on both sides is told by its attributes; its summary names it only when it comes or goes
      if (/^form\.[^.]+$/.test(field) && o !== null && n !== null) continue;
      fields.push({ element: id, field, old: o, new: n });
    }
    if (differs && was && now && classified.get(id) !== 'changed') classified.set(id, 'changed');
  }

  const elements: ElementChange[] = [...classified].map(([id, change]) => {
    const element = (newElements.get(id) ?? oldElements.get(id))!;
    return { id, type: shortType(element.$type), ...(element.name && { name: String(element.name) }), change };
  });
  const order: Record<ElementChangeKind, number> = { added: 0, removed: 1, changed: 2, moved: 3 };
  elements.sort((a, b) => order[a.change] - order[b.change] || a.id.localeCompare(b.id));
  return { elements, fields, xmlDiff: before && before.xml === after.xml ? '' : xmlDiffOf(before?.xml ?? null, after.xml, labels) };
}

/** What the line diff may spend: it runs on the request's thread, over files of up to 20,000 elements. */
export const DIFF_BUDGET = { maxEditLength: 20_000, timeoutMs: 1_000 };

/** The unified diff of the canonical forms; of the texts as stored where either cannot be read as XML (both sides alike). */
function xmlDiffOf(before: string | null, after: string, labels: { before: string; after: string }): string {
  let old = before ?? '';
  let now = after;
  try {
    [old, now] = [before === null ? '' : canonicalXml(before), canonicalXml(after)];
  } catch {
    // both were parsed by bpmn-moddle before they came here; should one still not canonicalise, the stored texts are compared
  }
  if (before !== null && old === now) return '';
  const patch = createTwoFilesPatch(labels.before, labels.after, old, now, undefined, undefined, { context: 3, maxEditLength: DIFF_BUDGET.maxEditLength, timeout: DIFF_BUDGET.timeoutMs });
  return patch ?? `--- ${labels.before}\n+++ ${labels.after}\n(the two files differ in too many lines to show here: the changed elements and fields above say what changed)\n`;
}

/** The elements a reviewer reads: processes, participants, lanes and flow elements; not diagram shapes. */
function comparableElements(context: ModdleContext): Map<string, ModdleElement> {
  const elements = new Map<string, ModdleElement>();
  for (const [id, element] of Object.entries(context.elementsById)) {
    if (!element.$type.startsWith('bpmn:') || element.$type === 'bpmn:Definitions') continue;
    // event definitions, forms and loop characteristics are read as properties of their element
    if (/EventDefinition$|LoopCharacteristics$|Expression$|^bpmn:(Documentation|ExtensionElements|LaneSet)$/.test(element.$type)) continue;
    elements.set(id, element);
  }
  return elements;
}

/** Every attribute of an element a change can touch, flattened to `field → text`. */
function propertiesOf(element: ModdleElement): Record<string, string> {
  const props: Record<string, string> = {};
  const set = (field: string, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    props[field] = typeof value === 'string' ? value : JSON.stringify(value);
  };
  set('type', shortType(element.$type));
  set('name', element.name);
  set('documentation', ((element.documentation ?? []) as ModdleElement[]).map((d) => d.text ?? '').join('\n').trim());
  set('sourceRef', (element.sourceRef as ModdleElement | undefined)?.id);
  set('targetRef', (element.targetRef as ModdleElement | undefined)?.id);
  set('condition', (element.conditionExpression as ModdleElement | undefined)?.body);
  set('default', (element.default as ModdleElement | undefined)?.id);
  set('attachedToRef', (element.attachedToRef as ModdleElement | undefined)?.id);
  if (element.cancelActivity === false) set('cancelActivity', 'false');
  if (element.isExecutable !== undefined) set('isExecutable', String(element.isExecutable));
  for (const definition of (element.eventDefinitions ?? []) as ModdleElement[]) {
    const kind = shortType(definition.$type).replace(/EventDefinition$/, '');
    const timer = ['timeDuration', 'timeDate', 'timeCycle'].map((k) => (definition[k] as ModdleElement | undefined)?.body && `${k}=${(definition[k] as ModdleElement).body}`).filter(Boolean);
    set(`event.${kind}`, timer.length ? timer.join(' ') : 'yes');
  }
  const loop = element.loopCharacteristics as ModdleElement | undefined;
  if (loop) {
    set('multiInstance', loop.isSequential ? 'sequential' : 'parallel');
    for (const [name, value] of imsAttributes(loop)) set(`multiInstance.${name}`, value);
  }
  for (const [name, value] of imsAttributes(element)) set(name, value);

  const extensions = ((element.extensionElements as ModdleElement | undefined)?.values ?? []) as ModdleElement[];
  for (const form of extensions.filter((e) => e.$type === 'ims:Form')) {
    for (const field of (form.fields ?? []) as ModdleElement[]) {
      const key = `form.${field.key ?? '?'}`;
      set(key, `${field.label ?? ''} (${field.type ?? 'text'}${field.required ? ', required' : ''})`);
      set(`${key}.label`, field.label);
      set(`${key}.type`, field.type);
      set(`${key}.required`, field.required === undefined ? undefined : String(field.required));
      set(`${key}.requiredWhen`, field.requiredWhen);
      const options = ((field.options ?? []) as ModdleElement[]).map((o) => `${o.value}=${o.label ?? o.value}`);
      if (options.length) set(`${key}.options`, options.join(', '));
      for (const [name, value] of Object.entries(field.$attrs ?? {})) set(`${key}.${name}`, value);
    }
  }
  const escalations = extensions.filter((e) => e.$type === 'ims:Escalation');
  if (escalations.length) set('ims:escalation', escalations.map((e) => `after ${e.after ?? '?'} to ${e.to ?? '?'}${e.reassign ? ' (reassign)' : ''}`).join('; '));
  // anything else in extensionElements (another tool's extensions) by type, so it is not changed unseen
  const others = extensions.filter((e) => !['ims:Form', 'ims:Escalation'].includes(e.$type));
  if (others.length) set('extensionElements', others.map((e) => e.$type).join(', '));
  return props;
}

/** `ims:` attributes the moddle descriptor knows, plus any unknown attribute (another tool's) by its qualified name. */
function imsAttributes(element: ModdleElement): [string, unknown][] {
  const found: [string, unknown][] = [];
  const descriptor = (element as { $descriptor?: { properties?: { name: string; ns?: { prefix?: string; localName?: string }; isAttr?: boolean }[] } }).$descriptor;
  for (const property of descriptor?.properties ?? []) {
    if (property.ns?.prefix !== 'ims' || !property.isAttr) continue;
    const local = property.ns.localName ?? property.name.replace(/^ims:/, '');
    found.push([`ims:${local}`, element[local]]);
  }
  for (const [name, value] of Object.entries(element.$attrs ?? {})) {
    if (name.startsWith('xmlns')) continue;
    found.push([name, value]);
  }
  return found;
}

function shortType(type: string): string {
  const local = type.replace(/^\w+:/, '');
  return local.charAt(0).toLowerCase() + local.slice(1);
}
