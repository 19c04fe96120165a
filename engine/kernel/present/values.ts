import type { FormField } from '../model.js';

/**
 * A stored value as a person reads it, before any language: what kind of thing it is (a date, a person, a
 * yes/no, a table) and its parts. Pages render it as components, emails as text; both put the words and
 * the reader's formats around it. Nothing here is JSON or a raw key: an object nobody described becomes
 * facts with human keys ("riskScore" → "Risk score"), a list of like objects a table.
 */
export type Shown =
  | { kind: 'empty' }
  | { kind: 'text'; text: string; long?: boolean }
  | { kind: 'number'; value: number }
  | { kind: 'yesNo'; value: boolean }
  /** An instant (a stored ISO timestamp): shown on the reader's clock. */
  | { kind: 'instant'; iso: string }
  /** A calendar date (YYYY-MM-DD): the same day everywhere. */
  | { kind: 'date'; ymd: string }
  | { kind: 'person'; id: string; name?: string; onBehalfOf?: { id: string; name?: string } }
  | { kind: 'option'; value: string; label: string; field?: string }
  | { kind: 'file'; sha256?: string; name: string; size?: number; contentType?: string }
  | { kind: 'clause'; id: string; text?: string }
  | { kind: 'list'; items: Shown[]; more: number }
  | { kind: 'facts'; entries: Fact[] }
  | { kind: 'table'; columns: Column[]; rows: Shown[][]; more: number }
  /** A checklist answer: conforms, does not conform, not applicable. */
  | { kind: 'result'; value: string };

export interface Fact {
  /** The stored key (for a translation id); the label is what a person reads when there is none. */
  key: string;
  label: string;
  value: Shown;
}

export interface Column {
  key: string;
  label: string;
}

/** What presenting needs from outside: names of people and clauses. */
export interface ValueLookups {
  /** A person's name by user id; undefined when the directory does not know them. */
  personName?(id: string): string | undefined;
  /** A clause of the catalogue by its record id, as "7.5.3 Control of documented information". */
  clauseText?(id: string): string | undefined;
  /** A value of a pack's field type in words (PackFieldType.present); undefined: the value is shown as data. */
  packValue?(type: string, value: unknown): string | undefined;
}

const MAX_ITEMS = 200;
const MAX_DEPTH = 4;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const SHA256 = /^[a-f0-9]{64}$/;
const PERSON_KEY = /(owner|assignee|holder|user|userId|by|person|auditors?|auditee|signer|approver|reviewer|manager|lead|team|members|notified)$/i;

/**
 * A key as words: "riskScore" → "Risk score", "action1Owner" → "Action 1 owner", "due_at" → "Due at",
 * "recordsWithOverdueTasks" → "Records with overdue tasks". Acronyms stay ("CAPA id" from "CAPAId").
 */
export function humanKey(key: string): string {
  const words = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])(?=[A-Z][a-z])/g, '$1 ')
    .replace(/([a-zA-Z])(\d)/g, '$1 $2')
    .replace(/(\d)([a-zA-Z])/g, '$1 $2')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => (/^[A-Z0-9]+$/.test(word) && word.length > 1 ? word : word.toLowerCase()));
  if (!words.length) return key;
  const [first, ...rest] = words;
  return [first.charAt(0).toUpperCase() + first.slice(1), ...rest].join(' ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length) || (isObject(value) && !Object.keys(value).length);
}

/** A stored file reference (an upload): its name, size and type, and its hash for the download link. */
function fileOf(value: unknown): Shown | undefined {
  if (!isObject(value) || typeof value.name !== 'string') return undefined;
  if (typeof value.sha256 !== 'string' && typeof value.contentType !== 'string') return undefined;
  return {
    kind: 'file',
    name: value.name,
    ...(typeof value.sha256 === 'string' && SHA256.test(value.sha256) && { sha256: value.sha256 }),
    ...(typeof value.size === 'number' && { size: value.size }),
    ...(typeof value.contentType === 'string' && { contentType: value.contentType }),
  };
}

/**
 * Any value nobody described: text as text (an ISO time as an instant, a YYYY-MM-DD as a date), a list of
 * plain values as a list, a list of like objects as a table, an object as facts with human keys.
 */
