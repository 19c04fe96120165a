import { ValidationError, type FieldError, type PackContext, type PackUser, type TaskRecord } from '../../engine/pack-kit.js';
import { DOCUMENT_TYPES } from './config.js';
import { DOCUMENT_PROCESS, documentsList, documentVersions, effectiveAt, TRAINING_PROCESS, type DocumentFilters, type DocumentRecord, type DocumentSources, type DocumentSummary, type DocumentVersion, type VersionStatus } from './versions.js';

/**
 * What the document routes and pages read, in one place: the records the person asking may see (their
 * sites), the register's filters checked (400 naming the parameter), a document's versions with their
 * reviews, signatures and training by person, what links to it, and "what was effective at a site at an
 * instant" with the instant read in the site's time zone.
 */

const ALL = 1_000_000;
const DAY = 86_400_000;

export const VERSION_STATUSES: readonly VersionStatus[] = ['draft', 'in-review', 'approved', 'effective', 'superseded', 'obsolete', 'cancelled'];
export const TYPES = Object.keys(DOCUMENT_TYPES);

/** The sources plus every task of the documents with its data (reviews' decisions and comments). */
export interface DocumentReads extends DocumentSources {
  documents: DocumentRecord[];
  trainings: DocumentRecord[];
  tasks: TaskRecord[];
}

/**
 * The document records, their training records and tasks the person may see. A document is seen by the
 * people of every site it applies to (any of its versions), not only of the site its first change was
 * started at: Basel follows a procedure written at Dublin. People without sites (administrators) see all.
 */
export async function readDocuments(context: PackContext, user: Pick<PackUser, 'sites'>): Promise<DocumentReads> {
  const every = await context.everySite.instances({ key: DOCUMENT_PROCESS, limit: ALL });
  const seen = new Set(every.filter((record) => !user.sites || appliesTo(record).some((site) => user.sites!.includes(site))).map(numberOf));
  const documents = every.filter((record) => seen.has(numberOf(record)));
  const ids = new Set(documents.map((d) => d.id));
  const trainings = (await context.everySite.instances({ key: TRAINING_PROCESS, limit: ALL })).filter((t) => typeof t.variables.documentInstanceId === 'string' && ids.has(t.variables.documentInstanceId));
  const tasks = documents.length ? await context.everySite.tasks({ instanceIds: [...ids], limit: ALL }) : [];
  return { documents, trainings, tasks };
}

/** The number a document record belongs to (its record id until it is numbered). */
function numberOf(record: DocumentRecord): string {
  const numbering = record.output?.numbering as { number?: unknown } | undefined;
  return typeof numbering?.number === 'string' ? numbering.number : record.id;
}

/** The sites a version applies to: as numbered, else as asked at its start, and the site it was started at. */
function appliesTo(record: DocumentRecord): string[] {
  const numbering = record.output?.numbering as { sites?: unknown } | undefined;
  const asked = Array.isArray(numbering?.sites) ? numbering.sites.map(String) : [];
  return [...asked, ...(record.site ? [record.site] : [])];
}

/** The sites a person may ask about: theirs, or every known site (admins). */
export async function sitesOf(user: PackUser, context: PackContext): Promise<string[]> {
  const known = [...new Set([...(await context.sites()).map((s) => s.key), ...(await context.records.sites())])].sort();
  return user.sites ? known.filter((s) => user.sites!.includes(s)) : known;
}

// ---- the register ---------------------------------------------------------------------------------------

export interface RegisterQuery {
  q?: string;
  type?: string;
  site?: string;
  status?: string;
  clause?: string;
  owner?: string;
  /** Reviews due within this many days (overdue ones included), or `overdue`. */
  reviewDue?: string;
}

