import type { Request } from 'express';
import { z } from 'zod';
import { FIGURES, MAX_RECORDS, resolveContext, type DashboardFilters, type Drilldown } from '../engine/features/dashboard/index.js';
import { NotFoundError, NotPermittedError } from '../engine/kernel/errors.js';
import type { ProcessEngine } from '../engine/process-engine.js';
import { KPI_EDITORS, mayEnterValues } from '../engine/features/kpis/index.js';
import { KPI_MEASURES, MANAGEMENT_SYSTEMS } from '../engine/kernel/model.js';
import { canSee, OVERSEERS, principalOf } from './auth.js';
import { dashboardPdf } from './dashboard-pdf.js';
import type { RouteRegistry } from './openapi.js';
import { sendCsv } from './csv.js';

/** One value or several (repeated, or comma-separated): `site=A&site=B` or `site=A,B`. */
const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)));

const filterShape = {
  site: list.describe('site(s): repeat or comma-separate; only your own; default all of yours'),
  process: list.describe('process definition key(s), e.g. capa'),
  from: z.string().optional().describe('first day of the period, YYYY-MM-DD (UTC); default 12 months before to'),
  to: z.string().optional().describe('last day of the period, YYYY-MM-DD (UTC); default today (or the day of at)'),
  at: z.string().optional().describe('ISO date-time: the dashboard as it stood then; default now'),
};

const drillShape = {
  figure: z.string().min(1).describe(`the figure whose records are listed (the drill fragment of the dashboard JSON): ${FIGURES.join(', ')}, or a pack figure's list`),
  byProcess: z.string().optional(),
  bySite: z.string().optional().describe('empty: records without a site'),
  byOwner: z.string().optional().describe('empty: unassigned tasks'),
  byRole: z.string().optional().describe('empty: tasks without a candidate role'),
  bucket: z.string().optional().describe('aging bucket: 1-7, 8-30, 31-90, >90'),
  level: z.string().optional().describe('escalation level'),
  week: z.string().optional().describe('ISO week, e.g. 2026-W47'),
  clause: z.string().optional(),
  grade: z.string().optional(),
  standard: z.string().optional(),
  value: z.string().optional().describe("a pack figure's drill value"),
};

const DRILL_KEYS = Object.keys(drillShape) as (keyof typeof drillShape)[];

/** The drill fragment of a records query (the filters and the limit aside). */
function drillOf(query: Partial<Record<keyof typeof drillShape, string>>): Drilldown {
  const drill: Drilldown = { figure: query.figure ?? '' };
  for (const key of DRILL_KEYS) if (query[key] !== undefined) drill[key] = query[key];
  return drill;
}

const schemas = {
  filters: z.object(filterShape),
  records: z.object({ ...filterShape, ...drillShape, limit: z.coerce.number().int().min(1).max(MAX_RECORDS).optional() }),
  eventTrends: z.object({
    ...filterShape,
    source: z.string().optional().describe('drill: events of this source (complaint, deviation …)'),
    week: z.string().optional().describe('drill: events of this ISO week, e.g. 2026-W10'),
    cause: z.string().optional().describe('drill: events of this cause category (man, machine, method, material, measurement, environment)'),
    product: z.string().optional().describe('drill: events about this product'),
    eventSite: z.string().optional().describe('drill: events of this site'),
  }),
  kpi: z
    .object({
      system: z.enum(MANAGEMENT_SYSTEMS),
      name: z.string(),
      unit: z.string().optional(),
      target: z.number(),
      direction: z.enum(['up', 'down']).describe('up: higher is better (on target at or above it); down: lower is better'),
      owner: z.string().describe('user id of the person who answers for the KPI'),
      source: z.enum(['manual', 'computed']),
      measure: z.enum(KPI_MEASURES).optional().describe('for a computed KPI: what is computed from the records'),
      site: z.string().optional().describe('a KPI of one site; none: of the organisation'),
      reason: z.string().optional().describe('why: required when changing an existing KPI'),
    })
    .strict(),
  kpiValue: z
    .object({
      period: z.string().describe('YYYY-MM or YYYY-Qn'),
      value: z.number(),
      note: z.string().max(2000).optional(),
      reason: z.string().max(2000).optional().describe('why: required when replacing a value entered before'),
    })
    .strict(),
};

function filtersOf(query: z.infer<typeof schemas.filters>): DashboardFilters {
  return { sites: query.site, processes: query.process, from: query.from, to: query.to, at: query.at };
}

/**
 * The steering dashboard's JSON, drill-down lists (JSON and CSV), the PDF report and the KPI register,
 * for the overseers of their own sites. The figures come from engine/features/dashboard/.
 */
