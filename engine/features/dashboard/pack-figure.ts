import type { InstanceRecord } from '../../kernel/model.js';
import type { FactQuery, FigureStore } from '../../ports/figure-store.js';
import type { Reader } from '../../kernel/i18n/index.js';
import type { DashboardContext } from './context.js';

/**
 * A figure a pack declares (ProcessPack.figures): what each record of its process contributes (`facts`, a
 * pure projection kept in the fact table on every commit), how the dashboard sums those facts into its
 * section of the JSON (`summarise`), how a person sees that section on the page (`view`), and the lists
 * of records behind its numbers (`drills`). The engine knows no figure by name: a new pack adds one here.
 */
export interface PackFigure<Summary = unknown> {
  /** Unique among the packs: the name of its facts (e.g. `capa-closed`). */
  id: string;
  /** Raised when `facts` derives something else: stored facts are rebuilt at the next start (see projections.ts). */
  version: number;
  /** The process whose records it projects (the pack's key). */
  process: string;
  /** Further processes whose records it projects too (a figure across packs: the events' trends). */
  alsoProcesses?: readonly string[];
  /** Its key in the dashboard JSON (`capa`, `findings` …). */
  section: string;
  /** Its heading on the page. */
  title: string;
  /**
   * The pack whose catalogue holds its words (`<pack>.figure.<section>.title` …), when it projects another
   * pack's records (a document pack counting read-and-understood records); default `process`.
   */
  pack?: string;
  /** The facts one record contributes now (none while it contributes nothing). Pure: no clock, no reads. */
  facts(record: FigureRecord): FactInput[];
  /** The section's figures for this dashboard request. */
  summarise(read: FigureRead): Promise<Summary>;
  /** The section for the page: tiles and/or a table whose numbers link to their records. */
  view(summary: Summary): FigureView;
  /** The records behind its numbers, by the `figure=` name of a drill fragment. */
  drills?: Record<string, (read: FigureRead, drill: Record<string, string | undefined>, limit: number) => Promise<DrillList>>;
  /**
   * Its lines in the steering committee's weekly digest: sections of the email in the reader's words (the
   * pack's catalogue is in the reader), from the summary of the recipient's sites; none when there is nothing to say.
   */
  digest?: (summary: Summary, reader: Reader) => DigestSection[];
  /** Computed KPI measures it offers (`KpiRecord.measure`): monthly values over the periods, months without data left out. */
  measures?: Record<string, (read: FigureRead, periods: { period: string; start: string; end: string }[]) => Promise<{ period: string; value: number }[]>>;
}

/** What a projection sees of a record. */
export type FigureRecord = Pick<InstanceRecord, 'id' | 'key' | 'businessKey' | 'status' | 'startedAt' | 'output' | 'variables'> & { site: string | null; endedAt: string | null };

/** One fact: dimensions (text, grouped and filtered on) and numbers. */
export interface FactInput {
  dims?: Record<string, string>;
  values?: Record<string, number>;
}

/** What a figure reads with: the fact store, the request's context, and the query of its own facts in scope. */
export interface FigureRead {
  store: FigureStore;
  context: DashboardContext;
  /** This figure's facts within the dashboard's scope (processes, sites). */
  facts: FactQuery;
}

/** A section a figure adds to the weekly digest: a heading over label–value rows or over lines of text. */
export type DigestSection = { heading: string; rows: [string, string][] } | { heading: string; items: string[] };

/** The records behind a number (same shape as the dashboard's drill-down lists). */
export interface DrillList {
  title: string;
  /** Where the list page finds its title's and columns' words: `<words>.list.<figure>`, `<words>.column.<key>` (a pack's catalogue). */
  words?: string;
  /** Columns holding keys (a category): each known key's message id, so the list shows its name, not the key. */
  valueWords?: Record<string, Record<string, string>>;
  columns: { key: string; label: string }[];
  items: Record<string, string | number | boolean | null>[];
}

/** A section as the page draws it, whatever the pack. */
export interface FigureView {
  tiles?: { label: string; value: string | number | null; drill?: string }[];
  /**
   * `siteColumn`: the column holding site keys, shown by the sites' names. A row's `words`: per cell, the
   * message id whose English is that cell's text (a category's name), so the page shows it translated.
   */
  table?: { caption: string; columns: string[]; rows: { cells: (string | number | null)[]; drill?: string; words?: (string | null)[] }[]; siteColumn?: number };
  /** Said when there is nothing to show. */
  empty?: string;
}

/** A section of the dashboard JSON (`sections`): which pack figure, its title and its view. */
export interface FigureSection {
  section: string;
  process: string;
  /** The pack whose catalogue holds its words, when not the process's. */
  pack?: string;
  title: string;
  view: FigureView;
}

/** Declares a figure, keeping its summary type inside (the registry holds figures of every summary type). */
export function defineFigure<Summary>(figure: PackFigure<Summary>): PackFigure {
  return figure as unknown as PackFigure;
}

/** A record as its projections see it. */
export function figureRecord(record: InstanceRecord): FigureRecord {
  return {
    id: record.id,
    key: record.key,
    businessKey: record.businessKey,
    status: record.status,
    site: record.site ?? null,
    startedAt: record.startedAt,
    endedAt: record.endedAt ?? null,
    output: record.output,
    variables: record.variables,
  };
}
