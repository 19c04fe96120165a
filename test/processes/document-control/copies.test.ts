import { expect } from 'chai';
import { degrees, PDFDocument, PDFName, StandardFonts } from 'pdf-lib';
import { closeStampThreads, controlledCopy, CopyError, copyLabels, detectDocumentKind, isStamped, type CopyStamp, type CopyStatus } from '../../../processes/document-control/copies/index.js';
import { docx, odt, storedZip, xlsx } from './office-files.js';
import { pageQrCodes, pageTextItems, pageTexts } from './pdf-read.js';

/** Controlled copies of PDFs (issue 17, item 3): what a reader downloading a version finds on every page. */

const CURRENT_URL = 'https://ims.example.com/documents/SOP-QA-0001';

function stampOf(status: CopyStatus, language = 'en', overrides: Partial<CopyStamp> = {}): CopyStamp {
  return {
    number: 'SOP-QA-0001',
    title: 'Cleaning of the filling line',
    revision: '2.0',
    status,
    effectiveFrom: '1 March 2026',
    signatures: [
      { name: 'Jörg Müller', meaning: 'Approval', signedAt: '12 February 2026, 14:03 CET' },
      { name: 'Élodie Laurent', meaning: 'Review', signedAt: '11 February 2026, 09:30 CET' },
    ],
    currentUrl: CURRENT_URL,
    labels: copyLabels(language),
    ...overrides,
  };
}

/** A PDF of `pages` pages saying "Procedure text on page N": portrait, one portrait page turned a quarter (/Rotate 90), one landscape. */
async function procedurePdf(pages = 3): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let number = 1; number <= pages; number++) {
    const page = doc.addPage(number === 3 ? [842, 595] : [595, 842]);
    if (number === 2) page.setRotation(degrees(90));
    page.drawText(`Procedure text on page ${number}`, { x: 40, y: page.getHeight() - 30, size: 12, font });
  }
  return doc.save();
}

async function stampedPdf(copy: Awaited<ReturnType<typeof controlledCopy>>): Promise<Uint8Array> {
  if (!isStamped(copy)) throw new Error(`expected a stamped PDF, got the original: ${copy.note}`);
  return copy.pdf;
}

async function refusal(promise: Promise<unknown>): Promise<CopyError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CopyError) return err;
    throw err;
  }
  throw new Error('expected a CopyError');
}

