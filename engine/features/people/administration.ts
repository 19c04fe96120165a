import { auditEvent } from '../../kernel/audit-event.js';
import { ConflictError, NotFoundError, NotPermittedError, ValidationError, type FieldError } from '../../kernel/errors.js';
import { requireReason } from '../../kernel/input-checks.js';
import type { TaskRecord, UserRecord } from '../../kernel/model.js';
import type { FeatureContext } from '../context.js';
import { offboarding, type Handover } from './handover.js';
import { personProblems, personRecord, profileOf, type PersonInput } from './people.js';

// Administration of people: admins for everyone; site administrators (the role `site-admin`) for the
// people of their sites. Each command checks that rule itself, so the JSON API and the pages answer alike,
// and writes its change and its audit events (who, old → new, why) in one commit.

/** The role of a site administrator: administers the people whose sites are all among their own. */
export const SITE_ADMIN = 'site-admin';

/** Roles only an admin gives or takes: they reach beyond one site, or into other systems. */
export const ADMIN_ONLY_ROLES: readonly string[] = ['admin', SITE_ADMIN, 'integration'];

/** The parts of a person an administrator sets (the id is made from the email on creation). */
export interface PersonChanges {
  email?: unknown;
  name?: unknown;
  roles?: unknown;
  sites?: unknown;
  managerId?: unknown;
  locale?: unknown;
}

/** Whether the person may administer anyone at all (admins, site administrators with sites). */
export function administers(actor: Pick<UserRecord, 'roles' | 'sites' | 'active'>): boolean {
  return actor.active && (actor.roles.includes('admin') || (actor.roles.includes(SITE_ADMIN) && Boolean(actor.sites?.length)));
}

/** Whether the person may see and change this person: admins anyone; site administrators people of their sites only. */
export function mayAdminister(actor: Pick<UserRecord, 'roles' | 'sites' | 'active'>, person: Pick<UserRecord, 'roles' | 'sites'>): boolean {
  if (!administers(actor)) return false;
  if (actor.roles.includes('admin')) return true;
  return withinSites(actor, person.sites) && !person.roles.some((r) => ADMIN_ONLY_ROLES.includes(r));
}

const withinSites = (actor: Pick<UserRecord, 'sites'>, sites: string[] | undefined) => Boolean(sites?.length) && sites!.every((site) => actor.sites?.includes(site));

/**
 * Why the actor may not make `before` into `after` (undefined: they may). A site administrator keeps
 * within their sites: the person before and after belongs to their sites only, and no admin-only role moves.
 */
export function administrationRefusal(actor: UserRecord, before: Pick<UserRecord, 'roles' | 'sites'> | undefined, after: Pick<UserRecord, 'roles' | 'sites'>): string | undefined {
  if (!administers(actor)) return 'people are administered by administrators, and site administrators for their sites';
  if (actor.roles.includes('admin')) return undefined;
  if (before && !mayAdminister(actor, before)) return 'a site administrator administers the people of their own sites only';
  if (!withinSites(actor, after.sites)) return `a site administrator gives people only their own sites (${(actor.sites ?? []).join(', ')})`;
  const moved = ADMIN_ONLY_ROLES.filter((role) => after.roles.includes(role) !== Boolean(before?.roles.includes(role)));
  if (moved.length) return `only an administrator gives or takes the roles ${moved.join(', ')}`;
  return undefined;
}

/** Ids a page path takes (/admin/people/new, /admin/people/import): never a person's. */
const RESERVED_IDS = ['new', 'import'];

/** A directory id from an email: its local part, made safe and unique ("anna.berger", "anna.berger-2"). */
export async function newPersonId(ctx: FeatureContext, email: string, taken: ReadonlySet<string> = new Set()): Promise<string> {
  const base = (email.split('@')[0] ?? '').toLowerCase().replace(/[^\w.-]+/g, '-').slice(0, 56);
  const trimmed = base.slice(base.search(/[^.-]|$/)).split('').reverse().join('');
  const safe = trimmed.slice(trimmed.search(/[^.-]|$/)).split('').reverse().join('') || 'person';
  for (let n = 1; ; n += 1) {
    const id = n === 1 ? safe : `${safe}-${n}`;
    if (!taken.has(id) && !RESERVED_IDS.includes(id) && !(await ctx.store.getUser(id))) return id;
  }
}

/** A list of names from a form or an import cell: an array, or text separated by commas, semicolons or spaces. */
export function nameList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,;|]+/) : [value];
  return items.map((item) => (typeof item === 'string' ? item.trim() : (item as string))).filter((item) => item !== '');
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : value === undefined || value === null ? '' : String(value));

