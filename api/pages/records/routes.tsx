/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request, type Response } from 'express';
import { visibleSites } from '../../../engine/features/access/index.js';
import { NotPermittedError, ValidationError, type FieldError } from '../../../engine/kernel/errors.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { overseesRecords, registerFilters, registerQuery, viewQuery } from '../../records.js';
import { str } from '../basics.js';
import { directoryNames } from '../record/routes.js';
import { sendDocument } from '../render.js';
import { requireCsrf, requireSignIn, viewerOf } from '../session.js';
import { FILTER_NAMES, RegisterPage, type RegisterPageState, type RegisterParams } from './RegisterPage.js';

/**
 * GET /records: the records register page (search, filters, sort, pages, CSV, the person's saved views);
 * POST /records/views saves the current query as a view, POST /records/views/:id/delete removes one
 * (engine commands, audited), each answered with a 303 back to the register.
 */

const PARAMS = [...FILTER_NAMES, 'sort', 'dir', 'page', 'pageSize'] as const;

/** The register's parameters from a query string or form: known names only, one value each. */
function paramsOf(source: Record<string, unknown>): RegisterParams {
  const params: RegisterParams = {};
  for (const name of PARAMS) {
    const value = str(source[name]).trim();
    if (value) params[name] = value;
  }
  return params;
}

function fieldErrors(err: unknown): FieldError[] {
  if (err instanceof ValidationError) return err.fields;
  if (err instanceof NotPermittedError) return [{ field: 'site', message: err.message }];
  throw err;
}

export function registerPages(imsflow: ProcessEngine): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 40 });

  const show = async (req: Request, res: Response, params: RegisterParams, extra: Pick<RegisterPageState, 'errors' | 'notice'> = { errors: [] }) => {
    const viewer = viewerOf(req);
    const user = viewer.user;
    let errors = extra.errors;
    let result: RegisterPageState['result'];
    const checked = registerQuery.safeParse(params);
    if (!checked.success) errors = [...errors, ...checked.error.issues.map((issue) => ({ field: String(issue.path[0] ?? 'q'), message: issue.message }))];
    else {
      try {
        result = await imsflow.queries.register(user, registerFilters(checked.data), overseesRecords(user));
      } catch (err) {
        errors = [...errors, ...fieldErrors(err)];
      }
    }
    const [names, definitions, people, views] = await Promise.all([directoryNames(imsflow), imsflow.listDefinitions(), imsflow.queries.people({ active: true }), imsflow.queries.registerViews(user.id)]);
    const processes = [...new Map([...definitions].sort((a, b) => a.version - b.version).map((d) => [d.key, d.name])).entries()].map(([key, name]) => ({ key, name })).sort((a, b) => a.name.localeCompare(b.name));
    const sites = visibleSites(user);
    const owners = people.filter((p) => sites === undefined || !p.sites?.length || p.sites.some((s) => sites.includes(s))).map((p) => ({ id: p.id, name: p.name })).sort((a, b) => a.name.localeCompare(b.name));
    const state: RegisterPageState = { viewer, params, errors, result, now: imsflow.clock.now(), names, processes, sites, owners, views, notice: extra.notice };
    sendDocument(res, errors.length ? 400 : 200, <RegisterPage state={state} />);
  };

  router.get('/records', requireSignIn, async (req, res) => {
    const saved = str(req.query.saved);
    const notice = saved ? { kind: 'saved' as const, name: saved } : str(req.query.deleted) === '1' ? { kind: 'deleted' as const } : undefined;
    await show(req, res, paramsOf(req.query as Record<string, unknown>), { errors: [], notice });
  });

  router.post('/records/views', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const params = paramsOf(body);
    const { user } = viewerOf(req);
    let view;
    try {
      view = await imsflow.commands.register.saveView(user.id, { name: str(body.name), query: viewQuery(params as Record<string, string>) });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // a problem in the saved query is the filter's; the name's is the name's
      const errors = err.fields.map((f) => ({ field: f.field.replace(/^query\./, ''), message: f.message }));
      return show(req, res, params, { errors });
    }
    const { page: _page, ...query } = params;
    const back = new URLSearchParams({ ...query, saved: view.name });
    res.redirect(303, `/records?${back.toString()}`);
  });

  router.post('/records/views/:id/delete', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    await imsflow.commands.register.deleteView(viewerOf(req).user.id, String(req.params.id));
    res.redirect(303, '/records?deleted=1');
  });

  return router;
}
