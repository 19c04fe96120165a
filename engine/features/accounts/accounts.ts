import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../kernel/clock.js';
import { ConflictError, ImsflowError, NotFoundError, NotPermittedError, ValidationError, type FieldError } from '../../kernel/errors.js';
import { TOKEN_SCOPES, type ApiTokenRecord, type SessionRecord, type TokenScope, type UserRecord } from '../../kernel/model.js';
import { auditEvent } from '../../kernel/audit-event.js';
import { FailureThrottle, type Bucket } from './login-throttle.js';
import { hashPassword, passwordProblems, verifyPassword } from './passwords.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { CommitStore } from '../../ports/commit-store.js';

/** A login, token or re-authentication that did not prove who someone is. */
export class AuthenticationError extends ImsflowError {
  override name = 'AuthenticationError';
  constructor(
    message: string,
    /** When the account may try again (lockout). */
    readonly retryAt?: string,
  ) {
    super(message);
  }
}

/** A sign-in refused for a while after too many failures: HTTP 429 with Retry-After. */
export class LoginThrottledError extends AuthenticationError {
  override name = 'LoginThrottledError';
  constructor(
    retryAt: string,
    /** Seconds until then, by the server's clock. */
    readonly retryAfterSeconds: number,
  ) {
    super('too many failed sign-ins with this email from this address: try again later', retryAt);
  }
}

export interface AccountPolicy {
  /** Wrong passwords for one email from one address before sign-ins from there are slowed. */
  freeFailuresPerAccountAndAddress: number;
  /** Wrong passwords from one address, whatever the email, before it is slowed. */
  freeFailuresPerAddress: number;
  /** Wrong passwords for one email from anywhere before addresses it never signed in from are slowed. */
  freeFailuresPerAccount: number;
  /** A session ends after this long without a request. */
  idleMinutes: number;
  /** … and after this long in any case. */
  absoluteHours: number;
}

export const DEFAULT_ACCOUNT_POLICY: AccountPolicy = { freeFailuresPerAccountAndAddress: 5, freeFailuresPerAddress: 20, freeFailuresPerAccount: 50, idleMinutes: 30, absoluteHours: 12 };

/** A token's scope; tokens made before scopes were given full by migration 8 (and so are old backups). */
/** How fine a token's "last used" time is: a busy integration writes it once a minute, not per call. */
const TOKEN_USE_GRANULARITY_MS = 60_000;

export function scopeOf(token: Pick<ApiTokenRecord, 'scope'>): TokenScope {
  return token.scope ?? 'full';
}

/** Whether a token of scope `held` may do what needs scope `needed` (read < integration < full). */
export function scopeCovers(held: TokenScope, needed: TokenScope): boolean {
  return TOKEN_SCOPES.indexOf(held) >= TOKEN_SCOPES.indexOf(needed);
}

/** What a request carries once authenticated: who, and through what. */
export interface Principal {
  user: UserRecord;
  session?: SessionRecord;
  apiToken?: ApiTokenRecord;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Accounts: passwords (scrypt), login slowed after failures (never locked), server-side sessions (the
 * cookie holds a random token, the store its hash), API tokens with scopes, and re-authentication for
 * electronic signatures. Every change to an account is in the audit trail; a failed login too.
 */
export class Accounts {
  constructor(
    private readonly store: AccountStore & CommitStore,
    private readonly clock: Clock,
    readonly policy: AccountPolicy = DEFAULT_ACCOUNT_POLICY,
    /** Failed sign-ins and re-authentications, counted in memory (engine/features/accounts/login-throttle.ts). */
    readonly throttle = new FailureThrottle(),
  ) {}

  async setPassword(userId: string, password: string, actor: string, reason: string): Promise<void> {
    const user = await this.store.getUser(userId);
    if (!user) throw new NotFoundError(`no user ${userId}`);
    const problems = passwordProblems(password, user);
    if (problems.length) throw new ValidationError('the password does not meet the rules', problems.map((message) => ({ field: 'password', message: `password ${message}` })));
    const now = this.now();
    const updated: UserRecord = { ...user, passwordHash: await hashPassword(password), passwordChangedAt: now };
    delete updated.failedLogins;
    delete updated.lockedUntil;
    await this.store.commit({ users: [updated], audit: [auditEvent(this.clock, { actor, action: 'user.password-set', target: `user:${user.id}`, reason })] });
  }

