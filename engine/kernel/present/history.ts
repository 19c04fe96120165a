import type { AuditEvent, FormField } from '../model.js';
import { dataChanges, humanKey, showAny, type FieldChange, type Shown, type ValueLookups } from './values.js';

/**
 * An audit event as a person reads it: one sentence per action ("Aoife Brennan completed Assess and
 * contain: severity major"), the data it changed as before → after per field, and the reason given. The
 * sentence itself is a message of the pages' and emails' catalogue (`history.<action>`); this file picks
 * the message and its arguments, and never shows a stored object as it is.
 */

/** A step of a record, as the history names it: its authored name, and what translates it. */
export interface StepRef {
  elementId: string;
  name: string;
  processKey?: string;
}

export interface HistoryEntry {
  action: string;
  /** The message id: `history.<action>`, or `history.other` for an action without a sentence of its own. */
  message: string;
  /** The step the event is about (bold in the sentence), when it is about a task. */
  step?: StepRef;
  /** The message's other arguments: `actor` always, then what the action names (a person, a date, a count). */
  args: Record<string, Shown>;
  /** Data entered or changed, per field. */
  changes: FieldChange[];
  /** The few short answers the sentence names ("severity major"): a choice, a yes/no, a number, a short text. */
  summary: FieldChange[];
  reason?: string;
}

export interface HistoryLookups extends ValueLookups {
  /** A task of the record by id: its name and form, to name the step and label the entered data. */
  task?(id: string): { name: string; elementId: string; definitionKey?: string; form?: FormField[] } | undefined;
  /** Labels of the start data (the fields of the record's forms by key), when known. */
  variableFields?: Pick<FormField, 'key' | 'label' | 'type' | 'options'>[];
  /** Ids of the records this one is linked to: start data holding one is left out (the linked records name it). */
  linkedIds?: ReadonlySet<string>;
}

/** Every action that has its own sentence; the others read "{actor}: {action}" in words (`history.other`). */
export const HISTORY_ACTIONS = [
  'instance.started',
  'instance.completed',
  'instance.cancelled',
  'instance.status-changed',
  'instance.linked',
  'task.created',
  'task.completed',
  'task.cancelled',
  'task.claimed',
  'task.released',
  'task.reassigned',
  'task.due-changed',
  'task.escalated',
  'task.notified',
  'task.requester-notified',
  'task.signed',
  'task.extension-requested',
  'task.extension-approved',
  'task.extension-rejected',
  'timer.fired',
  'incident.opened',
  'incident.resolved',
  'incident.retry-failed',
  'attachment.uploaded',
  'email.sent',
  'training.assigned',
  'definition.deployed',
  'definition.published',
  'draft.created',
  'draft.saved',
  'draft.submitted',
  'draft.approved',
  'draft.rejected',
  'draft.withdrawn',
  'draft.withdrawn-from-review',
  'draft.published',
  'change.signed',
  'schedule.created',
  'schedule.updated',
  'schedule.deleted',
  'user.created',
  'user.updated',
  'user.password-set',
  'user.login',
  'user.login-failed',
  'user.login-throttled',
  'user.logout',
  'user.links-revoked',
  'user.api-token-created',
  'user.api-token-revoked',
  'user.api-token-refused',
  'user.notices-changed',
  'user.out-of-office-set',
  'user.out-of-office-started',
  'user.out-of-office-ended',
  'webhook.subscription-created',
  'webhook.subscription-updated',
  'webhook.subscription-deleted',
  'webhook.secret-rotated',
  'webhook.delivered',
  'inbound.received',
  'digest.sent',
  'backup.exported',
  'backup.restored',
] as const;

/** The message id of an action: its own sentence, or the generic one. */
export function historyMessage(action: string): string {
  return (HISTORY_ACTIONS as readonly string[]).includes(action) ? `history.${action}` : 'history.other';
}

function objectOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');

