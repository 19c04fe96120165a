import { createHash } from 'node:crypto';
import { NotFoundError, NotPermittedError, type PackContext, type PackFile, type PackUser } from '../../engine/pack-kit.js';
import { CONTENT_TYPES, controlledCopy, copyLabels, detectDocumentKind, isStamped, type CopyStamp } from './copies/index.js';
import { convertToPdf } from './copies/convert.js';
import type { DocumentReads } from './register.js';
import type { DocumentVersion } from './versions.js';

/**
 * A version's controlled copy for the person asking. Who may have which copy:
 * - an effective version: anyone who may see the document (its record is of their sites);
 * - a version not yet effective (draft, in review, approved and waiting for its date): only its owner,
 *   its author, the people who reviewed or approve it (or hold an open review or approval task's role),
 *   quality managers and admins — stamped with its real status, never as effective;
 * - a superseded or withdrawn version: quality managers, process owners, auditors, admins and the
 *   document's owner (inspections and investigations), marked superseded or obsolete on every page;
 * - a cancelled version: nobody (it never was a document).
 * The stamp is in the reader's language and time zone; the QR code leads to the document's page, which
 * always shows the current version.
 */

export const ARCHIVE_READERS = ['quality-manager', 'process-owner', 'auditor'];

/** Whether `user` may download a copy of `version`; the reason in the reader's words when not. */
export function mayCopy(user: PackUser, version: DocumentVersion, reads: DocumentReads, context: PackContext): string | undefined {
  const { t } = context.reader;
  const roles = user.roles;
  if (roles.includes('admin')) return undefined;
  if (version.status === 'effective') return undefined;
  if (version.status === 'cancelled') return t('documents.copy.cancelled');
  if (version.status === 'superseded' || version.status === 'obsolete') {
    return ARCHIVE_READERS.some((role) => roles.includes(role)) || version.owner === user.id ? undefined : t('documents.copy.archiveOnly');
  }
  if (roles.includes('quality-manager') || version.owner === user.id || version.startedBy === user.id) return undefined;
  const involved = reads.tasks.some(
    (task) =>
      task.instanceId === version.instanceId &&
      (task.elementId === 'review' || task.elementId === 'approve' || task.elementId === 'draft') &&
      (task.completedBy === user.id || task.assignee === user.id || (task.status === 'open' && task.candidateRole !== undefined && roles.includes(task.candidateRole))),
  );
  return involved ? undefined : t('documents.copy.notYetEffective');
}

/**
 * Converted PDFs of office files, by the original's sha256: LibreOffice takes seconds to start, and a
 * version's file never changes. Kept in memory, the newest few (a restart converts again).
 */
const converted = new Map<string, Uint8Array>();
const KEEP = 16;

async function pdfOf(bytes: Uint8Array): Promise<Uint8Array | undefined> {
  const kind = detectDocumentKind(bytes);
  if (kind === 'pdf' || kind === undefined) return undefined;
  const sha = createHash('sha256').update(bytes).digest('hex');
  const cached = converted.get(sha);
  if (cached) return cached;
  const conversion = await convertToPdf(bytes, kind);
  if ('failed' in conversion) return undefined;
  converted.set(sha, conversion.pdf);
  while (converted.size > KEEP) converted.delete(converted.keys().next().value!);
  return conversion.pdf;
}

/** The stamped copy (or, where a Word, Excel or OpenDocument file cannot be turned into a PDF, the original named as such). */
export async function copyOf(version: DocumentVersion, context: PackContext): Promise<PackFile> {
  if (!version.file) throw new NotFoundError(context.reader.t('documents.copy.noFile', { number: version.number, revision: version.revision }));
  if (version.status === 'cancelled') throw new NotPermittedError(context.reader.t('documents.copy.cancelled'));
  // the version came from readDocuments, which applied who may see a document (every site it applies to)
  const original = await context.attachment(version.instanceId, version.file.sha256, { everySite: true });
  const { reader } = context;
  const zoned = (iso: string) => `${reader.dateTime(iso)} (${reader.timeZone})`;
  const signatures = await Promise.all(
    version.signatures.map(async (s) => ({ name: (await context.records.user(s.by))?.name ?? s.by, meaning: reader.t('documents.signature.approved'), signedAt: zoned(s.at) })),
  );
  const effectiveFrom = version.effectiveFrom ? zoned(version.effectiveFrom) : version.effectiveDate ? reader.calendarDate(version.effectiveDate) : undefined;
  const stamp: CopyStamp = {
    number: version.number,
    title: version.title,
    revision: version.revision,
    status: version.status as CopyStamp['status'],
    ...(effectiveFrom && { effectiveFrom }),
    signatures,
    currentUrl: `${context.baseUrl.replace(/\/$/, '')}/documents/${encodeURIComponent(version.number)}`,
    labels: copyLabels(reader.language),
  };
  const pdf = await pdfOf(original.bytes);
  const copy = await controlledCopy(pdf ? { bytes: pdf, contentType: 'application/pdf', name: original.name } : { bytes: original.bytes, contentType: original.contentType, name: original.name }, stamp, pdf ? { soffice: false } : {});
  const base = `${version.number}-${version.revision}`;
  if (isStamped(copy)) return { bytes: copy.pdf, contentType: 'application/pdf', name: `${base}-${version.status}.pdf` };
  const extension = copy.from === 'docx' ? 'docx' : copy.from === 'xlsx' ? 'xlsx' : 'odt';
  return { bytes: copy.original, contentType: CONTENT_TYPES[copy.from] ?? copy.contentType, name: `${base}-${reader.t('documents.copy.originalSuffix')}.${extension}` };
}
