/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request, type Response } from 'express';
import { AuthenticationError, type Accounts } from '../../../engine/features/accounts/index.js';
import { NotFoundError, ValidationError, type FieldError } from '../../../engine/kernel/errors.js';
import type { TaskRecord, UserRecord } from '../../../engine/kernel/model.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { canSee, hasRole, holdsTask, OVERSEERS, visibleSites } from '../../auth.js';
import type { AttachmentStore } from '../attachments.js';
import { str } from '../basics.js';
import { requireCsrf, requireSignIn, viewerOf } from '../session.js';
import { credentialsFrom, notSignedMessage, signingPrompt } from '../signature.js';
import { readerOf } from '../reader.js';
import { sendDocument } from '../render.js';
import { clauseCatalogue } from '../task-form/clauses.js';
import { nextSteps } from '../task-form/NextSteps.js';
import { choicesFor, peopleFor, readTaskBody, submitTaskForm, type FormState, type Person } from '../task-form/submit.js';
import { readingOf } from './Reading.js';
import { TaskListPage, type TaskFilter } from './TaskListPage.js';
import { TaskPage } from './TaskPage.js';
import { roleName } from '../task-form/words.js';
import { TaskWords, type DelegateState, type ExtensionState, type TaskView } from './view.js';
import { endOfDay, endOfWeek, firstDayAfter, isDay } from './zone.js';

/**
 * The task list (/tasks: mine, and my roles' unassigned ones, of my sites), the task page (/tasks/:id) and
 * the actions on a task: claim, release, delegate, ask for more time and decide on it. Pages are built from
 * components (./TaskListPage.tsx, ./TaskPage.tsx) in the reader's language and on their clock.
 */
export interface TaskPagesOptions {
  imsflow: ProcessEngine;
  accounts: Accounts;
  attachments: AttachmentStore | undefined;
  /** The start-form fields that title each process's records (ProcessPack.titleFields), by process key. */
  titleFields?: Record<string, string[]>;
}

