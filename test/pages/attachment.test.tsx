/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { expect } from 'chai';
import { render } from 'preact-render-to-string';
import { MessageCatalogue, readerFor } from '../../engine/kernel/i18n/index.js';
import { AttachmentLink, refusalText, uploadHint } from '../../api/pages/components/Attachment.js';
import { PAGE_MESSAGES, ReaderProvider } from '../../api/pages/reader.js';
import { checkUpload } from '../../api/pages/attachments.js';
import { expectEveryMessageFound } from '../support/messages.js';

/**
 * Attachments in the reader's words: name, size in their number format and kind in words (never the
 * SHA-256 or the MIME type as text), and why an upload was refused, in English, German and French.
 */

const catalogue = new MessageCatalogue([PAGE_MESSAGES]);
const reader = (locale: string) => readerFor(catalogue, locale, 'Europe/Zurich');
const plain = (text: string) => text.replace(/<[^<>]*>/g, '').replace(/&lt;/g, '<').replace(/[\u202f\u00a0]/g, ' ');
const SHA = 'a'.repeat(64);

describe('attachments in the reader’s language', () => {
  expectEveryMessageFound();

  it('links a file by its name, with its size and kind in words', () => {
    const file = { sha256: SHA, name: 'Befund <final>.pdf', size: 1_234_567, contentType: 'application/pdf' };
    const en = render(
      <ReaderProvider reader={reader('en-GB')}>
        <AttachmentLink file={file} />
      </ReaderProvider>,
    );
    expect(en).to.include(`<a href="/attachments/${SHA}" download>Befund &lt;final>.pdf</a>`);
    expect(plain(en)).to.equal('Befund <final>.pdf (1.2 MB, PDF)');
    const de = render(
      <ReaderProvider reader={reader('de-CH')}>
        <AttachmentLink file={{ ...file, size: 5_300, contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }} />
      </ReaderProvider>,
    );
    expect(plain(de)).to.equal('Befund <final>.pdf (5.3 kB, Word-Dokument (.docx))');
    const fr = render(
      <ReaderProvider reader={reader('fr-FR')}>
        <AttachmentLink file={{ ...file, size: 512 }} />
      </ReaderProvider>,
    );
    expect(plain(fr)).to.equal('Befund <final>.pdf (512 o, PDF)');
    // a reference that is no stored file is no link
    expect(render(<AttachmentLink file={{ sha256: '../x', name: 'x.pdf' }} />)).to.equal('<span>x.pdf</span>');
  });

  it('says why an upload was refused, in each language', () => {
    const html = { buffer: Buffer.from('<!doctype html><script>x</script>'), originalname: 'report.pdf', mimetype: 'application/pdf' };
    const checked = checkUpload(html);
    expect(checked.ok).to.equal(false);
    if (checked.ok) return;
    expect(checked.message, 'the API keeps its English').to.equal('the content of “report.pdf” is not a PDF: it looks like a web page (HTML)');
    expect(refusalText(reader('en-GB'), checked.refusal)).to.equal(checked.message);
    expect(refusalText(reader('de-CH'), checked.refusal)).to.equal('der Inhalt von „report.pdf“ ist kein PDF: er sieht aus wie eine Webseite (HTML)');
    expect(refusalText(reader('fr-FR'), checked.refusal)).to.equal('le contenu de « report.pdf » n’est pas un PDF : il ressemble à une page web (HTML)');
    const xlsx = checkUpload({ buffer: Buffer.from('just text'), originalname: 'plan.xlsx', mimetype: '' });
    expect(!xlsx.ok && refusalText(reader('en-GB'), xlsx.refusal)).to.equal('the content of “plan.xlsx” is not an Excel workbook (.xlsx): it looks like a plain text file');
    const empty = checkUpload({ buffer: Buffer.alloc(0), originalname: 'leer.txt', mimetype: 'text/plain' });
    expect(!empty.ok && refusalText(reader('de-CH'), empty.refusal)).to.equal('die Datei „leer.txt“ ist leer');
    const exe = checkUpload({ buffer: Buffer.from('MZ'), originalname: 'tool.exe', mimetype: 'application/x-msdownload' });
    expect(!exe.ok && refusalText(reader('fr-FR'), exe.refusal)).to.equal('« tool.exe » n’est pas un type de fichier accepté ici : utilisez PDF, PNG, JPEG, texte, CSV, Excel (.xlsx) ou Word (.docx)');
    expect(plain(uploadHint(reader('de-CH')))).to.equal('PDF, PNG, JPEG, Text, CSV, Excel (.xlsx) oder Word (.docx); höchstens 10.5 MB.');
  });
});
