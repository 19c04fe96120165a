import type { ApiTokenRecord, LinkTokenRecord, SessionRecord, UserRecord } from '../../kernel/model.js';
import { type MongoHandle } from './handle.js';
import { conditions, fromDoc } from './helpers.js';

/** Reads of people, sessions, API tokens and signed task links. */

export async function getUser(h: MongoHandle, id: string): Promise<UserRecord | undefined> {
  return fromDoc(await h.col('users').findOne({ _id: id }));
}

export async function listUsers(h: MongoHandle, query: { role?: string; active?: boolean }): Promise<UserRecord[]> {
  // `roles: role` matches when the array holds the role
  return h.list('users', conditions({ roles: query.role, active: query.active }), { _id: 1 });
}

/** Emails are stored lower-case, so the lower-cased address finds its user whatever case it was given in. */
export async function getUserByEmail(h: MongoHandle, email: string): Promise<UserRecord | undefined> {
  return fromDoc(await h.col('users').findOne({ email: email.toLowerCase() }));
}

export async function getSession(h: MongoHandle, id: string): Promise<SessionRecord | undefined> {
  return fromDoc(await h.col('sessions').findOne({ _id: id }));
}

export async function listSessionsOfUser(h: MongoHandle, userId: string): Promise<SessionRecord[]> {
  return h.list('sessions', { userId }, { _id: 1 });
}

export async function getApiToken(h: MongoHandle, id: string): Promise<ApiTokenRecord | undefined> {
  return fromDoc(await h.col('api_tokens').findOne({ _id: id }));
}

export async function listApiTokens(h: MongoHandle, userId: string): Promise<ApiTokenRecord[]> {
  return h.list('api_tokens', { userId }, { createdAt: 1, _id: 1 });
}

export async function getLinkToken(h: MongoHandle, id: string): Promise<LinkTokenRecord | undefined> {
  return fromDoc(await h.col('link_tokens').findOne({ _id: id }));
}

export async function listLinkTokens(h: MongoHandle, taskId: string): Promise<LinkTokenRecord[]> {
  return h.list('link_tokens', { taskId }, { createdAt: 1, _id: 1 });
}

export async function listOpenLinkTokensOfUser(h: MongoHandle, userId: string): Promise<LinkTokenRecord[]> {
  // `null` matches an unset field, as SQL's IS NULL does
  return h.list('link_tokens', { userId, revokedAt: null, usedAt: null }, { createdAt: 1, _id: 1 });
}
