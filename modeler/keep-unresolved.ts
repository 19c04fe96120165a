import { Parser } from 'saxen';

/**
 * A bpmn-js module that saves what bpmn-moddle read but would not write back, so that a file from another
 * tool loses nothing by being opened and saved here (test/modeler/miwg-roundtrip.test.ts proves it):
 *
 * - References bpmn-moddle cannot resolve (a `messageRef` to a message defined in another file, a lane's
 *   `flowNodeRef` to a missing node): it warns "unresolved reference" and drops them. They are kept from the
 *   import and written back, in their place, on each save, for elements still in the diagram; a reference
 *   the author has set again in the meantime wins, and an element deleted in the editor takes its lost
 *   references with it.
 * - Foreign attributes whose prefix the parser had to rename (saxen calls a namespace `ns0`, `ns1` … where
 *   its prefix is already bound to another URI: two `level` attributes of two vendors, a vendor's `di:` or
 *   `ims:`): bpmn-moddle's writer finds no declaration for `ns0` and leaves them out. The renamed prefix is
 *   declared again on the element, so each attribute keeps its own namespace.
 * - Carriage returns and tabs in values (`name="Prepare&#xD;&#xA;Bank"`): bpmn-moddle writes them as literal
 *   characters, which an XML parser reads back as spaces; they are written as character references.
 */

interface Moddle {
  getPackages(): { uri: string; prefix: string }[];
}
interface Descriptor {
  isGeneric?: boolean;
  properties?: Property[];
  propertiesByName?: Record<string, Property>;
}
interface Property {
  name: string;
  isMany?: boolean;
  isReference?: boolean;
}
interface Element {
  $type: string;
  $attrs?: Record<string, string>;
  $children?: Element[];
  $descriptor?: Descriptor;
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  [key: string]: unknown;
}
interface Reference {
  element: Element;
  property: string;
  id: string;
}
interface EventBus {
  on(event: string, priority: number, fn: (event: never) => unknown): void;
}
interface ParseComplete {
  definitions?: Element;
  references?: Reference[];
  warnings?: { message: string; element?: Element; property?: string; value?: string }[];
}

/** A reference property of one element that lost references at import: every id it held, in order, and the lost ones. */
interface Lost {
  element: Element;
  property: string;
  many: boolean;
  order: string[];
  lost: Set<string>;
}

/** What the writer writes for a reference: the id (moddle-xml reads `.id` of a reference and nothing else). */
interface Stub {
  id: string;
}

/** After every other saveXML.start listener (BpmnDiOrdering, keep-di.ts): the stubs are the last change before writing. */
const LAST = 100;

function KeepUnresolved(eventBus: EventBus, moddle: Moddle): void {
  let xml = '';
  let lost: Lost[] = [];
  let restore: (() => void)[] = [];

  eventBus.on('import.parse.start', 1000, (event: { xml: string }) => {
    xml = event.xml;
    lost = [];
  });

  eventBus.on('import.parse.complete', 1000, (event: ParseComplete) => {
    if (!event.definitions) return;
    lost = lostReferences(event.references ?? [], event.warnings ?? []);
    declareRenamedPrefixes(event.definitions, renamedPrefixes(xml, moddle));
    xml = '';
  });

  eventBus.on('saveXML.start', LAST, (event: { definitions: Element }) => {
    restore = [];
    if (!lost.length) return;
    const present = containedElements(event.definitions);
    for (const entry of lost) {
      if (!present.has(entry.element)) continue;
      const { element, property } = entry;
      const now = element.get(property);
      if (entry.many) {
        const current = Array.isArray(now) ? (now as Stub[]) : [];
        const merged = mergeInOrder(entry, current);
        if (merged.length === current.length) continue;
        element.set(property, merged);
        restore.push(() => element.set(property, now));
      } else if (now === undefined || now === null) {
        element.set(property, { id: [...entry.lost][0] } satisfies Stub);
        restore.push(() => element.set(property, now));
      }
    }
  });

  eventBus.on('saveXML.serialized', LAST, (event: { xml: string }) => event.xml.replace(/[\t\r]/g, (c) => (c === '\t' ? '&#9;' : '&#13;')));

  eventBus.on('saveXML.done', 1000, () => {
    for (const undo of restore.reverse()) undo();
    restore = [];
  });
}
KeepUnresolved.$inject = ['eventBus', 'moddle'];

