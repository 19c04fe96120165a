import { spawnSync } from 'node:child_process';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { closeStampThreads, controlledCopy, copyLabels, isStamped, type CopyStamp } from '../processes/document-control/copies/index.js';
import { documentsList, effectiveAt, type DocumentRecord, type DocumentSources } from '../processes/document-control/versions.js';
import { docx } from '../test/processes/document-control/office-files.js';
import { elapsedMs, nowNs, percentile, progress, round, type BenchModule, type BenchOptions, type BenchResult } from './common.js';

/**
 * Document control (issue 17), each figure with a baseline measured in the same run:
 * 1. Controlled copies: stamping a 20-page PDF through `controlledCopy` (its worker thread included),
 *    against pdf-lib loading and saving the same PDF without a stamp (on the main thread); the process's
 *    peak RSS growth over the stamping runs (the worker thread's heap counts, it is the same process).
 *    Then a 20-page DOCX converted by LibreOffice and stamped, against the PDF stamp alone.
 * 2. The document register's reads (versions.ts): `documentsList` and `effectiveAt(…, 'all', site, at)`
 *    over documents × 3 versions with their training records and tasks, built in memory as the
 *    RecordReader gives them, against the same over 200 documents.
 */

const PAGES = 20;
const LINES_PER_PAGE = 40;
const DOCUMENTS = 2_000;
const QUICK_DOCUMENTS = 500;
const BASELINE_DOCUMENTS = 200;
const SITES = ['dublin', 'basel', 'lyon', 'cork', 'zurich', 'boston'];
const TYPES = ['sop', 'work-instruction', 'policy', 'form'];
const PEOPLE = 400;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-11-25T12:00:00.000Z');

/** A small deterministic generator, so every run measures the same data. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Timing {
  p50_ms: number;
  p95_ms: number;
}

function timing(ms: number[]): Timing {
  return { p50_ms: round(percentile(ms, 50)), p95_ms: round(percentile(ms, 95)) };
}

async function sample(runs: number, warmUp: number, work: () => Promise<unknown> | unknown): Promise<number[]> {
  for (let i = 0; i < warmUp; i += 1) await work();
  const ms: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = nowNs();
    await work();
    ms.push(elapsedMs(start));
  }
  return ms;
}

// ---- controlled copies ------------------------------------------------------------------------------------

const LOREM = 'The operator checks the filling line for residues of the previous batch and records the check in the batch record before release';

/** A 20-page A4 procedure: a heading and 40 lines of text per page (Helvetica), as an author's PDF export. */
async function procedurePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let number = 1; number <= PAGES; number += 1) {
    const page = doc.addPage([595, 842]);
    page.drawText(`Section ${number}: cleaning of the filling line`, { x: 50, y: 790, size: 14, font });
    for (let line = 0; line < LINES_PER_PAGE; line += 1) page.drawText(`${number}.${line + 1} ${LOREM}`.slice(0, 95), { x: 50, y: 760 - line * 17, size: 9, font });
  }
  return doc.save();
}

/** The same procedure as a Word document: the paragraphs of each page, a page break before every section. */
function procedureDocx(): Uint8Array {
  const paragraphs: string[] = [];
  const breaks: number[] = [];
  for (let number = 1; number <= PAGES; number += 1) {
    if (number > 1) breaks.push(paragraphs.length);
    paragraphs.push(`Section ${number}: cleaning of the filling line`);
    for (let line = 0; line < LINES_PER_PAGE / 2; line += 1) paragraphs.push(`${number}.${line + 1} ${LOREM}`);
  }
  return docx(paragraphs, breaks);
}

function stamp(): CopyStamp {
  return {
    number: 'SOP-QA-0001',
    title: 'Cleaning of the filling line',
    revision: '2.0',
    status: 'superseded', // the watermark too: the most drawing a stamp does
    effectiveFrom: '1 March 2026',
    signatures: [
      { name: 'Jörg Müller', meaning: 'Approval', signedAt: '12 February 2026, 14:03 CET' },
      { name: 'Élodie Laurent', meaning: 'Review', signedAt: '11 February 2026, 09:30 CET' },
    ],
    currentUrl: 'https://ims.example.com/documents/SOP-QA-0001',
    labels: copyLabels('en'),
  };
}

