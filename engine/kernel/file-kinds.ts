/** The kinds of file a file field may take (ims:accept), by the content type an upload is stored with. */
export const FILE_KINDS = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  odt: 'application/vnd.oasis.opendocument.text',
  png: 'image/png',
  jpeg: 'image/jpeg',
  text: 'text/plain',
  csv: 'text/csv',
} as const;
export type FileKind = keyof typeof FILE_KINDS;

/** The rules a form field may add (ims:accept on a file field, ims:min on a date field). */
export interface FieldRules {
  /** ims:accept="pdf docx odt xlsx" (file fields): the kinds of file taken (FILE_KINDS), told by the file's content at upload. */
  accept?: FileKind[];
  /** ims:min="today" (date fields): no date before the day the form is sent (UTC). */
  min?: 'today';
}
