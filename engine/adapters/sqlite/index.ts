import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
import * as figures from './figures.js';
import * as jobs from './jobs.js';
import * as outbox from './outbox.js';
import * as records from './records.js';
import * as register from './register.js';
import * as schema from './schema.js';
import * as sites from './sites.js';
import * as tasks from './tasks.js';
import { SqliteHandle } from './handle.js';
import { MIGRATIONS } from './schema.js';

/** This folder's modules as the ports they implement whole (see ModulePorts in ../compose.ts). */
function modulePorts(h: SqliteHandle): ModulePorts {
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
 * The embedded store: one SQLite file (WAL) through better-sqlite3. Each record is kept whole as JSON in
 * `doc`, with the fields that are queried copied into indexed columns. Writes are `BEGIN IMMEDIATE`
 * transactions, so several processes can share the file: SQLite serializes writers and the revision
 * columns catch any lost update. The class composes per-concern modules that take the handle (this folder):
 * their reads and commit become its methods through `composedOf` (../compose.ts); the rest is below.
 */
export class SqliteStore extends composedOf<ModulePorts>() implements Store {
  readonly kind = 'sqlite';
  private readonly h: SqliteHandle;

  /** @param file a path (its folder is created) or `:memory:` */
  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    const h = new SqliteHandle(db);
    super(modulePorts(h));
    this.h = h;
  }

  async init(): Promise<void> {
    this.migrate();
    this.h.prepareStatements();
  }

  async close(): Promise<void> {
    this.h.db.close();
  }

  /** The query plan of a statement, for the benchmark's check that every dashboard query uses an index. */
  explain(sql: string, ...params: unknown[]): string[] {
    return (this.h.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
  }

  /** Every statement prepared so far, for the benchmark's query-plan report. */
  preparedSql(): string[] {
    return [...this.h.queries.keys()];
  }

  /** For tests of tamper detection only: runs raw SQL against the file. */
  unsafeExecForTests(sql: string, ...params: unknown[]): void {
    this.h.db.prepare(sql).run(...params);
  }

  // ---- schema.ts --------------------------------------------------------------------------------

  /** Applies pending migrations in order (up to `target`, for tests of a migration); returns how many ran. */
  migrate(target = MIGRATIONS.length): number {
    return schema.migrate(this.h, target);
  }

  async applyMigrations(): Promise<MigrationReport> {
    return schema.applyMigrations(this.h);
  }

  // ---- backup.ts --------------------------------------------------------------------------------

  async countRecords(): Promise<Record<BackupCollection, number>> {
    return backup.countRecords(this.h);
  }

  /** Pages by rowid (insertion order; the seq for audit events), so a large table is read in constant memory. */
  exportRecords(collection: BackupCollection, batchSize = 1000): AsyncIterable<unknown[]> {
    return backup.exportRecords(this.h, collection, batchSize);
  }

  async importRecords(collection: BackupCollection, records: unknown[]): Promise<void> {
    return backup.importRecords(this.h, collection, records);
  }
}
