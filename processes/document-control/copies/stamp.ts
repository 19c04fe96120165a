import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import {
  concatTransformationMatrix,
  degrees,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  type Color,
  type PDFFont,
  type PDFImage,
  type PDFPage,
} from 'pdf-lib';
import QRCode from 'qrcode';
import type { CopyLabels, CopyStatus } from './labels.js';

/**
 * The stamp itself (pdf-lib), run in a worker thread by stamp-pool.ts: on every page a header band (number,
 * title, revision, status, effective date, page) and a footer band ("uncontrolled when printed", the
 * electronic signatures' manifestation, a QR code to the current version), and a diagonal watermark on a
 * version that is not effective. The page's own content is shrunk to make room for the bands, never covered.
 */

export interface CopySignature {
  /** The signer's printed name. */
  name: string;
  /** What the signature means (review, approval, authorship…), in the reader's language. */
  meaning: string;
  /** Date and time of signing, formatted for the reader (their language and time zone, with the zone). */
  signedAt: string;
}

export interface CopyStamp {
  /** The document number, e.g. SOP-QA-0001. */
  number: string;
  title: string;
  /** The revision, e.g. 2.0 (printed as "Revision 2.0"). */
  revision: string;
  status: CopyStatus;
  /** When this version became (or becomes) effective, formatted for the reader; omitted while it has no date. */
  effectiveFrom?: string;
  signatures: CopySignature[];
  /** Absolute http(s) URL of the document's current version: the QR code's target. */
  currentUrl: string;
  /** The words, in the reader's language (copyLabels(language) gives en/de/fr defaults). */
  labels: CopyLabels;
}

/** Why a PDF cannot be stamped: tagged values, since error classes do not cross the worker's structured clone. */
export type StampRefusal = 'malformed-pdf' | 'encrypted-pdf' | 'too-many-pages';

export class StampRefused extends Error {
  constructor(
    readonly refusal: StampRefusal,
    message: string,
  ) {
    super(message);
  }
}

const MARGIN = 18;
const HEADER_HEIGHT = 34;
const QR_SIZE = 46;
const SIGNATURE_LINES_AT_MOST = 4;
const RECT = PDFName.of('Rect');
const INK = rgb(0.1, 0.1, 0.1);
const RULE = rgb(0.55, 0.55, 0.55);
const STATUS_COLOURS: Record<CopyStatus, Color> = {
  effective: rgb(0, 0.42, 0.2),
  approved: rgb(0.6, 0.38, 0),
  draft: rgb(0.6, 0.38, 0),
  'in-review': rgb(0.6, 0.38, 0),
  superseded: rgb(0.75, 0.08, 0.08),
  obsolete: rgb(0.75, 0.08, 0.08),
};

/** Public Sans (SIL OFL, shipped by the @uswds/uswds dependency): Latin with its accents, so de/fr words print. */
const require = createRequire(import.meta.url);
const FONT_FILES = {
  regular: require.resolve('@uswds/uswds/fonts/public-sans/PublicSans-Regular.ttf'),
  bold: require.resolve('@uswds/uswds/fonts/public-sans/PublicSans-Bold.ttf'),
};
let fontBytes: { regular: Uint8Array; bold: Uint8Array } | undefined;

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  /** Code points both fonts can draw; others print as "?". */
  drawable: Set<number>;
}

