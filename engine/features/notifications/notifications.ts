import { randomUUID } from 'node:crypto';
import { outgoingMessage } from './outbox.js';
import { canSee, holdsTask } from '../access/index.js';
import type { Clock } from '../../kernel/clock.js';
import { addDuration, durationProblem } from '../../kernel/durations.js';
import { auditEvent } from '../../kernel/audit-event.js';
import type { TaskLinkSigner } from '../task-links/index.js';
import { renderNotice } from './templates.js';
import { dailyDigestJob, waitsForDigest } from './daily-digest.js';
import { changeNoticeChange } from './change-notices.js';
import { MailReaders } from './mail/readers.js';
import type {
  AuditInput,
  EscalationStep,
  ExtensionRequest,
  JobRecord,
  LinkTokenRecord,
  MessageRecord,
  NoticeKind,
  TaskRecord,
  UserRecord,
  UserTaskSpec,
} from '../../kernel/model.js';
import type { RecordStore } from '../../ports/record-store.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { CommitStore } from '../../ports/commit-store.js';
import type { ChangeSet } from '../../ports/commit-store.js';
import { RevisionConflict } from '../../kernel/errors.js';

/**
 * Who is told what about a task, and when. Defaults come from configuration; a user task's `ims:`
 * attributes override them (ims:remindBefore, ims:remindEvery, <ims:escalation>).
 */
export interface NotificationPolicy {
  /** A reminder this long before the due date. */
  remindBefore?: string;
  /** A reminder at the due date. */
  remindAtDue: boolean;
  /** Overdue reminders, repeated at this interval until the task is done. */
  remindEvery?: string;
  /** Escalation chain after the due date. `to`: a role, `manager` (the assignee's) or `process-owner`. */
  escalations: EscalationStep[];
  /** How long a task link in an email stays valid. */
  linkValidity: string;
  /** Tell the person who started the instance when one of its tasks is completed. */
  notifyRequesterOnCompletion: boolean;
}

export const DEFAULT_POLICY: NotificationPolicy = {
  remindBefore: 'P1D',
  remindAtDue: true,
  remindEvery: 'P2D',
  escalations: [
    { after: 'P3D', to: 'manager', reassign: false },
    { after: 'P10D', to: 'steering-committee', reassign: false },
  ],
  linkValidity: 'P30D',
  notifyRequesterOnCompletion: true,
};