export function showAny(value: unknown, lookups: ValueLookups = {}, depth = 0, key?: string): Shown {
  if (isEmpty(value)) return { kind: 'empty' };
  // a user id under a key that names a person (owner, assignee, completedBy): the person, by name
  if (typeof value === 'string' && key && PERSON_KEY.test(key)) {
    const name = lookups.personName?.(value);
    if (name) return { kind: 'person', id: value, name };
  }
  // a clause of the catalogue by its record id: by number and title
  if (typeof value === 'string' && key === 'clause') {
    const text = lookups.clauseText?.(value);
    if (text) return { kind: 'clause', id: value, text };
  }
  if (typeof value === 'boolean') return { kind: 'yesNo', value };
  if (typeof value === 'number') return Number.isFinite(value) ? { kind: 'number', value } : { kind: 'text', text: String(value) };
  if (typeof value === 'string') {
    if (ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value))) return { kind: 'instant', iso: value };
    if (ISO_DAY.test(value)) return { kind: 'date', ymd: value };
    return { kind: 'text', text: value, ...(value.includes('\n') && { long: true }) };
  }
  if (typeof value !== 'object') return { kind: 'text', text: String(value) };
  const file = fileOf(value);
  if (file) return file;
  if (depth >= MAX_DEPTH) return { kind: 'text', text: summaryOf(value) };
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS);
    const more = Math.max(0, value.length - MAX_ITEMS);
    if (items.length > 1 && items.every(isObject) && !items.some((item) => fileOf(item))) return tableOf(items as Record<string, unknown>[], lookups, depth, more);
    // a list under a key that names people (a team) holds people too
    return { kind: 'list', items: items.map((item) => showAny(item, lookups, depth + 1, key)), more };
  }
  // facts nobody described leave out what is empty (a service's "problems: []" says nothing)
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => !isEmpty(item));
  if (!entries.length) return { kind: 'empty' };
  return { kind: 'facts', entries: entries.map(([k, item]) => ({ key: k, label: humanKey(k), value: showAny(item, lookups, depth + 1, k) })) };
}

/** Objects of one shape as a table: a column per key in the order first seen. */
function tableOf(items: Record<string, unknown>[], lookups: ValueLookups, depth: number, more: number): Shown {
  const keys: string[] = [];
  for (const item of items) for (const key of Object.keys(item)) if (!keys.includes(key)) keys.push(key);
  return {
    kind: 'table',
    columns: keys.map((key) => ({ key, label: humanKey(key) })),
    rows: items.map((item) => keys.map((key) => showAny(item[key], lookups, depth + 1, key))),
    more,
  };
}

/** Deep inside a value: its plain leaves, joined, rather than a structure nobody can read. */
function summaryOf(value: unknown): string {
  const leaves: string[] = [];
  const walk = (v: unknown) => {
    if (leaves.length > 20) return;
    if (v === null || v === undefined || v === '') return;
    if (typeof v !== 'object') leaves.push(String(v));
    else for (const item of Array.isArray(v) ? v : Object.values(v)) walk(item);
  };
  walk(value);
  return leaves.join(', ');
}

/** A field's value as entered, by the field's type; a value of the wrong shape falls back to showAny. */
export function showValue(field: Pick<FormField, 'key' | 'type' | 'options'> | undefined, value: unknown, lookups: ValueLookups = {}): Shown {
  // an unticked checkbox is not sent with the form: it is a "no", not a blank
  if (field?.type === 'checkbox' && (value === undefined || value === null || value === '')) return { kind: 'yesNo', value: false };
  if (isEmpty(value)) return { kind: 'empty' };
  switch (field?.type) {
    case 'text':
    case 'longtext':
      // an instant a service or another record put in a text field (a training's due time) reads on the reader's clock
      if (typeof value === 'string' && field.type === 'text' && ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value))) return { kind: 'instant', iso: value };
      return typeof value === 'string' ? { kind: 'text', text: value, ...(field.type === 'longtext' && { long: true }) } : showAny(value, lookups);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? { kind: 'number', value } : showAny(value, lookups);
    case 'date':
      return typeof value === 'string' && ISO_DAY.test(value) ? { kind: 'date', ymd: value } : showAny(value, lookups);
    case 'checkbox':
      return { kind: 'yesNo', value: value === true || value === 'true' };
    case 'select': {
      const option = field.options?.find((o) => o.value === value);
      return option ? { kind: 'option', value: option.value, label: option.label, field: field.key } : showAny(value, lookups);
    }
    case 'person': {
      if (typeof value !== 'string') return showAny(value, lookups);
      const name = lookups.personName?.(value);
      return { kind: 'person', id: value, ...(name && { name }) };
    }
    case 'file':
      return fileOf(value) ?? showAny(value, lookups);
    case 'checklist':
      return Array.isArray(value) ? checklistOf(field, value) : showAny(value, lookups);
    case 'clauses':
      return Array.isArray(value) ? { kind: 'list', items: value.map((id) => clauseOf(id, lookups)), more: 0 } : showAny(value, lookups);
    default:
      return field ? packValueOf(field.type, value, lookups) : showAny(value, lookups);
  }
}

