import type { Response } from 'express';

/**
 * CSV exports (the audit trail, the dashboard's lists): RFC 4180, UTF-8 with a BOM so spreadsheet programs
 * read the accents right, and formula-looking text neutralised (CSV injection).
 */

/** A CSV cell: formula-looking text neutralised with a leading quote, then quoted per RFC 4180. */
export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function csvLine(cells: unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Sends a header row and rows as a downloaded CSV file, never cached. */
export function sendCsv(res: Response, filename: string, header: unknown[], rows: Iterable<unknown[]>): void {
  let csv = `\ufeff${csvLine(header)}`;
  for (const row of rows) csv += csvLine(row);
  res.attachment(filename);
  res.set({ 'Content-Type': 'text/csv; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  res.send(csv);
}
