/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Counts, Dashboard } from '../../../engine/features/dashboard/index.js';
import { useReader } from '../reader.js';
import { useSiteName } from '../components/SiteName.js';
import { listHref } from './query.js';
import { CountLink, DataTable, Figure, Tile, useFormat, useWeek } from './parts.js';

/**
 * The open-task figures of the dashboard: the four tiles (open, due soon, overdue, escalated), where the
 * open items are (by process, site, owner, role), overdue and escalated, and the weekly trends. Each is a
 * table whose numbers open their records; the script draws a chart above it.
 */

type CountsRow = Counts & { drill: Record<keyof Counts, string> };

/** How rows of the "by …" figures are named on the page: process names in the reader's language, people by name. */
export interface GroupLabels {
  process(row: Dashboard['byProcess'][number]): string;
  site(site: string | null): string;
  owner(row: Dashboard['byOwner'][number]): string;
  role(role: string | null): string;
}

export function useGroupLabels(): GroupLabels {
  const { t, translated } = useReader();
  const siteName = useSiteName();
  return {
    process: (row) => translated(`${row.key}.process.name`, row.name),
    site: (site) => (site ? siteName(site) : t('dashboard.noSite')),
    owner: (row) => (row.user === null ? t('dashboard.unassigned') : row.name),
    role: (role) => role ?? t('dashboard.noRole'),
  };
}

function CountsFigure<T extends CountsRow>({ name, caption, what, rows, label, filters }: { name: string; caption: string; what: string; rows: T[]; label: (row: T) => string; filters: URLSearchParams }) {
  const { t } = useReader();
  const body = rows.length ? (
    <DataTable
      caption={caption}
      columns={[{ label: what }, { label: t('dashboard.open'), numeric: true }, { label: t('dashboard.dueSoon'), numeric: true }, { label: t('dashboard.overdue'), numeric: true }]}
      rows={rows.map((row) => [
        label(row),
        <CountLink count={row.open} drill={row.drill.open} filters={filters} context={t('dashboard.context.open', { label: label(row) })} />,
        <CountLink count={row.dueSoon} drill={row.drill.dueSoon} filters={filters} context={t('dashboard.context.dueSoon', { label: label(row) })} />,
        <CountLink count={row.overdue} drill={row.drill.overdue} filters={filters} context={t('dashboard.context.overdue', { label: label(row) })} />,
      ])}
    />
  ) : undefined;
  return (
    <Figure name={name} caption={caption} empty={t('dashboard.noOpenItems')}>
      {body}
    </Figure>
  );
}

export function Totals({ data, filters }: { data: Dashboard; filters: URLSearchParams }) {
  const { t } = useReader();
  const { num } = useFormat();
  const x = data.totals;
  const href = (count: number, drill: string) => (count ? listHref(drill, filters) : undefined);
  return (
    <ul class="tiles" aria-label={t('dashboard.openItems')}>
      <Tile kind="open" label={t('dashboard.open')} value={num(x.open)} href={href(x.open, x.drill.open)} />
      <Tile kind="due-soon" label={t('dashboard.dueSoon')} value={num(x.dueSoon)} href={href(x.dueSoon, x.drill.dueSoon)} hint={t('dashboard.dueSoonHint')} />
      <Tile kind="overdue" label={t('dashboard.overdue')} value={num(x.overdue)} href={href(x.overdue, x.drill.overdue)} />
      <Tile kind="escalated" label={t('dashboard.escalated')} value={num(x.escalated)} href={href(x.escalated, x.drill.escalated)} hint={t('dashboard.escalatedHint')} />
    </ul>
  );
}

