import { NotFoundError, NotPermittedError, ValidationError, type PackContext, type PackRoute } from '../../engine/pack-kit.js';
import { copyOf, mayCopy } from './copy.js';
import { effectiveQuery, effectiveVersions, linksTo, readDocuments, refuse, registerFilters, registerRows, reviewsOf, trainingOf, versionsOf, type DocumentReads } from './register.js';
import type { DocumentSummary, DocumentVersion } from './versions.js';

/**
 * The document register's JSON API (issue 17, item 4): the list, one document, what was effective at a site
 * at an instant (one document or all), and a version's controlled copy. Everything is read as the person
 * asking may (the records of their sites); times are ISO 8601 instants, people come with their names.
 */

const EXAMPLE_NUMBER = 'SOP-QA-0001';

const copyPath = (number: string, revision: string) => `/api/documents/${encodeURIComponent(number)}/versions/${encodeURIComponent(revision)}/copy`;

async function namer(context: PackContext): Promise<(id: string) => Promise<{ id: string; name: string }>> {
  const cache = new Map<string, string>();
  return async (id) => {
    if (!cache.has(id)) cache.set(id, (await context.records.user(id))?.name ?? id);
    return { id, name: cache.get(id)! };
  };
}

function row(summary: DocumentSummary, now: Date) {
  const v = summary.effective ?? summary.latest;
  return {
    number: summary.number,
    title: v.title,
    type: v.type,
    area: v.area,
    revision: v.revision,
    status: summary.status,
    sites: v.sites,
    owner: v.owner,
    ...(v.effectiveFrom && { effectiveFrom: v.effectiveFrom }),
    ...(v.nextReviewDue && { nextReviewDue: v.nextReviewDue, reviewOverdue: v.nextReviewDue < now.toISOString() }),
    ...(summary.effective && summary.latest !== summary.effective && { changeUnderWay: { revision: summary.latest.revision, status: summary.latest.status } }),
    versions: summary.versions,
  };
}

/** A version in the document's JSON: its facts, reviews, signed approvals and training by person. */
async function versionJson(version: DocumentVersion, reads: DocumentReads, name: Awaited<ReturnType<typeof namer>>) {
  const training = trainingOf(reads, version);
  return {
    revision: version.revision,
    revisionKind: version.revisionKind,
    status: version.status,
    record: version.businessKey,
    changeSummary: version.changeSummary,
    reason: version.reason,
    ...(version.file && { file: { name: version.file.name, ...(version.file.size !== undefined && { size: version.file.size }), ...(version.file.contentType && { contentType: version.file.contentType }), copy: copyPath(version.number, version.revision) } }),
    ...(version.effectiveDate && { effectiveDate: version.effectiveDate }),
    ...(version.effectiveFrom && { effectiveFrom: version.effectiveFrom }),
    ...(version.supersededAt && { supersededAt: version.supersededAt, supersededBy: version.supersededBy }),
    ...(version.obsoleteAt && { obsoleteAt: version.obsoleteAt }),
    ...(version.retainUntil && { retainUntil: version.retainUntil }),
    ...(version.nextReviewDue && { nextReviewDue: version.nextReviewDue }),
    reviews: await Promise.all(reviewsOf(reads, version).map(async (r) => ({ ...r, ...(r.by && { by: await name(r.by) }) }))),
    approvals: await Promise.all(version.signatures.map(async (s) => ({ signer: await name(s.by), meaning: s.meaning, signedAt: s.at }))),
    training: {
      assigned: version.training.assigned,
      trained: await Promise.all(training.trained.map(async (p) => ({ ...(await name(p.user)), ...(p.at && { at: p.at }) }))),
      outstanding: await Promise.all(training.outstanding.map(name)),
    },
  };
}

/** The document's versions, or 404 naming it when the person sees none. */
export function versionsOrMissing(reads: DocumentReads, number: string, context: PackContext): DocumentVersion[] {
  const versions = versionsOf(reads, number, context.now());
  if (!versions.length) throw new NotFoundError(context.reader.t('documents.problem.noDocument', { number }));
  return versions;
}