/** `task:abc` → ['task', 'abc']; `definition:capa@3` → ['definition', 'capa@3']. */
function targetOf(target: string): [string, string] {
  const at = target.indexOf(':');
  return at < 0 ? [target, ''] : [target.slice(0, at), target.slice(at + 1)];
}

function person(id: unknown, lookups: ValueLookups): Shown {
  const value = text(id);
  if (!value) return { kind: 'empty' };
  const name = lookups.personName?.(value);
  return { kind: 'person', id: value, ...(name && { name }) };
}

const plain = (value: unknown): Shown => (text(value) ? { kind: 'text', text: text(value) } : { kind: 'empty' });

const role = (value: unknown): Shown => (text(value) ? { kind: 'option', value: text(value), label: text(value), field: 'role' } : { kind: 'empty' });

/** Who holds a task after an event: a person by name, else the role (the page words "the … role"). */
function holder(value: Record<string, unknown>, lookups: ValueLookups): Shown {
  if (text(value.assignee)) return person(value.assignee, lookups);
  return role(value.candidateRole);
}

/** Keys of stored objects that only machines read (hashes, ids of rows): left out of the changes. */
const MACHINE_KEYS = new Set(['onBehalfOf', 'hash', 'xmlSha256', 'recordHash', 'signature', 'request', 'prevHash', 'eventId', 'draft']);

function readableChanges(before: unknown, after: unknown, lookups: ValueLookups, fields: HistoryLookups['variableFields'] = []): FieldChange[] {
  const strip = (value: unknown) => Object.fromEntries(Object.entries(objectOf(value)).filter(([key]) => !MACHINE_KEYS.has(key)));
  return dataChanges(strip(before), strip(after), lookups, fields);
}

/** Start data without the variables holding a linked record's id (a training's `documentInstanceId`). */
function withoutLinkedIds(variables: unknown, linkedIds: ReadonlySet<string> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(objectOf(variables)).filter(([, value]) => !(typeof value === 'string' && linkedIds?.has(value))));
}

const SHORT = 40;
const SYSTEM_ACTOR = 'system';
const MACHINE_REASONS = new Set(['task.escalated', 'timer.fired', 'task.notified', 'task.reassigned']);

function isShort(value: Shown): boolean {
  return value.kind === 'option' || value.kind === 'yesNo' || value.kind === 'number' || value.kind === 'date' || (value.kind === 'text' && !value.long && value.text.length <= SHORT && !value.text.includes('\n'));
}

