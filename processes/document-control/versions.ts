import type { InstanceRecord, RecordReader, TaskRecord } from '../../engine/pack-kit.js';
import { compareRevisions } from './numbering.js';

/**
 * A controlled document's versions, derived from the pack's records: one `document-control` record is one
 * version of a document going through its lifecycle; a document is every record sharing
 * `output.numbering.number`. Nothing here writes: a version's status is read from its record and its
 * siblings, so a later version that becomes effective supersedes this one at that instant, whatever this
 * record's own timers still wait for. The API routes and pages call these functions.
 */

export const DOCUMENT_PROCESS = 'document-control';
export const TRAINING_PROCESS = 'training-acknowledgement';

/** A record as services and queries read it: without its engine state. */
export type DocumentRecord = Omit<InstanceRecord, 'engineState'>;

/**
 * Where a version stands at an instant:
 * - `draft`: being written (the draft task is open, or changes were asked for);
 * - `in-review`: the reviewers have it; `approved`: signed, waiting for its effective date;
 * - `effective`: in force; `superseded`: a later version of the same number became effective;
 * - `obsolete`: withdrawn at a periodic review, kept until `retainUntil`; `cancelled`: abandoned before it became effective.
 */
export type VersionStatus = 'draft' | 'in-review' | 'approved' | 'effective' | 'superseded' | 'obsolete' | 'cancelled';

/** A version's file, as the draft's file field cites it (download: the record's attachment). */
export interface FileRef {
  sha256: string;
  name: string;
  size?: number;
  contentType?: string;
}

/** Who signed a version's approval, and when. */
export interface VersionSignature {
  meaning: 'approved';
  by: string;
  at: string;
}

export interface VersionTraining {
  /** People given the version to read (cancelled training records not counted). */
  assigned: number;
  acknowledged: number;
  /** Who has not yet acknowledged, by user id. */
  outstanding: string[];
}

/** One version of a controlled document. Dates are ISO 8601 instants (UTC); `effectiveDate` is the approver's YYYY-MM-DD. */
export interface DocumentVersion {
  number: string;
  title: string;
  type: string;
  area: string;
  sites: string[];
  owner: string;
  clauses: string[];
  processes: string[];
  revision: string;
  revisionKind: 'major' | 'minor';
  /** The number this version revises (absent on a document's first version). */
  revises?: string;
  changeSummary: string;
  reason: string;
  status: VersionStatus;
  file?: FileRef;
  /** The date the approver chose; the version is effective from 00:00 UTC that day, once its timer fired. */
  effectiveDate?: string;
  /** The instant it became effective (absent until then). */
  effectiveFrom?: string;
  supersededAt?: string;
  /** The business key of the version that superseded it. */
  supersededBy?: string;
  obsoleteAt?: string;
  retainUntil?: string;
  /** When its periodic review falls due (while it is effective). */
  nextReviewDue?: string;
  signatures: VersionSignature[];
  training: VersionTraining;
  businessKey: string;
  instanceId: string;
  /** The record's own site (where it was started); `sites` are where the document applies. */
  site?: string;
  startedAt: string;
  startedBy: string;
}

/** What the version functions read: the pack's records, their training records and (for signatures and drafts) their tasks. */
export interface DocumentSources {
  documents: DocumentRecord[];
  trainings?: DocumentRecord[];
  tasks?: Pick<TaskRecord, 'instanceId' | 'elementId' | 'status' | 'completedBy' | 'completedAt'>[];
}

const ALL = 1_000_000;

/** Reads the sources from the records (every document-control record, their training records and tasks). */
export async function loadDocumentSources(records: Pick<RecordReader, 'instances' | 'tasks'>): Promise<DocumentSources> {
  const documents = await records.instances({ key: DOCUMENT_PROCESS, limit: ALL });
  const trainings = (await records.instances({ key: TRAINING_PROCESS, limit: ALL })).filter((t) => typeof t.variables.documentInstanceId === 'string');
  const tasks = documents.length ? await records.tasks({ instanceIds: documents.map((d) => d.id), limit: ALL }) : [];
  return { documents, trainings, tasks };
}

const out = (record: DocumentRecord, id: string): Record<string, unknown> => {
  const value = record.output[id];
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
};
const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** The document number a record numbers, if it got that far. */
export function numberOf(record: DocumentRecord): string | undefined {
  return str(out(record, 'numbering').number);
}

