import { addDuration, type FieldError, outputOf, type ServiceContext, type ServiceRegistry, type StartCheckContext, text } from '../../engine/pack-kit.js';
import { DOCUMENT_AREAS, DOCUMENT_TYPES, type DocumentType, numberingScheme } from './config.js';
import { compareRevisions, formatNumber, listOf, nextRevision, type RevisionKind, sequenceOf } from './numbering.js';
import { PEOPLE_ROLES } from './pickers.js';
import { DOCUMENT_PROCESS, type DocumentRecord, effectiveFromOf, numberOf, openChanges, TRAINING_PROCESS } from './versions.js';

/** Document control's services: the start check, numbering, the review's outcome, training, effectiveness, periodic review. */

const ALL = 1_000_000;
/** Training is due at the effective date when that leaves a week to read; otherwise two weeks after approval. */
const TRAINING_LEAD_MS = 7 * 24 * 3_600_000;
const TRAINING_DEFAULT_MS = 14 * 24 * 3_600_000;

/** The sites a document applies to: those named, else the record's own. */
function sitesOf(v: Readonly<Record<string, unknown>>, site: string | undefined): string[] {
  const named = listOf(v.sites);
  return named.length || !site ? named : [site];
}

/** The roles that review: those named, else the quality manager's. */
function reviewerRolesOf(v: Readonly<Record<string, unknown>>): string[] {
  const named = listOf(v.reviewerRoles);
  return named.length ? named : ['quality-manager'];
}

async function documentRecords(context: Pick<ServiceContext, 'records'>): Promise<DocumentRecord[]> {
  return context.records.instances({ key: DOCUMENT_PROCESS, limit: ALL });
}

/** The versions of `number` not abandoned, newest revision last. */
function versionsOf(records: DocumentRecord[], number: string): DocumentRecord[] {
  return records
    .filter((r) => numberOf(r) === number && r.status !== 'cancelled')
    .sort((a, b) => compareRevisions(String(a.output.numbering?.revision ?? '1.0'), String(b.output.numbering?.revision ?? '1.0')));
}

/**
 * What every start of a document change must bring, whoever starts it: a new document its title, type and
 * area; a new version an existing number without a change already under way; at least one known site; known
 * reviewer and training roles. Problems name their field (a 400 at the API).
 */
export async function checkDocumentStart(context: StartCheckContext): Promise<FieldError[]> {
  const v = context.variables;
  const problems: FieldError[] = [];
  const revises = text(v.revises);
  if (revises) {
    const records = await context.records.instances({ key: DOCUMENT_PROCESS, limit: ALL });
    if (!versionsOf(records, revises).length) problems.push({ field: 'revises', message: `Revises: there is no document ${revises}` });
    else {
      const open = openChanges(records, revises);
      if (open.length) problems.push({ field: 'revises', message: `Revises: ${revises} has a change under way already (${open.map((r) => r.businessKey).join(', ')}): finish or cancel it first` });
    }
  } else {
    if (!text(v.title)) problems.push({ field: 'title', message: 'Title is required for a new document' });
    if (!Object.hasOwn(DOCUMENT_TYPES, text(v.type))) problems.push({ field: 'type', message: `Type must be one of ${Object.keys(DOCUMENT_TYPES).join(', ')}` });
    if (!(DOCUMENT_AREAS as readonly string[]).includes(text(v.area))) problems.push({ field: 'area', message: `Area must be one of ${DOCUMENT_AREAS.join(', ')}` });
  }
  // a revision naming no sites keeps its document's (numbering), which were checked when they were named
  const sites = revises && !listOf(v.sites).length ? [] : sitesOf(v, context.site);
  const known = await context.records.sites();
  if (!sites.length && !revises) problems.push({ field: 'sites', message: 'Sites: name at least one site the document applies to' });
  else if (sites.some((s) => !known.includes(s))) problems.push({ field: 'sites', message: `Sites: ${sites.filter((s) => !known.includes(s)).join(', ')} ${sites.filter((s) => !known.includes(s)).length === 1 ? 'is not a known site' : 'are not known sites'} (known: ${known.join(', ') || 'none'})` });
  const reviewers = reviewerRolesOf(v);
  for (const [field, label, roles] of [['reviewerRoles', 'Reviewer roles', reviewers], ['trainingRoles', 'Roles to train', listOf(v.trainingRoles)]] as const) {
    const unknown = roles.filter((role) => !PEOPLE_ROLES.includes(role));
    if (unknown.length) problems.push({ field, message: `${label}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a role' : 'are not roles'} (use ${PEOPLE_ROLES.join(', ')})` });
  }
  if (v.revisionKind !== undefined && v.revisionKind !== 'major' && v.revisionKind !== 'minor') problems.push({ field: 'revisionKind', message: 'Revision must be major or minor' });
  return problems;
}

