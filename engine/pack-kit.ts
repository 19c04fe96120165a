import { canSee } from './features/access/index.js';
import type { IterationResult } from './kernel/model.js';
import type { RecordReader, ServiceContext } from './kernel/services.js';

/**
 * The engine's face towards the process packs: with engine/packs.ts and the features' index files, the
 * only engine modules a pack imports (an ESLint rule keeps it so), so the engine's inside can move freely.
 */
export { IMS_STANDARDS, loadCatalogue, type Catalogue, type CatalogueEntry } from './features/catalogue/index.js';
export { CAUSE_CATEGORIES, type CauseCategory, type ClassifiedRecord, type EventClassification, type PackEvent, type PackRemedy, type RemedyClassification } from './features/events/index.js';
export { addDuration, durationProblem } from './kernel/durations.js';
export { loadMessageDir, type MessageSet } from './kernel/i18n/index.js';
export { ROLES, type InstanceRecord, type IterationResult, type RecordLink, type TaskRecord } from './kernel/model.js';
export { ServiceRegistry, type RecordReader, type ServiceContext, type ServiceDefinition, type StartCheck, type StartCheckContext, type CompletionCheck, type CompletionCheckContext } from './kernel/services.js';
// what a pack's routes and pages are built from, and the errors they throw (the API and the pages answer them: 400 naming the field, 403, 404, 409)
export type {
  PackAccess,
  PackAttachment,
  PackBlock,
  PackCell,
  PackContext,
  PackExample,
  PackFile,
  PackFormField,
  PackIntake,
  PackPage,
  PackReader,
  PackRecords,
  PackReply,
  PackRequest,
  PackRoute,
  PackTone,
  PackUser,
  PackView,
} from './packs.js';
export type { InstanceView } from './features/instances/index.js';
export type { SiteRecord } from './kernel/site.js';
export { ConflictError, NotFoundError, NotPermittedError, ValidationError, type FieldError } from './kernel/errors.js';

/** What the process packs' services share (processes/<pack>/services.ts): reading task output the way forms store it. */

/** A user task's or service's output (`output.<elementId>`), or `{}` when there is none yet. */
export function outputOf(context: Pick<ServiceContext, 'output'>, elementId: string): Record<string, unknown> {
  const data = context.output[elementId];
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

/** The completed iterations of a multi-instance user task (`output.<elementId>`), by index. */
export function iterationsOf(context: Pick<ServiceContext, 'output'>, elementId: string): IterationResult[] {
  const data = context.output[elementId];
  return Array.isArray(data) ? (data as IterationResult[]) : [];
}

/** A form value as trimmed text ('' when absent). */
export function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** A person as services read them from the directory. */
export type Person = NonNullable<Awaited<ReturnType<RecordReader['user']>>>;

/** Whether a person can hold tasks of a record of `site`: known, active and seeing the site (engine/features/access/access.ts). */
export type Presence = 'ok' | 'unknown' | 'inactive' | 'other-site';

export function presenceOf(person: Person | undefined, site: string | undefined): Presence {
  if (!person) return 'unknown';
  if (!person.active) return 'inactive';
  return canSee(person, { site }) ? 'ok' : 'other-site';
}

/** Why a known person cannot take `role` in a record of `site`, or undefined. */
export function presenceProblem(person: Person, role: string, site: string | undefined): string | undefined {
  const presence = presenceOf(person, site);
  if (presence === 'inactive') return `the ${role} ${person.name} is not an active user`;
  if (presence === 'other-site') return `the ${role} ${person.name} does not belong to site ${site}`;
  return undefined;
}

/** Why the person `id` cannot take `role` in a record of `site` (unknown, inactive, not of the site), or undefined. */
export async function personProblem(records: RecordReader, id: string, role: string, site: string | undefined): Promise<string | undefined> {
  const person = await records.user(id);
  return person ? presenceProblem(person, role, site) : `the ${role} "${id}" is not a known user`;
}

/** round1(100 × (conforms + 0.5 × partial) / (applicable − na)), or null when applicable − na is 0. */
export function conformityPct(counts: { applicable: number; na: number; conforms: number; partial: number }): number | null {
  const base = counts.applicable - counts.na;
  if (base <= 0) return null;
  return Math.round((1000 * (counts.conforms + 0.5 * counts.partial)) / base) / 10;
}
