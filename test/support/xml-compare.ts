import { Parser } from 'saxen';
import { canonicalXml } from '../../engine/kernel/bpmn/canonical-xml.js';

/**
 * Two XML files compared by what they say, for the interchange tests: both written one way by
 * engine/kernel/bpmn/canonical-xml.ts, then read as trees in which every element and attribute is known by
 * namespace URI + local name (prefixes do not matter) and compared:
 * - attributes as a set, values exactly, except numbers of DC/DI elements (bounds, waypoints, fonts), which
 *   compare as numbers: `30.0` and `30` are one xsd:double, `30.5` and `30` are not;
 * - children with an `id` as a set, matched by id (BPMN gives their order no meaning); children without an id
 *   in the order written (waypoints, documentation, extension elements), matched by name and position;
 * - text exactly (as canonical-xml.ts decodes and trims it). Comments are not compared: they are not part of
 *   a BPMN model, and bpmn-moddle does not read them.
 * As canonical-xml.ts (and bpmn-moddle) has it, an attribute prefixed with its element's own namespace is the
 * unprefixed one: `<a:cost a:level>` and `<a:cost level>` compare equal (bpmn-moddle writes the first as the
 * second, and keeps only one of the two where a file has both).
 */

export const DC = 'http://www.omg.org/spec/DD/20100524/DC';
export const DI = 'http://www.omg.org/spec/DD/20100524/DI';
export const BPMNDI = 'http://www.omg.org/spec/BPMN/20100524/DI';
export const BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export interface XmlNode {
  /** `{uri}local` (`local` for no namespace). */
  key: string;
  uri: string;
  local: string;
  /** `prefix:local` as canonical-xml.ts writes it, for messages. */
  label: string;
  /** `{uri}local` → value; `label` as written in messages. */
  attrs: Map<string, { label: string; value: string }>;
  text: string;
  children: XmlNode[];
  parent?: XmlNode;
}

/** One difference between two files; `node` is the element it is on (in the saved file where it was added). */
export interface XmlDifference {
  kind: 'element lost' | 'element added' | 'attribute lost' | 'attribute added' | 'attribute changed' | 'text changed';
  node: XmlNode;
  /** The attribute's `{uri}local`, for attribute differences. */
  attribute?: string;
  before?: string;
  after?: string;
  /** Where, as the reader of a failure finds it: `bpmn:process#p > bpmn:task#t`. */
  where: string;
}

