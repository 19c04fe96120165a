import express, { type Request, type Response } from 'express';
import { resolveContext, type Counts, type Dashboard, type DashboardContext, type DashboardFilters, type Drilldown, type FigureSection, type KpiView, type RecordList } from '../../engine/features/dashboard/index.js';
import type { CapaSection } from '../../processes/capa/figures.js';
import type { GapCoverage } from '../../processes/gap-analysis/figures.js';
import type { FindingCount } from '../../processes/internal-audit/figures.js';
import { NotFoundError, NotPermittedError, ValidationError, type FieldError } from '../../engine/kernel/errors.js';
import type { OutstandingItem } from '../../engine/features/change-control/index.js';
import type { ProcessEngine } from '../../engine/process-engine.js';
import { mayEnterValues } from '../../engine/features/kpis/index.js';
import type { KpiRecord, UserRecord } from '../../engine/kernel/model.js';
import { canSee, checkCsrf, hasRole, visibleSites } from '../auth.js';
import { directoryNames, person } from './records.js';
import { csrfField, DASHBOARD_ROLES, e, notice, plural, sendPage, str, type Viewer, when } from './html.js';
import { requireSignIn, viewerOf } from './session.js';

/**
 * The steering dashboard (/dashboard), the records behind each of its figures (/dashboard/list) and the
 * KPI value form (/dashboard/kpis/:id).
 *
 * Server-rendered: every figure is a table or a tile whose numbers link to their list, so the page is
 * complete without JavaScript; the bundle /assets/dashboard.js (modeler/dashboard.ts) draws Chart.js
 * charts from the same figures, embedded as JSON. The filters (site, process, from, to, at) are a GET
 * form: the view lives in the URL, so a link reopens it as it was, and every drill-down link carries them.
 * The figures come from engine/features/dashboard/, the same functions as GET /api/dashboard and its records:
 * the page only shows them.
 */

// ─── Filters in the URL ───

const FILTER_KEYS = ['site', 'process', 'from', 'to', 'at'] as const;
const DRILL_KEYS = ['figure', 'byProcess', 'bySite', 'byOwner', 'byRole', 'bucket', 'level', 'week', 'clause', 'grade', 'standard', 'value'] as const;
/** A datetime-local field's value: the dashboard's times are UTC, so it is read as UTC. */
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/** The request's query string as URLSearchParams (repeated names kept, in order). */
function queryOf(req: Request): URLSearchParams {
  const at = req.originalUrl.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : req.originalUrl.slice(at + 1));
}

/**
 * The filters of a query in one spelling: empty ones left out, comma lists split, repeats dropped, a
 * time without zone read as UTC. This is what the page's URL and every link of it carry.
 */
export function filterQuery(query: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const seen = new Set<string>();
    for (const value of query.getAll(key)) {
      for (let part of key === 'site' || key === 'process' ? value.split(',') : [value]) {
        part = part.trim();
        if (key === 'at' && LOCAL_TIME.test(part)) part = `${part}Z`;
        if (part && !seen.has(part)) out.append(key, part);
        seen.add(part);
      }
    }
  }
  return out;
}

function filtersOf(query: URLSearchParams): DashboardFilters {
  const one = (key: string) => query.get(key) ?? undefined;
  const many = (key: string) => (query.getAll(key).length ? query.getAll(key) : undefined);
  return { sites: many('site'), processes: many('process'), from: one('from'), to: one('to'), at: one('at') };
}

function drillOf(query: URLSearchParams): Drilldown {
  const drill: Drilldown = { figure: query.get('figure') ?? '' };
  for (const key of DRILL_KEYS) if (key !== 'figure' && query.has(key)) drill[key] = query.get(key) ?? '';
  return drill;
}

/** The drill fragment of a query (what names the figure), in the page's own order. */
function drillQuery(query: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of DRILL_KEYS) if (query.has(key)) out.set(key, query.get(key) ?? '');
  return out;
}

/** The list of records behind a figure: its drill fragment, then the page's filters. */
export function listHref(drill: string | undefined, filters: URLSearchParams): string | undefined {
  if (!drill) return undefined;
  return `/dashboard/list?${[drill, filters.toString()].filter(Boolean).join('&')}`;
}

// ─── Rendering ───

const NUMBER = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });

function num(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : NUMBER.format(value);
}

function days(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${num(value)} d`;
}

/** A percentage as the engine gives it (0–100, one decimal). */
function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${num(value)} %`;
}

