import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock.js';
import { ConflictError, ImsflowError, NotFoundError, ValidationError } from './errors.js';
import type { ApiTokenRecord, AuditInput, SessionRecord, UserRecord } from './model.js';
import { hashPassword, passwordProblems, verifyPassword } from './passwords.js';
import type { Store } from './store/store.js';

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

export interface AccountPolicy {
  /** Failed logins in a row that lock an account. */
  maxFailedLogins: number;
  lockMinutes: number;
  /** A session ends after this long without a request. */
  idleMinutes: number;
  /** … and after this long in any case. */
  absoluteHours: number;
}

export const DEFAULT_ACCOUNT_POLICY: AccountPolicy = { maxFailedLogins: 5, lockMinutes: 15, idleMinutes: 30, absoluteHours: 12 };

/** What a request carries once authenticated: who, and through what. */
export interface Principal {
  user: UserRecord;
  session?: SessionRecord;
  apiToken?: ApiTokenRecord;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Accounts: passwords (scrypt), login with lockout, server-side sessions (the cookie holds a random
 * token, the store its hash), API tokens, and re-authentication for electronic signatures. Every
 * change to an account is in the audit trail; a failed login too.
 */
export class Accounts {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    readonly policy: AccountPolicy = DEFAULT_ACCOUNT_POLICY,
  ) {}

  async setPassword(userId: string, password: string, actor: string, reason: string): Promise<void> {
    const user = await this.store.getUser(userId);
    if (!user) throw new NotFoundError(`no user ${userId}`);
    const problems = passwordProblems(password, user);
    if (problems.length) throw new ValidationError('the password does not meet the rules', problems.map((message) => ({ field: 'password', message: `password ${message}` })));
    const now = this.now();
    const updated: UserRecord = { ...user, passwordHash: await hashPassword(password), passwordChangedAt: now, failedLogins: 0 };
    delete updated.lockedUntil;
    await this.store.commit({ users: [updated], audit: [this.event(actor, 'user.password-set', user.id, { reason })] });
  }

  /** Checks email and password; opens a session. Refusals do not say which of the two was wrong. */
  async login(email: string, password: string, from: string): Promise<{ user: UserRecord; session: SessionRecord; token: string }> {
    const user = typeof email === 'string' ? await this.store.getUserByEmail(email) : undefined;
    const now = this.clock.now();
    if (user?.lockedUntil && Date.parse(user.lockedUntil) > now.getTime()) {
      await verifyPassword(password, undefined);
      await this.store.commit({ audit: [this.event(user.id, 'user.login-refused', user.id, { reason: `account locked until ${user.lockedUntil}`, from })] });
      throw new AuthenticationError('the account is locked after too many failed logins; try again later', user.lockedUntil);
    }
    const ok = await verifyPassword(password, user?.passwordHash);
    if (!user || !ok || !user.active) {
      if (user) await this.recordFailure(user, from);
      throw new AuthenticationError('email or password is wrong');
    }
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
    const updated: UserRecord = { ...user, failedLogins: 0 };
    delete updated.lockedUntil;
    await this.store.commit({ users: [updated], sessions: [session], audit: [this.event(user.id, 'user.login', user.id, { from })] });
    return { user: updated, session, token };
  }

  private async recordFailure(user: UserRecord, from: string): Promise<void> {
    const failures = (user.failedLogins ?? 0) + 1;
    const lock = failures >= this.policy.maxFailedLogins;
    const updated: UserRecord = { ...user, failedLogins: lock ? 0 : failures };
    if (lock) updated.lockedUntil = new Date(this.clock.now().getTime() + this.policy.lockMinutes * 60_000).toISOString();
    const audit = [this.event(user.id, 'user.login-failed', user.id, { from, failures })];
    if (lock) audit.push(this.event('system', 'user.locked', user.id, { reason: `${failures} failed logins in a row`, until: updated.lockedUntil }));
    await this.store.commit({ users: [updated], audit });
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
    await this.store.commit({ deleteSessions: [session.id], audit: [this.event(session.userId, 'user.logout', session.userId, {})] });
  }

  /**
   * Re-authentication for a signature (21 CFR 11.200): the first signing in a session, or any signing
   * outside one, needs user id and password; later signings in the same continuous session need the
   * password. Both are checked here; the caller says which case applies by passing the email or not.
   */
  async reauthenticate(principal: Principal, password: string, email?: string): Promise<SessionRecord | undefined> {
    if (email !== undefined && email.toLowerCase() !== principal.user.email) throw new AuthenticationError('the user id does not match the signed-in user');
    const user = await this.store.getUser(principal.user.id);
    // The lockout holds here too, or the current password could be guessed through re-authentication.
    if (user?.lockedUntil && Date.parse(user.lockedUntil) > this.clock.now().getTime()) {
      throw new AuthenticationError('the account is locked after too many failed attempts; try again later', user.lockedUntil);
    }
    if (!user || !(await verifyPassword(password, user.passwordHash))) {
      if (user) await this.recordFailure(user, 'signature');
      throw new AuthenticationError('the password is wrong');
    }
    if (!principal.session) return undefined;
    const now = this.now();
    const session = { ...principal.session, authenticatedAt: now, signedAt: principal.session.signedAt ?? now };
    await this.store.commit({ sessions: [session], audit: [] });
    return session;
  }

  async createApiToken(userId: string, name: string, actor: string): Promise<{ token: string; record: ApiTokenRecord }> {
    if (typeof name !== 'string' || !name.trim() || name.length > 100) throw new ValidationError('invalid token', [{ field: 'name', message: 'give the token a name (1–100 characters)' }]);
    const user = await this.store.getUser(userId);
    if (!user) throw new NotFoundError(`no user ${userId}`);
    const id = randomUUID().replace(/-/g, '');
    const secret = randomBytes(32).toString('base64url');
    const record: ApiTokenRecord = { id, userId, name: name.trim(), hash: sha256(secret), createdAt: this.now() };
    await this.store.commit({ apiTokens: [record], audit: [this.event(actor, 'user.api-token-created', userId, { token: id, name: record.name })] });
    return { token: `imsf_${id}_${secret}`, record };
  }

  async revokeApiToken(userId: string, id: string, actor: string): Promise<void> {
    const record = await this.store.getApiToken(id);
    if (!record || record.userId !== userId) throw new NotFoundError(`no token ${id}`);
    if (record.revokedAt) throw new ConflictError(`token ${id} is already revoked`);
    await this.store.commit({ apiTokens: [{ ...record, revokedAt: this.now() }], audit: [this.event(actor, 'user.api-token-revoked', userId, { token: id })] });
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

  private event(actor: string, action: string, userId: string, details: Record<string, unknown> & { reason?: string }): AuditInput {
    const { reason, ...rest } = details;
    return {
      at: this.now(),
      actor,
      action,
      target: `user:${userId}`,
      ...(Object.keys(rest).length && { new: rest }),
      ...(reason && { reason }),
    };
  }
}