export function checkPolicy(policy: NotificationPolicy): string[] {
  const problems: string[] = [];
  for (const [name, value] of [
    ['remindBefore', policy.remindBefore],
    ['remindEvery', policy.remindEvery],
    ['linkValidity', policy.linkValidity],
    ...policy.escalations.map((e, i) => [`escalations[${i}].after`, e.after]),
  ] as [string, string | undefined][]) {
    const problem = value === undefined ? null : durationProblem(value);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  return problems;
}

const NOTICE_JOB = (taskId: string, notice: NoticeKind, runAt: Date) => `notify-${taskId}-${notice}-${runAt.getTime()}`;

/** A job of a task, scheduled at `runAt`, carrying the task id. */
function taskJob(task: TaskRecord, id: string, kind: JobRecord['kind'], runAt: Date, payload: Record<string, unknown>): JobRecord {
  return { id, kind, runAt: runAt.toISOString(), status: 'scheduled', instanceId: task.instanceId, payload: { taskId: task.id, ...payload }, attempts: 0 };
}

/** The notice telling a task's people it is theirs now (a new task, or one reassigned). */
export function assignmentNoticeJob(task: TaskRecord, now: Date): JobRecord {
  return taskJob(task, NOTICE_JOB(task.id, 'assigned', now), 'notify', now, { notice: 'assigned' });
}

/**
 * The jobs a new task needs: the assignment notice now, reminders around the due date, the first overdue
 * reminder and each escalation step. Ids are deterministic (task, kind, time), so planning twice never
 * doubles a job, and a changed due date yields new ids.
 */
export function planTaskJobs(task: TaskRecord, spec: UserTaskSpec | undefined, policy: NotificationPolicy, now: Date): JobRecord[] {
  const job = (id: string, kind: JobRecord['kind'], runAt: Date, payload: Record<string, unknown>) => taskJob(task, id, kind, runAt, payload);
  const jobs = [assignmentNoticeJob(task, now)];
  if (!task.dueAt) return jobs;
  const due = new Date(task.dueAt);
  const remindBefore = spec?.remindBefore ?? policy.remindBefore;
  if (remindBefore) {
    const at = new Date(due.getTime() - (addDuration(remindBefore, due).getTime() - due.getTime()));
    if (at > now) jobs.push(job(NOTICE_JOB(task.id, 'reminder', at), 'notify', at, { notice: 'reminder' }));
  }
  if (policy.remindAtDue && due > now) jobs.push(job(NOTICE_JOB(task.id, 'due', due), 'notify', due, { notice: 'due' }));
  const remindEvery = spec?.remindEvery ?? policy.remindEvery;
  if (remindEvery) {
    const at = addDuration(remindEvery, due);
    jobs.push(job(NOTICE_JOB(task.id, 'overdue', at), 'notify', at, { notice: 'overdue', every: remindEvery }));
  }
  const chain = spec?.escalations.length ? spec.escalations : policy.escalations;
  chain.forEach((step, index) => {
    const at = addDuration(step.after, due);
    jobs.push(job(`escalation-${task.id}-${index + 1}-${at.getTime()}`, 'escalation', at, { level: index + 1, to: step.to, reassign: step.reassign }));
  });
  return jobs;
}

/** The notice to the requester when a task is completed. */
export function completionNoticeJob(task: TaskRecord, now: Date): JobRecord {
  return {
    id: NOTICE_JOB(task.id, 'completed', now),
    kind: 'notify',
    runAt: now.toISOString(),
    status: 'scheduled',
    instanceId: task.instanceId,
    payload: { taskId: task.id, notice: 'completed' },
    attempts: 0,
  };
}

/** Notices about a due-date extension request: to its approvers when asked, to the person who asked once decided. */
export type ExtensionNotice = 'extension-requested' | 'extension-decided';

const EXTENSION_NOTICES: readonly NoticeKind[] = ['extension-requested', 'extension-decided'];

/** The notice about an extension request, to run now; the task's revision keeps ids of repeated requests apart. */
export function extensionNoticeJob(task: TaskRecord, notice: ExtensionNotice, requestId: string, now: Date): JobRecord {
  return {
    id: `${NOTICE_JOB(task.id, notice, now)}-r${task.revision}`,
    kind: 'notify',
    runAt: now.toISOString(),
    status: 'scheduled',
    instanceId: task.instanceId,
    payload: { taskId: task.id, notice, requestId },
    attempts: 0,
  };
}

/** Scheduled jobs that belong to a task (notices, escalations), among an instance's jobs. */
export function jobsOfTask(jobs: JobRecord[], taskId: string): string[] {
  return jobs.filter((j) => j.payload.taskId === taskId && j.kind !== 'email').map((j) => j.id);
}

export interface NotifierOptions {
  store: RecordStore & AccountStore & CommitStore;
  clock: Clock;
  policy: NotificationPolicy;
  links: TaskLinkSigner;
  /** Where task links point, e.g. https://ims.example.com */
  baseUrl: string;
  /** Whether a mail server is configured: without one, messages are held in the outbox. */
  mailConfigured: boolean;
  /** Told about each link written into a held message, so a newcomer can click it from the log. */
  onHeldLink?: (message: MessageRecord) => void;
  /** Each recipient's language and zone, the packs' words and record titles; without: English on UTC. */
  mail?: MailReaders;
}

/**
 * Turns notice and escalation jobs into outbox messages (one per recipient, each with its own link
 * token), task history and audit events, committed with the job's completion so a job tells people once.
 */
export class Notifier {
  /** Where links point; settable because a server on port 0 learns its address only after listening. */
  baseUrl: string;

  /** Each recipient's reader, record titles and the packs' words (the digest made with the handlers shares them). */
  readonly mail: MailReaders;

  constructor(private readonly options: NotifierOptions) {
    this.baseUrl = options.baseUrl;
    this.mail = options.mail ?? new MailReaders();
  }

  private get store(): RecordStore & AccountStore & CommitStore {
    return this.options.store;
  }

  /** Told about each held message's link (the daily digest tells it too). */
  get onHeldLink(): ((message: MessageRecord) => void) | undefined {
    return this.options.onHeldLink;
  }

  /** Whether messages go out (a mail server is configured) or are held in the outbox. */
  get mailConfigured(): boolean {
    return this.options.mailConfigured;
  }

  async handleNotify(job: JobRecord, workerId: string): Promise<'sent' | 'stale'> {
    const notice = job.payload.notice as NoticeKind;
    if (job.payload.draftId !== undefined) return this.handleChangeNotice(job, workerId);
    const task = await this.store.getTask(String(job.payload.taskId));
    if (!task || (notice !== 'completed' && task.status !== 'open')) return this.finishStale(job, workerId);
    if (EXTENSION_NOTICES.includes(notice)) return this.handleExtensionNotice(job, workerId, task, notice as ExtensionNotice);
    const now = this.options.clock.now();
    let recipients: UserRecord[];
    if (notice === 'completed') {
      const instance = await this.store.getInstance(task.instanceId);
      const requester = instance ? await this.store.getUser(instance.startedBy) : undefined;
      recipients = requester?.active ? [requester] : [];
    } else {
      recipients = await this.taskRecipients(task);
    }
    const { messages, tokens, emailJobs, digestJobs } = await this.compose(notice, task, recipients, now, {});
    const scheduleJobs = [...emailJobs];
    if (notice === 'overdue') {
      const every = String(job.payload.every ?? '') || undefined;
      const next = this.nextOverdue(job, task, every);
      if (next) scheduleJobs.push(next);
    }
    const to = recipients.map((u) => u.id);
    const updated: TaskRecord = notice === 'completed' ? task : { ...task, notifications: [...(task.notifications ?? []), { at: now.toISOString(), kind: notice, to }], revision: task.revision + 1 };
    await this.commitOrRetryLater({
      tasks: notice === 'completed' ? [] : [{ record: updated, expectedRevision: task.revision }],
      messages,
      linkTokens: tokens,
      scheduleJobs,
      ensureJobs: digestJobs,
      finishJob: { id: job.id, lockedBy: workerId },
      audit: [
        auditEvent(this.options.clock, {
          actor: 'system',
          action: notice === 'completed' ? 'task.requester-notified' : 'task.notified',
          target: `task:${task.id}`,
          instanceId: task.instanceId,
          new: { notice, to, dueAt: task.dueAt },
          reason: recipients.length
            ? undefined
            : notice === 'completed'
              ? 'the person who started the instance is not a known active user'
              : 'nobody with an email address holds the task or its role',
        }),
      ],
    });
    return 'sent';
  }

  /** A notice about a change to a process (change control): to its reviewers, its author, its publishers. */
  private async handleChangeNotice(job: JobRecord, workerId: string): Promise<'sent' | 'stale'> {
    const change = await changeNoticeChange({ store: this.store, clock: this.options.clock, baseUrl: this.baseUrl, mailConfigured: this.options.mailConfigured, mail: this.mail }, job, workerId);
    if (!change) return this.finishStale(job, workerId);
    await this.commitOrRetryLater(change);
    return 'sent';
  }

  /**
   * Tells the approvers of a new extension request (holders of the process's owner role at the task's
   * site; admins when nobody holds it), never the person who asked; or tells the person who asked how it
   * was decided. The message links to the task page (signed in), not a personal task link: approvers do
   * not hold the task. The task record is left as it is; the audit trail says who was told.
   */
  private async handleExtensionNotice(job: JobRecord, workerId: string, task: TaskRecord, notice: ExtensionNotice): Promise<'sent' | 'stale'> {
    const request = task.extensions?.find((r) => r.id === job.payload.requestId);
    // decided before its approvers were told: nothing left to ask them
    if (!request || (notice === 'extension-requested' && request.status !== 'pending')) return this.finishStale(job, workerId);
    const now = this.options.clock.now();
    let recipients: UserRecord[];
    if (notice === 'extension-requested') {
      // the owner role of the version the record runs on: whom ProcessEngine.mayDecideExtension lets decide
      const instance = await this.store.getInstance(task.instanceId);
      const ownerRole = (instance ? await this.store.getDefinition(instance.key, instance.version) : await this.store.getDefinition(task.definitionKey))?.ownerRole;
      recipients = (ownerRole ? await this.roleAtSite(ownerRole, task) : []).filter((u) => u.id !== request.requestedBy);
      if (!recipients.length) recipients = (await this.roleAtSite('admin', task)).filter((u) => u.id !== request.requestedBy);
    } else {
      const requester = await this.store.getUser(request.requestedBy);
      recipients = requester?.active && canSee(requester, task) ? [requester] : [];
    }
    const actorId = notice === 'extension-requested' ? request.requestedBy : request.decidedBy;
    const actor = actorId ? await this.store.getUser(actorId) : undefined;
    const reminder = Number(job.payload.reminder ?? 0);
    const { messages, emailJobs, digestJobs } = await this.compose(notice, task, recipients, now, { extension: request, actorName: actor?.name ?? actorId, reminder: reminder > 0 });
    const to = recipients.map((u) => u.id);
    // a request nobody decides is asked again every remindEvery until it is decided (the check above drops a
    // reminder of a decided request)
    const interval = this.options.policy.remindEvery;
    const next = notice === 'extension-requested' && interval && recipients.length ? this.nextExtensionReminder(job, interval, reminder + 1) : undefined;
    await this.commitOrRetryLater({
      messages,
      scheduleJobs: next ? [...emailJobs, next] : emailJobs,
      ensureJobs: digestJobs,
      finishJob: { id: job.id, lockedBy: workerId },
      audit: [
        auditEvent(this.options.clock, {
          actor: 'system',
          action: 'task.notified',
          target: `task:${task.id}`,
          instanceId: task.instanceId,
          new: { notice, to, request: request.id, status: request.status, toDueAt: request.toDueAt, ...(reminder > 0 && { reminder }) },
          reason: recipients.length ? undefined : notice === 'extension-requested' ? 'nobody who may approve the extension is a known active user' : 'the person who asked is not a known active user',
        }),
      ],
    });
    return 'sent';
  }

  async handleEscalation(job: JobRecord, workerId: string): Promise<'sent' | 'stale'> {
    const task = await this.store.getTask(String(job.payload.taskId));
    if (!task || task.status !== 'open') return this.finishStale(job, workerId);
    const level = Number(job.payload.level);
    const target = String(job.payload.to);
    const reassign = job.payload.reassign === true;
    const now = this.options.clock.now();
    const recipients = await this.resolveTarget(target, task);
    let updated: TaskRecord = {
      ...task,
      escalationLevel: Math.max(task.escalationLevel ?? 0, level),
      notifications: [...(task.notifications ?? []), { at: now.toISOString(), kind: 'escalation', level, to: recipients.map((u) => u.id) }],
      revision: task.revision + 1,
    };
    const audit: AuditInput[] = [
      auditEvent(this.options.clock, {
        actor: 'system',
        action: 'task.escalated',
        target: `task:${task.id}`,
        instanceId: task.instanceId,
        old: { escalationLevel: task.escalationLevel ?? 0 },
        new: { escalationLevel: level, to: target, notified: recipients.map((u) => u.id) },
        reason: `task overdue since ${task.dueAt}`,
      }),
    ];
    const revoke: { taskId: string; reason: string; at: string }[] = [];
    if (reassign) {
      const isRole = target !== 'manager';
      const reassigned = isRole ? { candidateRole: target === 'process-owner' ? task.candidateRole : target, assignee: undefined } : { assignee: recipients[0]?.id ?? task.assignee };
      updated = { ...updated, ...reassigned };
      if (!reassigned.assignee) delete updated.assignee;
      revoke.push({ taskId: task.id, reason: `reassigned by escalation level ${level}`, at: now.toISOString() });
      audit.push(
        auditEvent(this.options.clock, {
          actor: 'system',
          action: 'task.reassigned',
          target: `task:${task.id}`,
          instanceId: task.instanceId,
          old: { assignee: task.assignee, candidateRole: task.candidateRole },
          new: { assignee: updated.assignee, candidateRole: updated.candidateRole },
          reason: `escalation level ${level}`,
        }),
      );
    }
    const { messages, tokens, emailJobs } = await this.compose('escalation', updated, recipients, now, { level });
    await this.commitOrRetryLater({
      tasks: [{ record: updated, expectedRevision: task.revision }],
      revokeLinkTokens: revoke,
      messages,
      linkTokens: tokens,
      scheduleJobs: emailJobs,
      finishJob: { id: job.id, lockedBy: workerId },
      audit,
    });
    return 'sent';
  }

  /**
   * The people a task is for: its assignee (their out-of-office delegate while they are away), or everyone
   * holding its candidate role at the task's site.
   */
  async taskRecipients(task: TaskRecord): Promise<UserRecord[]> {
    if (task.assignee) {
      const user = await this.store.getUser(task.assignee);
      if (user?.absence?.started) {
        const delegate = await this.store.getUser(user.absence.delegate);
        if (delegate?.active && delegate.standingInFor?.includes(user.id) && canSee(delegate, task)) return [delegate];
      }
      return user?.active ? [user] : [];
    }
    return task.candidateRole ? this.roleAtSite(task.candidateRole, task) : [];
  }

  /** Holders of a role who may see the task: a link is as good as a login, so never across sites. */
  private async roleAtSite(role: string, task: TaskRecord): Promise<UserRecord[]> {
    return (await this.store.listUsers({ role, active: true })).filter((user) => canSee(user, task));
  }

  private async resolveTarget(target: string, task: TaskRecord): Promise<UserRecord[]> {
    if (target === 'manager') {
      const assignee = task.assignee ? await this.store.getUser(task.assignee) : undefined;
      const manager = assignee?.managerId ? await this.store.getUser(assignee.managerId) : undefined;
      if (manager?.active && canSee(manager, task)) return [manager];
      target = 'process-owner';
    }
    if (target === 'process-owner') {
      const ownerRole = (await this.store.getDefinition(task.definitionKey))?.ownerRole;
      return ownerRole ? this.roleAtSite(ownerRole, task) : [];
    }
    return this.roleAtSite(target, task);
  }

  private async compose(notice: NoticeKind, task: TaskRecord, recipients: UserRecord[], now: Date, extra: { level?: number; extension?: ExtensionRequest; actorName?: string; reminder?: boolean }) {
    if (!recipients.length) return { messages: [], tokens: [], emailJobs: [], digestJobs: [] };
    // what every recipient's email names: the record by its title, people by their names
    const nameOf = async (id: string | undefined) => (id ? ((await this.store.getUser(id))?.name ?? id) : undefined);
    const [instance, assigneeName, completedByName] = await Promise.all([this.store.getInstance(task.instanceId), nameOf(task.assignee), nameOf(task.completedBy)]);
    const record = this.mail.titleOf(task, instance);
    const messages: MessageRecord[] = [];
    const tokens: LinkTokenRecord[] = [];
    const emailJobs: JobRecord[] = [];
    const digestJobs: JobRecord[] = [];
    const expiresAt = addDuration(this.options.policy.linkValidity, now);
    for (const user of recipients) {
      let link: string | undefined;
      if (EXTENSION_NOTICES.includes(notice) || (notice === 'escalation' && !holdsTask(user, task))) {
        // the task page, behind sign-in: an approver, or a manager told of an escalation, does not hold the
        // task, and a personal link is honoured only for its holder
        link = `${this.baseUrl}/tasks/${encodeURIComponent(task.id)}`;
      } else if (notice !== 'completed') {
        const token: LinkTokenRecord = { id: randomUUID(), taskId: task.id, userId: user.id, createdAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
        tokens.push(token);
        link = `${this.baseUrl}/t/${this.options.links.sign(token)}`;
      }
      const reader = this.mail.readerOf(user);
      const content = renderNotice(notice, { task, recipient: user, link, ...extra, record, assigneeName, completedByName, reader });
      const { message, emailJob } = outgoingMessage(
        { kind: notice, to: user.email, userId: user.id, ...content, taskId: task.id, instanceId: task.instanceId, ...(link && { link }) },
        { now, mailConfigured: this.options.mailConfigured },
      );
      if (waitsForDigest(notice, user)) {
        // kept for the person's daily digest (daily-digest.ts): no email of its own
        messages.push({ ...message, status: 'waiting' });
        digestJobs.push(dailyDigestJob(user, reader.timeZone, now));
        continue;
      }
      messages.push(message);
      if (emailJob) emailJobs.push(emailJob);
    }
    return { messages, tokens, emailJobs, digestJobs };
  }

  private nextExtensionReminder(job: JobRecord, interval: string, reminder: number): JobRecord {
    const at = addDuration(interval, new Date(job.runAt));
    return { ...job, id: `${job.id.replace(/-remind\d+$/, '')}-remind${reminder}`, runAt: at.toISOString(), status: 'scheduled', attempts: 0, payload: { ...job.payload, reminder }, lockedBy: undefined, lockedUntil: undefined, queuedAt: undefined, lastError: undefined };
  }

  private nextOverdue(job: JobRecord, task: TaskRecord, every?: string): JobRecord | undefined {
    const interval = every ?? this.options.policy.remindEvery;
    if (!interval) return undefined;
    const at = addDuration(interval, new Date(job.runAt));
    return { ...job, id: NOTICE_JOB(task.id, 'overdue', at), runAt: at.toISOString(), status: 'scheduled', attempts: 0, lockedBy: undefined, lockedUntil: undefined, queuedAt: undefined, lastError: undefined };
  }

  private async finishStale(job: JobRecord, workerId: string): Promise<'stale'> {
    await this.store.commit({ finishJob: { id: job.id, lockedBy: workerId }, audit: [] });
    return 'stale';
  }

  /**
   * A lost race on the task (it was completed meanwhile) is left to the job's retry, which then sees it.
   * Held messages' links are logged only once they are stored, so a logged link always works.
   */
  private async commitOrRetryLater(change: ChangeSet): Promise<void> {
    try {
      await this.store.commit(change);
      for (const message of change.messages ?? []) if (message.status === 'held') this.options.onHeldLink?.(message);
    } catch (err) {
      if (err instanceof RevisionConflict) throw new Error(`the task changed while it was being notified; retrying (${err.message})`, { cause: err });
      throw err;
    }
  }
}
