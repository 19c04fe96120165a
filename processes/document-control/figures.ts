import { DAY_MS, defineFigure, type DrillList, type FactInput, type FactRow, type FigureRead, type FigureRecord, fragment } from '../../engine/features/dashboard/index.js';
import { compareRevisions } from './numbering.js';
import { DOCUMENT_PROCESS, TRAINING_PROCESS } from './versions.js';

/**
 * Document control on the steering dashboard and in its weekly digest:
 * - `documents`: per site (the site a document's record belongs to), periodic reviews overdue and falling due
 *   within 60 days, and the changes waiting on people: versions in review, awaiting the approver's signature,
 *   approved and waiting for their effective date;
 * - `documentTraining`: per document version, the people who have not yet acknowledged it (read and
 *   understood), those past their due date counted apart.
 * A record's facts are a pure projection of the record alone, so what depends on its siblings (a later
 * version superseding it) is decided when summing: of a number's versions, only the latest one effective at
 * the dashboard's instant is reviewed. A version's review date is its current plan (a reconfirmed review
 * moves it), as the task figures use the current due dates. The words are in the pack's catalogue
 * (locales/<language>/document-control.figure.json).
 */

/** A review falling due within this many days is "due soon". */
export const REVIEW_DUE_SOON_DAYS = 60;
/** Where the dashboard pages find these figures' words. */
const WORDS = 'document-control.figure';
const ALL = 1_000_000_000;

type Phase = 'draft' | 'review' | 'approval' | 'approved';

const obj = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/** Where a version that is not yet effective stands, read from its record's output alone. */
export function phaseOf(record: Pick<FigureRecord, 'output'>): Phase {
  const out = record.output;
  if (str(obj(out.approve).effectiveDate)) return 'approved';
  if (!out.draft) return 'draft';
  // a review round entered again starts an empty list; a complete round has one entry per reviewer role
  const reviewers = Array.isArray(obj(out.numbering).reviewers) ? (obj(out.numbering).reviewers as unknown[]).length : 1;
  const reviews = Array.isArray(out.review) ? out.review.length : 0;
  if (reviews < Math.max(1, reviewers)) return 'review';
  return obj(out.reviewOutcome).changesNeeded === true ? 'draft' : 'approval';
}

/** A document-control record's facts: its version once effective (with its review plan), else the phase of its change. */
function documentFacts(record: FigureRecord): FactInput[] {
  const numbering = obj(record.output.numbering);
  const number = str(numbering.number);
  if (!number) return [];
  const dims: Record<string, string> = { number, revision: str(numbering.revision) ?? '1.0', title: str(numbering.title) ?? '' };
  const effectiveAt = str(obj(record.output.effective).effectiveAt);
  if (effectiveAt) {
    const due = str(obj(record.output.reviewPlan).due);
    const obsoleteAt = str(obj(record.output.withdraw).obsoleteAt);
    return [{ dims: { ...dims, kind: 'effective', effectiveAt, ...(due && { reviewDue: due }), ...(obsoleteAt && { obsoleteAt }) } }];
  }
  if (record.status !== 'running') return [];
  const effectiveDate = str(obj(record.output.approve).effectiveDate);
  return [{ dims: { ...dims, kind: 'change', phase: phaseOf(record), ...(effectiveDate && { effectiveDate }) } }];
}

/** A training record's fact while its person has not acknowledged: the document version it is for, who, until when. */
function trainingFacts(record: FigureRecord): FactInput[] {
  const v = record.variables;
  if (typeof v.documentInstanceId !== 'string' || record.status !== 'running' || record.output.acknowledge) return [];
  return [{ dims: { number: String(v.processKey ?? ''), revision: String(v.version ?? ''), title: String(v.processName ?? ''), user: String(v.user ?? ''), person: String(v.userName ?? v.user ?? ''), ...(str(v.dueAt) && { dueAt: String(v.dueAt) }) } }];
}

// ---- reading the facts --------------------------------------------------------------------------------------

/**
 * The figure's facts in the dashboard's scope (drilled to a site when the fragment names one), of records
 * started by the dashboard's instant. Training records count under document control too: a dashboard
 * filtered to document control still shows who has not read its documents.
 */
