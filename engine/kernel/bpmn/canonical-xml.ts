import { Parser } from 'saxen';
import { InvalidDefinitionError } from '../errors.js';
import { IMS_NAMESPACE } from './ims-moddle.js';
import { screenBpmnXml } from './parse.js';

/**
 * One way of writing a BPMN file, so that two files compare by what they say and not by how a tool wrote
 * them. The review's raw XML diff compares these (diff.ts); the stored XML is never touched.
 *
 * - Elements and attributes are known by namespace URI + local name, and each URI is written with one
 *   prefix: the usual one for BPMN, DI, DC, XSI, XSD, `ims:` and a few modeler extensions (`semantic:`,
 *   `model:` or a default namespace all become `bpmn:`); another namespace keeps the prefix it was first
 *   declared with (`ns0`, `ns1` … where that is taken or there is none). The namespaces used in a name or
 *   an `xsi:type` are declared once, on the root, sorted (an unused declaration means nothing and is left
 *   out); `xsi:type="tFormalExpression"` names its type with the same prefixes.
 * - Attributes in one order: `id`, `name`, the other unprefixed ones A–Z, then the prefixed ones A–Z. As
 *   bpmn-moddle reads them, an attribute in its element's own namespace is written unprefixed, and one
 *   that holds BPMN's default value (DEFAULTS: `isSequential="false"`, `cancelActivity="true"` …) is left out.
 * - Entities decoded (`&#38;`, `&#x26;` and `&amp;` are one `&`; CDATA is text), then written one way:
 *   `&amp; &lt; &gt;`, and `&quot;` in attributes; a tab, newline or CR inside an attribute value as a
 *   character reference (a literal one there is a space, as any XML parser reads it).
 * - A BPMN element's <documentation> and <extensionElements> first among its children, as BPMN's schema orders
 *   them (and bpmn-moddle writes them); every other child in the order written.
 * - Two-space indentation, one element per line; whitespace-only text dropped, other text trimmed;
 *   `<a></a>` is `<a />`; comments kept on their own line; the XML declaration written once.
 *
 * Untrusted input: the size, DTD and element-count screens of parse.ts/prescan.ts run first, then one
 * linear pass (namespace lookups are O(1), no recursion); indentation stops growing at MAX_INDENT levels,
 * so a deeply nested file cannot grow quadratically. Browser-safe.
 */

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** The prefix each well-known namespace URI is written with. */
export const CANONICAL_PREFIXES: Readonly<Record<string, string>> = {
  'http://www.omg.org/spec/BPMN/20100524/MODEL': 'bpmn',
  'http://www.omg.org/spec/BPMN/20100524/DI': 'bpmndi',
  'http://www.omg.org/spec/DD/20100524/DC': 'dc',
  'http://www.omg.org/spec/DD/20100524/DI': 'di',
  [XSI]: 'xsi',
  'http://www.w3.org/2001/XMLSchema': 'xsd',
  [IMS_NAMESPACE]: 'ims',
  'http://bpmn.io/schema/bpmn/biocolor/1.0': 'bioc',
  'http://www.omg.org/spec/BPMN/non-normative/color/1.0': 'color',
  'http://camunda.org/schema/1.0/bpmn': 'camunda',
  'http://camunda.org/schema/zeebe/1.0': 'zeebe',
  'http://camunda.org/schema/modeler/1.0': 'modeler',
  [XML_NAMESPACE]: 'xml',
};

/**
 * The attribute defaults of BPMN 2.0 (its XSD, as bpmn-moddle's descriptors have them), by the namespace of
 * the element: `isSequential="false"` written or left out says the same (and bpmn-moddle leaves it out).
 */
const DEFAULTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'http://www.omg.org/spec/BPMN/20100524/MODEL': {
    behavior: 'All',
    cancelActivity: 'true',
    cancelRemainingInstances: 'true',
    completionQuantity: '1',
    eventGatewayType: 'Exclusive',
    expressionLanguage: 'http://www.w3.org/1999/XPath',
    gatewayDirection: 'Unspecified',
    instantiate: 'false',
    isCollection: 'false',
    isForCompensation: 'false',
    isInterrupting: 'true',
    isReference: 'false',
    isSequential: 'false',
    isUnlimited: 'true',
    loopType: 'None',
    maximum: '1',
    minimum: '0',
    mustUnderstand: 'false',
    parallelMultiple: 'false',
    startQuantity: '1',
    testBefore: 'false',
    textFormat: 'text/plain',
    triggeredByEvent: 'false',
    typeLanguage: 'http://www.w3.org/2001/XMLSchema',
    waitForCompletion: 'true',
  },
  'http://www.omg.org/spec/BPMN/20100524/DI': { messageVisibleKind: 'initiating' },
  // <dc:Bounds x y> and <di:waypoint x y> (a dc:Point)
  'http://www.omg.org/spec/DD/20100524/DC': { x: '0', y: '0' },
  'http://www.omg.org/spec/DD/20100524/DI': { x: '0', y: '0' },
};

/** Deeper elements are indented as much as this level: real BPMN is about 10 deep. */
export const MAX_INDENT = 32;

const RESERVED = new Set(Object.values(CANONICAL_PREFIXES));
/** Marks where the root's namespace declarations go, once every namespace is known (NUL is refused by the screen). */
const DECLARATIONS = '\u0000xmlns\u0000';

const BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

/** Lines, and the lines of child elements as they were read (flattened once, at the end: no copying per level). */
type Lines = (string | Lines)[];

interface Frame {
  name: string;
  uri: string;
  /** `<bpmn:task id="a"` — the start tag without its end. */
  start: string;
  /** A BPMN element's <documentation> and <extensionElements> children: first, as BPMN's schema orders them. */
  documentation: Lines;
  extensions: Lines;
  /** The other child nodes' lines, in the order read. */
  children: Lines;
  /** Text read since the last child node, decoded. */
  text: string;
  /** Prefixes this element declared, to unbind when it closes. */
  declares: string[];
}

/**
 * The canonical form of an XML text, as described above. Throws what parse.ts's screen throws
 * (TooLargeError, InvalidDefinitionError) and InvalidDefinitionError for XML that is not well-formed.
 */
