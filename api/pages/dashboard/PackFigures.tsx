/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Dashboard, FigureSection } from '../../../engine/features/dashboard/index.js';
import type { CapaSection } from '../../../processes/capa/figures.js';
import type { GapCoverage } from '../../../processes/gap-analysis/figures.js';
import type { FindingCount } from '../../../processes/internal-audit/figures.js';
import { useSiteName } from '../components/SiteName.js';
import { useReader } from '../reader.js';
import { listHref } from './query.js';
import { CountLink, DataTable, Figure, Tile, useFormat } from './parts.js';

/**
 * The packs' sections of the dashboard. The shipped packs' sections (CAPA, audit findings, gap coverage)
 * are drawn here in their own way, with the page's words; any other pack's section is drawn from the view
 * its figure declares, its words read from the pack's catalogue where it has them
 * (`<process>.figure.<section>.title`, `….caption`, `….column.<n>`, `….tile.<n>`, `….empty`).
 */

/** The pack sections this page draws in its own way; every other is drawn by PackSection. */
export const OWN_SECTIONS = ['capa', 'findings', 'gapCoverage'];

export function CapaFigures({ data, filters }: { data: Dashboard; filters: URLSearchParams }) {
  const { t } = useReader();
  const { num, percent, days } = useFormat();
  const c = data.capa as CapaSection | undefined;
  if (!c) return null;
  const late = c.closed - c.onTime;
  return (
    <>
      <h2>{t('dashboard.capa.title')}</h2>
      <ul class="tiles" aria-label={t('dashboard.capa.tiles')}>
        <Tile kind="closed" label={t('dashboard.capa.closed')} value={num(c.closed)} href={c.closed ? listHref(c.drill.closed, filters) : undefined} />
        <Tile kind="on-time" label={t('dashboard.capa.onTime')} value={percent(c.onTimeRate)} hint={t('dashboard.capa.onTimeOf', { onTime: c.onTime, closed: c.closed })} />
        <Tile kind="overdue" label={t('dashboard.capa.late')} value={num(late)} href={late ? listHref(c.drill.late, filters) : undefined} hint={t('dashboard.capa.lateHint')} />
        <Tile
          kind="cycle"
          label={t('dashboard.capa.cycle')}
          value={days(c.cycleTimeDays.median)}
          hint={t('dashboard.capa.cycleHint', { p90: days(c.cycleTimeDays.p90), mean: days(c.cycleTimeDays.mean) })}
        />
      </ul>
    </>
  );
}

const GRADES = ['major', 'minor', 'observation', 'ofi'] as const;

export function AuditFigures({ data, filters }: { data: Dashboard; filters: URLSearchParams }) {
  const { t } = useReader();
  const { num, percent } = useFormat();
  if (data.findings === undefined && data.gapCoverage === undefined) return null;
  const findingCounts = (data.findings ?? []) as FindingCount[];
  const gapCoverage = (data.gapCoverage ?? []) as GapCoverage[];
  const clauses = [...new Map(findingCounts.map((x) => [x.clause, x])).values()];
  const grade = (g: string) => t(`dashboard.grade.${g}`);
  return (
    <>
      <h2>{t('dashboard.audits.title')}</h2>
      <div class="grid">
        {data.findings === undefined ? null : (
          <Figure name="findings" caption={t('dashboard.findings.caption')} empty={t('dashboard.findings.empty')}>
            {clauses.length ? (
              <DataTable
                caption={t('dashboard.findings.caption')}
                columns={[{ label: t('dashboard.findings.clause') }, ...GRADES.map((g) => ({ label: grade(g), numeric: true }))]}
                rows={clauses.map((clause) => [
                  <>
                    {clause.number || clause.clause}
                    {clause.title ? <span class="hint"> {clause.title}</span> : null}
                  </>,
                  ...GRADES.map((g) => {
                    const hit = findingCounts.find((x) => x.clause === clause.clause && x.grade === g);
                    return <CountLink count={hit?.count ?? 0} drill={hit?.drill} filters={filters} context={t('dashboard.context.findings', { grade: grade(g), clause: clause.number || clause.clause })} />;
                  }),
                ])}
              />
            ) : undefined}
          </Figure>
        )}
        {data.gapCoverage === undefined ? null : (
          <Figure name="gapCoverage" caption={t('dashboard.gaps.caption')} empty={t('dashboard.gaps.empty')}>
            {gapCoverage.length ? (
              <DataTable
                caption={t('dashboard.gaps.caption')}
                columns={[
                  { label: t('dashboard.gaps.standard') },
                  ...['clauses', 'assessed', 'conforms', 'partial', 'gap', 'notApplicable', 'coverage'].map((k) => ({ label: t(`dashboard.gaps.${k}`), numeric: true })),
                ]}
                rows={gapCoverage.map((g) => [
                  t('dashboard.gaps.iso', { standard: g.standard }),
                  num(g.clauses),
                  <CountLink count={g.assessed} drill={g.drill} filters={filters} context={t('dashboard.context.assessed', { standard: g.standard })} />,
                  num(g.conforms),
                  num(g.partial),
                  num(g.gap),
                  num(g.notApplicable),
                  percent(g.coverage),
                ])}
              />
            ) : undefined}
          </Figure>
        )}
      </div>
    </>
  );
}

/** Any pack's section from its view: heading, tiles, a table whose rows open their records. */
export function PackSection({ section, filters }: { section: FigureSection; filters: URLSearchParams }) {
  const { t, translated } = useReader();
  const { num } = useFormat();
  const { tiles, table: grid, empty } = section.view;
  const id = (part: string) => `${section.pack ?? section.process}.figure.${section.section}.${part}`;
  const title = translated(id('title'), section.title);
  const caption = grid ? translated(id('caption'), grid.caption) : '';
  const siteName = useSiteName();
  const rows = grid?.rows.map((row) =>
    row.cells.map((cell, i) => {
      const word = row.words?.[i];
      const text = typeof cell === 'number' ? num(cell) : i === grid.siteColumn && cell ? siteName(cell) : word && cell ? translated(word, cell) : (cell ?? '—');
      const href = i === 0 ? listHref(row.drill, filters) : undefined;
      return href ? <a href={href}>{text}</a> : text;
    }),
  );
  return (
    <section class="pack-figure" data-section={section.section}>
      <h2>{title}</h2>
      {tiles?.length ? (
        <ul class="tiles" aria-label={title}>
          {tiles.map((x, i) => (
            <Tile key={i} kind="pack" label={translated(id(`tile.${i}`), x.label)} value={typeof x.value === 'number' ? num(x.value) : (x.value ?? '—')} href={x.value ? listHref(x.drill, filters) : undefined} />
          ))}
        </ul>
      ) : null}
      {grid ? (
        <Figure name={`pack-${section.section}`} caption={caption} empty={empty ? translated(id('empty'), empty) : t('dashboard.nothingToShow')}>
          {rows?.length ? <DataTable caption={caption} columns={grid.columns.map((c, i) => ({ label: translated(id(`column.${i}`), c), numeric: i > 0 }))} rows={rows} /> : undefined}
        </Figure>
      ) : null}
    </section>
  );
}