async function factsOf(read: FigureRead): Promise<FactRow[]> {
  const at = read.context.asOf.toISOString();
  const processes = read.facts.processes?.includes(DOCUMENT_PROCESS) ? [...read.facts.processes, TRAINING_PROCESS] : read.facts.processes;
  return (await read.store.listFacts({ ...read.facts, ...(processes && { processes }), limit: ALL })).filter((row) => row.startedAt <= at);
}

export interface ReviewItem {
  row: FactRow;
  reviewDue: string;
  overdue: boolean;
  daysOverdue: number;
}

/** Each document's version in force at the dashboard's instant with its periodic review due within 60 days or past. */
function reviewsDue(rows: FactRow[], asOf: Date): ReviewItem[] {
  const at = asOf.toISOString();
  const soon = new Date(asOf.getTime() + REVIEW_DUE_SOON_DAYS * DAY_MS).toISOString();
  const current = new Map<string, FactRow>();
  for (const row of rows) {
    if (row.dims.kind !== 'effective' || row.dims.effectiveAt > at) continue;
    const known = current.get(row.dims.number);
    if (!known || compareRevisions(row.dims.revision, known.dims.revision) > 0) current.set(row.dims.number, row);
  }
  return [...current.values()]
    .filter((row) => row.dims.reviewDue && row.dims.reviewDue < soon && !(row.dims.obsoleteAt && row.dims.obsoleteAt <= at))
    .map((row) => {
      const overdue = row.dims.reviewDue < at;
      return { row, reviewDue: row.dims.reviewDue, overdue, daysOverdue: overdue ? Math.floor((asOf.getTime() - Date.parse(row.dims.reviewDue)) / DAY_MS) : 0 };
    })
    .sort((a, b) => a.reviewDue.localeCompare(b.reviewDue) || a.row.dims.number.localeCompare(b.row.dims.number));
}

/** The changes under way at the dashboard's instant, by phase (drafts are the author's and not counted). */
function changesWaiting(rows: FactRow[]): FactRow[] {
  return rows.filter((row) => row.dims.kind === 'change' && row.dims.phase !== 'draft').sort((a, b) => a.dims.number.localeCompare(b.dims.number));
}

const label = (row: FactRow) => `${row.dims.number} ${row.dims.title}`.trim();

// ---- the documents section ----------------------------------------------------------------------------------

export interface SiteDocuments {
  site: string | null;
  reviewsOverdue: number;
  reviewsDueSoon: number;
  inReview: number;
  awaitingApproval: number;
  awaitingEffective: number;
}

export interface DocumentsSection {
  reviewsOverdue: number;
  reviewsDueSoon: number;
  inReview: number;
  awaitingApproval: number;
  awaitingEffective: number;
  bySite: (SiteDocuments & { drill: string })[];
  /** The documents whose reviews are overdue or due soon, for the digest: number, title, due, overdue. */
  reviews: { number: string; title: string; revision: string; site: string | null; reviewDue: string; overdue: boolean }[];
  drill: { reviewsOverdue: string; reviewsDueSoon: string; inReview: string; awaitingApproval: string; awaitingEffective: string };
}

const PHASE_COUNT = { review: 'inReview', approval: 'awaitingApproval', approved: 'awaitingEffective' } as const;