/** The person's input from changes over what they are now. */
function inputOf(existing: UserRecord | undefined, id: string, changes: PersonChanges): PersonInput {
  const given = (key: keyof PersonChanges) => changes[key] !== undefined;
  return {
    id,
    email: given('email') ? text(changes.email) : (existing?.email ?? ''),
    name: given('name') ? text(changes.name) : (existing?.name ?? ''),
    roles: given('roles') ? (nameList(changes.roles) ?? []) : (existing?.roles ?? []),
    sites: given('sites') ? (nameList(changes.sites) ?? []) : (existing?.sites ?? []),
    ...((given('managerId') ? text(changes.managerId) : existing?.managerId) && { managerId: given('managerId') ? text(changes.managerId) : existing!.managerId }),
    ...((given('locale') ? text(changes.locale) : existing?.locale) && { locale: given('locale') ? text(changes.locale) : existing!.locale }),
    ...(existing?.timeZone && { timeZone: existing.timeZone }),
    active: existing?.active ?? true,
  };
}

/** The manager must be another active person of the directory, and not someone who reports to this one. */
async function managerProblem(ctx: FeatureContext, personId: string, managerId: string | undefined): Promise<FieldError | undefined> {
  if (!managerId) return undefined;
  if (managerId === personId) return { field: 'managerId', message: 'a person cannot be their own manager' };
  let manager = await ctx.store.getUser(managerId);
  if (!manager?.active) return { field: 'managerId', message: `no active person "${managerId}"` };
  for (let depth = 0; manager?.managerId && depth < 100; depth += 1) {
    if (manager.managerId === personId) return { field: 'managerId', message: `${manager.name} reports to this person already (a circle of managers)` };
    manager = await ctx.store.getUser(manager.managerId);
  }
  return undefined;
}

async function actorOf(ctx: FeatureContext, actorId: string): Promise<UserRecord> {
  const actor = await ctx.store.getUser(actorId);
  if (!actor || !administers(actor)) throw new NotPermittedError('people are administered by administrators, and site administrators for their sites');
  return actor;
}

/** A person the actor administers; a person outside their sites is not there for them (404). */
async function personFor(ctx: FeatureContext, actor: UserRecord, id: string): Promise<UserRecord> {
  const person = await ctx.store.getUser(id);
  if (!person || !mayAdminister(actor, person)) throw new NotFoundError(`no person ${id}`);
  return person;
}

export interface PeopleFilter {
  /** Words of a name, email, id, role or site: every word must match. */
  search?: string;
  role?: string;
  site?: string;
  active?: boolean;
}

