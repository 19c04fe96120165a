import { causeWord } from '../../engine/features/events/index.js';
import type { Reader } from '../../engine/kernel/i18n/index.js';
import { type Shown, type ValueLookups } from '../../engine/kernel/present/index.js';

/**
 * The management review's input pack as a person reads it at the meeting: one table per input ISO 9001:2015
 * 9.3.2 lists, in its order — a) actions from previous reviews, b) changes in issues, c1)–c7) performance
 * and effectiveness, d) resources, e) actions on risks and opportunities, f) improvement — each with a
 * caption naming the input, then what ISO 14001 and ISO 45001 add. The figures come from the pack the
 * `review-inputs` step compiled (output.inputPack, see processes/management-review/services.ts), the
 * reported text from the preparation form (output.prepare). Everything is read defensively: a missing or
 * differently shaped figure is left out, never shown as a structure.
 */

export type InputId = 'a' | 'b' | 'c1' | 'c2' | 'c3' | 'c4' | 'c5' | 'c6' | 'c7' | 'd' | 'e' | 'f' | 'ims';

export interface PackTable {
  caption: string;
  value: Extract<Shown, { kind: 'table' }>;
}

export interface PackSection {
  input: InputId;
  /** "c 4) Nonconformities and corrective actions". */
  heading: string;
  tables: PackTable[];
}

export interface PackContext {
  reader: Reader;
  lookups: ValueLookups;
  /** The label of a preparation-form field (translated), by key. */
  fieldLabel(key: string): string;
  /** A process's name by key ("Corrective and preventive action"). */
  processName(key: string): string;
}

/** The preparation form's fields that report each input (the rest of the pack is counted from records). */
export const REPORTED_FIELDS: Partial<Record<InputId, string[]>> = {
  b: ['contextChanges'],
  c1: ['customerFeedback'],
  c2: ['objectivesQuality', 'objectivesEnvironment', 'objectivesSafety'],
  c3: ['processPerformance'],
  c5: ['monitoringResults', 'compliance'],
  c7: ['externalProviders'],
  d: ['resources'],
  e: ['risksActions'],
  f: ['improvement'],
  ims: ['workerConsultation'],
};

const INPUTS: InputId[] = ['a', 'b', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'd', 'e', 'f', 'ims'];

function objectOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const listOf = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.map(objectOf) : []);
const text = (value: unknown): Shown => (typeof value === 'string' && value ? { kind: 'text', text: value, ...(value.includes('\n') && { long: true }) } : { kind: 'empty' });
const num = (value: unknown): Shown => (typeof value === 'number' && Number.isFinite(value) ? { kind: 'number', value } : { kind: 'empty' });
/** A day (YYYY-MM-DD, or a planned date stored as UTC midnight) as a date; any other time as an instant. */
const day = (value: unknown): Shown => {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) return { kind: 'empty' };
  if (value.length === 10 || /T00:00:00(\.000)?Z$/.test(value)) return { kind: 'date', ymd: value.slice(0, 10) };
  return { kind: 'instant', iso: value };
};
/** A figure that does not apply to this column (CAPAs are not "closed after correction"). */
const NOT_APPLICABLE: Shown = { kind: 'text', text: '–' };
/** A stored word (a state, a level, a source) through a select message; one it does not know shows as stored. */
const words = (reader: Reader, id: string, value: unknown): Shown => (typeof value === 'string' && value ? { kind: 'text', text: word(reader, id, value) } : { kind: 'empty' });
const word = (reader: Reader, id: string, value: string): string => reader.t(id, { value: value.replace(/[^A-Za-z0-9]+/g, '_'), label: value });

function table(reader: Reader, columns: [string, string][], rows: Shown[][]): PackTable['value'] {
  return { kind: 'table', columns: columns.map(([key, id]) => ({ key, label: reader.t(id) })), rows, more: 0 };
}

/** Counts by a key ("bySource": {audit: 2}) as rows of the key in words and the count. */
function tallyRows(reader: Reader, tally: unknown, word: (key: string) => string): Shown[][] {
  return Object.entries(objectOf(tally)).map(([key, count]) => [{ kind: 'text', text: word(key) }, num(count)]);
}