/** The instant a version became effective, if it did. */
export function effectiveFromOf(record: DocumentRecord): string | undefined {
  return str(out(record, 'effective').effectiveAt);
}

/**
 * Every version of every document (or of `number`), as they stand at `at` (default now), ordered by number,
 * then revision.
 */
export function documentVersions(sources: DocumentSources, options: { number?: string; at?: Date } = {}): DocumentVersion[] {
  const at = (options.at ?? new Date()).toISOString();
  const numbered = sources.documents.filter((d) => numberOf(d) !== undefined && (options.number === undefined || numberOf(d) === options.number));
  const byNumber = groupBy(sources.documents.filter((record) => numberOf(record) !== undefined), (record) => numberOf(record)!);
  // each version reads its own tasks and training records: grouped once, so the register reads in linear time
  const own: OwnRecords = { tasks: groupBy(sources.tasks ?? [], (t) => t.instanceId), trainings: groupBy(sources.trainings ?? [], (t) => String(t.variables.documentInstanceId)) };
  return numbered
    .map((record) => versionOf(record, byNumber.get(numberOf(record)!)!, own, at))
    .sort((a, b) => a.number.localeCompare(b.number) || compareRevisions(a.revision, b.revision));
}

/** Items grouped by a key, in their order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** A version's own tasks and training records, by the version's record id. */
interface OwnRecords {
  tasks: Map<string, NonNullable<DocumentSources['tasks']>>;
  trainings: Map<string, DocumentRecord[]>;
}

function versionOf(record: DocumentRecord, siblings: DocumentRecord[], own: OwnRecords, at: string): DocumentVersion {
  const tasks = own.tasks.get(record.id) ?? [];
  const numbering = out(record, 'numbering');
  const v = record.variables;
  const revision = str(numbering.revision) ?? '1.0';
  const effectiveFrom = effectiveFromOf(record);
  const effectiveNow = effectiveFrom !== undefined && effectiveFrom <= at;
  // superseded by the first later version to become effective (up to `at`)
  const later = siblings
    .filter((s) => s !== record && compareRevisions(str(out(s, 'numbering').revision) ?? '1.0', revision) > 0)
    .map((s) => ({ record: s, from: effectiveFromOf(s) }))
    .filter((s): s is { record: DocumentRecord; from: string } => s.from !== undefined && s.from <= at)
    .sort((a, b) => a.from.localeCompare(b.from))[0];
  const withdrawn = out(record, 'withdraw');
  const obsoleteAt = str(withdrawn.obsoleteAt);
  const draftOpen = tasks.some((t) => t.elementId === 'draft' && t.status === 'open');
  const approve = out(record, 'approve');
  const file = out(record, 'draft').file as FileRef | undefined;
  let status: VersionStatus;
  if (obsoleteAt && obsoleteAt <= at) status = 'obsolete';
  else if (effectiveNow && later) status = 'superseded';
  else if (effectiveNow) status = 'effective';
  else if (record.status === 'cancelled') status = 'cancelled';
  else if (str(approve.effectiveDate)) status = 'approved';
  else status = draftOpen || !file ? 'draft' : 'in-review';
  const signatures: VersionSignature[] = tasks
    .filter((t) => t.elementId === 'approve' && t.status === 'completed' && t.completedBy && t.completedAt)
    .map((t) => ({ meaning: 'approved' as const, by: t.completedBy!, at: t.completedAt! }));
  const trainings = (own.trainings.get(record.id) ?? []).filter((t) => t.status !== 'cancelled');
  const reviewDue = str(out(record, 'reviewPlan').due);
  return {
    number: numberOf(record)!,
    title: str(numbering.title) ?? '',
    type: str(numbering.type) ?? '',
    area: str(numbering.area) ?? '',
    sites: list(numbering.sites),
    // numbering keeps a revision's owner and clauses from its document when the revision names none
    owner: str(numbering.owner) ?? str(v.owner) ?? '',
    clauses: Array.isArray(numbering.clauses) ? list(numbering.clauses) : list(v.clauses),
    processes: list(numbering.processes),
    revision,
    revisionKind: v.revisionKind === 'minor' ? 'minor' : 'major',
    ...(str(numbering.revises) && { revises: str(numbering.revises)! }),
    changeSummary: str(v.changeSummary) ?? '',
    reason: str(v.reason) ?? '',
    status,
    ...(file && { file }),
    ...(str(approve.effectiveDate) && { effectiveDate: str(approve.effectiveDate)! }),
    ...(effectiveFrom && { effectiveFrom }),
    ...(status === 'superseded' && later && { supersededAt: later.from, supersededBy: later.record.businessKey }),
    ...(obsoleteAt && { obsoleteAt }),
    ...(str(withdrawn.retainUntil) && { retainUntil: str(withdrawn.retainUntil)! }),
    ...(status === 'effective' && reviewDue && { nextReviewDue: reviewDue }),
    signatures,
    training: {
      assigned: trainings.length,
      acknowledged: trainings.filter((t) => t.status === 'completed').length,
      outstanding: trainings.filter((t) => t.status === 'running').map((t) => String(t.variables.user)).sort(),
    },
    businessKey: record.businessKey,
    instanceId: record.id,
    ...(record.site && { site: record.site }),
    startedAt: record.startedAt,
    startedBy: record.startedBy,
  };
}

