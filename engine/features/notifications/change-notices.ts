import { mayPublish, mayReview } from '../change-control/index.js';
import { addDuration } from '../../kernel/durations.js';
import { auditEvent } from '../../kernel/audit-event.js';
import type { Clock } from '../../kernel/clock.js';
import type { ChangeNoticeKind, DraftRecord, JobRecord, MessageRecord, UserRecord } from '../../kernel/model.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { ChangeSet } from '../../ports/commit-store.js';
import type { RecordStore } from '../../ports/record-store.js';
import { changeContent } from './mail/change-mail.js';
import type { MailReaders } from './mail/readers.js';
import { renderMail } from './mail/render.js';
import { outgoingMessage } from './outbox.js';

/**
 * The notices of change control (issue 16: "nobody is told about reviews"), run as `notify` jobs that the
 * submit and review commands commit with their step. Each writes one outbox message per person, with a
 * link to the change's review page (behind sign-in: a review is signed with the password anyway), and an
 * audit event naming who was told, in one commit with the job's completion.
 *
 * - review-requested / review-reminder: everyone who may sign it (mayReview) and did not edit it; a
 *   reminder plans the next one, and ends once the change is no longer in that review;
 * - change-approved / change-rejected: its author (who submitted it), with the reviewer's reason;
 * - change-to-publish: the process owners (mayPublish) other than an author already told.
 */
export interface ChangeNoticeDeps {
  store: RecordStore & AccountStore;
  clock: Clock;
  baseUrl: string;
  mailConfigured: boolean;
  mail: MailReaders;
}

/** The commit a change notice job makes, or undefined when it has nothing left to say (the change moved on). */
export async function changeNoticeChange(deps: ChangeNoticeDeps, job: JobRecord, workerId: string): Promise<ChangeSet | undefined> {
  const notice = job.payload.notice as ChangeNoticeKind;
  const draft = await deps.store.getDraft(String(job.payload.draftId));
  if (!draft || !current(notice, draft, Number(job.payload.revision))) return undefined;
  const now = deps.clock.now();
  const author = await deps.store.getUser(draft.submittedBy ?? draft.createdBy);
  const reviewer = draft.review ? await deps.store.getUser(draft.review.by) : undefined;
  const recipients = await recipientsOf(deps, notice, draft, author);
  const actorName = notice === 'review-requested' || notice === 'review-reminder' ? (author?.name ?? draft.submittedBy ?? draft.createdBy) : (draft.review?.name ?? reviewer?.name ?? '');
  const link = `${deps.baseUrl}/modeler/drafts/${encodeURIComponent(draft.id)}/review`;
  const messages: MessageRecord[] = [];
  const scheduleJobs: JobRecord[] = [];
  for (const user of recipients) {
    const content = renderMail(changeContent(notice, { reader: deps.mail.readerOf(user), recipient: user, draft, actorName, link, mayPublish: mayPublish(user.roles) }));
    const { message, emailJob } = outgoingMessage({ kind: notice, to: user.email, userId: user.id, ...content, link }, { now, mailConfigured: deps.mailConfigured });
    messages.push(message);
    if (emailJob) scheduleJobs.push(emailJob);
  }
  if (notice === 'review-reminder' && typeof job.payload.every === 'string') {
    const at = addDuration(job.payload.every, new Date(job.runAt));
    scheduleJobs.push({ ...job, id: job.id.replace(/-\d+$/, `-${at.getTime()}`), runAt: at.toISOString(), status: 'scheduled', attempts: 0, lockedBy: undefined, lockedUntil: undefined, queuedAt: undefined, lastError: undefined });
  }
  const to = recipients.map((u) => u.id);
  return {
    messages,
    scheduleJobs,
    finishJob: { id: job.id, lockedBy: workerId },
    audit: [
      auditEvent(deps.clock, {
        actor: 'system',
        action: 'draft.notified',
        target: `draft:${draft.id}`,
        new: { key: draft.key, notice, to, status: draft.status },
        reason: recipients.length ? undefined : 'nobody with an email address is left to tell',
      }),
    ],
  };
}

/** Whether the change is still where the notice found it: a reminder stops once its review is over. */
function current(notice: ChangeNoticeKind, draft: DraftRecord, revision: number): boolean {
  switch (notice) {
    case 'review-requested':
    case 'review-reminder':
      return draft.status === 'in-review' && draft.revision === revision;
    case 'change-to-publish':
      return draft.status === 'approved';
    case 'change-approved':
    case 'change-rejected':
      // the author is told even when the change was published or edited meanwhile
      return true;
  }
}

async function recipientsOf(deps: ChangeNoticeDeps, notice: ChangeNoticeKind, draft: DraftRecord, author: UserRecord | undefined): Promise<UserRecord[]> {
  const active = await deps.store.listUsers({ active: true });
  switch (notice) {
    case 'review-requested':
    case 'review-reminder':
      return active.filter((u) => mayReview(u.roles) && !draft.editors.includes(u.id));
    case 'change-approved':
    case 'change-rejected':
      return author?.active ? [author] : [];
    case 'change-to-publish':
      // an author who publishes has the approval notice, which says so: one email, not two
      return active.filter((u) => mayPublish(u.roles) && !(author && u.id === author.id));
  }
}
