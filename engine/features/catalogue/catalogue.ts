import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';

/**
 * The clause catalogue: ISO 9001:2015, ISO 14001:2015 and ISO 45001:2018 clauses 4–10 as ONE
 * harmonized-structure record set (numbers and short titles only), plus site extensions.
 *
 * - A shared clause (4.1 … 10.3) is one record whose `standards` lists all three; its id is its number.
 * - A clause one standard adds has id `<standard>:<number>` and `addedBy`, so a number that means
 *   different things in different standards (8.2, 6.1.2, 9.1.2) stays a separate record per standard.
 * - Extensions (`extensions/*.json`, e.g. a site's GMP or EU GMP Annex 11 items) use the same record
 *   schema, may hang off any clause, and may name their own standard codes (`eu-gmp-annex-11`).
 * Every merged record carries `source`: the base file or the extension that contributed it.
 */

export const IMS_STANDARDS = ['9001', '14001', '45001'] as const;
export type ImsStandard = (typeof IMS_STANDARDS)[number];

/** The base file, relative to the catalogue folder. */
export const BASE_FILE = 'ims-clauses.v1.json';
export const EXTENSIONS_FOLDER = 'extensions';

/** `4`, `7.5.3`; extensions may also use a lettered item as in `11.10(e)`. */
const NUMBER = /^[1-9]\d*(\.\d+)*(\([a-z0-9]+\))*$/;
const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9.:()_+-]{0,79}$/;

const standardCode = z.string().regex(CODE, 'must be a standard code such as 9001 or eu-gmp-annex-11');

export const clauseRecordSchema = z
  .object({
    id: z.string().regex(ID, 'must be letters, digits and . : ( ) _ + - (at most 80)'),
    number: z.string().regex(NUMBER, 'must be a clause number such as 7.5.3'),
    title: z.string().trim().min(1, 'is required').max(200, 'keep titles short (200 characters at most)'),
    standards: z.array(standardCode).min(1, 'name at least one standard'),
    parent: z.string().min(1).optional(),
    addedBy: standardCode.optional(),
  })
  .strict();

export const catalogueFileSchema = z
  .object({
    $comment: z.string().optional(),
    version: z.number().int().min(1),
    publishedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'must be a date such as 2026-11-22'),
    records: z.array(clauseRecordSchema),
  })
  .strict();

export type ClauseRecord = z.infer<typeof clauseRecordSchema>;
export type CatalogueFile = z.infer<typeof catalogueFileSchema>;

/** A record as served: with where it came from (`ims-clauses.v1.json` or `extensions/<file>`). */
export interface CatalogueEntry extends ClauseRecord {
  source: string;
}

/** The catalogue could not be loaded; the message names the file and the record. */
export class CatalogueError extends Error {
  override name = 'CatalogueError';
}

export class Catalogue {
  private readonly byId: Map<string, CatalogueEntry>;

  constructor(
    readonly version: number,
    readonly publishedAt: string,
    readonly extensions: { source: string; version: number; publishedAt: string }[],
    readonly records: readonly CatalogueEntry[],
  ) {
    this.byId = new Map(records.map((r) => [r.id, r]));
  }

  /** Every standard code some record names: the three, then extension codes in order of appearance. */
  get standards(): string[] {
    return [...new Set([...IMS_STANDARDS, ...this.records.flatMap((r) => r.standards)])];
  }

  clause(id: string): CatalogueEntry | undefined {
    return this.byId.get(id);
  }

  /** Records that apply to at least one of the standards, in catalogue order; every record if none is given. */
  applicableClauses(standards: readonly string[] = []): CatalogueEntry[] {
    if (!standards.length) return [...this.records];
    return this.records.filter((r) => r.standards.some((s) => standards.includes(s)));
  }
}

/** Validates one file's content; `source` names it in errors. */
export function parseCatalogueFile(source: string, content: unknown): CatalogueFile {
  const result = catalogueFileSchema.safeParse(content);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const [first, index, ...rest] = issue.path;
    if (first === 'records' && typeof index === 'number') {
      const id = (content as { records?: { id?: unknown }[] }).records?.[index]?.id;
      const where = typeof id === 'string' ? `record '${id}' (records[${index}])` : `records[${index}]`;
      return `${where}${rest.length ? ` ${rest.join('.')}` : ''}: ${issue.message}`;
    }
    return `${issue.path.join('.') || 'file'}: ${issue.message}`;
  });
  throw new CatalogueError(`clause catalogue ${source}: ${problems.join('; ')}`);
}

/**
 * Merges the base file and the extensions (each already parsed), checking what one file alone cannot:
 * ids unique across all files, parents that exist, no parent cycles, and in the base file only the three
 * standards, numbers that extend their parent's and standards within their parent's.
 */