  /**
   * A person changes their own password: the new one must meet the rules, and the current one is checked
   * (slowed after failures like a sign-in: the re-authentication bucket). Every other session of the
   * person ends in the same commit (a stolen session does not outlive the change); the one used stays. The
   * audit trail records the change (`user.password-set`) and how many sessions ended, never a password.
   * Refusals: ValidationError naming `password` (the rules), AuthenticationError (current password wrong,
   * or slowed).
   */
  async changeOwnPassword(principal: Principal, currentPassword: string, password: string): Promise<{ sessionsEnded: number }> {
    const user = principal.user;
    const problems = passwordProblems(password, user);
    if (problems.length) throw new ValidationError('the new password does not meet the rules', problems.map((message) => ({ field: 'password', message: `password ${message}` })));
    const session = (await this.reauthenticate(principal, typeof currentPassword === 'string' ? currentPassword : '')) ?? principal.session;
    const fresh = (await this.store.getUser(user.id)) ?? user;
    const updated: UserRecord = { ...fresh, passwordHash: await hashPassword(password), passwordChangedAt: this.now() };
    delete updated.failedLogins;
    delete updated.lockedUntil;
    const others = (await this.store.listSessionsOfUser(user.id)).filter((s) => s.id !== session?.id).map((s) => s.id);
    await this.store.commit({
      users: [updated],
      deleteSessions: others,
      audit: [auditEvent(this.clock, { actor: user.id, action: 'user.password-set', target: `user:${user.id}`, new: { sessionsEnded: others.length, ...(principal.apiToken && { via: principal.apiToken.id }) }, reason: 'changed by the user' })],
    });
    return { sessionsEnded: others.length };
  }

  /**
   * Checks email and password; opens a session. Unknown email, wrong password and inactive account get
   * one answer, after the same password hashing; too many failures get another (LoginThrottledError),
   * keyed by the email as typed, so it comes for unknown emails alike. Failed and refused sign-ins of
   * known accounts are audited.
   */
  async login(email: string, password: string, from: string): Promise<{ user: UserRecord; session: SessionRecord; token: string }> {
    const typed = typeof email === 'string' ? email.trim().toLowerCase().slice(0, 320) : '';
    const user = typed ? await this.store.getUserByEmail(typed) : undefined;
    const now = this.clock.now();
    const buckets = this.loginBuckets(typed, from);
    const blocked = this.throttle.blockedUntil(buckets, now.getTime());
    if (blocked) {
      const until = new Date(blocked).toISOString();
      if (user) await this.store.commit({ audit: [auditEvent(this.clock, { actor: user.id, action: 'user.login-throttled', target: `user:${user.id}`, new: { from, until }, reason: 'too many failed sign-ins with this email from this address' })] });
      throw new LoginThrottledError(until, Math.max(1, Math.ceil((blocked - now.getTime()) / 1000)));
    }
    const ok = await verifyPassword(password, user?.passwordHash);
    if (!user || !ok || !user.active) {
      const { failures, blockedUntil } = this.throttle.fail(buckets, now.getTime());
      const slowed = blockedUntil && { throttledUntil: new Date(blockedUntil).toISOString() };
      if (user) await this.store.commit({ audit: [auditEvent(this.clock, { actor: user.id, action: 'user.login-failed', target: `user:${user.id}`, new: { from, failures, ...slowed }, reason: user.active ? undefined : 'the account is not active' })] });
      throw new AuthenticationError('email or password is wrong');
    }
    this.throttle.succeed(buckets[0]);
    this.throttle.remember(typed, from);
    const token = randomBytes(32).toString('base64url');
    const session: SessionRecord = {
      id: sha256(token),
      userId: user.id,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: this.expiry(now, now).toISOString(),
      csrf: randomBytes(24).toString('base64url'),
      authenticatedAt: now.toISOString(),
    };
    // failedLogins and lockedUntil were the lockout of earlier versions: cleared where still present
    const updated: UserRecord = { ...user };
    delete updated.failedLogins;
    delete updated.lockedUntil;
    await this.store.commit({ users: [updated], sessions: [session], audit: [auditEvent(this.clock, { actor: user.id, action: 'user.login', target: `user:${user.id}`, new: { from } })] });
    return { user: updated, session, token };
  }

