import escapeHtml from 'escape-html';
import type { Clock } from '../../kernel/clock.js';
import { drillDown, isoWeekOf, resolveContext, taskFigures } from '../dashboard/index.js';
import { auditEvent } from '../../kernel/audit-event.js';
import type { JobRecord, MessageRecord, UserRecord } from '../../kernel/model.js';
import { outgoingMessage } from './outbox.js';
import { cronProblem, nextOccurrence } from '../scheduled-starts/index.js';
import type { Store } from '../../ports/store.js';

/**
 * The steering committee's weekly digest: every active holder of the role `steering-committee` gets the
 * overdue summary of their sites (what the dashboard shows them: totals, aging, by site and process, the
 * oldest overdue tasks) with a link to the dashboard, through the outbox like every other email.
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
}

export const DEFAULT_DIGEST = { cron: '0 7 * * 1', timezone: 'UTC' };

export class WeeklyDigest {
  constructor(private readonly options: DigestOptions) {
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

  /** One person's digest: the dashboard's figures for their sites, now. */
  private async compose(user: UserRecord, week: string, now: Date) {
    const { store } = this.options;
    const context = resolveContext(user, {}, now);
    const [figures, overdue] = await Promise.all([taskFigures(store, context), drillDown(store, context, { figure: 'overdue' }, DIGEST_LIST)]);
    const t = figures.totals;
    const link = `${this.options.baseUrl()}/dashboard`;
    const subject = `Weekly digest ${week}: ${t.overdue} overdue, ${t.escalated} escalated`;
    const lines: [string, string][] = [
      ['Open', String(t.open)],
      ['Overdue', String(t.overdue)],
      ['Due within 7 days', String(t.dueSoon)],
      ['Escalated', String(t.escalated)],
      ...figures.aging.map((a): [string, string] => [`Overdue ${a.bucket} days`, String(a.count)]),
    ];
    const bySite = figures.bySite.filter((s) => s.overdue > 0).map((s): [string, string] => [s.site ?? '(no site)', String(s.overdue)]);
    const byProcess = figures.byProcess.filter((p) => p.overdue > 0).map((p): [string, string] => [p.name, String(p.overdue)]);
    const oldest = overdue.items.map((i) => `${i.businessKey}: ${i.task} (${i.site ?? 'no site'}), due ${String(i.dueAt).slice(0, 10)}, ${i.daysOverdue} days overdue${Number(i.escalationLevel) > 0 ? `, escalation level ${i.escalationLevel}` : ''}`);
    const sites = context.scope.sites ? context.scope.sites.in.join(', ') || 'records without a site' : 'all sites';
    const text = [
      `Hello ${user.name},`,
      '',
      `The overdue summary for ${sites} in week ${week} (as of ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC):`,
      '',
      ...lines.map(([k, v]) => `${k}: ${v}`),
      ...(bySite.length ? ['', 'Overdue by site:', ...bySite.map(([k, v]) => `  ${k}: ${v}`)] : []),
      ...(byProcess.length ? ['', 'Overdue by process:', ...byProcess.map(([k, v]) => `  ${k}: ${v}`)] : []),
      ...(oldest.length ? ['', `The ${oldest.length} oldest overdue tasks:`, ...oldest.map((o) => `  ${o}`)] : ['', 'Nothing is overdue.']),
      '',
      `Open the dashboard: ${link}`,
      '',
      '— imsflow',
    ].join('\n');
    const rows = (pairs: [string, string][]) => pairs.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td align="right">${escapeHtml(v)}</td></tr>`).join('');
    const html = `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">
<p>Hello ${escapeHtml(user.name)},</p>
<p>The overdue summary for ${escapeHtml(sites)} in week ${escapeHtml(week)}:</p>
<table>${rows(lines)}</table>
${bySite.length ? `<h3>Overdue by site</h3><table>${rows(bySite)}</table>` : ''}
${byProcess.length ? `<h3>Overdue by process</h3><table>${rows(byProcess)}</table>` : ''}
${oldest.length ? `<h3>The oldest overdue tasks</h3><ul>${oldest.map((o) => `<li>${escapeHtml(o)}</li>`).join('')}</ul>` : '<p>Nothing is overdue.</p>'}
<p><a href="${escapeHtml(link)}">Open the dashboard</a></p>
<p>— imsflow</p>
</body></html>`;
    return { subject, text, html, link, figures: { overdue: t.overdue, open: t.open } };
  }
}
