import type { BackupCollection } from '../../ports/backup-store.js';
import { hookedCommit } from '../../ports/commit-hooks.js';
import type { Store } from '../../ports/store.js';
import type { MigrationReport } from '../../ports/store-operations.js';
import { bindHandle, composedOf, only, type ModulePorts } from '../compose.js';
import * as accounts from './accounts.js';
import * as audit from './audit.js';
import * as backup from './backup.js';
import * as commit from './commit.js';
import * as facts from './facts.js';
import * as register from './register.js';
import * as figures from './figures.js';
import * as jobs from './jobs.js';
import * as outbox from './outbox.js';
import * as records from './records.js';
import * as schema from './schema.js';
import * as sites from './sites.js';
import * as tasks from './tasks.js';
import { MongoHandle, type MongoStoreOptions } from './handle.js';

/** This folder's modules as the ports they implement whole (see ModulePorts in ../compose.ts). */
function modulePorts(h: MongoHandle): ModulePorts {
  return {
    ...bindHandle(h, records),
    ...bindHandle(h, tasks),
    ...bindHandle(h, audit),
    ...bindHandle(h, accounts),
    ...bindHandle(h, jobs),
    ...bindHandle(h, outbox),
    ...bindHandle(h, sites),
    ...only(bindHandle(h, figures), 'counts', 'openTaskGroups', 'taskSeries', 'searchTasks', 'getKpi', 'listKpis', 'listKpiValues'),
    ...only(bindHandle(h, facts), 'groupFacts', 'listFacts', 'figureVersion', 'rebuildFacts'),
    ...only(bindHandle(h, register), 'searchRegister', 'registerVersion', 'rebuildRegister'),
    ...hookedCommit((change) => commit.write(h, change)),
  };
}

/**
 * The scale-mode store: MongoDB, through mongoose used only as the connection layer (plain documents, no
 * schemas or models). Collections mirror the SQLite tables: each record is kept whole as one document with
 * `_id` = its id (definitions: `key@version`, audit events: seq, sequences: name), and `_id` is stripped on
 * the way out, so a record reads back exactly as it was written.
 *
 * `commit` runs in a multi-document transaction, so MongoDB must be a replica set (a single-node replica
 * set is enough, e.g. `mongodb://host/?replicaSet=rs0`); a standalone server rejects transactions.
 *
 * The hash chain is serialized through one document, `audit_head` {_id: 'head', seq, hash}: every commit
 * with audit events reads it and writes it inside its transaction, so two concurrent commits conflict on
 * it and the driver retries the loser (a TransientTransactionError) from a fresh snapshot.
 *
 * Semantics match `SqliteStore` one to one; the port contracts under `test/contracts/` check both.
 * The class composes per-concern modules that take the handle (this folder), as SqliteStore does: their
 * reads and commit become its methods through `composedOf` (../compose.ts); the rest is below.
 */
export class MongoStore extends composedOf<ModulePorts>() implements Store {
  readonly kind = 'mongodb';
  private readonly h: MongoHandle;

  constructor(uri: string, options: MongoStoreOptions = {}) {
    const h = new MongoHandle(uri, options);
    super(modulePorts(h));
    this.h = h;
  }

  /** Connects (once), creates the collections and indexes, and seeds the audit head. Idempotent. */
  async init(): Promise<void> {
    await this.applyMigrations();
  }

  async close(): Promise<void> {
    const connection = this.h.connection;
    this.h.connection = undefined;
    await connection?.close();
  }

  /** For tests only: drops the whole database. */
  async dropDatabaseForTests(): Promise<void> {
    await this.h.db.dropDatabase();
  }

  // ---- schema.ts --------------------------------------------------------------------------------

  /** Connects (once) and creates what is missing: collections, indexes, the audit head; reports what it created. */
  async applyMigrations(): Promise<MigrationReport> {
    return schema.applyMigrations(this.h);
  }

  // ---- backup.ts --------------------------------------------------------------------------------

  async countRecords(): Promise<Record<BackupCollection, number>> {
    return backup.countRecords(this.h);
  }

  /** By _id (the seq for audit events), read through one cursor in batches. */
  exportRecords(collection: BackupCollection, batchSize = 1000): AsyncIterable<unknown[]> {
    return backup.exportRecords(this.h, collection, batchSize);
  }

  /**
   * Plain ordered inserts, not a transaction: a restore can be larger than a MongoDB transaction may be.
   * The import checks everything before its first write; should a write still fail, drop the database and
   * import again. The audit head follows the last event imported.
   */
  async importRecords(collection: BackupCollection, records: unknown[]): Promise<void> {
    return backup.importRecords(this.h, collection, records);
  }

  // ---- figures.ts -------------------------------------------------------------------------------





  // ---- facts.ts: the packs' figure facts (FigureStore) ------------------------------------------







}
export type { MongoStoreOptions } from './handle.js';
