/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { parse as parseCookies } from 'cookie';
import express from 'express';
import { AuthenticationError, type Accounts, type Principal } from '../../engine/features/accounts/index.js';
import { ConflictError, NotPermittedError, ValidationError } from '../../engine/kernel/errors.js';
import type { ProcessEngine } from '../../engine/process-engine.js';
import { describeRefusal, type TaskLinkSigner, type RefusedLink } from '../../engine/features/task-links/index.js';
import type { TaskRecord, UserRecord } from '../../engine/kernel/model.js';
import type { SignatureRecord } from '../../engine/features/signatures/index.js';
import { escalationLevel, isOverdue, recordTitle, type RecordTitle } from '../../engine/kernel/present/index.js';
import { SESSION_COOKIE } from '../auth.js';
import type { AttachmentStore } from './attachments.js';
import { pageHeaders } from './basics.js';
import { TaskBadges } from './components/Badges.js';
import { Notice } from './components/Notice.js';
import { Shell } from './components/Shell.js';
import { When, ZoneNote } from './components/Time.js';
import { readAs, readerOf, ReaderProvider, useReader } from './reader.js';
import { renderDocument } from './render.js';
import { clauseCatalogue } from './task-form/clauses.js';
import { nextSteps, NextStepsPart, type NextSteps } from './task-form/NextSteps.js';
import { SignedBlock } from './components/Signature.js';
import { credentialsFrom, notSignedMessage, signingPrompt, type SigningPrompt } from './signature.js';
import { choicesFor, peopleFor, readTaskBody, submitTaskForm, type FieldChoices, type FormState, type Person } from './task-form/submit.js';
import { TaskForm } from './task-form/TaskForm.js';
import { stepName } from './task-form/words.js';
import { catalogueOf } from './tasks/view.js';

/**
 * Task pages opened from email links (`/t/<token>`): the signed token stands in for a login for that one
 * task and that one person, who reads the page in their own language and on their own clock (readAs).
 * Server-rendered, no JavaScript needed. The form is the signed-in task page's own (./task-form/), so both
 * stay the same: every field type, attachments included.
 */