export function WhereFigures({ data, filters }: { data: Dashboard; filters: URLSearchParams }) {
  const { t } = useReader();
  const labels = useGroupLabels();
  return (
    <div class="grid">
      <CountsFigure name="byProcess" caption={t('dashboard.byProcess')} what={t('dashboard.process')} rows={data.byProcess} label={labels.process} filters={filters} />
      <CountsFigure name="bySite" caption={t('dashboard.bySite')} what={t('dashboard.site')} rows={data.bySite} label={(r) => labels.site(r.site)} filters={filters} />
      <CountsFigure name="byOwner" caption={t('dashboard.byOwner')} what={t('dashboard.owner')} rows={data.byOwner} label={labels.owner} filters={filters} />
      <CountsFigure name="byRole" caption={t('dashboard.byRole')} what={t('dashboard.role')} rows={data.byRole} label={(r) => labels.role(r.role)} filters={filters} />
    </div>
  );
}

const BUCKETS: Record<string, string> = { '1-7': 'dashboard.bucket.week', '8-30': 'dashboard.bucket.month', '31-90': 'dashboard.bucket.quarter', '>90': 'dashboard.bucket.longer' };

/** An aging bucket in words: "1–7 days", "over 90 days". */
export function bucketLabel(t: (id: string) => string, bucket: string): string {
  return BUCKETS[bucket] ? t(BUCKETS[bucket]) : bucket;
}

export function LateFigures({ data, filters }: { data: Dashboard; filters: URLSearchParams }) {
  const { t } = useReader();
  return (
    <div class="grid">
      <Figure name="aging" caption={t('dashboard.aging')} empty={t('dashboard.nothingOverdue')}>
        {data.aging.some((a) => a.count) ? (
          <DataTable
            caption={t('dashboard.aging')}
            columns={[{ label: t('dashboard.daysOverdue') }, { label: t('dashboard.items'), numeric: true }]}
            rows={data.aging.map((a) => [bucketLabel(t, a.bucket), <CountLink count={a.count} drill={a.drill} filters={filters} context={t('dashboard.context.aging', { days: bucketLabel(t, a.bucket) })} />])}
          />
        ) : undefined}
      </Figure>
      <Figure name="escalations" caption={t('dashboard.escalations')} empty={t('dashboard.noEscalation')}>
        {data.escalations.length ? (
          <DataTable
            caption={t('dashboard.escalations')}
            columns={[{ label: t('dashboard.level') }, { label: t('dashboard.items'), numeric: true }]}
            rows={data.escalations.map((x) => [t('dashboard.levelN', { level: x.level }), <CountLink count={x.count} drill={x.drill} filters={filters} context={t('dashboard.context.escalation', { level: x.level })} />])}
          />
        ) : undefined}
      </Figure>
    </div>
  );
}

export function TrendFigure({ data, filters }: { data: Dashboard; filters: URLSearchParams }) {
  const { t, calendarDate } = useReader();
  const week = useWeek();
  return (
    <figure class="chart" data-chart="trends">
      <figcaption>{t('dashboard.trends')}</figcaption>
      {data.trends.length ? (
        <details class="figures">
          <summary>{t('dashboard.trendsTable', { weeks: data.trends.length })}</summary>
          <DataTable
            caption={t('dashboard.trendsCaption')}
            columns={[{ label: t('dashboard.weekFrom') }, { label: t('dashboard.opened'), numeric: true }, { label: t('dashboard.closed'), numeric: true }, { label: t('dashboard.overdueAtWeekEnd'), numeric: true }]}
            rows={data.trends.map((w) => [
              <>
                {week(w.week)} <span class="hint">({calendarDate(w.start.slice(0, 10))})</span>
              </>,
              <CountLink count={w.opened} drill={w.drill.opened} filters={filters} context={t('dashboard.context.opened', { week: week(w.week) })} />,
              <CountLink count={w.closed} drill={w.drill.closed} filters={filters} context={t('dashboard.context.closed', { week: week(w.week) })} />,
              <CountLink count={w.overdue} drill={w.drill.overdue} filters={filters} context={t('dashboard.context.overdueAtWeekEnd', { week: week(w.week) })} />,
            ])}
          />
        </details>
      ) : (
        <p class="empty">{t('dashboard.noWeeks')}</p>
      )}
    </figure>
  );
}
