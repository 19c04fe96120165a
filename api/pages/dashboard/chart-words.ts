import type { Dashboard } from '../../../engine/features/dashboard/index.js';
import type { Reader } from '../../../engine/kernel/i18n/index.js';

/**
 * The words of the dashboard's charts, in the reader's language, for the bundle (modeler/dashboard.ts
 * ChartWords): series names, the category labels of each chart as the page's tables name them, and the
 * sentences that describe a chart to a screen reader. The bundle itself holds no language.
 */
export interface ChartWords {
  series: Record<string, string>;
  /** Category labels by chart name, in the order of the figures in the JSON. */
  labels: Record<string, string[]>;
  /** The kinds of chart ("Bar chart") and what follows the first eight categories ("the rest in the table"). */
  describe: { bar: string; line: string; spark: string; more: string };
  figuresTable: string;
  /** German capitalises nouns: series names are not lower-cased in descriptions. */
  lowerCase: boolean;
}

const BUCKETS: Record<string, string> = { '1-7': 'dashboard.bucket.week', '8-30': 'dashboard.bucket.month', '31-90': 'dashboard.bucket.quarter', '>90': 'dashboard.bucket.longer' };
const GRADES = ['major', 'minor', 'observation', 'ofi'];

export function chartWords(reader: Reader, data: Dashboard, processNames: Map<string, string>): ChartWords {
  const { t, translated } = reader;
  const week = (w: string) => {
    const found = /^(\d{4})-W(\d{2})$/.exec(w);
    return found ? t('dashboard.weekShort', { year: found[1], week: Number(found[2]) }) : w;
  };
  const gaps = (data.gapCoverage ?? []) as { standard: string }[];
  return {
    series: {
      open: t('dashboard.open'),
      dueSoon: t('dashboard.dueSoon'),
      overdue: t('dashboard.overdue'),
      overdueItems: t('dashboard.chart.overdueItems'),
      escalatedItems: t('dashboard.chart.escalatedItems'),
      opened: t('dashboard.opened'),
      closed: t('dashboard.closed'),
      target: t('dashboard.kpi.target'),
      conforms: t('dashboard.gaps.conforms'),
      partial: t('dashboard.gaps.partial'),
      gap: t('dashboard.gaps.gap'),
      notApplicable: t('dashboard.gaps.notApplicable'),
      ...Object.fromEntries(GRADES.map((g) => [g, t(`dashboard.grade.${g}`)])),
    },
    labels: {
      byProcess: data.byProcess.map((r) => translated(`${r.key}.process.name`, processNames.get(r.key) ?? r.name)),
      bySite: data.bySite.map((r) => r.site ?? t('dashboard.noSite')),
      byOwner: data.byOwner.map((r) => (r.user === null ? t('dashboard.unassigned') : r.name)),
      byRole: data.byRole.map((r) => r.role ?? t('dashboard.noRole')),
      aging: data.aging.map((a) => (BUCKETS[a.bucket] ? t(BUCKETS[a.bucket]) : a.bucket)),
      escalations: data.escalations.map((x) => t('dashboard.levelN', { level: x.level })),
      trends: data.trends.map((w) => week(w.week)),
      gapCoverage: gaps.map((g) => t('dashboard.gaps.iso', { standard: g.standard })),
    },
    describe: {
      bar: t('dashboard.chart.bar'),
      line: t('dashboard.chart.line'),
      spark: t('dashboard.chart.spark'),
      more: t('dashboard.chart.more'),
    },
    figuresTable: t('dashboard.chart.figuresTable'),
    lowerCase: reader.language !== 'de',
  };
}