/** A document as the register lists it: its newest version (the effective one when there is one) and how many versions it has. */
export interface DocumentSummary {
  number: string;
  /** The version in force now, if any. */
  effective?: DocumentVersion;
  /** The newest version, whatever its status (a change under way, or the effective one). */
  latest: DocumentVersion;
  versions: number;
  /** The document's status: its effective version's, else its newest version's. */
  status: VersionStatus;
}

export interface DocumentFilters {
  type?: string;
  area?: string;
  site?: string;
  status?: VersionStatus;
  clause?: string;
  owner?: string;
  /** Words of the number or the title (case-insensitive). */
  text?: string;
  /** Only documents whose periodic review falls due before this instant. */
  reviewDueBefore?: Date;
  at?: Date;
}

/** The document register: one row per number, filtered, ordered by number. */
export function documentsList(sources: DocumentSources, filters: DocumentFilters = {}): DocumentSummary[] {
  const versions = documentVersions(sources, { ...(filters.at && { at: filters.at }) });
  const byNumber = groupBy(versions, (version) => version.number);
  const rows: DocumentSummary[] = [];
  for (const [number, all] of byNumber) {
    const live = all.filter((v) => v.status !== 'cancelled');
    const latest = (live.length ? live : all).at(-1)!;
    const effective = all.find((v) => v.status === 'effective');
    const shown = effective ?? latest;
    rows.push({ number, ...(effective && { effective }), latest, versions: all.length, status: shown.status });
  }
  const words = filters.text?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
  return rows
    .filter(({ effective, latest, status }) => {
      const v = effective ?? latest;
      if (filters.type && v.type !== filters.type) return false;
      if (filters.area && v.area !== filters.area) return false;
      if (filters.site && !v.sites.includes(filters.site)) return false;
      if (filters.status && status !== filters.status) return false;
      if (filters.clause && !v.clauses.includes(filters.clause)) return false;
      if (filters.owner && v.owner !== filters.owner) return false;
      if (filters.reviewDueBefore && !(v.nextReviewDue && v.nextReviewDue < filters.reviewDueBefore.toISOString())) return false;
      const haystack = `${v.number} ${v.title}`.toLowerCase();
      return words.every((w) => haystack.includes(w));
    })
    .sort((a, b) => a.number.localeCompare(b.number));
}

/**
 * What was effective at `site` at the instant `at`: for each document applying there (or only `number`),
 * its latest version effective at or before `at`, unless that version was withdrawn by then or no longer
 * applies to the site. A version is effective from the instant its effective step ran, not before.
 */
export function effectiveAt(sources: DocumentSources, number: string | 'all', site: string, at: Date): DocumentVersion[] {
  const when = at.toISOString();
  const versions = documentVersions(sources, { at, ...(number !== 'all' && { number }) });
  const byNumber = groupBy(
    versions.filter((version) => version.effectiveFrom && version.effectiveFrom <= when),
    (version) => version.number,
  );
  const found: DocumentVersion[] = [];
  for (const candidates of byNumber.values()) {
    const latest = candidates.sort((a, b) => compareRevisions(a.revision, b.revision)).at(-1)!;
    if (latest.obsoleteAt && latest.obsoleteAt <= when) continue;
    if (!latest.sites.includes(site)) continue;
    found.push(latest);
  }
  return found.sort((a, b) => a.number.localeCompare(b.number));
}

/** The records of `number` that are a change under way: running and not yet effective. */
export function openChanges(documents: DocumentRecord[], number: string): DocumentRecord[] {
  return documents.filter((d) => numberOf(d) === number && d.status === 'running' && !effectiveFromOf(d));
}
