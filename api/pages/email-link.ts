import { parse as parseCookies } from 'cookie';
import express from 'express';
import { AuthenticationError, type Accounts, type Principal } from '../../engine/features/accounts/index.js';
import { ConflictError, NotPermittedError, ValidationError } from '../../engine/kernel/errors.js';
import type { ProcessEngine } from '../../engine/process-engine.js';
import { describeRefusal, type TaskLinkSigner, type RefusedLink } from '../../engine/features/task-links/index.js';
import type { TaskRecord, UserRecord } from '../../engine/kernel/model.js';
import type { SignatureRecord } from '../../engine/features/signatures/index.js';
import { SESSION_COOKIE } from '../auth.js';
import type { AttachmentStore } from '../ui/attachments.js';
import { e, layout, pageHeaders } from '../ui/html.js';
import { credentialsFrom, notSignedMessage, signedBlock, signingPrompt, type SigningPrompt } from '../ui/signature.js';
import { peopleFor, readTaskBody, renderTaskForm, submitTaskForm, taskFacts, whatHappensNext, type FormState, type Person } from '../ui/task-form.js';

/**
 * Task pages opened from email links (`/t/<token>`): the signed token stands in for a login for that one
 * task and that one person. Server-rendered, no JavaScript needed. The form is the signed-in task page's
 * own (api/ui/task-form.ts), so both stay the same: every field type, attachments included.
 */
export function taskLinkPages(imsflow: ProcessEngine, links: TaskLinkSigner, attachments?: AttachmentStore, accounts?: Accounts): express.Router {
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

  router.get('/t/:token', async (req, res) => {
    const opened = await imsflow.queries.openLink(links, req.params.token);
    if (!opened.ok) return refusal(res, opened);
    const signing = opened.task.signature ? signingPrompt(opened.task, await signerOf(req, opened.user)) : undefined;
    send(res, 200, formPage(opened.task, req.params.token, {}, await peopleFor(imsflow, opened.task), signing));
  });

  router.post('/t/:token', async (req, res) => {
    const opened = await imsflow.queries.openLink(links, req.params.token);
    if (!opened.ok) return refusal(res, opened);
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
      return send(res, 403, page('This task cannot be signed here', '<p>The task needs an electronic signature that this link cannot take. Sign in to imsflow to complete it.</p>'));
    }
    const signing = signingPrompt(task, signer);
    /** A refused re-authentication: nothing is completed and the form comes back (401) with the reason. */
    let notSigned = false;
    try {
      const outcome = await submitTaskForm({ imsflow, attachments }, task, record.userId, parsed, people, async (data) => {
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
          throw new ValidationError('not signed', [{ field: 'signature', message: notSignedMessage(err, imsflow.clock.now()) }]);
        }
      });
      if (!outcome.ok) return send(res, notSigned ? 401 : outcome.status, formPage(task, req.params.token, outcome.state, people, signing));
      const signed: SignatureRecord | undefined = outcome.result.signature;
      send(res, 200, page('Thank you', `<p>“${e(task.name)}” for ${e(task.businessKey)} is complete.</p>${signed ? signedBlock(signed) : ''}${await whatHappensNext(imsflow, outcome.result.task)}`));
    } catch (err) {
      if (err instanceof ConflictError) {
        // Something got there first: the same form posted twice (a double click), the task completed or
        // reassigned meanwhile, an incident in the instance. Say why on a page, as for a refused link.
        const again = await imsflow.queries.openLink(links, req.params.token);
        if (!again.ok) return refusal(res, again);
        return send(res, 409, page('This task cannot be completed now', `<p>${e(err.message)}</p><p>Nothing was saved. Try again later, or ask the process owner.</p>`));
      }
      if (err instanceof NotPermittedError) return notPermitted(res, err);
      throw err;
    }
  });
  return router;
}

/** Pages behind a link: never cached, and the token in the address is not sent on as a referrer. */
function send(res: express.Response, status: number, html: string): void {
  pageHeaders(res, { referrer: 'no-referrer' });
  res.status(status).type('html').send(html);
}

/** The complete-task command's "not allowed" (separation of duties): someone else of the role must do it. */
function notPermitted(res: express.Response, err: NotPermittedError): void {
  send(res, 403, page('You may not complete this task', `<p>${e(err.message)}.</p><p>Nothing was saved. Another person of the role completes it.</p>`));
}

/** Refusals after which signing in helps: not for a person whose account is inactive, nor a foreign link. */
const NO_SIGN_IN = new Set(['inactive', 'unknown']);

function refusal(res: express.Response, refused: RefusedLink) {
  const { status, title, message } = describeRefusal(refused);
  // which task, by its name and record, so a person with many task emails knows which one this was
  const which = refused.task ? `<p>The task: “${e(refused.task.name)}” for ${e(refused.task.businessKey)}.</p>` : '';
  const signIn = NO_SIGN_IN.has(refused.reason) ? '' : '<p><a class="button" href="/login?next=%2Ftasks">Sign in to see your tasks</a></p>';
  send(res, status, page(title, `${which}<p>${e(message)}</p>${signIn}`));
}

function formPage(task: TaskRecord, token: string, state: FormState, people: Person[], signing?: SigningPrompt): string {
  return page(task.name, `${taskFacts(task)}${renderTaskForm(task, { ...state, action: `/t/${token}`, people, signing })}`);
}

function page(title: string, body: string): string {
  return layout({ title, body });
}
