import { ConflictError, type FieldError } from '../../kernel/errors.js';
import type { DraftRecord } from '../../kernel/model.js';

/** Checks of what a person sends with a change (texts, dates, the revision they edited): errors name the field. */

const MAX_TEXT = 2000;

export function checkRevision(draft: DraftRecord, revision: number): void {
  if (draft.revision === revision) return;
  throw new ConflictError(`the draft was saved by ${draft.updatedBy} at ${draft.updatedAt} (revision ${draft.revision}) after the revision ${revision} you edited: reload it and apply your change again`, {
    current: { revision: draft.revision, updatedBy: draft.updatedBy, updatedAt: draft.updatedAt, status: draft.status },
  });
}

export function notEditable(draft: DraftRecord): ConflictError {
  const why = draft.status === 'in-review' || draft.status === 'approved' ? `it is ${draft.status}: withdraw it from review to edit it` : `it is ${draft.status}`;
  return new ConflictError(`the draft cannot be changed: ${why}`, { current: { revision: draft.revision, updatedBy: draft.updatedBy, updatedAt: draft.updatedAt, status: draft.status } });
}

export function requiredText(value: unknown, field: string, what: string, fields: FieldError[]): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) fields.push({ field, message: `is required: ${what}` });
  else if (text.length > MAX_TEXT) fields.push({ field, message: `must be at most ${MAX_TEXT} characters` });
  return text;
}

export function optionalText(value: unknown, field: string, fields: FieldError[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_TEXT) {
    fields.push({ field, message: `must be text of at most ${MAX_TEXT} characters` });
    return undefined;
  }
  return value.trim() || undefined;
}

/**
 * A date given for a publication: `YYYY-MM-DD` (from the start of that day, UTC; today means now) or an
 * ISO 8601 date and time with its offset. Not in the past: a version cannot have been in effect before it existed.
 */
export function dateInput(value: unknown, field: string, now: Date, fields: FieldError[]): Date {
  const text = typeof value === 'string' ? value.trim() : '';
  const problem = () => {
    fields.push({ field, message: 'must be a date (YYYY-MM-DD) or an ISO 8601 date and time with its offset, not in the past' });
    return now;
  };
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text)) return problem();
  const at = text.length === 10 ? new Date(`${text}T00:00:00.000Z`) : new Date(text);
  if (Number.isNaN(at.getTime()) || (text.length === 10 && at.toISOString().slice(0, 10) !== text)) return problem();
  if (text.length === 10 && text === now.toISOString().slice(0, 10)) return now;
  if (at.getTime() < now.getTime()) return problem();
  return at;
}
