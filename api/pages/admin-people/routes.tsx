/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { ADMIN_ONLY_ROLES, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, type ImportPlan } from '../../../engine/features/people/index.js';
import { ConflictError, NotPermittedError, TooLargeError, ValidationError } from '../../../engine/kernel/errors.js';
import type { UserRecord } from '../../../engine/kernel/model.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { str } from '../basics.js';
import { sendDocument } from '../render.js';
import { requireCsrf, requireSignIn, viewerOf } from '../session.js';
import { DeactivatePage } from './DeactivatePage.js';
import { ImportPage, type ImportState } from './ImportPage.js';
import { PeopleListPage, type PeopleFilterState } from './PeopleListPage.js';
import { valuesOf, type FormRefusal, type PersonValues } from './PersonForm.js';
import { PersonPage } from './PersonPage.js';
import { ROLE_CHOICES } from './words.js';

/** What a person just did, by the `done` query value: the notice's message id. */
const DONE: Record<string, string> = { saved: 'adminPeople.done.saved', created: 'adminPeople.done.created', reactivated: 'adminPeople.done.reactivated' };
const LIMITS = { rows: MAX_IMPORT_ROWS, megabytes: MAX_IMPORT_BYTES / 1024 / 1024 };

/**
 * /admin/people: administration of people for admins, and site administrators for their sites (the
 * commands decide who may; a refusal is the error page). Plain forms, POST then 303: no JavaScript needed.
 */
export function adminPeoplePages(imsflow: ProcessEngine): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 100 });
  // the apply form carries the file back: its size, and a little for the encoding
  const applyForm = express.urlencoded({ extended: false, limit: MAX_IMPORT_BYTES * 4, parameterLimit: 10 });
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 5, parts: 6 } }).single('file');
  const people = imsflow.people;
  const actor = (req: Request) => viewerOf(req).user.id;
  /** The commands' rule, asked before a form is shown: a person who administers nobody gets 403. */
  const mayAdminister = (req: Request) => {
    if (!people.administers(viewerOf(req).user)) throw new NotPermittedError('people are administered by administrators, and site administrators for their sites');
  };

  /** Who may be chosen as a manager: active people, by name. */
  const managers = async () => (await imsflow.queries.people({ active: true })).sort((a, b) => a.name.localeCompare(b.name));
  const roleChoices = (viewer: UserRecord) => (viewer.roles.includes('admin') ? ROLE_CHOICES : ROLE_CHOICES.filter((r) => !ADMIN_ONLY_ROLES.includes(r)));

  const showPerson = async (req: Request, res: Response, status: number, id: string | undefined, values?: PersonValues, refusal: FormRefusal = { fields: [] }) => {
    const viewer = viewerOf(req);
    const view = id ? await people.view(actor(req), id) : undefined;
    const done = DONE[str(req.query.done)];
    sendDocument(
      res,
      status,
      <PersonPage
        viewer={viewer}
        person={view?.person}
        manager={view?.manager}
        openTasks={view?.openTasks ?? []}
        values={values ?? valuesOf(view?.person)}
        refusal={refusal}
        roles={roleChoices(viewer.user)}
        managers={await managers()}
        {...(done && status === 200 && { done })}
      />,
    );
  };

  router.get('/admin/people', requireSignIn, async (req, res) => {
    const filter: PeopleFilterState = { q: str(req.query.q).trim().slice(0, 200), role: str(req.query.role), site: str(req.query.site), status: (['active', 'inactive'] as const).find((s) => s === str(req.query.status)) ?? '' };
    const all = await people.list(actor(req));
    const shown = await people.list(actor(req), { search: filter.q, ...(filter.role && { role: filter.role }), ...(filter.site && { site: filter.site }), ...(filter.status && { active: filter.status === 'active' }) });
    const sites = [...new Set(all.flatMap((p) => p.sites ?? []))].sort();
    const imported = /^(\d+),(\d+)$/.exec(str(req.query.imported));
    sendDocument(res, 200, <PeopleListPage viewer={viewerOf(req)} people={shown} filter={filter} sites={sites} {...(imported && { imported: { create: Number(imported[1]), update: Number(imported[2]) } })} />);
  });

  router.get('/admin/people/new', requireSignIn, async (req, res) => {
    mayAdminister(req);
    await showPerson(req, res, 200, undefined);
  });

  router.post('/admin/people/new', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const values = posted(req);
    try {
      const person = await people.create(actor(req), changesOf(values), values.reason);
      res.redirect(303, `/admin/people/${encodeURIComponent(person.id)}?done=created`);
    } catch (err) {
      await showPerson(req, res, statusOf(err), undefined, values, refusalOf(err));
    }
  });

  router.get('/admin/people/import', requireSignIn, async (req, res) => {
    mayAdminister(req);
    sendDocument(res, 200, <ImportPage viewer={viewerOf(req)} state={{}} limits={LIMITS} />);
  });

  router.post('/admin/people/import', requireSignIn, async (req, res) => {
    const state: ImportState = {};
    let status = 200;
    try {
      await run(upload, req, res);
      await requireCsrf(req, res);
      const file = req.file;
      if (!file || !file.size) throw new ValidationError('no file', [{ field: 'file', message: 'choose a CSV file' }]);
      state.csv = file.buffer.toString('utf8');
      state.fileName = file.originalname.slice(0, 200);
      state.plan = await people.planImport(actor(req), state.csv);
    } catch (caught) {
      const err = caught instanceof multer.MulterError && caught.code === 'LIMIT_FILE_SIZE' ? new TooLargeError('file too large') : caught;
      if (!(err instanceof TooLargeError || err instanceof ValidationError)) throw err;
      status = err instanceof TooLargeError ? 413 : 400;
      Object.assign(state, importRefusal(err), { csv: undefined, plan: undefined });
    }
    sendDocument(res, status, <ImportPage viewer={viewerOf(req)} state={state} limits={LIMITS} />);
  });

  router.post('/admin/people/import/apply', requireSignIn, applyForm, async (req, res) => {
    await requireCsrf(req, res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const csv = str(body.csv);
    const fileName = str(body.fileName).slice(0, 200);
    let plan: ImportPlan;
    try {
      plan = await people.applyImport(actor(req), csv, str(body.digest), fileName);
    } catch (err) {
      if (!(err instanceof ConflictError || err instanceof ValidationError || err instanceof TooLargeError)) throw err;
      // show the file's plan as it is now, with why it was not imported
      const again = await people.planImport(actor(req), csv).catch(() => undefined);
      const refusal = err instanceof ConflictError ? { refusal: 'adminPeople.import.changedSince' } : importRefusal(err);
      sendDocument(res, err instanceof ConflictError ? 409 : 400, <ImportPage viewer={viewerOf(req)} state={{ ...refusal, csv, fileName, ...(again && { plan: again }) }} limits={LIMITS} />);
      return;
    }
    res.redirect(303, `/admin/people?imported=${plan.counts.create},${plan.counts.update}`);
  });

  router.get('/admin/people/:id', requireSignIn, async (req, res) => {
    await showPerson(req, res, 200, String(req.params.id));
  });

  router.post('/admin/people/:id', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const id = String(req.params.id);
    const values = posted(req);
    try {
      await people.update(actor(req), id, changesOf(values), values.reason);
      res.redirect(303, `/admin/people/${encodeURIComponent(id)}?done=saved`);
    } catch (err) {
      await showPerson(req, res, statusOf(err), id, values, refusalOf(err));
    }
  });

  const showDeactivate = async (req: Request, res: Response, status: number, missingReason: boolean) => {
    const view = await people.view(actor(req), String(req.params.id));
    if (!view.person.active) return res.redirect(303, `/admin/people/${encodeURIComponent(view.person.id)}/deactivated`);
    if (view.person.id === actor(req)) throw new NotPermittedError('nobody deactivates their own account');
    sendDocument(res, status, <DeactivatePage viewer={viewerOf(req)} person={view.person} manager={view.manager} openTasks={view.openTasks} missingReason={missingReason} />);
  };

  router.get('/admin/people/:id/deactivate', requireSignIn, async (req, res) => {
    await showDeactivate(req, res, 200, false);
  });

  router.post('/admin/people/:id/deactivate', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const id = String(req.params.id);
    const reason = str((req.body as Record<string, unknown>)?.reason).trim();
    if (!reason) return showDeactivate(req, res, 400, true);
    await people.deactivate(actor(req), id, reason);
    res.redirect(303, `/admin/people/${encodeURIComponent(id)}/deactivated`);
  });

  router.get('/admin/people/:id/deactivated', requireSignIn, async (req, res) => {
    const id = String(req.params.id);
    const { person } = await people.view(actor(req), id);
    const done = await people.lastDeactivation(actor(req), id);
    if (!done || person.active) return res.redirect(303, `/admin/people/${encodeURIComponent(id)}`);
    const names = new Map((await imsflow.queries.people({})).map((u) => [u.id, u.name]));
    sendDocument(res, 200, <DeactivatePage viewer={viewerOf(req)} person={person} openTasks={[]} missingReason={false} done={done} names={names} />);
  });

  router.post('/admin/people/:id/reactivate', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const id = String(req.params.id);
    const reason = str((req.body as Record<string, unknown>)?.reason).trim();
    if (!reason) return showPerson(req, res, 400, id, undefined, { fields: ['reason'] });
    await people.reactivate(actor(req), id, reason);
    res.redirect(303, `/admin/people/${encodeURIComponent(id)}?done=reactivated`);
  });

  return router;
}