function reported(ctx: PackContext, pack: Record<string, unknown>, input: InputId): PackTable[] {
  const fields = (REPORTED_FIELDS[input] ?? []).filter((key) => key in pack);
  if (!fields.length) return [];
  const { reader } = ctx;
  return [
    {
      caption: reader.t('mr.reported.caption'),
      value: table(reader, [['topic', 'mr.column.topic'], ['reported', 'mr.column.reported']], fields.map((key) => [{ kind: 'text', text: ctx.fieldLabel(key) }, text(pack[key])])),
    },
  ];
}

function previousActions(ctx: PackContext, figures: Record<string, unknown>): PackTable[] {
  const { reader, lookups } = ctx;
  const previous = objectOf(figures.previousActions);
  const review = objectOf(previous.review);
  const actions = listOf(previous.actions);
  const caption = review.businessKey
    ? reader.t('mr.a.caption', { review: String(review.businessKey), meeting: typeof review.meetingDate === 'string' ? reader.calendarDate(review.meetingDate) : '-' })
    : reader.t('mr.a.none');
  return [
    {
      caption,
      value: table(
        reader,
        [
          ['action', 'mr.column.action'],
          ['owner', 'mr.column.owner'],
          ['due', 'mr.column.due'],
          ['state', 'mr.column.state'],
          ['capa', 'mr.column.capa'],
        ],
        actions.map((a) => {
          const owner = typeof a.owner === 'string' ? a.owner : '';
          const name = owner ? lookups.personName?.(owner) : undefined;
          return [
            { kind: 'text', text: `${String(a.n ?? '')}. ${String(a.title ?? '')}` },
            owner ? { kind: 'person', id: owner, ...(name && { name }) } : { kind: 'empty' },
            day(a.due),
            words(reader, 'mr.actionState', a.state),
            text(a.capaRecord),
          ];
        }),
      ),
    },
  ];
}

function correctiveActions(ctx: PackContext, figures: Record<string, unknown>): PackTable[] {
  const { reader } = ctx;
  const capa = objectOf(figures.capa);
  const nc = objectOf(figures.nonconformities);
  if (!Object.keys(capa).length && !Object.keys(nc).length) return [];
  const measures: [string, unknown, unknown][] = [
    ['openedInPeriod', capa.openedInPeriod, nc.openedInPeriod],
    ['openNow', capa.openNow, nc.openNow],
    ['closedInPeriod', capa.closedInPeriod, nc.closedInPeriod],
    ['closedEffective', capa.closedEffective, nc.closedEffective],
    ['closedAtTriage', capa.closedAtTriage, undefined],
    ['closedAfterCorrection', undefined, nc.closedAfterCorrection],
    ['correctiveActionNeeded', undefined, nc.correctiveActionNeeded],
    ['cancelledInPeriod', capa.cancelledInPeriod, nc.cancelledInPeriod],
    ['overdueTasks', capa.overdueTasks, nc.overdueTasks],
    ['recordsWithOverdueTasks', capa.recordsWithOverdueTasks, nc.recordsWithOverdueTasks],
  ];
  const tables: PackTable[] = [
    {
      caption: reader.t('mr.c4.caption'),
      value: table(
        reader,
        [['measure', 'mr.column.measure'], ['capa', 'mr.column.capaCount'], ['nc', 'mr.column.ncCount']],
        measures.map(([key, a, b]) => [{ kind: 'text', text: reader.t('mr.measure', { measure: key }) }, a === undefined ? NOT_APPLICABLE : num(a), b === undefined ? NOT_APPLICABLE : num(b)]),
      ),
    },
  ];
  const bySource = tallyRows(reader, capa.bySource, (key) => word(reader, 'mr.source', key));
  const byRisk = tallyRows(reader, capa.byRiskLevel, (key) => word(reader, 'mr.level', key));
  const bySeverity = tallyRows(reader, nc.bySeverity, (key) => word(reader, 'mr.level', key));
  if (bySource.length) tables.push({ caption: reader.t('mr.c4.bySource'), value: table(reader, [['source', 'mr.column.source'], ['count', 'mr.column.count']], bySource) });
  if (byRisk.length) tables.push({ caption: reader.t('mr.c4.byRisk'), value: table(reader, [['level', 'mr.column.level'], ['count', 'mr.column.count']], byRisk) });
  if (bySeverity.length) tables.push({ caption: reader.t('mr.c4.bySeverity'), value: table(reader, [['level', 'mr.column.level'], ['count', 'mr.column.count']], bySeverity) });
  const oldest = listOf(capa.oldestOpen);
  if (oldest.length) {
    tables.push({
      caption: reader.t('mr.c4.oldest'),
      value: table(
        reader,
        [['record', 'mr.column.record'], ['title', 'mr.column.title'], ['level', 'mr.column.level'], ['opened', 'mr.column.opened']],
        oldest.map((c) => [text(c.businessKey), text(c.title), words(reader, 'mr.level', c.riskLevel), day(c.startedAt)]),
      ),
    });
  }
  return tables;
}