export function taskLinkPages(imsflow: ProcessEngine, links: TaskLinkSigner, attachments?: AttachmentStore, accounts?: Accounts, titleFields: Record<string, string[]> = {}): express.Router {
  const router = express.Router();

  /**
   * Who signs through a link: the link's person. A link is no continuous session, so a signature needs
   * email and password (21 CFR 11.200), unless this browser holds a session of the same person that has
   * signed already: then the password alone, as in the API.
   */
  async function signerOf(req: express.Request, user: UserRecord): Promise<Principal | undefined> {
    if (!user.active) return undefined;
    const cookie = parseCookies(req.get('cookie') ?? '')[SESSION_COOKIE];
    const session = accounts && cookie ? await accounts.session(cookie) : undefined;
    return session?.user.id === user.id ? session : { user };
  }

  /** The task as the page names it: its step in the reader's words, the record it is about by its title. */
  async function named(res: express.Response, task: TaskRecord): Promise<Named> {
    const instance = await imsflow.queries.findInstance(task.instanceId);
    const reader = readerOf(res);
    return {
      task,
      step: stepName(reader, catalogueOf(res), task),
      record: instance ? recordTitle(instance, titleFields[task.definitionKey]) : { key: task.businessKey, text: task.businessKey },
    };
  }

  async function formPage(res: express.Response, status: number, task: TaskRecord, token: string, state: FormState, people: Person[], signing?: SigningPrompt): Promise<void> {
    const shown = await named(res, task);
    const choices = await choicesFor(imsflow, task, readerOf(res));
    send(res, status, <FormPage named={shown} token={token} state={state} people={people} choices={choices} signing={signing} now={imsflow.clock.now().toISOString()} catalogue={clauseCatalogue(imsflow)} />);
  }

  router.get('/t/:token', async (req, res) => {
    const opened = await imsflow.queries.openLink(links, req.params.token);
    if (!opened.ok) return refusal(res, opened);
    readAs(res, opened.user);
    const signing = opened.task.signature ? signingPrompt(opened.task, await signerOf(req, opened.user), (await named(res, opened.task)).record.text) : undefined;
    await formPage(res, 200, opened.task, req.params.token, {}, await peopleFor(imsflow, opened.task), signing);
  });

  router.post('/t/:token', async (req, res) => {
    const opened = await imsflow.queries.openLink(links, req.params.token);
    if (!opened.ok) return refusal(res, opened);
    readAs(res, opened.user);
    const { task, record } = opened;
    const signer = task.signature ? await signerOf(req, opened.user) : undefined;
    const principal = signer ?? { user: opened.user };
    // who may complete it (separation of duties too) is asked before anything sent is stored
    const mayComplete = await imsflow.tasks.checkMayComplete(principal, task.id).catch((err: unknown) => err);
    if (mayComplete instanceof NotPermittedError) return notPermitted(res, mayComplete);
    if (mayComplete instanceof Error) throw mayComplete;
    const parsed = await readTaskBody(req, res, task);
    const people = await peopleFor(imsflow, task);
    if (task.signature && (!signer || !accounts)) {
      return send(res, 403, <Message titleId="emailLink.cannotSign.title" lines={[{ id: 'emailLink.cannotSign.message' }]} />);
    }
    const signing = signingPrompt(task, signer, (await named(res, task)).record.text);
    /** A refused re-authentication: nothing is completed and the form comes back (401) with the reason. */
    let notSigned = false;
    try {
      const outcome = await submitTaskForm({ imsflow, attachments }, task, record.userId, parsed, async (data) => {
        try {
          return await imsflow.tasks.complete({
            principal,
            arrival: { via: 'link', linkTokenId: record.id },
            taskId: task.id,
            data,
            ...(task.signature && { signature: credentialsFrom(parsed.body) }),
            ...(accounts && { accounts }),
          });
        } catch (err) {
          if (!(err instanceof AuthenticationError)) throw err;
          notSigned = true;
          throw new ValidationError('not signed', [{ field: 'signature', message: notSignedMessage(readerOf(res), err, imsflow.clock.now()) }]);
        }
      });
      if (!outcome.ok) return formPage(res, notSigned ? 401 : outcome.status, task, req.params.token, outcome.state, people, signing);
      const signed: SignatureRecord | undefined = outcome.result.signature;
      const shown = await named(res, outcome.result.task);
      const next = await nextSteps(imsflow, outcome.result.task);
      const catalogue = catalogueOf(res);
      send(res, 200, <ThankYou named={shown} signed={signed} next={next} stepName={(other) => stepName(readerOf(res), catalogue, other)} />);
    } catch (err) {
      if (err instanceof ConflictError) {
        // Something got there first: the same form posted twice (a double click), the task completed or
        // reassigned meanwhile, an incident in the instance. Say why on a page, as for a refused link.
        const again = await imsflow.queries.openLink(links, req.params.token);
        if (!again.ok) return refusal(res, again);
        return send(res, 409, <Message titleId="emailLink.conflict.title" lines={[{ text: err.message }, { id: 'emailLink.conflict.message' }]} />);
      }
      if (err instanceof NotPermittedError) return notPermitted(res, err);
      throw err;
    }
  });
  return router;
}

interface Named {
  task: TaskRecord;
  step: string;
  record: RecordTitle;
}

/** Pages behind a link: never cached, and the token in the address is not sent on as a referrer. */
function send(res: express.Response, status: number, page: preact.VNode): void {
  pageHeaders(res, { referrer: 'no-referrer' });
  const reader = readerOf(res);
  res
    .status(status)
    .type('html')
    .set('Content-Language', reader.language)
    .send(renderDocument(<ReaderProvider reader={reader}>{page}</ReaderProvider>));
}

