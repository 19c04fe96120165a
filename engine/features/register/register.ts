import { randomUUID } from 'node:crypto';
import { auditEvent } from '../../kernel/audit-event.js';
import type { Clock } from '../../kernel/clock.js';
import { NotFoundError, NotPermittedError, ValidationError } from '../../kernel/errors.js';
import type { InstanceStatus, TaskRecord, UserRecord } from '../../kernel/model.js';
import { escalationLevel, isOverdue } from '../../kernel/present/index.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { CommitStore } from '../../ports/commit-store.js';
import type { RecordStore } from '../../ports/record-store.js';
import type { RegisterQuery, RegisterRow, RegisterSort, RegisterStore } from '../../ports/register-store.js';
import { visibleSites } from '../access/index.js';

/**
 * The records register: every record a person may see, searched by number, title and data, filtered,
 * sorted and paged over the register projection (projection.ts), with the step each record waits on; and
 * the views people save of it. Overseers see the records of their sites; everyone else the records they
 * are involved in (the rule of the record page: started by them, or a task they hold, held or completed).
 */

export const REGISTER_SORTS: readonly RegisterSort[] = ['number', 'opened', 'due', 'status'];
export const REGISTER_STATUSES: readonly InstanceStatus[] = ['running', 'completed', 'cancelled', 'incident'];
export const MAX_PAGE_SIZE = 200;
export const MAX_VIEWS = 30;

/** A saved view of the register: a name and the register's query (its filters, sort and page size), kept with its person. */
export type RegisterView = NonNullable<UserRecord['registerViews']>[number];

/** What a person asks the register for; dates are calendar days (UTC), both ends included. */
export interface RegisterFilters {
  search?: string;
  processes?: string[];
  statuses?: InstanceStatus[];
  site?: string;
  /** A person's id: records with an open task assigned to them. */
  owner?: string;
  overdue?: boolean;
  openedFrom?: string;
  openedTo?: string;
  closedFrom?: string;
  closedTo?: string;
  /** A record number: records linked to it. */
  linkedTo?: string;
  sort?: RegisterSort;
  direction?: 'asc' | 'desc';
  /** From 1. */
  page?: number;
  pageSize?: number;
}

/** The step a record waits on: its open task due first (or made first, when none is due). */
export interface CurrentStep {
  taskId: string;
  /** The step's element in the process (what its name is translated by). */
  elementId: string;
  name: string;
  assignee?: string;
  candidateRole?: string;
  dueAt?: string;
  overdue: boolean;
  escalationLevel: number;
}

export interface RegisterItem extends RegisterRow {
  step?: CurrentStep;
  /** Open tasks besides the current step. */
  otherOpenTasks: number;
}

export interface RegisterResult {
  total: number;
  page: number;
  pages: number;
  pageSize: number;
  items: RegisterItem[];
}

type Viewer = Pick<UserRecord, 'id' | 'roles' | 'sites'>;

const DAY_MS = 86_400_000;
const dayStart = (day: string) => `${day}T00:00:00.000Z`;
const dayAfter = (day: string) => new Date(Date.parse(dayStart(day)) + DAY_MS).toISOString();

export class RecordRegister {
  constructor(
    private readonly store: RegisterStore & Pick<RecordStore, 'listTasks'> & Pick<AccountStore, 'getUser'> & Pick<CommitStore, 'commit'>,
    private readonly clock: Clock,
  ) {}

  /** The store query for a viewer's filters: their sites (403 for a site not theirs) and, unless they oversee, their involvement. */
  query(viewer: Viewer, filters: RegisterFilters, oversees: boolean): RegisterQuery {
    const visible = visibleSites(viewer);
    if (filters.site !== undefined && visible !== undefined && !visible.includes(filters.site)) throw new NotPermittedError(`you do not belong to site ${filters.site}`);
    const pageSize = Math.min(MAX_PAGE_SIZE, filters.pageSize ?? 25);
    return {
      search: filters.search,
      processes: filters.processes?.length ? filters.processes : undefined,
      statuses: filters.statuses?.length ? filters.statuses : undefined,
      sites: filters.site !== undefined ? { in: [filters.site], orNone: false } : visible && { in: visible, orNone: true },
      owner: filters.owner,
      overdueAt: filters.overdue ? this.clock.now().toISOString() : undefined,
      openedFrom: filters.openedFrom && dayStart(filters.openedFrom),
      openedBefore: filters.openedTo && dayAfter(filters.openedTo),
      closedFrom: filters.closedFrom && dayStart(filters.closedFrom),
      closedBefore: filters.closedTo && dayAfter(filters.closedTo),
      linkedTo: filters.linkedTo,
      involving: oversees ? undefined : { userId: viewer.id, roles: viewer.roles },
      sort: filters.sort,
      direction: filters.direction,
      limit: pageSize,
      offset: ((filters.page ?? 1) - 1) * pageSize,
    };
  }