/** The file as a tree, after canonical-xml.ts has written it one way. */
export function xmlTree(xml: string): XmlNode {
  const canonical = canonicalXml(xml);
  const prefixes = new Map<string, string>([['xml', 'http://www.w3.org/XML/1998/namespace']]);
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  const name = (qualified: string) => {
    const colon = qualified.indexOf(':');
    const uri = colon < 0 ? '' : (prefixes.get(qualified.slice(0, colon)) ?? '');
    const local = qualified.slice(colon + 1);
    return { uri, local, key: uri ? `{${uri}}${local}` : local, label: qualified };
  };
  const parser = new Parser();
  parser.on('openTag', (tag, getAttrs, decode, selfClosing) => {
    const raw = getAttrs();
    // canonical-xml.ts declares every namespace once, on the root
    if (!root) for (const [attribute, value] of Object.entries(raw)) if (attribute.startsWith('xmlns:')) prefixes.set(attribute.slice(6), decode(value));
    const attrs = new Map<string, { label: string; value: string }>();
    for (const [attribute, value] of Object.entries(raw)) {
      if (attribute === 'xmlns' || attribute.startsWith('xmlns:')) continue;
      const qualified = name(attribute);
      attrs.set(qualified.key, { label: attribute, value: decode(value) });
    }
    const parent = stack[stack.length - 1];
    const node: XmlNode = { ...name(tag), attrs, text: '', children: [], parent };
    if (parent) parent.children.push(node);
    else root = node;
    if (!selfClosing) stack.push(node);
  });
  parser.on('closeTag', (_tag, _decode, selfClosing) => {
    if (!selfClosing) stack.pop();
  });
  parser.on('text', (text, decode) => {
    const node = stack[stack.length - 1];
    if (node) node.text += decode(text).trim();
  });
  parser.on('error', (error) => {
    throw error;
  });
  parser.parse(canonical);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every difference between the two trees, in document order. */
export function compareXml(before: XmlNode, after: XmlNode): XmlDifference[] {
  const differences: XmlDifference[] = [];
  const pending: [XmlNode, XmlNode][] = [[before, after]];
  while (pending.length) {
    const [a, b] = pending.shift()!;
    const where = whereOf(b);
    for (const [key, { label, value }] of a.attrs) {
      const other = b.attrs.get(key);
      if (!other) differences.push({ kind: 'attribute lost', node: b, attribute: key, before: value, where: `${where} ${label}` });
      else if (!sameValue(a, value, other.value)) differences.push({ kind: 'attribute changed', node: b, attribute: key, before: value, after: other.value, where: `${where} ${label}` });
    }
    for (const [key, { label, value }] of b.attrs) {
      if (!a.attrs.has(key)) differences.push({ kind: 'attribute added', node: b, attribute: key, after: value, where: `${where} ${label}` });
    }
    if (a.text !== b.text) differences.push({ kind: 'text changed', node: b, before: a.text, after: b.text, where });
    const theirs = keyed(b.children);
    for (const [key, child] of keyed(a.children)) {
      const match = theirs.get(key);
      if (match) pending.push([child, match]);
      else differences.push({ kind: 'element lost', node: child, where: whereOf(child) });
    }
    const ours = keyed(a.children);
    for (const [key, child] of theirs) if (!ours.has(key)) differences.push({ kind: 'element added', node: child, where: whereOf(child) });
  }
  return differences;
}

/** A difference as one line of a failure message. */
export function describeDifference(difference: XmlDifference): string {
  const values = difference.kind === 'attribute changed' || difference.kind === 'text changed' ? `: ${JSON.stringify(difference.before)} → ${JSON.stringify(difference.after)}` : difference.before !== undefined ? ` ${JSON.stringify(difference.before)}` : difference.after !== undefined ? ` ${JSON.stringify(difference.after)}` : '';
  return `${difference.kind}: ${difference.where}${values}`;
}

/** Element ids of a tree → the element's `{uri}local`. */
export function typesById(tree: XmlNode): Map<string, string> {
  const types = new Map<string, string>();
  const pending = [tree];
  while (pending.length) {
    const node = pending.pop()!;
    const id = node.attrs.get('id')?.value;
    if (id !== undefined) types.set(id, node.key);
    pending.push(...node.children);
  }
  return types;
}

function keyed(children: XmlNode[]): Map<string, XmlNode> {
  const byKey = new Map<string, XmlNode>();
  const positions = new Map<string, number>();
  for (const child of children) {
    const id = child.attrs.get('id')?.value;
    let key: string;
    if (id !== undefined) key = `${child.key}#${id}`;
    else {
      const position = positions.get(child.key) ?? 0;
      positions.set(child.key, position + 1);
      key = `${child.key}[${position}]`;
    }
    byKey.set(key, child);
  }
  return byKey;
}

function sameValue(node: XmlNode, a: string, b: string): boolean {
  if (a === b) return true;
  if (node.uri !== DC && node.uri !== DI) return false;
  const x = Number(a);
  const y = Number(b);
  return a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && x === y;
}

function whereOf(node: XmlNode): string {
  const steps: string[] = [];
  for (let at: XmlNode | undefined = node; at; at = at.parent) {
    const id = at.attrs.get('id')?.value;
    steps.unshift(id !== undefined ? `${at.label}#${id}` : at.label);
    if (id !== undefined && at !== node) break;
  }
  return steps.join(' > ');
}
