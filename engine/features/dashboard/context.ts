import { visibleSites } from '../access/index.js';
import { type FieldError, NotPermittedError, ValidationError } from '../../kernel/errors.js';
import type { UserRecord } from '../../kernel/model.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { FigureScope, FigureStore } from '../../ports/figure-store.js';
import type { KpiStore } from '../../ports/kpi-store.js';
import type { RecordStore } from '../../ports/record-store.js';
import type { TaskFigureStore } from '../../ports/task-figure-store.js';

/** What the dashboard reads: the figure ports, and the records and people it names. */
export type DashboardStore = FigureStore & TaskFigureStore & KpiStore & RecordStore & AccountStore;

/** The dashboard's filters checked against the viewer and the clock, and the constants every figure shares. */

export const DAY_MS = 86_400_000;
export const DUE_SOON_DAYS = 7;
export const AGING_BUCKETS = ['1-7', '8-30', '31-90', '>90'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];
/** Longest drill-down list (the CSV of a figure holds as many). */
export const MAX_RECORDS = 10_000;

/** The filters of every dashboard request (query string and page URL alike). */
export interface DashboardFilters {
  sites?: string[];
  processes?: string[];
  /** YYYY-MM-DD (UTC): the period's first day. */
  from?: string;
  /** YYYY-MM-DD (UTC): the period's last day. */
  to?: string;
  /** ISO date-time: the dashboard as it stood then. */
  at?: string;
}

/** Who looks: their roles and sites decide what they see. */
export type Viewer = Pick<UserRecord, 'id' | 'roles' | 'sites'>;

/** The filters checked and resolved against the viewer and the clock. */
export interface DashboardContext {
  asOf: Date;
  from: string;
  to: string;
  /** Start of `from`, and the end of the period: the end of `to`, or asOf when earlier. */
  periodStart: string;
  periodEnd: string;
  scope: FigureScope;
  filters: { site: string[]; process: string[]; from: string; to: string; at?: string };
  viewer: Viewer;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks the filters (400 naming the field), limits the sites to the viewer's (403 for another's), fills the defaults. */
export function resolveContext(viewer: Viewer, filters: DashboardFilters, now: Date): DashboardContext {
  const fields: FieldError[] = [];
  let asOf = now;
  if (filters.at !== undefined) {
    const parsed = new Date(filters.at);
    if (Number.isNaN(parsed.getTime())) fields.push({ field: 'at', message: 'must be an ISO date-time such as 2026-11-30T17:00:00Z' });
    else if (parsed.getTime() > now.getTime()) fields.push({ field: 'at', message: 'must not be in the future' });
    else asOf = parsed;
  }
  for (const name of ['from', 'to'] as const) {
    const value = filters[name];
    if (value !== undefined && (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))) fields.push({ field: name, message: 'must be a date YYYY-MM-DD' });
  }
  if (fields.length) throw new ValidationError('invalid dashboard filter', fields);
  const to = filters.to ?? isoDay(asOf);
  const from = filters.from ?? isoDay(new Date(Date.parse(`${to}T00:00:00Z`) - 364 * DAY_MS));
  if (from > to) throw new ValidationError('invalid dashboard filter', [{ field: 'from', message: `must not be after to (${to})` }]);
  if (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`) > 5 * 366 * DAY_MS) throw new ValidationError('invalid dashboard filter', [{ field: 'from', message: 'the period may span at most five years' }]);
  const visible = visibleSites(viewer);
  const chosen = [...new Set(filters.sites ?? [])];
  const foreign = visible === undefined ? [] : chosen.filter((s) => !visible.includes(s));
  if (foreign.length) throw new NotPermittedError(`you do not belong to site ${foreign.join(', ')}: the dashboard shows your sites only`);
  const sites = chosen.length ? { in: chosen, orNone: false } : visible === undefined ? undefined : { in: visible, orNone: true };
  const processes = [...new Set(filters.processes ?? [])];
  const toEnd = new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS);
  const periodEnd = toEnd.getTime() < asOf.getTime() ? toEnd : asOf;
  return {
    asOf,
    from,
    to,
    periodStart: `${from}T00:00:00.000Z`,
    periodEnd: periodEnd.toISOString(),
    scope: { ...(processes.length && { processes }), ...(sites && { sites }) },
    filters: { site: chosen, process: processes, from, to, ...(filters.at !== undefined && { at: asOf.toISOString() }) },
    viewer,
  };
}

// ---- helpers -------------------------------------------------------------------------------------------------

/** A query-string fragment for the records endpoint. */
export function fragment(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function round1(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}
