import type { Clock } from '../../kernel/clock.js';
import { auditEvent } from '../../kernel/audit-event.js';
import type { JobRecord, MessageRecord, NoticeKind, UserRecord } from '../../kernel/model.js';
import { nextOccurrence } from '../scheduled-starts/index.js';
import type { Store } from '../../ports/store.js';
import { outgoingMessage } from './outbox.js';
import type { MailContent } from './mail/content.js';
import { MailReaders } from './mail/readers.js';
import { renderMail } from './mail/render.js';

/**
 * One email a day instead of one per notice, for people who chose it on their account page ("one mail with
 * 15 requests rather than 15 emails"). A notice for such a person is kept in the outbox as `waiting` (with
 * its own personal link, made as for an immediate notice) and its commit arms the person's digest job of
 * the next digest time on their clock: id `digest-day-<person>-<local date>`, inserted if absent, so however
 * many notices arrive or workers run it, a person's day has one digest. The job's commit writes the one
 * email, marks every notice in it `digested` and finishes the job.
 *
 * What goes in the digest: new tasks, reminders before the due date, completions, extension requests and
 * decisions. What still goes at once: the due-date notice, overdue reminders and escalations. They say
 * something is late or due now, and waiting until the next morning would make it later; a manager told of
 * an escalation is told at once whatever they chose. A task with an electronic signature is not treated
 * apart: the signature is about who signs, not about when.
 */

/** The notices a daily digest collects; the others (due, overdue, escalation) go at once. */
export const DIGEST_NOTICES: readonly NoticeKind[] = ['assigned', 'reminder', 'completed', 'extension-requested', 'extension-decided'];

/** When a daily digest goes out unless the person chose a time: 07:00 on their clock. */
export const DEFAULT_DIGEST_TIME = '07:00';

/** Whether this notice for this person waits for their daily digest. */
export function waitsForDigest(notice: NoticeKind, person: Pick<UserRecord, 'notices'>): boolean {
  return person.notices?.delivery === 'daily' && DIGEST_NOTICES.includes(notice);
}

/** The person's calendar day of an instant on their clock: YYYY-MM-DD. */
function localDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The digest job of the person's next digest time after `after`, on their clock. */
export function dailyDigestJob(person: Pick<UserRecord, 'id' | 'notices'>, timeZone: string, after: Date): JobRecord {
  const [hour, minute] = (person.notices?.at ?? DEFAULT_DIGEST_TIME).split(':').map(Number);
  const runAt = nextOccurrence({ cron: `${minute} ${hour} * * *`, timezone: timeZone }, after);
  const day = localDay(runAt, timeZone);
  return { id: `digest-day-${person.id}-${day}`, kind: 'digest', runAt: runAt.toISOString(), status: 'scheduled', payload: { userId: person.id, day }, attempts: 0 };
}

export interface DailyDigestOptions {
  store: Store;
  clock: Clock;
  /** Where the task list is, read at send time (a server on port 0 learns its address late). */
  baseUrl: () => string;
  mailConfigured: boolean;
  onHeldLink?: (message: MessageRecord) => void;
  mail?: MailReaders;
}

export class DailyDigest {
  private readonly mail: MailReaders;

  constructor(private readonly options: DailyDigestOptions) {
    this.mail = options.mail ?? new MailReaders();
  }

  /** Sends one person's digest of their waiting notices (none waiting: nothing sent), in one commit with the job. */
  async handle(job: JobRecord, workerId: string): Promise<'sent' | 'stale'> {
    const { store, clock } = this.options;
    const userId = String(job.payload.userId);
    const day = String(job.payload.day);
    const now = clock.now();
    const person = await store.getUser(userId);
    const waiting = (await store.listMessages({ status: 'waiting', userId, limit: 10_000 })).filter((m) => Date.parse(m.createdAt) <= now.getTime());
    // a notice about a task closed meanwhile is not worth a line: as an immediate one would be dropped
    const closed = new Set<string>();
    for (const taskId of new Set(waiting.filter((m) => m.taskId && m.kind !== 'completed').map((m) => m.taskId!))) {
      const task = await store.getTask(taskId);
      if (task && task.status !== 'open') closed.add(taskId);
    }
    const dropped = waiting.filter((m) => m.taskId && m.kind !== 'completed' && closed.has(m.taskId));
    const listed = waiting.filter((m) => !dropped.includes(m));
    const messages: MessageRecord[] = dropped.map((m) => ({ ...m, status: 'dropped', lastError: 'not sent: the task was closed before the daily digest went out' }));
    const scheduleJobs: JobRecord[] = [];
    let digest: MessageRecord | undefined;
    if (listed.length && person?.active) {
      const rendered = renderMail(this.content(person, listed, now));
      const { message, emailJob } = outgoingMessage(
        { kind: 'daily-digest', to: person.email, userId: person.id, ...rendered, link: `${this.options.baseUrl()}/tasks` },
        { now, mailConfigured: this.options.mailConfigured },
      );
      digest = message;
      if (emailJob) scheduleJobs.push(emailJob);
      messages.push(message, ...listed.map((m): MessageRecord => ({ ...m, status: 'digested', digestId: message.id, sentAt: now.toISOString() })));
    } else {
      messages.push(...listed.map((m): MessageRecord => ({ ...m, status: 'dropped', lastError: 'not sent: the person is no longer active' })));
    }
    await store.commit({
      messages,
      scheduleJobs,
      finishJob: { id: job.id, lockedBy: workerId },
      audit: [
        auditEvent(clock, {
          at: now,
          actor: 'system',
          action: 'digest.sent',
          target: `user:${userId}`,
          new: { day, to: digest ? [userId] : [], notices: listed.length, ...(dropped.length && { dropped: dropped.length }) },
          reason: digest ? undefined : listed.length ? 'the person is no longer active' : 'no notices were waiting',
        }),
      ],
    });
    if (digest?.status === 'held') this.options.onHeldLink?.(digest);
    // a notice committed while this ran found this day's job taken: it waits for the next day's
    const late = (await store.listMessages({ status: 'waiting', userId, limit: 1 })).length > 0;
    if (late && person) await store.commit({ ensureJobs: [dailyDigestJob(person, this.mail.readerOf(person).timeZone, now)], audit: [] });
    return digest ? 'sent' : 'stale';
  }

  /** The digest in the person's words: one line per notice with its link, newest last. */
  private content(person: UserRecord, notices: MessageRecord[], now: Date): MailContent {
    const reader = this.mail.readerOf(person);
    const { t } = reader;
    return {
      lang: reader.locale,
      subject: t('mail.daily.subject', { count: notices.length, day: reader.day(now) }),
      greeting: t('mail.greeting', { name: person.name }),
      lead: [t('mail.daily.lead', { count: notices.length })],
      facts: [],
      sections: [{ heading: t('mail.daily.heading'), links: notices.map((m) => ({ label: m.subject, ...(m.link && { href: m.link }), detail: t('mail.daily.when', { at: reader.dateTime(m.createdAt) }) })) }],
      action: { label: t('mail.daily.openTasks'), href: `${this.options.baseUrl()}/tasks`, note: t('mail.daily.note') },
      footnote: `${t('mail.daily.why')} ${t('mail.timesIn', { zone: reader.zoneName() })}`,
      signature: t('mail.signature'),
    };
  }
}
