
import type { DashboardStore } from './context.js';
import { DAY_MS, type DashboardContext, fragment } from './context.js';
import type { Dashboard } from './figures.js';

/** Weekly trends of the period: tasks opened, closed and overdue at each ISO week's end. */

/** Whole ISO weeks over the period: [{week, start, end}] with the last one ending at the period's end. */
export function isoWeeks(context: Pick<DashboardContext, 'from' | 'periodEnd'>): { week: string; start: string; end: string }[] {
  const first = Date.parse(`${context.from}T00:00:00Z`);
  const monday = first - ((new Date(first).getUTCDay() + 6) % 7) * DAY_MS;
  const end = Date.parse(context.periodEnd);
  const weeks: { week: string; start: string; end: string }[] = [];
  for (let start = monday; start < end; start += 7 * DAY_MS) {
    weeks.push({ week: isoWeekOf(new Date(start)), start: new Date(start).toISOString(), end: new Date(Math.min(start + 7 * DAY_MS, end)).toISOString() });
  }
  return weeks;
}

/** `2026-W47` for any day of that ISO week (the week's Thursday decides the year). */
export function isoWeekOf(day: Date): string {
  const thursday = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) + (3 - ((day.getUTCDay() + 6) % 7)) * DAY_MS);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / (7 * DAY_MS)) + 1;
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export async function trendFigures(store: DashboardStore, context: DashboardContext): Promise<Dashboard['trends']> {
  const weeks = isoWeeks(context);
  if (!weeks.length) return [];
  const series = await store.taskSeries({ ...context.scope, edges: [weeks[0].start, ...weeks.map((w) => w.end)] });
  return weeks.map((w, i) => ({
    week: w.week,
    start: w.start.slice(0, 10),
    opened: series.created[i],
    closed: series.completed[i],
    overdue: series.overdueAtEnd[i],
    drill: {
      opened: fragment({ figure: 'opened', week: w.week }),
      closed: fragment({ figure: 'closed', week: w.week }),
      overdue: fragment({ figure: 'overdueAtWeekEnd', week: w.week }),
    },
  }));
}