export function buildCatalogue(base: { source: string; file: CatalogueFile }, extensions: { source: string; file: CatalogueFile }[] = []): Catalogue {
  const entries: CatalogueEntry[] = [];
  const byId = new Map<string, CatalogueEntry>();
  const fail = (source: string, record: ClauseRecord, message: string): never => {
    throw new CatalogueError(`clause catalogue ${source}: record '${record.id}': ${message}`);
  };
  for (const { source, file } of [base, ...extensions]) {
    for (const record of file.records) {
      const existing = byId.get(record.id);
      if (existing) fail(source, record, existing.source === source ? 'the id is used twice in this file' : `the id is already used by ${existing.source}`);
      if (new Set(record.standards).size !== record.standards.length) fail(source, record, 'a standard is listed twice');
      if (record.addedBy !== undefined && !record.standards.includes(record.addedBy)) fail(source, record, `addedBy ${record.addedBy} is not one of its standards`);
      const entry = { ...record, source };
      entries.push(entry);
      byId.set(record.id, entry);
    }
  }
  for (const entry of entries) {
    if (entry.parent === undefined) continue;
    const parent = byId.get(entry.parent);
    if (!parent) fail(entry.source, entry, `parent '${entry.parent}' does not exist`);
    const seen = new Set([entry.id]);
    for (let up: CatalogueEntry | undefined = parent; up?.parent !== undefined; up = byId.get(up.parent)) {
      if (seen.has(up.id)) fail(entry.source, entry, `its parents form a cycle through '${up.id}'`);
      seen.add(up.id);
    }
  }
  for (const entry of entries.filter((e) => e.source === base.source)) {
    const unknown = entry.standards.filter((s) => !(IMS_STANDARDS as readonly string[]).includes(s));
    if (unknown.length) fail(entry.source, entry, `the base catalogue holds only ISO ${IMS_STANDARDS.join(', ')} (not ${unknown.join(', ')})`);
    if (!/^\d+(\.\d+)*$/.test(entry.number)) fail(entry.source, entry, `number ${entry.number} is not a clause number of the harmonized structure`);
    const top = Number(entry.number.split('.')[0]);
    if (top < 4 || top > 10) fail(entry.source, entry, `number ${entry.number} is outside clauses 4–10`);
    if (entry.addedBy === undefined && entry.id !== entry.number) fail(entry.source, entry, `a shared clause's id must be its number (${entry.number})`);
    if (entry.addedBy !== undefined && entry.id !== `${entry.addedBy}:${entry.number}`) fail(entry.source, entry, `an added clause's id must be ${entry.addedBy}:${entry.number}`);
    if (entry.addedBy !== undefined && (entry.standards.length !== 1 || entry.standards[0] !== entry.addedBy)) fail(entry.source, entry, `a clause ${entry.addedBy} adds applies to ${entry.addedBy} only`);
    if (entry.addedBy === undefined && entry.standards.length !== IMS_STANDARDS.length) fail(entry.source, entry, 'a shared clause applies to all three standards (or give addedBy)');
    if (entry.parent === undefined) {
      if (entry.number.includes('.')) fail(entry.source, entry, `clause ${entry.number} needs a parent`);
      continue;
    }
    const parent = byId.get(entry.parent)!;
    // 45001's 10.2 extends the shared 10.2: the same number under it is allowed.
    if (entry.number !== parent.number && !entry.number.startsWith(`${parent.number}.`)) fail(entry.source, entry, `number ${entry.number} does not sit under its parent ${parent.id} (${parent.number})`);
    if (!entry.standards.every((s) => parent.standards.includes(s))) fail(entry.source, entry, `applies to a standard its parent ${parent.id} does not`);
  }
  return new Catalogue(base.file.version, base.file.publishedAt, extensions.map(({ source, file }) => ({ source, version: file.version, publishedAt: file.publishedAt })), entries);
}

function readJson(path: string, source: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CatalogueError(`clause catalogue ${source}: not valid JSON (${(err as Error).message})`);
  }
}

/** Loads `<dir>/ims-clauses.v1.json` and every `<dir>/extensions/*.json` (in name order). */
export function loadCatalogue(dir: string): Catalogue {
  const base = { source: BASE_FILE, file: parseCatalogueFile(BASE_FILE, readJson(join(dir, BASE_FILE), BASE_FILE)) };
  const folder = join(dir, EXTENSIONS_FOLDER);
  const files = existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.json')).sort() : [];
  const extensions = files.map((file) => {
    const source = `${EXTENSIONS_FOLDER}/${basename(file)}`;
    return { source, file: parseCatalogueFile(source, readJson(join(folder, file), source)) };
  });
  return buildCatalogue(base, extensions);
}