async function documentsSummary(read: FigureRead): Promise<DocumentsSection> {
  const rows = await factsOf(read);
  const reviews = reviewsDue(rows, read.context.asOf);
  const changes = changesWaiting(rows);
  const sites = new Map<string | null, SiteDocuments>();
  const siteRow = (site: string | null) => {
    let row = sites.get(site);
    if (!row) sites.set(site, (row = { site, reviewsOverdue: 0, reviewsDueSoon: 0, inReview: 0, awaitingApproval: 0, awaitingEffective: 0 }));
    return row;
  };
  for (const review of reviews) siteRow(review.row.site)[review.overdue ? 'reviewsOverdue' : 'reviewsDueSoon'] += 1;
  for (const change of changes) siteRow(change.site)[PHASE_COUNT[change.dims.phase as keyof typeof PHASE_COUNT]] += 1;
  const sum = (key: keyof Omit<SiteDocuments, 'site'>) => [...sites.values()].reduce((n, s) => n + s[key], 0);
  return {
    reviewsOverdue: sum('reviewsOverdue'),
    reviewsDueSoon: sum('reviewsDueSoon'),
    inReview: sum('inReview'),
    awaitingApproval: sum('awaitingApproval'),
    awaitingEffective: sum('awaitingEffective'),
    bySite: [...sites.values()]
      .sort((a, b) => b.reviewsOverdue - a.reviewsOverdue || String(a.site ?? '').localeCompare(String(b.site ?? '')))
      .map((s) => ({ ...s, drill: fragment({ figure: 'documentReviews', bySite: s.site ?? '' }) })),
    reviews: reviews.map((r) => ({ number: r.row.dims.number, title: r.row.dims.title, revision: r.row.dims.revision, site: r.row.site, reviewDue: r.reviewDue, overdue: r.overdue })),
    drill: {
      reviewsOverdue: fragment({ figure: 'documentReviewsOverdue' }),
      reviewsDueSoon: fragment({ figure: 'documentReviewsDueSoon' }),
      inReview: fragment({ figure: 'documentsInReview' }),
      awaitingApproval: fragment({ figure: 'documentsAwaitingApproval' }),
      awaitingEffective: fragment({ figure: 'documentsAwaitingEffective' }),
    },
  };
}

const DOCUMENT_COLUMN = { key: 'document', label: 'Document' };
const REVISION_COLUMN = { key: 'revision', label: 'Revision' };
const SITE_COLUMN = { key: 'site', label: 'Site' };
const RECORD_COLUMN = { key: 'businessKey', label: 'Record' };

function reviewItem(r: ReviewItem) {
  return {
    instanceId: r.row.instanceId,
    document: label(r.row),
    revision: r.row.dims.revision,
    site: r.row.site,
    effectiveFrom: r.row.dims.effectiveAt,
    reviewDue: r.reviewDue,
    daysOverdue: r.daysOverdue,
    businessKey: r.row.businessKey,
    link: `/records/${encodeURIComponent(r.row.instanceId)}`,
  };
}

const REVIEW_COLUMNS = [DOCUMENT_COLUMN, REVISION_COLUMN, SITE_COLUMN, { key: 'effectiveFrom', label: 'Effective from' }, { key: 'reviewDue', label: 'Review due' }, { key: 'daysOverdue', label: 'Days overdue' }, RECORD_COLUMN];

const REVIEW_TITLES = {
  overdue: 'Documents whose periodic review is overdue',
  soon: 'Documents whose periodic review falls due within 60 days',
  all: 'Documents whose periodic review is overdue or due within 60 days',
};

async function reviewList(read: FigureRead, when: keyof typeof REVIEW_TITLES, limit: number): Promise<DrillList> {
  const all = reviewsDue(await factsOf(read), read.context.asOf);
  const items = all.filter((r) => (when === 'overdue' ? r.overdue : when === 'soon' ? !r.overdue : true));
  return { title: REVIEW_TITLES[when], words: WORDS, columns: REVIEW_COLUMNS, items: items.slice(0, limit).map(reviewItem) };
}

const CHANGE_TITLES = {
  review: 'Document versions in review',
  approval: 'Document versions awaiting approval',
  approved: 'Document versions approved, awaiting their effective date',
};

function changeItem(row: FactRow) {
  return {
    instanceId: row.instanceId,
    document: label(row),
    revision: row.dims.revision,
    site: row.site,
    startedAt: row.startedAt,
    effectiveDate: row.dims.effectiveDate ?? null,
    businessKey: row.businessKey,
    link: `/records/${encodeURIComponent(row.instanceId)}`,
  };
}

async function changeList(read: FigureRead, phase: keyof typeof CHANGE_TITLES, limit: number): Promise<DrillList> {
  const items = changesWaiting(await factsOf(read)).filter((row) => row.dims.phase === phase);
  return {
    title: CHANGE_TITLES[phase],
    words: WORDS,
    columns: [DOCUMENT_COLUMN, REVISION_COLUMN, SITE_COLUMN, { key: 'startedAt', label: 'Opened' }, ...(phase === 'approved' ? [{ key: 'effectiveDate', label: 'Effective from' }] : []), RECORD_COLUMN],
    items: items.slice(0, limit).map(changeItem),
  };
}

