import type { InstanceRecord } from '../kernel/model.js';

/**
 * The figures port: a table of generic facts that the packs' figure projections derive from records, kept
 * up to date in the same commit as the record (ChangeSet.figureFacts), and the grouped, ranged and listed
 * reads the dashboard makes over them. An adapter stores and reads facts only: it knows no figure, no
 * process and no output shape; what a fact means is the business of the pack that declared it.
 */

/**
 * Which records the dashboard counts: of some processes, of some sites. Absent: all. `sites.orNone` adds
 * records that belong to no site (what site visibility includes; an explicit site filter does not).
 */
export interface FigureScope {
  processes?: string[];
  sites?: { in: string[]; orNone: boolean };
}

/** One fact a record contributes to a figure: named dimensions (grouped and filtered on) and numbers. */
export interface FigureFact {
  /** The figure (PackFigure.id) the fact belongs to. */
  figure: string;
  dims: Record<string, string>;
  values: Record<string, number>;
}

/** Every fact of one record, with the record fields facts are scoped and ranged by. Replaces the record's facts. */
export interface RecordFacts {
  instanceId: string;
  /** The record's process key (what FigureScope.processes filters on). */
  process: string;
  businessKey: string;
  site: string | null;
  status: InstanceRecord['status'];
  startedAt: string;
  endedAt: string | null;
  /** In the record's order: `seq` of a fact is its position here. */
  facts: FigureFact[];
}

/** Which facts: of one figure, in the scope, with the record started and/or ended in a range, with these dimension values. */
export interface FactQuery extends FigureScope {
  figure: string;
  startedFrom?: string;
  startedBefore?: string;
  endedFrom?: string;
  endedBefore?: string;
  /** Every dimension given must hold this value. */
  dims?: Record<string, string>;
}

/** Facts counted per combination of the `by` dimensions; each `label` dimension is reported as its greatest value in the group. */
export interface FactGroupQuery extends FactQuery {
  by: string[];
  labels?: string[];
}

export interface FactGroup {
  dims: Record<string, string>;
  labels: Record<string, string>;
  count: number;
}

export interface FactListQuery extends FactQuery {
  /** 'started' (default): by record start, record id, then the fact's position; 'ended': by record end, record id, position. */
  order?: 'started' | 'ended';
  limit?: number;
  /** Also count each record's tasks completed after their due date (FactRow.lateTasks). */
  lateTasks?: boolean;
}

export interface FactRow {
  instanceId: string;
  businessKey: string;
  process: string;
  site: string | null;
  status: InstanceRecord['status'];
  startedAt: string;
  endedAt: string | null;
  seq: number;
  dims: Record<string, string>;
  values: Record<string, number>;
  /** Asked for with `lateTasks`: the record's tasks completed after their due date. */
  lateTasks?: number;
}

export interface FigureStore {
  /** Counts per group, ordered by the `by` dimensions' values (binary string order). */
  groupFacts(query: FactGroupQuery): Promise<FactGroup[]>;
  /** The facts themselves (the records behind a figure), in the order asked for, at most `limit` (default 1000). */
  listFacts(query: FactListQuery): Promise<FactRow[]>;
  /** The projection version the facts were built with (engine/features/figures/), undefined before any. */
  figureVersion(): Promise<string | undefined>;
  /**
   * Rebuilding outside a commit: replaces the facts of these records (a batch of the backfill), then,
   * when `version` is given, records that version. `clear` first drops every fact.
   */
  rebuildFacts(batch: RecordFacts[], options?: { clear?: boolean; version?: string }): Promise<void>;
}

/** Dimension names go into JSON paths: letters, digits and `_`, starting with a letter. */
export const FACT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function checkFactNames(names: Iterable<string>): void {
  for (const name of names) if (!FACT_NAME.test(name)) throw new Error(`figure facts: invalid dimension name ${JSON.stringify(name)}`);
}
