import express, { type Request, type Response } from 'express';
import { AuthenticationError, type Accounts } from '../../engine/features/accounts/index.js';
import { NotFoundError, ValidationError, type FieldError } from '../../engine/kernel/errors.js';
import type { ProcessEngine } from '../../engine/process-engine.js';
import type { ExtensionRequest, TaskRecord, UserRecord } from '../../engine/kernel/model.js';
import { canSee, hasRole, holdsTask, OVERSEERS, visibleSites } from '../auth.js';
import type { AttachmentStore } from './attachments.js';
import { csrfField, e, formatUtc, notice, plural, sendPage, str, when, type Viewer } from './html.js';
import { directoryNames, person, type Names } from './records.js';
import { requireCsrf, requireSignIn, viewerOf } from './session.js';
import { credentialsFrom, notSignedMessage, signedBlock, signingPrompt } from './signature.js';
import { peopleFor, readTaskBody, renderTaskForm, submitTaskForm, whatHappensNext, type FormState, type Person } from './task-form.js';

/**
 * The task list (/tasks: mine, and my roles' unassigned ones, of my sites), the task page (/tasks/:id) and
 * the actions on a task: claim, release, delegate.
 */

const DAY = 24 * 3_600_000;
/** A task due within this long is "due soon". */
const DUE_SOON_MS = 2 * DAY;

interface DelegateState {
  taskId: string;
  values: { to: string; reason: string };
  errors: FieldError[];
}

type Back = 'list' | 'task';

/** A due-date extension form sent back with problems: the holder's request ('ask') or a decision on a request (its id). */
interface ExtensionState {
  form: 'ask' | { decide: string };
  values: { dueAt: string; reason: string };
  errors: FieldError[];
}

/** The first day (YYYY-MM-DD) whose end (23:59:59.999 UTC) is after the given time: the earliest date that extends it. */
function firstDayAfter(ms: number): string {
  const day = new Date(ms).toISOString().slice(0, 10);
  return Date.parse(`${day}T23:59:59.999Z`) > ms ? day : new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
}