export function registerDashboardRoutes(routes: RouteRegistry, imsflow: ProcessEngine): void {
  const { queries, clock } = imsflow;
  const kpis = imsflow.commands.kpis;
  const context = (req: Request, query: z.infer<typeof schemas.filters>) => resolveContext(principalOf(req).user, filtersOf(query), clock.now());

  routes.add({ method: 'get', path: '/dashboard', summary: 'Steering dashboard: open, due-soon and overdue work by process, site, owner and role; aging; escalations; weekly trends; CAPA; audit findings; gap coverage; KPIs', tag: 'dashboard', access: OVERSEERS, query: schemas.filters, responses: { 200: 'the figures, each with a drill fragment for /api/dashboard/records', 400: 'a filter is invalid', 403: 'a site that is not yours' } }, async (req, res, { query }) => {
    res.set('Cache-Control', 'no-store').json(await queries.dashboard(context(req, query)));
  });

  routes.add({ method: 'get', path: '/dashboard/records', summary: 'The records behind one dashboard figure (its drill fragment plus the filters)', tag: 'dashboard', access: OVERSEERS, query: schemas.records, responses: { 200: '{title, columns, items}', 400: 'unknown figure or drill value', 403: 'a site that is not yours' } }, async (req, res, { query }) => {
    res.set('Cache-Control', 'no-store').json(await queries.drillDown(context(req, query), drillOf(query), query.limit));
  });

  routes.add({ method: 'get', path: '/dashboard/records.csv', summary: 'The records behind one dashboard figure as CSV (RFC 4180, UTF-8, formula-safe)', tag: 'dashboard', access: OVERSEERS, query: schemas.records, responses: { 200: 'text/csv', 400: 'unknown figure or drill value', 403: 'a site that is not yours' } }, async (req, res, { query }) => {
    const records = await queries.drillDown(context(req, query), drillOf(query), query.limit);
    sendCsv(res, `${query.figure}-${clock.now().toISOString().slice(0, 10)}.csv`, records.columns.map((c) => c.label), records.items.map((item) => records.columns.map((c) => item[c.key])));
  });

  routes.add({ method: 'get', path: '/dashboard/report.pdf', summary: 'The steering committee report as PDF: the dashboard at a date with the overdue list (management review input)', tag: 'dashboard', access: OVERSEERS, query: schemas.filters, responses: { 200: 'application/pdf', 400: 'a filter is invalid', 403: 'a site that is not yours' } }, async (req, res, { query }) => {
    const ctx = context(req, query);
    const [dashboard, overdue] = await Promise.all([queries.dashboard(ctx), queries.drillDown(ctx, { figure: 'overdue' })]);
    const pdf = await dashboardPdf(dashboard, overdue, { by: principalOf(req).user.name });
    res.attachment(`steering-report-${dashboard.asOf.slice(0, 10)}.pdf`);
    res.set({ 'Content-Type': 'application/pdf', 'Cache-Control': 'no-store' });
    res.send(pdf);
  });

  routes.add({ method: 'get', path: '/events/trends', summary: 'Quality and EHS events across sources: Pareto by cause category, product, site and source, weekly counts per source; with a drill (source, week, cause, product, eventSite) the events behind it', tag: 'dashboard', access: OVERSEERS, query: schemas.eventTrends, responses: { 200: '{period, total, sources, pareto, weekly, records?}', 400: 'a filter is invalid', 403: 'a site that is not yours', 404: 'no process pack with events is installed' } }, async (req, res, { query }) => {
    const drill = { source: query.source, week: query.week, causeCategory: query.cause, product: query.product, site: query.eventSite };
    const trends = await queries.eventTrends(context(req, query), Object.fromEntries(Object.entries(drill).filter(([, v]) => v !== undefined)));
    if (!trends) throw new NotFoundError('no process pack with events is installed');
    res.set('Cache-Control', 'no-store').json(trends);
  });

  routes.add({ method: 'get', path: '/kpis', summary: 'The KPIs you see (of the organisation and of your sites) with every value entered', tag: 'dashboard', access: OVERSEERS, responses: { 200: '{items: [{...kpi, values}]}' } }, async (req, res) => {
    const user = principalOf(req).user;
    const items = (await queries.kpis()).filter((k) => canSee(user, k));
    const values = await queries.kpiValues(items.map((k) => k.id));
    res.json({ items: items.map((k) => ({ ...k, values: values.filter((v) => v.kpiId === k.id) })) });
  });

  routes.add({ method: 'put', path: '/kpis/:id', summary: 'Define a KPI or change its definition (a change needs a reason; audited old → new)', tag: 'dashboard', access: KPI_EDITORS, body: schemas.kpi, responses: { 200: 'the KPI', 400: 'field errors', 403: 'a KPI of another site', 409: 'changed meanwhile' } }, async (req, res, { body }) => {
    const user = principalOf(req).user;
    const existing = await queries.findKpi(String(req.params.id));
    if (existing && !canSee(user, existing)) throw new NotPermittedError(`KPI ${existing.id} belongs to site ${existing.site}`);
    if (body.site !== undefined && !canSee(user, { site: body.site })) throw new NotPermittedError(`you do not belong to site ${body.site}`);
    res.json(await kpis.save(String(req.params.id), body, user.id));
  });

  routes.add({ method: 'post', path: '/kpis/:id/values', summary: 'Enter a manual KPI\'s value for a month or quarter (its owner, a quality manager or the steering committee; replacing one needs a reason)', tag: 'dashboard', access: 'signed-in', scope: 'integration', body: schemas.kpiValue, responses: { 201: 'the value', 400: 'field errors', 403: 'neither the KPI\'s owner nor a KPI editor', 404: 'no such KPI' } }, async (req, res, { body }) => {
    const user = principalOf(req).user;
    const kpi = await queries.findKpi(String(req.params.id));
    if (!kpi || !canSee(user, kpi)) throw new NotFoundError(`no KPI ${req.params.id}`);
    if (!mayEnterValues(user, kpi)) throw new NotPermittedError(`only the KPI's owner (${kpi.owner}), a quality manager or the steering committee enters its values`);
    res.status(201).json(await kpis.enterValue(kpi.id, body, user.id));
  });
}
