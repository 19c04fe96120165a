import express, { type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { ValidationError, type FieldError } from '../../../engine/kernel/errors.js';
import type { FieldChoice, FieldTypeReader } from '../../../engine/kernel/field-types.js';
import { personRefusalOf, validateFormData } from '../../../engine/kernel/forms.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import { canSee } from '../../auth.js';
import { checkUpload, earlierUpload, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_LABEL, recordUpload, type AttachmentRef, type AttachmentStore } from '../attachments.js';
import { str } from '../basics.js';
import { listOf } from './clauses.js';
import type { FormProblem } from './words.js';

/**
 * Reading a posted task form, shared by the signed-in task page (/tasks/:id) and the page opened from an
 * email link (/t/:token): urlencoded, or multipart when the form has file fields; checking it against the
 * task; storing uploads; completing the task. No markup here: the pages show what comes back.
 */

export interface Person {
  id: string;
  name: string;
  /** What a person field asking for a role (ims:role) offers them by. */
  roles: readonly string[];
}

export interface FormState {
  /** Posted values by input name, shown again when the form comes back with errors. */
  values?: Record<string, unknown>;
  errors?: FormProblem[];
  /** Uploads already stored for file fields (a form sent back keeps them), by field key. */
  kept?: Record<string, AttachmentRef>;
}

/** The people a person field of this task offers (and whom it may be delegated to): active, of its site. */
export async function peopleFor(imsflow: ProcessEngine, task: Pick<TaskRecord, 'site'>): Promise<Person[]> {
  const users = await imsflow.queries.people({ active: true });
  return users
    .filter((u) => canSee(u, task))
    .map((u) => ({ id: u.id, name: u.name, roles: u.roles }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** What a form offers for its fields of a pack's type, by field key (PackFieldType.choices), and whether several may be picked. */
export type FieldChoices = Record<string, { offered: FieldChoice[]; multiple: boolean }>;

/**
 * The choices the packs offer for a form's fields of their types, at the record's site, labelled for
 * `reader`. A type that offers none, or whose listing fails, leaves its field a text box (what is typed is
 * checked all the same).
 */
export async function choicesFor(imsflow: ProcessEngine, task: Pick<TaskRecord, 'form' | 'site'>, reader?: FieldTypeReader): Promise<FieldChoices> {
  const { packFields } = imsflow.formContext;
  const choices: FieldChoices = {};
  if (!packFields) return choices;
  for (const field of task.form) {
    const type = packFields.types.get(field.type);
    if (!type?.choices) continue;
    try {
      const offered = await type.choices({ records: packFields.records, now: packFields.now(), field, ...(task.site && { site: task.site }), ...(reader && { reader }) });
      choices[field.key] = { offered, multiple: Boolean(type.multiple) };
    } catch {
      // a pack's listing that fails costs the list, not the form
    }
  }
  return choices;
}

/** A person field's refusal by the directory, with the words the page says it in. */
export function personProblem(error: FieldError): FormProblem | undefined {
  const refusal = personRefusalOf(error);
  if (!refusal) return undefined;
  if (refusal.problem === 'unknown') return { ...error, say: { id: 'taskForm.problem.choosePerson' } };
  const values = { name: refusal.name ?? '', ...(refusal.role && { role: refusal.role }), site: refusal.site ?? 'none' };
  return { ...error, say: { id: `taskForm.problem.person.${refusal.problem}`, values } };
}

/** Input names of a checklist row's result and note, and of a file field's kept upload. */
export const rowName = (key: string, index: number, part: 'result' | 'note') => `${key}.${index}.${part}`;
export const keptName = (key: string) => `${key}.kept`;

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
  refused?: { status: number; error: FormProblem };
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
        return { body: {}, files: {}, refused: { status: 413, error: { field, message: `${label(err.field)}: the file is larger than ${MAX_ATTACHMENT_LABEL}; nothing was saved`, say: { id: 'taskForm.problem.fileTooLarge', values: { max: MAX_ATTACHMENT_LABEL } } } } };
      }
      if (err.code === 'LIMIT_FIELD_VALUE') return { body: {}, files: {}, refused: { status: 413, error: { field, message: `${label(err.field)}: the text is too long`, say: { id: 'taskForm.problem.textTooLong' } } } };
      return { body: {}, files: {}, refused: { status: 400, error: { field, message: `the form could not be read (${err.message.toLowerCase()})`, say: { id: 'taskForm.problem.unreadable' } } } };
    }
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') return { body: {}, files: {}, refused: { status: 413, error: { field: 'form', message: 'the form is too large', say: { id: 'taskForm.problem.formTooLarge' } } } };
    if (type === 'entity.parse.failed' || type === 'parameters.too.many') return { body: {}, files: {}, refused: { status: 400, error: { field: 'form', message: 'the form could not be read', say: { id: 'taskForm.problem.unreadable' } } } };
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
  errors: FormProblem[];
  /** Uploads to store: checked, not yet written. */
  uploads: { field: string; buffer: Buffer; ref: AttachmentRef }[];
  kept: Record<string, AttachmentRef>;
}

/** Turns posted strings and files into task data; problems the engine cannot see are reported by field. */
export async function readSubmission(imsflow: ProcessEngine, task: TaskRecord, parsed: ParsedBody): Promise<Submission> {
  const { body, files } = parsed;
  const data: Record<string, unknown> = {};
  const errors: FormProblem[] = [];
  const uploads: Submission['uploads'] = [];
  const kept: Record<string, AttachmentRef> = {};
  for (const field of task.form) {
    const raw = str(body[field.key]);
    switch (field.type) {
      case 'checkbox':
        data[field.key] = raw === 'on' || raw === 'true';
        break;
      case 'person':
        // the directory checks whoever was chosen (engine/kernel/forms.ts): its refusal is said in words below
        if (raw) data[field.key] = raw;
        break;
      case 'checklist': {
        const rows = (field.options ?? []).flatMap((item, index) => {
          const result = str(body[rowName(field.key, index, 'result')]);
          const note = str(body[rowName(field.key, index, 'note')]).trim();
          if (!result && !note) return [];
          if (!result) {
            errors.push({ field: field.key, message: `${field.label}: choose a result for “${item.label}” (it has a note)`, say: { id: 'taskForm.problem.checklistResult', values: { item: item.label, index: index } } });
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
      default: {
        // a pack's type taking several values: one per option chosen (or text separated by commas)
        if (imsflow.fieldTypes.get(field.type)?.multiple) {
          const picks = [...new Set(listOf(body[field.key]).map((pick) => pick.trim()).filter(Boolean))];
          if (picks.length) data[field.key] = picks.length === 1 ? picks[0] : picks;
        } else if (raw !== '') data[field.key] = raw;
      }
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
  complete: (data: Record<string, unknown>) => Promise<T>,
): Promise<SubmitOutcome<T>> {
  if (parsed.refused) return { ok: false, status: parsed.refused.status, state: { values: parsed.body, errors: [parsed.refused.error] } };
  const submission = await readSubmission(deps.imsflow, task, parsed);
  const errors = [...submission.errors];
  try {
    await validateFormData(task.form, submission.data, { ...deps.imsflow.formContext, ...(task.site && { site: task.site }) });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    for (const fieldError of err.fields) if (!errors.some((x) => x.field === fieldError.field)) errors.push(personProblem(fieldError) ?? fieldError);
  }
  const kept = { ...submission.kept };
  if (submission.uploads.length && !deps.attachments) {
    for (const upload of submission.uploads) errors.push({ field: upload.field, message: 'attachments cannot be stored: the server has no data folder configured', say: { id: 'taskForm.problem.noDataFolder' } });
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