function run(handler: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    handler(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}

function posted(req: Request): PersonValues {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const roles = Array.isArray(body.roles) ? body.roles.map(String) : body.roles ? [String(body.roles)] : [];
  return { email: str(body.email).trim(), name: str(body.name).trim(), roles, sites: str(body.sites), managerId: str(body.managerId), locale: str(body.locale), reason: str(body.reason).trim() };
}

function changesOf(values: PersonValues) {
  return { email: values.email, name: values.name, roles: values.roles, sites: values.sites, managerId: values.managerId, locale: values.locale };
}

function statusOf(err: unknown): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof NotPermittedError) return 403;
  if (err instanceof ConflictError) return 409;
  throw err;
}

function refusalOf(err: unknown): FormRefusal {
  if (err instanceof ValidationError) return { fields: [...new Set(err.fields.map((f) => f.field))] };
  if (err instanceof NotPermittedError) return { fields: [], whole: 'adminPeople.error.notPermitted' };
  return { fields: [], whole: 'adminPeople.error.emailInUse' };
}

function importRefusal(err: ValidationError | TooLargeError): Pick<ImportState, 'refusal' | 'refusalDetail'> {
  if (err instanceof TooLargeError) return { refusal: 'adminPeople.import.tooLarge' };
  const field = err.fields[0];
  if (field?.field === 'file' && /header|first row/.test(field.message + err.message)) return { refusal: 'adminPeople.import.badHeader' };
  if (field?.field === 'file' && /empty/.test(err.message)) return { refusal: 'adminPeople.import.empty' };
  if (field?.field === 'file' && /choose/.test(field.message)) return { refusal: 'adminPeople.import.noFile' };
  if (field?.field.startsWith('row ')) return { refusal: 'adminPeople.import.rowsInError' };
  return { refusal: 'adminPeople.import.notCsv' };
}