/** The register's filters from a query: each bad one named (field errors, so a page can show them by its field). */
export async function registerFilters(query: RegisterQuery, user: PackUser, context: PackContext): Promise<{ filters: DocumentFilters; problems: FieldError[] }> {
  const problems: FieldError[] = [];
  const filters: DocumentFilters = { at: context.now() };
  const { t } = context.reader;
  if (query.q?.trim()) filters.text = query.q.trim();
  if (query.type) {
    if (TYPES.includes(query.type)) filters.type = query.type;
    else problems.push({ field: 'type', message: t('documents.problem.type', { types: TYPES.join(', ') }) });
  }
  if (query.status) {
    if ((VERSION_STATUSES as readonly string[]).includes(query.status)) filters.status = query.status as VersionStatus;
    else problems.push({ field: 'status', message: t('documents.problem.status', { statuses: VERSION_STATUSES.join(', ') }) });
  }
  if (query.site) {
    const sites = await sitesOf(user, context);
    if (sites.includes(query.site)) filters.site = query.site;
    else problems.push({ field: 'site', message: t('documents.problem.site', { sites: sites.join(', ') }) });
  }
  if (query.clause?.trim()) filters.clause = query.clause.trim();
  if (query.owner?.trim()) filters.owner = query.owner.trim();
  if (query.reviewDue) {
    if (query.reviewDue === 'overdue') filters.reviewDueBefore = context.now();
    else if (/^\d{1,4}$/.test(query.reviewDue)) filters.reviewDueBefore = new Date(context.now().getTime() + Number(query.reviewDue) * DAY);
    else problems.push({ field: 'reviewDue', message: t('documents.problem.reviewDue') });
  }
  return { filters, problems };
}

/** The register's rows for these filters. */
export function registerRows(reads: DocumentReads, filters: DocumentFilters): DocumentSummary[] {
  return documentsList(reads, filters);
}

/** A 400 naming every bad parameter. */
export function refuse(problems: FieldError[]): void {
  if (problems.length) throw new ValidationError('invalid query', problems);
}

// ---- one document -------------------------------------------------------------------------------------

export interface VersionReview {
  role?: string;
  by?: string;
  at?: string;
  decision?: string;
  comment?: string;
}

export interface VersionTrainingPeople {
  /** Who acknowledged, with when. */
  trained: { user: string; at?: string }[];
  outstanding: string[];
}

/** A document's versions as they stand now, oldest first; empty when unknown or not of the person's sites. */
export function versionsOf(reads: DocumentReads, number: string, at: Date): DocumentVersion[] {
  return documentVersions(reads, { number, at });
}

/** The reviews of a version (every round), in the order they were completed. */
export function reviewsOf(reads: DocumentReads, version: DocumentVersion): VersionReview[] {
  return reads.tasks
    .filter((t) => t.instanceId === version.instanceId && t.elementId === 'review' && t.status === 'completed')
    .sort((a, b) => (a.completedAt ?? '').localeCompare(b.completedAt ?? ''))
    .map((t) => ({
      ...(t.candidateRole && { role: t.candidateRole }),
      ...(t.completedBy && { by: t.completedBy }),
      ...(t.completedAt && { at: t.completedAt }),
      ...(typeof t.data?.decision === 'string' && { decision: t.data.decision }),
      ...(typeof t.data?.comment === 'string' && t.data.comment && { comment: t.data.comment }),
    }));
}

/** Who has read and understood a version, and who has yet to (from its training records the person may see). */
export function trainingOf(reads: DocumentReads, version: DocumentVersion): VersionTrainingPeople {
  const records = reads.trainings.filter((t) => t.variables.documentInstanceId === version.instanceId && t.status !== 'cancelled');
  return {
    trained: records
      .filter((t) => t.status === 'completed')
      .map((t) => ({ user: String(t.variables.user), ...(t.endedAt && { at: t.endedAt }) }))
      .sort((a, b) => a.user.localeCompare(b.user)),
    outstanding: records
      .filter((t) => t.status === 'running')
      .map((t) => String(t.variables.user))
      .sort(),
  };
}

export interface DocumentLink {
  businessKey: string;
  processKey: string;
  /** How it links: it started a change of this document, or one of its fields or links names it. */
  relation: 'started-change' | 'names-it';
  label?: string;
  instanceId: string;
}

/** Whether a value names the document: its number as text, or an object with that `number` (a document field's value). */
function names(value: unknown, number: string, depth = 0): boolean {
  if (depth > 5 || value === null || value === undefined) return false;
  if (typeof value === 'string') return value === number;
  if (Array.isArray(value)) return value.some((v) => names(v, number, depth + 1));
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (record.number === number) return true;
    return Object.values(record).some((v) => names(v, number, depth + 1));
  }
  return false;
}

/**
 * What links to a document: the records that started one of its versions (a CAPA's action plan, say), and
 * the records of other processes whose fields or link labels name it. Only records the person may see.
 */
