import { defineFigure, fragment, type FigureRead, type PackFigure } from '../dashboard/index.js';
import type { PackEvent } from './classification.js';
import { eventRowOf, rowsBehind, trendsOf, type EventRow, type EventTrends, type TrendDrill, type TrendPeriod } from './trends.js';

/**
 * The events' trends on the steering dashboard: one figure across every pack with `event` (its facts are
 * each event's classification, kept on commit like any pack figure's), summarised for the dashboard's
 * period and sites; its drill lists the events behind a Pareto bar or a week.
 */

export const EVENT_TRENDS_FIGURE = 'event-trends';
/** The section key in the dashboard JSON, and the name its words are read under (`events.figure.eventTrends.*`). */
export const EVENT_TRENDS_SECTION = 'eventTrends';
const DRILL = 'eventRecords';
/** The cause categories as the CAPA's fishbone names them, in English; their words are `events.cause.<category>`. */
export const CAUSE_LABELS: Record<string, string> = { man: 'Man (people)', machine: 'Machine', method: 'Method', material: 'Material', measurement: 'Measurement', environment: 'Environment' };
/** The message id of a cause category's name, or null for one outside the fishbone (shown as stored). */
export const causeWord = (category: string): string | null => (category in CAUSE_LABELS ? `events.cause.${category}` : null);
/** How many Pareto bars the page's table shows (the JSON has them all). */
const TOP = 10;

export type EventTrendsSection = EventTrends & { drill: { all: string } };

function rowOfFact(fact: { instanceId: string; businessKey: string; site: string | null; dims: Record<string, string> }): EventRow {
  const dim = (name: string) => fact.dims[name] || null;
  return { instanceId: fact.instanceId, businessKey: fact.businessKey, source: fact.dims.source ?? '', site: dim('site') ?? fact.site, product: dim('product'), causeCategory: dim('cause'), occurredAt: fact.dims.occurredAt ?? '' };
}

async function factRows(read: FigureRead): Promise<EventRow[]> {
  return (await read.store.listFacts({ ...read.facts, limit: 1_000_000_000 })).map(rowOfFact);
}

const periodOf = (read: FigureRead): TrendPeriod => ({ from: read.context.periodStart, to: read.context.periodEnd });

/** A drill value: `dimension=value` pairs joined by `;` (`source=complaint;week=2026-W10`). */
export function drillValue(drill: TrendDrill): string {
  return Object.entries(drill)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
}

export function parseDrillValue(value: string | undefined): TrendDrill {
  const drill: Record<string, string> = {};
  for (const part of (value ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && ['source', 'week', 'causeCategory', 'product', 'site'].includes(part.slice(0, at))) drill[part.slice(0, at)] = part.slice(at + 1);
  }
  return drill;
}

/** The records behind a drill, as the dashboard's lists show them. */
export function eventList(rows: EventRow[], limit: number) {
  return {
    title: 'Quality and EHS events',
    words: 'events',
    valueWords: { causeCategory: Object.fromEntries(Object.keys(CAUSE_LABELS).map((key) => [key, `events.cause.${key}`])) },
    columns: [
      { key: 'businessKey', label: 'Record' },
      { key: 'source', label: 'Source' },
      { key: 'site', label: 'Site' },
      { key: 'product', label: 'Product' },
      { key: 'causeCategory', label: 'Cause category' },
      { key: 'occurredAt', label: 'Occurred' },
    ],
    items: rows.slice(0, limit).map((row) => ({ ...row, link: `/records/${encodeURIComponent(row.instanceId)}` })),
  };
}

/** The trends figure over the packs handed over, or undefined when none has events. */
export function eventTrendsFigure(packs: readonly { key: string; event?: PackEvent }[]): PackFigure | undefined {
  const events = new Map(packs.flatMap((pack) => (pack.event ? [[pack.key, pack.event] as const] : [])));
  if (!events.size) return undefined;
  return defineFigure<EventTrendsSection>({
    id: EVENT_TRENDS_FIGURE,
    version: 1,
    process: 'events',
    alsoProcesses: [...events.keys()],
    section: EVENT_TRENDS_SECTION,
    title: 'Quality and EHS events by cause, product, site and source',
    facts(record) {
      const event = events.get(record.key);
      if (!event) return [];
      const row = eventRowOf({ ...record, site: record.site ?? undefined }, event);
      return [{ dims: { source: row.source, site: row.site ?? '', product: row.product ?? '', cause: row.causeCategory ?? '', occurredAt: row.occurredAt } }];
    },
    async summarise(read) {
      return { ...trendsOf(await factRows(read), periodOf(read)), drill: { all: fragment({ figure: DRILL, value: '' }) } };
    },
    view: (t) => ({
      tiles: [{ label: 'Events in the period', value: t.total, drill: t.drill.all }],
      table: {
        caption: 'Pareto of events by cause category',
        columns: ['Cause category', 'Events', '%', 'Cumulative %'],
        rows: t.pareto.causeCategory.entries.slice(0, TOP).map((e) => ({ cells: [CAUSE_LABELS[e.value] ?? e.value, e.count, e.percent, e.cumulativePercent], drill: fragment({ figure: DRILL, value: drillValue({ causeCategory: e.value }) }), words: [causeWord(e.value)] })),
      },
      empty: 'No events in the period',
    }),
    drills: {
      [DRILL]: async (read, drill, limit) => eventList(rowsBehind(await factRows(read), periodOf(read), parseDrillValue(drill.value)), limit),
    },
  });
}
