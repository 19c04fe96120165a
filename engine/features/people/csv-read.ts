// Reading a CSV file of people with csv-parse (RFC 4180: quoted cells with commas, doubled quotes and
// line breaks, CRLF or LF, a BOM), with the separator a spreadsheet in a German or French locale writes
// (";") recognised from the header line.
import { CsvError, parse } from 'csv-parse/sync';

/** A CSV that cannot be read as cells: where, in words. */
export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    message: string,
    /** The line of the file (1-based) the problem is on. */
    readonly line: number,
  ) {
    super(message);
  }
}

/** The rows of a CSV text, each with the file line it starts on; blank lines are skipped. */
export function readCsv(text: string): { line: number; cells: string[] }[] {
  const source = text.startsWith('\ufeff') ? text.slice(1) : text;
  const newline = source.indexOf('\n');
  const firstLine = newline < 0 ? source : source.slice(0, newline);
  const delimiter = firstLine.split(';').length > firstLine.split(',').length ? ';' : ',';
  try {
    const records = parse(source, { delimiter, relax_column_count: true, skip_empty_lines: true, info: true, raw: true }) as unknown as { record: string[]; raw: string; info: { lines: number } }[];
    return records
      .filter(({ record }) => record.length > 1 || record[0]!.trim() !== '')
      .map(({ record, raw, info }) => ({ line: firstLineOf(info.lines, raw), cells: record }));
  } catch (err) {
    if (err instanceof CsvError) throw new CsvSyntaxError(inWords(err), Number((err as CsvError & { lines?: number }).lines ?? 1));
    throw err;
  }
}

/** csv-parse reports the line a record ends on; a quoted cell may span lines, so count back over them. */
function firstLineOf(endLine: number, raw: string): number {
  const spanned = raw.replace(/\r?\n$/, '').split('\n').length - 1;
  return endLine - spanned;
}

function inWords(err: CsvError): string {
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted cell is not closed';
  if (err.code === 'CSV_INVALID_CLOSING_QUOTE' || err.code === 'INVALID_OPENING_QUOTE') return 'text follows a closing quote: put the whole cell in quotes and double the quotes inside it';
  return err.message;
}