export function taskPages(imsflow: ProcessEngine, accounts: Accounts, attachments: AttachmentStore | undefined): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 });
  const deps = { imsflow, attachments };

  /** A task the person may see: of their sites, and held, completed by them, or overseen. 404 otherwise. */
  async function visibleTask(user: UserRecord, id: string): Promise<TaskRecord> {
    const task = await imsflow.queries.findTask(id);
    if (!task || !canSee(user, task)) throw new NotFoundError(`no task ${id}`);
    if (!hasRole(user, OVERSEERS) && !holdsTask(user, task) && task.completedBy !== user.id) throw new NotFoundError(`no task ${id}`);
    return task;
  }

  const mayDelegate = (user: UserRecord, task: TaskRecord) => imsflow.tasks.mayReassign(user, task);

  function badge(task: TaskRecord, now: number): string {
    if (!task.dueAt) return '';
    const due = Date.parse(task.dueAt);
    if (due < now) return ' <span class="badge overdue">Overdue</span>';
    if (due - now <= DUE_SOON_MS) return ' <span class="badge soon">Due soon</span>';
    return '';
  }

  /** Claim, release and delegate, as the person may; on the list and on the task page. */
  function taskActions(task: TaskRecord, viewer: Viewer, people: Person[], back: Back, delegate?: DelegateState): string {
    const { user } = viewer;
    const hidden = `${csrfField(viewer)}<input type="hidden" name="back" value="${back}">`;
    const about = `<span class="vh"> “${e(task.name)}” (${e(task.businessKey)})</span>`;
    const parts: string[] = [];
    if (task.status !== 'open') return '';
    if (!task.assignee && task.candidateRole && user.roles.includes(task.candidateRole)) {
      parts.push(`<form method="post" action="/tasks/${e(task.id)}/claim">${hidden}<button type="submit">Claim${about}</button></form>`);
    }
    if (task.assignee === user.id && task.candidateRole) {
      const id = `release-${e(task.id)}`;
      parts.push(`<details><summary>Release to the ${e(task.candidateRole)} role${about}</summary><form method="post" action="/tasks/${e(task.id)}/release">${hidden}
<div class="field"><label for="${id}-reason">Reason (optional)</label><textarea id="${id}-reason" name="reason" rows="2" maxlength="2000"></textarea></div>
<button type="submit" class="secondary">Release${about}</button></form></details>`);
    }
    if (mayDelegate(user, task)) {
      const id = `delegate-${e(task.id)}`;
      const mine = delegate?.taskId === task.id ? delegate : undefined;
      const errorOf = (field: string) => mine?.errors.find((x) => x.field === field)?.message;
      const control = (field: 'to' | 'reason', html: (aria: string) => string) => {
        const error = errorOf(field);
        return `${error ? `<span class="error" id="${id}-${field}-error">${e(error)}</span>` : ''}${html(error ? ` aria-invalid="true" aria-describedby="${id}-${field}-error"` : '')}`;
      };
      const choices = people.filter((p) => p.id !== user.id && p.id !== task.assignee);
      parts.push(`<details${mine ? ' open' : ''}><summary>Delegate${about}</summary><form method="post" action="/tasks/${e(task.id)}/delegate">${hidden}
<div class="field"><label for="${id}-to">Delegate to (required)</label>${control(
        'to',
        (aria) =>
          `<select id="${id}-to" name="to" required${aria}><option value="">Choose a person…</option>${choices
            .map((p) => `<option value="${e(p.id)}"${mine?.values.to === p.id ? ' selected' : ''}>${e(p.name)}</option>`)
            .join('')}</select>`,
      )}</div>
<div class="field"><label for="${id}-reason">Reason (required)</label>${control('reason', (aria) => `<textarea id="${id}-reason" name="reason" rows="2" maxlength="2000" required${aria}>${e(mine?.values.reason ?? '')}</textarea>`)}</div>
<button type="submit" class="secondary">Delegate${about}</button></form></details>`);
    }
    return parts.length ? `<div class="actions">${parts.join('')}</div>` : '';
  }

  // ---- due-date extensions ----------------------------------------------------------------------------

  /** A control with its error above it, wired with aria-invalid and aria-describedby. */
  function control(id: string, error: string | undefined, html: (aria: string) => string, hintId?: string): string {
    const described = [error ? `${id}-error` : '', hintId ?? ''].filter(Boolean).join(' ');
    return `${error ? `<span class="error" id="${id}-error">${e(error)}</span>` : ''}${html(`${error ? ' aria-invalid="true"' : ''}${described ? ` aria-describedby="${described}"` : ''}`)}`;
  }

  function decisionOf(request: ExtensionRequest, task: TaskRecord, names: Names): string {
    if (request.status === 'pending') {
      return task.status === 'open'
        ? '<span class="badge pending">Pending</span> Waiting for a decision'
        : `<span class="badge pending">Pending</span> Not decided: the task was ${e(task.status)} first`;
    }
    const approved = request.status === 'approved';
    return `<span class="badge ${approved ? 'approved' : 'rejected'}">${approved ? 'Approved' : 'Rejected'}</span> by ${person(names, request.decidedBy)} on ${when(request.decidedAt)}${
      request.decisionReason ? `<br><span class="pre">${e(request.decisionReason)}</span>` : ''
    }`;
  }

  /**
   * The task's extension requests (who asked, when, from → to, why, the decision), the holder's form to
   * ask for more time, and an approver's form to approve or reject a pending request.
   */
  async function extensionSection(task: TaskRecord, viewer: Viewer, names: Names, state?: ExtensionState): Promise<string> {
    const { user } = viewer;
    const now = imsflow.clock.now().getTime();
    const requests = task.extensions ?? [];
    const pending = requests.find((r) => r.status === 'pending');
    const open = task.status === 'open';
    const mayAsk = open && Boolean(task.dueAt) && holdsTask(user, task) && !pending;
    const approver = open && pending ? await imsflow.mayDecideExtension(task, user) : false;
    if (!requests.length && !mayAsk) return '';
    const parts: string[] = [];
    if (requests.length) {
      const rows = requests
        .map(
          (r) =>
            `<tr id="extension-${e(r.id)}"><td data-label="Asked by">${person(names, r.requestedBy)}</td><td data-label="Asked on">${when(r.requestedAt)}</td><td data-label="Due date">${when(r.fromDueAt)} → ${when(r.toDueAt)}</td><td data-label="Reason" class="pre">${e(r.reason)}</td><td data-label="Decision">${decisionOf(r, task, names)}</td></tr>`,
        )
        .join('\n');
      parts.push(`<div class="table-wrap"><table class="stack extensions"><caption class="vh">Extension requests of “${e(task.name)}”</caption><thead><tr><th scope="col">Asked by</th><th scope="col">Asked on</th><th scope="col">Due date: from → to</th><th scope="col">Reason</th><th scope="col">Decision</th></tr></thead><tbody>
${rows}
</tbody></table></div>`);
    }
    if (pending && open && approver && pending.requestedBy === user.id) {
      parts.push('<p class="hint">You asked for this extension: another approver decides it.</p>');
    } else if (pending && open && approver) {
      const id = `decide-${e(pending.id)}`;
      const mine = state && typeof state.form === 'object' && state.form.decide === pending.id ? state : undefined;
      const error = mine?.errors.find((x) => x.field === 'reason' || x.field === 'decision')?.message;
      parts.push(`<form method="post" action="/tasks/${e(task.id)}/extensions/${e(pending.id)}/decision" class="decide">${csrfField(viewer)}
<p>${person(names, pending.requestedBy)} asks to move the due date from ${when(pending.fromDueAt)} to ${when(pending.toDueAt)}.</p>
<div class="field"><label for="${id}-reason">Reason for your decision (required)</label>${control(`${id}-reason`, error, (aria) => `<textarea id="${id}-reason" name="reason" rows="2" maxlength="2000" required${aria}>${e(mine?.values.reason ?? '')}</textarea>`)}</div>
<div class="actions"><button type="submit" name="decision" value="approve">Approve: due ${e(formatUtc(pending.toDueAt))}</button><button type="submit" name="decision" value="reject" class="secondary">Reject</button></div></form>`);
    } else if (pending && open && pending.requestedBy === user.id) {
      parts.push(`<p class="hint">Your request waits for a decision by the process owner. The task stays due ${when(task.dueAt)} until it is approved.</p>`);
    }
    if (mayAsk) {
      const id = 'extension-ask';
      const mine = state?.form === 'ask' ? state : undefined;
      const errorOf = (field: string) => mine?.errors.find((x) => x.field === field)?.message;
      const min = [firstDayAfter(Date.parse(task.dueAt!)), firstDayAfter(now)].sort().pop()!;
      parts.push(`<details${mine ? ' open' : ''}><summary>Ask for more time</summary><form method="post" action="/tasks/${e(task.id)}/extensions">${csrfField(viewer)}
<div class="field"><label for="${id}-dueAt">New due date (required)</label><p class="hint" id="${id}-dueAt-hint">After the current due date, ${e(formatUtc(task.dueAt!))}: due at the end of that day (UTC). As a date: YYYY-MM-DD.</p>${control(
        `${id}-dueAt`,
        errorOf('dueAt'),
        (aria) => `<input type="date" id="${id}-dueAt" name="dueAt" min="${min}" value="${e(mine?.values.dueAt ?? '')}" required${aria}>`,
        `${id}-dueAt-hint`,
      )}</div>
<div class="field"><label for="${id}-reason">Reason (required)</label>${control(`${id}-reason`, errorOf('reason'), (aria) => `<textarea id="${id}-reason" name="reason" rows="3" maxlength="2000" required${aria}>${e(mine?.values.reason ?? '')}</textarea>`)}</div>
<p class="hint">The process owner approves or rejects the request; until then the due date stays as it is.</p>
<button type="submit" class="secondary">Ask for more time</button></form></details>`);
    }
    return `<section aria-labelledby="extensions-title"><h2 id="extensions-title">Due date extensions</h2>${parts.join('\n')}</section>`;
  }

  // ---- the task list --------------------------------------------------------------------------------

  async function listPage(req: Request, res: Response, status: number, delegate?: DelegateState): Promise<void> {
    const viewer = viewerOf(req);
    const { user } = viewer;
    const now = imsflow.clock.now().getTime();
    const sites = visibleSites(user);
    const all = await imsflow.listTasks({ status: 'open', forUser: { id: user.id, roles: user.roles }, sites, limit: 1000 });
    const definitions = new Map<string, string>();
    for (const d of await imsflow.listDefinitions()) definitions.set(d.key, d.name);
    const processName = (key: string) => definitions.get(key) ?? key;

    const processes = [...new Set(all.map((t) => t.definitionKey))].sort((a, b) => processName(a).localeCompare(processName(b)));
    const siteChoices = [...new Set([...(sites ?? []), ...all.flatMap((t) => (t.site ? [t.site] : []))])].sort();
    const process = processes.includes(str(req.query.process)) ? str(req.query.process) : '';
    const site = siteChoices.includes(str(req.query.site)) ? str(req.query.site) : '';
    const due = ['overdue', 'week'].includes(str(req.query.due)) ? str(req.query.due) : '';
    const sort = str(req.query.sort) === 'created' ? 'created' : 'due';

    const endOfWeek = (() => {
      const d = new Date(now);
      const daysToSunday = (7 - d.getUTCDay()) % 7;
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + daysToSunday + 1);
    })();
    const shown = all
      .filter((t) => !process || t.definitionKey === process)
      .filter((t) => !site || t.site === site)
      .filter((t) => {
        if (!due) return true;
        if (!t.dueAt) return false;
        const at = Date.parse(t.dueAt);
        return due === 'overdue' ? at < now : at >= now && at < endOfWeek;
      })
      .sort((a, b) => {
        if (sort === 'created') return b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);
        return (a.dueAt ?? '\uffff').localeCompare(b.dueAt ?? '\uffff') || a.createdAt.localeCompare(b.createdAt);
      });
    const mine = shown.filter((t) => t.assignee === user.id);
    const roles = shown.filter((t) => !t.assignee);

    const peopleBySite = new Map<string, Person[]>();
    const peopleOf = async (task: TaskRecord) => {
      const key = task.site ?? '';
      if (!peopleBySite.has(key)) peopleBySite.set(key, await peopleFor(imsflow, task));
      return peopleBySite.get(key)!;
    };
    const names = await directoryNames(imsflow);
    const item = async (task: TaskRecord) => `<li id="task-${e(task.id)}"><h3><a href="/tasks/${e(task.id)}">${e(task.name)}</a>${badge(task, now)}</h3>
<p class="meta"><a href="/records/${e(task.instanceId)}">${e(task.businessKey)}</a> · ${e(processName(task.definitionKey))}${task.site ? ` · Site ${e(task.site)}` : ''}</p>
<p class="meta">${task.dueAt ? `Due ${when(task.dueAt)}` : 'No due date'} · Created ${when(task.createdAt)}${
      task.assignee ? '' : task.candidateRole ? ` · For the ${e(task.candidateRole)} role` : ''
    }${task.assignee && task.assignee !== user.id ? ` · Assigned to ${person(names, task.assignee)}` : ''}</p>
${taskActions(task, viewer, await peopleOf(task), 'list', delegate)}</li>`;
    const section = async (id: string, title: string, tasks: TaskRecord[], empty: string) =>
      `<section aria-labelledby="${id}"><h2 id="${id}">${title} (${tasks.length})</h2>${
        tasks.length ? `<ul class="tasks">${(await Promise.all(tasks.map(item))).join('\n')}</ul>` : `<p>${empty}</p>`
      }</section>`;

    const option = (value: string, label: string, selected: string) => `<option value="${e(value)}"${value === selected ? ' selected' : ''}>${e(label)}</option>`;
    const filters = `<form method="get" action="/tasks"><fieldset><legend>Filter and sort</legend><div class="filters">
<div class="field"><label for="filter-process">Process</label><select id="filter-process" name="process">${option('', 'All processes', process)}${processes
      .map((key) => option(key, processName(key), process))
      .join('')}</select></div>
${siteChoices.length > 1 ? `<div class="field"><label for="filter-site">Site</label><select id="filter-site" name="site">${option('', 'All my sites', site)}${siteChoices.map((s) => option(s, s, site)).join('')}</select></div>` : ''}
<div class="field"><label for="filter-due">Due</label><select id="filter-due" name="due">${option('', 'Any time', due)}${option('overdue', 'Overdue', due)}${option('week', 'Due this week (by Sunday, UTC)', due)}</select></div>
<div class="field"><label for="filter-sort">Sort by</label><select id="filter-sort" name="sort">${option('due', 'Due date, soonest first', sort)}${option('created', 'Created, newest first', sort)}</select></div>
</div><p><button type="submit">Apply</button> <a href="/tasks">Clear filters</a></p></fieldset></form>`;

    sendPage(res, status, {
      title: 'Tasks',
      viewer,
      current: 'tasks',
      body: `${await doneNotice(req, user)}${delegate ? notice('alert', '<p>The task was not delegated: see the problems below.</p>') : ''}${filters}
<p role="status">${plural(shown.length, 'task')} shown${shown.length !== all.length ? ` of ${all.length}` : ''}.</p>
${await section('mine', 'My tasks', mine, 'No task is assigned to you.')}
${await section('roles', 'My roles’ tasks', roles, 'No unassigned task is waiting for your roles.')}`,
    });
  }

  /** The confirmation after claim, release or delegate (the actions redirect here). */
  async function doneNotice(req: Request, user: UserRecord): Promise<string> {
    const done = str(req.query.done);
    if (done === 'delegated') return notice('status', '<p>The task was delegated. Its new holder has been told.</p>');
    if (done !== 'claimed' && done !== 'released') return '';
    const task = await imsflow.queries.findTask(str(req.query.task));
    const seen = task && canSee(user, task) && (holdsTask(user, task) || hasRole(user, OVERSEERS));
    const what = seen ? `“${e(task.name)}” (${e(task.businessKey)})` : 'The task';
    return notice('status', done === 'claimed' ? `<p>${what} is now assigned to you.</p>` : `<p>${what} is back with the ${e(task?.candidateRole ?? '')} role.</p>`);
  }

  router.get('/tasks', requireSignIn, async (req, res) => {
    await listPage(req, res, 200);
  });

  // ---- one task -------------------------------------------------------------------------------------

  async function taskPage(req: Request, res: Response, task: TaskRecord, status: number, state: FormState = {}, delegate?: DelegateState, extension?: ExtensionState): Promise<void> {
    const viewer = viewerOf(req);
    const { user } = viewer;
    const now = imsflow.clock.now().getTime();
    const [definition, names, people] = await Promise.all([imsflow.queries.findDefinition(task.definitionKey), directoryNames(imsflow), peopleFor(imsflow, task)]);
    const holder =
      task.status === 'completed'
        ? `Completed by ${person(names, task.completedBy)}`
        : task.status === 'cancelled'
          ? 'Nobody: the task was cancelled'
          : task.assignee
            ? `Assigned to ${person(names, task.assignee)}`
            : task.candidateRole
              ? `For the ${e(task.candidateRole)} role (not yet claimed)`
              : 'Nobody';
    const facts = `<dl class="facts">
<dt>Record</dt><dd><a href="/records/${e(task.instanceId)}">${e(task.businessKey)}</a></dd>
<dt>Process</dt><dd>${e(definition?.name ?? task.definitionKey)}</dd>
${task.site ? `<dt>Site</dt><dd>${e(task.site)}</dd>` : ''}
<dt>Due</dt><dd>${task.dueAt ? `${when(task.dueAt)}${task.status === 'open' ? badge(task, now) : ''}` : 'No due date'}</dd>
<dt>Who</dt><dd>${holder}</dd>
</dl>`;
    let main: string;
    if (task.status === 'completed') {
      const signed = task.signature ? (await imsflow.queries.signaturesOfTask(task.id)).map(signedBlock).join('') : '';
      main =
        task.completedBy === user.id
          ? `${notice('status', `<p>You completed “${e(task.name)}” for ${e(task.businessKey)} on ${when(task.completedAt)}.</p>`)}${signed}${await whatHappensNext(imsflow, task)}`
          : `<p>Completed by ${person(names, task.completedBy)} on ${when(task.completedAt)}.</p>${signed}`;
      main += `<p><a href="/records/${e(task.instanceId)}">See the record</a> · <a href="/tasks">Back to my tasks</a></p>`;
    } else if (task.status === 'cancelled') {
      main = `<p>This task was cancelled. <a href="/records/${e(task.instanceId)}">See the record</a>.</p>`;
    } else if (holdsTask(user, task)) {
      const signing = signingPrompt(task, req.principal);
      main = `${taskActions(task, viewer, people, 'task', delegate)}${renderTaskForm(task, { ...state, action: `/tasks/${task.id}`, csrf: viewer.csrf, people, signing })}`;
    } else {
      main = `<p>This task is not yours to complete: you see it because you oversee records of this site.</p>${taskActions(task, viewer, people, 'task', delegate)}`;
    }
    const done = EXTENSION_DONE[str(req.query.done)];
    const extensions = await extensionSection(task, viewer, names, extension);
    const problem = extension ? notice('alert', '<p>Nothing was changed: see the problems below.</p>') : '';
    sendPage(res, status, { title: task.name, viewer, current: 'tasks', body: `${done && !extension ? notice('status', `<p>${done}</p>`) : ''}${problem}${facts}\n${extensions}\n${main}` });
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
    const people = await peopleFor(imsflow, task);
    /** A refused re-authentication: nothing is completed and the form comes back (401) with the reason. */
    let notSigned = false;
    const outcome = await submitTaskForm(deps, task, user.id, parsed, people, async (data) => {
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
        throw new ValidationError('not signed', [{ field: 'signature', message: notSignedMessage(err, imsflow.clock.now()) }]);
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
    const task = await visibleTask(user, String(req.params.id));
    const values = { to: str(req.body?.to), reason: str(req.body?.reason).trim() };
    const people = await peopleFor(imsflow, task);
    const errors: FieldError[] = [];
    if (!values.to) errors.push({ field: 'to', message: 'Choose the person who takes the task over.' });
    else if (values.to === user.id || values.to === task.assignee || !people.some((p) => p.id === values.to)) errors.push({ field: 'to', message: 'Choose a person from the list.' });
    if (!values.reason) errors.push({ field: 'reason', message: 'Give a reason: it goes into the audit trail.' });
    else if (values.reason.length > 2000) errors.push({ field: 'reason', message: 'Keep the reason to 2000 characters.' });
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
    const task = await visibleTask(user, String(req.params.id));
    const values = { dueAt: str(req.body?.dueAt).trim(), reason: str(req.body?.reason).trim() };
    const errors: FieldError[] = [];
    if (!values.dueAt) errors.push({ field: 'dueAt', message: 'Choose the new due date.' });
    if (!values.reason) errors.push({ field: 'reason', message: 'Give a reason: it goes into the audit trail.' });
    if (!errors.length) {
      try {
        await imsflow.requestExtension(task.id, values, user.id);
        return res.redirect(303, `/tasks/${task.id}?done=extension-requested`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        errors.push(...err.fields.map((f) => ({ field: f.field, message: `${f.field === 'dueAt' ? 'The new due date' : 'The reason'} ${f.message}.` })));
      }
    }
    await taskPage(req, res, task, 400, {}, undefined, { form: 'ask', values, errors });
  });

  router.post('/tasks/:id/extensions/:requestId/decision', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const { user } = viewerOf(req);
    const task = await visibleTask(user, String(req.params.id));
    const requestId = String(req.params.requestId);
    const values = { dueAt: '', reason: str(req.body?.reason).trim() };
    const decision = str(req.body?.decision);
    const errors: FieldError[] = [];
    if (decision !== 'approve' && decision !== 'reject') errors.push({ field: 'decision', message: 'Choose Approve or Reject.' });
    if (!values.reason) errors.push({ field: 'reason', message: 'Give a reason for your decision: it goes into the audit trail.' });
    if (!errors.length) {
      try {
        await imsflow.decideExtension(task.id, requestId, { decision, reason: values.reason }, user.id);
        return res.redirect(303, `/tasks/${task.id}?done=extension-${decision === 'approve' ? 'approved' : 'rejected'}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        errors.push(...err.fields.map((f) => ({ field: f.field, message: `The ${f.field} ${f.message}.` })));
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

/** The confirmation after an extension was asked for or decided (the forms redirect to the task page). */
const EXTENSION_DONE: Record<string, string | undefined> = {
  'extension-requested': 'Your request for more time was sent to the process owner. The due date stays as it is until it is approved.',
  'extension-approved': 'The extension was approved: the task has its new due date, and its reminders follow it.',
  'extension-rejected': 'The extension was rejected: the due date stays as it is. The person who asked has been told.',
};