export const documentRoutes: PackRoute[] = [
  {
    method: 'GET',
    path: '/documents',
    summary: 'The document register: controlled documents of your sites, searched and filtered',
    access: 'signed-in',
    query: {
      q: 'words of the number or title',
      type: 'policy, sop, work-instruction, form or template',
      site: 'a site key: documents applying there',
      status: 'draft, in-review, approved, effective, superseded, obsolete or cancelled',
      clause: 'a catalogue clause, e.g. 7.5',
      owner: "the owner's user id",
      reviewDue: 'a number of days: periodic reviews due within them (overdue ones too); or "overdue"',
    },
    responses: { 400: 'a filter is not understood (the field names it)' },
    example: { query: { site: 'dublin' } },
    handle: async (request, context) => {
      const { filters, problems } = await registerFilters(request.query, request.user, context);
      refuse(problems);
      const rows = registerRows(await readDocuments(context, request.user), filters);
      const now = context.now();
      return { json: { at: now.toISOString(), total: rows.length, items: rows.map((r) => row(r, now)) } };
    },
  },
  {
    method: 'GET',
    path: '/documents/effective',
    summary: 'Every document effective at a site at an instant (a date: the end of that day at the site)',
    access: 'signed-in',
    query: { site: 'a site key (required)', at: 'YYYY-MM-DD (end of that day at the site), a date and time at the site, or an instant with Z or an offset; default now' },
    responses: { 400: 'site or at is missing or not understood (the field names it)' },
    example: { query: { site: 'dublin', at: '2026-03-03' } },
    handle: async (request, context) => {
      const { value, problems } = await effectiveQuery(request.query, request.user, context);
      refuse(problems);
      const found = effectiveVersions(await readDocuments(context, request.user), 'all', value!);
      return { json: { site: value!.site, at: value!.at.toISOString(), timeZone: value!.timeZone, items: found.map((v) => effectiveJson(v)) } };
    },
  },
  {
    method: 'GET',
    path: '/documents/:number',
    summary: 'A controlled document: its versions, reviews, signed approvals, training and what links to it',
    access: 'signed-in',
    responses: { 404: 'no such document among the records of your sites' },
    example: { params: { number: EXAMPLE_NUMBER } },
    handle: async (request, context) => {
      const reads = await readDocuments(context, request.user);
      const versions = versionsOrMissing(reads, request.params.number!, context);
      const name = await namer(context);
      const current = versions.find((v) => v.status === 'effective');
      const head = current ?? versions.filter((v) => v.status !== 'cancelled').at(-1) ?? versions.at(-1)!;
      return {
        json: {
          number: head.number,
          title: head.title,
          type: head.type,
          area: head.area,
          status: head.status,
          ...(current && { currentRevision: current.revision }),
          owner: await name(head.owner),
          sites: head.sites,
          clauses: head.clauses,
          processes: head.processes,
          versions: await Promise.all(versions.map((v) => versionJson(v, reads, name))),
          linkedFrom: (await linksTo(context, reads, head.number)).map(({ instanceId: _id, ...link }) => link),
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/documents/:number/effective',
    summary: 'The version of a document effective at a site at an instant (a date: the end of that day at the site)',
    access: 'signed-in',
    query: { site: 'a site key (required)', at: 'YYYY-MM-DD (end of that day at the site), a date and time at the site, or an instant with Z or an offset; default now' },
    responses: { 400: 'site or at is missing or not understood (the field names it)', 404: 'no such document, or no version of it was effective there then' },
    example: { params: { number: EXAMPLE_NUMBER }, query: { site: 'dublin' } },
    handle: async (request, context) => {
      const { value, problems } = await effectiveQuery(request.query, request.user, context);
      refuse(problems);
      const reads = await readDocuments(context, request.user);
      const number = request.params.number!;
      versionsOrMissing(reads, number, context);
      const [found] = effectiveVersions(reads, number, value!);
      if (!found) throw new NotFoundError(context.reader.t('documents.problem.noneEffective', { number, site: value!.site, at: `${context.reader.dateTime(value!.at)} (${value!.timeZone})` }));
      return { json: { site: value!.site, at: value!.at.toISOString(), timeZone: value!.timeZone, ...effectiveJson(found) } };
    },
  },
  {
    method: 'GET',
    path: '/documents/:number/versions/:revision/copy',
    summary: "A version's controlled copy: a PDF stamped on every page in your language and time zone",
    access: 'signed-in',
    responses: { 403: 'the version is not effective and you neither wrote, review, approve nor own it; or it is superseded and you may not read archived versions', 404: 'no such document or version, or it has no file' },
    example: { params: { number: EXAMPLE_NUMBER, revision: '1.0' } },
    handle: async (request, context) => {
      const reads = await readDocuments(context, request.user);
      const { number, revision } = request.params as { number: string; revision: string };
      if (!/^\d+\.\d+$/.test(revision)) throw new ValidationError('invalid path', [{ field: 'revision', message: context.reader.t('documents.problem.revision') }]);
      const version = versionsOrMissing(reads, number, context).find((v) => v.revision === revision);
      if (!version) throw new NotFoundError(context.reader.t('documents.problem.noVersion', { number, revision }));
      const refused = mayCopy(request.user, version, reads, context);
      if (refused) throw new NotPermittedError(refused);
      const file = await copyOf(version, context);
      await context.audit({ action: 'copy.downloaded', target: `document:${number}`, instanceId: version.instanceId, details: { number, revision, status: version.status, file: file.name, language: context.reader.language } });
      return { file };
    },
  },
];

function effectiveJson(v: DocumentVersion) {
  return {
    number: v.number,
    title: v.title,
    type: v.type,
    revision: v.revision,
    effectiveFrom: v.effectiveFrom,
    sites: v.sites,
    record: v.businessKey,
    ...(v.file && { copy: copyPath(v.number, v.revision) }),
  };
}