  /**
   * Seconds until a sign-in with this email from this address is let through again; 0 when it is now.
   * For the sign-in page, to say so on the very failure that started the wait.
   */
  loginWaitSeconds(email: string, from: string): number {
    const typed = email.trim().toLowerCase().slice(0, 320);
    const now = this.clock.now().getTime();
    const blocked = this.throttle.blockedUntil(this.loginBuckets(typed, from), now);
    return blocked ? Math.max(1, Math.ceil((blocked - now) / 1000)) : 0;
  }

  /** The buckets of a sign-in: email and address first (what a success clears), then address, then email. */
  private loginBuckets(email: string, from: string): Bucket[] {
    const buckets: Bucket[] = [
      { key: JSON.stringify(['email+address', email, from]), free: this.policy.freeFailuresPerAccountAndAddress },
      { key: JSON.stringify(['address', from]), free: this.policy.freeFailuresPerAddress },
    ];
    if (!this.throttle.isKnown(email, from)) buckets.push({ key: JSON.stringify(['email', email]), free: this.policy.freeFailuresPerAccount });
    return buckets;
  }

  /** The session behind a cookie token, extended on use; undefined when unknown, expired or the user left. */
  async session(token: string | undefined): Promise<Principal | undefined> {
    if (!token || token.length > 200) return undefined;
    const session = await this.store.getSession(sha256(token));
    const now = this.clock.now();
    if (!session || Date.parse(session.expiresAt) <= now.getTime()) return undefined;
    const user = await this.store.getUser(session.userId);
    if (!user?.active) return undefined;
    // Extend the idle window, writing at most once a minute per session.
    if (now.getTime() - Date.parse(session.lastSeenAt) > 60_000) {
      const extended = { ...session, lastSeenAt: now.toISOString(), expiresAt: this.expiry(new Date(session.createdAt), now).toISOString() };
      await this.store.commit({ sessions: [extended], audit: [] });
      return { user, session: extended };
    }
    return { user, session };
  }

  async logout(session: SessionRecord): Promise<void> {
    await this.store.commit({ deleteSessions: [session.id], audit: [auditEvent(this.clock, { actor: session.userId, action: 'user.logout', target: `user:${session.userId}` })] });
  }

  /**
   * Re-authentication for a signature (21 CFR 11.200): the first signing in a session, or any signing
   * outside one, needs user id and password; later signings in the same continuous session need the
   * password. Both are checked here; the caller says which case applies by passing the email or not.
   */
  async reauthenticate(principal: Principal, password: string, email?: string): Promise<SessionRecord | undefined> {
    if (email !== undefined && email.toLowerCase() !== principal.user.email) throw new AuthenticationError('the user id does not match the signed-in user');
    const user = await this.store.getUser(principal.user.id);
    // Slowed like a sign-in, or the current password could be guessed through re-authentication. Only
    // this person's own credentials (a session or token of theirs) reach here, so the answer may say so.
    const bucket: Bucket[] = [{ key: JSON.stringify(['re-authentication', principal.user.id]), free: this.policy.freeFailuresPerAccountAndAddress }];
    const now = this.clock.now().getTime();
    const blocked = this.throttle.blockedUntil(bucket, now);
    if (blocked) {
      const until = new Date(blocked).toISOString();
      await this.store.commit({ audit: [auditEvent(this.clock, { actor: principal.user.id, action: 'user.login-throttled', target: `user:${principal.user.id}`, new: { from: 'signature', until }, reason: 'too many wrong passwords when signing' })] });
      throw new AuthenticationError('too many wrong passwords: try again later', until);
    }
    if (!user || !(await verifyPassword(password, user.passwordHash))) {
      const { failures, blockedUntil } = this.throttle.fail(bucket, now);
      if (user) await this.store.commit({ audit: [auditEvent(this.clock, { actor: user.id, action: 'user.login-failed', target: `user:${user.id}`, new: { from: 'signature', failures, ...(blockedUntil && { throttledUntil: new Date(blockedUntil).toISOString() }) } })] });
      throw new AuthenticationError('the password is wrong');
    }
    this.throttle.succeed(bucket[0]);
    if (!principal.session) return undefined;
    const session = { ...principal.session, authenticatedAt: this.now(), signedAt: principal.session.signedAt ?? this.now() };
    await this.store.commit({ sessions: [session], audit: [] });
    return session;
  }