/**
 * The number and revision: a new document draws the next number of its type and area from a gapless
 * sequence (the scheme from IMSFLOW_DOCUMENT_NUMBERING); a new version keeps its document's number, title,
 * type and area, and takes the next major or minor revision after the newest one. What a new version does
 * not name (sites, owner, reviewers, roles to train, processes, clauses) it keeps from the newest one, so
 * another record (a CAPA's action plan) can start a revision by naming the number and the reason alone.
 */
async function numbering(context: ServiceContext): Promise<Record<string, unknown>> {
  const v = context.variables;
  const revises = text(v.revises);
  const kind: RevisionKind = v.revisionKind === 'minor' ? 'minor' : 'major';
  const common = {
    sites: sitesOf(v, context.site),
    processes: listOf(v.processes),
    reviewers: reviewerRolesOf(v).map((role) => ({ role })),
    trainingRoles: listOf(v.trainingRoles),
    owner: text(v.owner),
    clauses: Array.isArray(v.clauses) ? listOf(v.clauses) : [],
  };
  if (revises) {
    const versions = versionsOf(await documentRecords(context), revises).filter((r) => r.id !== context.instanceId);
    const newest = versions.at(-1);
    if (!newest) throw new Error(`there is no document ${revises} to revise`);
    const previous = newest.output.numbering as Record<string, unknown>;
    const kept = {
      sites: listOf(v.sites).length ? common.sites : listOf(previous.sites),
      processes: listOf(v.processes).length ? common.processes : listOf(previous.processes),
      reviewers: listOf(v.reviewerRoles).length ? common.reviewers : Array.isArray(previous.reviewers) ? previous.reviewers : common.reviewers,
      trainingRoles: listOf(v.trainingRoles).length ? common.trainingRoles : listOf(previous.trainingRoles),
      owner: common.owner || text(previous.owner) || text(newest.variables.owner),
      clauses: common.clauses.length ? common.clauses : Array.isArray(previous.clauses) ? listOf(previous.clauses) : listOf(newest.variables.clauses),
    };
    return { ...kept, number: revises, revises, revision: nextRevision(String(previous.revision), kind), title: previous.title, type: previous.type, area: previous.area };
  }
  const type = text(v.type) as DocumentType;
  const area = text(v.area);
  const scheme = numberingScheme();
  const parts = { type, area, ...((context.site ?? common.sites[0]) && { site: context.site ?? common.sites[0] }) };
  const seq = await context.nextNumber(sequenceOf(scheme, parts));
  return { ...common, number: formatNumber(scheme, parts, seq), revision: nextRevision(undefined, kind), title: text(v.title), type, area };
}

/** The parallel review's outcome: changes are needed when any reviewer asked for them. */
function reviewOutcome(context: ServiceContext): Record<string, unknown> {
  const reviews = Array.isArray(context.output.review) ? (context.output.review as { data?: Record<string, unknown>; item?: { role?: string } }[]) : [];
  const asking = reviews.filter((r) => r.data?.decision === 'changes-needed');
  const rounds = Number(outputOf(context, 'reviewOutcome').rounds ?? 0) + 1;
  return { changesNeeded: asking.length > 0, asking: asking.map((r) => r.item?.role ?? ''), rounds };
}

/**
 * Read and understood: one linked training record per active person holding one of the training roles at
 * one of the document's sites, due at the effective date (or two weeks from now when that is closer than a week).
 */
