import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AuthenticationError, LoginThrottledError, type Accounts } from '../../engine/features/accounts/index.js';
import type { ProcessEngine } from '../../engine/process-engine.js';
import type { InstanceRecord, UserRecord } from '../../engine/kernel/model.js';
import { canSee, checkCsrf, clientAddress, hasRole, holdsTask, OVERSEERS, SESSION_COOKIE, type LoginRateLimiter } from '../auth.js';
import { str, type Viewer } from './basics.js';
import { sendSignInPage, type SignInState } from './sign-in.js';

/**
 * Signing in and out on pages, and what every page needs of the signed-in person. The session cookie is
 * the same one POST /api/session sets. The login form carries a pre-session CSRF token (a random value in
 * a short-lived cookie, echoed in the form) so another site cannot sign a browser into its own account.
 */

const LOGIN_COOKIE = 'imsflow_login';
const DEFAULT_NEXT = '/tasks';

/**
 * Where to go after signing in: a path on this server only. Anything else (another host, `//host`,
 * `/\host`, a scheme, control characters) gives the task list.
 */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 2000) return DEFAULT_NEXT;
  // eslint-disable-next-line no-control-regex
  if (value.startsWith('//') || value.includes('\\') || /[\u0000-\u001f\u007f\s]/.test(value)) return DEFAULT_NEXT;
  let url: URL;
  try {
    url = new URL(value, 'http://imsflow.invalid');
  } catch {
    return DEFAULT_NEXT;
  }
  if (url.origin !== 'http://imsflow.invalid') return DEFAULT_NEXT;
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (url.pathname === '/login' || url.pathname === '/logout') return DEFAULT_NEXT;
  return path;
}

export function viewerOf(req: Request): Viewer {
  const principal = req.principal!;
  const inboxCount = inboxCounts.get(req);
  const packLinks = req.res?.locals.packLinks as Viewer['packLinks'];
  return {
    user: principal.user,
    csrf: principal.session?.csrf,
    ...(inboxCount !== undefined && { inboxCount }),
    ...(req.res?.locals.mayStart === true && { mayStart: true }),
    ...(packLinks?.length && { packLinks }),
  };
}

/** The inbox counts of the requests being answered (the header shows it on every page). */
const inboxCounts = new WeakMap<Request, number>();

/**
 * Counts what waits on the signed-in person (engine/features/inbox) for the header's "Inbox" link, once per
 * page request; a failed count leaves the link without a number rather than the page without content.
 */
export function countInbox(imsflow: ProcessEngine) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    // pages only: not downloads and exports (attachments, CSV, PDF), which show no header
    if (req.principal && (req.method === 'GET' || req.method === 'HEAD') && !/^\/attachments\/|\.(csv|pdf|json)$/.test(req.originalUrl.split('?')[0]!)) {
      try {
        inboxCounts.set(req, (await imsflow.queries.inbox(req.principal.user, { titles: false })).length);
      } catch {
        // the count is a convenience: the page itself reports its own errors
      }
    }
    next();
  };
}

/**
 * Pages need a signed-in person: otherwise to the login page, and back here afterwards. A browser that
 * still sends a session cookie had a session that ended (signed out elsewhere, timed out): the sign-in
 * page says so, so nobody wonders why they are asked again.
 */
export function requireSignIn(req: Request, res: Response, next: NextFunction): void {
  if (req.principal) return next();
  // A form posted after the session ended comes back to its page, not to the action.
  const back = req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : req.originalUrl.split('?')[0]!.replace(/\/(claim|release|delegate)$/, '');
  const ended = parseCookies(req.get('cookie') ?? '')[SESSION_COOKIE] ? '&ended=1' : '';
  res.redirect(303, `/login?next=${encodeURIComponent(safeNext(back))}${ended}`);
}

