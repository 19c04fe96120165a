import type { Reader } from '../../../kernel/i18n/index.js';
import type { TaskRecord, UserRecord } from '../../../kernel/model.js';
import type { Dashboard } from '../../dashboard/index.js';
import type { MailContent, MailSection } from './content.js';
import { processName, stepName } from './readers.js';

/** One of the oldest overdue tasks, as the digest lists it. */
export interface DigestTask {
  /** Its record's title ("CAPA-2026-0004 · Leaking valve"). */
  record: string;
  task: Pick<TaskRecord, 'definitionKey' | 'elementId' | 'name'>;
  site?: string;
  dueAt?: string;
  daysOverdue: number;
  escalationLevel: number;
}

export interface DigestFacts {
  reader: Reader;
  recipient: Pick<UserRecord, 'name'>;
  /** The ISO week, "2026-W49". */
  week: string;
  now: Date;
  link: string;
  /** The sites the recipient sees; undefined: all. */
  sites?: string[];
  figures: Pick<Dashboard, 'totals' | 'aging' | 'bySite' | 'byProcess'>;
  oldest: DigestTask[];
  /** The packs' sections (PackFigure.digest), in the reader's words already: after the overdue work. */
  packSections?: MailSection[];
}

/** What the steering committee's weekly digest says, in the recipient's words and on their clock. */
export function digestContent({ reader, recipient, week, now, link, sites, figures, oldest, packSections = [] }: DigestFacts): MailContent {
  const { t, number } = reader;
  const [year, weekNumber] = week.split('-W').map(Number);
  const when = { week: weekNumber, year };
  const totals = figures.totals;
  const aging = figures.aging.map(({ bucket, count }): [string, string] => {
    const [from, to] = bucket.replace('>', '').split('-');
    return [to ? t('mail.digest.agingRange', { from: Number(from), to: Number(to) }) : t('mail.digest.agingOver', { days: Number(from) }), number(count)];
  });
  const bySite = figures.bySite.filter((s) => s.overdue > 0).map((s): [string, string] => [s.site ?? t('mail.digest.noSite'), number(s.overdue)]);
  const byProcess = figures.byProcess.filter((p) => p.overdue > 0).map((p): [string, string] => [processName(reader, p.key, p.name), number(p.overdue)]);
  const lines = oldest.map((o) => {
    const values = { record: o.record, step: stepName(reader, o.task), site: o.site ?? t('mail.digest.noSite'), due: o.dueAt ? reader.dateTime(o.dueAt) : t('mail.withoutDueDate'), days: o.daysOverdue, level: o.escalationLevel };
    return o.escalationLevel > 0 ? t('mail.digest.oldestItemEscalated', values) : t('mail.digest.oldestItem', values);
  });
  const siteText = sites ? (sites.length ? sites.join(', ') : t('mail.digest.noSites')) : t('mail.digest.allSites');
  return {
    lang: reader.locale,
    subject: t('mail.digest.subject', { ...when, overdue: totals.overdue, escalated: totals.escalated }),
    greeting: t('mail.greeting', { name: recipient.name }),
    lead: [t('mail.digest.lead', { ...when, sites: siteText, asOf: reader.dateTime(now) }), ...(totals.overdue === 0 ? [t('mail.digest.nothingOverdue')] : [])],
    facts: [
      [t('mail.digest.open'), number(totals.open)],
      [t('mail.digest.overdue'), number(totals.overdue)],
      [t('mail.digest.dueSoon'), number(totals.dueSoon)],
      [t('mail.digest.escalated'), number(totals.escalated)],
      ...aging,
    ],
    sections: [
      ...(bySite.length ? [{ heading: t('mail.digest.bySite'), rows: bySite }] : []),
      ...(byProcess.length ? [{ heading: t('mail.digest.byProcess'), rows: byProcess }] : []),
      ...(lines.length ? [{ heading: t('mail.digest.oldest', { count: lines.length }), items: lines }] : []),
      ...packSections,
    ],
    action: { label: t('mail.digest.openDashboard'), href: link },
    footnote: t('mail.timesIn', { zone: reader.zoneName() }),
    signature: t('mail.signature'),
  };
}
