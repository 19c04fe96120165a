import { auditEvent } from '../../kernel/audit-event.js';
import { NotFoundError, NotPermittedError, ValidationError } from '../../kernel/errors.js';
import type { UserRecord } from '../../kernel/model.js';
import type { NoticePreference } from '../../kernel/person-choices.js';
import type { FeatureContext } from '../context.js';

/** A time of day, 00:00–23:59. */
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** What a person gets when they chose nothing: every notice at once. */
export const IMMEDIATE: NoticePreference = { delivery: 'immediate', at: '07:00' };

/**
 * A person chooses how task notices reach them: each at once, or one daily digest at a time of day on their
 * own clock (engine/features/notifications/daily-digest.ts). Only their own; audited old → new.
 */
export async function setNoticePreference(ctx: FeatureContext, personId: string, input: { delivery?: unknown; at?: unknown }, actor: string): Promise<UserRecord> {
  if (actor !== personId) throw new NotPermittedError('a person chooses only how they themselves are told');
  const delivery = input.delivery === 'daily' || input.delivery === 'immediate' ? input.delivery : undefined;
  const at = typeof input.at === 'string' && input.at.trim() ? input.at.trim() : IMMEDIATE.at;
  const fields = [
    ...(delivery ? [] : [{ field: 'delivery', message: 'choose immediate or daily' }]),
    ...(TIME.test(at) ? [] : [{ field: 'at', message: 'give a time of day such as 07:00' }]),
  ];
  if (fields.length) throw new ValidationError('invalid notice preference', fields);
  const existing = await ctx.store.getUser(personId);
  if (!existing?.active) throw new NotFoundError(`no user ${personId}`);
  const before = existing.notices ?? IMMEDIATE;
  const notices: NoticePreference = { delivery: delivery!, at };
  if (before.delivery === notices.delivery && before.at === notices.at) return existing;
  const user: UserRecord = { ...existing, notices };
  await ctx.store.commit({ users: [user], audit: [auditEvent(ctx.clock, { actor, action: 'user.notices-changed', target: `user:${personId}`, old: before, new: notices })] });
  return user;
}