  /** One page of the records the viewer may see that match, each with the step it waits on. */
  async search(viewer: Viewer, filters: RegisterFilters, oversees: boolean): Promise<RegisterResult> {
    const query = this.query(viewer, filters, oversees);
    const { total, rows } = await this.store.searchRegister(query);
    // by record only (the index on instance_id), the open ones kept here: a status filter would make the store walk every open task
    const open = rows.length ? (await this.store.listTasks({ instanceIds: rows.map((r) => r.instanceId), limit: 10_000 })).filter((t) => t.status === 'open') : [];
    const byRecord = new Map<string, TaskRecord[]>();
    for (const task of open) byRecord.set(task.instanceId, [...(byRecord.get(task.instanceId) ?? []), task]);
    const now = this.clock.now();
    const items = rows.map((row): RegisterItem => {
      const tasks = byRecord.get(row.instanceId) ?? [];
      const first = tasks.slice().sort((a, b) => (a.dueAt ?? '\uffff').localeCompare(b.dueAt ?? '\uffff') || a.createdAt.localeCompare(b.createdAt))[0];
      const step = first && {
        taskId: first.id,
        elementId: first.elementId,
        name: first.name,
        ...(first.assignee && { assignee: first.assignee }),
        ...(first.candidateRole && { candidateRole: first.candidateRole }),
        ...(first.dueAt && { dueAt: first.dueAt }),
        overdue: isOverdue(first, now),
        escalationLevel: escalationLevel(first),
      };
      return { ...row, ...(step && { step }), otherOpenTasks: Math.max(0, tasks.length - 1) };
    });
    const pageSize = query.limit ?? 25;
    return { total, page: filters.page ?? 1, pages: Math.max(1, Math.ceil(total / pageSize)), pageSize, items };
  }

  // ---- saved views ---------------------------------------------------------------------------------

  async views(userId: string): Promise<RegisterView[]> {
    return (await this.store.getUser(userId))?.registerViews ?? [];
  }

  /** Saves a view (a name and the register's query string) for its person; a view of the same name is replaced. */
  async saveView(actor: string, input: { name: string; query: Record<string, string> }): Promise<RegisterView> {
    const name = input.name.trim();
    if (!name) throw new ValidationError('give the view a name', [{ field: 'name', message: 'is required' }]);
    if (name.length > 80) throw new ValidationError('the name is too long', [{ field: 'name', message: 'at most 80 characters' }]);
    const user = await this.person(actor);
    const before = user.registerViews ?? [];
    const replaced = before.find((v) => v.name.toLowerCase() === name.toLowerCase());
    if (!replaced && before.length >= MAX_VIEWS) throw new ValidationError(`you have ${MAX_VIEWS} views already: delete one first`, [{ field: 'name', message: `at most ${MAX_VIEWS} views` }]);
    const view: RegisterView = { id: replaced?.id ?? randomUUID(), name, query: input.query, savedAt: this.clock.now().toISOString() };
    const after = replaced ? before.map((v) => (v.id === replaced.id ? view : v)) : [...before, view];
    await this.store.commit({
      users: [{ ...user, registerViews: after }],
      audit: [auditEvent(this.clock, { actor, action: 'register.view-saved', target: `user:${actor}`, old: replaced && { name: replaced.name, query: replaced.query }, new: { name: view.name, query: view.query } })],
    });
    return view;
  }

  async deleteView(actor: string, viewId: string): Promise<void> {
    const user = await this.person(actor);
    const view = (user.registerViews ?? []).find((v) => v.id === viewId);
    if (!view) throw new NotFoundError(`no saved view ${viewId}`);
    await this.store.commit({
      users: [{ ...user, registerViews: (user.registerViews ?? []).filter((v) => v.id !== viewId) }],
      audit: [auditEvent(this.clock, { actor, action: 'register.view-deleted', target: `user:${actor}`, old: { name: view.name, query: view.query } })],
    });
  }

  private async person(id: string): Promise<UserRecord> {
    const user = await this.store.getUser(id);
    if (!user) throw new NotFoundError(`no person ${id}`);
    return user;
  }
}