/** The stamped copy of `pdf`. Throws StampRefused for a malformed or encrypted PDF or one over `maxPages`. */
export async function stampPdf(pdf: Uint8Array, stamp: CopyStamp, maxPages: number): Promise<Uint8Array> {
  const doc = await load(pdf);
  const pageCount = pagesOf(doc);
  if (pageCount === 0) throw new StampRefused('malformed-pdf', 'the PDF has no pages that can be read');
  if (pageCount > maxPages) throw new StampRefused('too-many-pages', `the PDF has ${pageCount} pages; a controlled copy is made of at most ${maxPages}`);
  doc.registerFontkit(fontkit);
  fontBytes ??= { regular: readFileSync(FONT_FILES.regular), bold: readFileSync(FONT_FILES.bold) };
  const regular = await doc.embedFont(fontBytes.regular, { subset: true });
  const bold = await doc.embedFont(fontBytes.bold, { subset: true });
  const boldSet = new Set(bold.getCharacterSet());
  const fonts: Fonts = { regular, bold, drawable: new Set(regular.getCharacterSet().filter((codePoint) => boldSet.has(codePoint))) };
  const qr = await doc.embedPng(await QRCode.toBuffer(stamp.currentUrl, { type: 'png', errorCorrectionLevel: 'M', margin: 1, scale: 4 }));
  doc.getPages().forEach((page, index) => stampPage(page, stamp, fonts, qr, index + 1, pageCount));
  doc.setSubject(`${stamp.number} ${stamp.labels.revision} ${stamp.revision}: ${stamp.labels.status[stamp.status]}`);
  return doc.save({ useObjectStreams: true });
}

async function load(pdf: Uint8Array): Promise<PDFDocument> {
  let doc: PDFDocument;
  try {
    // loaded even when encrypted, so that encryption is told apart from damage (pdf-lib's error classes fail instanceof)
    doc = await PDFDocument.load(pdf, { updateMetadata: false, ignoreEncryption: true });
  } catch (err) {
    throw new StampRefused('malformed-pdf', `the PDF cannot be read (${(err as Error).message}); it may be damaged`);
  }
  if (doc.isEncrypted) throw new StampRefused('encrypted-pdf', 'the PDF is encrypted (password-protected), so it cannot be stamped; upload the version without protection');
  return doc;
}

/** The page count; pdf-lib reads a PDF without a page tree and fails only when asked for its pages. */
function pagesOf(doc: PDFDocument): number {
  try {
    return doc.getPageCount();
  } catch (err) {
    throw new StampRefused('malformed-pdf', `the PDF cannot be read (it has no readable page tree: ${(err as Error).message}); it may be damaged`);
  }
}

/** A page's visible frame: its crop box as the viewer shows it (rotation applied), and the user-space ↔ visible mapping. */
interface Frame {
  width: number;
  height: number;
  /** Linear part of user space → visible space (a rotation by a multiple of 90°), row-major [[a00, a01], [a10, a11]]. */
  a: [[number, number], [number, number]];
  /** Offset of user space → visible space. */
  b: [number, number];
}

function frameOf(page: PDFPage): Frame {
  const { x, y, width: w, height: h } = page.getCropBox();
  const rotation = (((page.getRotation().angle % 360) + 360) % 360) as 0 | 90 | 180 | 270 | number;
  if (rotation === 90) return { width: h, height: w, a: [[0, 1], [-1, 0]], b: [-y, w + x] };
  if (rotation === 180) return { width: w, height: h, a: [[-1, 0], [0, -1]], b: [w + x, h + y] };
  if (rotation === 270) return { width: h, height: w, a: [[0, -1], [1, 0]], b: [h + y, -x] };
  return { width: w, height: h, a: [[1, 0], [0, 1]], b: [-x, -y] };
}

/** aᵀ·v: visible space → user space for directions (a is a rotation, so its inverse is its transpose). */
function toUser(frame: Frame, v: [number, number]): [number, number] {
  const [[a00, a01], [a10, a11]] = frame.a;
  return [a00 * v[0] + a10 * v[1], a01 * v[0] + a11 * v[1]];
}

