/**
 * The register port: one generic row per record (its number, title, searchable text, process, site,
 * status, times, links), kept in the same commit as the record (ChangeSet.registerEntries), and the
 * searched, filtered, sorted and paged read the records register makes over it, never loading records.
 * What the open tasks say (owner, overdue, next due date) is read from the tasks the store keeps anyway.
 * An adapter knows no process: what goes into an entry is the register feature's business
 * (engine/features/register/). test/contracts/register-store/ pins it.
 */
import type { InstanceStatus } from '../kernel/model.js';

/** One record as the register finds it. Replaces the record's entry. */
export interface RegisterEntry {
  instanceId: string;
  /** The record's process key. */
  process: string;
  businessKey: string;
  /** What the record is about (from its start data); null when it has none. */
  title: string | null;
  site: string | null;
  status: InstanceStatus;
  startedAt: string;
  startedBy: string;
  endedAt: string | null;
  /** What a search matches besides number and title: the record's data as text. */
  text: string;
  /** The numbers (business keys) of the records this one is linked to, either way. */
  links: string[];
}

export type RegisterSort = 'number' | 'opened' | 'due' | 'status';

/** Which records, in which order. Every condition given must hold. */
export interface RegisterQuery {
  /** Words, each of which must begin a word of the number, the title or the text (case and accents aside). */
  search?: string;
  processes?: string[];
  statuses?: InstanceStatus[];
  /** Of these sites; `orNone` adds records without a site (what site visibility includes). */
  sites?: { in: string[]; orNone: boolean };
  /** With an open task assigned to this person. */
  owner?: string;
  /** With an open task due before this time. */
  overdueAt?: string;
  openedFrom?: string;
  openedBefore?: string;
  closedFrom?: string;
  closedBefore?: string;
  /** Linked to the record with this number. */
  linkedTo?: string;
  /**
   * Only records the person is involved in: started by them, or with a task they hold or held (assigned to
   * them, or unassigned and for one of their roles) or completed.
   */
  involving?: { userId: string; roles: string[] };
  /** Default: opened, newest first. Ties: by instance id in the same direction, so paging is stable. */
  sort?: RegisterSort;
  direction?: 'asc' | 'desc';
  /** Default 50. */
  limit?: number;
  offset?: number;
}

/** A row of the register: the entry (without its search text and links) and its earliest open due date. */
export type RegisterRow = Omit<RegisterEntry, 'text' | 'links'> & {
  /** The earliest due date of its open tasks; null when none is due. */
  nextDueAt: string | null;
};

export interface RegisterPage {
  /** How many records match, over all pages. */
  total: number;
  rows: RegisterRow[];
}

export interface RegisterStore {
  searchRegister(query: RegisterQuery): Promise<RegisterPage>;
  /** The projection version the entries were built with (engine/features/register/), undefined before any. */
  registerVersion(): Promise<string | undefined>;
  /** Rebuilding outside a commit: replaces these records' entries, then records `version` when given. `clear` first drops every entry. */
  rebuildRegister(batch: RegisterEntry[], options?: { clear?: boolean; version?: string }): Promise<void>;
}

/** The longest search text kept per record: enough for every field people type, bounded for the index. */
export const MAX_REGISTER_TEXT = 20_000;

/** The words of a search: at most 12, each with a letter or digit, lower case. */
export function searchWords(search: string | undefined): string[] {
  return (search ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .slice(0, 12);
}
