/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Dashboard } from '../../../engine/features/dashboard/index.js';
import type { OutstandingItem } from '../../../engine/features/change-control/index.js';
import type { FieldError } from '../../../engine/kernel/errors.js';
import type { Viewer } from '../basics.js';
import { TaskBadges } from '../components/Badges.js';
import { Shell } from '../components/Shell.js';
import { CalendarDate, When, ZoneNote } from '../components/Time.js';
import { useReader } from '../reader.js';
import { useSiteName } from '../components/SiteName.js';
import { chartWords } from './chart-words.js';
import { FilterBar, type FilterChoices } from './FilterBar.js';
import { KpiSection } from './Kpis.js';
import { AuditFigures, CapaFigures, OWN_SECTIONS, PackSection } from './PackFigures.js';
import { DataTable } from './parts.js';
import { LateFigures, Totals, TrendFigure, WhereFigures } from './TaskFigures.js';

/**
 * The steering dashboard (/dashboard). Server-rendered: every figure is a table or a tile whose numbers
 * link to their list, so the page is complete without JavaScript; the bundle /assets/dashboard.js
 * (modeler/dashboard.ts) draws Chart.js charts from the same figures, handed over in data attributes (the
 * figures as GET /api/dashboard gives them, and the words of the charts in the reader's language). The
 * figures come from engine/features/dashboard/, the same functions as GET /api/dashboard: the page only
 * shows them.
 */

export interface DashboardPageState {
  viewer: Viewer;
  filters: URLSearchParams;
  choices: FilterChoices;
  /** Problems with the filters: the page is then the filter bar and what to correct. */
  errors: FieldError[];
  data?: Dashboard;
  training?: OutstandingItem[];
  /** Process names by key (for the training list and the filter summary). */
  processNames: Map<string, string>;
}

const HEAD = (
  <>
    <link rel="stylesheet" href="/assets/dashboard.css" />
    <script src="/assets/dashboard.js" defer></script>
  </>
);

export function DashboardPage({ state }: { state: DashboardPageState }) {
  const { t } = useReader();
  const { viewer, filters, choices, errors, data } = state;
  const summary = useFilterSummary(state);
  return (
    <Shell title={t('dashboard.title')} viewer={viewer} current="dashboard" wide head={data ? HEAD : <link rel="stylesheet" href="/assets/dashboard.css" />}>
      {errors.length ? <FilterErrors errors={errors} /> : null}
      {/* the filter bar's date fields are many Tab stops: a keyboard user can pass them (shown when focused) */}
      {data ? (
        <a class="ims-skip-inline" href="#dashboard">
          {t('dashboard.filters.skip')}
        </a>
      ) : null}
      <FilterBar filters={filters} choices={choices} errors={errors} summary={summary} />
      {data ? <Figures state={state} data={data} /> : null}
    </Shell>
  );
}

/** "All your sites · every process · 2 Mar 2025 – 2 Mar 2026": the folded filter bar says what is shown. */
function useFilterSummary({ filters, data, processNames }: DashboardPageState): string {
  const { t, translated, calendarDate, dateTime } = useReader();
  const sites = filters.getAll('site');
  const processes = filters.getAll('process').map((key) => translated(`${key}.process.name`, processNames.get(key) ?? key));
  const parts = [sites.length ? sites.join(', ') : t('dashboard.filters.allSites'), processes.length ? processes.join(', ') : t('dashboard.filters.allProcesses')];
  if (data) parts.push(t('dashboard.filters.period', { from: calendarDate(data.filters.from), to: calendarDate(data.filters.to) }));
  const at = filters.get('at');
  if (at && !Number.isNaN(Date.parse(at))) parts.push(t('dashboard.filters.asAt', { at: dateTime(at) }));
  return parts.join(' · ');
}

