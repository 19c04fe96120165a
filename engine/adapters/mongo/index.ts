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
import { MongoHandle, type MongoStoreOptions } from './handle.js';

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
 * Semantics match `SqliteStore` one to one; `test/contracts/store/` checks both.
 * The class composes per-concern modules that take the handle (this folder), as SqliteStore does.
 */

export class MongoStore implements Store {
  readonly kind = 'mongodb';
  private readonly h: MongoHandle;
  private readonly hooks = new CommitHooks();

  constructor(uri: string, options: MongoStoreOptions = {}) {
    this.h = new MongoHandle(uri, options);
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

  async commit(change: ChangeSet): Promise<void> {
    await this.hooks.run(change, (c) => commit.write(this.h, c));
  }

  beforeCommit(hook: BeforeCommitHook): () => void {
    return this.hooks.beforeCommit(hook);
  }

  afterCommit(hook: AfterCommitHook): () => void {
    return this.hooks.afterCommit(hook);
  }

  // ---- schema.ts --------------------------------------------------------------------------------

  /** Connects (once) and creates what is missing: collections, indexes, the audit head; reports what it created. */
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

  /** effectiveAt, or deployedAt for versions that have none (SQLite's effective_at column holds the same). */
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

  /** One findOneAndUpdate per job: each claim is atomic, so two workers never get the same job. */
  async claimDueJobs(now: string, worker: string, leaseUntil: string, limit: number): Promise<JobRecord[]> {
    return jobs.claimDueJobs(this.h, now, worker, leaseUntil, limit);
  }

  async failJob(id: string, lockedBy: string, error: string, retryAt: string | null): Promise<void> {
    return jobs.failJob(this.h, id, lockedBy, error, retryAt);
  }

  /** One atomic findOneAndUpdate: whatever the job's run time, it is claimed when scheduled or its lease expired. */
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

  /** Emails are stored lower-case, so the lower-cased address finds its user whatever case it was given in. */
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
    return facts.rebuildFacts(this.h, batch, options);
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
export type { MongoStoreOptions } from './handle.js';
