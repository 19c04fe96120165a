import { createHash, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ProcessEngine } from '../../engine/process-engine.js';
import type { Upload } from '../../engine/features/tasks/index.js';
import type { TaskRecord } from '../../engine/kernel/model.js';

/**
 * Attachments of file fields: the bytes are kept content-addressed under `<IMSFLOW_DATA>/attachments/<sha256>`;
 * the client's file name is never part of a path. What a form value holds is a reference:
 * `{ sha256, name (sanitised, for display), size, contentType }`.
 *
 * Every stored upload is an `attachment.uploaded` event in the audit trail (target `attachment:<sha256>`,
 * with the instance, task and field): it says who uploaded what, and it is the register a download is
 * checked against. A reference in a record that no upload to that record stands behind serves nothing.
 */

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
export const MAX_ATTACHMENT_LABEL = '10 MiB';

export interface AttachmentRef {
  sha256: string;
  name: string;
  size: number;
  contentType: string;
}

export type Kind = 'pdf' | 'png' | 'jpeg' | 'text' | 'csv' | 'xlsx' | 'docx' | 'odt';

const KINDS: Record<Kind, { type: string; label: string; extensions: string[]; declared: string[] }> = {
  pdf: { type: 'application/pdf', label: 'PDF', extensions: ['.pdf'], declared: ['application/pdf', 'application/x-pdf'] },
  png: { type: 'image/png', label: 'PNG image', extensions: ['.png'], declared: ['image/png'] },
  jpeg: { type: 'image/jpeg', label: 'JPEG image', extensions: ['.jpg', '.jpeg'], declared: ['image/jpeg', 'image/jpg', 'image/pjpeg'] },
  text: { type: 'text/plain', label: 'plain text file', extensions: ['.txt'], declared: ['text/plain'] },
  // Windows reports .csv as application/vnd.ms-excel.
  csv: { type: 'text/csv', label: 'CSV file', extensions: ['.csv'], declared: ['text/csv', 'application/csv', 'text/x-csv', 'text/comma-separated-values', 'application/vnd.ms-excel'] },
  xlsx: {
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    label: 'Excel workbook (.xlsx)',
    extensions: ['.xlsx'],
    declared: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  },
  docx: {
    type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    label: 'Word document (.docx)',
    extensions: ['.docx'],
    declared: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  },
  odt: { type: 'application/vnd.oasis.opendocument.text', label: 'word-processing document (.odt)', extensions: ['.odt'], declared: ['application/vnd.oasis.opendocument.text'] },
};

/** The kind of a stored file by its content type (what checkUpload stored), for its label in words. */
export function kindOfType(contentType: string | undefined): Kind | undefined {
  return (Object.keys(KINDS) as Kind[]).find((k) => KINDS[k].type === contentType);
}

/** For the file input's `accept` and the hint next to it. */
export const ACCEPT = [...new Set(Object.values(KINDS).flatMap((k) => [...k.extensions, k.type]))].join(',');
export const ACCEPTED_LABEL = 'PDF, PNG, JPEG, plain text, CSV, Excel (.xlsx), Word (.docx) or OpenDocument text (.odt)';

const SHORT_LABELS: Record<Kind, string> = { pdf: 'PDF', png: 'PNG', jpeg: 'JPEG', text: 'plain text', csv: 'CSV', xlsx: 'Excel (.xlsx)', docx: 'Word (.docx)', odt: 'OpenDocument text (.odt)' };

/** The file input's `accept` and its hint for a field that takes only some kinds (ims:accept); all kinds without. */
export function acceptedBy(kinds: readonly Kind[] | undefined): { accept: string; label: string } {
  if (!kinds?.length) return { accept: ACCEPT, label: ACCEPTED_LABEL };
  const labels = kinds.map((k) => SHORT_LABELS[k]);
  return {
    accept: [...new Set(kinds.flatMap((k) => [...KINDS[k].extensions, KINDS[k].type]))].join(','),
    label: labels.length > 1 ? `${labels.slice(0, -1).join(', ')} or ${labels.at(-1)}` : labels[0]!,
  };
}

/**
 * What a file claims to be: its declared type when that is one we know (except the ambiguous
 * vnd.ms-excel, which only counts for a .csv name), otherwise its name's extension.
 */
function claimedKind(declared: string, name: string): Kind | undefined {
  const type = declared.split(';')[0].trim().toLowerCase();
  const extension = extname(name).toLowerCase();
  const byExtension = (Object.keys(KINDS) as Kind[]).find((k) => KINDS[k].extensions.includes(extension));
  if (type === 'application/vnd.ms-excel') return byExtension === 'csv' ? 'csv' : undefined;
  const byType = (Object.keys(KINDS) as Kind[]).find((k) => KINDS[k].declared.includes(type));
  if (byType) return byType;
  if (type && type !== 'application/octet-stream') return undefined;
  return byExtension;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What the bytes are, by their magic numbers (and, for text, by being clean UTF-8 that is no web page). */
function detectKind(data: Buffer): Kind | 'zip' | 'html' | undefined {
  if (data.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (data.subarray(0, 8).equals(PNG)) return 'png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (data.subarray(0, 4).toString('latin1') === 'PK\x03\x04') {
    // Office Open XML: a ZIP whose (uncompressed) entry names include the content types and the main part.
    if (data.includes('[Content_Types].xml')) {
      if (data.includes('word/document.xml')) return 'docx';
      if (data.includes('xl/workbook.xml')) return 'xlsx';
    }
    // OpenDocument: the first entry is `mimetype`, stored uncompressed, holding the document's type
    if (data.length > 30 && data.subarray(30, 38).toString('latin1') === 'mimetype') {
      const start = 38 + data.readUInt16LE(28);
      if (data.subarray(start, start + 39).toString('latin1') === 'application/vnd.oasis.opendocument.text') return 'odt';
    }
    return 'zip';
  }
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text)) return undefined;
  if (/^\s*<(!doctype|html|head|body|script|iframe|svg|\?xml|meta|title|style|a\s)/i.test(text.slice(0, 1024).replace(/^\ufeff/, ''))) return 'html';
  return 'text';
}

