import { z } from 'zod';
import { MAX_PAGE_SIZE, REGISTER_SORTS, REGISTER_STATUSES, type RegisterFilters, type RegisterItem } from '../engine/features/register/index.js';
import type { FieldError } from '../engine/kernel/errors.js';
import { ValidationError } from '../engine/kernel/errors.js';
import type { UserRecord } from '../engine/kernel/model.js';
import type { ProcessEngine } from '../engine/process-engine.js';
import { hasRole, OVERSEERS, principalOf } from './auth.js';
import { sendCsv } from './csv.js';
import type { RouteRegistry } from './openapi.js';

/**
 * The records register over JSON and CSV (GET /api/records, /api/records.csv) and the views people save of
 * it (/api/records/views). The same query string drives the page (/records, api/pages/records/).
 */

/** One value or several (repeated, or comma-separated): `status=running&status=incident` or `status=running,incident`. */
const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)));

const day = z
  .string()
  .trim()
  .optional()
  .transform((v) => v || undefined)
  .refine((v) => v === undefined || isDay(v), 'give the date as YYYY-MM-DD');

/** A real calendar day written YYYY-MM-DD (not 2026-02-30). */
function isDay(v: string): boolean {
  const time = Date.parse(`${v}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(time) && new Date(time).toISOString().startsWith(v);
}

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => v || undefined);

/** The register's query string: filters, sort and page. Unknown parameters are refused, by name. */
export const registerQuery = z
  .object({
    q: optionalText(500).describe('words to find in the record number, title and data (each must begin a word)'),
    process: list.describe('process key(s), e.g. nonconformity'),
    status: list
      .refine((v) => !v || v.every((s) => (REGISTER_STATUSES as readonly string[]).includes(s)), `one or more of ${REGISTER_STATUSES.join(', ')}`)
      .describe(`status(es): ${REGISTER_STATUSES.join(', ')} (incident: waiting on a failed step)`),
    site: optionalText(200).describe('one of your sites'),
    owner: optionalText(200).describe('a person id: records with an open task assigned to them'),
    overdue: z.enum(['true', 'false', '']).optional().describe('true: records with an overdue open task'),
    openedFrom: day.describe('opened on or after this day, YYYY-MM-DD (UTC)'),
    openedTo: day.describe('opened on or before this day'),
    closedFrom: day.describe('closed on or after this day'),
    closedTo: day.describe('closed on or before this day'),
    linkedTo: optionalText(100).describe('a record number: records linked to it'),
    sort: z.enum(REGISTER_SORTS as [string, ...string[]]).optional().describe('number, opened (default), due or status'),
    dir: z.enum(['asc', 'desc']).optional().describe('default desc'),
    page: z.coerce.number().int().min(1).max(100_000).optional(),
    pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  })
  .strict();

export type RegisterQueryInput = z.output<typeof registerQuery>;

/** The filters of a checked query string; a period whose end is before its start is refused, naming the end. */
export function registerFilters(query: RegisterQueryInput): RegisterFilters {
  const errors: FieldError[] = [];
  if (query.openedFrom && query.openedTo && query.openedFrom > query.openedTo) errors.push({ field: 'openedTo', message: 'is before the first day' });
  if (query.closedFrom && query.closedTo && query.closedFrom > query.closedTo) errors.push({ field: 'closedTo', message: 'is before the first day' });
  if (errors.length) throw new ValidationError('invalid query', errors);
  return {
    search: query.q,
    processes: query.process,
    statuses: query.status as RegisterFilters['statuses'],
    site: query.site,
    owner: query.owner,
    overdue: query.overdue === 'true',
    openedFrom: query.openedFrom,
    openedTo: query.openedTo,
    closedFrom: query.closedFrom,
    closedTo: query.closedTo,
    linkedTo: query.linkedTo?.toUpperCase(),
    sort: query.sort as RegisterFilters['sort'],
    direction: query.dir,
    page: query.page,
    pageSize: query.pageSize,
  };
}

/** Whether the person oversees records (all of their sites) or sees the records they are involved in. */
export const overseesRecords = (user: UserRecord) => hasRole(user, OVERSEERS);

/** The most rows a CSV export holds: the register's filters narrow anything larger. */
export const MAX_CSV_ROWS = 10_000;

/** Every record that matches, page after page, up to MAX_CSV_ROWS. */
export async function allMatches(imsflow: ProcessEngine, user: UserRecord, filters: RegisterFilters): Promise<RegisterItem[]> {
  const items: RegisterItem[] = [];
  for (let page = 1; items.length < MAX_CSV_ROWS; page += 1) {
    const result = await imsflow.queries.register(user, { ...filters, page, pageSize: MAX_PAGE_SIZE }, overseesRecords(user));
    items.push(...result.items);
    if (page >= result.pages) break;
  }
  return items.slice(0, MAX_CSV_ROWS);
}

/** The CSV columns: plain values a spreadsheet sorts (ISO times, ids and names side by side). */
export function registerCsvRows(items: RegisterItem[], nameOf: (id: string | undefined) => string): { header: string[]; rows: unknown[][] } {
  return {
    header: ['number', 'title', 'process', 'status', 'site', 'currentStep', 'owner', 'ownerRole', 'dueAt', 'overdue', 'escalationLevel', 'openedAt', 'openedBy', 'closedAt'],
    rows: items.map((i) => [
      i.businessKey,
      i.title,
      i.process,
      i.status,
      i.site,
      i.step?.name,
      i.step?.assignee && nameOf(i.step.assignee),
      i.step?.candidateRole,
      i.step?.dueAt,
      i.step ? String(i.step.overdue) : '',
      i.step?.escalationLevel,
      i.startedAt,
      nameOf(i.startedBy),
      i.endedAt,
    ]),
  };
}

const saveView = z
  .object({
    name: z.string().trim().min(1, 'is required').max(80),
    query: z.record(z.string(), z.string()).describe('the register query string as name → value (q, process, status, site, owner, overdue, openedFrom … dir, pageSize)'),
  })
  .strict();

/** Keeps a view's query as the register reads it: only known parameters, checked, without the page. */
export function viewQuery(raw: Record<string, string>): Record<string, string> {
  const { page: _page, ...rest } = raw;
  const checked = registerQuery.safeParse(rest);
  if (!checked.success) throw new ValidationError('invalid view', checked.error.issues.map((issue) => ({ field: `query.${issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '')}`, message: issue.message })));
  registerFilters(checked.data);
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v.trim() !== ''));
}

export function recordsRoutes(routes: RouteRegistry, { imsflow }: { imsflow: ProcessEngine }): void {
  const names = async () => {
    const people = new Map((await imsflow.queries.people()).map((p) => [p.id, p.name]));
    return (id: string | undefined) => (id === undefined ? '' : (people.get(id) ?? id));
  };

  routes.add({ method: 'get', path: '/records', summary: 'The records register: records you may see (overseers: of your sites; others: those you are involved in), searched, filtered, sorted and paged, each with the step it waits on', tag: 'records', access: 'signed-in', query: registerQuery, responses: { 200: '{total, page, pages, pageSize, items}', 400: 'a parameter is invalid (named)', 403: 'a site that is not yours' } }, async (req, res, { query }) => {
    const { user } = principalOf(req);
    res.json(await imsflow.queries.register(user, registerFilters(query), overseesRecords(user)));
  });

  routes.add({ method: 'get', path: '/records.csv', summary: `The records register as CSV: every record that matches (at most ${MAX_CSV_ROWS}), RFC 4180, UTF-8, formula-safe`, tag: 'records', access: 'signed-in', query: registerQuery, responses: { 200: 'text/csv', 400: 'a parameter is invalid (named)', 403: 'a site that is not yours' } }, async (req, res, { query }) => {
    const { user } = principalOf(req);
    const { header, rows } = registerCsvRows(await allMatches(imsflow, user, registerFilters(query)), await names());
    sendCsv(res, `records-${imsflow.clock.now().toISOString().slice(0, 10)}.csv`, header, rows);
  });

  routes.add({ method: 'get', path: '/records/views', summary: 'Your saved views of the register', tag: 'records', access: 'signed-in', responses: { 200: '{items: [{id, name, query, savedAt}]}' } }, async (req, res) => {
    res.json({ items: await imsflow.queries.registerViews(principalOf(req).user.id) });
  });

  routes.add({ method: 'post', path: '/records/views', summary: 'Save a view of the register (a name and its query); a view of the same name is replaced. Audited', tag: 'records', access: 'signed-in', body: saveView, responses: { 201: 'the view', 400: 'no name, or a query parameter is invalid (named)' } }, async (req, res, { body }) => {
    const view = await imsflow.commands.register.saveView(principalOf(req).user.id, { name: body.name, query: viewQuery(body.query) });
    res.status(201).json(view);
  });

  routes.add({ method: 'delete', path: '/records/views/:id', summary: 'Delete one of your saved views. Audited', tag: 'records', access: 'signed-in', responses: { 204: 'deleted', 404: 'not one of your views' } }, async (req, res) => {
    await imsflow.commands.register.deleteView(principalOf(req).user.id, String(req.params.id));
    res.status(204).end();
  });
}
