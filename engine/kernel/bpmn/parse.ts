import BpmnModdle from 'bpmn-moddle';
import { InvalidDefinitionError, TooLargeError, type Problem } from '../errors.js';
import { imsModdleDescriptor } from './ims-moddle.js';
import { prescanBpmnXml } from './prescan.js';
import { problemMessage } from './problem-words.js';

/** A moddle element: `$type` plus whatever properties its type has. */
export interface ModdleElement {
  $type: string;
  id?: string;
  name?: string;
  $attrs?: Record<string, string>;
  $parent?: ModdleElement;
  [property: string]: any;
}

/** What bpmn-moddle's fromXML returns; bpmn-engine accepts it whole as `moddleContext`. */
export interface ModdleContext {
  rootElement: ModdleElement;
  elementsById: Record<string, ModdleElement>;
  references: unknown[];
  warnings: { message: string; element?: ModdleElement }[];
}

export const PARSE_LIMITS = {
  /** A real IMS process is tens of KiB; the largest MIWG reference file is ~140 KiB. */
  maxBytes: 2 * 1024 * 1024,
  maxElements: 5_000,
};

/**
 * Parses untrusted BPMN XML into a moddle context, refusing what an XML parser should never be asked to
 * expand: DTDs and entity declarations (billion laughs, external entities) and oversized input.
 * Throws TooLargeError or InvalidDefinitionError (with problems naming `xml`, or the element over a
 * PRESCAN_LIMITS limit).
 */
export async function parseBpmnXml(xml: string, limits = PARSE_LIMITS): Promise<ModdleContext> {
  screenBpmnXml(xml, limits);

  const moddle = new BpmnModdle({ ims: imsModdleDescriptor });
  let context: ModdleContext;
  try {
    context = (await moddle.fromXML(xml, 'bpmn:Definitions')) as ModdleContext;
  } catch (err) {
    throw new InvalidDefinitionError([{ element: 'xml', message: `not well-formed BPMN XML: ${firstLine((err as Error).message)}` }]);
  }
  const count = Object.keys(context.elementsById).length;
  if (count > limits.maxElements) {
    throw new TooLargeError(`BPMN file has ${count} elements; the limit is ${limits.maxElements}`);
  }
  return context;
}

/**
 * The checks that need no parser, each linear in the file: size, DTD/entity declarations, NUL bytes, and
 * the element counts of prescan.ts. Cheap enough for the event loop: the check pool runs them before it
 * hands a file to a worker thread.
 */
export function screenBpmnXml(xml: string, limits = PARSE_LIMITS): void {
  const bytes = utf8Length(xml);
  if (bytes > limits.maxBytes) {
    throw new TooLargeError(`the BPMN file is ${megabytes(bytes)}; the most imsflow accepts is ${megabytes(limits.maxBytes)}`);
  }
  const hostile = hostileXmlProblem(xml);
  if (hostile) throw new InvalidDefinitionError([{ element: 'xml', message: hostile }]);
  // counted before parsing: what moddle would build (and warn about) must be bounded first
  prescanBpmnXml(xml);
}

/** The UTF-8 size of a string without encoding it (no copy of a 2 MiB upload; Buffer is not in the browser). */
function utf8Length(text: string): number {
  // Node's native count where there is one (the server); the loop below in the browser
  const native = (globalThis as { Buffer?: { byteLength(text: string, encoding: 'utf8'): number } }).Buffer;
  if (native) return native.byteLength(text, 'utf8');
  let bytes = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    // 2 bytes up to U+07FF, 3 for the rest of the BMP; a surrogate pair (2 code units) is 4 bytes
    bytes += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/** Moddle warnings (unknown elements, broken references) as problems: they mean something was not read. */
export function warningProblems(context: ModdleContext): Problem[] {
  return context.warnings.map((w) => {
    const args = { kind: 'file', detail: firstLine(w.message) };
    return { element: w.element?.id ?? 'xml', message: problemMessage('file-unreadable', args), code: 'file-unreadable', args };
  });
}

function hostileXmlProblem(xml: string): string | null {
  if (/<!DOCTYPE/i.test(xml)) return 'DOCTYPE declarations are not allowed (they enable entity expansion attacks)';
  if (/<!ENTITY/i.test(xml)) return 'ENTITY declarations are not allowed';
  if (xml.includes('\u0000')) return 'the file contains NUL bytes';
  return null;
}

function firstLine(message: string): string {
  return message.split('\n')[0].slice(0, 300);
}

/** A size in words: rounded up to a tenth, so a file over the limit never reads as the limit ("2.1 MB", "2 MB"). */
export function megabytes(bytes: number): string {
  return `${Math.ceil((bytes / 1_048_576) * 10) / 10} MB`;
}