/**
 * A count that opens its list of records; `context` is read after the number by screen readers (the link
 * "3" alone says nothing out of its table). Zero is plain text: there is nothing to list.
 */
function countLink(count: number, drill: string | undefined, filters: URLSearchParams, context: string): string {
  const href = listHref(drill, filters);
  if (!count || !href) return e(num(count));
  return `<a href="${e(href)}">${e(num(count))}<span class="vh"> ${e(context)}</span></a>`;
}

function table(caption: string, head: string[], rows: string[][], numeric: number[] = []): string {
  const cell = (html: string, i: number) => (i === 0 ? `<th scope="row">${html}</th>` : `<td${numeric.includes(i) ? ' class="num"' : ''}>${html}</td>`);
  return `<div class="table-wrap"><table><caption class="vh">${e(caption)}</caption><thead><tr>${head
    .map((h, i) => `<th scope="col"${numeric.includes(i) ? ' class="num"' : ''}>${e(h)}</th>`)
    .join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('')}</tbody></table></div>`;
}

/** A figure: caption, then its table (the script draws the chart above it), or a sentence when empty. */
function figure(name: string, caption: string, body: string | undefined, empty: string): string {
  return `<figure class="chart" data-chart="${e(name)}"><figcaption>${e(caption)}</figcaption>${body ?? `<p class="empty">${e(empty)}</p>`}</figure>`;
}

function countsFigure<T extends Counts & { drill: Record<keyof Counts, string> }>(name: string, caption: string, what: string, rows: T[], label: (row: T) => string, filters: URLSearchParams): string {
  const body = rows.length
    ? table(
        caption,
        [what, 'Open', 'Due soon', 'Overdue'],
        rows.map((row) => [
          e(label(row)),
          countLink(row.open, row.drill.open, filters, `open, ${label(row)}`),
          countLink(row.dueSoon, row.drill.dueSoon, filters, `due soon, ${label(row)}`),
          countLink(row.overdue, row.drill.overdue, filters, `overdue, ${label(row)}`),
        ]),
        [1, 2, 3],
      )
    : undefined;
  return figure(name, caption, body, 'No open items.');
}

function tile(kind: string, label: string, count: number | string, href: string | undefined, hint = ''): string {
  const inner = `<span class="figure">${e(count)}</span><span class="label">${e(label)}</span>${hint ? `<span class="hint">${e(hint)}</span>` : ''}`;
  return `<li class="tile ${kind}">${href ? `<a href="${e(href)}">${inner}</a>` : `<span>${inner}</span>`}</li>`;
}

/** The pack sections this page draws in its own way (above); every other is drawn by packSection. */
const OWN_PAGES = ['capa', 'findings', 'gapCoverage'];

/** Any pack's section from its view: heading, tiles, a table whose rows link to their records. */
function packSection(section: FigureSection, filters: URLSearchParams): string {
  const { tiles, table: grid, empty } = section.view;
  const tileList = tiles?.length
    ? `<ul class="tiles" aria-label="${e(section.title)}">${tiles.map((t) => tile('pack', t.label, t.value ?? '—', t.value ? listHref(t.drill, filters) : undefined)).join('')}</ul>`
    : '';
  // a row that has records behind it opens their list from its first cell
  const link = (html: string, drill: string | undefined) => (drill ? `<a href="${e(listHref(drill, filters))}">${html}</a>` : html);
  const rows = grid?.rows.map((row) => row.cells.map((cell, i) => (i === 0 ? link(e(cell ?? '—'), row.drill) : e(typeof cell === 'number' ? num(cell) : (cell ?? '—')))));
  const body = grid && rows?.length ? table(grid.caption, grid.columns, rows, grid.columns.map((_c, i) => i).slice(1)) : undefined;
  const shown = grid ? figure(`pack-${section.section}`, grid.caption, body, empty ?? 'Nothing to show.') : '';
  return `<section class="pack-figure" data-section="${e(section.section)}"><h2>${e(section.title)}</h2>${tileList}${shown}</section>`;
}

/** How a group without a value is named (the engine says null). */
export const NO_SITE = 'No site';
export const NO_ROLE = 'No role (assigned to a person)';

const SYSTEMS: [KpiRecord['system'], string][] = [
  ['quality', 'Quality (ISO 9001)'],
  ['environment', 'Environment (ISO 14001)'],
  ['safety', 'Occupational health and safety (ISO 45001)'],
];

