import express, { type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { ValidationError, type FieldError } from '../../engine/kernel/errors.js';
import { Catalogue, IMS_STANDARDS, type CatalogueEntry } from '../../engine/features/catalogue/index.js';
import { CHECKLIST_RESULTS, validateFormData, type ChecklistResult } from '../../engine/kernel/forms.js';
import type { ProcessEngine } from '../../engine/process-engine.js';
import type { FormField, TaskRecord } from '../../engine/kernel/model.js';
import { shippedCatalogue } from '../../processes/index.js';
import { canSee } from '../auth.js';
import {
  ACCEPT,
  ACCEPTED_LABEL,
  checkUpload,
  earlierUpload,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENT_LABEL,
  recordUpload,
  type AttachmentRef,
  type AttachmentStore,
} from './attachments.js';
import { bytes, e, formatUtc, plural, str } from './html.js';
import { signatureAnchor, signatureFieldset, type SigningPrompt } from './signature.js';

/**
 * The task form, shared by the signed-in task page (/tasks/:id) and the page opened from an email link
 * (/t/:token) so both look and behave the same: rendering every field type, reading a posted form
 * (urlencoded, or multipart when the form has file fields), storing uploads, and saying what happens next.
 */

export interface Person {
  id: string;
  name: string;
}

export const CHECKLIST_LABELS: Record<ChecklistResult, string> = { conforms: 'Conforms', nonconforming: 'Does not conform', na: 'N/A' };

export interface FormState {
  /** Posted values by input name, shown again when the form comes back with errors. */
  values?: Record<string, unknown>;
  errors?: FieldError[];
  /** Uploads already stored for file fields (a form sent back keeps them), by field key. */
  kept?: Record<string, AttachmentRef>;
}

export interface FormOptions extends FormState {
  action: string;
  /** The session's CSRF token, for signed-in pages. */
  csrf?: string;
  /** Who a person field offers. */
  people: Person[];
  /** For a task with a signature meaning: the signature part of the form. */
  signing?: SigningPrompt;
  /** What a `clauses` field offers; the shipped catalogue when not given. */
  catalogue?: Catalogue;
}

/** The people a person field of this task offers (and whom it may be delegated to): active, of its site. */
export async function peopleFor(imsflow: ProcessEngine, task: Pick<TaskRecord, 'site'>): Promise<Person[]> {
  const users = await imsflow.queries.people({ active: true });
  return users
    .filter((u) => canSee(u, task))
    .map((u) => ({ id: u.id, name: u.name }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

const fieldId = (key: string) => `f-${key}`;
const rowName = (key: string, index: number, part: 'result' | 'note') => `${key}.${index}.${part}`;
const keptName = (key: string) => `${key}.kept`;

/** The task's business key and due date, above the form. */
export function taskFacts(task: TaskRecord): string {
  return `<p>${e(task.businessKey)}</p>${task.dueAt ? `<p>Due ${e(formatUtc(task.dueAt))}</p>` : ''}`;
}

/** The list of problems above a form, each linking to its field. */
export function errorSummary(task: TaskRecord, errors: FieldError[]): string {
  if (!errors.length) return '';
  const keys = new Set(task.form.map((f) => f.key));
  const items = errors
    .map((error) => {
      const anchor = keys.has(error.field) ? fieldId(error.field) : signatureAnchor(error.field);
      return anchor ? `<li><a href="#${e(anchor)}">${e(error.message)}</a></li>` : `<li>${e(error.message)}</li>`;
    })
    .join('');
  return `<div class="notice bad" role="alert"><p>Please correct ${plural(errors.length, 'field')}.</p><ul>${items}</ul></div>`;
}

/** For an iteration of a multi-instance task: which element (clause, action) it is for, as a line. */
export function iterationLine(task: Pick<TaskRecord, 'iteration'>, catalogue?: Catalogue): string {
  if (!task.iteration) return '';
  const label = iterationLabel(task.iteration.item, catalogue);
  return label ? `<p class="iteration"><strong>For:</strong> ${e(label)}</p>` : '';
}

export function renderTaskForm(task: TaskRecord, options: FormOptions): string {
  const hasFile = task.form.some((f) => f.type === 'file');
  const fields = task.form.map((field) => renderField(field, options, task.form)).join('\n');
  const csrf = options.csrf ? `<input type="hidden" name="_csrf" value="${e(options.csrf)}">` : '';
  return `${iterationLine(task, options.catalogue ?? shippedCatalogue())}${errorSummary(task, options.errors ?? [])}
<form method="post" action="${e(options.action)}"${hasFile ? ' enctype="multipart/form-data"' : ''}>${csrf}
${fields}${options.signing ? `\n${signatureFieldset(options.signing, options.values ?? {}, options.errors ?? [])}` : ''}
<p><button type="submit">${options.signing ? 'Sign and complete task' : 'Complete task'}</button></p></form>`;
}

/**
 * What a label says about whether the field is needed: ` (required)`, or for ims:requiredWhen
 * ` (required when Result is Gap: not met or Not applicable)`, naming the other field and its option labels.
 */
function requiredHint(field: FormField, form: FormField[]): string {
  if (field.required) return ' (required)';
  if (!field.requiredWhen) return '';
  const other = form.find((f) => f.key === field.requiredWhen!.field);
  const values = field.requiredWhen.values.map((value) => other?.options?.find((o) => o.value === value)?.label ?? value);
  return ` (required when ${other?.label ?? field.requiredWhen.field} is ${values.join(' or ')})`;
}

function renderField(field: FormField, options: FormOptions, form: FormField[]): string {
  const values = options.values ?? {};
  const id = fieldId(field.key);
  const name = e(field.key);
  const error = (options.errors ?? []).find((x) => x.field === field.key)?.message;
  const errorId = `${id}-error`;
  const errorHtml = error ? `<span class="error" id="${errorId}">${e(error)}</span>` : '';
  const label = `${e(field.label)}${e(requiredHint(field, form))}`;
  const required = field.required ? ' required' : '';
  /** aria-invalid and aria-describedby: the error first, then hints. */
  const aria = (...hints: string[]) => {
    const ids = [error ? errorId : '', ...hints].filter(Boolean);
    return `${error ? ' aria-invalid="true"' : ''}${ids.length ? ` aria-describedby="${ids.join(' ')}"` : ''}`;
  };
  const value = str(values[field.key]);
  const wrap = (control: string, hint = '') => `<div class="field"><label for="${id}">${label}</label>${hint}${errorHtml}${control}</div>`;

  switch (field.type) {
    case 'longtext':
      return wrap(`<textarea id="${id}" name="${name}" rows="5"${required}${aria()}>${e(value)}</textarea>`);
    case 'select':
      return wrap(
        `<select id="${id}" name="${name}"${required}${aria()}><option value="">Choose…</option>${(field.options ?? [])
          .map((o) => `<option value="${e(o.value)}"${o.value === value ? ' selected' : ''}>${e(o.label)}</option>`)
          .join('')}</select>`,
      );
    case 'person':
      return wrap(
        `<select id="${id}" name="${name}"${required}${aria()}><option value="">Choose a person…</option>${options.people
          .map((p) => `<option value="${e(p.id)}"${p.id === value ? ' selected' : ''}>${e(p.name)}</option>`)
          .join('')}</select>`,
      );
    case 'checkbox': {
      const checked = value === 'on' || value === 'true' ? ' checked' : '';
      return `<div class="field check">${errorHtml}<input type="checkbox" id="${id}" name="${name}"${checked}${aria()}> <label for="${id}">${label}</label></div>`;
    }
    case 'file': {
      const kept = options.kept?.[field.key];
      const hintId = `${id}-hint`;
      const hint = `<p class="hint" id="${hintId}">${e(ACCEPTED_LABEL)}; at most ${MAX_ATTACHMENT_LABEL}.</p>`;
      const keptHtml = kept
        ? `<p class="hint" id="${id}-kept">Attached: <strong>${e(kept.name)}</strong> (${e(bytes(kept.size))}). Choose a file only to replace it.</p><input type="hidden" name="${e(keptName(field.key))}" value="${e(kept.sha256)}">`
        : '';
      return `<div class="field"><label for="${id}">${label}</label>${hint}${keptHtml}${errorHtml}<input type="file" id="${id}" name="${name}" accept="${e(ACCEPT)}"${
        field.required && !kept ? ' required' : ''
      }${aria(hintId, kept ? `${id}-kept` : '')}></div>`;
    }
    case 'checklist':
      return renderChecklist(field, values, requiredHint(field, form), error ? { id: errorId, html: errorHtml } : undefined);
    case 'clauses':
      return renderClauses(field, values, requiredHint(field, form), options.catalogue ?? shippedCatalogue(), error ? { id: errorId, html: errorHtml } : undefined);
    default: {
      const type = field.type === 'number' ? 'number' : field.type === 'date' ? 'date' : 'text';
      const extra = field.type === 'number' ? ' step="any" inputmode="decimal"' : field.type === 'text' ? ' maxlength="10000"' : '';
      const hint = field.type === 'date' ? `<p class="hint" id="${id}-hint">As a date: YYYY-MM-DD.</p>` : '';
      return wrap(`<input type="${type}" id="${id}" name="${name}" value="${e(value)}"${extra}${required}${aria(hint ? `${id}-hint` : '')}>`, hint);
    }
  }
}

/** A table of the checklist's items (its ims:option elements), a result and a note per row. */
function renderChecklist(field: FormField, values: Record<string, unknown>, hint: string, error: { id: string; html: string } | undefined): string {
  const id = fieldId(field.key);
  const rows = (field.options ?? [])
    .map((item, index) => {
      const chosen = str(values[rowName(field.key, index, 'result')]);
      const note = str(values[rowName(field.key, index, 'note')]);
      const rowId = `${id}-${index}`;
      const radios = CHECKLIST_RESULTS.map(
        (result, n) =>
          `<label><input type="radio" name="${e(rowName(field.key, index, 'result'))}" value="${result}"${chosen === result ? ' checked' : ''}${field.required && n === 0 ? ' required' : ''}> ${CHECKLIST_LABELS[result]}</label>`,
      ).join('');
      return `<tr><th scope="row" id="${rowId}">${e(item.label)}</th><td><fieldset class="radios"><legend class="vh">Result for ${e(item.label)}</legend>${radios}</fieldset></td><td><label class="note" for="${rowId}-note">Note<span class="vh"> on ${e(item.label)}</span></label><input type="text" id="${rowId}-note" name="${e(rowName(field.key, index, 'note'))}" value="${e(note)}" maxlength="2000"></td></tr>`;
    })
    .join('\n');
  return `<fieldset class="field checklist" id="${id}"${error ? ` aria-describedby="${error.id}"` : ''}><legend>${e(field.label)}${e(hint)}</legend>${error?.html ?? ''}
<div class="table-wrap"><table class="stack"><thead><tr><th scope="col">Item</th><th scope="col">Result</th><th scope="col">Note</th></tr></thead><tbody>
${rows}
</tbody></table></div></fieldset>`;
}

// ---- clauses of the clause catalogue ------------------------------------------------------------------

/** The catalogue the pages show clauses from: the engine's when it is a full catalogue, else the shipped one. */
export function clauseCatalogue(imsflow?: Pick<ProcessEngine, 'catalogue'>): Catalogue {
  return imsflow?.catalogue instanceof Catalogue ? imsflow.catalogue : shippedCatalogue();
}

const isImsStandard = (code: string) => (IMS_STANDARDS as readonly string[]).includes(code);

/** `ISO 9001, ISO 14001, ISO 45001`, `ISO 9001`, `eu-gmp-annex-11`. */
export function standardsText(standards: readonly string[]): string {
  return standards.map((s) => (isImsStandard(s) ? `ISO ${s}` : s)).join(', ');
}

/** A clause shared by the three standards is known by its number; any other is named with its standards too. */
function isShared(entry: CatalogueEntry): boolean {
  return entry.standards.length === IMS_STANDARDS.length && entry.standards.every(isImsStandard);
}

/** `8.4 Control of externally provided processes`; `8.2 Requirements for products and services (ISO 9001)`. */
export function clauseText(entry: CatalogueEntry): string {
  return `${entry.number} ${entry.title}${isShared(entry) ? '' : ` (${standardsText(entry.standards)})`}`;
}

const MAX_LABEL = 300;

function short(text: string): string {
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL)}…` : text;
}

/** A string or number field of an object, as trimmed text ('' otherwise). */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

/**
 * What one element of a multi-instance task's collection is, in words: a clause (`Clause 8.4 Control of
 * externally provided processes`, from the catalogue when it knows the clause), a finding on a clause
 * (`Clause 8.4 …: Supplier approval lapsed`), an action or anything else with a title, label or name;
 * otherwise compact JSON.
 */
export function iterationLabel(item: unknown, catalogue?: Pick<Catalogue, 'clause'>): string {
  if (item === undefined || item === null || item === '') return '';
  if (typeof item === 'string') {
    const entry = catalogue?.clause(item);
    return short(entry ? `Clause ${clauseText(entry)}` : item);
  }
  if (typeof item !== 'object') return String(item);
  if (Array.isArray(item)) return short(item.map((x) => iterationLabel(x, catalogue)).join('; '));
  const o = item as Record<string, unknown>;
  const clauseId = textOf(o.clause);
  const lookup = (id: string) => (id && catalogue ? catalogue.clause(id) : undefined);
  const entry = lookup(textOf(o.id)) ?? lookup(clauseId);
  const own = textOf(o.title) || textOf(o.label) || textOf(o.name);
  const number = textOf(o.number);
  if (entry || clauseId || (number && Array.isArray(o.standards))) {
    const head = entry ? clauseText(entry) : number ? [number, own].filter(Boolean).join(' ') : clauseId;
    const extra = own && own !== entry?.title && !(number && !entry) ? own : '';
    return short(`Clause ${head}${extra ? `: ${extra}` : ''}`);
  }
  if (own) return short(number ? `${number} ${own}` : own);
  return short(JSON.stringify(item) ?? '');
}

/** Posted values of a name sent once, many times, or not at all, as a list. */
function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' && value !== '' ? [value] : [];
}

interface ClauseGroup {
  /** The chapter's own record (4 … 10), which heads the group and can be chosen too. */
  head?: CatalogueEntry;
  /** An extension standard's code, for a group of extension records. */
  standard?: string;
  entries: CatalogueEntry[];
}

/** Chapters 4 … 10 with their clauses in catalogue order, then a group per extension standard. */
export function clauseGroups(catalogue: Catalogue): ClauseGroup[] {
  const chapters = new Map<string, ClauseGroup>();
  const extensions = new Map<string, ClauseGroup>();
  const rootOf = (entry: CatalogueEntry): CatalogueEntry => {
    let up = entry;
    for (let n = 0; up.parent !== undefined && n < 20; n += 1) {
      const parent = catalogue.clause(up.parent);
      if (!parent) break;
      up = parent;
    }
    return up;
  };
  for (const entry of catalogue.records) {
    const other = entry.standards.find((s) => !isImsStandard(s));
    if (other !== undefined) {
      const group = extensions.get(other) ?? { standard: other, entries: [] };
      extensions.set(other, group);
      group.entries.push(entry);
      continue;
    }
    const root = rootOf(entry);
    const group = chapters.get(root.id) ?? { head: root, entries: [] };
    chapters.set(root.id, group);
    if (entry !== root) group.entries.push(entry);
  }
  const groups = [...chapters.values(), ...extensions.values()];
  const rank = (entry: CatalogueEntry) => (isShared(entry) ? -1 : catalogue.standards.indexOf(entry.standards[0]));
  for (const group of groups) group.entries.sort((a, b) => compareNumbers(a.number, b.number) || rank(a) - rank(b));
  return groups;
}

/** Clause numbers in reading order: 8.1 < 8.1.2 < 8.2 < 8.10; lettered items (11.10(e)) by their letters. */
function compareNumbers(a: string, b: string): number {
  const pa = a.split(/[.()]/).filter(Boolean);
  const pb = b.split(/[.()]/).filter(Boolean);
  for (let i = 0; i < Math.min(pa.length, pb.length); i += 1) {
    const [x, y] = [pa[i], pb[i]];
    const diff = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
    if (diff) return diff;
  }
  return pa.length - pb.length;
}

/** How deep a record sits below its group's head (1 for 8.4 under 8), for indenting. */
function depthIn(catalogue: Catalogue, entry: CatalogueEntry, group: ClauseGroup): number {
  let depth = 0;
  for (let up: CatalogueEntry | undefined = entry; up && up !== group.head && depth < 6; up = up.parent === undefined ? undefined : catalogue.clause(up.parent)) {
    if (group.standard !== undefined && !up.standards.includes(group.standard)) break;
    depth += 1;
  }
  return Math.max(1, Math.min(depth, 4));
}

/**
 * A `clauses` field: a fieldset of checkboxes grouped by chapter, each chapter's heading a checkbox too,
 * then the extension standards' records; each clause with the standards it applies to. Every box posts
 * the field's name with a clause id as its value.
 */
function renderClauses(field: FormField, values: Record<string, unknown>, hint: string, catalogue: Catalogue, error: { id: string; html: string } | undefined): string {
  const id = fieldId(field.key);
  const name = e(field.key);
  const chosen = new Set(listOf(values[field.key]));
  const index = new Map(catalogue.records.map((entry, n) => [entry, n]));
  const box = (entry: CatalogueEntry) => {
    const boxId = `${id}-${index.get(entry)}`;
    // the standards are part of the name: 8.2 means one thing in ISO 9001 and another in ISO 14001
    return `<input type="checkbox" id="${boxId}" name="${name}" value="${e(entry.id)}"${chosen.has(entry.id) ? ' checked' : ''}> <label for="${boxId}">${e(entry.number)} ${e(entry.title)} <span class="hint std">${e(standardsText(entry.standards))}</span></label>`;
  };
  const groups = clauseGroups(catalogue)
    .map((group) => {
      const legend = group.head ? box(group.head) : `Extension: ${e(group.standard)}`;
      const items = group.entries.map((entry) => `<li class="depth-${depthIn(catalogue, entry, group)}">${box(entry)}</li>`).join('');
      return `<fieldset class="chapter"><legend>${legend}</legend>${items ? `<ul class="clause-picks">${items}</ul>` : ''}</fieldset>`;
    })
    .join('\n');
  const hintId = `${id}-hint`;
  const described = [error?.id, hintId].filter(Boolean).join(' ');
  return `<fieldset class="field clauses" id="${id}" aria-describedby="${described}"><legend>${e(field.label)}${e(hint)}</legend><p class="hint" id="${hintId}">Choose the clauses that apply; a chapter can be chosen as a whole by its heading.</p>${error?.html ?? ''}
${groups}
</fieldset>`;
}

// ---- reading a posted form -----------------------------------------------------------------------------

/** A file as multer hands it over (kept in memory until it has been checked). */
export interface PostedFile {
  buffer: Buffer;
  originalname: string;
  mimetype: string;
  size: number;
}

export interface ParsedBody {
  body: Record<string, unknown>;
  files: Record<string, PostedFile | undefined>;
  /** The body could not be read: the status and the problem, by field when known. */
  refused?: { status: number; error: FieldError };
}

function run(handler: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    handler(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}

const urlencoded = express.urlencoded({ extended: false, limit: '2mb', parameterLimit: 5000 });

/**
 * Reads a task form: urlencoded, or multipart with one file per file field of the task, at most
 * MAX_ATTACHMENT_BYTES each, held in memory until checked (an oversized file is refused before anything
 * is stored).
 */
export async function readTaskBody(req: Request, res: Response, task: TaskRecord): Promise<ParsedBody> {
  const fileFields = task.form.filter((f) => f.type === 'file');
  const upload = multer({
    storage: multer.memoryStorage(),
    defParamCharset: 'utf8',
    limits: { fileSize: MAX_ATTACHMENT_BYTES, files: fileFields.length, fields: 5000, fieldSize: 512 * 1024, fieldNameSize: 200, parts: 5000 + fileFields.length },
  }).fields(fileFields.map((f) => ({ name: f.key, maxCount: 1 })));
  try {
    await run(urlencoded, req, res);
    await run(upload, req, res).catch((err: unknown) => {
      // busboy's own errors (a malformed part header, a truncated body) mean the form cannot be read.
      throw err instanceof multer.MulterError ? err : Object.assign(new Error('malformed multipart body'), { type: 'entity.parse.failed', cause: err });
    });
  } catch (err) {
    const label = (key: string | undefined) => task.form.find((f) => f.key === key)?.label ?? key ?? 'form';
    if (err instanceof multer.MulterError) {
      const field = err.field ?? 'form';
      if (err.code === 'LIMIT_FILE_SIZE') {
        return { body: {}, files: {}, refused: { status: 413, error: { field, message: `${label(err.field)}: the file is larger than ${MAX_ATTACHMENT_LABEL}; nothing was saved` } } };
      }
      if (err.code === 'LIMIT_FIELD_VALUE') return { body: {}, files: {}, refused: { status: 413, error: { field, message: `${label(err.field)}: the text is too long` } } };
      return { body: {}, files: {}, refused: { status: 400, error: { field, message: `the form could not be read (${err.message.toLowerCase()})` } } };
    }
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') return { body: {}, files: {}, refused: { status: 413, error: { field: 'form', message: 'the form is too large' } } };
    if (type === 'entity.parse.failed' || type === 'parameters.too.many') return { body: {}, files: {}, refused: { status: 400, error: { field: 'form', message: 'the form could not be read' } } };
    throw err;
  }
  const files: Record<string, PostedFile | undefined> = {};
  const posted = (req.files ?? {}) as Record<string, PostedFile[]>;
  for (const field of fileFields) {
    const file = posted[field.key]?.[0];
    // A browser sends an empty part without a name when no file was chosen.
    if (file && !(file.size === 0 && !file.originalname)) files[field.key] = file;
  }
  return { body: (req.body ?? {}) as Record<string, unknown>, files };
}

export interface Submission {
  data: Record<string, unknown>;
  errors: FieldError[];
  /** Uploads to store: checked, not yet written. */
  uploads: { field: string; buffer: Buffer; ref: AttachmentRef }[];
  kept: Record<string, AttachmentRef>;
}

/** Turns posted strings and files into task data; problems the engine cannot see are reported by field. */
export async function readSubmission(imsflow: ProcessEngine, task: TaskRecord, parsed: ParsedBody, people: Person[]): Promise<Submission> {
  const { body, files } = parsed;
  const data: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  const uploads: Submission['uploads'] = [];
  const kept: Record<string, AttachmentRef> = {};
  for (const field of task.form) {
    const raw = str(body[field.key]);
    switch (field.type) {
      case 'checkbox':
        data[field.key] = raw === 'on' || raw === 'true';
        break;
      case 'person':
        if (raw && !people.some((p) => p.id === raw)) errors.push({ field: field.key, message: `${field.label}: choose a person from the list` });
        else if (raw) data[field.key] = raw;
        break;
      case 'checklist': {
        const rows = (field.options ?? []).flatMap((item, index) => {
          const result = str(body[rowName(field.key, index, 'result')]);
          const note = str(body[rowName(field.key, index, 'note')]).trim();
          if (!result && !note) return [];
          if (!result) {
            errors.push({ field: field.key, message: `${field.label}: choose a result for “${item.label}” (it has a note)` });
            return [];
          }
          return [{ item: item.value, result, ...(note && { note }) }];
        });
        if (rows.length) data[field.key] = rows;
        break;
      }
      case 'clauses': {
        // one value per ticked box; the engine checks each against the catalogue
        const ids = [...new Set(listOf(body[field.key]).map((id) => id.trim()).filter(Boolean))];
        if (ids.length) data[field.key] = ids;
        break;
      }
      case 'file': {
        const file = files[field.key];
        if (file) {
          const checked = checkUpload(file);
          if (!checked.ok) errors.push({ field: field.key, message: `${field.label}: ${checked.message}` });
          else {
            uploads.push({ field: field.key, buffer: file.buffer, ref: checked.ref });
            data[field.key] = checked.ref;
          }
          break;
        }
        const earlier = str(body[keptName(field.key)]);
        const ref = earlier ? await earlierUpload(imsflow, earlier, task, field.key) : undefined;
        if (ref) {
          kept[field.key] = ref;
          data[field.key] = ref;
        } else if (/^[a-f0-9]{64}$/.test(earlier)) {
          // named but not uploaded here: the complete-task command refuses it, with the API's words
          data[field.key] = { sha256: earlier, name: 'attachment' };
        }
        break;
      }
      default:
        if (raw !== '') data[field.key] = raw;
    }
  }
  return { data, errors, uploads, kept };
}

export type SubmitOutcome<T> = { ok: true; result: T } | { ok: false; status: number; state: FormState };

/**
 * Checks a posted form against the task (the page's checks and the engine's, all reported at once),
 * stores its uploads (checked ones, even when another field is wrong, so the form can keep them) and
 * completes the task with `complete`.
 */
export async function submitTaskForm<T>(
  deps: { imsflow: ProcessEngine; attachments: AttachmentStore | undefined },
  task: TaskRecord,
  actor: string,
  parsed: ParsedBody,
  people: Person[],
  complete: (data: Record<string, unknown>) => Promise<T>,
): Promise<SubmitOutcome<T>> {
  if (parsed.refused) return { ok: false, status: parsed.refused.status, state: { values: parsed.body, errors: [parsed.refused.error] } };
  const submission = await readSubmission(deps.imsflow, task, parsed, people);
  const errors = [...submission.errors];
  try {
    validateFormData(task.form, submission.data, deps.imsflow.formContext);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    for (const fieldError of err.fields) if (!errors.some((x) => x.field === fieldError.field)) errors.push(fieldError);
  }
  const kept = { ...submission.kept };
  if (submission.uploads.length && !deps.attachments) {
    for (const upload of submission.uploads) errors.push({ field: upload.field, message: 'attachments cannot be stored: the server has no data folder configured' });
  } else {
    for (const upload of submission.uploads) {
      await deps.attachments!.save(upload.buffer);
      await recordUpload(deps.imsflow, actor, task, upload.field, upload.ref);
      kept[upload.field] = upload.ref;
    }
  }
  if (errors.length) return { ok: false, status: 400, state: { values: parsed.body, errors, kept } };
  try {
    return { ok: true, result: await complete(submission.data) };
  } catch (err) {
    if (err instanceof ValidationError) return { ok: false, status: 400, state: { values: parsed.body, errors: err.fields, kept } };
    throw err;
  }
}

// ---- after completion ----------------------------------------------------------------------------------

function nextSentence(status: string | undefined): string {
  if (status === 'completed') return 'The process is complete. Nothing more is needed from you.';
  if (status === 'incident') return 'Your answer is saved. The next step hit a problem that an administrator has been shown.';
  if (status === 'cancelled') return 'Your answer is saved. The process has since been cancelled.';
  return 'Your answer is saved and the next step has started; whoever it is for has been told.';
}

/** What happens next: the process's state and its open steps, with whom they are for and when they are due. */
export async function whatHappensNext(imsflow: ProcessEngine, task: TaskRecord): Promise<string> {
  const instance = await imsflow.queries.findInstance(task.instanceId);
  const open = instance?.status === 'running' ? await imsflow.listTasks({ instanceId: task.instanceId, status: 'open', limit: 100 }) : [];
  const items = await Promise.all(
    open.map(async (t) => {
      const who = t.assignee ? ((await imsflow.queries.findPerson(t.assignee))?.name ?? t.assignee) : t.candidateRole ? `the ${t.candidateRole} role` : 'nobody yet';
      return `<li>“${e(t.name)}”, for ${e(who)}${t.dueAt ? `, due ${e(formatUtc(t.dueAt))}` : ''}</li>`;
    }),
  );
  return `<p>${nextSentence(instance?.status)}</p>${items.length ? `<h2>What happens next</h2><ul>${items.join('')}</ul>` : ''}`;
}