/** What a file turned out to be, for "it looks like …": a kind we accept, or one we refuse. */
export type SeenKind = Kind | 'html' | 'zip' | 'other';

/**
 * Why an upload is refused, for a page to say in its reader's words (components/Attachment.tsx,
 * messages attachments.refused.*); `message` says the same in English for the JSON API.
 */
export type UploadRefusal =
  | { code: 'empty'; name: string }
  | { code: 'tooLarge'; name: string; limit: number }
  | { code: 'notAccepted'; name: string }
  | { code: 'notWhatItClaims'; name: string; claimed: Kind; seen: SeenKind };

/**
 * Checks an upload: not empty, an accepted kind, and content that is what the file claims to be.
 * Returns the reference to store, or why it is refused (to show next to the field).
 */
export function checkUpload(file: { buffer: Buffer; originalname: string; mimetype: string }): { ok: true; ref: AttachmentRef } | { ok: false; message: string; refusal: UploadRefusal } {
  const name = sanitiseFileName(file.originalname);
  if (file.buffer.length === 0) return { ok: false, message: `the file “${name}” is empty`, refusal: { code: 'empty', name } };
  if (file.buffer.length > MAX_ATTACHMENT_BYTES) return { ok: false, message: `the file is larger than ${MAX_ATTACHMENT_LABEL}`, refusal: { code: 'tooLarge', name, limit: MAX_ATTACHMENT_BYTES } };
  const kind = claimedKind(file.mimetype ?? '', file.originalname ?? '');
  if (!kind) return { ok: false, message: `“${name}” is not a file type that is accepted here: use ${ACCEPTED_LABEL}`, refusal: { code: 'notAccepted', name } };
  const detected = detectKind(file.buffer);
  const matches = kind === 'text' || kind === 'csv' ? detected === 'text' : detected === kind;
  if (!matches) {
    const seen = detected === 'html' ? 'a web page (HTML)' : detected === 'zip' ? 'a ZIP archive' : detected && detected in KINDS ? `a ${KINDS[detected as Kind].label}` : 'something else';
    const seenKind: SeenKind = detected ?? 'other';
    return { ok: false, message: `the content of “${name}” is not a ${KINDS[kind].label}: it looks like ${seen}`, refusal: { code: 'notWhatItClaims', name, claimed: kind, seen: seenKind } };
  }
  const sha256 = createHash('sha256').update(file.buffer).digest('hex');
  return { ok: true, ref: { sha256, name, size: file.buffer.length, contentType: KINDS[kind].type } };
}

/**
 * A file name fit for display and for a download's Content-Disposition: the last path component, no
 * control, bidirectional-override or reserved characters, no leading dots, at most 120 characters
 * (the extension kept). It never becomes part of a file system path.
 */
export function sanitiseFileName(raw: unknown): string {
  let name = typeof raw === 'string' ? raw.normalize('NFC') : '';
  name = name.split(/[\\/]/).pop() ?? '';
  name = name
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/(?<![.\s])[.\s]+$/, ''); // starts only where a run begins: each run is scanned once
  if (name.length > 120) {
    const extension = extname(name).slice(0, 16);
    name = name.slice(0, 120 - extension.length).trimEnd() + extension;
  }
  return name || 'attachment';
}

const SHA256 = /^[a-f0-9]{64}$/;

/** The folder of attachment bytes. */
export class AttachmentStore {
  constructor(readonly dir: string) {}

  /** The path of a stored file: only ever from a validated SHA-256. */
  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error('not a SHA-256');
    return join(this.dir, sha256);
  }

  /** Writes the bytes (once: a file with that hash is the same file), atomically. */
  async save(data: Buffer): Promise<string> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const path = this.pathOf(sha256);
    if (await exists(path)) return sha256;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temporary = join(this.dir, `.upload-${randomUUID()}`);
    try {
      await writeFile(temporary, data, { mode: 0o600, flag: 'wx' });
      await rename(temporary, path);
    } catch (err) {
      await unlink(temporary).catch(() => undefined);
      throw err;
    }
    return sha256;
  }

  async size(sha256: string): Promise<number | undefined> {
    if (!SHA256.test(sha256)) return undefined;
    try {
      return (await stat(this.pathOf(sha256))).size;
    } catch {
      return undefined;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** Records a stored upload in the audit trail: the register downloads and kept uploads are checked against. */
export async function recordUpload(imsflow: ProcessEngine, actor: string, task: TaskRecord, field: string, ref: AttachmentRef): Promise<void> {
  await imsflow.commands.recordAttachmentUpload(actor, task, field, ref);
}

export type { Upload };

/** Every recorded upload of these bytes (the upload register, engine/features/tasks/uploads.ts). */
export function uploadsOf(imsflow: ProcessEngine, sha256: string): Promise<Upload[]> {
  return imsflow.tasks.uploadsOf(sha256);
}

/** An upload made earlier to this task's field (a form sent back with errors keeps its files). */
export function earlierUpload(imsflow: ProcessEngine, sha256: string, task: TaskRecord, field: string): Promise<AttachmentRef | undefined> {
  return imsflow.tasks.uploadOf(sha256, task, field);
}
