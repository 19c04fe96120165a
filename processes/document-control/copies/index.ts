import { convertToPdf } from './convert.js';
import { CONTENT_TYPES, detectDocumentKind, type DocumentKind } from './detect.js';
import { CopyError } from './errors.js';
import { COPY_STATUSES, type UnstampedReason } from './labels.js';
import type { CopyStamp } from './stamp.js';
import { stampInWorker } from './stamp-pool.js';

/**
 * Controlled copies (issue 17, item 3): what a reader downloads of a controlled document's version. A PDF is
 * stamped on every page; a DOCX, XLSX or ODT is first turned into a PDF by LibreOffice headless; where that
 * cannot be done the original comes back with a note saying why it is not a stamped copy.
 */

export { CONTENT_TYPES, detectDocumentKind, KIND_NAMES, type DocumentKind } from './detect.js';
export { CopyError, type CopyErrorCode } from './errors.js';
export { COPY_LABELS, COPY_STATUSES, copyLabels, type CopyLabels, type CopyLanguage, type CopyStatus, type UnstampedReason } from './labels.js';
export type { CopySignature, CopyStamp } from './stamp.js';
export { closeStampThreads } from './stamp-pool.js';

export interface OriginalFile {
  bytes: Uint8Array;
  /** The declared type, for messages only: the kind is read from the content. */
  contentType?: string;
  /** The file's name, for messages only. */
  name: string;
}

export interface CopyOptions {
  /** The LibreOffice launcher (default `soffice` on the PATH); `false` never converts (originals come back). */
  soffice?: string | false;
  /** Longest a conversion may run before LibreOffice is killed (default 60 s). */
  conversionTimeoutMs?: number;
  /** Conversions that may wait behind the running one (default 8). */
  maxQueuedConversions?: number;
  /** Largest file copied, and largest PDF a conversion may produce (default 50 MB). */
  maxBytes?: number;
  /** Pages at most in a stamped copy (default 1000). */
  maxPages?: number;
  /** Longest stamping may run in its worker thread (default 30 s). */
  stampTimeoutMs?: number;
}

/** A stamped PDF; `converted` when it was made from a DOCX, XLSX or ODT. */
export interface StampedCopy {
  pdf: Uint8Array;
  converted: boolean;
  /** What the original was. */
  from: DocumentKind;
  note?: string;
}

/** The original file, unstamped: show `note` (in the stamp's language) with it; `detail` is for the log. */
export interface UnstampedOriginal {
  original: Uint8Array;
  contentType: string;
  from: DocumentKind;
  reason: UnstampedReason;
  note: string;
  detail: string;
}

export type ControlledCopy = StampedCopy | UnstampedOriginal;

const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

/**
 * The controlled copy of `original` stamped with `stamp`. Throws CopyError (with its HTTP status) when the
 * file is no document we know, a PDF that is damaged, encrypted or too large, or the stamp is incomplete.
 */
export async function controlledCopy(original: OriginalFile, stamp: CopyStamp, options: CopyOptions = {}): Promise<ControlledCopy> {
  checkStamp(stamp);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const limits = { timeoutMs: options.stampTimeoutMs ?? 30_000, maxPages: options.maxPages ?? 1000 };
  if (!(original.bytes instanceof Uint8Array) || original.bytes.byteLength === 0) throw new CopyError('unsupported-type', `the file "${original.name}" is empty`);
  if (original.bytes.byteLength > maxBytes) throw new CopyError('too-large', `the file "${original.name}" has ${megabytes(original.bytes.byteLength)}; a controlled copy is made of files up to ${megabytes(maxBytes)}`);
  const kind = detectDocumentKind(original.bytes);
  if (!kind) {
    const declared = original.contentType ? ` (declared as ${original.contentType})` : '';
    throw new CopyError('unsupported-type', `the file "${original.name}"${declared} is not a PDF, Word (DOCX), Excel (XLSX) or OpenDocument text (ODT) file, judging by its content; no controlled copy can be made of it`);
  }
  if (kind === 'pdf') return { pdf: await stampInWorker(original.bytes, stamp, limits), converted: false, from: kind };
  const conversion = await convertToPdf(original.bytes, kind, { soffice: options.soffice, timeoutMs: options.conversionTimeoutMs, maxBytes, maxQueued: options.maxQueuedConversions });
  if ('failed' in conversion) {
    return { original: original.bytes, contentType: CONTENT_TYPES[kind], from: kind, reason: conversion.failed, note: stamp.labels.unstamped[conversion.failed], detail: conversion.detail };
  }
  return { pdf: await stampInWorker(conversion.pdf, stamp, limits), converted: true, from: kind };
}

/** Whether `copy` is a stamped PDF (rather than the original with a note). */
export function isStamped(copy: ControlledCopy): copy is StampedCopy {
  return 'pdf' in copy;
}

function checkStamp(stamp: CopyStamp): void {
  const missing = (['number', 'title', 'revision'] as const).filter((field) => typeof stamp?.[field] !== 'string' || !stamp[field].trim());
  if (missing.length) throw new CopyError('invalid-stamp', `the copy's stamp needs ${missing.map((field) => `stamp.${field}`).join(', ')}`);
  if (!COPY_STATUSES.includes(stamp.status)) throw new CopyError('invalid-stamp', `stamp.status must be one of ${COPY_STATUSES.join(', ')}, not "${String(stamp.status)}"`);
  if (!isAbsoluteWebUrl(stamp.currentUrl)) throw new CopyError('invalid-stamp', `stamp.currentUrl must be an absolute http(s) URL (the QR code's target), not "${String(stamp.currentUrl)}"`);
  if (!Array.isArray(stamp.signatures) || stamp.signatures.some((s) => ![s?.name, s?.meaning, s?.signedAt].every((v) => typeof v === 'string' && v.trim()))) {
    throw new CopyError('invalid-stamp', 'stamp.signatures must each have a name, a meaning and a signing time (21 CFR 11.50)');
  }
  if (!stamp.labels?.status || !stamp.labels.watermark || !stamp.labels.unstamped) throw new CopyError('invalid-stamp', 'stamp.labels is incomplete: take copyLabels(language) as the base');
}

function isAbsoluteWebUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}
