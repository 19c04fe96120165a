/**
 * The charts of the steering dashboard (/dashboard). Progressive enhancement: the server renders every
 * figure as a table with links (the page works and is complete without this script); this script reads
 * the same figures, in the JSON shape of GET /api/dashboard, and the words of the charts in the reader's
 * language (api/pages/dashboard/chart-words.ts), from two attributes of the page's container:
 *
 *   <div id="dashboard" data-figures="{…}" data-words="{…}" data-filters="site=basel">
 *
 * and draws a Chart.js chart above each `<figure class="chart" data-chart="<name>">`, folding its table
 * into a "Figures as a table" disclosure. A click on a bar or point opens the list of records behind it:
 * `/dashboard/list?<drill>&<filters>`, where <filters> is the page's filter query (`data-filters` on
 * #dashboard), so the list shows what the figure counted. Each canvas is an image with a text description
 * for screen readers; keyboard users follow the table's links.
 *
 * On a phone the charts keep their labels whole: long category names are wrapped onto lines (or shortened
 * with "…", the whole name in the tooltip), the legend sits below, and the ticks get the room they need.
 *
 * Only the Chart.js parts used here are registered (bar and line charts, two scales, tooltip, legend), so
 * esbuild leaves the rest of the library out of the bundle.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartEvent,
  type ActiveElement,
} from 'chart.js';
import './dashboard.css';

Chart.register(BarController, LineController, BarElement, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.color = '#1a1a1a';
Chart.defaults.font.size = 13;

/** The figures as GET /api/dashboard sends them (see README "Steering dashboard"); only what the charts read. */
type Drill = Record<string, string | undefined>;
interface Counts {
  open: number;
  dueSoon: number;
  overdue: number;
  drill?: Drill;
}
export interface DashboardData {
  byProcess?: (Counts & { key: string; name?: string })[];
  bySite?: (Counts & { site: string | null })[];
  byOwner?: (Counts & { user: string | null; name?: string })[];
  byRole?: (Counts & { role: string | null })[];
  aging?: { bucket: string; count: number; drill?: string }[];
  escalations?: { level: number | string; count: number; drill?: string }[];
  trends?: { week: string; start?: string; opened: number; closed: number; overdue: number; drill?: Drill }[];
  findings?: { clause: string; number?: string; title?: string; grade: string; count: number; drill?: string }[];
  gapCoverage?: { standard: string; conforms: number; partial: number; gap: number; notApplicable: number; drill?: string }[];
  kpis?: { id: string; name: string; unit?: string; target?: number | null; trend?: { period: string; value: number }[] }[];
  /** Every pack's section with its view; the page draws those it has no own figure for as `pack-<section>`. */
  sections?: { section: string; view: { table?: { columns: string[]; rows: { cells: (string | number | null)[]; drill?: string }[] } } }[];
}

export interface Series {
  label: string;
  color: string;
  values: number[];
  /** The drill-down fragment behind each value (same order as the labels); none: not clickable. */
  drills?: (string | undefined)[];
  dashed?: boolean;
}

export interface ChartSpec {
  type: 'bar' | 'line';
  labels: string[];
  series: Series[];
  horizontal?: boolean;
  stacked?: boolean;
  /** A small line without axes (a KPI's trend). */
  sparkline?: boolean;
}

/** Colours with at least 4.5:1 contrast on white, the same meaning on every chart. */
export const COLOURS = {
  open: '#0b4fa8',
  dueSoon: '#8a5a00',
  overdue: '#b00020',
  closed: '#1e7b34',
  neutral: '#4a5560',
  major: '#b00020',
  minor: '#8a5a00',
  observation: '#0b4fa8',
  ofi: '#4a5560',
  conforms: '#1e7b34',
  partial: '#8a5a00',
  gap: '#b00020',
  notApplicable: '#6b7580',
} as const;

const GRADES = ['major', 'minor', 'observation', 'ofi'] as const;

/**
 * The words of the charts in the reader's language, as the page hands them over (data-words): series
 * names, each chart's category labels as the page's tables name them, and the words of the descriptions.
 */
