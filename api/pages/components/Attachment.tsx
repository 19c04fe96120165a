/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Reader } from '../../../engine/kernel/i18n/index.js';
import { kindOfType, MAX_ATTACHMENT_BYTES, type Kind, type UploadRefusal } from '../attachments.js';
import { useReader } from '../reader.js';

/**
 * Attachments as people read them: a file's name as a download link, its size in the reader's number
 * format ("1.2 MB", "1,2 Mo") and its kind in words ("PDF", "Word-Dokument"), never its SHA-256 or MIME
 * type; and why an upload was refused, in the reader's language.
 */

export interface AttachmentView {
  sha256: string;
  name: string;
  size?: number;
  contentType?: string;
}

/** A size in bytes as the reader writes it: bytes, kB or MB (decimal units, as file managers show them). */
export function fileSize(reader: Pick<Reader, 'number'>, bytes: number): string {
  if (bytes < 1000) return reader.number(bytes, { style: 'unit', unit: 'byte', unitDisplay: bytes === 1 ? 'long' : 'short' });
  const [value, unit] = bytes < 1_000_000 ? [bytes / 1000, 'kilobyte'] : [bytes / 1_000_000, 'megabyte'];
  return reader.number(value, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 });
}

/** A kind of file in the reader's words: "PDF", "Excel workbook (.xlsx)". */
export function kindName(reader: Pick<Reader, 't'>, kind: Kind | 'html' | 'zip' | 'other'): string {
  return reader.t(`attachments.kind.${kind}`);
}

/** A download link to an attachment with its size and kind after it. */
export function AttachmentLink({ file }: { file: AttachmentView }) {
  const reader = useReader();
  if (!/^[a-f0-9]{64}$/.test(file.sha256)) return <span>{file.name}</span>;
  const kind = kindOfType(file.contentType);
  const facts = [typeof file.size === 'number' ? fileSize(reader, file.size) : undefined, kind ? kindName(reader, kind) : undefined].filter(Boolean);
  return (
    <span class="ims-attachment">
      <a href={`/attachments/${file.sha256}`} download>
        {file.name}
      </a>
      {facts.length ? <span class="usa-hint"> ({facts.join(', ')})</span> : null}
    </span>
  );
}

/** The hint next to a file input: what may be uploaded and how large. */
export function uploadHint(reader: Pick<Reader, 't' | 'number'>): string {
  return reader.t('attachments.accepted', { limit: fileSize(reader, MAX_ATTACHMENT_BYTES) });
}

/** Why an upload was refused, in the reader's words (checkUpload's refusal). */
export function refusalText(reader: Pick<Reader, 't' | 'number'>, refusal: UploadRefusal): string {
  switch (refusal.code) {
    case 'empty':
      return reader.t('attachments.refused.empty', { name: refusal.name });
    case 'tooLarge':
      return reader.t('attachments.refused.tooLarge', { limit: fileSize(reader, refusal.limit) });
    case 'notAccepted':
      return reader.t('attachments.refused.notAccepted', { name: refusal.name, accepted: reader.t('attachments.acceptedKinds') });
    case 'notWhatItClaims':
      return reader.t('attachments.refused.notWhatItClaims', { name: refusal.name, claimed: refusal.claimed, seen: refusal.seen });
  }
}
