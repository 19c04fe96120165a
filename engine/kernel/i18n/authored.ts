import { parse, TYPE, type ArgumentElement, type LiteralElement } from '@formatjs/icu-messageformat-parser';

/**
 * Shipped words that people may have edited since (a pack's step names in the modeler). A pack catalogue's
 * English was extracted from the BPMN; a templated name ("Implement action ${item.index}: ${item.title}")
 * became an ICU message with arguments ("Implement action {index}: {title}"). What a page or email holds is
 * the name as the engine resolved it ("Implement action 2: Replace the seal"), so the values are read back
 * from it: the English's literal pieces must appear in order, the arguments are what lies between. When the
 * pieces do not fit, the words were changed and are shown as authored. Pages therefore pass nothing but the
 * resolved name; values they pass themselves win over the ones read back.
 */

const pieces = new Map<string, Piece[] | null>();

/** Literal text and simple arguments only; anything richer (plural, select, tags) is never read back. */
type Piece = LiteralElement | ArgumentElement;

function elementsOf(english: string): Piece[] | null {
  let known: Piece[] | null | undefined = pieces.get(english);
  if (known !== undefined) return known;
  try {
    const ast = parse(english, { ignoreTag: true });
    known = ast.every((e): e is Piece => e.type === TYPE.literal || e.type === TYPE.argument) ? (ast as Piece[]) : null;
  } catch {
    known = null;
  }
  if (pieces.size > 20_000) pieces.clear();
  pieces.set(english, known);
  return known;
}

/** The argument values that make `english` read exactly `authored`; undefined when no values do. */
export function valuesReadBack(english: string, authored: string): Record<string, string> | undefined {
  const elements = elementsOf(english);
  if (!elements) return undefined;
  const values: Record<string, string> = {};
  const fit = (index: number, at: number): boolean => {
    if (index === elements.length) return at === authored.length;
    const element = elements[index];
    if (element.type === TYPE.literal) return authored.startsWith(element.value, at) && fit(index + 1, at + element.value.length);
    const next = elements[index + 1];
    if (!next) {
      values[element.value] = authored.slice(at);
      return true;
    }
    // two arguments side by side cannot be told apart
    if (next.type !== TYPE.literal) return false;
    // shortest value first, then longer ones: "Assess {number} {title}" reads "4.1 Understanding …" right
    for (let end = authored.indexOf(next.value, at); end >= 0; end = authored.indexOf(next.value, end + 1)) {
      values[element.value] = authored.slice(at, end);
      if (fit(index + 1, end)) return true;
    }
    return false;
  };
  return fit(0, 0) ? values : undefined;
}