export interface ChartWords {
  series: Record<string, string>;
  labels: Record<string, string[]>;
  describe: { bar: string; line: string; spark: string; more: string };
  figuresTable: string;
  /** Series names are lower-cased inside a description ("2 open"), except where nouns keep capitals (German). */
  lowerCase: boolean;
}

/** The English words, for a page that gives none. */
export const ENGLISH: ChartWords = {
  series: {
    open: 'Open',
    dueSoon: 'Due soon',
    overdue: 'Overdue',
    overdueItems: 'Overdue items',
    escalatedItems: 'Escalated items',
    opened: 'Opened',
    closed: 'Closed',
    target: 'Target',
    conforms: 'Conforms',
    partial: 'Partly',
    gap: 'Gap',
    notApplicable: 'Not applicable',
    major: 'Major',
    minor: 'Minor',
    observation: 'Observation',
    ofi: 'Opportunity for improvement',
  },
  labels: {},
  describe: { bar: 'Bar chart', line: 'Line chart', spark: 'Trend line', more: 'the rest in the table' },
  figuresTable: 'Figures as a table',
  lowerCase: true,
};

function countSeries<T extends Counts>(rows: T[], words: ChartWords): Series[] {
  return [
    { label: words.series.open, color: COLOURS.open, values: rows.map((r) => r.open), drills: rows.map((r) => r.drill?.open) },
    { label: words.series.dueSoon, color: COLOURS.dueSoon, values: rows.map((r) => r.dueSoon), drills: rows.map((r) => r.drill?.dueSoon) },
    { label: words.series.overdue, color: COLOURS.overdue, values: rows.map((r) => r.overdue), drills: rows.map((r) => r.drill?.overdue) },
  ];
}