export const documentsFigure = defineFigure<DocumentsSection>({
  id: 'document-status',
  version: 1,
  process: DOCUMENT_PROCESS,
  section: 'documents',
  title: 'Controlled documents: periodic reviews and changes',
  facts: documentFacts,
  summarise: documentsSummary,
  view: (d) => ({
    tiles: [
      { label: 'Periodic reviews overdue', value: d.reviewsOverdue, drill: d.drill.reviewsOverdue },
      { label: 'Periodic reviews due within 60 days', value: d.reviewsDueSoon, drill: d.drill.reviewsDueSoon },
      { label: 'Versions in review', value: d.inReview, drill: d.drill.inReview },
      { label: 'Versions awaiting approval', value: d.awaitingApproval, drill: d.drill.awaitingApproval },
      { label: 'Approved, awaiting their effective date', value: d.awaitingEffective, drill: d.drill.awaitingEffective },
    ],
    table: {
      caption: 'Controlled documents by site',
      columns: ['Site', 'Reviews overdue', 'Reviews due within 60 days', 'In review', 'Awaiting approval', 'Awaiting effective date'],
      rows: d.bySite.map((s) => ({ cells: [s.site, s.reviewsOverdue, s.reviewsDueSoon, s.inReview, s.awaitingApproval, s.awaitingEffective], drill: s.drill })),
      siteColumn: 0,
    },
    empty: 'No periodic review is due within 60 days and no document is in review or approval.',
  }),
  drills: {
    documentReviews: (read, _drill, limit) => reviewList(read, 'all', limit),
    documentReviewsOverdue: (read, _drill, limit) => reviewList(read, 'overdue', limit),
    documentReviewsDueSoon: (read, _drill, limit) => reviewList(read, 'soon', limit),
    documentsInReview: (read, _drill, limit) => changeList(read, 'review', limit),
    documentsAwaitingApproval: (read, _drill, limit) => changeList(read, 'approval', limit),
    documentsAwaitingEffective: (read, _drill, limit) => changeList(read, 'approved', limit),
  },
  digest: (d, reader) => {
    const { t } = reader;
    if (!d.reviews.length && !d.inReview && !d.awaitingApproval) return [];
    const when = (r: DocumentsSection['reviews'][number]) => reader.day(r.reviewDue);
    return [
      {
        heading: t(`${WORDS}.digest.documents`),
        rows: [
          [t(`${WORDS}.digest.reviewsOverdue`), reader.number(d.reviewsOverdue)],
          [t(`${WORDS}.digest.reviewsDueSoon`), reader.number(d.reviewsDueSoon)],
          [t(`${WORDS}.digest.inReview`), reader.number(d.inReview)],
          [t(`${WORDS}.digest.awaitingApproval`), reader.number(d.awaitingApproval)],
        ],
      },
      ...(d.reviews.length
        ? [{ heading: t(`${WORDS}.digest.reviews`, { count: d.reviews.length }), items: d.reviews.map((r) => t(r.overdue ? `${WORDS}.digest.reviewOverdue` : `${WORDS}.digest.reviewDue`, { document: `${r.number} ${r.title}`, revision: r.revision, due: when(r) })) }]
        : []),
    ];
  },
});

// ---- the training section -----------------------------------------------------------------------------------

export interface DocumentTraining {
  number: string;
  revision: string;
  /** "SOP-QA-0001 Cleaning and disinfection …" */
  title: string;
  outstanding: number;
  overdue: number;
  drill: string;
}

export interface TrainingSection {
  outstanding: number;
  overdue: number;
  documents: DocumentTraining[];
  drill: { outstanding: string; overdue: string };
}

async function trainingSummary(read: FigureRead): Promise<TrainingSection> {
  const at = read.context.asOf.toISOString();
  const documents = new Map<string, DocumentTraining>();
  for (const row of await factsOf(read)) {
    const key = `${row.dims.number}\u0000${row.dims.revision}`;
    let doc = documents.get(key);
    if (!doc) documents.set(key, (doc = { number: row.dims.number, revision: row.dims.revision, title: row.dims.title, outstanding: 0, overdue: 0, drill: fragment({ figure: 'documentTraineesOf', value: `${row.dims.number} ${row.dims.revision}` }) }));
    doc.outstanding += 1;
    if (row.dims.dueAt && row.dims.dueAt < at) doc.overdue += 1;
  }
  const list = [...documents.values()].sort((a, b) => b.overdue - a.overdue || b.outstanding - a.outstanding || a.number.localeCompare(b.number) || compareRevisions(a.revision, b.revision));
  return {
    outstanding: list.reduce((n, d) => n + d.outstanding, 0),
    overdue: list.reduce((n, d) => n + d.overdue, 0),
    documents: list,
    drill: { outstanding: fragment({ figure: 'documentTrainees' }), overdue: fragment({ figure: 'documentTraineesOverdue' }) },
  };
}

