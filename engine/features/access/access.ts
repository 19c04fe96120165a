import type { InstanceRecord, TaskRecord, UserRecord } from '../../kernel/model.js';

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

/**
 * Who holds a task, and so may complete it: one rule for a signed-in session, an API token, an email link
 * and the engine's own checks (extension requests).
 */

/**
 * Whether the user holds the task: assigned to them (or to someone they stand in for while that person is
 * out of office), or unassigned and for one of their roles.
 */
export function holdsTask(user: Pick<UserRecord, 'id' | 'roles' | 'standingInFor'>, task: Pick<TaskRecord, 'assignee' | 'candidateRole'>): boolean {
  if (task.assignee) return task.assignee === user.id || Boolean(user.standingInFor?.includes(task.assignee));
  return Boolean(task.candidateRole && user.roles.includes(task.candidateRole));
}

/** Why a person may not work on a task now: no longer active, not of the task's site, or not its holder. */
export type NotHolder = 'inactive' | 'other-site' | 'not-holder';

/**
 * Whether a person may work on (complete) an open task: active, of its site, and its holder. Undefined
 * when they may; else why not, so a page can say it in words.
 */
export function whyNotHolder(user: Pick<UserRecord, 'id' | 'roles' | 'sites' | 'active' | 'standingInFor'>, task: Pick<TaskRecord, 'assignee' | 'candidateRole' | 'site'>): NotHolder | undefined {
  if (!user.active) return 'inactive';
  if (!canSee(user, task)) return 'other-site';
  if (!holdsTask(user, task)) return 'not-holder';
  return undefined;
}

/** Whether `user` holds the task only as someone's out-of-office delegate: then whose task it is. */
export function standingInForHolder(user: Pick<UserRecord, 'id' | 'standingInFor'>, task: Pick<TaskRecord, 'assignee'>): string | undefined {
  return task.assignee && task.assignee !== user.id && user.standingInFor?.includes(task.assignee) ? task.assignee : undefined;
}