export function canonicalXml(xml: string): string {
  screenBpmnXml(xml);

  /** The document: its root element's lines and any comment or processing instruction around it. */
  const top: Frame = { name: '', uri: '', start: '', documentation: [], extensions: [], children: [], text: '', declares: [] };
  const stack: Frame[] = [];
  /** Prefix as written ('' = default namespace) → the URIs it is bound to, innermost last. */
  const bound = new Map<string, string[]>([['xml', [XML_NAMESPACE]]]);
  const prefixOfUri = new Map<string, string>([[XML_NAMESPACE, 'xml']]);
  const uriOfPrefix = new Map<string, string>([['xml', XML_NAMESPACE]]);
  /** The prefixes written in a name or an xsi:type: only these are declared (an unused declaration means nothing). */
  const used = new Set<string>();
  let rootSeen = false;
  const failures: string[] = [];

  const fail = (message: string): never => {
    throw new InvalidDefinitionError([{ element: 'xml', message: `not well-formed XML: ${message}` }]);
  };
  const indent = (depth: number) => '  '.repeat(Math.min(depth, MAX_INDENT));

  /** The one prefix a URI is written with; the first prefix it was declared with is kept where it is free. */
  const canonicalPrefix = (uri: string, written: string): string => {
    let prefix = prefixOfUri.get(uri) ?? CANONICAL_PREFIXES[uri];
    if (prefix === undefined) {
      prefix = written && !RESERVED.has(written) && !uriOfPrefix.has(written) && !/^ns\d+$/.test(written) ? written : '';
      for (let n = 0; !prefix; n += 1) if (!uriOfPrefix.has(`ns${n}`)) prefix = `ns${n}`;
    }
    prefixOfUri.set(uri, prefix);
    uriOfPrefix.set(prefix, uri);
    return prefix;
  };
  const uriOf = (prefix: string): string | undefined => {
    const uris = bound.get(prefix);
    return uris?.[uris.length - 1];
  };
  const prefixFor = (uri: string): string => {
    const prefix = prefixOfUri.get(uri) ?? canonicalPrefix(uri, '');
    used.add(prefix);
    return prefix;
  };
  /** `prefix:local` as written → `canonical:local`; an unprefixed name takes the default namespace only where `useDefault`. */
  const qualify = (name: string, useDefault: boolean): { uri: string; name: string } => {
    const colon = name.indexOf(':');
    const local = colon < 0 ? name : name.slice(colon + 1);
    const uri = colon < 0 ? (useDefault ? uriOf('') : '') : uriOf(name.slice(0, colon));
    if (uri === undefined) {
      if (colon < 0) return { uri: '', name: local };
      return fail(`the prefix "${name.slice(0, colon)}" of <${name}> is not declared`);
    }
    return { uri, name: uri ? `${prefixFor(uri)}:${local}` : local };
  };
  /** A QName in a value (`xsi:type="semantic:tFormalExpression"`) with the canonical prefix; as written where its prefix is unknown. */
  const qualifyValue = (value: string): string => {
    const colon = value.indexOf(':');
    const uri = uriOf(colon < 0 ? '' : value.slice(0, colon));
    return uri ? `${prefixFor(uri)}:${value.slice(colon + 1)}` : value;
  };

  const current = () => stack[stack.length - 1] ?? top;
  /** The text read in an element since its last child node, as a line of its own. */
  const flushText = (frame: Frame) => {
    const text = frame.text.trim();
    frame.text = '';
    if (text) frame.children.push(`${indent(stack.length)}${escapeText(text)}`);
  };
  /** An element's lines, given to its parent: documentation and extension elements of a BPMN element go first. */
  const place = (element: { name: string; uri: string }, lines: string | Lines) => {
    const parent = current();
    const local = element.name.slice(element.name.indexOf(':') + 1);
    const early = parent.uri === BPMN && element.uri === BPMN && (local === 'documentation' || local === 'extensionElements');
    (early ? (local === 'documentation' ? parent.documentation : parent.extensions) : parent.children).push(lines);
  };
  const unbind = (frame: Frame) => {
    for (const prefix of frame.declares) bound.get(prefix)!.pop();
  };

  const parser = new Parser();
  parser.on('error', (err) => {
    failures.push(err.message);
  });
  parser.on('openTag', (rawName, getAttrs, _decode, selfClosing) => {
    flushText(current());
    const attrs = Object.entries(getAttrs());
    const declares: string[] = [];
    // declarations first: they apply to the element's own name and attributes
    for (const [name, raw] of attrs) {
      if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
      const prefix = name === 'xmlns' ? '' : name.slice(6);
      const uri = decodeAttribute(raw);
      if (!bound.has(prefix)) bound.set(prefix, []);
      bound.get(prefix)!.push(uri);
      declares.push(prefix);
      if (uri) canonicalPrefix(uri, prefix);
    }
    const element = qualify(rawName, true);
    const written = new Map<string, string>();
    for (const [name, raw] of attrs) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
      const attribute = qualify(name, false);
      // `ims:requiredWhen` on <ims:field> is its `requiredWhen`, as bpmn-moddle reads and writes it
      const local = attribute.uri && attribute.uri === element.uri ? attribute.name.slice(attribute.name.indexOf(':') + 1) : attribute.name;
      let value = decodeAttribute(raw);
      if (attribute.uri === XSI && local.endsWith(':type')) value = qualifyValue(value);
      if (!local.includes(':') && DEFAULTS[element.uri]?.[local] === value) continue;
      if (!written.has(local)) written.set(local, value);
    }
    const sorted = [...written].sort(([a], [b]) => attributeRank(a) - attributeRank(b) || (a < b ? -1 : a > b ? 1 : 0));
    const root = !rootSeen && stack.length === 0;
    rootSeen = true;
    const start = `<${element.name}${root ? DECLARATIONS : ''}${sorted.map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`).join('')}`;
    const frame: Frame = { name: element.name, uri: element.uri, start, documentation: [], extensions: [], children: [], text: '', declares };
    if (selfClosing) {
      place(frame, `${indent(stack.length)}${start} />`);
      unbind(frame);
    } else {
      stack.push(frame);
    }
  });
  parser.on('closeTag', (_name, _decode, selfClosing) => {
    if (selfClosing) return; // written at its start
    const frame = stack[stack.length - 1];
    if (!frame) return;
    const depth = stack.length - 1;
    if (frame.documentation.length + frame.extensions.length + frame.children.length > 0) {
      flushText(frame);
      stack.pop();
      place(frame, [`${indent(depth)}${frame.start}>`, frame.documentation, frame.extensions, frame.children, `${indent(depth)}</${frame.name}>`]);
    } else {
      const text = frame.text.trim();
      stack.pop();
      place(frame, `${indent(depth)}${frame.start}${text ? `>${escapeText(text)}</${frame.name}>` : ' />'}`);
    }
    unbind(frame);
  });
  parser.on('text', (text) => {
    const frame = stack[stack.length - 1];
    if (frame) frame.text += decodeText(text);
  });
  parser.on('cdata', (text) => {
    const frame = stack[stack.length - 1];
    if (frame) frame.text += text.replace(/\r\n?/g, '\n');
  });
  parser.on('comment', (text) => {
    flushText(current());
    current().children.push(`${indent(stack.length)}<!--${text.trim() ? ` ${text.trim()} ` : ''}-->`);
  });
  parser.on('question', (text) => {
    // the XML declaration is written once below; another processing instruction is kept as it is
    if (!/^<\?xml[\s?]/.test(text)) {
      flushText(current());
      current().children.push(`${indent(stack.length)}${text}`);
    }
  });
  parser.parse(xml);
  if (failures.length) fail(failures[0]!);
  if (stack.length) fail(`<${stack[stack.length - 1]!.name}> is not closed`);
  if (!rootSeen) fail('no root element');

  const declarations = [...uriOfPrefix]
    .filter(([prefix]) => prefix !== 'xml' && used.has(prefix))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([prefix, uri]) => ` xmlns:${prefix}="${escapeAttribute(uri)}"`)
    .join('');
  const body = flatten(top.children).join('\n');
  const at = body.indexOf(DECLARATIONS);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body.slice(0, at)}${declarations}${body.slice(at + DECLARATIONS.length)}\n`;
}