/** The complete-task command's "not allowed" (separation of duties): someone else of the role must do it. */
function notPermitted(res: express.Response, err: NotPermittedError): void {
  send(res, 403, <Message titleId="emailLink.notPermitted.title" lines={[{ text: `${err.message}.` }, { id: 'emailLink.notPermitted.message' }]} />);
}

/** Refusals after which signing in helps: not for a person whose account is inactive, nor a foreign link. */
const NO_SIGN_IN = new Set(['inactive', 'unknown']);

function refusal(res: express.Response, refused: RefusedLink): void {
  const { status } = describeRefusal(refused);
  // which task, by its name and record, so a person with many task emails knows which one this was
  const lines: Line[] = [
    ...(refused.task ? [{ id: 'emailLink.refusal.which', values: { step: refused.task.name, record: refused.task.businessKey } }] : []),
    { id: `emailLink.refusal.${refused.reason}.message`, values: { person: refused.person ?? '' } },
  ];
  send(res, status, <Message titleId={`emailLink.refusal.${refused.reason}.title`} lines={lines} signIn={!NO_SIGN_IN.has(refused.reason)} />);
}

type Line = { id: string; values?: Record<string, string> } | { text: string };

/** A page that says one thing: why a link or a form cannot go on, and what to do instead. */
function Message({ titleId, lines, signIn = false }: { titleId: string; lines: Line[]; signIn?: boolean }) {
  const { t } = useReader();
  return (
    <Shell title={t(titleId)}>
      {lines.map((line, i) => (
        <p key={i}>{'text' in line ? line.text : t(line.id, line.values)}</p>
      ))}
      {signIn ? (
        <p>
          <a class="usa-button button" href="/login?next=%2Ftasks">
            {t('emailLink.signIn')}
          </a>
        </p>
      ) : null}
    </Shell>
  );
}

function Heading({ named, now }: { named: Named; now?: string }) {
  const { t } = useReader();
  const { task, record } = named;
  return (
    <>
      <p class="usa-intro ims-record-title">{record.text}</p>
      {now && (isOverdue(task, now) || escalationLevel(task) > 0) ? (
        <p class="ims-badges">
          <TaskBadges task={task} now={now} />
        </p>
      ) : null}
      {task.dueAt ? (
        <p>
          {t('tasks.card.due')} <When iso={task.dueAt} />
        </p>
      ) : null}
    </>
  );
}

function FormPage({ named, token, state, people, choices, signing, now, catalogue }: { named: Named; token: string; state: FormState; people: Person[]; choices: FieldChoices; signing?: SigningPrompt; now: string; catalogue: ReturnType<typeof clauseCatalogue> }) {
  return (
    <Shell title={named.step}>
      <Heading named={named} now={now} />
      <TaskForm task={{ ...named.task, name: named.step }} {...state} action={`/t/${token}`} people={people} choices={choices} signing={signing} catalogue={catalogue} />
      <ZoneNote />
    </Shell>
  );
}

function ThankYou({ named, signed, next, stepName: nameOf }: { named: Named; signed?: SignatureRecord; next: NextSteps; stepName: (task: TaskRecord) => string }) {
  const { t } = useReader();
  return (
    <Shell title={t('emailLink.thanks.title')}>
      <Notice kind="status">
        <p>{t('emailLink.thanks.done', { step: named.step, record: named.record.text })}</p>
      </Notice>
      {signed ? <SignedBlock signature={signed} /> : null}
      <NextStepsPart next={next} stepName={nameOf} />
      {/* the way on to the rest of one's work, for a person who came from an email (and to keyboard users a next stop) */}
      <p>
        <a class="usa-link" href="/login?next=%2Ftasks">
          {t('emailLink.signIn')}
        </a>
      </p>
    </Shell>
  );
}

