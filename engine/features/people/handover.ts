import { auditEvent } from '../../kernel/audit-event.js';
import type { AuditInput, TaskRecord, UserRecord } from '../../kernel/model.js';
import type { ChangeSet } from '../../ports/commit-store.js';
import { canSee } from '../access/index.js';
import { assignmentNoticeJob } from '../notifications/index.js';
import { DEACTIVATED } from '../task-links/index.js';
import type { FeatureContext } from '../context.js';

// Off-boarding: what deactivating a person changes besides their record, so that it lands in the same
// commit: their sessions end, their API tokens and emailed links are revoked, and every open task they
// hold goes to someone who can do it, each with the reason in the audit trail.

/** Where a deactivated person's open task went: its role's pool, their manager, or the process owners. */
export type Handover = 'role-pool' | 'manager' | 'escalated';

/** The role that takes a task nobody else can: the process's owner role, else the quality managers. */
const FALLBACK_ROLE = 'quality-manager';

export interface Offboarding {
  change: Required<Pick<ChangeSet, 'tasks' | 'deleteSessions' | 'apiTokens' | 'linkTokens' | 'revokeLinkTokens' | 'scheduleJobs'>>;
  audit: AuditInput[];
  /** Each open task and where it went. */
  tasks: { task: TaskRecord; handover: Handover; to: { assignee?: string; candidateRole?: string } }[];
}

/**
 * What deactivating `person` changes besides their record (read now; the caller commits it with the
 * record, inside withRetry, so a task that moved in between makes the whole change retry).
 *
 * Open tasks, as a QMS hands over work of someone who left: a task they claimed from a role's pool goes
 * back to that pool when someone else at its site holds the role; a task given to them by name goes to
 * their manager when the manager is active and of the task's site; anything else is escalated to the
 * process's owner role (the quality managers when it names none), who decide who does it.
 */
export async function offboarding(ctx: FeatureContext, person: UserRecord, actor: string, reason: string): Promise<Offboarding> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const target = `user:${person.id}`;
  const audit: AuditInput[] = [];

  const links = await ctx.store.listOpenLinkTokensOfUser(person.id);
  if (links.length) {
    audit.push(auditEvent(ctx.clock, { actor, action: 'user.links-revoked', target, old: { openLinks: links.length, tasks: [...new Set(links.map((t) => t.taskId))] }, new: { openLinks: 0 }, reason: DEACTIVATED }));
  }
  const sessions = await ctx.store.listSessionsOfUser(person.id);
  if (sessions.length) audit.push(auditEvent(ctx.clock, { actor, action: 'user.sessions-ended', target, old: { sessions: sessions.length }, new: { sessions: 0 }, reason }));
  const tokens = (await ctx.store.listApiTokens(person.id)).filter((t) => !t.revokedAt);
  for (const token of tokens) audit.push(auditEvent(ctx.clock, { actor, action: 'user.api-token-revoked', target, new: { token: token.id }, reason }));

  const manager = person.managerId && person.managerId !== person.id ? await ctx.store.getUser(person.managerId) : undefined;
  const open = await ctx.store.listTasks({ assignee: person.id, status: 'open', limit: 100_000 });
  const handed: Offboarding['tasks'] = [];
  const roleHolders = new Map<string, UserRecord[]>();
  const holdersOf = async (role: string) => {
    if (!roleHolders.has(role)) roleHolders.set(role, (await ctx.store.listUsers({ role, active: true })).filter((u) => u.id !== person.id));
    return roleHolders.get(role)!;
  };
  for (const task of open) {
    let handover: Handover;
    let to: { assignee?: string; candidateRole?: string };
    if (task.candidateRole && (await holdersOf(task.candidateRole)).some((u) => canSee(u, task))) {
      handover = 'role-pool';
      to = { candidateRole: task.candidateRole };
    } else if (manager?.active && canSee(manager, task)) {
      handover = 'manager';
      to = { assignee: manager.id, ...(task.candidateRole && { candidateRole: task.candidateRole }) };
    } else {
      handover = 'escalated';
      to = { candidateRole: (await ctx.compileFor(task.instanceId)).spec.ownerRole ?? FALLBACK_ROLE };
    }
    handed.push({ task, handover, to });
  }
  const updated = handed.map(({ task, to }) => {
    const record: TaskRecord = { ...task, revision: task.revision + 1 };
    delete record.assignee;
    delete record.candidateRole;
    return { ...record, ...to };
  });
  handed.forEach(({ task, handover, to }) => {
    audit.push(
      auditEvent(ctx.clock, {
        actor,
        action: 'task.reassigned',
        target: `task:${task.id}`,
        instanceId: task.instanceId,
        old: { assignee: task.assignee, candidateRole: task.candidateRole },
        new: { ...to, handover },
        reason: `${person.name} was deactivated (${reason}): ${HANDOVER_WORDS[handover]}`,
      }),
    );
  });
  return {
    change: {
      tasks: updated.map((record, i) => ({ record, expectedRevision: handed[i].task.revision })),
      deleteSessions: sessions.map((s) => s.id),
      apiTokens: tokens.map((t) => ({ ...t, revokedAt: at })),
      linkTokens: links.map((token) => ({ ...token, revokedAt: at, revokedReason: DEACTIVATED })),
      revokeLinkTokens: handed.map(({ task }) => ({ taskId: task.id, reason: `reassigned: ${person.name} was deactivated`, at })),
      scheduleJobs: updated.map((record) => {
        const notice = assignmentNoticeJob(record, now);
        return { ...notice, id: `${notice.id}-r${record.revision}` };
      }),
    },
    audit,
    tasks: handed,
  };
}

const HANDOVER_WORDS: Record<Handover, string> = {
  'role-pool': 'returned to its role for another holder to take',
  manager: 'given to their manager',
  escalated: 'escalated to the process owners: nobody else at its site could take it',
};
