import type { ApiTokenRecord, LinkTokenRecord, SessionRecord, UserRecord } from '../../kernel/model.js';
import { type SqliteHandle } from './handle.js';
import { conditions, parseDoc, parseDocs } from './helpers.js';

/** Reads of people, sessions, API tokens and signed task links. */

export async function getUser(h: SqliteHandle, id: string): Promise<UserRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM users WHERE id = ?').get(id));
}

export async function listUsers(h: SqliteHandle, query: { role?: string; active?: boolean }): Promise<UserRecord[]> {
  const { where, params } = conditions([
    ['id IN (SELECT user_id FROM user_roles WHERE role = ?)', query.role],
    ['active = ?', query.active === undefined ? undefined : query.active ? 1 : 0],
  ]);
  return parseDocs(h.query(`SELECT doc FROM users ${where} ORDER BY id`).all(...params));
}

export async function getUserByEmail(h: SqliteHandle, email: string): Promise<UserRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM users WHERE email = ?').get(email.toLowerCase()));
}

export async function getSession(h: SqliteHandle, id: string): Promise<SessionRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM sessions WHERE id = ?').get(id));
}

export async function listSessionsOfUser(h: SqliteHandle, userId: string): Promise<SessionRecord[]> {
  return parseDocs(h.query('SELECT doc FROM sessions WHERE user_id = ? ORDER BY id').all(userId));
}

export async function getApiToken(h: SqliteHandle, id: string): Promise<ApiTokenRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM api_tokens WHERE id = ?').get(id));
}

export async function listApiTokens(h: SqliteHandle, userId: string): Promise<ApiTokenRecord[]> {
  return parseDocs(h.query(`SELECT doc FROM api_tokens WHERE user_id = ? ORDER BY json_extract(doc, '$.createdAt'), id`).all(userId));
}

export async function getLinkToken(h: SqliteHandle, id: string): Promise<LinkTokenRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM link_tokens WHERE id = ?').get(id));
}

export async function listLinkTokens(h: SqliteHandle, taskId: string): Promise<LinkTokenRecord[]> {
  return parseDocs(h.query(`SELECT doc FROM link_tokens WHERE task_id = ? ORDER BY json_extract(doc, '$.createdAt'), id`).all(taskId));
}

export async function listOpenLinkTokensOfUser(h: SqliteHandle, userId: string): Promise<LinkTokenRecord[]> {
  // the expression is the indexed one (link_tokens_user), so the lookup uses the index
  return parseDocs(
    h.query(
      `SELECT doc FROM link_tokens WHERE json_extract(doc, '$.userId') = ?
         AND json_extract(doc, '$.revokedAt') IS NULL AND json_extract(doc, '$.usedAt') IS NULL
       ORDER BY json_extract(doc, '$.createdAt'), id`,
    ).all(userId),
  );
}