async function stampOnce(bytes: Uint8Array, name: string, soffice?: string): Promise<void> {
  const copy = await controlledCopy({ bytes, name }, stamp(), soffice === undefined ? {} : { soffice });
  if (!isStamped(copy)) throw new Error(`${name} came back unstamped (${copy.reason}: ${copy.detail})`);
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

/** Runs `work` while sampling the process's RSS every 5 ms: the highest value seen, and the kernel's high-water mark. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakRss: number; maxRssKiB: number }> {
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 5);
  try {
    const result = await work();
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    return { result, peakRss, maxRssKiB: process.resourceUsage().maxRSS };
  } finally {
    clearInterval(timer);
  }
}

function missingLibreOffice(): string | undefined {
  const run = spawnSync('soffice', ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) return `soffice cannot be started (${run.error.message})`;
  return run.status === 0 ? undefined : `soffice --version exited with ${run.status}`;
}

async function copies(quick: boolean): Promise<BenchResult> {
  const runs = quick ? 8 : 50;
  const warmUp = 3;
  const pdf = await procedurePdf();
  progress(`documents: stamping a ${PAGES}-page PDF (${round(pdf.byteLength / 1024, 1)} KiB) ${runs} times after ${warmUp} warm-ups`);

  const baseline = await sample(runs, warmUp, async () => (await PDFDocument.load(pdf, { updateMetadata: false })).save({ useObjectStreams: true }));
  for (let i = 0; i < warmUp; i += 1) await stampOnce(pdf, 'procedure.pdf'); // the worker thread starts, fonts are read
  const rssBefore = process.memoryUsage.rss();
  const maxRssBefore = process.resourceUsage().maxRSS;
  const stamped = await withPeakRss(() => sample(runs, 0, () => stampOnce(pdf, 'procedure.pdf')));
  const pdfStamp = timing(stamped.result);

  const result: BenchResult = {
    documents_copy_pdf_20p_ms: pdfStamp,
    documents_copy_pdf_20p_baseline_load_save_ms: timing(baseline),
    documents_copy_pdf_20p_rss_growth_mb: mb(stamped.peakRss - rssBefore),
    documents_copy_pdf_20p_maxrss_growth_mb: round((stamped.maxRssKiB - maxRssBefore) / 1024, 1),
  };
  const notes: Record<string, string> = {
    documents_copy_pdf: `controlledCopy of a ${PAGES}-page A4 PDF (${LINES_PER_PAGE} lines of text per page, ${round(pdf.byteLength / 1024, 1)} KiB) with a superseded stamp (header, footer, two signatures, QR code, watermark), stamped in its worker thread; ${runs} runs after ${warmUp} warm-ups; baseline: pdf-lib load + save of the same PDF on the main thread, no stamp; rss_growth: highest RSS seen (sampled every 5 ms) during the runs minus RSS before them; maxrss_growth: the same from the kernel's high-water mark (0 when the warm-ups had reached it already)`,
  };

  const missing = missingLibreOffice();
  if (missing) {
    result.documents_copy_docx_20p_ms = null;
    notes.documents_copy_docx = `skipped: ${missing}; install libreoffice-writer-nogui`;
  } else {
    const file = procedureDocx();
    const conversions = quick ? 1 : 3;
    const ms: number[] = [];
    for (let i = 0; i < conversions; i += 1) {
      progress(`documents: converting and stamping a DOCX, run ${i + 1} of ${conversions}`);
      const start = nowNs();
      await stampOnce(file, 'procedure.docx');
      ms.push(round(elapsedMs(start)));
    }
    result.documents_copy_docx_20p_ms = { runs: ms, p50_ms: round(percentile(ms, 50)) };
    result.documents_copy_docx_20p_baseline_pdf_stamp_p50_ms = pdfStamp.p50_ms;
    notes.documents_copy_docx = `controlledCopy of a ${PAGES}-page DOCX (${round(file.byteLength / 1024, 1)} KiB): LibreOffice headless (a fresh profile each time, as the server runs it) turns it into a PDF, which is stamped; ${conversions} run(s), each timed; baseline: the p50 of stamping the ${PAGES}-page PDF above`;
  }
  await closeStampThreads();
  return { ...result, notes };
}

// ---- the register's reads ---------------------------------------------------------------------------------

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `count` documents of three versions each, as the RecordReader gives document-control and
 * training-acknowledgement records and their tasks: 1.0 superseded by 2.0; 3.0 effective (about half),
 * approved for a later date, in review, or cancelled; one document in twenty withdrawn. Every version
 * that was approved has one training record per person to train (4 to 8), most acknowledged.
 */
export function documentSources(count: number): Required<DocumentSources> {
  const rnd = random(17);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const documents: DocumentRecord[] = [];
  const trainings: DocumentRecord[] = [];
  const tasks: Required<DocumentSources>['tasks'] = [];
  let seq = 0;
  for (let n = 1; n <= count; n += 1) {
    const type = pick(TYPES);
    const number = `${type === 'sop' ? 'SOP' : type === 'work-instruction' ? 'WI' : type === 'policy' ? 'POL' : 'FRM'}-QA-${String(n).padStart(4, '0')}`;
    const title = `Procedure ${n} of the ${pick(['filling', 'packing', 'cleaning', 'weighing', 'labelling'])} line`;
    const sites = SITES.filter(() => rnd() < 0.35);
    if (!sites.length) sites.push(pick(SITES));
    const owner = `u${Math.floor(rnd() * PEOPLE)}`;
    const first = NOW - (400 + rnd() * 1000) * DAY;
    const withdrawn = rnd() < 0.05;
    const lastKind = rnd();
    for (let v = 1; v <= 3; v += 1) {
      seq += 1;
      const id = `doc${seq}`;
      const startedAt = first + (v - 1) * 120 * DAY;
      const effectiveFrom = startedAt + 30 * DAY;
      // the third version: effective, approved for a date to come, in review, or cancelled
      const stage = v < 3 ? 'effective' : lastKind < 0.5 ? 'effective' : lastKind < 0.7 ? 'approved' : lastKind < 0.9 ? 'in-review' : 'cancelled';
      const approved = stage === 'effective' || stage === 'approved';
      const effectiveAtMs = stage === 'effective' ? Math.min(effectiveFrom, NOW - DAY) : undefined;
      const output: DocumentRecord['output'] = {
        numbering: { number, revision: `${v}.0`, title, type, area: 'QA', sites, owner, clauses: ['7.5', pick(['8.1', '8.5', '9.2'])], processes: [], ...(v > 1 && { revises: number }) },
        draft: { file: { sha256: 'a'.repeat(64), name: `${number}-${v}.pdf`, size: 120_000, contentType: 'application/pdf' } },
        ...(approved && { approve: { effectiveDate: iso(effectiveFrom).slice(0, 10) } }),
        ...(effectiveAtMs !== undefined && { effective: { effectiveAt: iso(effectiveAtMs) }, reviewPlan: { due: iso(effectiveAtMs + 730 * DAY), period: 'P2Y' } }),
        ...(withdrawn && v === 3 && stage === 'effective' && { withdraw: { obsoleteAt: iso(NOW - 10 * DAY), retainUntil: iso(NOW + 3650 * DAY) } }),
      };
      const running = stage === 'in-review' || stage === 'approved' || (stage === 'effective' && !withdrawn);
      documents.push({
        id,
        key: 'document-control',
        version: 1,
        businessKey: `DC-2026-${String(seq).padStart(6, '0')}`,
        site: sites[0],
        status: stage === 'cancelled' ? 'cancelled' : running ? 'running' : 'completed',
        variables: { owner, revisionKind: 'major', changeSummary: `revision ${v}.0`, reason: 'periodic review', clauses: ['7.5'], trainingRoles: ['staff'] },
        output,
        revision: 9,
        startedAt: iso(startedAt),
        startedBy: owner,
        ...(!running && { endedAt: iso(effectiveAtMs ?? startedAt + 20 * DAY) }),
      });
      const task = (elementId: string, hours: number, open = false) => tasks.push({ instanceId: id, elementId, status: open ? 'open' : 'completed', ...(!open && { completedBy: owner, completedAt: iso(startedAt + hours * HOUR) }) });
      task('draft', 24);
      task('review', 72, stage === 'in-review');
      if (approved) task('approve', 96);
      if (!approved) continue;
      const trainees = 4 + Math.floor(rnd() * 5);
      for (let t = 0; t < trainees; t += 1) {
        seq += 1;
        const user = `u${Math.floor(rnd() * PEOPLE)}`;
        const acknowledged = stage === 'effective' && rnd() < 0.85;
        const cancelled = !acknowledged && rnd() < 0.1;
        trainings.push({
          id: `tr${seq}`,
          key: 'training-acknowledgement',
          version: 1,
          businessKey: `TA-2026-${String(seq).padStart(6, '0')}`,
          site: pick(sites),
          status: acknowledged ? 'completed' : cancelled ? 'cancelled' : 'running',
          variables: { processKey: number, processName: `${number} ${title}`, version: `${v}.0`, effectiveAt: iso(effectiveFrom), user, userName: `Person ${user}`, role: 'staff', dueAt: iso(effectiveFrom), documentInstanceId: id },
          output: acknowledged ? { acknowledge: { understood: true } } : {},
          revision: 3,
          startedAt: iso(startedAt + 96 * HOUR),
          startedBy: 'system',
          ...(acknowledged && { endedAt: iso(startedAt + 200 * HOUR) }),
        });
      }
    }
  }
  return { documents, trainings, tasks };
}

async function register(quick: boolean): Promise<BenchResult> {
  const count = quick ? QUICK_DOCUMENTS : DOCUMENTS;
  // a read over the large set takes seconds (every version scans every training record and task), so few samples
  const samples = quick ? 3 : 5;
  const smallSamples = quick ? 20 : 50;
  const at = new Date(NOW);
  const big = documentSources(count);
  const small = documentSources(BASELINE_DOCUMENTS);
  let rows = 0;
  let found = 0;
  const list = (sources: DocumentSources) => (rows = documentsList(sources, { at }).length);
  const effective = (sources: DocumentSources) => (found = effectiveAt(sources, 'all', 'dublin', at).length);
  // the baselines first, with warm-ups: they warm the same code for the large set
  const listBaseline = await sample(smallSamples, 3, () => list(small));
  const effectiveBaseline = await sample(smallSamples, 3, () => effective(small));
  progress(`documents: register reads over ${count} documents (${big.documents.length} versions, ${big.trainings.length} training records, ${big.tasks.length} tasks), ${samples} samples each`);
  const listMs = await sample(samples, 0, () => list(big));
  const effectiveMs = await sample(samples, 0, () => effective(big));
  return {
    documents_list_ms: timing(listMs),
    documents_list_baseline_200_ms: timing(listBaseline),
    documents_effective_at_all_ms: timing(effectiveMs),
    documents_effective_at_all_baseline_200_ms: timing(effectiveBaseline),
    counts: {
      documents: count,
      documents_versions: big.documents.length,
      documents_training_records: big.trainings.length,
      documents_tasks: big.tasks.length,
      documents_register_rows: rows,
      documents_effective_at_dublin: found,
      documents_register_samples: samples,
    },
    notes: {
      documents_register: `versions.ts over ${count} documents × 3 versions with their training records and tasks, as the RecordReader gives them (in memory, no store): documentsList(sources, {at}) (every row, no filter) and effectiveAt(sources, 'all', 'dublin', at) (dublin: one site of six, about a third of the documents); ${samples} samples (p95 is their slowest), after the baselines warmed the code; baselines: the same over ${BASELINE_DOCUMENTS} documents (${smallSamples} samples after 3 warm-ups)`,
    },
  };
}

export const documentsModule: BenchModule = {
  name: 'documents',
  async run({ quick }: BenchOptions): Promise<BenchResult> {
    const copyFigures = await copies(quick);
    const registerFigures = await register(quick);
    return {
      ...copyFigures,
      ...registerFigures,
      notes: { ...(copyFigures.notes as object), ...(registerFigures.notes as object) },
    };
  },
};