/** `id` first, then `name`, the unprefixed attributes, the prefixed ones. */
function attributeRank(name: string): number {
  return name === 'id' ? 0 : name === 'name' ? 1 : name.includes(':') ? 3 : 2;
}

const REFERENCE = /&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Character and the five predefined entity references; anything else (`&nbsp;` without a DTD) stays as written. */
function decodeReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (whole, decimal?: string, hex?: string, named?: string) => {
    if (named) return NAMED[named]!;
    const code = decimal !== undefined ? Number(decimal) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Text as an XML parser reads it: line ends normalised to LF, then references decoded. */
function decodeText(raw: string): string {
  return decodeReferences(raw.replace(/\r\n?/g, '\n'));
}

/** An attribute value as an XML parser reads it: each literal tab, line end or CR is a space, then references decoded. */
function decodeAttribute(raw: string): string {
  return decodeReferences(raw.replace(/\r\n|[\t\n\r]/g, ' '));
}

function escapeText(text: string): string {
  return text.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c]!);
}

const ATTRIBUTE_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

/** Nested lines in order, without recursion (a file may nest 20,000 deep). */
function flatten(lines: Lines): string[] {
  const out: string[] = [];
  const pending: { lines: Lines; at: number }[] = [{ lines, at: 0 }];
  while (pending.length) {
    const next = pending[pending.length - 1]!;
    if (next.at >= next.lines.length) {
      pending.pop();
      continue;
    }
    const line = next.lines[next.at++]!;
    if (typeof line === 'string') out.push(line);
    else pending.push({ lines: line, at: 0 });
  }
  return out;
}