/** The chart of each figure of the dashboard, by the name the page gives its <figure data-chart>. */
export function chartSpecs(data: DashboardData, given: Partial<ChartWords> = {}): Record<string, ChartSpec> {
  const words: ChartWords = { ...ENGLISH, ...given, series: { ...ENGLISH.series, ...given.series }, labels: given.labels ?? {} };
  // the page's labels for a chart when it gave them (one per category), else these
  const labelled = (name: string, fallback: string[]) => (words.labels[name]?.length === fallback.length ? words.labels[name] : fallback);
  const specs: Record<string, ChartSpec> = {};
  const byProcess = data.byProcess ?? [];
  specs.byProcess = { type: 'bar', horizontal: true, labels: labelled('byProcess', byProcess.map((r) => r.name || r.key)), series: countSeries(byProcess, words) };
  const bySite = data.bySite ?? [];
  specs.bySite = { type: 'bar', horizontal: true, labels: labelled('bySite', bySite.map((r) => r.site ?? 'No site')), series: countSeries(bySite, words) };
  const byOwner = data.byOwner ?? [];
  specs.byOwner = { type: 'bar', horizontal: true, labels: labelled('byOwner', byOwner.map((r) => r.name || r.user || 'Unassigned')), series: countSeries(byOwner, words) };
  const byRole = data.byRole ?? [];
  specs.byRole = { type: 'bar', horizontal: true, labels: labelled('byRole', byRole.map((r) => r.role ?? 'No role (assigned to a person)')), series: countSeries(byRole, words) };
  const aging = data.aging ?? [];
  specs.aging = {
    type: 'bar',
    labels: labelled('aging', aging.map((a) => `${a.bucket} days`)),
    series: [{ label: words.series.overdueItems, color: COLOURS.overdue, values: aging.map((a) => a.count), drills: aging.map((a) => a.drill) }],
  };
  const escalations = data.escalations ?? [];
  specs.escalations = {
    type: 'bar',
    labels: labelled('escalations', escalations.map((x) => `Level ${x.level}`)),
    series: [{ label: words.series.escalatedItems, color: COLOURS.overdue, values: escalations.map((x) => x.count), drills: escalations.map((x) => x.drill) }],
  };
  const trends = data.trends ?? [];
  specs.trends = {
    type: 'line',
    labels: labelled('trends', trends.map((t) => t.week)),
    series: [
      { label: words.series.opened, color: COLOURS.open, values: trends.map((t) => t.opened), drills: trends.map((t) => t.drill?.opened) },
      { label: words.series.closed, color: COLOURS.closed, values: trends.map((t) => t.closed), drills: trends.map((t) => t.drill?.closed), dashed: true },
      { label: words.series.overdue, color: COLOURS.overdue, values: trends.map((t) => t.overdue), drills: trends.map((t) => t.drill?.overdue) },
    ],
  };
  const findings = data.findings ?? [];
  const clauses = [...new Set(findings.map((f) => f.clause))];
  const finding = (clause: string, grade: string) => findings.find((f) => f.clause === clause && f.grade === grade);
  specs.findings = {
    type: 'bar',
    stacked: true,
    labels: clauses.map((c) => findings.find((f) => f.clause === c)?.number || c),
    series: GRADES.filter((grade) => findings.some((f) => f.grade === grade)).map((grade) => ({
      label: words.series[grade],
      color: COLOURS[grade],
      values: clauses.map((c) => finding(c, grade)?.count ?? 0),
      drills: clauses.map((c) => finding(c, grade)?.drill),
    })),
  };
  const gaps = data.gapCoverage ?? [];
  const gapSeries = (key: 'conforms' | 'partial' | 'gap' | 'notApplicable'): Series => ({
    label: words.series[key],
    color: COLOURS[key],
    values: gaps.map((g) => g[key]),
    drills: gaps.map((g) => g.drill),
  });
  specs.gapCoverage = {
    type: 'bar',
    stacked: true,
    horizontal: true,
    labels: labelled('gapCoverage', gaps.map((g) => `ISO ${g.standard}`)),
    series: [gapSeries('conforms'), gapSeries('partial'), gapSeries('gap'), gapSeries('notApplicable')],
  };
  // any pack's table: its rows as bars, one series per numeric column, each bar opening the row's records
  for (const { section, view } of data.sections ?? []) {
    const grid = view.table;
    if (!grid || specs[section]) continue;
    const numeric = grid.columns.map((_c, i) => i).filter((i) => i > 0 && grid.rows.some((r) => typeof r.cells[i] === 'number'));
    const palette = [COLOURS.open, COLOURS.dueSoon, COLOURS.overdue, COLOURS.closed, COLOURS.neutral];
    specs[`pack-${section}`] = {
      type: 'bar',
      labels: grid.rows.map((r) => String(r.cells[0] ?? '')),
      series: numeric.map((i, n) => ({ label: grid.columns[i], color: palette[n % palette.length], values: grid.rows.map((r) => Number(r.cells[i] ?? 0)), drills: grid.rows.map((r) => r.drill) })),
    };
  }
  for (const kpi of data.kpis ?? []) {
    const trend = kpi.trend ?? [];
    const series: Series[] = [{ label: kpi.name, color: COLOURS.open, values: trend.map((t) => t.value) }];
    if (typeof kpi.target === 'number') series.push({ label: words.series.target, color: COLOURS.neutral, values: trend.map(() => kpi.target as number), dashed: true });
    specs[`kpi-${kpi.id}`] = { type: 'line', sparkline: true, labels: trend.map((t) => t.period), series };
  }
  return specs;
}

/** Whether a chart would show anything: at least one label and one value that is not zero. */
export function hasFigures(spec: ChartSpec): boolean {
  return spec.labels.length > 0 && spec.series.some((s) => s.values.some((v) => v !== 0));
}

/** What the chart shows, in words, for the canvas's accessible name (the table follows with every figure). */
export function describe(caption: string, spec: ChartSpec, words: Pick<ChartWords, 'describe' | 'lowerCase'> = ENGLISH): string {
  const name = (label: string) => (words.lowerCase ? label.toLowerCase() : label);
  const shown = spec.labels.slice(0, 8).map((label, i) => `${label}: ${spec.series.map((s) => `${s.values[i] ?? 0} ${name(s.label)}`).join(', ')}`);
  const more = spec.labels.length > 8 ? `; ${words.describe.more}` : '';
  const kind = spec.sparkline ? words.describe.spark : spec.type === 'line' ? words.describe.line : words.describe.bar;
  return `${kind}: ${caption}. ${shown.join('; ')}${more}.`;
}

/**
 * A category label as lines that fit a narrow chart: words kept whole where they fit, at most three lines,
 * the rest shortened with "…" (the tooltip shows the whole label).
 */
