// Reading a CSV file of people (RFC 4180): no CSV parser is among the dependencies, and the import
// needs little of one: quoted cells with commas, doubled quotes and line breaks, CRLF or LF, a BOM,
// and the separator a spreadsheet in a German or French locale writes (";").

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
  const firstLine = source.slice(0, source.search(/\r?\n|$/));
  const separator = firstLine.split(';').length > firstLine.split(',').length ? ';' : ',';
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0].trim() !== '') rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  while (i < source.length) {
    const ch = source[i];
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') {
        quoted = false;
        i += 1;
        if (i < source.length && source[i] !== separator && source[i] !== '\n' && source[i] !== '\r') throw new CsvSyntaxError('text follows a closing quote: put the whole cell in quotes and double the quotes inside it', line);
        continue;
      }
      if (ch === '\n') line += 1;
      cell += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
    } else if (ch === separator) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\r' && source[i + 1] === '\n') {
      i += 1;
      continue;
    } else if (ch === '\n' || ch === '\r') {
      endRow();
      line += 1;
      rowLine = line;
    } else {
      cell += ch;
    }
    i += 1;
  }
  if (quoted) throw new CsvSyntaxError('a quoted cell is not closed', rowLine);
  if (cell !== '' || cells.length) endRow();
  return rows;
}
