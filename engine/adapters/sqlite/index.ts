import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { KpiRecord, KpiValueRecord, TaskRecord } from '../../kernel/model.js';
import type { BackupCollection } from '../../ports/backup-store.js';
import { hookedCommit } from '../../ports/commit-hooks.js';
import type {
  OpenTaskGroup,
  OpenTaskGroupQuery,
  Store,
  TaskSearch,
  TaskSeries,
  TaskSeriesQuery,
} from '../../ports/store.js';
import type { MigrationReport, StoreCounts } from '../../ports/store-operations.js';
import { bindHandle, composedOf, type ModulePorts } from '../compose.js';
import type { FactGroup, FactGroupQuery, FactListQuery, FactRow, RecordFacts } from '../../ports/figure-store.js';
import * as accounts from './accounts.js';
import * as audit from './audit.js';
import * as backup from './backup.js';
import * as commit from './commit.js';
import * as facts from './facts.js';
import * as figures from './figures.js';
import * as jobs from './jobs.js';
import * as outbox from './outbox.js';
import * as records from './records.js';
import * as schema from './schema.js';
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

  // ---- figures.ts -------------------------------------------------------------------------------

  async counts(now: string): Promise<StoreCounts> {
    return figures.counts(this.h, now);
  }

  async openTaskGroups(query: OpenTaskGroupQuery): Promise<OpenTaskGroup[]> {
    return figures.openTaskGroups(this.h, query);
  }

  async taskSeries(query: TaskSeriesQuery): Promise<TaskSeries> {
    return figures.taskSeries(this.h, query);
  }

  async searchTasks(query: TaskSearch): Promise<TaskRecord[]> {
    return figures.searchTasks(this.h, query);
  }

  // ---- facts.ts: the packs' figure facts (FigureStore) ------------------------------------------

  async groupFacts(query: FactGroupQuery): Promise<FactGroup[]> {
    return facts.groupFacts(this.h, query);
  }

  async listFacts(query: FactListQuery): Promise<FactRow[]> {
    return facts.listFacts(this.h, query);
  }

  async figureVersion(): Promise<string | undefined> {
    return facts.figureVersion(this.h);
  }

  async rebuildFacts(batch: RecordFacts[], options?: { clear?: boolean; version?: string }): Promise<void> {
    facts.rebuildFacts(this.h, batch, options);
  }

  async getKpi(id: string): Promise<KpiRecord | undefined> {
    return figures.getKpi(this.h, id);
  }

  async listKpis(): Promise<KpiRecord[]> {
    return figures.listKpis(this.h);
  }

  async listKpiValues(kpiIds: string[]): Promise<KpiValueRecord[]> {
    return figures.listKpiValues(this.h, kpiIds);
  }
}