export function wrapLabel(label: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of label.split(/\s+/).filter(Boolean)) {
    const piece = word.length > width ? `${word.slice(0, width - 1)}…` : word;
    if (line && line.length + 1 + piece.length > width) {
      lines.push(line);
      line = piece;
    } else line = line ? `${line} ${piece}` : piece;
  }
  if (line) lines.push(line);
  if (lines.length > 3) return [...lines.slice(0, 2), `${lines[2].slice(0, width - 1)}…`];
  return lines.length ? lines : [''];
}

/** The list of records behind a figure: its drill fragment and the page's filters. */
export function listHref(drill: string, filters: string): string {
  return `/dashboard/list?${[drill, filters].filter(Boolean).join('&')}`;
}

function configOf(spec: ChartSpec, filters: string): ChartConfiguration<'bar' | 'line'> {
  const clickable = spec.series.some((s) => s.drills?.some(Boolean));
  const drillAt = (elements: ActiveElement[]) => {
    const hit = elements[0];
    return hit ? spec.series[hit.datasetIndex]?.drills?.[hit.index] : undefined;
  };
  const axis = { stacked: spec.stacked, display: !spec.sparkline, ticks: { color: '#1a1a1a', precision: 0 }, grid: { color: '#e3e6ea' } };
  // The category axis names the bars: its labels wrap to the chart's width instead of running off the canvas.
  const categoryTicks = {
    ...axis.ticks,
    autoSkip: false,
    maxRotation: 0,
    callback(this: { getLabelForValue(value: number): string; chart: { width: number } }, value: number | string) {
      const label = this.getLabelForValue(Number(value));
      return wrapLabel(label, labelWidth(this.chart.width, spec.horizontal));
    },
  };
  const valueTicks = { ...axis.ticks, autoSkip: true, autoSkipPadding: 12, maxRotation: 0 };
  return {
    type: spec.type,
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s) => ({
        label: s.label,
        data: s.values,
        backgroundColor: s.color,
        borderColor: s.color,
        borderWidth: spec.type === 'line' ? 2 : 0,
        borderDash: s.dashed ? [6, 4] : undefined,
        // a trend of one value is a dot; of more, a line
        pointRadius: spec.sparkline ? (spec.labels.length > 1 ? 0 : 3) : 2,
        pointHoverRadius: spec.sparkline ? 0 : 5,
        pointHitRadius: 8,
        maxBarThickness: 48,
      })),
    },
    options: {
      indexAxis: spec.horizontal ? 'y' : 'x',
      responsive: true,
      maintainAspectRatio: false,
      // Drawn at once: nothing moves (prefers-reduced-motion or not), and the figures are there when the page is.
      animation: false,
      interaction: spec.type === 'line' ? { mode: 'nearest', intersect: false } : { mode: 'nearest', intersect: true },
      // a little room at the right, so the last tick's number is not cut at the canvas's edge
      layout: { padding: { right: spec.sparkline ? 0 : 8 } },
      scales: {
        // a line chart's weeks are many: its axis skips labels to fit; bars keep every category
        x: { ...axis, beginAtZero: true, ticks: spec.horizontal || spec.type === 'line' ? valueTicks : categoryTicks },
        y: { ...axis, beginAtZero: true, ticks: spec.horizontal ? categoryTicks : axis.ticks },
      },
      plugins: {
        legend: { display: !spec.sparkline && spec.series.length > 1, position: 'bottom', labels: { color: '#1a1a1a', boxWidth: 14, boxHeight: 14 } },
        tooltip: { enabled: !spec.sparkline },
      },
      onHover: (event: ChartEvent, elements: ActiveElement[]) => {
        const target = event.native?.target as HTMLElement | null;
        if (target) target.style.cursor = clickable && drillAt(elements) ? 'pointer' : 'default';
      },
      onClick: (_event: ChartEvent, elements: ActiveElement[]) => {
        const drill = drillAt(elements);
        if (drill) window.location.assign(listHref(drill, filters));
      },
    },
  };
}

/**
 * How many characters of a category label fit on one line: on a phone a horizontal chart's labels get
 * about a third of its width (Chart.js gives the axis what its longest line needs), at 13 px ~7 px a
 * character; a vertical chart's labels share the width between the bars.
 */