export async function linksTo(context: PackContext, reads: DocumentReads, number: string): Promise<DocumentLink[]> {
  const versions = reads.documents.filter((d) => (d.output.numbering as { number?: unknown } | undefined)?.number === number);
  const ids = new Set(versions.map((v) => v.id));
  const found = new Map<string, DocumentLink>();
  for (const version of versions) {
    for (const link of version.links ?? []) {
      if (link.rel === 'origin' && link.processKey !== DOCUMENT_PROCESS) {
        found.set(link.instanceId, { businessKey: link.businessKey, processKey: link.processKey, relation: 'started-change', label: link.label, instanceId: link.instanceId });
      }
    }
  }
  const others = (await context.records.instances({ limit: ALL })).filter((r) => r.key !== DOCUMENT_PROCESS && r.key !== TRAINING_PROCESS && !found.has(r.id));
  for (const record of others) {
    const linked = (record.links ?? []).some((l) => ids.has(l.instanceId) || names(l.label, number));
    if (linked || names(record.variables, number) || names(record.output, number)) {
      found.set(record.id, { businessKey: record.businessKey, processKey: record.key, relation: 'names-it', instanceId: record.id });
    }
  }
  return [...found.values()].sort((a, b) => a.businessKey.localeCompare(b.businessKey));
}

// ---- effective at a site and an instant ------------------------------------------------------------------

/** The offset of `timeZone` from UTC at `instant`, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant a wall-clock time in `timeZone` names (the later one when the clocks went back). */
export function zonedInstant(wall: number, timeZone: string): Date {
  let instant = wall - offsetAt(wall, timeZone);
  instant = wall - offsetAt(instant, timeZone);
  return new Date(instant);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * The instant `at` names at a site: a date is the END of that day at the site (what was effective "on
 * 3 March" includes a version that became effective during that day); a date and time without a zone is
 * the site's wall clock; with Z or an offset, that instant. Absent: now. Undefined when it is no date.
 */
export function instantAt(at: string | undefined, timeZone: string, now: Date): Date | undefined {
  if (!at) return now;
  const date = DATE.exec(at);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const wall = Date.UTC(y, m - 1, d);
    if (new Date(wall).getUTCDate() !== d || new Date(wall).getUTCMonth() !== m - 1) return undefined;
    return new Date(zonedInstant(Date.UTC(y, m - 1, d + 1), timeZone).getTime() - 1);
  }
  const dateTime = DATE_TIME.exec(at);
  if (!dateTime) return undefined;
  const [, y, mo, d, h, mi, s, zone] = dateTime;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  const check = new Date(wall);
  if (check.getUTCDate() !== Number(d) || check.getUTCHours() !== Number(h) || Number(mi) > 59 || Number(s ?? 0) > 59) return undefined;
  if (!zone) return zonedInstant(wall, timeZone);
  if (zone === 'Z') return check;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return new Date(wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000);
}

export interface EffectiveQuery {
  site: string;
  at: Date;
  timeZone: string;
}

/** Checks `site` (one of the person's) and `at` (a date or date-time): field errors naming each bad one. */
export async function effectiveQuery(query: { site?: string; at?: string }, user: PackUser, context: PackContext): Promise<{ value?: EffectiveQuery; problems: FieldError[] }> {
  const { t } = context.reader;
  const problems: FieldError[] = [];
  const sites = await sitesOf(user, context);
  if (!query.site) problems.push({ field: 'site', message: t('documents.problem.siteRequired', { sites: sites.join(', ') }) });
  else if (!sites.includes(query.site)) problems.push({ field: 'site', message: t('documents.problem.site', { sites: sites.join(', ') }) });
  const zone = (await context.sites()).find((s) => s.key === query.site)?.timeZone ?? context.reader.timeZone;
  const at = instantAt(query.at, zone, context.now());
  if (!at) problems.push({ field: 'at', message: t('documents.problem.at') });
  return problems.length ? { problems } : { value: { site: query.site!, at: at!, timeZone: zone }, problems };
}

/** The versions effective at the site at the instant (one document, or all). */
export function effectiveVersions(reads: DocumentReads, number: string | 'all', query: EffectiveQuery): DocumentVersion[] {
  return effectiveAt(reads, number, query.site, query.at);
}