const STATUS: Record<KpiView['status'], string> = { 'on-target': 'On target', 'off-target': 'Off target', 'no-data': 'No data' };

function target(kpi: Pick<KpiView, 'direction' | 'target' | 'unit'>): string {
  return `${kpi.direction === 'down' ? 'at most' : 'at least'} ${num(kpi.target)}${kpi.unit ? ` ${kpi.unit}` : ''}`;
}

function kpiItem(kpi: KpiView, viewer: Viewer): string {
  const unit = kpi.unit ? ` ${kpi.unit}` : '';
  const latest = kpi.latest ? `<span class="value">${e(num(kpi.latest.value))}${e(unit)}</span> <span class="hint">(${e(kpi.latest.period)})</span>` : '<span class="hint">No value in the period</span>';
  const trend = kpi.trend.length
    ? `<figure class="spark" data-chart="kpi-${e(kpi.id)}"><figcaption>Trend of ${e(kpi.name)}</figcaption><div class="spark-slot"></div><details><summary>Values</summary>${table(
        `Values of ${kpi.name}`,
        ['Period', `Value${unit}`],
        kpi.trend.map((t) => [e(t.period), e(num(t.value))]),
        [1],
      )}</details></figure>`
    : '';
  const action = kpi.source === 'manual' && mayEnterValues(viewer.user, kpi) ? 'Enter a value' : 'Details';
  return `<li><strong>${e(kpi.name)}</strong>${kpi.site ? ` <span class="hint">(${e(kpi.site)})</span>` : ''} <span class="badge ${e(kpi.status)}">${e(STATUS[kpi.status])}</span><br>${latest}<br><span class="hint">Target ${e(target(kpi))} · owner ${e(kpi.ownerName)}${
    kpi.source === 'computed' ? ' · computed from the records' : ''
  }</span>${trend}<a href="/dashboard/kpis/${encodeURIComponent(kpi.id)}">${action}<span class="vh">: ${e(kpi.name)}</span></a></li>`;
}

function kpiSection(kpis: KpiView[], viewer: Viewer): string {
  return `<div class="kpis">${SYSTEMS.map(([system, title]) => {
    const mine = kpis.filter((k) => k.system === system);
    return `<section class="kpi-system" aria-labelledby="kpi-${system}"><h3 id="kpi-${system}">${e(title)}</h3>${
      mine.length ? `<ul class="kpi-list">${mine.map((k) => kpiItem(k, viewer)).join('')}</ul>` : '<p class="empty">No KPI defined.</p>'
    }</section>`;
  }).join('')}</div>`;
}

interface Choice {
  value: string;
  label: string;
}

function fieldError(errors: FieldError[], name: string): { html: string; attrs: string } {
  const error = errors.find((x) => x.field === name)?.message;
  return error ? { html: `<span class="error" id="f-${name}-error">${e(error)}</span>`, attrs: ` aria-invalid="true" aria-describedby="f-${name}-error"` } : { html: '', attrs: '' };
}

function filterForm(filters: URLSearchParams, choices: { sites: Choice[]; processes: Choice[] }, errors: FieldError[]): string {
  const checks = (name: 'site' | 'process', legend: string, list: Choice[], none: string) => {
    const chosen = new Set(filters.getAll(name));
    if (!list.length) return '';
    const error = fieldError(errors, name);
    return `<fieldset id="f-${name}"><legend>${e(legend)}</legend>${error.html}<ul class="choices">${list
      .map(
        (c, i) =>
          `<li><input type="checkbox" id="f-${name}-${i}" name="${name}" value="${e(c.value)}"${chosen.has(c.value) ? ' checked' : ''}><label for="f-${name}-${i}">${e(c.label)}</label></li>`,
      )
      .join('')}</ul><p class="hint">None ticked: ${e(none)}.</p></fieldset>`;
  };
  const input = (name: string, label: string, type: string, value: string) => {
    const error = fieldError(errors, name);
    return `<div class="field"><label for="f-${name}">${e(label)}</label>${error.html}<input type="${type}" id="f-${name}" name="${name}" value="${e(value)}"${type === 'datetime-local' ? ' step="60"' : ''}${error.attrs}></div>`;
  };
  const at = filters.get('at') ?? '';
  return `<form method="get" action="/dashboard" class="dash-filters"><fieldset><legend>Filters</legend>
${checks('site', 'Site', choices.sites, 'all your sites')}${checks('process', 'Process', choices.processes, 'every process')}
<div class="row">${input('from', 'From (date, UTC)', 'date', filters.get('from') ?? '')}${input('to', 'To (date, UTC, inclusive)', 'date', filters.get('to') ?? '')}${input(
    'at',
    'As it stood at (UTC, optional)',
    'datetime-local',
    // the field shows the time without its zone (the form sends it back; the page reads it as UTC)
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(at) ? at.slice(0, 16) : at,
  )}</div>
<p class="hint">The period (default: the 12 months up to today) sets the weekly trends and what was opened or closed in it; open, due-soon and overdue items are counted as they stand now, or at the time given.</p>
<p class="buttons"><button type="submit">Apply</button> <a href="/dashboard">Clear filters</a></p></fieldset></form>`;
}

