import escapeHtml from 'escape-html';
import type { NoticeKind, TaskRecord, UserRecord } from '../model.js';

/**
 * Email text per notice kind, as plain text and HTML. Every value from a record is escaped in the HTML:
 * task names and business keys come from BPMN files and user input.
 */
export interface NoticeContext {
  task: TaskRecord;
  recipient: UserRecord;
  link?: string;
  level?: number;
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
};

export function renderNotice(kind: NoticeKind, context: NoticeContext): RenderedMail {
  const { task, recipient, link } = context;
  const subject = SUBJECTS[kind](context);
  const lead = LEADS[kind](context);
  const facts: [string, string][] = [
    ['Record', task.businessKey],
    ['Task', task.name],
    ...(task.dueAt ? ([['Due', dateOf(task.dueAt)]] as [string, string][]) : []),
  ];
  const action = link ? 'Open the task' : undefined;
  const text = [
    `Hello ${recipient.name},`,
    '',
    lead,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    ...(link ? ['', `${action}: ${link}`, 'The link is personal: do not forward it.'] : []),
    '',
    '— imsflow',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">
<p>Hello ${escapeHtml(recipient.name)},</p>
<p>${escapeHtml(lead)}</p>
<table>${facts.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
${link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(action!)}</a></p><p><small>The link is personal: do not forward it.</small></p>` : ''}
<p>— imsflow</p>
</body></html>`;
  return { subject, text, html };
}

function dateOf(iso?: string): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'without a due date';
}
