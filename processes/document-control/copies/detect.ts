/**
 * What a controlled document's file is, read from its content (never its name or declared type): a PDF by
 * its `%PDF-` header, DOCX and XLSX by the parts of their ZIP package, ODT by its stored `mimetype` entry.
 */

export type DocumentKind = 'pdf' | 'docx' | 'xlsx' | 'odt';

export const CONTENT_TYPES: Readonly<Record<DocumentKind, string>> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  odt: 'application/vnd.oasis.opendocument.text',
};

/** Words for people: "a Word document (DOCX)". */
export const KIND_NAMES: Readonly<Record<DocumentKind, string>> = {
  pdf: 'a PDF',
  docx: 'a Word document (DOCX)',
  xlsx: 'an Excel workbook (XLSX)',
  odt: 'an OpenDocument text (ODT)',
};

const ODT_MIMETYPE = 'application/vnd.oasis.opendocument.text';
/** Acrobat accepts the header anywhere in the first 1024 bytes; so do we. */
const PDF_HEADER_WINDOW = 1024;
/** A package with more entries than this is not a document we accept (and costs nothing to refuse). */
const MAX_ZIP_ENTRIES = 20_000;

/** The kind of document `bytes` holds, or undefined when it is none of PDF, DOCX, XLSX, ODT. */
export function detectDocumentKind(bytes: Uint8Array): DocumentKind | undefined {
  if (hasPdfHeader(bytes)) return 'pdf';
  const entries = zipEntries(bytes);
  if (!entries) return undefined;
  const names = new Set(entries.map((entry) => entry.name));
  if (names.has('[Content_Types].xml') && names.has('word/document.xml')) return 'docx';
  if (names.has('[Content_Types].xml') && names.has('xl/workbook.xml')) return 'xlsx';
  const mimetype = entries.find((entry) => entry.name === 'mimetype');
  if (mimetype && storedText(bytes, mimetype) === ODT_MIMETYPE) return 'odt';
  return undefined;
}

function hasPdfHeader(bytes: Uint8Array): boolean {
  const window = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, PDF_HEADER_WINDOW));
  return window.indexOf('%PDF-', 0, 'latin1') !== -1;
}

interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** The entries of a ZIP archive's central directory, or undefined when `bytes` is no (readable) ZIP. */
function zipEntries(bytes: Uint8Array): ZipEntry[] | undefined {
  if (bytes.byteLength < 22 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // the end-of-central-directory record is the last 22 bytes plus a comment of at most 65535 bytes
  let end = -1;
  for (let at = bytes.byteLength - 22; at >= Math.max(0, bytes.byteLength - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) return undefined;
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (count > MAX_ZIP_ENTRIES) return undefined;
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  for (let index = 0; index < count; index++) {
    if (at + 46 > bytes.byteLength || view.getUint32(at, true) !== 0x02014b50) return undefined;
    const nameLength = view.getUint16(at + 28, true);
    const skip = view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (at + 46 + nameLength > bytes.byteLength) return undefined;
    entries.push({
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    });
    at += 46 + nameLength + skip;
  }
  return entries;
}

/** The text of a small stored (uncompressed) entry, as ODF requires of `mimetype`; undefined otherwise. */
function storedText(bytes: Uint8Array, entry: ZipEntry): string | undefined {
  if (entry.method !== 0 || entry.compressedSize > 200) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localHeaderOffset;
  if (local + 30 > bytes.byteLength || view.getUint32(local, true) !== 0x04034b50) return undefined;
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  if (start + entry.compressedSize > bytes.byteLength) return undefined;
  return new TextDecoder().decode(bytes.subarray(start, start + entry.compressedSize));
}
