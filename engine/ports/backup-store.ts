/**
 * The backup port: every record out exactly as stored, and back into an empty store exactly as given.
 * Invariant: nothing is re-hashed or renumbered on the way (ids, revisions, audit seq and hashes are kept),
 * so a restored audit chain still verifies. test/contracts/backup-store/ pins it.
 */

/**
 * What a backup holds, one entry per kind of record, in the order an import writes them. Sessions are left
 * out on purpose: a restored site signs everyone in again. `sequences` are {name, value} pairs (the
 * counters behind business keys); audit events keep their seq and hashes.
 */
export const BACKUP_COLLECTIONS = [
  'definitions',
  'instances',
  'tasks',
  'jobs',
  'incidents',
  'users',
  'messages',
  'link_tokens',
  'schedules',
  'api_tokens',
  'signatures',
  'sequences',
  'webhook_subscriptions',
  'webhook_deliveries',
  'inbound_events',
  'drafts',
  'kpis',
  'kpi_values',
  'sites',
  'audit',
] as const;
export type BackupCollection = (typeof BACKUP_COLLECTIONS)[number];

export interface SequenceRecord {
  name: string;
  value: number;
}

export interface BackupStore {
  /** How many records of each kind the store holds. */
  countRecords(): Promise<Record<BackupCollection, number>>;
  /**
   * Every record of a kind, exactly as stored, in batches of at most `batchSize`, in a stable order
   * (audit events by seq).
   */
  exportRecords(collection: BackupCollection, batchSize?: number): AsyncIterable<unknown[]>;
  /**
   * Writes records exactly as given (ids, revisions, audit seq and hashes are kept: nothing is re-hashed).
   * Meant for an empty store: a record whose id exists fails with ConflictError. Audit events must come in
   * seq order; the chain's head follows the last one.
   */
  importRecords(collection: BackupCollection, records: unknown[]): Promise<void>;
}
