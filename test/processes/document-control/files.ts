/** Small files whose content is what their kind says (magic bytes and ZIP entry names), for upload tests. */

export const pdfFile = (text = 'Cleaning of production rooms'): Buffer => Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`, 'latin1');

/** A ZIP whose first entry is `name` holding `content` (stored, uncompressed), followed by more entry names. */
function zip(name: string, content: string, more: string[]): Buffer {
  const header = Buffer.alloc(30);
  header.write('PK\x03\x04', 0, 'latin1');
  header.writeUInt16LE(Buffer.byteLength(name), 26);
  header.writeUInt16LE(0, 28);
  return Buffer.concat([header, Buffer.from(name, 'latin1'), Buffer.from(content, 'latin1'), ...more.map((m) => Buffer.from(`PK\x03\x04${m}`, 'latin1'))]);
}

export const docxFile = (): Buffer => zip('[Content_Types].xml', '<Types/>', ['word/document.xml']);
export const xlsxFile = (): Buffer => zip('[Content_Types].xml', '<Types/>', ['xl/workbook.xml']);
export const odtFile = (): Buffer => zip('mimetype', 'application/vnd.oasis.opendocument.text', ['content.xml']);
export const pngFile = (): Buffer => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
