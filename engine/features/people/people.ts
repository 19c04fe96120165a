import { auditEvent } from '../../kernel/audit-event.js';
import { NotFoundError, NotPermittedError, ValidationError, type FieldError } from '../../kernel/errors.js';
import { DEACTIVATED } from '../task-links/index.js';
import type { UserRecord } from '../../kernel/model.js';
import { canonicalLocale, isTimeZone } from '../../kernel/i18n/index.js';
import type { FeatureContext } from '../context.js';
import { offboarding } from './handover.js';

// The directory of people: who tasks go to, who is told.

/** What a person is made of in the directory, as given by an admin, a page or an import row. */
export interface PersonInput {
  id: string;
  email: string;
  name: string;
  roles?: string[];
  sites?: string[];
  managerId?: string;
  locale?: string;
  timeZone?: string;
  active?: boolean;
}

/** The problems of a person's fields, each naming its field; none: it may be saved. */
export function personProblems(input: PersonInput): FieldError[] {
  const fields: FieldError[] = [];
  if (typeof input.id !== 'string' || !/^[\w.@-]{1,64}$/.test(input.id)) fields.push({ field: 'id', message: 'use 1–64 letters, digits, ".", "_", "@" or "-"' });
  // the first dot after the domain's first character, with text after it: the addresses the old
  // /@[^\s@<>]+\.[^\s@<>]+$/ took, without two quantifiers trading dots (quadratic on "a@.....<")
  if (typeof input.email !== 'string' || input.email.length > 254 || !/^[^\s@<>]+@[^\s@<>][^\s@<>.]*\.[^\s@<>]+$/.test(input.email)) fields.push({ field: 'email', message: 'is not an email address' });
  if (typeof input.name !== 'string' || !input.name.trim()) fields.push({ field: 'name', message: 'is required' });
  else if (input.name.length > 200) fields.push({ field: 'name', message: 'is longer than 200 characters' });
  const roles = input.roles ?? [];
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string' || !/^[a-z][a-z0-9-]{0,63}$/.test(r))) fields.push({ field: 'roles', message: 'roles are lower-case names such as quality-manager' });
  const sites = input.sites ?? [];
  if (!Array.isArray(sites) || sites.some((site) => typeof site !== 'string' || !/^[\w.-]{1,64}$/.test(site))) fields.push({ field: 'sites', message: 'sites are names of 1–64 letters, digits, ".", "_" or "-"' });
  if (input.locale && !canonicalLocale(input.locale)) fields.push({ field: 'locale', message: 'must be a locale in English, German or French, e.g. en-IE, de-CH or fr-FR' });
  if (input.timeZone && (typeof input.timeZone !== 'string' || !isTimeZone(input.timeZone))) fields.push({ field: 'timeZone', message: 'must be a time zone such as Europe/Zurich' });
  return fields;
}

/** The record a person's input makes, keeping what the input does not set (credentials, creation time). */
export function personRecord(input: PersonInput, existing: UserRecord | undefined, now: string): UserRecord {
  const locale = input.locale ? canonicalLocale(input.locale) : undefined;
  return {
    ...(existing && credentialsOf(existing)),
    id: input.id,
    email: input.email.toLowerCase(),
    name: input.name.trim(),
    roles: [...new Set(input.roles ?? [])].sort(),
    sites: [...new Set(input.sites ?? [])].sort(),
    ...(input.managerId && { managerId: input.managerId }),
    ...(locale && { locale }),
    ...(input.timeZone && { timeZone: input.timeZone }),
    active: input.active ?? true,
    createdAt: existing?.createdAt ?? now,
    // what the person keeps for themselves stays through an edit of their profile
    ...(existing?.registerViews && { registerViews: existing.registerViews }),
  };
}

/**
 * Creates or updates a person in the directory (who tasks go to, who is told): PUT /api/users/:id, for
 * admins. Deactivating here off-boards as the administration pages do (./handover.ts), in the same commit.
 */