/** JSON for a <script type="application/json"> element: nothing in it can end the element. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const siteLabel = (site: string | null) => site ?? NO_SITE;
const roleLabel = (role: string | null) => role ?? NO_ROLE;

/**
 * Who has not yet acknowledged a published process version ("read and understood", issue 6): one row per
 * open acknowledgement task of the sites in view, overdue first; each opens the record of that task.
 */
function trainingSection(items: OutstandingItem[]): string {
  if (!items.length) return '<p class="empty" id="training-none">Everyone in view has acknowledged the process versions they act in.</p>';
  const overdue = items.filter((i) => i.overdue).length;
  const rows = [...items]
    .sort((a, b) => Number(b.overdue) - Number(a.overdue))
    .map((i) => [
      e(i.name),
      `<a href="/records/${encodeURIComponent(i.instanceId)}">${e(i.processKey)} version ${e(i.version)}</a>`,
      e(i.site ?? NO_SITE),
      i.dueAt ? `${when(i.dueAt)}${i.overdue ? ' <strong class="bad">overdue</strong>' : ''}` : '—',
    ]);
  return `<p id="training-summary">${e(plural(items.length, 'acknowledgement'))} outstanding, ${e(num(overdue))} overdue.</p>${table('Not yet trained on a process version', ['Person', 'Process version', 'Site', 'Due'], rows)}`;
}

