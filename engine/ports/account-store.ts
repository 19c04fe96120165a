/**
 * The people port: users, their sign-in sessions and API tokens, and the signed task links mailed to them.
 * Written only through commits. Invariant: an e-mail address belongs to at most one user (a commit that
 * would give it to a second fails whole with ConflictError) and `getUserByEmail` finds it whatever its case;
 * revoking a task's links touches only its still-valid ones. test/contracts/account-store/ pins it.
 */
import type { ApiTokenRecord, LinkTokenRecord, SessionRecord, UserRecord } from '../kernel/model.js';

export interface AccountStore {
  getUser(id: string): Promise<UserRecord | undefined>;
  getUserByEmail(email: string): Promise<UserRecord | undefined>;
  listUsers(query: { role?: string; active?: boolean }): Promise<UserRecord[]>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** A person's sessions, expired ones too: what deactivation and a password change end. */
  listSessionsOfUser(userId: string): Promise<SessionRecord[]>;
  getApiToken(id: string): Promise<ApiTokenRecord | undefined>;
  listApiTokens(userId: string): Promise<ApiTokenRecord[]>;
  getLinkToken(id: string): Promise<LinkTokenRecord | undefined>;
  listLinkTokens(taskId: string): Promise<LinkTokenRecord[]>;
  /** A person's links that still work (neither used nor revoked), of every task: what deactivation revokes. */
  listOpenLinkTokensOfUser(userId: string): Promise<LinkTokenRecord[]>;
}