export async function saveUser(ctx: FeatureContext, input: PersonInput, actor: string): Promise<UserRecord> {
  const fields = personProblems(input);
  if (fields.length) throw new ValidationError('invalid user', fields);
  return ctx.withRetry(async () => {
    const existing = await ctx.store.getUser(input.id);
    const user = personRecord(input, existing, ctx.now());
    const audit = [auditEvent(ctx.clock, { actor, action: existing ? 'user.updated' : 'user.created', target: `user:${user.id}`, old: existing && profileOf(existing), new: profileOf(user) })];
    // Off-boarding closes every door: sessions, tokens and links end, open tasks go to others.
    const leaving = existing?.active && !user.active ? await offboarding(ctx, existing, actor, DEACTIVATED) : undefined;
    await ctx.store.commit({ ...leaving?.change, users: [user], audit: [...audit, ...(leaving?.audit ?? [])] });
    return user;
  });
}

/** What a person reads in, as they chose it; absent: their site's, then the installation's. */
export interface ReadingPreferences {
  locale?: string;
  timeZone?: string;
}

/**
 * A person sets their own reading preferences: the language and formats (locale) and the clock (time zone)
 * their pages and emails use. Only their own: an admin changes other people with saveUser. An empty value
 * goes back to the site's default. Nothing else of the profile moves; the audit trail records old → new.
 */
export async function setReadingPreferences(ctx: FeatureContext, personId: string, input: { locale?: unknown; timeZone?: unknown }, actor: string): Promise<UserRecord> {
  if (actor !== personId) throw new NotPermittedError('a person sets only their own language and time zone');
  const fields: FieldError[] = [];
  const given = (value: unknown) => (typeof value === 'string' ? value.trim() : value === undefined || value === null ? '' : undefined);
  const localeText = given(input.locale);
  const zoneText = given(input.timeZone);
  const locale = localeText ? canonicalLocale(localeText) : undefined;
  if (localeText === undefined || (localeText && !locale)) fields.push({ field: 'locale', message: 'must be a locale in English, German or French, e.g. en-IE, de-CH or fr-FR' });
  if (zoneText === undefined || (zoneText && !isTimeZone(zoneText))) fields.push({ field: 'timeZone', message: 'must be a time zone such as Europe/Zurich' });
  if (fields.length) throw new ValidationError('invalid reading preferences', fields);
  return ctx.withRetry(async () => {
    const existing = await ctx.store.getUser(personId);
    if (!existing || !existing.active) throw new NotFoundError(`no user ${personId}`);
    const { locale: _oldLocale, timeZone: _oldZone, ...rest } = existing;
    const user: UserRecord = { ...rest, ...(locale && { locale }), ...(zoneText && { timeZone: zoneText }) };
    const before = preferencesOf(existing);
    const after = preferencesOf(user);
    if (before.locale === after.locale && before.timeZone === after.timeZone) return existing;
    await ctx.store.commit({ users: [user], audit: [auditEvent(ctx.clock, { actor, action: 'user.preferences-changed', target: `user:${personId}`, old: before, new: after })] });
    return user;
  });
}

function preferencesOf(user: UserRecord): ReadingPreferences {
  return { ...(user.locale && { locale: user.locale }), ...(user.timeZone && { timeZone: user.timeZone }) };
}

/** What the audit trail shows of a user: never the password hash or login counters. */
export function profileOf(user: UserRecord): Pick<UserRecord, 'id' | 'email' | 'name' | 'roles' | 'sites' | 'managerId' | 'locale' | 'timeZone' | 'active'> {
  const { id, email, name, roles, sites, managerId, locale, timeZone, active } = user;
  return { id, email, name, roles, ...(sites && { sites }), ...(managerId && { managerId }), ...(locale && { locale }), ...(timeZone && { timeZone }), active };
}

/** The fields a profile update keeps as they are: credentials and what the person chose on their account page. */
function credentialsOf(user: UserRecord): Partial<UserRecord> {
  const { passwordHash, passwordChangedAt, failedLogins, lockedUntil, notices, absence, standingInFor } = user;
  return {
    ...(passwordHash && { passwordHash }),
    ...(passwordChangedAt && { passwordChangedAt }),
    ...(failedLogins && { failedLogins }),
    ...(lockedUntil && { lockedUntil }),
    ...(notices && { notices }),
    ...(absence && { absence }),
    ...(standingInFor && { standingInFor }),
  };
}
