import type { DashboardStore } from './context.js';
import type { KpiDefinition } from '../kpis/index.js';
import type { UserRecord } from '../../kernel/model.js';
import type { TaskDimension } from '../../ports/store.js';
import { AGING_BUCKETS, type AgingBucket, DAY_MS, DUE_SOON_DAYS, type DashboardContext, fragment } from './context.js';
import { kpiFigures } from './kpi-figures.js';
import type { FigureSection, PackFigure } from './pack-figure.js';
import { packSections } from './sections.js';
import { trendFigures } from './trends.js';

/**
 * The steering committee's figures, in one place: the JSON API, the page, the PDF report, the weekly
 * digest and the KPIs all read them from here. Counting happens in the store (grouped and ranged
 * queries on indexed columns); this module only asks the right questions and puts the answers together.
 *
 * Definitions (every figure at `asOf`, the time the dashboard is read at: now, or `at`):
 * - open: created by then, not completed or cancelled by then;
 * - overdue: open and due before asOf; dueSoon: open, due within the next 7 days, not overdue;
 * - aging: overdue for 1–7, 8–30, 31–90, > 90 days (a task overdue by an hour is in 1–7);
 * - escalated: open with an escalation step reached (TaskRecord.escalationLevel, as recorded now);
 * - trends: whole ISO weeks from the week of `from` to `to` (or asOf): tasks created and completed in the
 *   week, and overdue at its end (at asOf for the week under way);
 * - the packs' sections (`capa`, `findings`, `gapCoverage` …): declared by each pack as a figure projection
 *   (processes/<pack>/figures.ts says what it counts) and listed again, drawable by any page, in `sections`.
 * The dashboard at a past date uses the tasks' current due dates and escalation levels.
 */

// ---- the JSON --------------------------------------------------------------------------------------------

export interface Counts {
  open: number;
  dueSoon: number;
  overdue: number;
}

type Drill = Record<keyof Counts, string>;

export interface Dashboard {
  asOf: string;
  filters: DashboardContext['filters'];
  totals: Counts & { escalated: number; drill: Drill & { escalated: string } };
  byProcess: (Counts & { key: string; name: string; drill: Drill })[];
  bySite: (Counts & { site: string | null; drill: Drill })[];
  byOwner: (Counts & { user: string | null; name: string; drill: Drill })[];
  byRole: (Counts & { role: string | null; drill: Drill })[];
  aging: { bucket: AgingBucket; count: number; drill: string }[];
  escalations: { level: number; count: number; drill: string }[];
  trends: { week: string; start: string; opened: number; closed: number; overdue: number; drill: { opened: string; closed: string; overdue: string } }[];
  kpis: KpiView[];
  /** The packs' sections, in the packs' order: title and view (tiles, table, drill links) of each. */
  sections: FigureSection[];
  /** Each pack section's own figures under its key (`capa`, `findings`, `gapCoverage` …). */
  [section: string]: unknown;
}

/** A KPI as the dashboard shows it: its definition, its owner's name, its trend over the period and its status. */
export type KpiView = KpiDefinition & {
  ownerName: string;
  latest: { period: string; value: number } | null;
  status: 'on-target' | 'off-target' | 'no-data';
  trend: { period: string; value: number }[];
};

/** Every figure of the dashboard for this viewer and these filters. */
export async function computeDashboard(store: DashboardStore, context: DashboardContext, figures: readonly PackFigure[] = []): Promise<Dashboard> {
  const [tasks, trends, packs, kpis] = await Promise.all([taskFigures(store, context), trendFigures(store, context), packSections(store, context, figures), kpiFigures(store, context, figures)]);
  return { asOf: context.asOf.toISOString(), filters: context.filters, ...tasks, trends, ...packs.summaries, kpis, sections: packs.sections };
}