export function dashboardBody(data: Dashboard, viewer: Viewer, filters: URLSearchParams, training: OutstandingItem[] = []): string {
  const f = filters;
  const qs = f.toString();
  const t = data.totals;
  const scope = [data.filters.site.length ? `site ${data.filters.site.join(', ')}` : 'all your sites', data.filters.process.length ? `process ${data.filters.process.join(', ')}` : 'every process'].join(', ');

  const totals = `<ul class="tiles" aria-label="Open items">${[
    tile('open', 'Open', t.open, t.open ? listHref(t.drill.open, f) : undefined),
    tile('due-soon', 'Due soon', t.dueSoon, t.dueSoon ? listHref(t.drill.dueSoon, f) : undefined, 'within 7 days'),
    tile('overdue', 'Overdue', t.overdue, t.overdue ? listHref(t.drill.overdue, f) : undefined),
    tile('escalated', 'Escalated', t.escalated, t.escalated ? listHref(t.drill.escalated, f) : undefined, 'escalation in progress'),
  ].join('')}</ul>`;

  const aging = figure(
    'aging',
    'Overdue items by days overdue',
    data.aging.some((a) => a.count) ? table('Overdue items by days overdue', ['Days overdue', 'Items'], data.aging.map((a) => [e(a.bucket), countLink(a.count, a.drill, f, `overdue ${a.bucket} days`)]), [1]) : undefined,
    'Nothing is overdue.',
  );
  const escalations = figure(
    'escalations',
    'Escalations in progress by level',
    data.escalations.length ? table('Escalations by level', ['Level', 'Items'], data.escalations.map((x) => [`Level ${e(x.level)}`, countLink(x.count, x.drill, f, `escalated to level ${x.level}`)]), [1]) : undefined,
    'No escalation in progress.',
  );
  const trendRows = data.trends.map((w) => [
    `${e(w.week)} <span class="hint">(${e(w.start)})</span>`,
    countLink(w.opened, w.drill.opened, f, `opened in ${w.week}`),
    countLink(w.closed, w.drill.closed, f, `closed in ${w.week}`),
    countLink(w.overdue, w.drill.overdue, f, `overdue at the end of ${w.week}`),
  ]);
  const trends = `<figure class="chart" data-chart="trends"><figcaption>Opened, closed and overdue items by week</figcaption>${
    data.trends.length
      ? `<details class="figures"><summary>Figures as a table (${plural(data.trends.length, 'week')})</summary>${table('Items by week', ['Week (from)', 'Opened', 'Closed', 'Overdue at the end of the week'], trendRows, [1, 2, 3])}</details>`
      : '<p class="empty">No weeks in the period.</p>'
  }</figure>`;

  // the shipped packs' sections have pages of their own making; any other pack's section is drawn from its view
  const c = data.capa as CapaSection | undefined;
  const late = c ? c.closed - c.onTime : 0;
  const capa = !c ? '' : `<ul class="tiles" aria-label="CAPA">${[
    tile('closed', 'CAPAs closed in the period', c.closed, c.closed ? listHref(c.drill.closed, f) : undefined),
    tile('on-time', 'Closed on time', percent(c.onTimeRate), undefined, `${c.onTime} of ${c.closed}`),
    tile('overdue', 'Closed late', late, late ? listHref(c.drill.late, f) : undefined, 'a task completed after its due date'),
    tile('cycle', 'Cycle time, median', days(c.cycleTimeDays.median), undefined, `90th percentile ${days(c.cycleTimeDays.p90)} · mean ${days(c.cycleTimeDays.mean)}`),
  ].join('')}</ul>`;

  const grades = [
    ['major', 'Major'],
    ['minor', 'Minor'],
    ['observation', 'Observation'],
    ['ofi', 'Opportunity'],
  ];
  const findingCounts = (data.findings ?? []) as FindingCount[];
  const gapCoverage = (data.gapCoverage ?? []) as GapCoverage[];
  const clauses = [...new Map(findingCounts.map((x) => [x.clause, x])).values()];
  const findings = data.findings === undefined ? '' : figure(
    'findings',
    'Audit findings by clause and grade',
    clauses.length
      ? table(
          'Audit findings by clause and grade',
          ['Clause', ...grades.map(([, label]) => label)],
          clauses.map((clause) => [
            `${e(clause.number || clause.clause)}${clause.title ? ` <span class="hint">${e(clause.title)}</span>` : ''}`,
            ...grades.map(([grade, label]) => {
              const hit = findingCounts.find((x) => x.clause === clause.clause && x.grade === grade);
              return countLink(hit?.count ?? 0, hit?.drill, f, `${label.toLowerCase()} findings, clause ${clause.number || clause.clause}`);
            }),
          ]),
          [1, 2, 3, 4],
        )
      : undefined,
    'No graded audit findings in the period.',
  );
  const gaps = data.gapCoverage === undefined ? '' : figure(
    'gapCoverage',
    'Gap analysis coverage by standard',
    gapCoverage.length
      ? table(
          'Gap analysis coverage by standard',
          ['Standard', 'Clauses', 'Assessed', 'Conforms', 'Partly', 'Gap', 'Not applicable', 'Coverage'],
          gapCoverage.map((g) => [
            `ISO ${e(g.standard)}`,
            e(num(g.clauses)),
            countLink(g.assessed, g.drill, f, `clauses assessed, ISO ${g.standard}`),
            e(num(g.conforms)),
            e(num(g.partial)),
            e(num(g.gap)),
            e(num(g.notApplicable)),
            e(percent(g.coverage)),
          ]),
          [1, 2, 3, 4, 5, 6, 7],
        )
      : undefined,
    'No gap analysis report yet.',
  );

  return `<div id="dashboard" data-filters="${e(qs)}">
<p role="status">Figures as they stood at ${when(data.asOf)} for ${e(scope)}; period ${e(data.filters.from)} to ${e(data.filters.to)}.</p>
<ul class="exports"><li><a href="/api/dashboard/report.pdf${qs ? `?${e(qs)}` : ''}">Steering-committee report (PDF)</a></li><li><a href="/api/dashboard${qs ? `?${e(qs)}` : ''}">These figures as JSON</a></li></ul>
<h2 id="totals">Open items</h2>${totals}
<h2>Where the open items are</h2><div class="grid">
${countsFigure('byProcess', 'Open items by process', 'Process', data.byProcess, (r) => r.name, f)}
${countsFigure('bySite', 'Open items by site', 'Site', data.bySite, (r) => siteLabel(r.site), f)}
${countsFigure('byOwner', 'Open items by owner', 'Owner', data.byOwner, (r) => r.name, f)}
${countsFigure('byRole', 'Open items by role', 'Role', data.byRole, (r) => roleLabel(r.role), f)}
</div>
<h2>Overdue and escalated</h2><div class="grid">${aging}${escalations}</div>
<h2>Trends</h2>${trends}
${capa ? `<h2>Corrective and preventive actions</h2>${capa}` : ''}
${findings || gaps ? `<h2>Audits and gap analyses</h2><div class="grid">${findings}${gaps}</div>` : ''}
${data.sections.filter((section) => !OWN_PAGES.includes(section.section)).map((section) => packSection(section, f)).join('\n')}
<h2>KPIs by management system</h2>${kpiSection(data.kpis, viewer)}
<h2 id="training">Not yet trained on process changes</h2>${trainingSection(training)}
<script type="application/json" id="dashboard-data">${jsonForScript(data)}</script>
</div>`;
}

