import escapeHtml from 'escape-html';
import type { ExtensionRequest, NoticeKind, TaskRecord, UserRecord } from '../../kernel/model.js';

/**
 * Email text per notice kind, as plain text and HTML. Every value from a record is escaped in the HTML:
 * task names and business keys come from BPMN files and user input.
 */
export interface NoticeContext {
  task: TaskRecord;
  recipient: UserRecord;
  link?: string;
  level?: number;
  /** For the extension notices: the request, and the name of who asked (requested) or decided (decided). */
  extension?: ExtensionRequest;
  actorName?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const SUBJECTS: Record<NoticeKind, (c: NoticeContext) => string> = {
  assigned: ({ task }) => `New task: ${task.name} (${task.businessKey})`,
  reminder: ({ task }) => `Reminder: ${task.name} (${task.businessKey}) is due ${dateOf(task.dueAt)}`,
  due: ({ task }) => `Due today: ${task.name} (${task.businessKey})`,
  overdue: ({ task }) => `Overdue: ${task.name} (${task.businessKey}) was due ${dateOf(task.dueAt)}`,
  escalation: ({ task, level }) => `Escalation (level ${level ?? 1}): ${task.name} (${task.businessKey}) is overdue`,
  completed: ({ task }) => `Completed: ${task.name} (${task.businessKey})`,
  'extension-requested': ({ task, extension }) => `Extension requested: ${task.name} (${task.businessKey}) to ${dateOf(extension?.toDueAt)}`,
  'extension-decided': ({ task, extension }) => `Extension ${extension?.status === 'approved' ? 'approved' : 'rejected'}: ${task.name} (${task.businessKey})`,
};

const LEADS: Record<NoticeKind, (c: NoticeContext) => string> = {
  assigned: ({ task }) => (task.assignee ? 'A task has been assigned to you.' : `A task is waiting for your role (${task.candidateRole}).`),
  reminder: ({ task }) => `This task is due ${dateOf(task.dueAt)}.`,
  due: () => 'This task is due today.',
  overdue: ({ task }) => `This task was due ${dateOf(task.dueAt)} and is still open.`,
  escalation: ({ task, level, recipient }) =>
    `This task is overdue since ${dateOf(task.dueAt)} and has been escalated to you (level ${level ?? 1})${
      task.assignee === recipient.id ? '; it is now assigned to you' : task.assignee ? `; it is assigned to ${task.assignee}` : ''
    }.`,
  completed: ({ task }) => `A task of ${task.businessKey}, which you started, has been completed${task.completedBy ? ` by ${task.completedBy}` : ''}.`,
  'extension-requested': ({ extension, actorName }) =>
    `${actorName ?? extension?.requestedBy ?? 'The holder of this task'} asks to move its due date from ${dateOf(extension?.fromDueAt)} to ${dateOf(extension?.toDueAt)}. Sign in and approve or reject the request on the task page.`,
  'extension-decided': ({ extension, actorName, task }) =>
    extension?.status === 'approved'
      ? `Your request to move the due date to ${dateOf(extension.toDueAt)} was approved by ${actorName ?? extension.decidedBy}: the task is now due ${dateOf(task.dueAt)}.`
      : `Your request to move the due date to ${dateOf(extension?.toDueAt)} was rejected by ${actorName ?? extension?.decidedBy}: the task stays due ${dateOf(task.dueAt)}.`,
};

const EXTENSION_KINDS: NoticeKind[] = ['extension-requested', 'extension-decided'];

export function renderNotice(kind: NoticeKind, context: NoticeContext): RenderedMail {
  const { task, recipient, link } = context;
  const subject = SUBJECTS[kind](context);
  const lead = LEADS[kind](context);
  const { extension } = context;
  const facts: [string, string][] = [
    ['Record', task.businessKey],
    ['Task', task.name],
    ...(task.dueAt ? ([['Due', dateOf(task.dueAt)]] as [string, string][]) : []),
    ...(extension ? ([['Asked for', dateOf(extension.toDueAt)], ['Reason given', extension.reason]] as [string, string][]) : []),
    ...(extension?.decisionReason ? ([['Reason for the decision', extension.decisionReason]] as [string, string][]) : []),
  ];
  const action = link ? 'Open the task' : undefined;
  // the extension notices link to the task page behind sign-in, not to a personal task link
  const personal = link && !EXTENSION_KINDS.includes(kind);
  const text = [
    `Hello ${recipient.name},`,
    '',
    lead,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    ...(link ? ['', `${action}: ${link}`, ...(personal ? ['The link is personal: do not forward it.'] : [])] : []),
    '',
    '— imsflow',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">
<p>Hello ${escapeHtml(recipient.name)},</p>
<p>${escapeHtml(lead)}</p>
<table>${facts.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
${link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(action!)}</a></p>${personal ? '<p><small>The link is personal: do not forward it.</small></p>' : ''}` : ''}
<p>— imsflow</p>
</body></html>`;
  return { subject, text, html };
}

function dateOf(iso?: string): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'without a due date';
}