describe('controlled copies of a PDF', function () {
  this.timeout(60_000);

  after(() => closeStampThreads());

  it('carry the number, revision, status, effective date, signatures, "uncontrolled when printed" and a QR code to the current version on every page', async () => {
    const copy = await controlledCopy({ bytes: await procedurePdf(), name: 'SOP-QA-0001.pdf', contentType: 'application/pdf' }, stampOf('effective'));
    expect(copy).to.include({ converted: false, from: 'pdf' });
    const texts = await pageTexts(await stampedPdf(copy));
    expect(texts).to.have.length(3);
    texts.forEach((text, index) => {
      expect(text).to.include(`Procedure text on page ${index + 1}`);
      expect(text).to.include('SOP-QA-0001 · Cleaning of the filling line');
      expect(text).to.include('Revision 2.0');
      expect(text).to.include('Effective from 1 March 2026');
      expect(text).to.include('Effective');
      expect(text).to.include('Signed electronically: Jörg Müller (Approval, 12 February 2026, 14:03 CET); Élodie Laurent (Review, 11 February 2026, 09:30 CET)');
      expect(text).to.include('Uncontrolled when printed');
      expect(text).to.include(`Page ${index + 1} of 3`);
      expect(text).not.to.include('SUPERSEDED');
    });
    expect(await pageQrCodes(await stampedPdf(copy))).to.deep.equal([[CURRENT_URL], [CURRENT_URL], [CURRENT_URL]]);
  });

  it('shrinks the page’s own content between the bands instead of printing over it', async () => {
    const original = await PDFDocument.create();
    const font = await original.embedFont(StandardFonts.Helvetica);
    const page = original.addPage([595, 842]);
    page.drawText('Top line of the procedure', { x: 40, y: 830, size: 10, font });
    page.drawText('Bottom line of the procedure', { x: 40, y: 4, size: 10, font });
    const stamped = await stampedPdf(await controlledCopy({ bytes: await original.save(), name: 'edges.pdf' }, stampOf('effective')));
    expect((await PDFDocument.load(stamped)).getPage(0).getSize()).to.deep.equal({ width: 595, height: 842 }); // the paper size stays
    const [items] = await pageTextItems(stamped);
    const at = (text: string) => items.find((item) => item.text === text);
    const header = at('SOP-QA-0001 · Cleaning of the filling line');
    const footer = at('Uncontrolled when printed');
    expect(header?.y).to.be.greaterThan(at('Top line of the procedure')?.y ?? Infinity);
    expect(at('Top line of the procedure')?.y).to.be.lessThan(842 - 34);
    expect(at('Bottom line of the procedure')?.y).to.be.greaterThan(footer?.y ?? Infinity);
  });

  it('print German and French words with their accents', async () => {
    const german = await pageTexts(await stampedPdf(await controlledCopy({ bytes: await procedurePdf(1), name: 'a.pdf' }, stampOf('effective', 'de', { effectiveFrom: '1. März 2026' }))));
    expect(german[0]).to.include('Gültig ab 1. März 2026').and.include('Ausgedruckt nicht gelenkt').and.include('Elektronisch unterschrieben: Jörg Müller').and.include('Seite 1 von 1');
    const french = await pageTexts(await stampedPdf(await controlledCopy({ bytes: await procedurePdf(1), name: 'a.pdf' }, stampOf('effective', 'fr', { effectiveFrom: '1 mars 2026' }))));
    expect(french[0]).to.include('Révision 2.0').and.include('En vigueur depuis le 1 mars 2026').and.include('Copie non maîtrisée une fois imprimée').and.include('Élodie Laurent');
  });

  it('mark a superseded version SUPERSEDED and an obsolete one OBSOLETE on every page', async () => {
    const superseded = await pageTexts(await stampedPdf(await controlledCopy({ bytes: await procedurePdf(), name: 'old.pdf' }, stampOf('superseded'))));
    expect(superseded).to.have.length(3);
    for (const text of superseded) expect(text).to.include('SUPERSEDED').and.include('Superseded').and.include('Uncontrolled when printed');
    const obsolete = await pageTexts(await stampedPdf(await controlledCopy({ bytes: await procedurePdf(), name: 'old.pdf' }, stampOf('obsolete', 'de'))));
    for (const text of obsolete) expect(text).to.include('AUSSER KRAFT');
    const draft = await pageTexts(await stampedPdf(await controlledCopy({ bytes: await procedurePdf(1), name: 'draft.pdf' }, stampOf('draft', 'en', { effectiveFrom: undefined, signatures: [] }))));
    expect(draft[0]).to.include('DRAFT').and.include('Revision 2.0').and.not.include('Effective from').and.not.include('Signed electronically');
  });

  it('refuse a file that is neither a PDF nor a Word, Excel or OpenDocument file, whatever its name', async () => {
    const text = await refusal(controlledCopy({ bytes: new TextEncoder().encode('just some notes'), name: 'notes.pdf', contentType: 'application/pdf' }, stampOf('effective')));
    expect(text).to.include({ code: 'unsupported-type', status: 415 });
    expect(text.message).to.include('"notes.pdf" (declared as application/pdf) is not a PDF, Word (DOCX), Excel (XLSX) or OpenDocument text (ODT) file');
    const zip = await refusal(controlledCopy({ bytes: storedZip([['readme.txt', 'hello']]), name: 'archive.zip' }, stampOf('effective')));
    expect(zip.code).to.equal('unsupported-type');
    const empty = await refusal(controlledCopy({ bytes: new Uint8Array(), name: 'empty.pdf' }, stampOf('effective')));
    expect(empty.message).to.equal('the file "empty.pdf" is empty');
  });

  it('refuse a damaged PDF and an encrypted one with a clear error', async () => {
    const garbage = await refusal(controlledCopy({ bytes: new TextEncoder().encode('%PDF-1.7\nthis is not really a PDF\n%%EOF'), name: 'broken.pdf' }, stampOf('effective')));
    expect(garbage).to.include({ code: 'malformed-pdf', status: 422 });
    expect(garbage.message).to.match(/^the PDF (cannot be read|has no pages)/);
    const whole = await procedurePdf(2);
    const truncated = await refusal(controlledCopy({ bytes: whole.subarray(0, 400), name: 'cut.pdf' }, stampOf('effective')));
    expect(truncated.code).to.equal('malformed-pdf');

    const doc = await PDFDocument.load(whole);
    doc.context.trailerInfo.Encrypt = doc.context.obj({ Filter: PDFName.of('Standard'), V: 1, R: 2, P: -4 });
    const encrypted = await refusal(controlledCopy({ bytes: await doc.save({ useObjectStreams: false }), name: 'protected.pdf' }, stampOf('effective')));
    expect(encrypted).to.include({ code: 'encrypted-pdf', status: 422 });
    expect(encrypted.message).to.include('encrypted (password-protected)');
  });

  it('refuse a PDF over the page or size limit, and stop stamping that runs over its time in the worker thread', async () => {
    const pages = await refusal(controlledCopy({ bytes: await procedurePdf(3), name: 'long.pdf' }, stampOf('effective'), { maxPages: 2 }));
    expect(pages).to.include({ code: 'too-many-pages', status: 413 });
    expect(pages.message).to.equal('the PDF has 3 pages; a controlled copy is made of at most 2');
    const size = await refusal(controlledCopy({ bytes: await procedurePdf(1), name: 'big.pdf' }, stampOf('effective'), { maxBytes: 100 }));
    expect(size).to.include({ code: 'too-large', status: 413 });
    const slow = await refusal(controlledCopy({ bytes: await procedurePdf(200), name: 'slow.pdf' }, stampOf('effective'), { stampTimeoutMs: 1 }));
    expect(slow).to.include({ code: 'too-costly', status: 413 });
    expect(slow.message).to.include('was stopped');
    // the thread was replaced: the next copy is made as usual
    expect(isStamped(await controlledCopy({ bytes: await procedurePdf(1), name: 'next.pdf' }, stampOf('effective')))).to.equal(true);
  });

  it('refuse a stamp without an absolute link to the current version, a known status or complete signatures', async () => {
    const bytes = await procedurePdf(1);
    const link = await refusal(controlledCopy({ bytes, name: 'a.pdf' }, stampOf('effective', 'en', { currentUrl: '/documents/SOP-QA-0001' })));
    expect(link).to.include({ code: 'invalid-stamp', status: 400 });
    expect(link.message).to.include('stamp.currentUrl must be an absolute http(s) URL');
    const status = await refusal(controlledCopy({ bytes, name: 'a.pdf' }, stampOf('current' as CopyStatus)));
    expect(status.message).to.include('stamp.status must be one of draft, in-review, approved, effective, superseded, obsolete');
    const signature = await refusal(controlledCopy({ bytes, name: 'a.pdf' }, stampOf('effective', 'en', { signatures: [{ name: 'Jörg Müller', meaning: '', signedAt: 'today' }] })));
    expect(signature.message).to.include('a name, a meaning and a signing time');
  });
});

describe('controlled copies: what a file is, and the words', () => {
  it('tells PDF, DOCX, XLSX and ODT apart by their content', async () => {
    expect(detectDocumentKind(await procedurePdf(1))).to.equal('pdf');
    expect(detectDocumentKind(docx(['Hello']))).to.equal('docx');
    expect(detectDocumentKind(xlsx(['Hello']))).to.equal('xlsx');
    expect(detectDocumentKind(odt(['Hello']))).to.equal('odt');
    expect(detectDocumentKind(storedZip([['mimetype', 'application/vnd.oasis.opendocument.presentation']]))).to.equal(undefined);
    expect(detectDocumentKind(new TextEncoder().encode('PK but not a zip'))).to.equal(undefined);
  });

  it('has the words in English, German and French, English for other languages', () => {
    expect(copyLabels('de-CH').uncontrolled).to.equal('Ausgedruckt nicht gelenkt');
    expect(copyLabels('fr').watermark.superseded).to.equal('REMPLACÉ');
    expect(copyLabels('es').status.superseded).to.equal('Superseded');
    expect(copyLabels(undefined).revision).to.equal('Revision');
  });
});
