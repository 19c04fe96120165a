import { ValidationError, type FieldError } from './errors.js';
import type { FormField } from './model.js';

const MAX_TEXT = 10_000;
const MAX_LONGTEXT = 100_000;

/**
 * Checks submitted task data against the task's form and returns it cleaned (numbers as numbers,
 * booleans as booleans). Every problem is reported at once, by field key. Unknown keys are refused
 * rather than stored, so a record holds only what its form asked for.
 */
export function validateFormData(fields: FormField[], data: unknown): Record<string, unknown> {
  if (data === undefined || data === null) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ValidationError('task data must be an object of field values', [{ field: 'data', message: 'must be an object' }]);
  }
  const input = data as Record<string, unknown>;
  const errors: FieldError[] = [];
  const cleaned: Record<string, unknown> = {};
  const known = new Set(fields.map((f) => f.key));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) errors.push({ field: key, message: 'is not a field of this task' });
  }
  for (const field of fields) {
    const raw = input[field.key];
    const empty = raw === undefined || raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0);
    if (empty) {
      if (field.required) errors.push({ field: field.key, message: `${field.label} is required` });
      continue;
    }
    const result = coerce(field, raw);
    if ('error' in result) errors.push({ field: field.key, message: `${field.label} ${result.error}` });
    else if (field.type === 'checkbox' && field.required && result.value !== true) errors.push({ field: field.key, message: `${field.label} must be checked` });
    else cleaned[field.key] = result.value;
  }
  if (errors.length) throw new ValidationError(`the form has ${errors.length} error${errors.length === 1 ? '' : 's'}`, errors);
  return cleaned;
}

function coerce(field: FormField, raw: unknown): { value: unknown } | { error: string } {
  switch (field.type) {
    case 'text':
    case 'longtext':
    case 'person': {
      if (typeof raw !== 'string') return { error: 'must be text' };
      const limit = field.type === 'longtext' ? MAX_LONGTEXT : field.type === 'person' ? 200 : MAX_TEXT;
      if (raw.length > limit) return { error: `must be at most ${limit} characters` };
      return { value: raw };
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(n) ? { value: n } : { error: 'must be a number' };
    }
    case 'date': {
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw)) return { error: 'must be a date as YYYY-MM-DD' };
      const date = new Date(`${raw}T00:00:00Z`);
      return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(raw) ? { value: raw } : { error: 'is not a real calendar date' };
    }
    case 'select': {
      const value = String(raw);
      const options = field.options ?? [];
      return options.some((o) => o.value === value) ? { value } : { error: `must be one of ${options.map((o) => o.value).join(', ')}` };
    }
    case 'checkbox': {
      if (raw === true || raw === 'true' || raw === 'on') return { value: true };
      if (raw === false || raw === 'false') return { value: false };
      return { error: 'must be true or false' };
    }
    case 'file': {
      const file = raw as { sha256?: unknown; name?: unknown };
      if (typeof file !== 'object' || typeof file.sha256 !== 'string' || !/^[a-f0-9]{64}$/.test(file.sha256) || typeof file.name !== 'string') {
        return { error: 'must be an uploaded attachment reference' };
      }
      return { value: raw };
    }
    case 'checklist':
      return Array.isArray(raw) ? { value: raw } : { error: 'must be a list of checklist rows' };
  }
}
