import { timingSafeEqual } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import type { NextFunction, Request, Response } from 'express';
import { scopeCovers, scopeOf, type Accounts, type Principal } from '../engine/features/accounts/index.js';
import { ImsflowError, NotPermittedError } from '../engine/kernel/errors.js';
import type { Role, TokenScope, UserRecord } from '../engine/kernel/model.js';

export const SESSION_COOKIE = 'imsflow_session';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** 401: nobody is signed in, or the credentials did not check out. */
export class UnauthenticatedError extends ImsflowError {
  override name = 'UnauthenticatedError';
}

/**
 * Finds who is calling: an API token (`Authorization: Bearer imsf_…`) or the session cookie. The API
 * checks a token's scope per route (api/openapi.ts); everywhere else (pages, metrics) a token needs scope
 * read for GET and full for anything else.
 */
export function identify(accounts: Accounts, options: { scopePerRoute?: boolean } = {}) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const authorization = req.get('authorization');
    if (authorization) {
      const principal = await accounts.apiToken(authorization.replace(/^Bearer\s+/i, ''));
      if (!principal) return next(new UnauthenticatedError('the API token is not valid'));
      req.principal = principal;
      if (!options.scopePerRoute) {
        try {
          requireTokenScope(req, ['GET', 'HEAD'].includes(req.method) ? 'read' : 'full');
        } catch (err) {
          return next(err);
        }
      }
      return next();
    }
    const token = parseCookies(req.get('cookie') ?? '')[SESSION_COOKIE];
    req.principal = await accounts.session(token);
    next();
  };
}

/**
 * A state-changing request made with a session cookie must carry the session's CSRF token (header
 * `X-CSRF-Token`, or `_csrf` in a form). API tokens are sent deliberately, never by a browser on its
 * own, so they need none.
 */
export function checkCsrf(req: Request, _res: Response, next: NextFunction) {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method) || !req.principal?.session) return next();
  const given = Buffer.from(req.get('x-csrf-token') ?? (typeof req.body?._csrf === 'string' ? req.body._csrf : ''));
  const expected = Buffer.from(req.principal.session.csrf);
  // Compare byte lengths: a token of the right length in non-ASCII characters must not make timingSafeEqual throw.
  if (!given.length || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return next(new NotPermittedError('the request has no valid CSRF token: reload the page and try again'));
  }
  next();
}

/** 403 when the caller's API token has a narrower scope than `needed`; sessions have no scope. */
export function requireTokenScope(req: Request, needed: TokenScope): void {
  const token = req.principal?.apiToken;
  if (!token || scopeCovers(scopeOf(token), needed)) return;
  throw new NotPermittedError(`this API token has the scope ${scopeOf(token)}; ${req.method} ${req.baseUrl}${req.path} needs a token of scope ${needed}${needed === 'full' ? '' : ' or full'}, or a session`);
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new UnauthenticatedError('sign in first (POST /api/session), or send an API token');
  return req.principal;
}

export function hasRole(user: UserRecord, roles: readonly Role[]): boolean {
  return user.roles.includes('admin') || roles.some((role) => user.roles.includes(role));
}

export function requireRole(req: Request, roles: readonly Role[]): Principal {
  const principal = principalOf(req);
  if (!hasRole(principal.user, roles)) throw new NotPermittedError(`this needs one of the roles ${roles.join(', ')}`);
  return principal;
}

/** A record of another site is reported as not found, so its existence is not revealed. */
export { canSee, visibleSites } from '../engine/features/access/index.js';
/** Who holds a task: the one rule for sessions, tokens and email links (engine/features/access/access.ts). */
export { holdsTask } from '../engine/features/access/index.js';

/**
 * Roles that oversee records of their sites (see every task, not only their own). Staff see the tasks
 * they hold.
 */
export const OVERSEERS: readonly Role[] = ['admin', 'quality-manager', 'process-owner', 'auditor', 'steering-committee'];

/** Per-address login attempts in a sliding minute; refuses bursts before passwords are even hashed. */
/**
 * The client's address for the login rate limit and the sign-in audit: the socket's peer, or, behind
 * IMSFLOW_TRUST_PROXY reverse proxies, the address they forwarded (express's `req.ip`). Without this every user
 * behind one proxy would share a single rate limit.
 */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export class LoginRateLimiter {
  private readonly attempts = new Map<string, number[]>();
  constructor(
    private readonly perMinute = 10,
    private readonly now: () => number = Date.now,
  ) {}

  allow(address: string): boolean {
    const now = this.now();
    const recent = (this.attempts.get(address) ?? []).filter((at) => now - at < 60_000);
    if (recent.length >= this.perMinute) {
      this.attempts.set(address, recent);
      return false;
    }
    recent.push(now);
    this.attempts.set(address, recent);
    if (this.attempts.size > 10_000) this.attempts.clear();
    return true;
  }
}
