import type { Reader } from '../../kernel/i18n/index.js';
import type { ExtensionRequest, NoticeKind, TaskRecord, UserRecord } from '../../kernel/model.js';
import type { RecordTitle } from '../../kernel/present/index.js';
import type { MailContent, RenderedMail } from './mail/content.js';
import { MailReaders, stepName } from './mail/readers.js';
import { renderMail } from './mail/render.js';

export type { RenderedMail } from './mail/content.js';

/**
 * The notices about a task, in the recipient's language and on their clock: subject, plain text and HTML
 * from one content (mail/content.ts), with the record's title, the step's name (its pack's translation when
 * it has one) and people by name. The HTML comes from components (mail/components.tsx), so every value from
 * a record is escaped by the renderer.
 */
export interface NoticeContext {
  task: TaskRecord;
  recipient: UserRecord;
  link?: string;
  level?: number;
  /** For the extension notices: the request, and the name of who asked (requested) or decided (decided). */
  extension?: ExtensionRequest;
  /** An extension request asked again: nobody has decided it yet. */
  reminder?: boolean;
  actorName?: string;
  /** The name of the person the task is assigned to (escalation) and of who completed it (completed). */
  assigneeName?: string;
  completedByName?: string;
  /** The task's record as people know it; its business key alone when not given. */
  record?: RecordTitle;
  /** The recipient's reader; without one, the installation defaults' (English, UTC). */
  reader?: Reader;
}

const EXTENSION_KINDS: NoticeKind[] = ['extension-requested', 'extension-decided'];

const DEFAULT_READERS = new MailReaders();

/** A role as people call it ("quality manager"); a role the house does not ship keeps its own name. */
function roleName(reader: Reader, role: string): string {
  // ICU select keys cannot hold hyphens: quality-manager → qualityManager
  return reader.t('mail.role', { role, roleKey: role.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) });
}

export function renderNotice(kind: NoticeKind, context: NoticeContext): RenderedMail {
  return renderMail(noticeContent(kind, context));
}

/** What a notice says, in the reader's words. */
export function noticeContent(kind: NoticeKind, context: NoticeContext): MailContent {
  const { task, recipient, link, extension } = context;
  const reader = context.reader ?? DEFAULT_READERS.readerOf(recipient);
  const { t } = reader;
  const when = (iso: string | undefined) => (iso ? reader.dateTime(iso) : t('mail.withoutDueDate'));
  const record = (context.record ?? { text: task.businessKey }).text;
  const step = stepName(reader, task);
  const due = when(task.dueAt);
  const level = context.level ?? 1;
  const actor = context.actorName ?? t('mail.someone');
  const args = { step, record, due, level, to: when(extension?.toDueAt), from: when(extension?.fromDueAt), name: actor };
  const [subject, ...lead] = ((): string[] => {
    switch (kind) {
      case 'assigned':
        return [t('mail.assigned.subject', args), task.assignee ? t('mail.assigned.toYou') : t('mail.assigned.toRole', { role: roleName(reader, task.candidateRole ?? '') })];
      case 'reminder':
        return [t('mail.reminder.subject', args), t('mail.reminder.lead', args)];
      case 'due':
        return [t('mail.due.subject', args), t('mail.due.lead')];
      case 'overdue':
        return [t('mail.overdue.subject', args), t('mail.overdue.lead', args)];
      case 'escalation': {
        const holder =
          task.assignee === recipient.id ? [t('mail.escalation.nowYours')] : task.assignee ? [t('mail.escalation.heldBy', { name: context.assigneeName ?? task.assignee })] : [];
        return [t('mail.escalation.subject', args), `${t('mail.escalation.lead', args)}${holder.length ? ` ${holder[0]}` : ''}`];
      }
      case 'completed': {
        const name = context.completedByName ?? task.completedBy;
        return [t('mail.completed.subject', args), name ? t('mail.completed.lead', { record, name }) : t('mail.completed.leadNoName', { record })];
      }
      case 'extension-requested':
        return [t(context.reminder ? 'mail.extensionRequested.reminderSubject' : 'mail.extensionRequested.subject', args), t('mail.extensionRequested.lead', args)];
      case 'extension-decided': {
        const approved = extension?.status === 'approved';
        return [t('mail.extensionDecided.subject', { ...args, decision: approved ? 'approved' : 'rejected' }), t(approved ? 'mail.extensionDecided.approved' : 'mail.extensionDecided.rejected', args)];
      }
      default:
        // a change's notices are about a draft, not a task: mail/change-mail.ts writes them
        throw new Error(`"${kind}" is not a notice about a task`);
    }
  })();
  const facts: [string, string][] = [
    [t('mail.fact.record'), record],
    [t('mail.fact.task'), step],
    ...(task.dueAt ? ([[t('mail.fact.due'), due]] as [string, string][]) : []),
    ...(extension
      ? ([
          [t('mail.fact.askedFor'), when(extension.toDueAt)],
          [t('mail.fact.reason'), extension.reason],
        ] as [string, string][])
      : []),
    ...(extension?.decisionReason ? ([[t('mail.fact.decisionReason'), extension.decisionReason]] as [string, string][]) : []),
  ];
  // the extension notices link to the task page behind sign-in, not to a personal task link
  const personal = link && !EXTENSION_KINDS.includes(kind);
  const showsTime = Boolean(task.dueAt || extension);
  return {
    lang: reader.locale,
    subject,
    greeting: t('mail.greeting', { name: recipient.name }),
    lead,
    facts,
    sections: [],
    ...(link && { action: { label: t('mail.action.openTask'), href: link, ...(personal && { note: t('mail.action.personal') }) } }),
    ...(showsTime && { footnote: t('mail.timesIn', { zone: reader.zoneName() }) }),
    signature: t('mail.signature'),
  };
}