/** The references the import dropped, grouped by element and property, with the order the file gave them in. */
function lostReferences(references: Reference[], warnings: NonNullable<ParseComplete['warnings']>): Lost[] {
  const byElement = new Map<Element, Map<string, Lost>>();
  for (const warning of warnings) {
    if (!warning.message.startsWith('unresolved reference') || !warning.element || !warning.property || warning.value === undefined) continue;
    // moddle-xml names a property as the file did: `bpmn:flowNodeRef` for an element, `messageRef` for an attribute
    const property = warning.element.$descriptor?.propertiesByName?.[warning.property];
    if (!property) continue;
    const properties = byElement.get(warning.element) ?? new Map<string, Lost>();
    byElement.set(warning.element, properties);
    const entry = properties.get(property.name) ?? { element: warning.element, property: property.name, many: Boolean(property.isMany), order: [], lost: new Set<string>() };
    properties.set(property.name, entry);
    entry.lost.add(warning.value);
  }
  for (const reference of references) {
    const name = reference.element.$descriptor?.propertiesByName?.[reference.property]?.name ?? reference.property;
    const entry = byElement.get(reference.element)?.get(name);
    if (entry && !entry.order.includes(reference.id)) entry.order.push(reference.id);
  }
  return [...byElement.values()].flatMap((properties) => [...properties.values()]);
}

/**
 * The collection as it is now, with each lost id back where the file had it: after the ids that stood before
 * it and are still there; references the author added since come last, as they are now.
 */
function mergeInOrder(entry: Lost, current: Stub[]): Stub[] {
  const byId = new Map(current.map((item) => [item.id, item]));
  const merged: Stub[] = [];
  for (const id of entry.order) {
    if (entry.lost.has(id) && !byId.has(id)) merged.push({ id });
    else if (byId.has(id)) merged.push(byId.get(id)!);
  }
  for (const item of current) if (!merged.includes(item)) merged.push(item);
  return merged;
}

/** Every element the definitions contain (not merely reference): an element deleted in the editor is not among them. */
function containedElements(definitions: Element): Set<Element> {
  const seen = new Set<Element>();
  const pending: Element[] = [definitions];
  while (pending.length) {
    const element = pending.pop()!;
    if (seen.has(element)) continue;
    seen.add(element);
    const children: unknown[] = [...(element.$children ?? [])];
    for (const property of element.$descriptor?.properties ?? []) {
      if (property.isReference) continue;
      const value = element.get(property.name);
      if (Array.isArray(value)) children.push(...(value as unknown[]));
      else children.push(value);
    }
    for (const child of children) if (isElement(child)) pending.push(child);
  }
  return seen;
}

function isElement(value: unknown): value is Element {
  return typeof value === 'object' && value !== null && typeof (value as Element).$type === 'string';
}

/**
 * The prefixes saxen made up while reading (namespace mode, with bpmn-moddle's packages as known namespaces):
 * `ns0` … → the URI each stands for. In saxen's scope map a written prefix `p` maps to the prefix it is read
 * as, and `p$uri` to its URI (the default namespace: `xmlns` → its prefix, `<prefix>$uri` → its URI). saxen
 * gives each URI one prefix for the whole document, so a made-up one names one URI everywhere.
 */
function renamedPrefixes(xml: string, moddle: Moddle): Map<string, string> {
  const renamed = new Map<string, string>();
  if (!xml) return renamed;
  const known = Object.fromEntries(moddle.getPackages().map((p) => [p.uri, p.prefix]));
  let last: unknown;
  const parser = new Parser({ proxy: true });
  parser.ns(known);
  parser.on('openTag', (element: { ns: Record<string, string> }) => {
    const scope = element.ns;
    if (scope === last) return;
    last = scope;
    for (const [written, prefix] of Object.entries(scope)) {
      if (written.endsWith('$uri') || prefix === written) continue;
      const uri = scope[`${written === 'xmlns' ? prefix : written}$uri`];
      if (uri && !renamed.has(prefix)) renamed.set(prefix, uri);
    }
  });
  parser.on('error', () => undefined);
  parser.parse(xml);
  return renamed;
}

/**
 * Gives each made-up prefix its URI where the writer looks for it: declared on the elements whose attributes
 * use it, and as the namespace of an element of a foreign namespace named with it (bpmn-moddle reads that
 * element's URI under the written prefix, finds none, and could not save the file at all).
 */
function declareRenamedPrefixes(definitions: Element, renamed: Map<string, string>): void {
  if (!renamed.size) return;
  for (const element of containedElements(definitions)) {
    const generic = element.$descriptor as (Descriptor & { ns?: { prefix: string; uri?: string } }) | undefined;
    if (generic?.isGeneric && generic.ns && !generic.ns.uri && renamed.has(generic.ns.prefix)) generic.ns.uri = renamed.get(generic.ns.prefix);
    // bpmn-moddle keeps foreign attributes in $attrs; an element of a foreign namespace holds them as properties
    const attrs = generic?.isGeneric ? (element as Record<string, unknown>) : element.$attrs;
    if (!attrs) continue;
    for (const name of Object.keys(attrs)) {
      const prefix = name.slice(0, Math.max(0, name.indexOf(':')));
      const uri = renamed.get(prefix);
      if (uri && attrs[`xmlns:${prefix}`] === undefined) attrs[`xmlns:${prefix}`] = uri;
    }
  }
}

export const keepUnresolvedModule = {
  __init__: ['imsKeepUnresolved'],
  imsKeepUnresolved: ['type', KeepUnresolved],
};
