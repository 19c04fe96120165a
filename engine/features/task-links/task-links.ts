import { createHmac, timingSafeEqual } from 'node:crypto';
import { whyNotHolder } from '../access/index.js';
import type { LinkTokenRecord, TaskRecord, UserRecord } from '../../kernel/model.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { RecordStore } from '../../ports/record-store.js';

/**
 * Signed task links. A token names its link-token record, task, recipient and expiry, signed with
 * HMAC-SHA256 under the server secret: a tampered token fails the signature; the record (checked by the
 * caller) makes a token usable once and revocable.
 *
 * Format: base64url(JSON {i, t, u, e}) "." base64url(HMAC).
 */
export interface LinkClaims {
  tokenId: string;
  taskId: string;
  userId: string;
  expiresAt: string;
}

export type LinkRefusal =
  | 'malformed'
  | 'tampered'
  | 'unknown'
  | 'expired'
  | 'used'
  | 'revoked'
  | 'closed'
  /** the link's person is no longer active */
  | 'inactive'
  /** revoked when the person was deactivated; the account is active again, the link is not */
  | 'deactivated'
  /** the person no longer belongs to the task's site */
  | 'other-site'
  /** the task is assigned to someone else now, or the person no longer holds its role */
  | 'not-holder';

/** The revocation reason deactivation writes on a person's open links. */
export const DEACTIVATED = 'account deactivated';

/** A refused link: why, and for whom (their name, for the page that says so). */
export interface RefusedLink {
  ok: false;
  reason: LinkRefusal;
  person?: string;
  /** The task the link was for, when refused for its person: so the page can say which task. */
  task?: Pick<TaskRecord, 'name' | 'businessKey'>;
}

export class TaskLinkSigner {
  constructor(private readonly secret: Buffer) {
    if (secret.length < 32) throw new Error('the link secret must be at least 32 bytes');
  }