export function taskPages({ imsflow, accounts, attachments, titleFields = {} }: TaskPagesOptions): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 });
  const deps = { imsflow, attachments };
  const words = (res: Response) => new TaskWords(imsflow, res, titleFields);

  /** A task the person may see: of their sites, and held, completed by them, or overseen. 404 otherwise. */
  async function visibleTask(user: UserRecord, id: string): Promise<TaskRecord> {
    const task = await imsflow.queries.findTask(id);
    if (!task || !canSee(user, task)) throw new NotFoundError(`no task ${id}`);
    if (!hasRole(user, OVERSEERS) && !holdsTask(user, task) && task.completedBy !== user.id) throw new NotFoundError(`no task ${id}`);
    return task;
  }

  const mayDelegate = (user: UserRecord, task: TaskRecord) => imsflow.tasks.mayReassign(user, task);

  // ---- the task list --------------------------------------------------------------------------------

  async function listPage(req: Request, res: Response, status: number, delegate?: DelegateState): Promise<void> {
    const viewer = viewerOf(req);
    const { user } = viewer;
    const w = words(res);
    const { t, timeZone } = w.reader;
    const now = imsflow.clock.now().getTime();
    const sites = visibleSites(user);
    const all = await imsflow.listTasks({ status: 'open', forUser: { id: user.id, roles: user.roles, standingInFor: user.standingInFor }, sites, limit: 1000 });
    const names = await w.processNames();
    const processName = (key: string) => names.get(key) ?? key;

    const processes = [...new Set(all.map((task) => task.definitionKey))].sort((a, b) => processName(a).localeCompare(processName(b)));
    const siteChoices = [...new Set([...(sites ?? []), ...all.flatMap((task) => (task.site ? [task.site] : []))])].sort();
    const filter: TaskFilter = {
      process: processes.includes(str(req.query.process)) ? str(req.query.process) : '',
      site: siteChoices.includes(str(req.query.site)) ? str(req.query.site) : '',
      due: str(req.query.due) === 'overdue' ? 'overdue' : str(req.query.due) === 'week' ? 'week' : '',
      sort: str(req.query.sort) === 'created' ? 'created' : 'due',
    };
    // "this week" ends when Sunday ends on the reader's clock
    const weekEnds = endOfWeek(now, timeZone);
    const shown = all
      .filter((task) => !filter.process || task.definitionKey === filter.process)
      .filter((task) => !filter.site || task.site === filter.site)
      .filter((task) => {
        if (!filter.due) return true;
        if (!task.dueAt) return false;
        const at = Date.parse(task.dueAt);
        return filter.due === 'overdue' ? at < now : at >= now && at < weekEnds;
      })
      .sort((a, b) => {
        if (filter.sort === 'created') return b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);
        return (a.dueAt ?? '\uffff').localeCompare(b.dueAt ?? '\uffff') || a.createdAt.localeCompare(b.createdAt);
      });
    const views = await Promise.all(shown.map((task) => w.view(task)));
    const peopleBySite = new Map<string, Promise<Person[]>>();
    const people = new Map<string, Person[]>();
    const delegable = new Set<string>();
    for (const { task } of views) {
      const site = task.site ?? '';
      if (!peopleBySite.has(site)) peopleBySite.set(site, peopleFor(imsflow, task));
      people.set(task.id, await peopleBySite.get(site)!);
      if (mayDelegate(user, task)) delegable.add(task.id);
    }
    sendDocument(
      res,
      status,
      <TaskListPage
        state={{
          viewer,
          now: new Date(now).toISOString(),
          filter,
          processes: processes.map((key) => ({ key, name: processName(key) })),
          sites: siteChoices,
          mine: views.filter((v) => v.task.assignee === user.id || Boolean(v.task.assignee && user.standingInFor?.includes(v.task.assignee))),
          roles: views.filter((v) => !v.task.assignee),
          total: all.length,
          done: await doneNotice(req, user, w, t),
          ...(delegate && { delegate }),
          people,
          mayDelegate: delegable,
        }}
      />,
    );
  }

  /** The confirmation after claim, release or delegate (the actions redirect here). */
  async function doneNotice(req: Request, user: UserRecord, w: TaskWords, t: TaskWords['reader']['t']): Promise<string | undefined> {
    const done = str(req.query.done);
    if (done === 'delegated') return t('tasks.done.delegated');
    if (done !== 'claimed' && done !== 'released') return undefined;
    const task = await imsflow.queries.findTask(str(req.query.task));
    const seen = task && canSee(user, task) && (holdsTask(user, task) || hasRole(user, OVERSEERS));
    if (!seen) return done === 'claimed' ? t('tasks.done.claimedSome') : t('tasks.done.releasedSome');
    const view = await w.view(task);
    return done === 'claimed' ? t('tasks.done.claimed', { step: view.step, record: view.record.text }) : t('tasks.done.released', { step: view.step, record: view.record.text, role: roleName(w.reader, task.candidateRole ?? '') });
  }

  router.get('/tasks', requireSignIn, async (req, res) => {
    await listPage(req, res, 200);
  });

  // ---- one task -------------------------------------------------------------------------------------

  async function taskPage(req: Request, res: Response, task: TaskRecord, status: number, state: FormState = {}, delegate?: DelegateState, extension?: ExtensionState): Promise<void> {
    const viewer = viewerOf(req);
    const { user } = viewer;
    const w = words(res);
    const { t } = w.reader;
    const now = imsflow.clock.now().getTime();
    const [view, names, people, instance, choices] = await Promise.all([w.view(task), w.people(), peopleFor(imsflow, task), w.instance(task.instanceId), choicesFor(imsflow, task, w.reader)]);
    const requests = task.extensions ?? [];
    const pending = requests.find((r) => r.status === 'pending');
    const open = task.status === 'open';
    const holds = open && holdsTask(user, task);
    const done = EXTENSION_DONE[str(req.query.done)];
    const completedByMe = task.status === 'completed' && task.completedBy === user.id;
    sendDocument(
      res,
      status,
      <TaskPage
        state={{
          view,
          viewer,
          now: new Date(now).toISOString(),
          people,
          choices,
          mayDelegate: mayDelegate(user, task),
          holds,
          form: state,
          ...(holds && { signing: signingPrompt(task, req.principal, view.record.text) }),
          catalogue: clauseCatalogue(imsflow),
          signatures: task.status === 'completed' && task.signature ? await imsflow.queries.signaturesOfTask(task.id) : [],
          ...(completedByMe && { next: await nextSteps(imsflow, task) }),
          stepName: (other) => w.stepName(other),
          reading: await readingOf(imsflow, instance, user, (key, authored) => w.reader.translated(`${key}.process.name`, authored)),
          extensions: {
            task,
            step: view.step,
            viewer,
            names,
            mayAsk: open && Boolean(task.dueAt) && holdsTask(user, task) && !pending,
            approver: open && pending ? await imsflow.mayDecideExtension(task, user) : false,
            ...(task.dueAt && { minDay: [firstDayAfter(Date.parse(task.dueAt), w.reader.timeZone), firstDayAfter(now, w.reader.timeZone)].sort().pop()! }),
            ...(extension && { state: extension }),
          },
          ...(done && !extension && { done: t(done) }),
          ...(extension && { problem: t('tasks.extensions.nothingChanged') }),
          ...(delegate && { delegate }),
        }}
      />,
    );
  }

  router.get('/tasks/:id', requireSignIn, async (req, res) => {
    const task = await visibleTask(viewerOf(req).user, String(req.params.id));
    await taskPage(req, res, task, 200);
  });

  router.post('/tasks/:id', requireSignIn, async (req, res) => {
    const { user } = viewerOf(req);
    const task = await visibleTask(user, String(req.params.id));
    if (task.status !== 'open') {
      // A form sent twice (a double click, a reload): the first one completed it.
      if (task.completedBy === user.id) return res.redirect(303, `/tasks/${task.id}`);
      return taskPage(req, res, task, 409);
    }
    // who may complete it (holder, site, separation of duties) is asked before anything sent is stored
    const principal = req.principal!;
    await imsflow.tasks.checkMayComplete(principal, task.id);
    const parsed = await readTaskBody(req, res, task);
    // Nothing is stored for a refused body, so the form comes back without the CSRF check its body would carry.
    if (!parsed.refused) await requireCsrf(req, res);
    /** A refused re-authentication: nothing is completed and the form comes back (401) with the reason. */
    let notSigned = false;
    const outcome = await submitTaskForm(deps, task, user.id, parsed, async (data) => {
      try {
        return await imsflow.tasks.complete({
          principal,
          arrival: { via: principal.apiToken ? 'api-token' : 'session' },
          taskId: task.id,
          data,
          ...(task.signature && { signature: credentialsFrom(parsed.body) }),
          accounts,
        });
      } catch (err) {
        if (!(err instanceof AuthenticationError)) throw err;
        notSigned = true;
        throw new ValidationError('not signed', [{ field: 'signature', message: notSignedMessage(readerOf(res), err, imsflow.clock.now()) }]);
      }
    });
    if (!outcome.ok) return taskPage(req, res, task, notSigned ? 401 : outcome.status, outcome.state);
    res.redirect(303, `/tasks/${task.id}`);
  });

  // ---- claim, release, delegate -------------------------------------------------------------------------

  const backTo = (req: Request, task: TaskRecord, query: string) => (str(req.body?.back) === 'task' ? `/tasks/${task.id}` : `/tasks?${query}`);

  router.post('/tasks/:id/claim', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const { user } = viewerOf(req);
    const task = await visibleTask(user, String(req.params.id));
    await imsflow.tasks.claim(req.principal!, task.id);
    res.redirect(303, backTo(req, task, `done=claimed&task=${encodeURIComponent(task.id)}`));
  });

  router.post('/tasks/:id/release', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const { user } = viewerOf(req);
    const task = await visibleTask(user, String(req.params.id));
    await imsflow.tasks.release(req.principal!, task.id, str(req.body?.reason));
    res.redirect(303, backTo(req, task, `done=released&task=${encodeURIComponent(task.id)}`));
  });

  router.post('/tasks/:id/delegate', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const { user } = viewerOf(req);
    const { t } = words(res).reader;
    const task = await visibleTask(user, String(req.params.id));
    const values = { to: str(req.body?.to), reason: str(req.body?.reason).trim() };
    const people = await peopleFor(imsflow, task);
    const errors: FieldError[] = [];
    if (!values.to) errors.push({ field: 'to', message: t('tasks.actions.problem.noPerson') });
    else if (values.to === user.id || values.to === task.assignee || !people.some((p) => p.id === values.to)) errors.push({ field: 'to', message: t('tasks.actions.problem.fromList') });
    if (!values.reason) errors.push({ field: 'reason', message: t('tasks.actions.problem.noReason') });
    else if (values.reason.length > 2000) errors.push({ field: 'reason', message: t('tasks.actions.problem.longReason', { max: 2000 }) });
    if (errors.length) {
      const state = { taskId: task.id, values, errors };
      return str(req.body?.back) === 'task' ? taskPage(req, res, task, 400, {}, state) : listPage(req, res, 400, state);
    }
    await imsflow.tasks.reassign(req.principal!, task.id, { assignee: values.to, candidateRole: task.candidateRole }, values.reason);
    res.redirect(303, str(req.body?.back) === 'task' && hasRole(user, OVERSEERS) ? `/tasks/${task.id}` : '/tasks?done=delegated');
  });

  // ---- due-date extensions: ask, decide ----------------------------------------------------------------

  router.post('/tasks/:id/extensions', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const { user } = viewerOf(req);
    const { t, timeZone } = words(res).reader;
    const task = await visibleTask(user, String(req.params.id));
    const values = { dueAt: str(req.body?.dueAt).trim(), reason: str(req.body?.reason).trim() };
    const errors: FieldError[] = [];
    if (!values.dueAt) errors.push({ field: 'dueAt', message: t('tasks.extensions.problem.noDate') });
    else if (!isDay(values.dueAt)) errors.push({ field: 'dueAt', message: t('tasks.extensions.problem.notADate') });
    if (!values.reason) errors.push({ field: 'reason', message: t('tasks.actions.problem.noReason') });
    if (!errors.length) {
      try {
        // a day is due when it ends where the person asking is
        await imsflow.requestExtension(task.id, { dueAt: new Date(endOfDay(values.dueAt, timeZone)).toISOString(), reason: values.reason }, user.id);
        return res.redirect(303, `/tasks/${task.id}?done=extension-requested`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        errors.push(...err.fields.map((f) => ({ field: f.field, message: extensionProblem(t, f) })));
      }
    }
    await taskPage(req, res, task, 400, {}, undefined, { form: 'ask', values, errors });
  });

  router.post('/tasks/:id/extensions/:requestId/decision', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const { user } = viewerOf(req);
    const { t } = words(res).reader;
    const task = await visibleTask(user, String(req.params.id));
    const requestId = String(req.params.requestId);
    const values = { dueAt: '', reason: str(req.body?.reason).trim() };
    const decision = str(req.body?.decision);
    const errors: FieldError[] = [];
    if (decision !== 'approve' && decision !== 'reject') errors.push({ field: 'decision', message: t('tasks.extensions.problem.noDecision') });
    if (!values.reason) errors.push({ field: 'reason', message: t('tasks.extensions.problem.noDecisionReason') });
    if (!errors.length) {
      try {
        await imsflow.decideExtension(task.id, requestId, { decision, reason: values.reason }, user.id);
        return res.redirect(303, `/tasks/${task.id}?done=extension-${decision === 'approve' ? 'approved' : 'rejected'}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        errors.push(...err.fields.map((f) => ({ field: f.field, message: extensionProblem(t, f) })));
      }
    }
    await taskPage(req, res, task, 400, {}, undefined, { form: { decide: requestId }, values, errors });
  });

  // A form posted after the session ended comes back here after signing in: to the task page.
  router.get(['/tasks/:id/extensions', '/tasks/:id/extensions/:requestId/decision'], requireSignIn, (req, res) => {
    res.redirect(303, `/tasks/${encodeURIComponent(String(req.params.id))}`);
  });

  return router;
}

/** The engine's problems with a request, in the reader's words (its own name times as ISO, which no one should read). */
function extensionProblem(t: TaskWords['reader']['t'], problem: FieldError): string {
  if (problem.field === 'dueAt') return /after the current/.test(problem.message) ? t('tasks.extensions.problem.notAfter') : /future/.test(problem.message) ? t('tasks.extensions.problem.past') : t('tasks.extensions.problem.notADate');
  if (problem.field === 'reason') return /characters|long/.test(problem.message) ? t('tasks.actions.problem.longReason', { max: 2000 }) : t('tasks.actions.problem.noReason');
  return problem.message;
}

/** The confirmation after an extension was asked for or decided (the forms redirect to the task page): its message id. */
const EXTENSION_DONE: Record<string, string | undefined> = {
  'extension-requested': 'tasks.extensions.done.requested',
  'extension-approved': 'tasks.extensions.done.approved',
  'extension-rejected': 'tasks.extensions.done.rejected',
};

export type { TaskView };
