import type { Clock } from '../../kernel/clock.js';
import { drillDown, isoWeekOf, type PackFigure, readFor, resolveContext, taskFigures } from '../dashboard/index.js';
import { auditEvent } from '../../kernel/audit-event.js';
import type { JobRecord, MessageRecord, UserRecord } from '../../kernel/model.js';
import { outgoingMessage } from './outbox.js';
import { cronProblem, nextOccurrence } from '../scheduled-starts/index.js';
import type { Store } from '../../ports/store.js';
import { digestContent } from './mail/digest-mail.js';
import { MailReaders } from './mail/readers.js';
import { renderMail } from './mail/render.js';

/**
 * The steering committee's weekly digest: every active holder of the role `steering-committee` gets the
 * overdue summary of their sites (what the dashboard shows them: totals, aging, by site and process, the
 * oldest overdue tasks, and the sections the packs' figures add: PackFigure.digest) with a link to the
 * dashboard, through the outbox like every other email.
 *
 * One durable job per ISO week, id `digest-<week>`: every process arms the next one at start with an
 * insert-if-absent (ChangeSet.ensureJobs), the runner that claims it (embedded scheduler or a BullMQ
 * worker) writes the messages, arms the following week's and finishes the job in one commit. However
 * many processes arm it or workers run it, a week's digest is sent once.
 */

export const DIGEST_ROLE = 'steering-committee';
/** How many of the oldest overdue tasks the digest lists. */
export const DIGEST_LIST = 10;

export interface DigestOptions {
  store: Store;
  clock: Clock;
  /** When it goes out: a cron expression (default Mondays 07:00) in a time zone. */
  cron: string;
  timezone: string;
  /** Where the dashboard is, e.g. https://ims.example.com (read at send time: a server on port 0 learns it late). */
  baseUrl: () => string;
  mailConfigured: boolean;
  onHeldLink?: (message: MessageRecord) => void;
  /** Each recipient's language and zone, the packs' words and record titles; without: English on UTC. */
  mail?: MailReaders;
  /** The packs' figures: those with a `digest` add their sections, summarised for the recipient's sites. */
  figures?: readonly PackFigure[];
}

export const DEFAULT_DIGEST = { cron: '0 7 * * 1', timezone: 'UTC' };

export class WeeklyDigest {
  private readonly mail: MailReaders;

  constructor(private readonly options: DigestOptions) {
    this.mail = options.mail ?? new MailReaders();
    const problem = cronProblem(options.cron, options.timezone);
    if (problem) throw new Error(`invalid configuration:\n  IMSFLOW_DIGEST: ${problem}`);
  }

  /** The digest job of the first occurrence after `after`. */
  jobAfter(after: Date): JobRecord {
    const runAt = nextOccurrence({ cron: this.options.cron, timezone: this.options.timezone }, after);
    return { id: `digest-${isoWeekOf(runAt)}`, kind: 'digest', runAt: runAt.toISOString(), status: 'scheduled', payload: { week: isoWeekOf(runAt) }, attempts: 0 };
  }

  /** Arms the next digest unless its week's job exists already (armed, running or sent). */
  async arm(): Promise<JobRecord> {
    const job = this.jobAfter(this.options.clock.now());
    await this.options.store.commit({ ensureJobs: [job], audit: [] });
    return job;
  }

  async handle(job: JobRecord, workerId: string): Promise<'sent'> {
    const { store, clock } = this.options;
    const now = clock.now();
    const week = String(job.payload.week ?? isoWeekOf(new Date(job.runAt)));
    const recipients = (await store.listUsers({ role: DIGEST_ROLE, active: true })).filter((u) => u.email);
    const messages: MessageRecord[] = [];
    const emailJobs: JobRecord[] = [];
    const summary: Record<string, { overdue: number; open: number }> = {};
    for (const user of recipients) {
      const content = await this.compose(user, week, now);
      summary[user.id] = content.figures;
      const { message, emailJob } = outgoingMessage(
        { kind: 'digest', to: user.email, userId: user.id, subject: content.subject, text: content.text, html: content.html, link: content.link },
        { now, mailConfigured: this.options.mailConfigured },
      );
      messages.push(message);
      if (emailJob) emailJobs.push(emailJob);
    }
    // the following week's, armed after this one's run time so a late run never arms its own week again
    const next = this.jobAfter(new Date(Math.max(now.getTime(), Date.parse(job.runAt))));
    await store.commit({
      messages,
      scheduleJobs: emailJobs,
      ensureJobs: next.id === job.id ? [] : [next],
      finishJob: { id: job.id, lockedBy: workerId },
      audit: [
        auditEvent(this.options.clock, {
          at: now,
          actor: 'system',
          action: 'digest.sent',
          target: `digest:${week}`,
          new: { week, to: recipients.map((u) => u.id), figures: summary, next: next.runAt },
          reason: recipients.length === 0 ? `nobody active holds the role ${DIGEST_ROLE}` : undefined,
        }),
      ],
    });
    for (const message of messages) if (message.status === 'held') this.options.onHeldLink?.(message);
    return 'sent';
  }

  /** One person's digest: the dashboard's figures for their sites, now, in their language and on their clock. */
  private async compose(user: UserRecord, week: string, now: Date) {
    const { store } = this.options;
    const context = resolveContext(user, {}, now);
    const [figures, overdue] = await Promise.all([taskFigures(store, context), drillDown(store, context, { figure: 'overdue' }, DIGEST_LIST)]);
    const oldest = await Promise.all(
      overdue.items.map(async (item) => {
        const [task, instance] = await Promise.all([store.getTask(String(item.taskId)), store.getInstance(String(item.instanceId))]);
        return { item, task, instance };
      }),
    );
    const reader = this.mail.readerOf(user);
    // the packs' own lines, from the same summaries the dashboard shows this person
    const packs = await Promise.all(
      (this.options.figures ?? []).filter((figure) => figure.digest).map(async (figure) => figure.digest!(await figure.summarise(readFor(store, context, figure)), reader)),
    );
    const content = digestContent({
      reader,
      recipient: user,
      week,
      now,
      link: `${this.options.baseUrl()}/dashboard`,
      sites: context.scope.sites ? context.scope.sites.in : undefined,
      figures,
      oldest: oldest.map(({ item, task, instance }) => ({
        record: this.mail.titleOf({ businessKey: String(item.businessKey), definitionKey: task?.definitionKey ?? '' }, instance).text,
        task: task ?? { definitionKey: '', elementId: '', name: String(item.task) },
        site: typeof item.site === 'string' ? item.site : undefined,
        dueAt: typeof item.dueAt === 'string' ? item.dueAt : undefined,
        daysOverdue: Number(item.daysOverdue),
        escalationLevel: Number(item.escalationLevel),
      })),
      packSections: packs.flat(),
    });
    return { ...renderMail(content), link: `${this.options.baseUrl()}/dashboard`, figures: { overdue: figures.totals.overdue, open: figures.totals.open } };
  }
}
