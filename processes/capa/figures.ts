import { DAY_MS, defineFigure, type FactRow, type FigureRead, fragment, round1 } from '../../engine/features/dashboard/index.js';

/**
 * CAPA on the dashboard: CAPAs closed in the period, their cycle time (opened → closed, days) and how many
 * closed on time (none of their tasks completed after its due date; approved extensions move the due date).
 * A CAPA contributes one fact once it is completed; whether it was on time is read with its tasks.
 */

export interface CapaFigures {
  closed: number;
  onTime: number;
  /** Percent, one decimal; null when none closed. */
  onTimeRate: number | null;
  cycleTimeDays: { median: number | null; p90: number | null; mean: number | null };
}

export type CapaSection = CapaFigures & { drill: { closed: string; late: string } };

/** CAPAs closed in [from, before), by closing time, with their tasks completed late. */
async function closedCapas(read: FigureRead, from: string, before: string): Promise<FactRow[]> {
  return read.store.listFacts({ ...read.facts, endedFrom: from, endedBefore: before, order: 'ended', lateTasks: true, limit: 1_000_000_000 });
}

const cycleDays = (c: FactRow) => (Date.parse(c.endedAt!) - Date.parse(c.startedAt)) / DAY_MS;

/** Cycle time and on-time closure of closed CAPAs. */
export function capaStats(closed: FactRow[]): CapaFigures {
  const days = closed.map(cycleDays).sort((a, b) => a - b);
  const onTime = closed.filter((c) => c.lateTasks === 0).length;
  const median = days.length ? (days.length % 2 ? days[(days.length - 1) / 2] : (days[days.length / 2 - 1] + days[days.length / 2]) / 2) : null;
  const p90 = days.length ? days[Math.min(days.length, Math.ceil(0.9 * days.length)) - 1] : null;
  const mean = days.length ? days.reduce((a, b) => a + b, 0) / days.length : null;
  return {
    closed: closed.length,
    onTime,
    onTimeRate: closed.length ? round1((100 * onTime) / closed.length) : null,
    cycleTimeDays: { median: round1(median), p90: round1(p90), mean: round1(mean) },
  };
}

async function closedList(read: FigureRead, lateOnly: boolean, limit: number) {
  const closed = (await closedCapas(read, read.context.periodStart, read.context.periodEnd)).filter((c) => !lateOnly || (c.lateTasks ?? 0) > 0);
  return {
    title: lateOnly ? 'CAPAs closed late (a task completed after its due date)' : 'CAPAs closed in the period',
    columns: [
      { key: 'businessKey', label: 'CAPA' },
      { key: 'site', label: 'Site' },
      { key: 'openedAt', label: 'Opened' },
      { key: 'closedAt', label: 'Closed' },
      { key: 'cycleTimeDays', label: 'Cycle time (days)' },
      { key: 'lateTasks', label: 'Tasks completed late' },
      { key: 'onTime', label: 'On time' },
    ],
    items: closed.slice(0, limit).map((c) => ({
      instanceId: c.instanceId,
      businessKey: c.businessKey,
      site: c.site,
      openedAt: c.startedAt,
      closedAt: c.endedAt,
      cycleTimeDays: round1(cycleDays(c)),
      lateTasks: c.lateTasks ?? 0,
      onTime: c.lateTasks === 0,
      link: `/records/${encodeURIComponent(c.instanceId)}`,
    })),
  };
}

/** A monthly KPI value from the CAPAs closed in each month (months without a closed CAPA left out). */
function monthly(pick: (stats: CapaFigures) => number | null) {
  return async (read: FigureRead, periods: { period: string; start: string; end: string }[]) => {
    const closed = await closedCapas(read, periods[0].start, periods[periods.length - 1].end);
    return periods.flatMap((p) => {
      const value = pick(capaStats(closed.filter((c) => c.endedAt! >= p.start && c.endedAt! < p.end)));
      return value === null ? [] : [{ period: p.period, value }];
    });
  };
}

export const capaFigure = defineFigure<CapaSection>({
  id: 'capa-closed',
  version: 1,
  process: 'capa',
  section: 'capa',
  title: 'CAPA closed in the period',
  facts: (record) => (record.status === 'completed' && record.endedAt ? [{}] : []),
  async summarise(read) {
    return { ...capaStats(await closedCapas(read, read.context.periodStart, read.context.periodEnd)), drill: { closed: fragment({ figure: 'capaClosed' }), late: fragment({ figure: 'capaLate' }) } };
  },
  view: (c) => ({
    tiles: [
      { label: 'CAPAs closed', value: c.closed, drill: c.drill.closed },
      { label: 'Closed late', value: c.closed - c.onTime, drill: c.drill.late },
    ],
    table: {
      caption: 'CAPA cycle time and on-time closure',
      columns: ['Closed', 'On time', 'On-time rate %', 'Median days', 'P90 days', 'Mean days'],
      rows: [{ cells: [c.closed, c.onTime, c.onTimeRate, c.cycleTimeDays.median, c.cycleTimeDays.p90, c.cycleTimeDays.mean], drill: c.drill.closed }],
    },
  }),
  drills: {
    capaClosed: (read, _drill, limit) => closedList(read, false, limit),
    capaLate: (read, _drill, limit) => closedList(read, true, limit),
  },
  measures: {
    'capa-on-time-rate': monthly((s) => s.onTimeRate),
    'capa-cycle-time-median': monthly((s) => s.cycleTimeDays.median),
  },
});

/** CAPAs whose effectiveness a recurring event reopened (started by engine/features/events), by when they were reopened. */
export const capaReopenedFigure = defineFigure<{ reopened: number; drill: string }>({
  id: 'capa-reopened',
  version: 1,
  process: 'capa',
  section: 'capaReopened',
  title: 'Effectiveness reopened by recurrence',
  facts: (record) => (typeof record.variables.recurrenceOf === 'string' ? [{}] : []),
  async summarise(read) {
    const rows = await read.store.listFacts({ ...read.facts, startedFrom: read.context.periodStart, startedBefore: read.context.periodEnd, limit: 1_000_000_000 });
    return { reopened: rows.length, drill: fragment({ figure: 'capaReopened' }) };
  },
  view: (s) => ({ tiles: [{ label: 'Effectiveness reopened by recurrence', value: s.reopened, drill: s.drill }] }),
  drills: {
    capaReopened: async (read, _drill, limit) => {
      const rows = await read.store.listFacts({ ...read.facts, startedFrom: read.context.periodStart, startedBefore: read.context.periodEnd, limit });
      return {
        title: 'CAPAs whose effectiveness a recurrence reopened',
        columns: [
          { key: 'businessKey', label: 'CAPA' },
          { key: 'site', label: 'Site' },
          { key: 'reopenedAt', label: 'Reopened' },
        ],
        items: rows.map((r) => ({ instanceId: r.instanceId, businessKey: r.businessKey, site: r.site, reopenedAt: r.startedAt, link: `/records/${encodeURIComponent(r.instanceId)}` })),
      };
    },
  },
});
