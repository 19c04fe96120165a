import { canSee, visibleSites } from '../access/index.js';
import { mayPublish, mayReview } from '../change-control/index.js';
import { mayDecideExtension } from '../extensions/index.js';
import { DEFAULT_TITLE_FIELDS, isOverdue, recordTitle } from '../../kernel/present/index.js';
import type { DraftRecord, InstanceRecord, TaskRecord, UserRecord } from '../../kernel/model.js';
import type { FeatureContext } from '../context.js';

/**
 * The inbox (issue 16): everything that waits on one person, in one list. A task they hold or may claim
 * (at their sites), a submitted change they may sign (they did not edit it), an approved change they may
 * publish, and an extension request they may decide. The same rules the commands apply, so the inbox
 * never offers what the command then refuses.
 */

export type InboxKind = 'task' | 'review' | 'publish' | 'extension';

/** What is asked of the person: do a task, claim one for their role, sign a change, publish it, decide a request. */
export type InboxAsk = 'complete' | 'claim' | 'sign' | 'publish' | 'decide';

export interface InboxItem {
  kind: InboxKind;
  ask: InboxAsk;
  /** The record's title ("CAPA-2026-0004 · Leaking valve") or the changed process's name. */
  title: string;
  /** The step of a task (as authored; pages translate it), for the tasks and extension requests. */
  step?: string;
  /** The task's element, so pages name the step in the reader's language. */
  elementId?: string;
  /** Since when it waits on them: the task's creation, the submission, the approval, the request. */
  since: string;
  dueAt?: string;
  overdue: boolean;
  /** The page where they act on it. */
  link: string;
  taskId?: string;
  instanceId?: string;
  businessKey?: string;
  processKey: string;
  site?: string;
  escalationLevel?: number;
  draftId?: string;
  requestId?: string;
  /** Who asked: the author of a change, the person asking for more time (id and name). */
  from?: { id: string; name: string };
  /** An extension request's date asked for, and its reason; a change's reason. */
  toDueAt?: string;
  reason?: string;
}

export interface InboxOptions {
  /** The start-form fields that title each process's records, by process key. */
  titleFields?: Record<string, string[]>;
  /** At most this many tasks (default 500). */
  taskLimit?: number;
  /** false: records are named by their number only, without reading each record (a count needs no titles). */
  titles?: boolean;
}

const ORDER: Record<InboxKind, number> = { review: 0, publish: 1, extension: 2, task: 3 };

/** What waits on `user` now: overdue first, then by due date, then oldest first. */
export async function waitingOn(ctx: Pick<FeatureContext, 'store' | 'clock'>, user: UserRecord, options: InboxOptions = {}): Promise<InboxItem[]> {
  if (!user.active) return [];
  const now = ctx.clock.now();
  const titleFields = options.titleFields ?? {};
  const names = new Map<string, string>();
  const nameOf = async (id: string) => {
    if (!names.has(id)) names.set(id, (await ctx.store.getUser(id))?.name ?? id);
    return { id, name: names.get(id)! };
  };
  const instances = new Map<string, InstanceRecord | undefined>();
  const instanceOf = async (id: string) => {
    if (!instances.has(id)) instances.set(id, await ctx.store.getInstance(id));
    return instances.get(id);
  };
  const titleOf = async (task: TaskRecord) => {
    if (options.titles === false) return task.businessKey;
    const instance = await instanceOf(task.instanceId);
    return recordTitle(instance ?? { businessKey: task.businessKey, variables: {} }, titleFields[task.definitionKey] ?? DEFAULT_TITLE_FIELDS).text;
  };
  const taskFacts = (task: TaskRecord) => ({
    step: task.name,
    elementId: task.elementId,
    taskId: task.id,
    instanceId: task.instanceId,
    businessKey: task.businessKey,
    processKey: task.definitionKey,
    ...(task.site && { site: task.site }),
    ...(task.dueAt && { dueAt: task.dueAt }),
    overdue: isOverdue(task, now),
    ...(task.escalationLevel && { escalationLevel: task.escalationLevel }),
    link: `/tasks/${encodeURIComponent(task.id)}`,
  });

  const items: InboxItem[] = [];
  const sites = visibleSites(user);
  const mine = await ctx.store.listTasks({ forUser: { id: user.id, roles: user.roles }, status: 'open', ...(sites && { sites }), limit: options.taskLimit ?? 500 });
  for (const task of mine) {
    if (!canSee(user, task)) continue;
    items.push({ kind: 'task', ask: task.assignee ? 'complete' : 'claim', title: await titleOf(task), since: task.createdAt, ...taskFacts(task) });
  }

  if (mayReview(user.roles) || mayPublish(user.roles)) {
    const drafts = await ctx.store.listDrafts({ status: ['in-review', 'approved'] });
    for (const draft of drafts) {
      if (draft.status === 'in-review' && mayReview(user.roles) && !draft.editors.includes(user.id)) items.push(await draftItem(draft, 'review', nameOf));
      if (draft.status === 'approved' && mayPublish(user.roles)) items.push(await draftItem(draft, 'publish', nameOf));
    }
  }

  // extension requests: only people who may decide some (an owner role, admins) pay for the search
  const ownerRoles = new Set((await ctx.store.listDefinitions()).map((d) => d.ownerRole).filter(Boolean));
  const decides = user.roles.includes('admin') || user.roles.some((role) => ownerRoles.has(role));
  const open = decides ? await ctx.store.listTasks({ status: 'open', ...(sites && { sites }), limit: 10_000 }) : [];
  const pending = open.filter((t) => t.extensions?.some((r) => r.status === 'pending'));
  for (const task of pending) {
    const request = task.extensions!.find((r) => r.status === 'pending')!;
    if (request.requestedBy === user.id || !(await mayDecideExtension(ctx as FeatureContext, task, user))) continue;
    items.push({
      kind: 'extension',
      ask: 'decide',
      title: await titleOf(task),
      since: request.requestedAt,
      ...taskFacts(task),
      link: `/tasks/${encodeURIComponent(task.id)}#extensions-title`,
      requestId: request.id,
      from: await nameOf(request.requestedBy),
      toDueAt: request.toDueAt,
      reason: request.reason,
    });
  }
  return items.sort(byUrgency);
}

async function draftItem(draft: DraftRecord, kind: 'review' | 'publish', nameOf: (id: string) => Promise<{ id: string; name: string }>): Promise<InboxItem> {
  const since = kind === 'review' ? (draft.submittedAt ?? draft.updatedAt) : (draft.review?.at ?? draft.updatedAt);
  return {
    kind,
    ask: kind === 'review' ? 'sign' : 'publish',
    title: draft.name,
    since,
    overdue: false,
    link: `/modeler/drafts/${encodeURIComponent(draft.id)}/review`,
    processKey: draft.key,
    draftId: draft.id,
    from: await nameOf(draft.submittedBy ?? draft.createdBy),
    ...(draft.reason && { reason: draft.reason }),
  };
}

function byUrgency(a: InboxItem, b: InboxItem): number {
  if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
  if (a.dueAt && b.dueAt && a.dueAt !== b.dueAt) return a.dueAt < b.dueAt ? -1 : 1;
  if (Boolean(a.dueAt) !== Boolean(b.dueAt)) return a.dueAt ? -1 : 1;
  if (ORDER[a.kind] !== ORDER[b.kind]) return ORDER[a.kind] - ORDER[b.kind];
  return a.since < b.since ? -1 : a.since > b.since ? 1 : 0;
}
