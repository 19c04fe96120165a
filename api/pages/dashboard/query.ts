import type { Request } from 'express';
import type { DashboardFilters, Drilldown } from '../../../engine/features/dashboard/index.js';

/**
 * The dashboard's view lives in the URL: the filters (site, process, from, to, at) are a GET form, so a
 * link reopens the view as it was, and every drill-down link carries them. This file reads and writes
 * those addresses; it holds no markup.
 */

const FILTER_KEYS = ['site', 'process', 'from', 'to', 'at'] as const;
export const DRILL_KEYS = ['figure', 'byProcess', 'bySite', 'byOwner', 'byRole', 'bucket', 'level', 'week', 'clause', 'grade', 'standard', 'value'] as const;
/** A datetime-local field's value: a wall-clock time without zone, typed on the reader's clock. */
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/** The request's query string as URLSearchParams (repeated names kept, in order). */
export function queryOf(req: Request): URLSearchParams {
  const at = req.originalUrl.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : req.originalUrl.slice(at + 1));
}

/** How far a zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function zoneOffset(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** A wall-clock time in a zone ("2026-03-10T12:00" in Europe/Zurich) as the instant it names ("2026-03-10T11:00Z"). */
export function wallClockToInstant(local: string, timeZone: string): string {
  const guess = Date.parse(`${local}Z`);
  let instant = guess - zoneOffset(guess, timeZone);
  // across a change to or from summer time the offset at the guess may differ from the one at the answer
  const again = guess - zoneOffset(instant, timeZone);
  if (again !== instant) instant = again;
  const iso = new Date(instant).toISOString();
  return iso.endsWith(':00.000Z') ? `${iso.slice(0, 16)}Z` : iso;
}

/** An instant as the wall-clock time a datetime-local field shows in the reader's zone ("2026-03-10T12:00"). */
export function instantToWallClock(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms + zoneOffset(ms, timeZone)).toISOString().slice(0, 16);
}

/**
 * The filters of a query in one spelling: empty ones left out, comma lists split, repeats dropped, a
 * time typed without zone read on the reader's clock and written as the UTC instant. This is what the
 * page's URL and every link of it carry.
 */
export function filterQuery(query: URLSearchParams, timeZone = 'UTC'): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const seen = new Set<string>();
    for (const value of query.getAll(key)) {
      for (let part of key === 'site' || key === 'process' ? value.split(',') : [value]) {
        part = part.trim();
        if (key === 'at' && LOCAL_TIME.test(part)) part = wallClockToInstant(part, timeZone);
        if (part && !seen.has(part)) out.append(key, part);
        seen.add(part);
      }
    }
  }
  return out;
}

export function filtersOf(query: URLSearchParams): DashboardFilters {
  const one = (key: string) => query.get(key) ?? undefined;
  const many = (key: string) => (query.getAll(key).length ? query.getAll(key) : undefined);
  return { sites: many('site'), processes: many('process'), from: one('from'), to: one('to'), at: one('at') };
}

export function drillOf(query: URLSearchParams): Drilldown {
  const drill: Drilldown = { figure: query.get('figure') ?? '' };
  for (const key of DRILL_KEYS) if (key !== 'figure' && query.has(key)) drill[key] = query.get(key) ?? '';
  return drill;
}

/** The drill fragment of a query (what names the figure), in the page's own order. */
export function drillQuery(query: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of DRILL_KEYS) if (query.has(key)) out.set(key, query.get(key) ?? '');
  return out;
}

/** The list of records behind a figure: its drill fragment, then the page's filters. */
export function listHref(drill: string | undefined, filters: URLSearchParams): string | undefined {
  if (!drill) return undefined;
  return `/dashboard/list?${[drill, filters.toString()].filter(Boolean).join('&')}`;
}

/** The dashboard's own address with these filters. */
export function dashboardHref(filters: URLSearchParams): string {
  return `/dashboard${filters.toString() ? `?${filters.toString()}` : ''}`;
}
