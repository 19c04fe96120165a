import type { InstanceRecord } from '../../kernel/model.js';
import { isoWeekOf } from '../dashboard/index.js';
import type { PackEvent } from './classification.js';
import { eventTime } from './recurrence.js';

/**
 * Trends across sources (ISO 9001 9.1.3, 9.3.2 c): the events of every pack with `event` over a period,
 * as Pareto charts by cause category, product, site and source, and counts per ISO week and source with
 * the records behind each. Pure over rows, so the dashboard (from its facts), the JSON route and the
 * management review's input pack (from the records) count alike.
 */

/** One event as the trends count it: unclassified ones count by source and week only. */
export interface EventRow {
  instanceId: string;
  businessKey: string;
  source: string;
  site: string | null;
  product: string | null;
  causeCategory: string | null;
  /** When it happened (its classification's occurredAt, else when its record started), ISO. */
  occurredAt: string;
}

/** A period: ISO times, `from` included, `to` excluded. */
export interface TrendPeriod {
  from: string;
  to: string;
}

export const PARETO_DIMENSIONS = ['causeCategory', 'product', 'site', 'source'] as const;
export type ParetoDimension = (typeof PARETO_DIMENSIONS)[number];

export interface ParetoEntry {
  value: string;
  count: number;
  /** Share of the events with a value for this dimension, percent, one decimal. */
  percent: number;
  /** This entry and every bigger one, percent, one decimal (the Pareto line). */
  cumulativePercent: number;
}

export interface ParetoChart {
  entries: ParetoEntry[];
  /** Events without a value for this dimension (not classified yet, no product). */
  none: number;
}

export interface WeeklyCount {
  week: string;
  start: string;
  end: string;
  /** Events per source this week (every source of the period, zeros included). */
  bySource: Record<string, number>;
  total: number;
}

export interface EventTrends {
  period: TrendPeriod;
  total: number;
  sources: string[];
  pareto: Record<ParetoDimension, ParetoChart>;
  weekly: WeeklyCount[];
}

/** What narrows the records behind a figure: a Pareto bar (dimension = value), a week, a source. */
export interface TrendDrill {
  source?: string;
  week?: string;
  causeCategory?: string;
  product?: string;
  site?: string;
}

const DAY_MS = 86_400_000;

function clean(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

/** A pack's `classify`, failing soft: a record it cannot read counts by source and week only. */
export function eventRowOf(record: Pick<InstanceRecord, 'id' | 'businessKey' | 'site' | 'variables' | 'output' | 'startedAt' | 'status'>, event: PackEvent): EventRow {
  let classification;
  try {
    classification = event.classify(record);
  } catch {
    classification = undefined;
  }
  return {
    instanceId: record.id,
    businessKey: record.businessKey,
    source: clean(classification?.source) ?? event.source,
    site: clean(classification?.site) ?? record.site ?? null,
    product: clean(classification?.product),
    causeCategory: clean(classification?.causeCategory),
    occurredAt: classification ? eventTime(record, classification) : new Date(record.startedAt).toISOString(),
  };
}

const round1 = (value: number) => Math.round(value * 10) / 10;

function pareto(rows: EventRow[], dimension: ParetoDimension): ParetoChart {
  const counts = new Map<string, number>();
  let none = 0;
  for (const row of rows) {
    const value = row[dimension];
    if (value === null) none += 1;
    else counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const base = rows.length - none;
  let running = 0;
  const entries = [...counts]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .map(([value, count]) => {
      running += count;
      return { value, count, percent: round1((100 * count) / base), cumulativePercent: round1((100 * running) / base) };
    });
  return { entries, none };
}

/** The ISO weeks (Monday to Monday, UTC) that overlap the period, the first and last cut to it. */
export function weeksOf(period: TrendPeriod): { week: string; start: string; end: string }[] {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  const day = Date.UTC(new Date(from).getUTCFullYear(), new Date(from).getUTCMonth(), new Date(from).getUTCDate());
  const monday = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  const weeks: { week: string; start: string; end: string }[] = [];
  for (let start = monday; start < to; start += 7 * DAY_MS) {
    weeks.push({ week: isoWeekOf(new Date(start)), start: new Date(Math.max(start, from)).toISOString(), end: new Date(Math.min(start + 7 * DAY_MS, to)).toISOString() });
  }
  return weeks;
}

const inPeriod = (row: EventRow, period: TrendPeriod) => row.occurredAt >= period.from && row.occurredAt < period.to;

/** The trends of the events that happened in the period. */
export function trendsOf(all: readonly EventRow[], period: TrendPeriod): EventTrends {
  const rows = all.filter((row) => inPeriod(row, period));
  const sources = [...new Set(rows.map((row) => row.source))].sort();
  const weekly = weeksOf(period).map(({ week, start, end }) => {
    const bySource = Object.fromEntries(sources.map((source) => [source, 0]));
    let total = 0;
    for (const row of rows) {
      if (row.occurredAt < start || row.occurredAt >= end) continue;
      bySource[row.source] += 1;
      total += 1;
    }
    return { week, start, end, bySource, total };
  });
  return {
    period,
    total: rows.length,
    sources,
    pareto: Object.fromEntries(PARETO_DIMENSIONS.map((dimension) => [dimension, pareto(rows, dimension)])) as Record<ParetoDimension, ParetoChart>,
    weekly,
  };
}

/** The events of the period behind one figure, in the order they happened. */
export function rowsBehind(all: readonly EventRow[], period: TrendPeriod, drill: TrendDrill): EventRow[] {
  return all
    .filter((row) => inPeriod(row, period))
    .filter((row) => (drill.week === undefined || isoWeekOf(new Date(row.occurredAt)) === drill.week) && PARETO_DIMENSIONS.every((d) => drill[d] === undefined || row[d] === drill[d]))
    .sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.businessKey < b.businessKey ? -1 : 1));
}

/** What a reader of the records needs to list one process's records (ServiceContext.records, the store). */
export interface EventRecordSource {
  instances(query: { key?: string; sites?: string[]; limit?: number; offset?: number }): Promise<Omit<InstanceRecord, 'engineState'>[]>;
}

const PAGE = 500;
/** Far more events than a plant keeps; past it the trends would be incomplete, so the read fails. */
const MAX_EVENTS = 200_000;

/** The rows of every record of the event packs (of these sites, and of none, when given). */
export async function eventRows(records: EventRecordSource, packs: readonly { key: string; event?: PackEvent }[], sites?: string[]): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  for (const pack of packs) {
    if (!pack.event) continue;
    for (let offset = 0; ; offset += PAGE) {
      if (offset >= MAX_EVENTS) throw new Error(`event trends: more than ${MAX_EVENTS} records of ${pack.key}; the trends would be incomplete`);
      const batch = await records.instances({ key: pack.key, ...(sites && { sites }), limit: PAGE, offset });
      rows.push(...batch.map((record) => eventRowOf(record, pack.event!)));
      if (batch.length < PAGE) break;
    }
  }
  return rows;
}
