import type { Reader } from '../../../kernel/i18n/index.js';
import type { DraftRecord, UserRecord } from '../../../kernel/model.js';
import type { MailContent } from './content.js';
import { processName } from './readers.js';

/** The notices about a change to a process (change control), each to one person. */
export type ChangeNotice = 'review-requested' | 'review-reminder' | 'change-approved' | 'change-rejected' | 'change-to-publish';

export interface ChangeFacts {
  reader: Reader;
  recipient: Pick<UserRecord, 'name'>;
  draft: DraftRecord;
  /** Who submitted it (the review notices) or who reviewed it (the outcome notices). */
  actorName: string;
  /** The review page, behind sign-in. */
  link: string;
  /** The approval notice to an author who may publish says so. */
  mayPublish?: boolean;
}

/** What a change notice says, in the recipient's words and on their clock. */
export function changeContent(notice: ChangeNotice, { reader, recipient, draft, actorName, link, mayPublish = false }: ChangeFacts): MailContent {
  const { t } = reader;
  const process = processName(reader, draft.key, draft.name);
  const since = draft.submittedAt ? reader.dateTime(draft.submittedAt) : '';
  const args = { process, name: actorName, since };
  const review = notice === 'change-approved' || notice === 'change-rejected' || notice === 'change-to-publish';
  const [subject, ...lead] = ((): string[] => {
    switch (notice) {
      case 'review-requested':
        return [t('mail.change.reviewRequested.subject', args), t('mail.change.reviewRequested.lead', args)];
      case 'review-reminder':
        return [t('mail.change.reviewReminder.subject', args), t('mail.change.reviewReminder.lead', args)];
      case 'change-approved':
        return [t('mail.change.approved.subject', args), t('mail.change.approved.lead', args), ...(mayPublish ? [t('mail.change.approved.publish')] : [])];
      case 'change-rejected':
        return [t('mail.change.rejected.subject', args), t('mail.change.rejected.lead', args)];
      case 'change-to-publish':
        return [t('mail.change.toPublish.subject', args), t('mail.change.toPublish.lead', args)];
    }
  })();
  const facts: [string, string][] = [
    [t('mail.change.fact.process'), process],
    ...(draft.reason ? ([[t('mail.change.fact.reason'), draft.reason]] as [string, string][]) : []),
    ...(draft.impact && !review ? ([[t('mail.change.fact.impact'), draft.impact]] as [string, string][]) : []),
    ...(since ? ([[t('mail.change.fact.submitted'), since]] as [string, string][]) : []),
    ...(review && draft.review ? ([[t('mail.change.fact.decisionReason'), draft.review.reason]] as [string, string][]) : []),
  ];
  const action = notice === 'review-requested' || notice === 'review-reminder' ? 'mail.change.action.review' : notice === 'change-rejected' ? 'mail.change.action.open' : mayPublish || notice === 'change-to-publish' ? 'mail.change.action.publish' : 'mail.change.action.open';
  return {
    lang: reader.locale,
    subject,
    greeting: t('mail.greeting', { name: recipient.name }),
    lead,
    facts,
    sections: [],
    action: { label: t(action), href: link, note: t('mail.change.action.signIn') },
    ...(since && { footnote: t('mail.timesIn', { zone: reader.zoneName() }) }),
    signature: t('mail.signature'),
  };
}
