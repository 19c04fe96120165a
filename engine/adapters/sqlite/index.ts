import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type {
  AuditEvent,
  DefinitionRecord,
  DraftRecord,
  IncidentRecord,
  InstanceRecord,
  JobRecord,
  KpiRecord,
  KpiValueRecord,
  ApiTokenRecord,
  LinkTokenRecord,
  MessageRecord,
  ScheduleRecord,
  SessionRecord,
  TaskRecord,
  UserRecord,
  WebhookDeliveryRecord,
  WebhookSubscriptionRecord,
  InboundEventRecord,
} from '../../model.js';
import type { SignatureRecord } from '../../signatures.js';
import { CommitHooks } from '../../store/commit-hooks.js';
import {
  type AfterCommitHook,
  type AuditQuery,
  type BeforeCommitHook,
  type BackupCollection,
  type ChangeSet,
  type DraftQuery,
  type InstanceQuery,
  type MigrationReport,
  type OpenTaskGroup,
  type OpenTaskGroupQuery,
  type Store,
  type StoreCounts,
  type TaskQuery,
  type TaskSearch,
  type TaskSeries,
  type TaskSeriesQuery,
  type VersionCount,
} from '../../store/store.js';
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

/**
 * The embedded store: one SQLite file (WAL) through better-sqlite3. Each record is kept whole as JSON in
 * `doc`, with the fields that are queried copied into indexed columns. Writes are `BEGIN IMMEDIATE`
 * transactions, so several processes can share the file: SQLite serializes writers and the revision
 * columns catch any lost update. The class composes per-concern modules that take the handle (this folder).
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly h: SqliteHandle;
  private readonly hooks = new CommitHooks();

  /** @param file a path (its folder is created) or `:memory:` */
  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    this.h = new SqliteHandle(db);
  }

  async init(): Promise<void> {
    this.migrate();
    this.h.prepareStatements();
  }

  async close(): Promise<void> {
    this.h.db.close();
  }

  async commit(change: ChangeSet): Promise<void> {
    await this.hooks.run(change, (c) => commit.write(this.h, c));
  }

  beforeCommit(hook: BeforeCommitHook): () => void {
    return this.hooks.beforeCommit(hook);
  }

  afterCommit(hook: AfterCommitHook): () => void {
    return this.hooks.afterCommit(hook);
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

  // ---- records.ts -------------------------------------------------------------------------------

  async getDefinition(key: string, version?: number): Promise<DefinitionRecord | undefined> {
    return records.getDefinition(this.h, key, version);
  }

  async findDefinitionByHash(key: string, hash: string): Promise<DefinitionRecord | undefined> {
    return records.findDefinitionByHash(this.h, key, hash);
  }

  async listDefinitions(): Promise<DefinitionRecord[]> {
    return records.listDefinitions(this.h);
  }

  async getEffectiveDefinition(key: string, at: string): Promise<DefinitionRecord | undefined> {
    return records.getEffectiveDefinition(this.h, key, at);
  }

  async getDraft(id: string): Promise<DraftRecord | undefined> {
    return records.getDraft(this.h, id);
  }

  async listDrafts(query: DraftQuery): Promise<DraftRecord[]> {
    return records.listDrafts(this.h, query);
  }

  async countInstancesByVersion(key: string): Promise<VersionCount[]> {
    return records.countInstancesByVersion(this.h, key);
  }

  async getInstance(id: string): Promise<InstanceRecord | undefined> {
    return records.getInstance(this.h, id);
  }

  async listInstances(query: InstanceQuery): Promise<InstanceRecord[]> {
    return records.listInstances(this.h, query);
  }

  async nextSequence(name: string): Promise<number> {
    return records.nextSequence(this.h, name);
  }

  async getSchedule(id: string): Promise<ScheduleRecord | undefined> {
    return records.getSchedule(this.h, id);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return records.listSchedules(this.h);
  }

  async getIncident(id: string): Promise<IncidentRecord | undefined> {
    return records.getIncident(this.h, id);
  }

  async listIncidents(query: { status?: IncidentRecord['status']; instanceId?: string }): Promise<IncidentRecord[]> {
    return records.listIncidents(this.h, query);
  }

  // ---- tasks.ts ---------------------------------------------------------------------------------

  async getTask(id: string): Promise<TaskRecord | undefined> {
    return tasks.getTask(this.h, id);
  }

  async listTasks(query: TaskQuery): Promise<TaskRecord[]> {
    return tasks.listTasks(this.h, query);
  }

  // ---- jobs.ts ----------------------------------------------------------------------------------

  async getJob(id: string): Promise<JobRecord | undefined> {
    return jobs.getJob(this.h, id);
  }

  async listJobs(query: { instanceId?: string; status?: JobRecord['status'] }): Promise<JobRecord[]> {
    return jobs.listJobs(this.h, query);
  }

  async claimDueJobs(now: string, worker: string, leaseUntil: string, limit: number): Promise<JobRecord[]> {
    return jobs.claimDueJobs(this.h, now, worker, leaseUntil, limit);
  }

  async failJob(id: string, lockedBy: string, error: string, retryAt: string | null): Promise<void> {
    return jobs.failJob(this.h, id, lockedBy, error, retryAt);
  }

  async claimJob(id: string, worker: string, now: string, leaseUntil: string): Promise<JobRecord | undefined> {
    return jobs.claimJob(this.h, id, worker, now, leaseUntil);
  }

  async listUnqueuedJobs(limit: number): Promise<JobRecord[]> {
    return jobs.listUnqueuedJobs(this.h, limit);
  }

  async markJobsQueued(ids: string[], at: string): Promise<void> {
    return jobs.markJobsQueued(this.h, ids, at);
  }

  // ---- accounts.ts ------------------------------------------------------------------------------

  async getUser(id: string): Promise<UserRecord | undefined> {
    return accounts.getUser(this.h, id);
  }

  async listUsers(query: { role?: string; active?: boolean }): Promise<UserRecord[]> {
    return accounts.listUsers(this.h, query);
  }

  async getUserByEmail(email: string): Promise<UserRecord | undefined> {
    return accounts.getUserByEmail(this.h, email);
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    return accounts.getSession(this.h, id);
  }

  async getApiToken(id: string): Promise<ApiTokenRecord | undefined> {
    return accounts.getApiToken(this.h, id);
  }

  async listApiTokens(userId: string): Promise<ApiTokenRecord[]> {
    return accounts.listApiTokens(this.h, userId);
  }

  async getLinkToken(id: string): Promise<LinkTokenRecord | undefined> {
    return accounts.getLinkToken(this.h, id);
  }

  async listLinkTokens(taskId: string): Promise<LinkTokenRecord[]> {
    return accounts.listLinkTokens(this.h, taskId);
  }

  async listOpenLinkTokensOfUser(userId: string): Promise<LinkTokenRecord[]> {
    return accounts.listOpenLinkTokensOfUser(this.h, userId);
  }

  // ---- audit.ts ---------------------------------------------------------------------------------

  async listSignatures(query: { instanceId?: string; taskId?: string }): Promise<SignatureRecord[]> {
    return audit.listSignatures(this.h, query);
  }

  async listAudit(query: AuditQuery): Promise<AuditEvent[]> {
    return audit.listAudit(this.h, query);
  }

  // ---- outbox.ts --------------------------------------------------------------------------------

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    return outbox.getMessage(this.h, id);
  }

  async listMessages(query: { status?: MessageRecord['status']; taskId?: string; limit?: number }): Promise<MessageRecord[]> {
    return outbox.listMessages(this.h, query);
  }

  async getWebhookSubscription(id: string): Promise<WebhookSubscriptionRecord | undefined> {
    return outbox.getWebhookSubscription(this.h, id);
  }

  async listWebhookSubscriptions(): Promise<WebhookSubscriptionRecord[]> {
    return outbox.listWebhookSubscriptions(this.h);
  }

  async getWebhookDelivery(id: string): Promise<WebhookDeliveryRecord | undefined> {
    return outbox.getWebhookDelivery(this.h, id);
  }

  async listWebhookDeliveries(query: { subscriptionId: string; status?: WebhookDeliveryRecord['status']; limit?: number }): Promise<WebhookDeliveryRecord[]> {
    return outbox.listWebhookDeliveries(this.h, query);
  }

  async getInboundEvent(source: string, eventId: string): Promise<InboundEventRecord | undefined> {
    return outbox.getInboundEvent(this.h, source, eventId);
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