/** checkCsrf as a promise, for routes that read their body first (multipart). */
export function requireCsrf(req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    checkCsrf(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}

/**
 * Whether a person may see a record (an instance): of their sites, and they oversee, started it, or
 * hold or completed one of its tasks. The same rule as GET /api/instances/:id.
 */
export async function mayViewRecord(imsflow: ProcessEngine, user: UserRecord, instance: InstanceRecord): Promise<boolean> {
  if (!canSee(user, instance)) return false;
  if (hasRole(user, OVERSEERS) || instance.startedBy === user.id) return true;
  const tasks = await imsflow.listTasks({ instanceId: instance.id, limit: 10_000 });
  return tasks.some((t) => holdsTask(user, t) || t.completedBy === user.id);
}

export interface SessionPagesOptions {
  accounts: Accounts;
  limiter: LoginRateLimiter;
  secureCookies: boolean;
}

export function sessionPages({ accounts, limiter, secureCookies }: SessionPagesOptions): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });

  const loginToken = (req: Request, res: Response): string => {
    const existing = parseCookies(req.get('cookie') ?? '')[LOGIN_COOKIE];
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return existing;
    const token = randomBytes(24).toString('base64url');
    res.cookie(LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: secureCookies, path: '/login', maxAge: 2 * 3_600_000 });
    return token;
  };

  const loginPage = (req: Request, res: Response, status: number, state: SignInState) => sendSignInPage(res, status, loginToken(req, res), state);

  router.get('/login', (req, res) => {
    const next = safeNext(str(req.query.next) || DEFAULT_NEXT);
    if (req.principal?.session) return res.redirect(303, next);
    const info = str(req.query.out) ? 'signIn.signedOut' : str(req.query.ended) ? 'signIn.sessionEnded' : undefined;
    loginPage(req, res, 200, { next, ...(info && { info: { id: info } }) });
  });

  router.post('/login', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(str(body.next) || DEFAULT_NEXT);
    const email = str(body.email).trim().slice(0, 320);
    const expected = parseCookies(req.get('cookie') ?? '')[LOGIN_COOKIE];
    const given = str(body._csrf);
    if (!expected || Buffer.byteLength(given) !== Buffer.byteLength(expected) || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      return loginPage(req, res, 403, { next, email, error: { id: 'signIn.formExpired' } });
    }
    if (!limiter.allow(clientAddress(req))) {
      res.set('Retry-After', '60');
      return loginPage(req, res, 429, { next, email, error: { id: 'signIn.tooManyFromAddress' } });
    }
    if (!email || !str(body.password)) return loginPage(req, res, 400, { next, email, error: { id: 'signIn.missing' } });
    try {
      const previous = req.principal?.session;
      const { token } = await accounts.login(email, str(body.password), clientAddress(req));
      if (previous) await accounts.logout(previous);
      res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/', maxAge: accounts.policy.absoluteHours * 3_600_000 });
      res.clearCookie(LOGIN_COOKIE, { path: '/login' });
      res.redirect(303, next);
    } catch (err) {
      if (err instanceof LoginThrottledError) {
        res.set('Retry-After', String(err.retryAfterSeconds));
        return loginPage(req, res, 429, { next, email, error: { id: 'signIn.slowed', waitSeconds: err.retryAfterSeconds } });
      }
      if (!(err instanceof AuthenticationError)) throw err;
      // the failure that starts a wait says so at once, not only the next attempt
      const wait = accounts.loginWaitSeconds(email, clientAddress(req));
      if (wait) res.set('Retry-After', String(wait));
      return loginPage(req, res, 401, { next, email, error: wait ? { id: 'signIn.wrongAndSlowed', waitSeconds: wait } : { id: 'signIn.wrong' } });
    }
  });

  router.post('/logout', form, async (req, res) => {
    if (!req.principal?.session) return res.redirect(303, '/login');
    await requireCsrf(req, res);
    await accounts.logout(req.principal.session);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/login?out=1');
  });

  return router;
}

