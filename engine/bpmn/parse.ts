import BpmnModdle from 'bpmn-moddle';
import { InvalidDefinitionError, TooLargeError, type Problem } from '../errors.js';
import { imsModdleDescriptor } from './ims-moddle.js';
import { prescanBpmnXml } from './prescan.js';

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
  // TextEncoder, not Buffer: the modeler runs this same parser in the browser.
  const bytes = new TextEncoder().encode(xml).byteLength;
  if (bytes > limits.maxBytes) {
    throw new TooLargeError(`BPMN file is ${bytes} bytes; the limit is ${limits.maxBytes}`);
  }
  const hostile = hostileXmlProblem(xml);
  if (hostile) throw new InvalidDefinitionError([{ element: 'xml', message: hostile }]);
  // counted before parsing: what moddle would build (and warn about) must be bounded first
  prescanBpmnXml(xml);

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

/** Moddle warnings (unknown elements, broken references) as problems: they mean something was not read. */
export function warningProblems(context: ModdleContext): Problem[] {
  return context.warnings.map((w) => ({
    element: w.element?.id ?? 'xml',
    message: firstLine(w.message),
  }));
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