function labelWidth(chartWidth: number, horizontal = false): number {
  return horizontal ? Math.max(10, Math.min(32, Math.floor(chartWidth / 3 / 7))) : Math.max(8, Math.min(24, Math.floor(chartWidth / 5 / 7)));
}

/** Pixels a chart needs: bars get room for each label (and its wrapped lines), so long lists stay readable. */
function heightOf(spec: ChartSpec, width: number): number {
  if (spec.sparkline) return 40;
  const lines = Math.max(1, ...spec.labels.map((l) => wrapLabel(l, labelWidth(width, spec.horizontal)).length));
  if (spec.horizontal) return Math.max(140, spec.labels.length * Math.max(spec.stacked ? 30 : 44, lines * 17 + 10) + 90);
  return 260 + (lines - 1) * 16;
}

export const charts: Record<string, Chart<'bar' | 'line'>> = {};

/** Draws each figure's chart; a figure with nothing to show keeps its text. Returns how many were drawn. */
export function drawCharts(root: HTMLElement, data: DashboardData, words: Partial<ChartWords> = {}): number {
  const specs = chartSpecs(data, words);
  const filters = root.dataset.filters ?? '';
  let drawn = 0;
  for (const figure of root.querySelectorAll<HTMLElement>('figure[data-chart]')) {
    const name = figure.dataset.chart ?? '';
    const spec = specs[name];
    if (!spec || !hasFigures(spec)) {
      figure.dataset.state = 'empty';
      continue;
    }
    const caption = figure.querySelector('figcaption')?.textContent?.trim() ?? name;
    const box = document.createElement('div');
    box.className = spec.sparkline ? 'chart-box spark' : 'chart-box';
    box.style.height = `${heightOf(spec, figure.clientWidth || 320)}px`;
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', describe(caption, spec, { ...ENGLISH, ...words }));
    box.append(canvas);
    const table = figure.querySelector<HTMLElement>('.table-wrap');
    const folded = table?.closest('details');
    if (folded && !spec.sparkline) {
      folded.before(box); // a long table the page already folds (the weekly trends)
    } else if (table && !spec.sparkline) {
      // The table stays for whoever wants the exact figures (and for screen readers), one click away.
      const details = document.createElement('details');
      details.className = 'figures';
      const summary = document.createElement('summary');
      summary.textContent = words.figuresTable ?? ENGLISH.figuresTable;
      table.replaceWith(details);
      details.append(summary, table);
      details.before(box);
    } else {
      const where = figure.querySelector('.spark-slot') ?? figure.querySelector('figcaption');
      if (where?.classList.contains('spark-slot')) where.append(box);
      else if (where) where.after(box);
      else figure.prepend(box);
    }
    charts[name] = new Chart(canvas, configOf(spec, filters));
    figure.dataset.state = 'drawn';
    drawn += 1;
  }
  return drawn;
}

/** The filter bar is folded on a phone (the first screen shows figures); on a wide screen it opens. */
function openFiltersWhenWide(): void {
  const bar = document.getElementById('dashboard-filters') as HTMLDetailsElement | null;
  if (bar && window.matchMedia('(min-width: 64em)').matches) bar.open = true;
}

function start(): void {
  openFiltersWhenWide();
  const root = document.getElementById('dashboard');
  if (!root?.dataset.figures) return;
  try {
    const data = JSON.parse(root.dataset.figures) as DashboardData;
    const words = JSON.parse(root.dataset.words ?? '{}') as Partial<ChartWords>;
    const drawn = drawCharts(root, data, words);
    root.dataset.charts = String(drawn);
    root.dataset.state = 'ready';
  } catch (err) {
    // The tables are there: a chart that cannot be drawn leaves the page as it was.
    root.dataset.state = 'error';
    console.error('the dashboard charts could not be drawn', err);
  }
  root.dispatchEvent(new CustomEvent('ims:dashboard', { detail: { state: root.dataset.state } }));
}

// The charts, by figure name, for whoever inspects the page (the browser test reads their data).
(window as unknown as { imsDashboard: { charts: typeof charts } }).imsDashboard = { charts };
start();