async function traineeList(read: FigureRead, of: string | undefined, overdueOnly: boolean, limit: number): Promise<DrillList> {
  const at = read.context.asOf.toISOString();
  // one document version: the drill's value, "<number> <revision>"
  const [number, revision] = of ? [of.slice(0, of.lastIndexOf(' ')), of.slice(of.lastIndexOf(' ') + 1)] : [];
  const rows = (await factsOf(read))
    .filter((row) => number === undefined || (row.dims.number === number && row.dims.revision === revision))
    .map((row) => ({ row, overdue: Boolean(row.dims.dueAt && row.dims.dueAt < at) }))
    .filter((r) => !overdueOnly || r.overdue)
    .sort((a, b) => Number(b.overdue) - Number(a.overdue) || (a.row.dims.dueAt ?? '').localeCompare(b.row.dims.dueAt ?? '') || a.row.dims.person.localeCompare(b.row.dims.person));
  const title = overdueOnly ? 'Read-and-understood training past its due date' : number ? `Read-and-understood training outstanding: ${number} revision ${revision}` : 'Read-and-understood training outstanding';
  return {
    title,
    words: WORDS,
    columns: [{ key: 'person', label: 'Person' }, DOCUMENT_COLUMN, REVISION_COLUMN, SITE_COLUMN, { key: 'dueAt', label: 'Due' }, { key: 'overdue', label: 'Overdue' }, RECORD_COLUMN],
    items: rows.slice(0, limit).map(({ row, overdue }) => ({
      instanceId: row.instanceId,
      person: row.dims.person,
      document: row.dims.title,
      revision: row.dims.revision,
      site: row.site,
      dueAt: row.dims.dueAt ?? null,
      overdue,
      businessKey: row.businessKey,
      link: `/records/${encodeURIComponent(row.instanceId)}`,
    })),
  };
}

export const trainingFigure = defineFigure<TrainingSection>({
  id: 'document-training',
  version: 1,
  process: TRAINING_PROCESS,
  pack: DOCUMENT_PROCESS,
  section: 'documentTraining',
  title: 'Read-and-understood training outstanding per document',
  facts: trainingFacts,
  summarise: trainingSummary,
  view: (s) => ({
    tiles: [
      { label: 'Acknowledgements outstanding', value: s.outstanding, drill: s.drill.outstanding },
      { label: 'Past their due date', value: s.overdue, drill: s.drill.overdue },
    ],
    table: {
      caption: 'People who have not yet acknowledged the current version',
      columns: ['Document', 'Revision', 'Outstanding', 'Overdue'],
      rows: s.documents.map((d) => ({ cells: [d.title, d.revision, d.outstanding, d.overdue], drill: d.drill })),
    },
    empty: 'Everyone has acknowledged the documents they were given to read.',
  }),
  drills: {
    documentTrainees: (read, _drill, limit) => traineeList(read, undefined, false, limit),
    documentTraineesOverdue: (read, _drill, limit) => traineeList(read, undefined, true, limit),
    documentTraineesOf: (read, drill, limit) => traineeList(read, drill.value ?? '', false, limit),
  },
  digest: (s, reader) => {
    const { t } = reader;
    if (!s.outstanding) return [];
    return [
      {
        heading: t(`${WORDS}.digest.training`, { outstanding: s.outstanding, overdue: s.overdue }),
        items: s.documents.map((d) => t(`${WORDS}.digest.trainingItem`, { document: d.title, revision: d.revision, outstanding: d.outstanding, overdue: d.overdue })),
      },
    ];
  },
});

/** The pack's figures, in the dashboard's order. */
export const documentFigures = [documentsFigure, trainingFigure];
