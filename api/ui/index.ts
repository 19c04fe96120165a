import { join } from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Accounts } from '../../engine/accounts.js';
import { AuthenticationError } from '../../engine/accounts.js';
import { ConflictError, ImsflowError, NotFoundError, NotPermittedError, TooLargeError, ValidationError } from '../../engine/errors.js';
import type { Imsflow } from '../../engine/imsflow.js';
import type { Assembly } from '../../workers/assemble.js';
import { identify, LoginRateLimiter, UnauthenticatedError } from '../auth.js';
import { taskLinkPages } from '../pages.js';
import { AttachmentStore } from './attachments.js';
import { auditPages } from './audit.js';
import { dashboardPages } from './dashboard.js';
import { e, pageHeaders, sendPage, STYLE } from './html.js';
import { modelerPages } from './modeler-pages.js';
import { recordPages } from './records.js';
import { sessionPages, viewerOf } from './session.js';
import { taskPages } from './tasks.js';

export interface UiOptions {
  imsflow: Imsflow;
  accounts: Accounts;
  /** Link signing for the email-link pages; the data folder for attachments. */
  assembly: Pick<Assembly, 'links'> & Partial<Pick<Assembly, 'dataDir'>>;
  /** The API's login limiter, so the login page and POST /api/session share one budget per address. */
  limiter?: LoginRateLimiter;
  secureCookies?: boolean;
  logger?: Logger;
}

/** Paths of signed-in pages: the session is read for these. */
const SIGNED_IN = ['/login', '/logout', '/tasks', '/records', '/audit', '/audit.csv', '/attachments', '/modeler', '/dashboard'];
/** Paths whose errors are answered with a page rather than JSON. */
const PAGES = [...SIGNED_IN, '/t'];

/**
 * The server-rendered pages people use, mounted on the app with one line: sign in and out, the task list
 * and task pages, record pages with attachments, the audit trail, the steering dashboard, and the
 * email-link task pages.
 */
export function uiPages({ imsflow, accounts, assembly, limiter = new LoginRateLimiter(), secureCookies = false, logger }: UiOptions): express.Router {
  const router = express.Router();
  const attachments = assembly.dataDir ? new AttachmentStore(join(assembly.dataDir, 'attachments')) : undefined;

  router.get('/ui/style.css', (_req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' }).type('css').send(STYLE);
  });
  router.use(PAGES, (_req, res, next) => {
    res.locals.uiPage = true;
    pageHeaders(res);
    next();
  });
  router.use(taskLinkPages(imsflow, assembly.links, attachments, accounts));
  router.use(SIGNED_IN, identify(accounts));
  router.get('/', (_req, res) => res.redirect(303, '/tasks'));
  router.use(sessionPages({ accounts, limiter, secureCookies }));
  router.use(taskPages(imsflow, accounts, attachments));
  router.use(recordPages(imsflow, attachments));
  router.use(auditPages(imsflow));
  router.use(modelerPages(imsflow));
  router.use(dashboardPages(imsflow));
  router.use(errorPages(logger));
  return router;
}

/** Errors of the pages, as pages. Errors of other routes (the API) go on to the app's JSON handler. */
function errorPages(logger?: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (!res.locals.uiPage || res.headersSent) return next(err);
    const viewer = req.principal ? viewerOf(req) : undefined;
    const back = viewer ? '<p><a href="/tasks">Back to my tasks</a></p>' : '';
    const show = (status: number, title: string, body: string) => sendPage(res, status, { title, viewer, body: `${body}${back}` });
    if (err instanceof NotFoundError) return show(404, 'Not found', '<p>There is nothing here, or it is not yours to see.</p>');
    if (err instanceof NotPermittedError) return show(403, 'Not allowed', `<p>${e(err.message.charAt(0).toUpperCase() + err.message.slice(1))}.</p>`);
    if (err instanceof UnauthenticatedError || err instanceof AuthenticationError) return show(401, 'Not signed in', `<p>${e(err.message)}</p><p><a href="/login">Sign in</a></p>`);
    if (err instanceof ConflictError) return show(409, 'This cannot be done now', `<p>${e(err.message)}</p><p>Nothing was changed. Reload the page to see where things stand.</p>`);
    if (err instanceof ValidationError) {
      return show(400, 'Please check your input', `<p>${e(err.message)}</p>${err.fields.length ? `<ul>${err.fields.map((f) => `<li>${e(f.field)}: ${e(f.message)}</li>`).join('')}</ul>` : ''}`);
    }
    if (err instanceof TooLargeError || err?.type === 'entity.too.large') return show(413, 'Too large', '<p>What was sent is larger than this page accepts. Nothing was saved.</p>');
    if (err?.type === 'entity.parse.failed' || err?.type === 'parameters.too.many') return show(400, 'The form could not be read', '<p>Nothing was saved. Reload the page and try again.</p>');
    if (err instanceof ImsflowError) return show(400, 'This cannot be done', `<p>${e(err.message)}</p>`);
    logger?.error({ err, method: req.method, url: req.originalUrl }, 'page failed');
    return show(500, 'Something went wrong', '<p>The server could not do this; it logged the details for an administrator. Nothing you did caused it.</p>');
  };
}
