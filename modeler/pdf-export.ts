/**
 * PDF export of a process version, loaded by the versions page only when someone asks for a PDF (a
 * bundle of its own: jsPDF and svg2pdf.js weigh ~500 KiB, which no other page should carry).
 *
 * The diagram is bpmn-js's own SVG (saveSVG), drawn as vectors by svg2pdf.js; a stamp above it names
 * the process, version, status and effective date, and the approval signatures are listed under it (their
 * manifestation: name, meaning, date and time in UTC, reason), as a controlled copy needs.
 */
import { jsPDF } from 'jspdf';
import { svg2pdf } from 'svg2pdf.js';

export interface PdfStamp {
  process: string;
  version: number;
  status: string;
  effective: string;
  via: string;
  change?: string;
  approvals: { name: string; signer: string; meaning: string; signedAt: string; reason: string }[];
  exportedAt: string;
  exportedBy: string;
}

declare global {
  interface Window {
    imsPdfExport?: (svg: string, stamp: PdfStamp) => Promise<Blob>;
  }
}

const PAGE = { width: 297, height: 210, margin: 12 };

async function exportPdf(svgText: string, stamp: PdfStamp): Promise<Blob> {
  // Uncompressed: a controlled copy's stamp stays searchable text in the file (a few hundred KiB at most).
  const doc = new jsPDF({ orientation: 'landscape', unit: 'mm', format: 'a4', compress: false });
  doc.setProperties({ title: `${stamp.process} version ${stamp.version}`, subject: `Status ${stamp.status}, effective ${stamp.effective}`, creator: 'imsflow' });
  const { margin } = PAGE;
  let y = margin + 4;
  doc.setFont('helvetica', 'bold').setFontSize(14).text(`${stamp.process} · version ${stamp.version}`, margin, y);
  y += 6;
  doc.setFont('helvetica', 'normal').setFontSize(9.5);
  doc.text(`Status: ${stamp.status}   ·   Effective: ${stamp.effective}   ·   Source: ${stamp.via}`, margin, y);
  y += 4.5;
  if (stamp.change) {
    const lines = doc.splitTextToSize(`Change: ${stamp.change}`, PAGE.width - 2 * margin) as string[];
    doc.text(lines.slice(0, 2), margin, y);
    y += 4.5 * Math.min(lines.length, 2);
  }
  doc.setDrawColor(120).line(margin, y, PAGE.width - margin, y);
  y += 3;

  const signatureLines = stamp.approvals.length
    ? stamp.approvals.map((a) => `${a.name} (${a.signer}) · ${a.meaning} · ${a.signedAt} · reason: ${a.reason}`)
    : ['No approval signatures (this version did not come through change control).'];
  const footer = 8 + 4.5 * (signatureLines.length + 1);

  // The diagram, scaled to the space between the stamp and the signatures, aspect kept.
  const holder = document.createElement('div');
  holder.style.cssText = 'position:absolute;left:-10000px;top:0;width:2000px;height:2000px;overflow:hidden';
  holder.innerHTML = svgText;
  document.body.append(holder);
  try {
    const svg = holder.querySelector('svg');
    if (!svg) throw new Error('the diagram could not be read as SVG');
    const box = svg.viewBox.baseVal;
    const width = box?.width || Number(svg.getAttribute('width')) || 1000;
    const height = box?.height || Number(svg.getAttribute('height')) || 600;
    const room = { width: PAGE.width - 2 * margin, height: PAGE.height - y - footer - margin };
    const scale = Math.min(room.width / width, room.height / height);
    await svg2pdf(svg, doc, { x: margin, y, width: width * scale, height: height * scale });
  } finally {
    holder.remove();
  }

  let fy = PAGE.height - margin - footer + 6;
  doc.setDrawColor(120).line(margin, fy - 4, PAGE.width - margin, fy - 4);
  doc.setFont('helvetica', 'bold').setFontSize(9.5).text('Approval signatures', margin, fy);
  doc.setFont('helvetica', 'normal').setFontSize(8.5);
  for (const line of signatureLines) {
    fy += 4.5;
    doc.text(doc.splitTextToSize(line, PAGE.width - 2 * margin)[0] as string, margin, fy);
  }
  doc.setFontSize(7.5).setTextColor(90);
  doc.text(`Exported ${stamp.exportedAt} by ${stamp.exportedBy} from imsflow. Diagram rendered with bpmn-js (bpmn.io).`, margin, PAGE.height - margin + 4);
  return doc.output('blob');
}

window.imsPdfExport = exportPdf;
