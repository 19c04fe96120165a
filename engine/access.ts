import type { InstanceRecord, TaskRecord, UserRecord } from './model.js';

/**
 * Site visibility: one rule for the API, the pages and the engine's notifications. A person sees the
 * records of their sites and records that belong to no site; admins see every site.
 */

/** The sites a user may see: undefined means every site (admins). */
export function visibleSites(user: Pick<UserRecord, 'roles' | 'sites'>): string[] | undefined {
  return user.roles.includes('admin') ? undefined : (user.sites ?? []);
}

export function canSee(user: Pick<UserRecord, 'roles' | 'sites'>, record: Pick<InstanceRecord | TaskRecord, 'site'>): boolean {
  const sites = visibleSites(user);
  return sites === undefined || record.site === undefined || sites.includes(record.site);
}