/** The events of every source over the period (output.inputPack.eventTrends): by cause category in words, and by source. */
function eventTrends(ctx: PackContext, figures: Record<string, unknown>): PackTable[] {
  const { reader } = ctx;
  const pareto = objectOf(objectOf(figures.eventTrends).pareto);
  const rowsOf = (dimension: string, name: (value: string) => string): Shown[][] =>
    listOf(objectOf(pareto[dimension]).entries)
      .filter((e) => typeof e.value === 'string' && e.value)
      .map((e) => [{ kind: 'text', text: name(String(e.value)) }, num(e.count), num(e.percent)]);
  const causeName = (value: string) => {
    const id = causeWord(value);
    return id ? reader.t(id) : value;
  };
  const byCause = rowsOf('causeCategory', causeName);
  const bySource = rowsOf('source', (key) => ctx.processName(key));
  const tables: PackTable[] = [];
  if (byCause.length) tables.push({ caption: reader.t('mr.events.byCause'), value: table(reader, [['cause', 'mr.column.causeCategory'], ['count', 'mr.column.count'], ['share', 'mr.column.share']], byCause) });
  if (bySource.length) tables.push({ caption: reader.t('mr.events.bySource'), value: table(reader, [['source', 'mr.column.source'], ['count', 'mr.column.count'], ['share', 'mr.column.share']], bySource) });
  return tables;
}

function overdue(ctx: PackContext, figures: Record<string, unknown>): PackTable[] {
  const { reader, lookups } = ctx;
  const o = objectOf(figures.overdue);
  if (!Object.keys(o).length) return [];
  const tables: PackTable[] = [
    {
      caption: reader.t('mr.c3.overdue', { count: typeof o.total === 'number' ? o.total : 0 }),
      value: table(reader, [['process', 'mr.column.process'], ['count', 'mr.column.count']], tallyRows(reader, o.byProcess, (key) => ctx.processName(key))),
    },
  ];
  const oldest = listOf(o.oldest);
  if (oldest.length) {
    tables.push({
      caption: reader.t('mr.c3.oldest'),
      value: table(
        reader,
        [['record', 'mr.column.record'], ['task', 'mr.column.task'], ['holder', 'mr.column.holder'], ['due', 'mr.column.due'], ['days', 'mr.column.daysOverdue']],
        oldest.map((t) => {
          const holder = typeof t.holder === 'string' ? t.holder : '';
          const name = holder ? lookups.personName?.(holder) : undefined;
          return [
            text(t.businessKey),
            text(t.task),
            name ? { kind: 'person', id: holder, name } : holder ? { kind: 'text', text: reader.t('values.role', { role: holder.replace(/[^A-Za-z0-9]+/g, '_'), label: holder }) } : { kind: 'empty' },
            day(t.dueAt),
            num(t.daysOverdue),
          ];
        }),
      ),
    });
  }
  return tables;
}

