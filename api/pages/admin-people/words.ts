import { ROLES } from '../../../engine/kernel/model.js';
import { SITE_ADMIN } from '../../../engine/features/people/index.js';
import type { Reader } from '../../../engine/kernel/i18n/index.js';

/** The roles an administrator gives on these pages, in the order people know them. */
export const ROLE_CHOICES: readonly string[] = [...ROLES.filter((r) => r !== 'integration'), SITE_ADMIN, 'integration'];

/** A role's name for a person ("Quality manager"); a custom role as written. */
export function roleName(reader: Pick<Reader, 't'>, role: string): string {
  return ROLE_CHOICES.includes(role) ? reader.t(`adminPeople.role.${role}`) : role;
}

/** The roles of a person in words, or "none". */
export function rolesText(reader: Pick<Reader, 't'>, roles: readonly string[]): string {
  return roles.length ? roles.map((r) => roleName(reader, r)).join(', ') : reader.t('adminPeople.none');
}

/** Form field names of the person form, by the engine's field names: where a problem is shown. */
export const FIELD_IDS: Record<string, string> = { email: 'person-email', name: 'person-name', roles: 'person-roles', sites: 'person-sites', managerId: 'person-manager', locale: 'person-locale', reason: 'person-reason', id: 'person-email' };

/** A person's sites in words: an admin without sites sees every site. */
export function sitesText(reader: Pick<Reader, 't'>, person: { roles: readonly string[]; sites?: readonly string[] }): string {
  if (person.sites?.length) return person.sites.join(', ');
  return person.roles.includes('admin') ? reader.t('adminPeople.allSites') : reader.t('adminPeople.none');
}