function stampPage(page: PDFPage, stamp: CopyStamp, fonts: Fonts, qr: PDFImage, pageNumber: number, pageCount: number): void {
  const frame = frameOf(page);
  const { width, height } = frame;
  const signatureLines = signatureText(stamp, fonts, width - 2 * MARGIN - QR_SIZE - 12);
  const footerHeight = Math.max(QR_SIZE + 16, 24 + signatureLines.length * 8.5) + 6;
  makeRoom(page, frame, HEADER_HEIGHT, footerHeight);

  // draw in visible coordinates: (0, 0) is the bottom left corner as the reader sees the page
  const [[a00, a01], [a10, a11]] = frame.a;
  const [e, f] = toUser(frame, [-frame.b[0], -frame.b[1]]);
  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(a00, a01, a10, a11, e, f));

  if (stamp.status !== 'effective') watermark(page, fonts, printable(stamp.labels.watermark[stamp.status], fonts), width, height);

  const top = height;
  const inner = width - 2 * MARGIN;
  const statusWord = printable(stamp.labels.status[stamp.status], fonts);
  const statusWidth = fonts.bold.widthOfTextAtSize(statusWord, 9);
  text(page, fitted(`${stamp.number} · ${stamp.title}`, fonts.bold, 9, inner - statusWidth - 12, fonts), MARGIN, top - 14, fonts.bold, 9, INK);
  text(page, statusWord, width - MARGIN - statusWidth, top - 14, fonts.bold, 9, STATUS_COLOURS[stamp.status]);
  const pageWords = printable(stamp.labels.page.replace('{page}', String(pageNumber)).replace('{pages}', String(pageCount)), fonts);
  const pageWidth = fonts.regular.widthOfTextAtSize(pageWords, 7);
  const revisionLine = [`${stamp.labels.revision} ${stamp.revision}`, stamp.effectiveFrom && `${stamp.labels.effectiveFrom} ${stamp.effectiveFrom}`].filter(Boolean).join(' · ');
  text(page, fitted(revisionLine, fonts.regular, 7, inner - pageWidth - 12, fonts), MARGIN, top - 25, fonts.regular, 7, INK);
  text(page, pageWords, width - MARGIN - pageWidth, top - 25, fonts.regular, 7, INK);
  page.drawLine({ start: { x: MARGIN, y: top - HEADER_HEIGHT + 4 }, end: { x: width - MARGIN, y: top - HEADER_HEIGHT + 4 }, thickness: 0.5, color: RULE });

  page.drawLine({ start: { x: MARGIN, y: footerHeight - 2 }, end: { x: width - MARGIN, y: footerHeight - 2 }, thickness: 0.5, color: RULE });
  const textWidth = inner - QR_SIZE - 12;
  text(page, fitted(stamp.labels.uncontrolled, fonts.bold, 8, textWidth, fonts), MARGIN, footerHeight - 13, fonts.bold, 8, INK);
  signatureLines.forEach((line, index) => text(page, line, MARGIN, footerHeight - 24 - index * 8.5, fonts.regular, 6.5, INK));
  const qrX = width - MARGIN - QR_SIZE;
  page.drawImage(qr, { x: qrX, y: 12, width: QR_SIZE, height: QR_SIZE });
  const caption = fitted(stamp.labels.currentVersion, fonts.regular, 5.5, QR_SIZE + 10, fonts);
  text(page, caption, qrX + (QR_SIZE - fonts.regular.widthOfTextAtSize(caption, 5.5)) / 2, 5, fonts.regular, 5.5, INK);

  page.pushOperators(popGraphicsState());
}

/** Shrinks the page's own content (and its links' areas) to leave the header and footer bands free. */
function makeRoom(page: PDFPage, frame: Frame, headerHeight: number, footerHeight: number): void {
  const scale = Math.max(0.5, (frame.height - headerHeight - footerHeight) / frame.height);
  // wanted in visible space: v ↦ scale·v + (centring, footer); in user space that is p ↦ scale·p + t
  const shift: [number, number] = [(frame.width * (1 - scale)) / 2 + (scale - 1) * frame.b[0], footerHeight + (scale - 1) * frame.b[1]];
  const [tx, ty] = toUser(frame, shift);
  const doc = page.doc;
  page.node.normalize(); // wraps the existing content in q … Q, so its own state changes cannot leak into ours
  const start = doc.context.register(doc.context.contentStream([pushGraphicsState(), concatTransformationMatrix(scale, 0, 0, scale, tx, ty)]));
  const end = doc.context.register(doc.context.contentStream([popGraphicsState()]));
  page.node.wrapContentStreams(start, end);
  moveAnnotations(page, scale, tx, ty);
}

