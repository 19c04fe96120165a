/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request, type Response } from 'express';
import { NotFoundError, ValidationError } from '../../../engine/kernel/errors.js';
import type { FormField, TaskRecord, UserRecord } from '../../../engine/kernel/model.js';
import { recordTitle } from '../../../engine/kernel/present/index.js';
import type { ProcessEngine, StartableProcess } from '../../../engine/process-engine.js';
import { processWords } from '../../processes.js';
import type { AttachmentStore } from '../attachments.js';
import { str } from '../basics.js';
import { readerOf } from '../reader.js';
import { sendDocument } from '../render.js';
import { mayViewRecord, requireCsrf, requireSignIn, viewerOf } from '../session.js';
import { clauseCatalogue } from '../task-form/clauses.js';
import { choicesFor, peopleFor, personProblem, readSubmission, readTaskBody, type FormState, type Person } from '../task-form/submit.js';
import { roleName } from '../task-form/words.js';
import { TaskWords } from '../tasks/view.js';
import { NewListPage, StartedPage, StartFormPage, type NextStep } from './StartPages.js';

/**
 * The "New" pages: what I may start (/new), its start form (/new/:key: GET shows it, POST starts the record
 * through the same start command as POST /api/processes/:key/instances, so the same starters, sites and
 * form rules answer), and the confirmation (/new/:key/started/:id).
 */

/** The start form's key for the site a person with several sites picks (not a variable of the record). */
const SITE_FIELD = 'site';

export interface StartPagesOptions {
  imsflow: ProcessEngine;
  attachments: AttachmentStore | undefined;
  titleFields?: Record<string, string[]>;
}

/** Whether the person may start anything: the header's "New" entry is shown only then (res.locals.mayStart). */
export function mayStartSomething(imsflow: ProcessEngine): express.RequestHandler {
  return (req, res, next) => {
    if (!req.principal) return next();
    imsflow
      .startable(req.principal.user)
      .then((startable) => {
        res.locals.mayStart = startable.length > 0;
        next();
      })
      .catch(next);
  };
}