/** The people the actor administers, by name, filtered. */
export async function listPeople(ctx: FeatureContext, actorId: string, filter: PeopleFilter = {}): Promise<UserRecord[]> {
  const actor = await actorOf(ctx, actorId);
  const words = (filter.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const people = await ctx.store.listUsers({ ...(filter.role && { role: filter.role }), ...(filter.active !== undefined && { active: filter.active }) });
  return people
    .filter((p) => mayAdminister(actor, p))
    .filter((p) => !filter.site || p.sites?.includes(filter.site))
    .filter((p) => words.every((w) => `${p.name} ${p.email} ${p.id} ${p.roles.join(' ')} ${(p.sites ?? []).join(' ')}`.toLowerCase().includes(w)))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** A person as their administrator sees them: with their manager and the open tasks they hold. */
export async function personView(ctx: FeatureContext, actorId: string, id: string): Promise<{ person: UserRecord; manager?: UserRecord; openTasks: TaskRecord[] }> {
  const actor = await actorOf(ctx, actorId);
  const person = await personFor(ctx, actor, id);
  const manager = person.managerId ? await ctx.store.getUser(person.managerId) : undefined;
  const openTasks = await ctx.store.listTasks({ assignee: person.id, status: 'open', limit: 1000 });
  return { person, ...(manager && { manager }), openTasks };
}

/** Creates a person (active, without a password until one is set); the id is made from the email. */
export async function createPerson(ctx: FeatureContext, actorId: string, changes: PersonChanges, reason?: unknown): Promise<UserRecord> {
  const actor = await actorOf(ctx, actorId);
  const email = text(changes.email).toLowerCase();
  const input = inputOf(undefined, await newPersonId(ctx, email), changes);
  await check(ctx, actor, undefined, input);
  if (await ctx.store.getUserByEmail(email)) throw new ConflictError(`the email ${email} belongs to someone in the directory already`);
  const user = personRecord(input, undefined, ctx.now());
  const why = text(reason);
  await ctx.store.commit({ users: [user], audit: [auditEvent(ctx.clock, { actor: actor.id, action: 'user.created', target: `user:${user.id}`, new: profileOf(user), ...(why && { reason: why }) })] });
  return user;
}

/** Changes a person's name, email, roles, sites, manager or language, with a reason. */
export async function updatePerson(ctx: FeatureContext, actorId: string, id: string, changes: PersonChanges, reason: unknown): Promise<UserRecord> {
  requireReason(reason);
  const actor = await actorOf(ctx, actorId);
  return ctx.withRetry(async () => {
    const existing = await personFor(ctx, actor, id);
    const input = inputOf(existing, id, changes);
    await check(ctx, actor, existing, input);
    const user = personRecord(input, existing, ctx.now());
    const [before, after] = [profileOf(existing), profileOf(user)];
    if (JSON.stringify(before) === JSON.stringify(after)) return existing;
    await ctx.store.commit({ users: [user], audit: [auditEvent(ctx.clock, { actor: actor.id, action: 'user.updated', target: `user:${id}`, old: before, new: after, reason: text(reason) })] });
    return user;
  });
}

async function check(ctx: FeatureContext, actor: UserRecord, before: UserRecord | undefined, input: PersonInput): Promise<void> {
  const fields = personProblems(input);
  const manager = await managerProblem(ctx, input.id, input.managerId);
  if (manager) fields.push(manager);
  if (fields.length) throw new ValidationError('the person cannot be saved as given', fields);
  const refusal = administrationRefusal(actor, before, { roles: input.roles ?? [], sites: input.sites ?? [] });
  if (refusal) throw new NotPermittedError(refusal);
}

/** What deactivation did: the person, and where each of their open tasks went. */
export interface Deactivation {
  person: UserRecord;
  sessionsEnded: number;
  tokensRevoked: number;
  linksRevoked: number;
  tasks: { id: string; name: string; businessKey: string; handover: Handover; to: { assignee?: string; candidateRole?: string } }[];
}

/**
 * Deactivates a person, with a reason, in ONE commit: the record, their sessions ended, API tokens and
 * emailed links revoked, their open tasks handed over (./handover.ts), and an audit event for each.
 * Nobody deactivates themselves: an administration must not lock itself out by a slip.
 */
export async function deactivatePerson(ctx: FeatureContext, actorId: string, id: string, reason: unknown): Promise<Deactivation> {
  requireReason(reason);
  const actor = await actorOf(ctx, actorId);
  if (id === actor.id) throw new NotPermittedError('nobody deactivates their own account: ask another administrator');
  return ctx.withRetry(async () => {
    const existing = await personFor(ctx, actor, id);
    if (!existing.active) throw new ConflictError(`${existing.name} is deactivated already`);
    const user: UserRecord = { ...existing, active: false };
    const leaving = await offboarding(ctx, existing, actor.id, text(reason));
    const record = auditEvent(ctx.clock, { actor: actor.id, action: 'user.deactivated', target: `user:${id}`, old: { active: true }, new: { active: false }, reason: text(reason) });
    await ctx.store.commit({ ...leaving.change, users: [user], audit: [record, ...leaving.audit] });
    return {
      person: user,
      sessionsEnded: leaving.change.deleteSessions.length,
      tokensRevoked: leaving.change.apiTokens.length,
      linksRevoked: leaving.change.linkTokens.length,
      tasks: leaving.tasks.map(({ task, handover, to }) => ({ id: task.id, name: task.name, businessKey: task.businessKey, handover, to })),
    };
  });
}

/** Gives a deactivated person their account back, with a reason; revoked tokens and links stay revoked. */
export async function reactivatePerson(ctx: FeatureContext, actorId: string, id: string, reason: unknown): Promise<UserRecord> {
  requireReason(reason);
  const actor = await actorOf(ctx, actorId);
  return ctx.withRetry(async () => {
    const existing = await personFor(ctx, actor, id);
    if (existing.active) throw new ConflictError(`${existing.name} is active already`);
    const user: UserRecord = { ...existing, active: true };
    await ctx.store.commit({ users: [user], audit: [auditEvent(ctx.clock, { actor: actor.id, action: 'user.reactivated', target: `user:${id}`, old: { active: false }, new: { active: true }, reason: text(reason) })] });
    return user;
  });
}

/**
 * How the person's last deactivation went, read back from the audit trail (so a page can show it after
 * its redirect, on any node): when, why, by whom, and where each open task went.
 */
export async function lastDeactivation(ctx: FeatureContext, actorId: string, id: string): Promise<{ at: string; by: string; reason: string; tasks: Deactivation['tasks'] } | undefined> {
  const actor = await actorOf(ctx, actorId);
  await personFor(ctx, actor, id);
  const own = await ctx.store.listAudit({ target: `user:${id}`, limit: 100_000 });
  const event = own.filter((e) => e.action === 'user.deactivated').pop();
  if (!event) return undefined;
  const after = await ctx.store.listAudit({ afterSeq: event.seq, limit: 10_000 });
  const handed = after.filter((e) => e.action === 'task.reassigned' && e.at === event.at && e.actor === event.actor && (e.new as { handover?: Handover } | undefined)?.handover);
  const tasks: Deactivation['tasks'] = [];
  for (const e of handed) {
    const task = await ctx.store.getTask(e.target.replace(/^task:/, ''));
    const { handover, ...to } = e.new as { handover: Handover; assignee?: string; candidateRole?: string };
    if (task) tasks.push({ id: task.id, name: task.name, businessKey: task.businessKey, handover, to });
  }
  return { at: event.at, by: event.actor, reason: event.reason ?? '', tasks };
}