  /**
   * Creates an API token for a person. Made in a session (or by the server itself) it may have any scope;
   * made with another token (`via`), only with one of scope full, and never wider than that token.
   * Refusals are audited too. The default scope is for callers inside the server; the HTTP API asks.
   */
  async createApiToken(userId: string, name: string, actor: string, scope: TokenScope = 'full', via?: ApiTokenRecord): Promise<{ token: string; record: ApiTokenRecord }> {
    const fields: FieldError[] = [];
    if (typeof name !== 'string' || !name.trim() || name.length > 100) fields.push({ field: 'name', message: 'give the token a name (1–100 characters)' });
    if (!TOKEN_SCOPES.includes(scope)) fields.push({ field: 'scope', message: `is one of ${TOKEN_SCOPES.join(', ')}` });
    if (fields.length) throw new ValidationError('invalid token', fields);
    const user = await this.store.getUser(userId);
    if (!user) throw new NotFoundError(`no user ${userId}`);
    if (via) {
      const refusal =
        scopeOf(via) !== 'full'
          ? `an API token of scope ${scopeOf(via)} cannot create tokens: sign in, or use a token of scope full`
          : !scopeCovers(scopeOf(via), scope)
            ? `an API token of scope ${scopeOf(via)} cannot create a token of the wider scope ${scope}`
            : undefined;
      if (refusal) {
        await this.store.commit({ audit: [auditEvent(this.clock, { actor, action: 'user.api-token-refused', target: `user:${userId}`, new: { via: via.id, scope, name: name.trim() }, reason: refusal })] });
        throw new NotPermittedError(refusal);
      }
    }
    const id = randomUUID().replace(/-/g, '');
    const secret = randomBytes(32).toString('base64url');
    const record: ApiTokenRecord = { id, userId, name: name.trim(), hash: sha256(secret), createdAt: this.now(), scope, ...(via && { createdWith: via.id }) };
    await this.store.commit({ apiTokens: [record], audit: [auditEvent(this.clock, { actor, action: 'user.api-token-created', target: `user:${userId}`, new: { token: id, name: record.name, scope, ...(via && { via: via.id }) } })] });
    return { token: `imsf_${id}_${secret}`, record };
  }

  /**
   * Revokes a token and, with it, the tokens created with it (and theirs): a stolen token's offspring go too.
   * Its holder may revoke it, and an administrator anyone's (the tokens page); nobody else.
   */
  async revokeApiToken(userId: string, id: string, actor: string): Promise<ApiTokenRecord[]> {
    if (actor !== userId) {
      const revoker = await this.store.getUser(actor);
      if (!revoker?.active || !revoker.roles.includes('admin')) throw new NotPermittedError('only its holder or an administrator may revoke an API token');
    }
    const record = await this.store.getApiToken(id);
    if (!record || record.userId !== userId) throw new NotFoundError(`no token ${id}`);
    if (record.revokedAt) throw new ConflictError(`token ${id} is already revoked`);
    const all = await this.store.listApiTokens(userId);
    const revoked = [record];
    for (let i = 0; i < revoked.length; i += 1) revoked.push(...all.filter((t) => t.createdWith === revoked[i].id && !t.revokedAt));
    const now = this.now();
    await this.store.commit({
      apiTokens: revoked.map((t) => ({ ...t, revokedAt: now })),
      audit: revoked.map((t) => auditEvent(this.clock, { actor, action: 'user.api-token-revoked', target: `user:${userId}`, new: { token: t.id }, reason: t === record ? undefined : `created with token ${t.createdWith}, which was revoked` })),
    });
    return revoked;
  }

  async apiToken(bearer: string | undefined): Promise<Principal | undefined> {
    const match = /^imsf_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/.exec(bearer ?? '');
    if (!match) return undefined;
    const record = await this.store.getApiToken(match[1]);
    if (!record || record.revokedAt) return undefined;
    const given = Buffer.from(sha256(match[2]));
    if (!timingSafeEqual(given, Buffer.from(record.hash))) return undefined;
    const user = await this.store.getUser(record.userId);
    if (!user?.active) return undefined;
    // when it was last used, for the people who keep tokens: at most one write a minute per token
    const now = this.clock.now();
    if (!record.lastUsedAt || now.getTime() - Date.parse(record.lastUsedAt) >= TOKEN_USE_GRANULARITY_MS) {
      await this.store.commit({ apiTokenUses: [{ id: record.id, at: now.toISOString() }], audit: [] });
    }
    return { user, apiToken: record };
  }

  private expiry(created: Date, now: Date): Date {
    const idle = now.getTime() + this.policy.idleMinutes * 60_000;
    const absolute = created.getTime() + this.policy.absoluteHours * 3_600_000;
    return new Date(Math.min(idle, absolute));
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