/** Moves every annotation's rectangle with the content it belongs to. */
function moveAnnotations(page: PDFPage, scale: number, tx: number, ty: number): void {
  const annotations = page.node.Annots();
  if (!annotations) return;
  for (const annotation of annotations.asArray().map((ref) => page.doc.context.lookup(ref))) {
    const rect = annotation instanceof PDFDict ? annotation.lookup(RECT) : undefined;
    const values = rect instanceof PDFArray ? rect.asArray().map((value) => (value instanceof PDFNumber ? value.asNumber() : NaN)) : [];
    if (!(rect instanceof PDFArray) || values.length !== 4 || values.some(Number.isNaN)) continue;
    values.forEach((value, i) => rect.set(i, PDFNumber.of(scale * value + (i % 2 === 0 ? tx : ty))));
  }
}

function watermark(page: PDFPage, fonts: Fonts, word: string, width: number, height: number): void {
  const angle = Math.atan2(height, width);
  const diagonal = Math.hypot(width, height);
  const size = Math.min(110, (0.7 * diagonal) / Math.max(1, fonts.bold.widthOfTextAtSize(word, 1)));
  const textWidth = fonts.bold.widthOfTextAtSize(word, size);
  const capHeight = fonts.bold.heightAtSize(size, { descender: false });
  // start so that the word's middle sits on the page's middle
  const x = width / 2 - (textWidth / 2) * Math.cos(angle) + (capHeight / 2) * Math.sin(angle);
  const y = height / 2 - (textWidth / 2) * Math.sin(angle) - (capHeight / 2) * Math.cos(angle);
  page.drawText(word, { x, y, size, font: fonts.bold, color: rgb(0.8, 0.1, 0.1), opacity: 0.22, rotate: degrees((angle * 180) / Math.PI) });
}

/** "Signed electronically: Jane Doe (Approval, 3 March 2026 14:05 CET); …" in at most four lines of `width`. */
function signatureText(stamp: CopyStamp, fonts: Fonts, width: number): string[] {
  if (!stamp.signatures.length) return [];
  const words = printable(`${stamp.labels.signedBy}: ${stamp.signatures.map((s) => `${s.name} (${s.meaning}, ${s.signedAt})`).join('; ')}`, fonts).split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && fonts.regular.widthOfTextAtSize(candidate, 6.5) > width) {
      lines.push(line);
      line = word;
    } else line = candidate;
  }
  if (line) lines.push(line);
  if (lines.length <= SIGNATURE_LINES_AT_MOST) return lines.map((l) => fitted(l, fonts.regular, 6.5, width, fonts));
  const kept = lines.slice(0, SIGNATURE_LINES_AT_MOST);
  kept[SIGNATURE_LINES_AT_MOST - 1] = fitted(`${kept[SIGNATURE_LINES_AT_MOST - 1]} ${lines[SIGNATURE_LINES_AT_MOST]}`, fonts.regular, 6.5, width, fonts, true);
  return kept;
}

function text(page: PDFPage, words: string, x: number, y: number, font: PDFFont, size: number, color: Color): void {
  page.drawText(words, { x, y, size, font, color });
}

/** `words` shortened with "…" to fit `width` (always ending in "…" when `cut` says text was left out already). */
function fitted(words: string, font: PDFFont, size: number, width: number, fonts: Fonts, cut = false): string {
  let shown = printable(words, fonts);
  if (!cut && font.widthOfTextAtSize(shown, size) <= width) return shown;
  while (shown.length > 1 && font.widthOfTextAtSize(`${shown}…`, size) > width) shown = shown.slice(0, -1);
  return `${shown.trimEnd()}…`;
}

/** One line of text the fonts can draw: control characters and line breaks become spaces, unknown letters "?". */
function printable(words: string, fonts: Fonts): string {
  let out = '';
  for (const char of words) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)) out += ' ';
    else out += fonts.drawable.has(codePoint) ? char : '?';
  }
  return out;
}
