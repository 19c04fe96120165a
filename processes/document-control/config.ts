/**
 * Document control's settings in one place: the document types and areas, the numbering scheme, how often
 * each type is reviewed and how long a withdrawn document is kept.
 *
 * Environment:
 * - `IMSFLOW_DOCUMENT_NUMBERING`: the scheme of a new document's number, from the tokens `{type}` (SOP, WI …),
 *   `{area}` (QA, QC …), `{site}` (the record's site) and `{seq}` (required: the next number of that type and
 *   area — and site, when the scheme names it — four digits at least). Default `{type}-{area}-{seq}` →
 *   `SOP-QA-0001`. Changing it numbers new documents only; a new version keeps its document's number.
 */

/** The document types, with the code their numbers carry, their review period and how long they are kept once withdrawn. */
export const DOCUMENT_TYPES = {
  policy: { code: 'POL', review: 'P3Y', retention: 'P10Y' },
  sop: { code: 'SOP', review: 'P2Y', retention: 'P10Y' },
  'work-instruction': { code: 'WI', review: 'P2Y', retention: 'P10Y' },
  form: { code: 'FRM', review: 'P3Y', retention: 'P10Y' },
  template: { code: 'TPL', review: 'P3Y', retention: 'P10Y' },
} as const;
export type DocumentType = keyof typeof DOCUMENT_TYPES;

/** The areas (departments) a number names: the start form's choices. */
export const DOCUMENT_AREAS = ['QA', 'QC', 'PR', 'EN', 'EH'] as const;
export type DocumentArea = (typeof DOCUMENT_AREAS)[number];

export const DEFAULT_NUMBERING = '{type}-{area}-{seq}';

/** The file kinds a version may carry (the draft's ims:accept says the same). */
export const DOCUMENT_FILE_KINDS = ['pdf', 'docx', 'odt', 'xlsx'] as const;

/** The numbering scheme in use: the environment's, else the default; a scheme without `{seq}` or with unknown tokens is refused. */
export function numberingScheme(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const scheme = env.IMSFLOW_DOCUMENT_NUMBERING?.trim() || DEFAULT_NUMBERING;
  const problem = schemeProblem(scheme);
  if (problem) throw new Error(`IMSFLOW_DOCUMENT_NUMBERING "${scheme}" ${problem}`);
  return scheme;
}

/** Why a numbering scheme cannot be used, or undefined. */
export function schemeProblem(scheme: string): string | undefined {
  const tokens = (scheme.match(/\{[^{}]*\}/g) ?? []).map((token) => token.slice(1, -1));
  const unknown = tokens.filter((t) => !['type', 'area', 'site', 'seq'].includes(t!));
  if (unknown.length) return `names unknown tokens: ${unknown.map((t) => `{${t}}`).join(', ')} (use {type}, {area}, {site}, {seq})`;
  if (/[{}]/.test(scheme.replace(/\{(?:type|area|site|seq)\}/g, ''))) return 'has a brace outside a token';
  if (tokens.filter((t) => t === 'seq').length !== 1) return 'must name {seq} once';
  if (!/^[A-Za-z0-9{}._-]+$/.test(scheme)) return 'may hold letters, digits, ".", "_", "-" and the tokens only';
  return undefined;
}
