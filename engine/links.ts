import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LinkTokenRecord, TaskRecord } from './model.js';
import type { Store } from './store/store.js';

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

export type LinkRefusal = 'malformed' | 'tampered' | 'unknown' | 'expired' | 'used' | 'revoked' | 'closed';

export class LinkSigner {
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
export const LINK_REFUSALS: Record<LinkRefusal, { status: number; title: string; message: string }> = {
  malformed: { status: 400, title: 'This link is not valid', message: 'The link is incomplete or damaged. Open it again from the email, or sign in to find the task.' },
  tampered: { status: 400, title: 'This link is not valid', message: 'The link was changed after it was sent, so it cannot be trusted. Open it from the original email, or sign in.' },
  unknown: { status: 400, title: 'This link is not valid', message: 'This link was not issued by this server.' },
  expired: { status: 410, title: 'This link has expired', message: 'Task links are valid for a limited time. Sign in to find the task in your task list.' },
  used: { status: 410, title: 'This link has been used', message: 'The task was completed with this link already. Each link can complete a task once.' },
  revoked: { status: 410, title: 'This link is no longer valid', message: 'The task was completed, reassigned or cancelled since this email was sent.' },
  closed: { status: 410, title: 'This task is closed', message: 'The task is no longer open, so there is nothing left to do here.' },
};

/**
 * Opens a link: signature, then the token record (issued here, not used, not revoked, not expired),
 * then the task (still open). A reassignment revokes the earlier holders' tokens, so a valid token is
 * always one of the current holder's or an escalation recipient's. Every refusal has its reason.
 */
export async function resolveLink(
  signer: LinkSigner,
  store: Pick<Store, 'getLinkToken' | 'getTask'>,
  now: Date,
  token: string,
): Promise<{ ok: true; record: LinkTokenRecord; task: TaskRecord } | { ok: false; reason: LinkRefusal }> {
  const verified = signer.verify(token);
  if (!verified.ok) return verified;
  const record = await store.getLinkToken(verified.claims.tokenId);
  if (!record || record.taskId !== verified.claims.taskId || record.userId !== verified.claims.userId) return { ok: false, reason: 'unknown' };
  if (record.usedAt) return { ok: false, reason: 'used' };
  if (record.revokedAt) return { ok: false, reason: 'revoked' };
  if (Date.parse(record.expiresAt) <= now.getTime()) return { ok: false, reason: 'expired' };
  const task = await store.getTask(record.taskId);
  if (!task || task.status !== 'open') return { ok: false, reason: 'closed' };
  return { ok: true, record, task };
}
