import { CronExpressionParser } from 'cron-parser';
import type { JobRecord, ScheduleRecord } from '../../kernel/model.js';

/**
 * Recurring process starts: a cron expression (5 fields, or 6 with seconds) in an IANA time zone, parsed
 * by cron-parser. Each occurrence is one durable job; the start it makes and the next occurrence are
 * committed together, so an occurrence starts its instance once, whichever runner runs it.
 */
export function cronProblem(cron: string, timezone: string): string | null {
  if (typeof cron !== 'string' || !cron.trim()) return 'cron is required, e.g. "0 9 1 3 *" for 1 March at 09:00';
  try {
    Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    return `time zone "${timezone}" is not an IANA time zone such as Europe/Berlin`;
  }
  try {
    CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date() }).next();
    return null;
  } catch (err) {
    return `cron "${cron}" is not valid: ${(err as Error).message}`;
  }
}

export function nextOccurrence(schedule: Pick<ScheduleRecord, 'cron' | 'timezone'>, after: Date): Date {
  return CronExpressionParser.parse(schedule.cron, { tz: schedule.timezone, currentDate: after }).next().toDate();
}

export function occurrenceJob(schedule: ScheduleRecord, runAt: Date): JobRecord {
  return {
    id: `start-${schedule.id}-${runAt.getTime()}`,
    kind: 'scheduled-start',
    runAt: runAt.toISOString(),
    status: 'scheduled',
    payload: { scheduleId: schedule.id, revision: schedule.revision },
    attempts: 0,
  };
}