export function startPages({ imsflow, attachments, titleFields = {} }: StartPagesOptions): express.Router {
  const router = express.Router();

  async function startableOf(user: UserRecord, key: string): Promise<StartableProcess> {
    const found = (await imsflow.startable(user)).find((p) => p.key === key);
    // what a person may not start is not offered: the same answer as for a process that does not exist
    if (!found) throw new NotFoundError(`nothing to start called ${key}`);
    return found;
  }

  /** The start form as the task form's renderer reads it: a step of the process (the start event) with its form, plus the site when there is a choice. */
  function formOf(process: StartableProcess, res: Response): TaskRecord {
    const { t } = readerOf(res);
    // the sites by the register's names (read for every page), never their keys
    const names = (res.locals.siteNames as ReadonlyMap<string, string> | undefined) ?? new Map<string, string>();
    const siteField: FormField[] = process.sites.length > 1 ? [{ key: SITE_FIELD, label: t('start.form.site'), type: 'select', required: true, options: process.sites.map((s) => ({ value: s, label: names.get(s) ?? s })) }] : [];
    return { id: `start-${process.key}`, definitionKey: process.key, elementId: process.startEvent, name: process.name, form: [...siteField, ...process.form] } as TaskRecord;
  }

  /** Who a person field offers: active people of the site chosen (before a choice: everyone the task form would offer). */
  const peopleOf = (site: string | undefined): Promise<Person[]> => peopleFor(imsflow, site ? { site } : {});

  async function formPage(req: Request, res: Response, process: StartableProcess, status: number, state: FormState = {}): Promise<void> {
    const viewer = viewerOf(req);
    const words = processWords(readerOf(res), process);
    const site = str(state.values?.[SITE_FIELD]) || (process.sites.length === 1 ? process.sites[0] : undefined);
    sendDocument(
      res,
      status,
      <StartFormPage state={{ viewer, name: words.name, ...(words.description && { description: words.description }), form: formOf(process, res), people: await peopleOf(site), choices: await choicesFor(imsflow, { form: process.form, ...(site && { site }) }, readerOf(res)), catalogue: clauseCatalogue(imsflow), ...state }} />,
    );
  }

  router.get('/new', requireSignIn, async (req, res) => {
    const viewer = viewerOf(req);
    const reader = readerOf(res);
    const choices = (await imsflow.startable(viewer.user)).map((p) => ({ key: p.key, ...processWords(reader, p) })).sort((a, b) => a.name.localeCompare(b.name));
    sendDocument(res, 200, <NewListPage viewer={viewer} choices={choices} />);
  });

  router.get('/new/:key', requireSignIn, async (req, res) => {
    const process = await startableOf(viewerOf(req).user, String(req.params.key));
    await formPage(req, res, process, 200);
  });

  router.post('/new/:key', requireSignIn, async (req, res) => {
    const { user } = viewerOf(req);
    const process = await startableOf(user, String(req.params.key));
    const form = formOf(process, res);
    const parsed = await readTaskBody(req, res, form);
    if (parsed.refused) return formPage(req, res, process, parsed.refused.status, { values: parsed.body, errors: [parsed.refused.error] });
    await requireCsrf(req, res);
    const site = str(parsed.body[SITE_FIELD]) || undefined;
    const submission = await readSubmission(imsflow, { ...form, form: process.form }, parsed);
    if (submission.uploads.length && !attachments) {
      for (const upload of submission.uploads) submission.errors.push({ field: upload.field, message: 'attachments cannot be stored: the server has no data folder configured', say: { id: 'taskForm.problem.noDataFolder' } });
    }
    if (submission.errors.length) return formPage(req, res, process, 400, { values: parsed.body, errors: submission.errors, kept: submission.kept });
    try {
      // an attachment is stored before the record that names it; the start's audit event records its hash
      for (const upload of submission.uploads) await attachments!.save(upload.buffer);
      const started = await imsflow.startAs(process.key, { variables: submission.data, ...(site && { site }) }, user);
      res.redirect(303, `/new/${process.key}/started/${started.id}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return formPage(req, res, process, 400, { values: parsed.body, errors: err.fields.map((f) => personProblem(f) ?? f), kept: submission.kept });
    }
  });

  router.get('/new/:key/started/:id', requireSignIn, async (req, res) => {
    const viewer = viewerOf(req);
    const instance = await imsflow.queries.findInstance(String(req.params.id));
    if (!instance || instance.key !== req.params.key || !(await mayViewRecord(imsflow, viewer.user, instance))) throw new NotFoundError(`no record ${req.params.id}`);
    const words = new TaskWords(imsflow, res, titleFields);
    const reader = words.reader;
    const view = await imsflow.getInstance(instance.id);
    const open = view.tasks.filter((task) => task.status === 'open');
    const next: NextStep[] = await Promise.all(
      open.map(async (task) => {
        const person = await words.personName(task.assignee);
        const holder: NextStep['holder'] = person ?? task.assignee ? { person: person ?? task.assignee! } : { role: roleName(reader, task.candidateRole ?? ''), ...(task.site && { site: task.site }) };
        return { step: words.stepName(task), holder, ...(task.dueAt && { dueAt: task.dueAt }) };
      }),
    );
    const waitsUntil = open.length ? undefined : view.waitingOn.find((job) => job.kind === 'timer')?.dueAt;
    const names = await words.processNames();
    const title = recordTitle(instance, titleFields[instance.key]).title;
    sendDocument(
      res,
      200,
      <StartedPage state={{ viewer, process: names.get(instance.key) ?? instance.key, recordId: instance.id, businessKey: instance.businessKey, ...(title && { title }), next, ...(waitsUntil && { waitsUntil }) }} />,
    );
  });

  return router;
}
