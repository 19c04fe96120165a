import { expect } from 'chai';
import { checkUpload } from '../../../api/pages/attachments.js';
import { validateFormData } from '../../../engine/kernel/forms.js';
import { FILE_KINDS } from '../../../engine/kernel/file-kinds.js';
import type { FormField } from '../../../engine/kernel/model.js';
import { docxFile, odtFile, pdfFile, pngFile, xlsxFile } from './files.js';

/** A document's file is told by its content: PDF by `%PDF-`, DOCX and XLSX by their ZIP parts, ODT by its `mimetype` entry. */
describe('document files: the kind told by the content', () => {
  const kindOf = (bytes: Buffer, name: string, type = 'application/octet-stream') => {
    const checked = checkUpload({ buffer: bytes, originalname: name, mimetype: type });
    return checked.ok ? checked.ref.contentType : `refused: ${checked.message}`;
  };

  it('recognises PDF, DOCX, XLSX and ODT by their bytes, and refuses a file that is not what its name says', () => {
    expect(kindOf(pdfFile(), 'a.pdf')).to.equal(FILE_KINDS.pdf);
    expect(kindOf(docxFile(), 'a.docx')).to.equal(FILE_KINDS.docx);
    expect(kindOf(xlsxFile(), 'a.xlsx')).to.equal(FILE_KINDS.xlsx);
    expect(kindOf(odtFile(), 'a.odt')).to.equal(FILE_KINDS.odt);
    expect(kindOf(pngFile(), 'a.odt')).to.match(/^refused: the content of “a.odt” is not a word-processing document/);
    expect(kindOf(docxFile(), 'a.pdf')).to.match(/^refused/);
  });

  it('a file field with ims:accept takes only those kinds, naming the field', async () => {
    const field: FormField = { key: 'file', label: 'Document file', type: 'file', required: true, accept: ['pdf', 'docx', 'odt', 'xlsx'] };
    const ref = (contentType: string) => ({ file: { sha256: 'a'.repeat(64), name: 'x', size: 1, contentType } });
    expect(await validateFormData([field], ref(FILE_KINDS.odt))).to.have.nested.property('file.contentType', FILE_KINDS.odt);
    const refused = await validateFormData([field], ref(FILE_KINDS.png)).catch((err) => err);
    expect(refused.fields).to.deep.equal([{ field: 'file', message: 'Document file must be a PDF, DOCX, ODT or XLSX file' }]);
  });

  it('a date field with ims:min="today" refuses a day in the past', async () => {
    const field: FormField = { key: 'effectiveDate', label: 'Effective from', type: 'date', required: true, min: 'today' };
    const now = () => new Date('2030-05-10T12:00:00Z');
    expect(await validateFormData([field], { effectiveDate: '2030-05-10' }, { now })).to.deep.equal({ effectiveDate: '2030-05-10' });
    const refused = await validateFormData([field], { effectiveDate: '2030-05-09' }, { now }).catch((err) => err);
    expect(refused.fields[0]).to.deep.equal({ field: 'effectiveDate', message: 'Effective from must not be in the past (today is 2030-05-10)' });
  });
});