/** Only the open-task figures (what the weekly digest needs). */
export async function taskFigures(store: DashboardStore, context: DashboardContext): Promise<Pick<Dashboard, 'totals' | 'byProcess' | 'bySite' | 'byOwner' | 'byRole' | 'aging' | 'escalations'>> {
  const at = context.asOf.toISOString();
  const soon = new Date(context.asOf.getTime() + DUE_SOON_DAYS * DAY_MS).toISOString();
  const query = { ...context.scope, at };
  // one pass over the holders' grouping (process, site, role, level) with the aging edges, one over owners
  const [holders, owners] = await Promise.all([
    store.openTaskGroups({ ...query, by: 'holders', dueEdges: agingEdges(context.asOf) }),
    store.openTaskGroups({ ...query, by: 'assignee', dueEdges: [at, soon] }),
  ]);
  // aging bands: > 90, 31–90, 8–30, 1–7 days overdue, due within 7 days, later
  const counted = holders.map((g) => {
    const [over90, over30, over7, over1, dueSoon, later] = g.bands;
    return { values: g.values, open: g.noDue + over90 + over30 + over7 + over1 + dueSoon + later, dueSoon, overdue: over90 + over30 + over7 + over1, aging: [over1, over7, over30, over90] };
  });
  const sumBy = <K extends string | number | null>(dimension: TaskDimension) => {
    const totals = new Map<K, Counts>();
    for (const c of counted) {
      const key = (c.values[dimension] ?? null) as K;
      const row = totals.get(key) ?? { open: 0, dueSoon: 0, overdue: 0 };
      row.open += c.open;
      row.dueSoon += c.dueSoon;
      row.overdue += c.overdue;
      totals.set(key, row);
    }
    return sorted([...totals.entries()].map(([key, counts]) => ({ key, ...counts })));
  };
  const sorted = <R extends Counts & { key: string | number | null }>(list: R[]) =>
    list.sort((a, b) => b.overdue - a.overdue || b.open - a.open || String(a.key ?? '').localeCompare(String(b.key ?? '')));
  const drill = (param: string, value: string | null): Drill => ({
    open: fragment({ figure: 'open', [param]: value ?? '' }),
    dueSoon: fragment({ figure: 'dueSoon', [param]: value ?? '' }),
    overdue: fragment({ figure: 'overdue', [param]: value ?? '' }),
  });
  const byProcess = sumBy<string>('definitionKey');
  const byOwner = sorted(owners.map((g) => ({ key: (g.values.assignee ?? null) as string | null, open: g.noDue + g.bands.reduce((a, b) => a + b, 0), dueSoon: g.bands[1], overdue: g.bands[0] })));
  const [names, processNames] = await Promise.all([
    namesOf(store, byOwner.map((o) => o.key).filter((k): k is string => k !== null)),
    definitionNames(store, byProcess.map((p) => p.key)),
  ]);
  const total = { open: 0, dueSoon: 0, overdue: 0, escalated: 0, aging: [0, 0, 0, 0] };
  for (const c of counted) {
    total.open += c.open;
    total.dueSoon += c.dueSoon;
    total.overdue += c.overdue;
    c.aging.forEach((n, i) => (total.aging[i] += n));
  }
  const escalations = sumBy<number>('escalationLevel')
    .filter((l) => Number(l.key) > 0 && l.open > 0)
    .sort((a, b) => Number(a.key) - Number(b.key))
    .map((l) => ({ level: Number(l.key), count: l.open, drill: fragment({ figure: 'escalation', level: String(l.key) }) }));
  total.escalated = escalations.reduce((n, e) => n + e.count, 0);
  return {
    totals: {
      open: total.open,
      dueSoon: total.dueSoon,
      overdue: total.overdue,
      escalated: total.escalated,
      drill: { open: fragment({ figure: 'open' }), dueSoon: fragment({ figure: 'dueSoon' }), overdue: fragment({ figure: 'overdue' }), escalated: fragment({ figure: 'escalated' }) },
    },
    byProcess: byProcess.map(({ key, ...counts }) => ({ key, name: processNames.get(key) ?? key, ...counts, drill: drill('byProcess', key) })),
    bySite: sumBy<string | null>('site').map(({ key, ...counts }) => ({ site: key, ...counts, drill: drill('bySite', key) })),
    byOwner: byOwner.map(({ key, ...counts }) => ({ user: key, name: key === null ? 'Unassigned (held by a role)' : (names.get(key) ?? key), ...counts, drill: drill('byOwner', key) })),
    byRole: sumBy<string | null>('candidateRole').map(({ key, ...counts }) => ({ role: key, ...counts, drill: drill('byRole', key) })),
    aging: AGING_BUCKETS.map((bucket, i) => ({ bucket, count: total.aging[i], drill: fragment({ figure: 'aging', bucket }) })),
    escalations,
  };
}

/** The due-date edges of the aging bands: > 90, 31–90, 8–30, 1–7 days overdue, due within 7 days, later. */
export function agingEdges(asOf: Date): string[] {
  const t = asOf.getTime();
  return [t - 90 * DAY_MS, t - 30 * DAY_MS, t - 7 * DAY_MS, t, t + DUE_SOON_DAYS * DAY_MS].map((ms) => new Date(ms).toISOString());
}

export async function namesOf(store: DashboardStore, ids: string[]): Promise<Map<string, string>> {
  const users = await Promise.all(ids.map((id) => store.getUser(id)));
  return new Map(users.filter((u): u is UserRecord => Boolean(u)).map((u) => [u.id, u.name]));
}

/** Process definition keys → their names (the key when the definition is gone). */
export async function definitionNames(store: DashboardStore, keys: string[]): Promise<Map<string, string>> {
  return new Map(await Promise.all(keys.map(async (key) => [key, (await store.getDefinition(key))?.name ?? key] as const)));
}