/**
 * A value of a pack's field type as its pack words it; a list (a `multiple` field) item by item. A value its
 * pack does not know, or of a type no pack brings here any more (an old record), reads as data.
 */
function packValueOf(type: string, value: unknown, lookups: ValueLookups): Shown {
  const text = lookups.packValue?.(type, value);
  if (text) return { kind: 'text', text };
  if (Array.isArray(value) && value.length && value.every((item) => lookups.packValue?.(type, item))) {
    return { kind: 'list', items: value.slice(0, MAX_ITEMS).map((item) => ({ kind: 'text', text: lookups.packValue!(type, item)! })), more: Math.max(0, value.length - MAX_ITEMS) };
  }
  return showAny(value, lookups);
}

function clauseOf(id: unknown, lookups: ValueLookups): Shown {
  if (typeof id !== 'string') return showAny(id, lookups);
  const text = lookups.clauseText?.(id);
  return { kind: 'clause', id, ...(text && { text }) };
}

/** A checklist's rows (item, result, note) as a table: the item by its label, the result as a result. */
function checklistOf(field: Pick<FormField, 'key' | 'options'>, rows: unknown[]): Shown {
  return {
    kind: 'table',
    columns: [
      // the page words these headers (values.checklist.*); the labels are for text without a catalogue
      { key: 'checklist.item', label: 'Item' },
      { key: 'checklist.result', label: 'Result' },
      { key: 'checklist.note', label: 'Note' },
    ],
    rows: rows.map((row) => {
      const r = isObject(row) ? row : {};
      const item = field.options?.find((o) => o.value === r.item);
      return [
        item ? { kind: 'option', value: item.value, label: item.label, field: field.key } : showAny(r.item),
        typeof r.result === 'string' ? { kind: 'result', value: r.result } : { kind: 'empty' },
        typeof r.note === 'string' && r.note ? { kind: 'text', text: r.note } : { kind: 'empty' },
      ] satisfies Shown[];
    }),
    more: 0,
  };
}

/** One field's change: its label, the value before and after (either may be empty: entered, or cleared). */
export interface FieldChange {
  key: string;
  label: string;
  before: Shown;
  after: Shown;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * What changed between two stored objects, per key: only the keys whose value differs, in the order of
 * `after` then the keys only `before` had. Fields of a form are shown by their type and label.
 */
export function dataChanges(before: unknown, after: unknown, lookups: ValueLookups = {}, fields: Pick<FormField, 'key' | 'label' | 'type' | 'options'>[] = []): FieldChange[] {
  const old = isObject(before) ? before : {};
  const now = isObject(after) ? after : {};
  const keys = [...Object.keys(now), ...Object.keys(old).filter((k) => !(k in now))];
  return keys
    .filter((key) => !same(old[key], now[key]))
    .map((key) => {
      const field = fields.find((f) => f.key === key);
      // a key absent on one side is nothing there (not an unticked box)
      const shown = (value: unknown): Shown => (value === undefined ? { kind: 'empty' } : showValue(field, value, lookups));
      return { key, label: field?.label ?? humanKey(key), before: shown(old[key]), after: shown(now[key]) };
    });
}

/** Nothing entered: undefined, null, '', an empty list or object. */
export { isEmpty as isBlank };
