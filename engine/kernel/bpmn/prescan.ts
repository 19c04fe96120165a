import { InvalidDefinitionError, TooLargeError } from '../errors.js';

/**
 * Counts what an XML parser would have to build, BEFORE bpmn-moddle parses anything: one linear pass over
 * the text, no regular expressions. bpmn-moddle's cost grows with the square of the elements it does not
 * know (each warning re-counts the lines before it), so 60,000 unknown extension elements in one task took
 * a minute to refuse; counted here, they are refused at once. Browser-safe: the modeler runs it too.
 */

export const PRESCAN_LIMITS = {
  /** XML elements (start tags) in the whole file. The largest MIWG reference file has ~1,300. */
  maxXmlElements: 20_000,
  /** Elements inside one element's <extensionElements> (any depth). A shipped task has at most ~30. */
  maxExtensionElementsPerElement: 1_000,
  /** Elements inside all <extensionElements> of the file together. */
  maxExtensionElements: 5_000,
};

export interface PrescanCounts {
  xmlElements: number;
  extensionElements: number;
  /** The element whose extension elements are the most, and how many. */
  busiest?: { element: string; count: number };
}

interface Open {
  id: string;
  /** The element that owns the <extensionElements> this one is in (or is), if any. */
  extensionOwner?: string;
}

/** Refuses a file over PRESCAN_LIMITS: TooLargeError (too many elements) or InvalidDefinitionError naming the element. */
export function prescanBpmnXml(xml: string, limits = PRESCAN_LIMITS): PrescanCounts {
  const counts = countElements(xml);
  if (counts.busiest && counts.busiest.count > limits.maxExtensionElementsPerElement) {
    const { element, count } = counts.busiest;
    throw new InvalidDefinitionError([
      { element, message: `${element} holds ${format(count)} extension elements; at most ${format(limits.maxExtensionElementsPerElement)} are allowed per element (it was not parsed)` },
    ]);
  }
  if (counts.extensionElements > limits.maxExtensionElements) {
    throw new InvalidDefinitionError([
      { element: 'xml', message: `the file holds ${format(counts.extensionElements)} extension elements; at most ${format(limits.maxExtensionElements)} are allowed (it was not parsed)` },
    ]);
  }
  // the element with too many extension elements is named first: that is what its author must remove
  if (counts.xmlElements > limits.maxXmlElements) {
    throw new TooLargeError(`BPMN file has ${format(counts.xmlElements)} XML elements; the limit is ${format(limits.maxXmlElements)}`);
  }
  return counts;
}

/** One pass: start tags, and the elements inside each element's <extensionElements>. Never throws: malformed XML is the parser's to name. */
export function countElements(xml: string): PrescanCounts {
  const stack: Open[] = [];
  const perOwner = new Map<string, number>();
  let xmlElements = 0;
  let extensionElements = 0;
  let at = 0;
  for (;;) {
    const lt = xml.indexOf('<', at);
    if (lt < 0 || lt + 1 >= xml.length) break;
    const next = xml[lt + 1];
    if (next === '!') {
      // comment, CDATA or declaration: skip to its end, never look inside
      const end = xml.startsWith('<!--', lt) ? endOf(xml, '-->', lt + 4) : xml.startsWith('<![CDATA[', lt) ? endOf(xml, ']]>', lt + 9) : endOf(xml, '>', lt + 2);
      at = end;
      continue;
    }
    if (next === '?') {
      at = endOf(xml, '?>', lt + 2);
      continue;
    }
    if (next === '/') {
      stack.pop();
      at = endOf(xml, '>', lt + 2);
      continue;
    }
    const tag = readStartTag(xml, lt + 1);
    at = tag.end;
    xmlElements += 1;
    const parent = stack[stack.length - 1];
    let extensionOwner = parent?.extensionOwner;
    if (extensionOwner !== undefined) {
      extensionElements += 1;
      perOwner.set(extensionOwner, (perOwner.get(extensionOwner) ?? 0) + 1);
    } else if (localName(tag.name) === 'extensionElements') {
      extensionOwner = parent?.id || 'definitions';
    }
    if (!tag.selfClosing) stack.push({ id: tag.id ?? parent?.id ?? '', ...(extensionOwner !== undefined && { extensionOwner }) });
  }
  let busiest: PrescanCounts['busiest'];
  for (const [element, count] of perOwner) if (!busiest || count > busiest.count) busiest = { element, count };
  return { xmlElements, extensionElements, ...(busiest && { busiest }) };
}

/** Reads `name attr="v" …>` from `from`: the name, the id attribute, whether it closes itself, and where it ends. Quotes are honoured. */
function readStartTag(xml: string, from: number): { name: string; id?: string; selfClosing: boolean; end: number } {
  let i = from;
  while (i < xml.length && !isSpace(xml[i]!) && xml[i] !== '>' && xml[i] !== '/') i += 1;
  const name = xml.slice(from, i);
  let id: string | undefined;
  while (i < xml.length) {
    const c = xml[i]!;
    if (c === '>') return { name, id, selfClosing: xml[i - 1] === '/', end: i + 1 };
    if (isSpace(c) || c === '/') {
      i += 1;
      continue;
    }
    // an attribute: name, optional "=", optional quoted value
    const nameStart = i;
    while (i < xml.length && !isSpace(xml[i]!) && xml[i] !== '=' && xml[i] !== '>') i += 1;
    const attribute = xml.slice(nameStart, i);
    while (i < xml.length && isSpace(xml[i]!)) i += 1;
    if (xml[i] !== '=') continue;
    i += 1;
    while (i < xml.length && isSpace(xml[i]!)) i += 1;
    const quote = xml[i];
    if (quote !== '"' && quote !== "'") continue;
    const close = xml.indexOf(quote, i + 1);
    const valueEnd = close < 0 ? xml.length : close;
    if (attribute === 'id') id = xml.slice(i + 1, Math.min(valueEnd, i + 1 + 200));
    i = valueEnd + 1;
  }
  return { name, id, selfClosing: false, end: xml.length };
}

function endOf(xml: string, terminator: string, from: number): number {
  const found = xml.indexOf(terminator, from);
  return found < 0 ? xml.length : found + terminator.length;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\t' || c === '\r';
}

function format(n: number): string {
  return n.toLocaleString('en-US');
}
