import { createHash } from 'node:crypto';
import { auditEvent } from '../../kernel/audit-event.js';
import { ConflictError, NotPermittedError, TooLargeError, ValidationError } from '../../kernel/errors.js';
import type { AuditInput, UserRecord } from '../../kernel/model.js';
import type { FeatureContext } from '../context.js';
import { administers, administrationRefusal, nameList, newPersonId } from './administration.js';
import { CsvSyntaxError, readCsv } from './csv-read.js';
import { personProblems, personRecord, profileOf, type PersonInput } from './people.js';

// Importing people from a CSV file: a dry run says, row by row, what an import would change; applying it
// writes every row or none (one commit), and only the plan the dry run showed.

/** The largest file and the most people one import takes: larger lists are imported in parts. */
export const MAX_IMPORT_BYTES = 1024 * 1024;
export const MAX_IMPORT_ROWS = 2000;

/** The columns of the file, by the names of its header row (any case; "name" and "manager" do too). */
export const IMPORT_COLUMNS = ['email', 'display name', 'roles', 'sites', 'manager email', 'locale'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
const ALIASES: Record<string, ImportColumn> = { name: 'display name', displayname: 'display name', manager: 'manager email', language: 'locale' };
const REQUIRED: readonly ImportColumn[] = ['email', 'display name'];

/** One field an import would change: its value before and after (the manager by email). */
export interface FieldChange {
  field: 'name' | 'roles' | 'sites' | 'manager' | 'locale';
  old?: string | string[];
  new?: string | string[];
}

/** What one row of the file would do. */
export interface ImportRow {
  /** The row of the file, as a spreadsheet numbers it (the header is row 1). */
  row: number;
  email: string;
  name: string;
  outcome: 'create' | 'update' | 'unchanged' | 'error';
  /** The person's directory id (kept, or the one a create would give). */
  id?: string;
  changes: FieldChange[];
  problems: ImportProblem[];
}

/** What is wrong with a cell: its column, a code a page words in its language, and the sentence in English. */
export interface ImportProblem {
  column: ImportColumn;
  code: 'formula' | 'duplicate' | 'invalid' | 'not-permitted' | 'manager-self' | 'manager-row' | 'manager-unknown';
  message: string;
}

export interface ImportPlan {
  rows: ImportRow[];
  counts: Record<ImportRow['outcome'], number>;
  /** Names the plan: applying checks that the file still makes this very plan. */
  digest: string;
}

/** A cell a spreadsheet would run as a formula when the directory is exported again (CSV injection). */
const FORMULA = /^[=+\-@\t\r]/;

const toField: Record<string, ImportColumn> = { email: 'email', name: 'display name', roles: 'roles', sites: 'sites', locale: 'locale', managerId: 'manager email', id: 'email' };

/** The rows of the file, read against its header; a file that cannot be read is one 400 naming why. */
function rowsOf(csv: string): { row: number; cell: (c: ImportColumn) => string }[] {
  if (Buffer.byteLength(csv) > MAX_IMPORT_BYTES) throw new TooLargeError(`the file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB: import at most ${MAX_IMPORT_ROWS} people from a file of at most 1 MB at a time`);
  let rows;
  try {
    rows = readCsv(csv);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new ValidationError('the file is not a CSV file', [{ field: 'file', message: `row ${err.line}: ${err.message}` }]);
    throw err;
  }
  if (!rows.length) throw new ValidationError('the file is empty', [{ field: 'file', message: `is empty: the first row names the columns (${IMPORT_COLUMNS.join(', ')})` }]);
  if (rows.length - 1 > MAX_IMPORT_ROWS) throw new TooLargeError(`the file has ${rows.length - 1} people: import at most ${MAX_IMPORT_ROWS} at a time`);
  const header = rows[0].cells.map((h) => {
    const name = h.trim().toLowerCase().replace(/[_-]+/g, ' ');
    return (IMPORT_COLUMNS as readonly string[]).includes(name) ? (name as ImportColumn) : ALIASES[name.replace(/\s+/g, '')];
  });
  const unknown = rows[0].cells.filter((_, i) => !header[i]);
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (unknown.length || missing.length) {
    const says = [...(missing.length ? [`has no column ${missing.join(', ')}`] : []), ...(unknown.length ? [`has columns imsflow does not know: ${unknown.join(', ')}`] : [])];
    throw new ValidationError('the header row is not as expected', [{ field: 'file', message: `the first row ${says.join(' and ')}; the columns are ${IMPORT_COLUMNS.join(', ')}` }]);
  }
  return rows.slice(1).map(({ line, cells }) => ({ row: line, cell: (c: ImportColumn) => (header.indexOf(c) >= 0 ? (cells[header.indexOf(c)] ?? '').trim() : '') }));
}

type PlannedRow = ImportRow & { input?: PersonInput; existing?: UserRecord };

/** The dry run: what importing the file would change, row by row; nothing is written. */
export async function planImport(ctx: FeatureContext, actorId: string, csv: string): Promise<ImportPlan> {
  return (await makePlan(ctx, actorId, csv)).plan;
}

async function makePlan(ctx: FeatureContext, actorId: string, csv: string): Promise<{ plan: ImportPlan; planned: PlannedRow[] }> {
  const actor = await ctx.store.getUser(actorId);
  if (!actor || !administers(actor)) throw new NotPermittedError('people are imported by administrators, and site administrators for their sites');
  const rows = rowsOf(csv);
  const byEmail = new Map<string, number>();
  const plans: PlannedRow[] = [];
  const taken = new Set<string>();
  for (const { row, cell } of rows) {
    const email = cell('email').toLowerCase();
    const plan: PlannedRow = { row, email, name: cell('display name'), outcome: 'error', changes: [], problems: [] };
    plans.push(plan);
    for (const column of IMPORT_COLUMNS) {
      if (FORMULA.test(cell(column))) plan.problems.push({ column, code: 'formula', message: 'starts with =, +, -, @ or a tab: a spreadsheet would run it as a formula' });
    }
    if (byEmail.has(email)) plan.problems.push({ column: 'email', code: 'duplicate', message: `is in row ${byEmail.get(email)} already` });
    if (email) byEmail.set(email, row);
    const existing = email ? await ctx.store.getUserByEmail(email) : undefined;
    const id = existing?.id ?? (await newPersonId(ctx, email, taken));
    taken.add(id);
    const list = (column: ImportColumn, kept: string[] | undefined) => (cell(column) ? (nameList(cell(column)) ?? []) : (kept ?? []));
    plan.id = id;
    plan.existing = existing;
    plan.input = {
      id,
      email,
      name: cell('display name'),
      roles: list('roles', existing?.roles),
      sites: list('sites', existing?.sites),
      ...((cell('locale') || existing?.locale) && { locale: cell('locale') || existing!.locale }),
      ...(existing?.managerId && { managerId: existing.managerId }),
      ...(existing?.timeZone && { timeZone: existing.timeZone }),
      active: existing?.active ?? true,
    };
    for (const problem of personProblems(plan.input)) plan.problems.push({ column: toField[problem.field] ?? 'email', code: 'invalid', message: problem.message });
    if (!plan.problems.some((p) => p.column === 'roles' || p.column === 'sites')) {
      const refusal = administrationRefusal(actor, existing, { roles: plan.input.roles ?? [], sites: plan.input.sites ?? [] });
      if (refusal) plan.problems.push({ column: /roles/.test(refusal) ? 'roles' : /own sites only/.test(refusal) ? 'email' : 'sites', code: 'not-permitted', message: refusal });
    }
  }
  // managers last: a manager may be a person the same file creates
  for (const [i, { cell }] of rows.entries()) {
    const plan = plans[i];
    const managerEmail = cell('manager email').toLowerCase();
    if (!managerEmail || !plan.input) continue;
    const inFile = byEmail.get(managerEmail);
    const managerPlan = inFile !== undefined ? plans.find((p) => p.row === inFile) : undefined;
    const stored = managerPlan ? undefined : await ctx.store.getUserByEmail(managerEmail);
    if (managerEmail === plan.email) plan.problems.push({ column: 'manager email', code: 'manager-self', message: 'a person cannot be their own manager' });
    else if (managerPlan?.problems.length) plan.problems.push({ column: 'manager email', code: 'manager-row', message: `the manager's row ${managerPlan.row} cannot be imported` });
    else if (managerPlan) plan.input.managerId = managerPlan.id;
    else if (stored?.active) plan.input.managerId = stored.id;
    else plan.problems.push({ column: 'manager email', code: 'manager-unknown', message: `nobody active in the directory or in this file has the email ${managerEmail}` });
  }
  const emailOf = new Map<string, string>();
  const managerEmail = async (id: string | undefined) => {
    if (!id) return undefined;
    if (!emailOf.has(id)) emailOf.set(id, plans.find((p) => p.id === id && p.input)?.email ?? (await ctx.store.getUser(id))?.email ?? id);
    return emailOf.get(id);
  };
  for (const plan of plans) {
    if (plan.problems.length || !plan.input) continue;
    const before = plan.existing && profileOf(plan.existing);
    const after = profileOf(personRecord(plan.input, plan.existing, ctx.now()));
    const compare = async (field: FieldChange['field'], old: string | string[] | undefined, now: string | string[] | undefined) => {
      if (JSON.stringify(old ?? '') !== JSON.stringify(now ?? '')) plan.changes.push({ field, ...(old !== undefined && { old }), ...(now !== undefined && { new: now }) });
    };
    await compare('name', before?.name, after.name);
    await compare('roles', before?.roles, after.roles);
    await compare('sites', before?.sites ?? (before && []), after.sites);
    await compare('manager', await managerEmail(before?.managerId), await managerEmail(after.managerId));
    await compare('locale', before?.locale, after.locale);
    plan.outcome = !plan.existing ? 'create' : plan.changes.length ? 'update' : 'unchanged';
  }
  const shown = plans.map(({ input: _input, existing: _existing, ...row }) => (row.outcome === 'error' ? { ...row, changes: [] } : row));
  const counts = { create: 0, update: 0, unchanged: 0, error: 0 };
  for (const row of shown) counts[row.outcome] += 1;
  return { plan: { rows: shown, counts, digest: createHash('sha256').update(JSON.stringify(shown)).digest('hex').slice(0, 32) }, planned: plans };
}

/**
 * Applies an import: all rows or none, in one commit, and only when the file still makes the plan the
 * dry run showed (`digest`): else 409, and the person looks at the dry run again. A row in error refuses
 * the whole import (400 naming each row and column).
 */
export async function applyImport(ctx: FeatureContext, actorId: string, csv: string, digest: unknown, fileName?: string): Promise<ImportPlan> {
  return ctx.withRetry(async () => {
    const { plan, planned } = await makePlan(ctx, actorId, csv);
    const errors = plan.rows.filter((r) => r.outcome === 'error');
    if (errors.length) {
      throw new ValidationError(`${errors.length} row(s) cannot be imported; nothing was imported`, errors.flatMap((r) => r.problems.map((p) => ({ field: `row ${r.row}: ${p.column}`, message: p.message }))));
    }
    if (typeof digest !== 'string' || digest !== plan.digest) throw new ConflictError('the directory or the file changed since the dry run: look at the dry run again before importing');
    const reason = `imported from ${fileName?.trim() || 'a CSV file'}`;
    const users: UserRecord[] = [];
    const audit: AuditInput[] = [];
    for (const row of planned) {
      if (row.outcome === 'unchanged' || !row.input) continue;
      const user = personRecord(row.input, row.existing, ctx.now());
      users.push(user);
      audit.push(auditEvent(ctx.clock, { actor: actorId, action: row.existing ? 'user.updated' : 'user.created', target: `user:${user.id}`, old: row.existing && profileOf(row.existing), new: profileOf(user), reason }));
    }
    audit.push(auditEvent(ctx.clock, { actor: actorId, action: 'people.imported', target: 'people:import', new: { ...plan.counts, file: fileName?.trim() || undefined, sha256: createHash('sha256').update(csv).digest('hex') }, reason }));
    await ctx.store.commit({ users, audit });
    return plan;
  });
}