async function training(context: ServiceContext): Promise<Record<string, unknown>> {
  const numbered = outputOf(context, 'numbering');
  const sites = listOf(numbered.sites);
  const roles = listOf(numbered.trainingRoles);
  const effective = new Date(`${text(outputOf(context, 'approve').effectiveDate)}T00:00:00Z`);
  const dueAt = (effective.getTime() - context.now.getTime() >= TRAINING_LEAD_MS ? effective : new Date(context.now.getTime() + TRAINING_DEFAULT_MS)).toISOString();
  const trainees = new Map<string, { id: string; name: string; role: string; site: string }>();
  for (const role of roles) {
    for (const site of sites) {
      for (const person of await context.records.people({ role, site })) if (!trainees.has(person.id)) trainees.set(person.id, { id: person.id, name: person.name, role, site });
    }
  }
  const label = `${numbered.number} ${numbered.title}`;
  for (const person of [...trainees.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    context.startLinked({
      processKey: TRAINING_PROCESS,
      variables: { processKey: String(numbered.number), processName: label, version: String(numbered.revision), effectiveAt: effective.toISOString(), user: person.id, userName: person.name, role: person.role, dueAt, documentInstanceId: context.instanceId },
      label: `Read and understood: ${label} revision ${numbered.revision}`,
      site: person.site,
    });
  }
  return { assigned: trainees.size, people: [...trainees.keys()].sort(), dueAt };
}

/** The instant the version became effective. */
function effective(context: ServiceContext): Record<string, unknown> {
  return { effectiveAt: context.now.toISOString() };
}

/** When the periodic review falls due: the type's review period from now (config.ts). */
function reviewPlan(context: ServiceContext): Record<string, unknown> {
  const type = text(outputOf(context, 'numbering').type) as DocumentType;
  const period = DOCUMENT_TYPES[type]?.review ?? 'P2Y';
  return { due: addDuration(period, context.now).toISOString(), period };
}

/** On the review timer: a version a later one superseded ends here instead of asking for a review. */
async function reviewCheck(context: ServiceContext): Promise<Record<string, unknown>> {
  const numbered = outputOf(context, 'numbering');
  const revision = String(numbered.revision);
  const later = versionsOf(await documentRecords(context), String(numbered.number)).find(
    (r) => r.id !== context.instanceId && compareRevisions(String(r.output.numbering?.revision ?? '1.0'), revision) > 0 && effectiveFromOf(r) !== undefined,
  );
  return later ? { superseded: true, by: later.businessKey, revision: later.output.numbering?.revision } : { superseded: false };
}

/** The owner chose to revise at the periodic review: a new version of the same number starts, linked to this one. */
function revise(context: ServiceContext): Record<string, unknown> {
  const v = context.variables;
  const numbered = outputOf(context, 'numbering');
  const decided = outputOf(context, 'periodicReview');
  const kind = decided.revisionKind === 'minor' ? 'minor' : 'major';
  context.startLinked({
    processKey: DOCUMENT_PROCESS,
    variables: {
      revises: numbered.number,
      revisionKind: kind,
      sites: listOf(numbered.sites).join(', '),
      owner: v.owner,
      ...(Array.isArray(v.clauses) && { clauses: v.clauses }),
      ...(listOf(v.processes).length && { processes: listOf(v.processes).join(', ') }),
      changeSummary: text(decided.comment) || 'Revision from the periodic review',
      reason: `Periodic review of ${numbered.number} revision ${numbered.revision}`,
      reviewerRoles: listOf(numbered.reviewers && (numbered.reviewers as { role: string }[]).map((r) => r.role)).join(', '),
      trainingRoles: listOf(numbered.trainingRoles).join(', '),
    },
    label: `Revision of ${numbered.number} ${numbered.title} from its periodic review`,
  });
  return { started: true, revisionKind: kind };
}

/** Withdrawn at the periodic review: obsolete now, kept for the type's retention period. */
function withdraw(context: ServiceContext): Record<string, unknown> {
  const type = text(outputOf(context, 'numbering').type) as DocumentType;
  const retention = DOCUMENT_TYPES[type]?.retention ?? 'P10Y';
  return { obsoleteAt: context.now.toISOString(), retainUntil: addDuration(retention, context.now).toISOString(), retention };
}

export function registerDocumentControlServices(registry: ServiceRegistry): void {
  // a numbering scheme that cannot number is refused when the server starts, not at the first new document
  numberingScheme();
  registry
    .registerStartCheck(DOCUMENT_PROCESS, { description: 'A document change names a document (new, or an existing number without a change under way), known sites and roles', check: checkDocumentStart })
    .register('document-numbering', { description: 'Numbers a new document (gapless, per type and area) or gives a new version its revision', run: numbering })
    .register('document-review-outcome', { description: 'Whether any reviewer asked for changes', run: reviewOutcome })
    .register('document-training', { description: 'Starts a read-and-understood record for everyone in the training roles at the document\'s sites', run: training })
    .register('document-effective', { description: 'Records the instant the version became effective', run: effective })
    .register('document-review-plan', { description: 'When the periodic review falls due, by document type', run: reviewPlan })
    .register('document-review-check', { description: 'Whether a later version superseded this one', run: reviewCheck })
    .register('document-revise', { description: 'Starts the next version from the periodic review', run: revise })
    .register('document-withdraw', { description: 'Makes the document obsolete with its retention date', run: withdraw });
}
