import PDFDocument from 'pdfkit';
import type { Dashboard, RecordList } from '../engine/features/dashboard/index.js';

/**
 * The steering committee report (pdfkit): the dashboard at a date, its filters, the figures, aging,
 * escalations, CAPA, findings, gap coverage, KPIs and the overdue list, for the management review input
 * pack. Content streams are left uncompressed so the text stays searchable by plain tools.
 */
export async function dashboardPdf(dashboard: Dashboard, overdue: RecordList, meta: { by: string }): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 40, compress: false, info: { Title: `Steering committee report ${dashboard.asOf.slice(0, 10)}`, Author: 'imsflow', Subject: 'Management review input' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const f = dashboard.filters;
  doc.font('Helvetica-Bold').fontSize(16).text('Steering committee report');
  doc.font('Helvetica').fontSize(9).fillColor('#444');
  doc.text(`As of ${dashboard.asOf.replace('T', ' ').slice(0, 16)} UTC. Period ${f.from} to ${f.to}. Sites: ${f.site.length ? f.site.join(', ') : 'all of the reader\'s'}. Processes: ${f.process.length ? f.process.join(', ') : 'all'}.`);
  doc.text(`Prepared for ${meta.by} by imsflow. Open = created by then and not closed; overdue = open past its due date; due soon = due within 7 days.`);
  doc.fillColor('black').moveDown();

  const t = dashboard.totals;
  heading(doc, 'Open work');
  table(doc, ['Open', 'Due within 7 days', 'Overdue', 'Escalated'], [[t.open, t.dueSoon, t.overdue, t.escalated]]);
  heading(doc, 'By process');
  table(doc, ['Process', 'Open', 'Due soon', 'Overdue'], dashboard.byProcess.map((r) => [`${r.name} (${r.key})`, r.open, r.dueSoon, r.overdue]));
  heading(doc, 'By site');
  table(doc, ['Site', 'Open', 'Due soon', 'Overdue'], dashboard.bySite.map((r) => [r.site ?? '(no site)', r.open, r.dueSoon, r.overdue]));
  heading(doc, 'By owner');
  table(doc, ['Owner', 'Open', 'Due soon', 'Overdue'], dashboard.byOwner.map((r) => [r.name, r.open, r.dueSoon, r.overdue]));
  heading(doc, 'By role');
  table(doc, ['Role', 'Open', 'Due soon', 'Overdue'], dashboard.byRole.map((r) => [r.role ?? '(none)', r.open, r.dueSoon, r.overdue]));
  heading(doc, 'Aging of overdue work (days overdue)');
  table(doc, dashboard.aging.map((a) => a.bucket), [dashboard.aging.map((a) => a.count)]);
  heading(doc, 'Escalations in progress');
  table(doc, ['Level', 'Tasks'], dashboard.escalations.map((e) => [e.level, e.count]));
  heading(doc, 'Weekly trend (last 12 weeks)');
  table(doc, ['Week', 'Opened', 'Closed', 'Overdue at week end'], dashboard.trends.slice(-12).map((w) => [w.week, w.opened, w.closed, w.overdue]));
  // the packs' sections, whatever the pack: each as its view's table (a view of tiles only as one row)
  for (const section of dashboard.sections) {
    heading(doc, section.title);
    const { table: grid, tiles } = section.view;
    if (grid) table(doc, grid.columns, grid.rows.map((r) => r.cells.map((cell) => cell ?? '-')));
    else if (tiles) table(doc, tiles.map((t) => t.label), [tiles.map((t) => t.value ?? '-')]);
  }
  heading(doc, 'KPIs');
  table(doc, ['System', 'KPI', 'Target', 'Latest', 'Status', 'Owner'], dashboard.kpis.map((k) => [k.system, k.name, `${k.direction === 'up' ? '>=' : '<='} ${k.target} ${k.unit}`, k.latest ? `${k.latest.value} (${k.latest.period})` : '-', k.status, k.ownerName]));

  doc.addPage();
  heading(doc, `Overdue list (${overdue.items.length})`);
  table(
    doc,
    ['Record', 'Task', 'Site', 'Owner / role', 'Due', 'Days', 'Level'],
    overdue.items.map((i) => [i.businessKey, i.task, i.site ?? '', i.assignee ?? i.role ?? '', String(i.dueAt ?? '').slice(0, 10), i.daysOverdue, i.escalationLevel]),
    [70, 170, 50, 90, 60, 35, 40],
  );
  doc.end();
  return done;
}

function heading(doc: PDFKit.PDFDocument, text: string): void {
  if (doc.y > doc.page.height - 120) doc.addPage();
  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(11).text(text, doc.page.margins.left).font('Helvetica').fontSize(8.5).moveDown(0.2);
}

/** A plain table; rows that do not fit go on to the next page with the header again. */
function table(doc: PDFKit.PDFDocument, header: (string | number)[], rows: (string | number | null | boolean | undefined)[][], widths?: number[]): void {
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const cols = widths ?? header.map((_h, i) => (i === 0 && header.length > 2 ? width * 0.34 : (width * (header.length > 2 ? 0.66 : 1)) / (header.length > 2 ? header.length - 1 : header.length)));
  const line = (cells: (string | number | null | boolean | undefined)[], bold: boolean) => {
    const texts = cells.map((c) => (c === null || c === undefined ? '' : String(c)));
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    const height = Math.max(...texts.map((text, i) => doc.heightOfString(text, { width: cols[i] - 4 }))) + 3;
    if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
    const y = doc.y;
    let x = left;
    texts.forEach((text, i) => {
      doc.text(text, x, y, { width: cols[i] - 4 });
      x += cols[i];
    });
    doc.x = left;
    doc.y = y + height;
  };
  line(header, true);
  if (!rows.length) {
    doc.font('Helvetica-Oblique').text('none', left).font('Helvetica');
    return;
  }
  for (const row of rows) line(row, false);
}
