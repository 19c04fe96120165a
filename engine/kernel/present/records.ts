import type { InstanceRecord, TaskRecord } from '../model.js';

/**
 * What a record or task is to a person, in one place, for pages and emails alike: its title beside its
 * number, whether it is late, and how far it has been escalated. No HTML and no language here: callers put
 * the words around these facts.
 */

/** Start-form fields that name a record when its pack names none (ProcessPack.titleFields). */
export const DEFAULT_TITLE_FIELDS = ['title', 'subject', 'summary', 'area', 'name'];

export interface RecordTitle {
  /** The business key: CAPA-2026-0004. */
  key: string;
  /** What the record is about, from its start data: "Leaking valve on line 3"; absent when it has none. */
  title?: string;
  /** Both, as one line: "CAPA-2026-0004 · Leaking valve on line 3". */
  text: string;
}

const MAX_TITLE = 120;

export function recordTitle(instance: Pick<InstanceRecord, 'businessKey' | 'variables'>, titleFields: readonly string[] = DEFAULT_TITLE_FIELDS): RecordTitle {
  const raw = titleFields.map((field) => instance.variables?.[field]).find((value) => typeof value === 'string' && value.trim());
  const title = typeof raw === 'string' ? oneLine(raw) : undefined;
  return { key: instance.businessKey, ...(title && { title }), text: title ? `${instance.businessKey} · ${title}` : instance.businessKey };
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_TITLE ? `${line.slice(0, MAX_TITLE - 1)}…` : line;
}

/** An open task past its due time. */
export function isOverdue(task: Pick<TaskRecord, 'status' | 'dueAt'>, now: string | Date): boolean {
  if (task.status !== 'open' || !task.dueAt) return false;
  return Date.parse(task.dueAt) < (typeof now === 'string' ? Date.parse(now) : now.getTime());
}

/** The escalation step an open task has reached: 0 until the first escalation. */
export function escalationLevel(task: Pick<TaskRecord, 'status' | 'escalationLevel'>): number {
  return task.status === 'open' ? (task.escalationLevel ?? 0) : 0;
}