/** A cell of a drill-down list: times as UTC, the record and the task as links, yes/no for flags. */
function cellOf(row: RecordList['items'][number], key: string): string {
  const value = row[key];
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  const text = String(value);
  if (key === 'businessKey' && typeof row.instanceId === 'string') return `<a href="/records/${encodeURIComponent(row.instanceId)}">${e(text)}</a>`;
  if (key === 'task' && typeof row.taskId === 'string') return `<a href="/tasks/${encodeURIComponent(row.taskId)}">${e(text)}</a>`;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return when(value);
  return e(text);
}

export function listBody(list: RecordList, query: URLSearchParams, filters: URLSearchParams, limit: number): string {
  const back = `/dashboard${filters.toString() ? `?${filters.toString()}` : ''}`;
  const csv = `/api/dashboard/records.csv?${query.toString()}`;
  const rows = list.items.length
    ? `<div class="table-wrap"><table class="stack"><caption class="vh">${e(list.title)}</caption><thead><tr>${list.columns.map((c) => `<th scope="col">${e(c.label)}</th>`).join('')}</tr></thead><tbody>${list.items
        .map((row) => `<tr>${list.columns.map((c) => `<td data-label="${e(c.label)}">${cellOf(row, c.key)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table></div>`
    : '<p class="empty">No records.</p>';
  const capped = list.items.length >= limit ? ` The first ${limit} are shown; the CSV holds as many.` : '';
  return `<p role="status">${plural(list.items.length, 'record')}.${capped}</p><ul class="exports"><li><a href="${e(csv)}">Download as CSV</a></li><li><a href="${e(back)}">Back to the dashboard</a></li></ul>${rows}`;
}

// ─── KPI values ───

/** The period most often entered: the month before today's. */
function lastMonth(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

interface KpiFormState {
  period: string;
  value: string;
  note: string;
  reason: string;
}

/** The KPI's page; `saved`: the period just saved (post/redirect/get), confirmed at the top. */
async function kpiPage(imsflow: ProcessEngine, viewer: Viewer, kpi: KpiRecord, state: KpiFormState, errors: FieldError[], saved?: string): Promise<string> {
  const [values, names] = await Promise.all([imsflow.queries.kpiValues([kpi.id]), directoryNames(imsflow)]);
  values.sort((a, b) => b.period.localeCompare(a.period));
  const done = values.find((v) => v.period === saved);
  const message = done ? notice('status', `<p>Saved: ${e(kpi.name)} for ${e(done.period)} is ${e(num(done.value))}${kpi.unit ? ` ${e(kpi.unit)}` : ''}.</p>`) : '';
  const facts = `<dl class="facts"><dt>Management system</dt><dd>${e(SYSTEMS.find(([s]) => s === kpi.system)?.[1] ?? kpi.system)}</dd><dt>Target</dt><dd>${e(target(kpi))}</dd><dt>Owner</dt><dd>${person(names, kpi.owner)}</dd><dt>Source</dt><dd>${
    kpi.source === 'computed' ? `computed from the records (${e(kpi.measure)})` : 'entered each period'
  }</dd>${kpi.site ? `<dt>Site</dt><dd>${e(kpi.site)}</dd>` : ''}</dl>`;
  const history = values.length
    ? table(
        `Values of ${kpi.name}`,
        ['Period', `Value${kpi.unit ? ` (${kpi.unit})` : ''}`, 'Note', 'Entered'],
        values.map((v) => [e(v.period), e(num(v.value)), e(v.note ?? ''), `${when(v.enteredAt)} by ${person(names, v.enteredBy)}`]),
        [1],
      )
    : '<p class="empty">No value entered yet.</p>';
  let form = '';
  if (kpi.source === 'manual' && mayEnterValues(viewer.user, kpi)) {
    const field = (name: keyof KpiFormState, label: string, control: (attrs: string) => string, hint = '') => {
      const error = fieldError(errors, name);
      const hintHtml = hint ? `<p class="hint" id="f-${name}-hint">${e(hint)}</p>` : '';
      const described = [error.html ? `f-${name}-error` : '', hint ? `f-${name}-hint` : ''].filter(Boolean).join(' ');
      return `<div class="field"><label for="f-${name}">${e(label)}</label>${hintHtml}${error.html}${control(`id="f-${name}" name="${name}"${error.html ? ' aria-invalid="true"' : ''}${described ? ` aria-describedby="${described}"` : ''}`)}</div>`;
    };
    const summary = errors.length
      ? `<div class="notice bad" role="alert"><p>Please correct ${plural(errors.length, 'field')}.</p><ul>${errors.map((x) => `<li><a href="#f-${e(x.field)}">${e(x.message)}</a></li>`).join('')}</ul></div>`
      : '';
    form = `<h2>Enter a value</h2>${summary}<form method="post" action="/dashboard/kpis/${encodeURIComponent(kpi.id)}" class="decide">${csrfField(viewer)}
${field('period', 'Period', (a) => `<input type="text" ${a} value="${e(state.period)}" required pattern="\\d{4}-(0[1-9]|1[0-2]|Q[1-4])" inputmode="text" autocomplete="off">`, 'A month (2026-04) or a quarter (2026-Q2).')}
${field('value', `Value${kpi.unit ? ` (${kpi.unit})` : ''}`, (a) => `<input type="number" ${a} value="${e(state.value)}" required step="any">`)}
${field('note', 'Note (optional)', (a) => `<textarea ${a} rows="3" maxlength="2000">${e(state.note)}</textarea>`, 'Where the figure comes from, or what explains it.')}
${field('reason', 'Reason for a correction', (a) => `<textarea ${a} rows="2" maxlength="2000">${e(state.reason)}</textarea>`, 'Only when replacing a value entered before for the same period.')}
<p><button type="submit">Save the value</button></p></form>`;
  }
  const back = hasRole(viewer.user, DASHBOARD_ROLES) ? '<p><a href="/dashboard">Back to the dashboard</a></p>' : '';
  return `${message}${facts}${form}<h2>Values</h2>${history}${back}`;
}

// ─── Routes ───

const HEAD = '<link rel="stylesheet" href="/assets/dashboard.css"><script src="/assets/dashboard.js" defer></script>';
const STYLE_ONLY = '<link rel="stylesheet" href="/assets/dashboard.css">';

function allowed(req: Request): Viewer {
  const viewer = viewerOf(req);
  if (!hasRole(viewer.user, DASHBOARD_ROLES)) throw new NotPermittedError('the dashboard is for the steering committee, quality managers, process owners, auditors and administrators');
  return viewer;
}

/** The filters checked against the person and the clock; a foreign site is a 403 (NotPermittedError), as in the API. */
function contextFor(imsflow: ProcessEngine, user: UserRecord, query: URLSearchParams): DashboardContext {
  return resolveContext(user, filtersOf(query), imsflow.clock.now());
}

/** The sites a person may filter by (their own; admins: every site anyone has) and the deployed processes. */
async function choicesFor(imsflow: ProcessEngine, user: UserRecord, data?: Dashboard): Promise<{ sites: Choice[]; processes: Choice[] }> {
  const own = visibleSites(user);
  const sites = new Set(own ?? (await imsflow.queries.people()).flatMap((u) => u.sites ?? []));
  if (!own) for (const s of data?.bySite ?? []) if (s.site) sites.add(s.site);
  const processes = new Map<string, string>();
  for (const d of await imsflow.listDefinitions()) processes.set(d.key, d.name ?? d.key);
  return {
    sites: [...sites].sort().map((s) => ({ value: s, label: s })),
    processes: [...processes].sort((a, b) => a[1].localeCompare(b[1])).map(([value, label]) => ({ value, label })),
  };
}

export function dashboardPages(imsflow: ProcessEngine): express.Router {
  const router = express.Router();
  const kpis = imsflow.commands.kpis;

  router.get('/dashboard', requireSignIn, async (req: Request, res: Response) => {
    const viewer = allowed(req);
    const query = queryOf(req);
    const filters = filterQuery(query);
    // One spelling per view (no empty fields, UTC times): the address in the bar is the one to share.
    if (filters.toString() !== query.toString()) return res.redirect(303, `/dashboard${filters.toString() ? `?${filters.toString()}` : ''}`);
    let data: Dashboard;
    let training: OutstandingItem[];
    try {
      const context = contextFor(imsflow, viewer.user, filters);
      data = await imsflow.queries.dashboard(context);
      const sites = context.scope.sites?.in;
      training = (await imsflow.changes.outstandingTraining(sites ? { sites } : {})).filter((i) => !context.filters.process.length || context.filters.process.includes(i.processKey));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const summary = `<div class="notice bad" role="alert"><p>Please correct ${plural(err.fields.length, 'filter')}.</p><ul>${err.fields
        .map((x) => `<li><a href="#f-${e(x.field)}">${e(x.field)}: ${e(x.message)}</a></li>`)
        .join('')}</ul></div>`;
      return sendPage(res, 400, { title: 'Steering dashboard', viewer, current: 'dashboard', wide: true, head: STYLE_ONLY, body: `${summary}${filterForm(filters, await choicesFor(imsflow, viewer.user), err.fields)}` });
    }
    const form = filterForm(filters, await choicesFor(imsflow, viewer.user, data), []);
    sendPage(res, 200, { title: 'Steering dashboard', viewer, current: 'dashboard', wide: true, head: HEAD, body: `${form}${dashboardBody(data, viewer, filters, training)}` });
  });

  router.get('/dashboard/list', requireSignIn, async (req: Request, res: Response) => {
    const viewer = allowed(req);
    const raw = queryOf(req);
    const filters = filterQuery(raw);
    const query = new URLSearchParams([...drillQuery(raw), ...filters]);
    const limit = 1000;
    const list = await imsflow.queries.drillDown(contextFor(imsflow, viewer.user, filters), drillOf(raw), limit);
    sendPage(res, 200, { title: list.title, viewer, current: 'dashboard', wide: true, head: STYLE_ONLY, body: listBody(list, query, filters, limit) });
  });

  /** A KPI's page is for the dashboard's readers and for the KPI's owner, whatever their role. */
  const kpiOf = async (req: Request): Promise<{ viewer: Viewer; kpi: KpiRecord }> => {
    const viewer = viewerOf(req);
    const kpi = await imsflow.queries.findKpi(String(req.params.id));
    if (!kpi || !canSee(viewer.user, kpi)) throw new NotFoundError(`no KPI ${req.params.id}`);
    if (kpi.owner !== viewer.user.id) allowed(req);
    return { viewer, kpi };
  };

  router.get('/dashboard/kpis/:id', requireSignIn, async (req: Request, res: Response) => {
    const { viewer, kpi } = await kpiOf(req);
    const state = { period: lastMonth(imsflow.clock.now()), value: '', note: '', reason: '' };
    sendPage(res, 200, { title: kpi.name, viewer, current: 'dashboard', head: STYLE_ONLY, body: await kpiPage(imsflow, viewer, kpi, state, [], str(req.query.saved) || undefined) });
  });

  router.post('/dashboard/kpis/:id', requireSignIn, express.urlencoded({ extended: false, limit: '16kb' }), checkCsrf, async (req: Request, res: Response) => {
    const { viewer, kpi } = await kpiOf(req);
    if (!mayEnterValues(viewer.user, kpi)) throw new NotPermittedError(`only the KPI's owner, a quality manager or the steering committee enters its values`);
    const state = { period: str(req.body?.period).trim(), value: str(req.body?.value).trim(), note: str(req.body?.note), reason: str(req.body?.reason) };
    const value = state.value === '' ? Number.NaN : Number(state.value);
    try {
      if (!Number.isFinite(value)) throw new ValidationError('invalid KPI value', [{ field: 'value', message: 'Give the value as a number.' }]);
      const saved = await kpis.enterValue(kpi.id, { period: state.period, value, note: state.note || undefined, reason: state.reason || undefined }, viewer.user.id);
      // Post/redirect/get: reloading the confirmation does not send the value again.
      res.redirect(303, `/dashboard/kpis/${encodeURIComponent(kpi.id)}?saved=${encodeURIComponent(saved.period)}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      sendPage(res, 400, { title: kpi.name, viewer, current: 'dashboard', head: STYLE_ONLY, body: await kpiPage(imsflow, viewer, kpi, state, err.fields) });
    }
  });

  return router;
}