function FilterErrors({ errors }: { errors: FieldError[] }) {
  const { t } = useReader();
  const label = (field: string) => (['site', 'process', 'from', 'to', 'at'].includes(field) ? t(`dashboard.filters.${field}`) : field);
  return (
    <div class="usa-alert usa-alert--error notice bad" role="alert">
      <div class="usa-alert__body">
        <p class="usa-alert__text">{t('dashboard.filters.correct', { count: errors.length })}</p>
        <ul>
          {errors.map((x) => (
            <li key={x.field}>
              <a href={`#f-${x.field}`}>{t('dashboard.filters.problem', { field: label(x.field), message: x.message })}</a>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

function Figures({ state, data }: { state: DashboardPageState; data: Dashboard }) {
  const { t, rich } = useReader();
  const words = chartWords(useReader(), data, state.processNames);
  const { filters, viewer, training = [] } = state;
  const qs = filters.toString();
  return (
    <div id="dashboard" tabIndex={-1} data-filters={qs} data-figures={JSON.stringify(data)} data-words={JSON.stringify(words)}>
      <p role="status">
        {rich('dashboard.asOf', { at: <When iso={data.asOf} />, from: <CalendarDate ymd={data.filters.from} />, to: <CalendarDate ymd={data.filters.to} /> })}
      </p>
      <ul class="exports">
        <li>
          <a href={`/api/dashboard/report.pdf${qs ? `?${qs}` : ''}`}>{t('dashboard.report')}</a>
        </li>
        <li>
          <a href={`/api/dashboard${qs ? `?${qs}` : ''}`}>{t('dashboard.json')}</a>
        </li>
      </ul>
      <h2 id="totals">{t('dashboard.openItems')}</h2>
      <Totals data={data} filters={filters} />
      <h2>{t('dashboard.where')}</h2>
      <WhereFigures data={data} filters={filters} />
      <h2>{t('dashboard.late')}</h2>
      <LateFigures data={data} filters={filters} />
      <h2>{t('dashboard.trendsTitle')}</h2>
      <TrendFigure data={data} filters={filters} />
      <CapaFigures data={data} filters={filters} />
      <AuditFigures data={data} filters={filters} />
      {data.sections
        .filter((section) => !OWN_SECTIONS.includes(section.section))
        .map((section) => (
          <PackSection key={section.section} section={section} filters={filters} />
        ))}
      <h2>{t('dashboard.kpis')}</h2>
      <KpiSection kpis={data.kpis} viewer={viewer} />
      <h2 id="training">{t('dashboard.training.title')}</h2>
      <Training items={training} asOf={data.asOf} processNames={state.processNames} />
      <ZoneNote />
    </div>
  );
}

/**
 * Who has not yet acknowledged a published process version ("read and understood", issue 6): one row per
 * open acknowledgement task of the sites in view, overdue first; each opens the record of that task.
 */
function Training({ items, asOf, processNames }: { items: OutstandingItem[]; asOf: string; processNames: Map<string, string> }) {
  const siteName = useSiteName();
  const { t, translated } = useReader();
  if (!items.length) {
    return (
      <p class="empty" id="training-none">
        {t('dashboard.training.none')}
      </p>
    );
  }
  const overdue = items.filter((i) => i.overdue).length;
  const rows = [...items]
    .sort((a, b) => Number(b.overdue) - Number(a.overdue))
    .map((i) => [
      i.name,
      <a href={`/records/${encodeURIComponent(i.instanceId)}`}>{t('dashboard.training.version', { process: translated(`${i.processKey}.process.name`, processNames.get(i.processKey) ?? i.processKey), version: i.version })}</a>,
      i.site ? siteName(i.site) : t('dashboard.noSite'),
      i.dueAt ? (
        <>
          <When iso={i.dueAt} /> <TaskBadges task={{ status: 'open', dueAt: i.dueAt }} now={asOf} />
        </>
      ) : (
        '—'
      ),
    ]);
  return (
    <>
      <p id="training-summary">{t('dashboard.training.summary', { count: items.length, overdue })}</p>
      <DataTable
        caption={t('dashboard.training.caption')}
        columns={[{ label: t('dashboard.training.person') }, { label: t('dashboard.training.processVersion') }, { label: t('dashboard.site') }, { label: t('dashboard.due') }]}
        rows={rows}
      />
    </>
  );
}
