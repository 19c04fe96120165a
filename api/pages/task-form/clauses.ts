import { Catalogue, IMS_STANDARDS, type CatalogueEntry } from '../../../engine/features/catalogue/index.js';
import type { ChecklistResult } from '../../../engine/kernel/forms.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { shippedCatalogue } from '../../../processes/index.js';

/**
 * Clauses of the clause catalogue and the elements of multi-instance tasks, in words (no markup): the task
 * form's clause picker and iteration line, and the record page's values, read them from here.
 */

/** The checklist results in English (the record page's words until it reads them from the catalogue). */
export const CHECKLIST_LABELS: Record<ChecklistResult, string> = { conforms: 'Conforms', nonconforming: 'Does not conform', na: 'N/A' };

/** The catalogue the pages show clauses from: the engine's when it is a full catalogue, else the shipped one. */
export function clauseCatalogue(imsflow?: Pick<ProcessEngine, 'catalogue'>): Catalogue {
  return imsflow?.catalogue instanceof Catalogue ? imsflow.catalogue : shippedCatalogue();
}

const isImsStandard = (code: string) => (IMS_STANDARDS as readonly string[]).includes(code);

/** `ISO 9001, ISO 14001, ISO 45001`, `ISO 9001`, `eu-gmp-annex-11`. */
export function standardsText(standards: readonly string[]): string {
  return standards.map((s) => (isImsStandard(s) ? `ISO ${s}` : s)).join(', ');
}

/** A clause shared by the three standards is known by its number; any other is named with its standards too. */
export function isShared(entry: CatalogueEntry): boolean {
  return entry.standards.length === IMS_STANDARDS.length && entry.standards.every(isImsStandard);
}

/** `8.4 Control of externally provided processes`; `8.2 Requirements for products and services (ISO 9001)`. */
export function clauseText(entry: CatalogueEntry): string {
  return `${entry.number} ${entry.title}${isShared(entry) ? '' : ` (${standardsText(entry.standards)})`}`;
}

const MAX_LABEL = 300;

function short(text: string): string {
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL)}…` : text;
}

/** A string or number field of an object, as trimmed text ('' otherwise). */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

/**
 * What one element of a multi-instance task's collection is, in words: a clause (`Clause 8.4 Control of
 * externally provided processes`, from the catalogue when it knows the clause), a finding on a clause
 * (`Clause 8.4 …: Supplier approval lapsed`), an action or anything else with a title, label or name, an
 * element of one text (`{role: 'auditor'}`) by that text; otherwise compact JSON. `clause` says "Clause 8.4 …" in the reader's words (taskForm.clause: "Abschnitt",
 * "Article"); English without one.
 */
export function iterationLabel(item: unknown, catalogue?: Pick<Catalogue, 'clause'>, clause: (text: string) => string = (text) => `Clause ${text}`): string {
  if (item === undefined || item === null || item === '') return '';
  if (typeof item === 'string') {
    const entry = catalogue?.clause(item);
    return short(entry ? clause(clauseText(entry)) : item);
  }
  if (typeof item !== 'object') return String(item);
  if (Array.isArray(item)) return short(item.map((x) => iterationLabel(x, catalogue, clause)).join('; '));
  const o = item as Record<string, unknown>;
  const clauseId = textOf(o.clause);
  const lookup = (id: string) => (id && catalogue ? catalogue.clause(id) : undefined);
  const entry = lookup(textOf(o.id)) ?? lookup(clauseId);
  const own = textOf(o.title) || textOf(o.label) || textOf(o.name);
  const number = textOf(o.number);
  if (entry || clauseId || (number && Array.isArray(o.standards))) {
    const head = entry ? clauseText(entry) : number ? [number, own].filter(Boolean).join(' ') : clauseId;
    const extra = own && own !== entry?.title && !(number && !entry) ? own : '';
    return short(clause(`${head}${extra ? `: ${extra}` : ''}`));
  }
  if (own) return short(number ? `${number} ${own}` : own);
  // an element naming one thing (a reviewer's role): that thing
  const texts = Object.values(o).filter((v): v is string => typeof v === 'string' && v !== '');
  if (texts.length === 1 && Object.keys(o).length === 1) return short(texts[0]!);
  return short(JSON.stringify(item) ?? '');
}

/** Posted values of a name sent once, many times, or not at all, as a list. */
export function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' && value !== '' ? [value] : [];
}

export interface ClauseGroup {
  /** The chapter's own record (4 … 10), which heads the group and can be chosen too. */
  head?: CatalogueEntry;
  /** An extension standard's code, for a group of extension records. */
  standard?: string;
  entries: CatalogueEntry[];
}

/** Chapters 4 … 10 with their clauses in catalogue order, then a group per extension standard. */
export function clauseGroups(catalogue: Catalogue): ClauseGroup[] {
  const chapters = new Map<string, ClauseGroup>();
  const extensions = new Map<string, ClauseGroup>();
  const rootOf = (entry: CatalogueEntry): CatalogueEntry => {
    let up = entry;
    for (let n = 0; up.parent !== undefined && n < 20; n += 1) {
      const parent = catalogue.clause(up.parent);
      if (!parent) break;
      up = parent;
    }
    return up;
  };
  for (const entry of catalogue.records) {
    const other = entry.standards.find((s) => !isImsStandard(s));
    if (other !== undefined) {
      const group = extensions.get(other) ?? { standard: other, entries: [] };
      extensions.set(other, group);
      group.entries.push(entry);
      continue;
    }
    const root = rootOf(entry);
    const group = chapters.get(root.id) ?? { head: root, entries: [] };
    chapters.set(root.id, group);
    if (entry !== root) group.entries.push(entry);
  }
  const groups = [...chapters.values(), ...extensions.values()];
  const rank = (entry: CatalogueEntry) => (isShared(entry) ? -1 : catalogue.standards.indexOf(entry.standards[0]));
  for (const group of groups) group.entries.sort((a, b) => compareNumbers(a.number, b.number) || rank(a) - rank(b));
  return groups;
}

/** Clause numbers in reading order: 8.1 < 8.1.2 < 8.2 < 8.10; lettered items (11.10(e)) by their letters. */
export function compareNumbers(a: string, b: string): number {
  const pa = a.split(/[.()]/).filter(Boolean);
  const pb = b.split(/[.()]/).filter(Boolean);
  for (let i = 0; i < Math.min(pa.length, pb.length); i += 1) {
    const [x, y] = [pa[i], pb[i]];
    const diff = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
    if (diff) return diff;
  }
  return pa.length - pb.length;
}

/** How deep a record sits below its group's head (1 for 8.4 under 8), for indenting. */
export function depthIn(catalogue: Catalogue, entry: CatalogueEntry, group: ClauseGroup): number {
  let depth = 0;
  for (let up: CatalogueEntry | undefined = entry; up && up !== group.head && depth < 6; up = up.parent === undefined ? undefined : catalogue.clause(up.parent)) {
    if (group.standard !== undefined && !up.standards.includes(group.standard)) break;
    depth += 1;
  }
  return Math.max(1, Math.min(depth, 4));
}