/** The facts of one audit event for a sentence and a list of changes. */
export function historyEntry(event: AuditEvent, lookups: HistoryLookups = {}): HistoryEntry {
  const action = event.action;
  const [kind, id] = targetOf(event.target);
  const before = objectOf(event.old);
  const after = objectOf(event.new);
  const task = kind === 'task' ? lookups.task?.(id) : undefined;
  const taskName = task?.name ?? text(after.name);
  const step: StepRef | undefined =
    kind === 'task' && taskName ? { elementId: task?.elementId ?? text(after.element), name: taskName, ...(task?.definitionKey && { processKey: task.definitionKey }) } : undefined;
  const args: Record<string, Shown> = { actor: person(event.actor, lookups) };
  let changes: FieldChange[] = [];
  let summary: FieldChange[] = [];
  let message = historyMessage(action);

  switch (action) {
    case 'instance.started':
      changes = dataChanges({}, withoutLinkedIds(after.variables, lookups.linkedIds), lookups, lookups.variableFields);
      break;
    case 'instance.completed':
    case 'instance.cancelled':
      break;
    case 'instance.status-changed':
      args.before = { kind: 'option', value: text(before.status), label: text(before.status), field: 'status' };
      args.after = { kind: 'option', value: text(after.status), label: text(after.status), field: 'status' };
      break;
    case 'instance.linked':
      args.record = plain(after.businessKey);
      args.label = plain(after.label);
      break;
    case 'task.created':
      args.holder = holder(after, lookups);
      args.due = showAny(after.dueAt);
      if (!after.dueAt) message = 'history.task.created-undated';
      break;
    case 'task.completed':
      changes = dataChanges({}, after.data, lookups, task?.form ?? []);
      summary = changes.filter((c) => isShort(c.after)).slice(0, 2);
      if (summary.length) message = 'history.task.completed-with';
      break;
    case 'task.claimed':
    case 'task.released':
      args.role = role(after.candidateRole ?? before.candidateRole);
      break;
    case 'task.reassigned':
      args.before = holder(before, lookups);
      args.after = holder(after, lookups);
      break;
    case 'task.due-changed':
    case 'task.extension-approved':
      args.before = showAny(before.dueAt);
      args.after = showAny(after.dueAt);
      break;
    case 'task.extension-requested':
    case 'task.extension-rejected':
      args.after = showAny(after.toDueAt ?? after.askedFor);
      args.requester = person(after.requestedBy, lookups);
      break;
    case 'task.escalated':
      args.level = showAny(after.escalationLevel);
      args.role = role(after.to);
      args.count = { kind: 'number', value: Array.isArray(after.notified) ? after.notified.length : 0 };
      break;
    case 'task.notified':
    case 'task.requester-notified':
      args.notice = plain(text(after.notice).replace(/-/g, '_'));
      args.count = { kind: 'number', value: Array.isArray(after.to) ? after.to.length : after.to ? 1 : 0 };
      break;
    case 'task.signed':
    case 'change.signed':
      args.signer = plain(after.printedName);
      args.meaning = plain(after.meaning);
      args.process = plain(after.key);
      break;
    case 'timer.fired':
      break;
    case 'incident.opened':
    case 'incident.retry-failed':
      args.problem = plain(after.message);
      args.element = plain(after.element);
      break;
    case 'attachment.uploaded':
      args.file = plain(after.name);
      break;
    case 'email.sent':
      args.subject = plain(after.subject);
      args.to = plain(after.to);
      break;
    case 'training.assigned':
      args.person = person(after.user, lookups);
      args.version = showAny(after.version);
      break;
    case 'definition.deployed':
    case 'definition.published':
    case 'draft.published':
      args.process = plain(after.name ?? after.key ?? id.split('@')[0]);
      args.version = showAny(after.version ?? Number(id.split('@')[1]));
      break;
    case 'user.created':
    case 'user.updated':
    case 'user.password-set':
    case 'user.links-revoked':
    case 'user.api-token-created':
    case 'user.api-token-revoked':
    case 'user.api-token-refused':
    case 'user.notices-changed':
      args.person = person(id, lookups);
      changes = readableChanges(event.old, event.new, lookups);
      break;
    case 'user.out-of-office-set':
    case 'user.out-of-office-started':
    case 'user.out-of-office-ended':
      args.person = person(id, lookups);
      args.delegate = person(after.delegate ?? before.delegate, lookups);
      args.from = showAny(after.fromDay ?? before.fromDay);
      args.to = showAny(after.toDay ?? before.toDay);
      break;
    default:
      args.process = plain(after.key ?? after.processKey ?? before.processKey);
      if (message === 'history.other') args.action = plain(humanKey(action.replace(/\./g, ' ')));
      changes = kind === 'task' || kind === 'instance' ? [] : readableChanges(event.old, event.new, lookups);
  }
  // an out-of-office delegate acted for the task's holder: the sentence names both ("Bob Builder for Alice Auditor")
  const holderId = text(after.onBehalfOf);
  if (holderId && args.actor.kind === 'person') args.actor = { ...args.actor, onBehalfOf: { id: holderId, ...(lookups.personName?.(holderId) && { name: lookups.personName(holderId) }) } };
  // what the engine itself noted as the reason of its own steps ("task overdue since …", "timer … was due
  // at …") the sentence already says; a person's reason, and a problem's cause, are shown as given
  const reason = event.reason && !(event.actor === SYSTEM_ACTOR && MACHINE_REASONS.has(action)) ? event.reason : undefined;
  return { action, message, ...(step && { step }), args, changes, summary, ...(reason && { reason }) };
}
