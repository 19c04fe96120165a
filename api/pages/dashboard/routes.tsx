/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request, type Response } from 'express';
import { resolveContext, type Dashboard, type DashboardContext } from '../../../engine/features/dashboard/index.js';
import type { OutstandingItem } from '../../../engine/features/change-control/index.js';
import { mayEnterValues } from '../../../engine/features/kpis/index.js';
import { NotFoundError, NotPermittedError, ValidationError } from '../../../engine/kernel/errors.js';
import type { InstanceRecord, KpiRecord, TaskRecord, UserRecord } from '../../../engine/kernel/model.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { canSee, checkCsrf, hasRole, visibleSites } from '../../auth.js';
import { DASHBOARD_ROLES, str, type Viewer } from '../basics.js';
import { directoryNames } from '../record/routes.js';
import { requireSignIn, viewerOf } from '../session.js';
import { readerOf } from '../reader.js';
import { sendDocument } from '../render.js';
import { DashboardPage, type DashboardPageState } from './DashboardPage.js';
import type { FilterChoices } from './FilterBar.js';
import { KpiPage, type KpiFormState } from './KpiPage.js';
import { dashboardHref, drillOf, drillQuery, filterQuery, filtersOf, queryOf } from './query.js';
import { RecordListPage } from './RecordListPage.js';

/**
 * The steering dashboard (/dashboard), the records behind each of its figures (/dashboard/list) and the
 * KPI value form (/dashboard/kpis/:id). The figures come from engine/features/dashboard/ (the same as GET
 * /api/dashboard); these routes read them for the person and hand them to the page components.
 */

export interface DashboardPagesOptions {
  /** The start-form fields that title each pack's records (ProcessPack.titleFields), by process key. */
  titleFields?: Record<string, string[]>;
}

function allowed(req: Request): Viewer {
  const viewer = viewerOf(req);
  if (!hasRole(viewer.user, DASHBOARD_ROLES)) throw new NotPermittedError('the dashboard is for the steering committee, quality managers, process owners, auditors and administrators');
  return viewer;
}

/** The filters checked against the person and the clock; a foreign site is a 403 (NotPermittedError), as in the API. */
function contextFor(imsflow: ProcessEngine, user: UserRecord, query: URLSearchParams): DashboardContext {
  return resolveContext(user, filtersOf(query), imsflow.clock.now());
}

/** Process names by key, as their latest versions give them. */
async function processNamesOf(imsflow: ProcessEngine): Promise<Map<string, string>> {
  const latest = new Map<string, { name: string; version: number }>();
  for (const d of await imsflow.listDefinitions()) {
    const seen = latest.get(d.key);
    if (!seen || seen.version < d.version) latest.set(d.key, { name: d.name ?? d.key, version: d.version });
  }
  return new Map([...latest].map(([key, d]) => [key, d.name]));
}

/** The sites a person may filter by (their own; admins: every site anyone has) and the deployed processes. */
async function choicesFor(imsflow: ProcessEngine, res: Response, user: UserRecord, processNames: Map<string, string>, data?: Dashboard): Promise<FilterChoices> {
  const { translated, locale } = readerOf(res);
  const own = visibleSites(user);
  const sites = new Set(own ?? (await imsflow.queries.people()).flatMap((u) => u.sites ?? []));
  if (!own) for (const s of data?.bySite ?? []) if (s.site) sites.add(s.site);
  const processes = [...processNames].map(([value, name]) => ({ value, label: translated(`${value}.process.name`, name) }));
  return {
    sites: [...sites].sort().map((s) => ({ value: s, label: s })),
    processes: processes.sort((a, b) => a.label.localeCompare(b.label, locale)),
  };
}