function gapCoverage(ctx: PackContext, figures: Record<string, unknown>): PackTable[] {
  const { reader } = ctx;
  const gap = objectOf(figures.gapCoverage);
  const rows = listOf(gap.coverage);
  if (!rows.length) return [];
  return [
    {
      caption: reader.t('mr.c5.coverage', { record: String(gap.businessKey ?? '') }),
      value: table(
        reader,
        [
          ['standard', 'mr.column.standard'],
          ['applicable', 'mr.column.applicable'],
          ['conforms', 'mr.column.conforms'],
          ['partial', 'mr.column.partial'],
          ['gap', 'mr.column.gap'],
          ['na', 'mr.column.na'],
          ['pct', 'mr.column.conformity'],
        ],
        rows.map((r) => [
          text(typeof r.standard === 'string' && /^\d+$/.test(r.standard) ? `ISO ${r.standard}` : r.standard),
          num(r.applicable),
          num(r.conforms),
          num(r.partial),
          num(r.gap),
          num(r.na),
          typeof r.conformityPct === 'number' ? { kind: 'text', text: reader.number(r.conformityPct / 100, { style: 'percent', maximumFractionDigits: 1 }) } : { kind: 'empty' },
        ]),
      ),
    },
  ];
}

function audits(ctx: PackContext, figures: Record<string, unknown>): PackTable[] {
  const { reader } = ctx;
  const a = objectOf(figures.audits);
  if (!Object.keys(a).length) return [];
  const grade = (counts: unknown, key: string) => num(objectOf(counts)[key]);
  const tables: PackTable[] = [
    {
      caption: reader.t('mr.c6.caption', { held: typeof a.auditedInPeriod === 'number' ? a.auditedInPeriod : 0, inProgress: typeof a.inProgress === 'number' ? a.inProgress : 0 }),
      value: table(
        reader,
        [
          ['audit', 'mr.column.audit'],
          ['on', 'mr.column.auditedOn'],
          ['major', 'mr.column.major'],
          ['minor', 'mr.column.minor'],
          ['observation', 'mr.column.observation'],
          ['ofi', 'mr.column.ofi'],
          ['nc', 'mr.column.raised'],
        ],
        listOf(a.audits).map((row) => [text(row.businessKey), day(row.auditedOn), grade(row.counts, 'major'), grade(row.counts, 'minor'), grade(row.counts, 'observation'), grade(row.counts, 'ofi'), num(row.nonconformities)]),
      ),
    },
  ];
  const findings = listOf(a.nonconformingFindings);
  if (findings.length) {
    tables.push({
      caption: reader.t('mr.c6.findings'),
      value: table(
        reader,
        [['audit', 'mr.column.audit'], ['clause', 'mr.column.clause'], ['grade', 'mr.column.grade']],
        findings.map((f) => [text(f.audit), text([f.clause, f.title].filter((x) => typeof x === 'string' && x).join(' ')), words(reader, 'mr.level', f.grade)]),
      ),
    });
  }
  return tables;
}

/**
 * The pack's sections, a) to f) and the ISO 14001/45001 additions; a section with nothing in it is left
 * out. `pack` is what the preparation reported (output.prepare), `figures` what review-inputs counted.
 */
export function inputPack(ctx: PackContext, pack: Record<string, unknown>, figures: Record<string, unknown>): PackSection[] {
  const sections: PackSection[] = [];
  for (const input of INPUTS) {
    const tables: PackTable[] = [];
    if (input === 'a') tables.push(...previousActions(ctx, figures));
    tables.push(...reported(ctx, pack, input));
    if (input === 'c3') tables.push(...overdue(ctx, figures));
    if (input === 'c4') tables.push(...correctiveActions(ctx, figures), ...eventTrends(ctx, figures));
    if (input === 'c5') tables.push(...gapCoverage(ctx, figures));
    if (input === 'c6') tables.push(...audits(ctx, figures));
    if (tables.length) sections.push({ input, heading: ctx.reader.t('mr.input', { input }), tables });
  }
  return sections;
}

/** Whether a record's output holds an input pack this presenter can show. */
export function hasInputPack(output: Record<string, unknown>): boolean {
  const figures = objectOf(output.inputPack);
  return Object.keys(figures).length > 0 && ('capa' in figures || 'previousActions' in figures || 'audits' in figures);
}