  sign(token: Pick<LinkTokenRecord, 'id' | 'taskId' | 'userId' | 'expiresAt'>): string {
    const body = Buffer.from(JSON.stringify({ i: token.id, t: token.taskId, u: token.userId, e: token.expiresAt })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** Checks form and signature only; the caller checks the record and the task. */
  verify(token: string): { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'tampered' } {
    const parts = typeof token === 'string' ? token.split('.') : [];
    if (parts.length !== 2 || !parts[0] || !parts[1] || token.length > 1000) return { ok: false, reason: 'malformed' };
    const [body, mac] = parts;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'tampered' };
    try {
      const { i, t, u, e } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      if (![i, t, u, e].every((v) => typeof v === 'string')) return { ok: false, reason: 'malformed' };
      return { ok: true, claims: { tokenId: i, taskId: t, userId: u, expiresAt: e } };
    } catch {
      return { ok: false, reason: 'malformed' };
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

/** Why a link does not open its task, in words for the page that says so. */
const LINK_REFUSALS: Record<Exclude<LinkRefusal, PersonalRefusal>, { status: number; title: string; message: string }> = {
  malformed: { status: 400, title: 'This link is not valid', message: 'The link is incomplete or damaged. Open it again from the email, or sign in to find the task.' },
  tampered: { status: 400, title: 'This link is not valid', message: 'The link was changed after it was sent, so it cannot be trusted. Open it from the original email, or sign in.' },
  unknown: { status: 400, title: 'This link is not valid', message: 'This link was not issued by this server.' },
  expired: { status: 410, title: 'This link has expired', message: 'Task links are valid for a limited time. Sign in to find the task in your task list.' },
  used: { status: 410, title: 'This link has been used', message: 'The task was completed with this link already. Each link can complete a task once.' },
  revoked: { status: 410, title: 'This link is no longer valid', message: 'The task was completed, reassigned or cancelled since this email was sent.' },
  closed: { status: 410, title: 'This task is closed', message: 'The task is no longer open, so there is nothing left to do here.' },
};

type PersonalRefusal = 'inactive' | 'deactivated' | 'other-site' | 'not-holder';

/** The words for a refusal about the link's person: the same rule a signed-in session gets, said to them. */
const PERSONAL_REFUSALS: Record<PersonalRefusal, { status: number; title: string; message: (person: string) => string }> = {
  inactive: { status: 410, title: 'This link is no longer valid', message: (p) => `This link was for ${p}, whose account is no longer active. Ask the process owner who does this task now.` },
  deactivated: {
    status: 410,
    title: 'This link is no longer valid',
    message: (p) => `This link was for ${p}, whose account was deactivated after it was sent. Links do not come back with the account: sign in to find the task in your task list.`,
  },
  'other-site': {
    status: 403,
    title: 'This task is no longer assigned to you',
    message: (p) => `This link was for ${p}, whose account no longer belongs to the site of this task. Sign in to see the tasks that are yours.`,
  },
  'not-holder': {
    status: 403,
    title: 'This task is no longer assigned to you',
    message: (p) => `This link was for ${p}, who no longer holds this task: it went to someone else, or the roles changed since this email was sent. Sign in to see the tasks that are yours.`,
  },
};

/** Status, title and message of the page for a refused link. */
/** Every reason a link may be refused for. */
export const LINK_REFUSAL_REASONS: readonly LinkRefusal[] = [...Object.keys(LINK_REFUSALS), ...Object.keys(PERSONAL_REFUSALS)] as LinkRefusal[];

export function describeRefusal(refused: RefusedLink): { status: number; title: string; message: string } {
  if (refused.reason in PERSONAL_REFUSALS) {
    const { status, title, message } = PERSONAL_REFUSALS[refused.reason as PersonalRefusal];
    return { status, title, message: message(refused.person ?? 'a person') };
  }
  return LINK_REFUSALS[refused.reason as Exclude<LinkRefusal, PersonalRefusal>];
}

/**
 * Opens a link: signature, then the token record (issued here, not used, not revoked, not expired),
 * then the task (still open), then its person: honoured only while they are active, of the task's site
 * and its holder, the rule a signed-in session gets (engine/features/access/access.ts). Checked on every use, so a person
 * moved to another role or site loses the link at once; deactivation also revokes it for good. Every
 * refusal has its reason.
 */
export async function resolveLink(
  signer: TaskLinkSigner,
  store: Pick<AccountStore, 'getLinkToken' | 'getUser'> & Pick<RecordStore, 'getTask'>,
  now: Date,
  token: string,
): Promise<{ ok: true; record: LinkTokenRecord; task: TaskRecord; user: UserRecord } | RefusedLink> {
  const verified = signer.verify(token);
  if (!verified.ok) return verified;
  const record = await store.getLinkToken(verified.claims.tokenId);
  if (!record || record.taskId !== verified.claims.taskId || record.userId !== verified.claims.userId) return { ok: false, reason: 'unknown' };
  if (record.usedAt) return { ok: false, reason: 'used' };
  const user = await store.getUser(record.userId);
  const person = user?.name ?? 'a person who is no longer known here';
  if (record.revokedAt) {
    if (record.revokedReason !== DEACTIVATED) return { ok: false, reason: 'revoked' };
    const task = await store.getTask(record.taskId);
    return { ok: false, reason: user?.active ? 'deactivated' : 'inactive', person, ...(task && { task: { name: task.name, businessKey: task.businessKey } }) };
  }
  if (Date.parse(record.expiresAt) <= now.getTime()) return { ok: false, reason: 'expired' };
  const task = await store.getTask(record.taskId);
  if (!task || task.status !== 'open') return { ok: false, reason: 'closed' };
  const notHolder = user ? whyNotHolder(user, task) : 'inactive';
  if (notHolder) return { ok: false, reason: notHolder, person, task: { name: task.name, businessKey: task.businessKey } };
  return { ok: true, record, task, user: user! };
}
