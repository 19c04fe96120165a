import { DOCUMENT_TYPES, type DocumentType } from './config.js';

/** Document numbers and revisions: pure, so the numbering service and the register read them alike. */

/** What a number is made of, before its sequence is drawn. */
export interface NumberParts {
  type: DocumentType;
  area: string;
  site?: string;
}

/** The sequence a scheme draws from: everything but `{seq}` filled in (`SOP-QA`), so each type and area counts on its own. */
export function sequenceOf(scheme: string, parts: NumberParts): string {
  const name = fill(scheme.replace('{seq}', ''), parts).replace(/[^\w.-]+/g, '-');
  let [from, to] = [0, name.length];
  while (from < to && name[from] === '-') from += 1;
  while (to > from && name[to - 1] === '-') to -= 1;
  return `doc.${name.slice(from, to)}`;
}

/** A document's number: the scheme filled in, the sequence four digits at least (`SOP-QA-0001`). */
export function formatNumber(scheme: string, parts: NumberParts, seq: number): string {
  return fill(scheme, parts).replace('{seq}', String(seq).padStart(4, '0'));
}

function fill(scheme: string, parts: NumberParts): string {
  return scheme
    .replaceAll('{type}', DOCUMENT_TYPES[parts.type].code)
    .replaceAll('{area}', parts.area)
    .replaceAll('{site}', (parts.site ?? 'ALL').toUpperCase());
}

export type RevisionKind = 'major' | 'minor';

/** The first version is 1.0; a major change makes (m+1).0, a minor one m.(n+1). */
export function nextRevision(previous: string | undefined, kind: RevisionKind): string {
  if (!previous) return '1.0';
  const [major, minor] = parseRevision(previous);
  return kind === 'major' ? `${major + 1}.0` : `${major}.${minor + 1}`;
}

export function parseRevision(revision: string): [number, number] {
  const match = /^(\d+)\.(\d+)$/.exec(revision);
  if (!match) throw new Error(`"${revision}" is not a revision such as 1.0 or 2.3`);
  return [Number(match[1]), Number(match[2])];
}

/** Orders revisions: 1.0 < 1.1 < 1.10 < 2.0. */
export function compareRevisions(a: string, b: string): number {
  const [am, an] = parseRevision(a);
  const [bm, bn] = parseRevision(b);
  return am - bm || an - bn;
}

/**
 * The keys a list names, as its distinct entries: a picker's picks (`[{key, name}]`, pickers.ts), a list of
 * keys, or the comma- or space-separated text records started before the pickers hold.
 */
export function listOf(value: unknown): string[] {
  const keyOf = (item: unknown) => (typeof item === 'object' && item !== null && typeof (item as { key?: unknown }).key === 'string' ? (item as { key: string }).key : typeof item === 'string' ? item : '');
  const items = Array.isArray(value) ? value.map(keyOf) : typeof value === 'string' ? value.split(/[\s,;]+/) : [];
  return [...new Set(items.map((item) => item.trim()).filter(Boolean))];
}