/** The period most often entered: the month before today's. */
function lastMonth(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

export function dashboardPages(imsflow: ProcessEngine, options: DashboardPagesOptions = {}): express.Router {
  const router = express.Router();
  const kpis = imsflow.commands.kpis;
  const titleFields = options.titleFields ?? {};

  router.get('/dashboard', requireSignIn, async (req: Request, res: Response) => {
    const viewer = allowed(req);
    const query = queryOf(req);
    const filters = filterQuery(query, readerOf(res).timeZone);
    // One spelling per view (no empty fields, instants in UTC): the address in the bar is the one to share.
    if (filters.toString() !== query.toString()) return res.redirect(303, dashboardHref(filters));
    const processNames = await processNamesOf(imsflow);
    const state: DashboardPageState = { viewer, filters, errors: [], processNames, choices: { sites: [], processes: [] } };
    try {
      const context = contextFor(imsflow, viewer.user, filters);
      state.data = await imsflow.queries.dashboard(context);
      const sites = context.scope.sites?.in;
      const outstanding: OutstandingItem[] = await imsflow.changes.outstandingTraining(sites ? { sites } : {});
      state.training = outstanding.filter((i) => !context.filters.process.length || context.filters.process.includes(i.processKey));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      state.errors = err.fields;
    }
    state.choices = await choicesFor(imsflow, res, viewer.user, processNames, state.data);
    sendDocument(res, state.errors.length ? 400 : 200, <DashboardPage state={state} />);
  });

  router.get('/dashboard/list', requireSignIn, async (req: Request, res: Response) => {
    const viewer = allowed(req);
    const raw = queryOf(req);
    const filters = filterQuery(raw, readerOf(res).timeZone);
    const query = new URLSearchParams([...drillQuery(raw), ...filters]);
    const limit = 1000;
    const context = contextFor(imsflow, viewer.user, filters);
    const drill = drillOf(raw);
    const list = await imsflow.queries.drillDown(context, drill, limit);
    // what the rows name by id: the records (for their titles), the tasks (for their steps and badges), people
    const ids = (key: string) => [...new Set(list.items.map((row) => row[key]).filter((v): v is string => typeof v === 'string'))];
    const [names, instances, tasks] = await Promise.all([
      directoryNames(imsflow),
      Promise.all(ids('instanceId').map((id) => imsflow.queries.findInstance(id))),
      Promise.all(ids('taskId').map((id) => imsflow.queries.findTask(id))),
    ]);
    const byId = <T extends { id: string }>(records: (T | undefined)[]) => new Map(records.filter((r): r is T => Boolean(r)).map((r) => [r.id, r]));
    sendDocument(
      res,
      200,
      <RecordListPage
        state={{ viewer, list, drill, query, filters, limit, asOf: context.asOf.toISOString(), names, instances: byId<InstanceRecord>(instances), tasks: byId<TaskRecord>(tasks), titleFields }}
      />,
    );
  });

  /** A KPI's page is for the dashboard's readers and for the KPI's owner, whatever their role. */
  const kpiOf = async (req: Request): Promise<{ viewer: Viewer; kpi: KpiRecord }> => {
    const viewer = viewerOf(req);
    const kpi = await imsflow.queries.findKpi(String(req.params.id));
    if (!kpi || !canSee(viewer.user, kpi)) throw new NotFoundError(`no KPI ${req.params.id}`);
    if (kpi.owner !== viewer.user.id) allowed(req);
    return { viewer, kpi };
  };

  const sendKpiPage = async (res: Response, status: number, viewer: Viewer, kpi: KpiRecord, form: KpiFormState, errors: ValidationError['fields'], saved?: string) => {
    const [values, names] = await Promise.all([imsflow.queries.kpiValues([kpi.id]), directoryNames(imsflow)]);
    values.sort((a, b) => b.period.localeCompare(a.period));
    sendDocument(res, status, <KpiPage state={{ viewer, kpi, values, names, form, errors, saved }} />);
  };

  router.get('/dashboard/kpis/:id', requireSignIn, async (req: Request, res: Response) => {
    const { viewer, kpi } = await kpiOf(req);
    const form = { period: lastMonth(imsflow.clock.now()), value: '', note: '', reason: '' };
    await sendKpiPage(res, 200, viewer, kpi, form, [], str(req.query.saved) || undefined);
  });

  router.post('/dashboard/kpis/:id', requireSignIn, express.urlencoded({ extended: false, limit: '16kb' }), checkCsrf, async (req: Request, res: Response) => {
    const { viewer, kpi } = await kpiOf(req);
    if (!mayEnterValues(viewer.user, kpi)) throw new NotPermittedError(`only the KPI's owner, a quality manager or the steering committee enters its values`);
    const form = { period: str(req.body?.period).trim(), value: str(req.body?.value).trim(), note: str(req.body?.note), reason: str(req.body?.reason) };
    const value = form.value === '' ? Number.NaN : Number(form.value);
    try {
      if (!Number.isFinite(value)) throw new ValidationError('invalid KPI value', [{ field: 'value', message: readerOf(res).t('dashboard.kpi.notANumber') }]);
      const saved = await kpis.enterValue(kpi.id, { period: form.period, value, note: form.note || undefined, reason: form.reason || undefined }, viewer.user.id);
      // Post/redirect/get: reloading the confirmation does not send the value again.
      res.redirect(303, `/dashboard/kpis/${encodeURIComponent(kpi.id)}?saved=${encodeURIComponent(saved.period)}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await sendKpiPage(res, 400, viewer, kpi, form, err.fields);
    }
  });

  return router;
}
