import mongoose from 'mongoose';
import { GENESIS_HASH, sealAuditEvent } from '../audit.js';
import { ConflictError, DuplicateEventError, RevisionConflict } from '../errors.js';
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
} from '../model.js';
import { OPEN_DRAFT_STATUSES } from '../model.js';
import type { SignatureRecord } from '../signatures.js';
import { CommitHooks } from './commit-hooks.js';
import {
  type AfterCommitHook,
  type AuditQuery,
  BACKUP_COLLECTIONS,
  type BeforeCommitHook,
  type BackupCollection,
  type ChangeSet,
  type ClosedInstance,
  type ClosedInstanceQuery,
  coverageRows,
  type DraftQuery,
  type FigureScope,
  type FindingCount,
  type FindingQuery,
  type FindingRow,
  type GapReportQuery,
  type GapReportRow,
  type InstanceQuery,
  type MigrationReport,
  type OpenTaskGroup,
  type OpenTaskGroupQuery,
  overdueSeries,
  type SequenceRecord,
  type Store,
  type StoreCounts,
  TASK_GROUPINGS,
  taskFigureFields,
  type TaskQuery,
  type TaskSearch,
  type TaskSeries,
  type TaskSeriesQuery,
  type VersionCount,
} from './store.js';

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
 */

type Id = string | number;
type Doc = { _id: Id; [field: string]: any };
type Db = mongoose.mongo.Db;
type Session = mongoose.mongo.ClientSession;
type Collection = mongoose.mongo.Collection<Doc>;
type Filter = mongoose.mongo.Filter<Doc>;
type Sort = mongoose.mongo.Sort;

const COLLECTIONS = [
  'definitions',
  'instances',
  'tasks',
  'jobs',
  'incidents',
  'audit',
  'sequences',
  'audit_head',
  'users',
  'messages',
  'link_tokens',
  'schedules',
  'sessions',
  'api_tokens',
  'signatures',
  'drafts',
  'webhook_subscriptions',
  'webhook_deliveries',
  'inbound_events',
  'kpis',
  'kpi_values',
] as const;
type CollectionName = (typeof COLLECTIONS)[number];

/** What the SQLite schema indexes, the same here. `_id` is always unique and indexed. */
const INDEXES: Record<CollectionName, mongoose.mongo.IndexDescription[]> = {
  definitions: [
    { key: { key: 1, version: 1 }, name: 'definitions_key_version', unique: true },
    { key: { key: 1, hash: 1, version: -1 }, name: 'definitions_hash' },
    { key: { key: 1, effectiveAt: 1, version: -1 }, name: 'definitions_effective' },
  ],
  instances: [
    { key: { businessKey: 1 }, name: 'instances_business_key', unique: true },
    { key: { key: 1, status: 1 }, name: 'instances_key_status' },
    { key: { status: 1, startedAt: -1 }, name: 'instances_status' },
    { key: { startedAt: -1, _id: 1 }, name: 'instances_started' },
    // `site: null` (site-less records) and `site: {$in: [...]}` both use it
    { key: { site: 1, startedAt: -1 }, name: 'instances_site' },
    { key: { key: 1, version: 1, status: 1 }, name: 'instances_key_version' },
    { key: { key: 1, status: 1, endedAt: 1 }, name: 'instances_key_ended' },
    { key: { key: 1, startedAt: 1 }, name: 'instances_key_started' },
  ],
  tasks: [
    { key: { instanceId: 1 }, name: 'tasks_instance' },
    { key: { status: 1, assignee: 1 }, name: 'tasks_status_assignee' },
    { key: { status: 1, candidateRole: 1 }, name: 'tasks_status_role' },
    { key: { status: 1, dueAt: 1 }, name: 'tasks_status_due' },
    { key: { status: 1, site: 1 }, name: 'tasks_status_site' },
    { key: { createdAt: 1, _id: 1 }, name: 'tasks_created' },
    // the dashboard's figures (see taskDoc for the derived _completedAt, _closedAt, _lateClosedAt)
    // open tasks in the order of each grouping the dashboard counts them by (as SQLite's tasks_open_<grouping>)
    { key: { definitionKey: 1, site: 1, candidateRole: 1, escalationLevel: 1, dueAt: 1, createdAt: 1 }, name: 'tasks_open_holders', partialFilterExpression: { status: 'open' } },
    { key: { assignee: 1, dueAt: 1, definitionKey: 1, site: 1, createdAt: 1 }, name: 'tasks_open_assignee', partialFilterExpression: { status: 'open' } },
    { key: { _closedAt: 1, definitionKey: 1, site: 1 }, name: 'tasks_closed_at', partialFilterExpression: { _closedAt: { $type: 'string' } } },
    { key: { createdAt: 1, definitionKey: 1, site: 1 }, name: 'tasks_created_scope' },
    { key: { _completedAt: 1, definitionKey: 1, site: 1 }, name: 'tasks_completed_at', partialFilterExpression: { _completedAt: { $type: 'string' } } },
    { key: { _lateClosedAt: 1, definitionKey: 1, site: 1 }, name: 'tasks_late_closed', partialFilterExpression: { _lateClosedAt: { $type: 'string' } } },
    { key: { dueAt: 1, definitionKey: 1, site: 1 }, name: 'tasks_late_due', partialFilterExpression: { _lateClosedAt: { $type: 'string' } } },
    { key: { instanceId: 1, _lateClosedAt: 1 }, name: 'tasks_instance_late' },
  ],
  jobs: [
    { key: { status: 1, runAt: 1 }, name: 'jobs_due' },
    { key: { status: 1, lockedUntil: 1 }, name: 'jobs_lease' },
    { key: { instanceId: 1, status: 1 }, name: 'jobs_instance' },
    // listUnqueuedJobs: `queuedAt: null` matches the unset field
    { key: { status: 1, queuedAt: 1, runAt: 1, _id: 1 }, name: 'jobs_unqueued' },
  ],
  incidents: [
    { key: { status: 1, createdAt: 1 }, name: 'incidents_status' },
    { key: { instanceId: 1 }, name: 'incidents_instance' },
  ],
  audit: [
    { key: { instanceId: 1, _id: 1 }, name: 'audit_instance' },
    { key: { target: 1, _id: 1 }, name: 'audit_target' },
  ],
  sequences: [],
  audit_head: [],
  users: [
    { key: { email: 1 }, name: 'users_email', unique: true },
    // multikey: one entry per role, so `roles: 'qa'` is an index lookup like SQLite's user_roles table
    { key: { roles: 1, _id: 1 }, name: 'users_roles' },
    { key: { active: 1, _id: 1 }, name: 'users_active' },
  ],
  messages: [
    { key: { status: 1, createdAt: 1, _id: 1 }, name: 'messages_status' },
    { key: { taskId: 1, createdAt: 1, _id: 1 }, name: 'messages_task' },
    { key: { createdAt: 1, _id: 1 }, name: 'messages_created' },
  ],
  link_tokens: [
    { key: { taskId: 1, createdAt: 1, _id: 1 }, name: 'link_tokens_task' },
    // off-boarding revokes a person's open links
    { key: { userId: 1, createdAt: 1, _id: 1 }, name: 'link_tokens_user' },
  ],
  schedules: [],
  sessions: [{ key: { userId: 1 }, name: 'sessions_user' }],
  api_tokens: [{ key: { userId: 1, createdAt: 1, _id: 1 }, name: 'api_tokens_user' }],
  signatures: [
    { key: { instanceId: 1, signedAt: 1, _id: 1 }, name: 'signatures_instance' },
    { key: { taskId: 1, signedAt: 1, _id: 1 }, name: 'signatures_task' },
  ],
  drafts: [
    { key: { key: 1, updatedAt: -1, _id: 1 }, name: 'drafts_key' },
    { key: { updatedAt: -1, _id: 1 }, name: 'drafts_updated' },
    // at most one open draft per process: `openKey` is set (to the key) only while a draft is open; the
    // partial filter uses $exists, which every MongoDB version with partial indexes supports
    { key: { openKey: 1 }, name: 'drafts_open', unique: true, partialFilterExpression: { openKey: { $exists: true } } },
  ],
  webhook_subscriptions: [],
  webhook_deliveries: [{ key: { subscriptionId: 1, createdAt: -1, _id: -1 }, name: 'webhook_deliveries_subscription' }],
  // one record per sender's event: a repeat, even a concurrent one, is refused here
  inbound_events: [{ key: { source: 1, eventId: 1 }, name: 'inbound_events_source_event', unique: true }],
  kpis: [{ key: { system: 1, _id: 1 }, name: 'kpis_system' }],
  kpi_values: [{ key: { kpiId: 1, period: 1 }, name: 'kpi_values_kpi' }],
};

const DUPLICATE_KEY = 11000;
const NAMESPACE_EXISTS = 48;
/** Longest stored job error, as in SQLite. */
const MAX_ERROR = 2000;

export interface MongoStoreOptions {
  /** Database name; defaults to the one in the URI (or MongoDB's default, `test`). */
  dbName?: string;
}

export class MongoStore implements Store {
  readonly kind = 'mongodb';
  private connection: mongoose.Connection | undefined;
  private readonly hooks = new CommitHooks();

  constructor(
    private readonly uri: string,
    private readonly options: MongoStoreOptions = {},
  ) {}

  /** Connects (once), creates the collections and indexes, and seeds the audit head. Idempotent. */
  async init(): Promise<void> {
    await this.applyMigrations();
  }

  /** Connects (once) and creates what is missing: collections, indexes, the audit head; reports what it created. */
  async applyMigrations(): Promise<MigrationReport> {
    if (!this.connection) {
      const connection = mongoose.createConnection(this.uri, { dbName: this.options.dbName, autoIndex: false, autoCreate: false });
      try {
        this.connection = await connection.asPromise();
      } catch (err) {
        await connection.close().catch(() => undefined);
        throw err;
      }
    }
    const db = this.db;
    const ran: string[] = [];
    // Collections are created up front: implicit creation inside a transaction is not allowed everywhere.
    const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    let indexCount = 0;
    for (const name of COLLECTIONS) {
      if (!existing.has(name)) {
        await db.createCollection(name).then(
          () => ran.push(`created collection ${name}`),
          (err: unknown) => {
            if (errorCode(err) !== NAMESPACE_EXISTS) throw err;
          },
        );
      }
      const indexes = INDEXES[name];
      indexCount += indexes.length;
      if (!indexes.length) continue;
      const present = new Set((await db.collection(name).listIndexes().toArray()).map((i) => String(i.name)));
      await db.collection(name).createIndexes(indexes);
      for (const index of indexes) if (!present.has(index.name!)) ran.push(`created index ${name}.${index.name}`);
    }
    // The chain head, seeded from the last event (none on a new database).
    const last = await this.col('audit').find({}).sort({ _id: -1 }).limit(1).next();
    const seeded = await this.col('audit_head')
      .updateOne(
        { _id: 'head' },
        { $setOnInsert: { seq: last ? Number(last.seq) : 0, hash: last ? String(last.hash) : GENESIS_HASH } },
        { upsert: true },
      )
      .catch((err: unknown) => {
        // another process seeded it at the same moment
        if (errorCode(err) !== DUPLICATE_KEY) throw err;
        return undefined;
      });
    if (seeded?.upsertedCount) ran.push('seeded the audit chain head');
    // API tokens made before scopes existed could do everything their person may: they keep that (full).
    const scoped = await this.col('api_tokens').updateMany({ scope: { $exists: false } }, { $set: { scope: 'full' } });
    if (scoped.modifiedCount) ran.push(`gave ${scoped.modifiedCount} API tokens made before scopes the scope full`);
    return { store: 'mongodb', ran, version: `${COLLECTIONS.length} collections, ${indexCount} indexes` };
  }

  async counts(now: string): Promise<StoreCounts> {
    const grouped = async (name: CollectionName, filter: Filter = {}) =>
      Object.fromEntries(
        (await this.col(name).aggregate<{ _id: string; n: number }>([{ $match: filter }, { $group: { _id: '$status', n: { $sum: 1 } } }]).toArray()).map((r) => [r._id, r.n]),
      );
    const [instances, messages, jobs, waiting, tasksOpen, tasksOverdue] = await Promise.all([
      grouped('instances'),
      grouped('messages'),
      grouped('jobs', { status: { $in: ['scheduled', 'running', 'failed'] } }),
      this.col('jobs').countDocuments({ status: 'scheduled', runAt: { $lte: now } }),
      this.col('tasks').countDocuments({ status: 'open' }),
      this.col('tasks').countDocuments({ status: 'open', dueAt: { $type: 'string', $lt: now } }),
    ]);
    return {
      instances: { running: instances.running ?? 0, completed: instances.completed ?? 0, cancelled: instances.cancelled ?? 0, incident: instances.incident ?? 0 },
      tasksOpen,
      tasksOverdue,
      jobs: { waiting, delayed: Math.max(0, (jobs.scheduled ?? 0) - waiting), running: jobs.running ?? 0, failed: jobs.failed ?? 0 },
      messages: { queued: messages.queued ?? 0, sent: messages.sent ?? 0, failed: messages.failed ?? 0, held: messages.held ?? 0, dropped: messages.dropped ?? 0 },
    };
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }

  /** For tests only: drops the whole database. */
  async dropDatabaseForTests(): Promise<void> {
    await this.db.dropDatabase();
  }

  private get db(): Db {
    const db = this.connection?.db;
    if (!db) throw new Error('MongoStore is not initialized: call init() first');
    return db;
  }

  private get open(): mongoose.Connection {
    if (!this.connection) throw new Error('MongoStore is not initialized: call init() first');
    return this.connection;
  }

  private col(name: CollectionName): Collection {
    return this.db.collection<Doc>(name);
  }

  // ---- writes ----------------------------------------------------------------------------------------

  async commit(change: ChangeSet): Promise<void> {
    await this.hooks.run(change, (c) => this.write(c));
  }

  beforeCommit(hook: BeforeCommitHook): () => void {
    return this.hooks.beforeCommit(hook);
  }

  afterCommit(hook: AfterCommitHook): () => void {
    return this.hooks.afterCommit(hook);
  }

  /** Applies a change in one transaction (the commit, its hooks aside: they run outside the retried callback). */
  private async write(change: ChangeSet): Promise<void> {
    const session = await this.open.startSession();
    try {
      // The callback may run more than once (the driver retries transient transaction errors), so it only
      // reads and writes through the session and keeps no state between attempts.
      await session.withTransaction(() => this.apply(change, session), {
        readConcern: { level: 'snapshot' },
        writeConcern: { w: 'majority' },
        readPreference: 'primary',
      });
    } finally {
      await session.endSession();
    }
  }

  /** The same steps in the same order as SqliteStore.commit. Every error rejects, which aborts the transaction. */
  private async apply(c: ChangeSet, session: Session): Promise<void> {
    if (c.definition) {
      const d = c.definition;
      try {
        await this.col('definitions').insertOne(toDoc(`${d.key}@${d.version}`, d), { session });
      } catch (err) {
        throw duplicateAs(err, new RevisionConflict(`version ${d.version} of ${d.key} was deployed meanwhile`));
      }
    }
    for (const { record: r, expectedRevision } of [...(c.instance ? [c.instance] : []), ...(c.linkedInstances ?? []).map((record) => ({ record, expectedRevision: null }))]) {
      const businessKeyTaken = new ConflictError(`business key ${r.businessKey} is already in use`);
      if (expectedRevision === null) {
        try {
          await this.col('instances').insertOne(toDoc(r.id, r), { session });
        } catch (err) {
          // the id or the business key exists: SQLite reports both as ConflictError
          throw duplicateAs(err, businessKeyTaken);
        }
      } else {
        let matched: number;
        try {
          matched = (await this.col('instances').replaceOne({ _id: r.id, revision: expectedRevision }, toDoc(r.id, r), { session })).matchedCount;
        } catch (err) {
          throw duplicateAs(err, businessKeyTaken);
        }
        if (matched !== 1) throw new RevisionConflict(`instance ${r.id} is no longer at revision ${expectedRevision}`);
      }
    }
    for (const { record: t, expectedRevision } of c.tasks ?? []) {
      if (expectedRevision === null) {
        await this.col('tasks').insertOne(taskDoc(t), { session });
      } else if ((await this.col('tasks').replaceOne({ _id: t.id, revision: expectedRevision }, taskDoc(t), { session })).matchedCount !== 1) {
        throw new RevisionConflict(`task ${t.id} is no longer at revision ${expectedRevision}`);
      }
    }
    for (const j of c.scheduleJobs ?? []) {
      // upsert by id: the new record replaces the old one whole (status, runAt, no claim), and is no longer
      // handed to a queue runner: queuedAt is dropped even when the record passed in still carries it
      const { queuedAt: _queuedAt, ...record } = j;
      await this.col('jobs').replaceOne({ _id: j.id }, toDoc(j.id, record), { upsert: true, session });
    }
    for (const j of c.ensureJobs ?? []) {
      // inserted only when the id is new: a job that ran (or is running) is left as it is
      const { queuedAt: _queuedAt, ...record } = j;
      const { _id: _ignored, ...fields } = toDoc(j.id, record);
      await this.col('jobs').updateOne({ _id: j.id }, { $setOnInsert: fields }, { upsert: true, session });
    }
    if (c.cancelJobs?.length) {
      await this.col('jobs').updateMany({ _id: { $in: c.cancelJobs }, status: { $in: ['scheduled', 'failed'] } }, { $set: { status: 'cancelled' } }, { session });
    }
    if (c.finishJob) {
      const { id, lockedBy } = c.finishJob;
      const result = await this.col('jobs').updateOne({ _id: id, status: 'running', lockedBy }, { $set: { status: 'done' }, $unset: { lockedUntil: '' } }, { session });
      if (result.matchedCount !== 1) throw new RevisionConflict(`job ${id} is no longer claimed by ${lockedBy}`);
    }
    for (const i of c.incidents ?? []) {
      await this.col('incidents').replaceOne({ _id: i.id }, toDoc(i.id, i), { upsert: true, session });
    }
    for (const u of c.users ?? []) {
      try {
        await this.col('users').replaceOne({ _id: u.id }, toDoc(u.id, u), { upsert: true, session });
      } catch (err) {
        // the only unique key besides _id (which an upsert by _id cannot collide on) is the email
        throw duplicateAs(err, new ConflictError(`the email ${u.email} belongs to another user`));
      }
    }
    for (const m of c.messages ?? []) {
      await this.col('messages').replaceOne({ _id: m.id }, toDoc(m.id, m), { upsert: true, session });
    }
    for (const r of c.revokeLinkTokens ?? []) {
      // before issuing, so tokens issued in the same change (a reassignment's new links) stay valid;
      // still valid = neither revoked nor used; `null` matches an unset field as SQL's IS NULL does
      await this.col('link_tokens').updateMany(
        { taskId: r.taskId, revokedAt: null, usedAt: null },
        { $set: { revokedAt: r.at, revokedReason: r.reason } },
        { session },
      );
    }
    for (const t of c.linkTokens ?? []) {
      await this.col('link_tokens').replaceOne({ _id: t.id }, toDoc(t.id, t), { upsert: true, session });
    }
    for (const { record, expectedRevision } of c.schedules ?? []) {
      if (expectedRevision === null) {
        try {
          await this.col('schedules').insertOne(toDoc(record.id, record), { session });
        } catch (err) {
          throw duplicateAs(err, new ConflictError(`schedule ${record.id} exists already`));
        }
      } else if ((await this.col('schedules').replaceOne({ _id: record.id, revision: expectedRevision }, toDoc(record.id, record), { session })).matchedCount !== 1) {
        throw new RevisionConflict(`schedule ${record.id} is no longer at revision ${expectedRevision}`);
      }
    }
    if (c.deleteSchedules?.length) {
      await this.col('schedules').deleteMany({ _id: { $in: c.deleteSchedules } }, { session });
    }
    // sessions before deleteSessions, as in SQLite: a change may start one session and end another
    for (const record of c.sessions ?? []) {
      await this.col('sessions').replaceOne({ _id: record.id }, toDoc(record.id, record), { upsert: true, session });
    }
    if (c.deleteSessions?.length) {
      await this.col('sessions').deleteMany({ _id: { $in: c.deleteSessions } }, { session });
    }
    for (const t of c.apiTokens ?? []) {
      await this.col('api_tokens').replaceOne({ _id: t.id }, toDoc(t.id, t), { upsert: true, session });
    }
    // inserts only, as in SQLite: an existing id fails the change instead of replacing the signature
    for (const sig of c.signatures ?? []) {
      try {
        await this.col('signatures').insertOne(toDoc(sig.id, sig), { session });
      } catch (err) {
        throw duplicateAs(err, new ConflictError(`signature ${sig.id} exists already: signatures are never replaced`));
      }
    }
    for (const { record: d, expectedRevision } of c.drafts ?? []) {
      const openDraft = new ConflictError(`process ${d.key} has an open draft already: finish or withdraw it first`);
      const doc = { ...toDoc(d.id, d), ...(OPEN_DRAFT_STATUSES.includes(d.status) && { openKey: d.key }) };
      if (expectedRevision === null) {
        try {
          await this.col('drafts').insertOne(doc, { session });
        } catch (err) {
          throw duplicateAs(err, openDraft);
        }
      } else {
        let matched: number;
        try {
          matched = (await this.col('drafts').replaceOne({ _id: d.id, revision: expectedRevision }, doc, { session })).matchedCount;
        } catch (err) {
          throw duplicateAs(err, openDraft);
        }
        if (matched !== 1) throw new RevisionConflict(`draft ${d.id} is no longer at revision ${expectedRevision}`);
      }
    }
    for (const { record, expectedRevision } of c.webhookSubscriptions ?? []) {
      if (expectedRevision === null) {
        try {
          await this.col('webhook_subscriptions').insertOne(toDoc(record.id, record), { session });
        } catch (err) {
          throw duplicateAs(err, new ConflictError(`webhook subscription ${record.id} exists already`));
        }
      } else if ((await this.col('webhook_subscriptions').replaceOne({ _id: record.id, revision: expectedRevision }, toDoc(record.id, record), { session })).matchedCount !== 1) {
        throw new RevisionConflict(`webhook subscription ${record.id} is no longer at revision ${expectedRevision}`);
      }
    }
    if (c.deleteWebhookSubscriptions?.length) {
      await this.col('webhook_subscriptions').deleteMany({ _id: { $in: c.deleteWebhookSubscriptions } }, { session });
    }
    for (const d of c.webhookDeliveries ?? []) {
      await this.col('webhook_deliveries').replaceOne({ _id: d.id }, toDoc(d.id, d), { upsert: true, session });
    }
    for (const e of c.inboundEvents ?? []) {
      try {
        await this.col('inbound_events').insertOne(toDoc(e.id, e), { session });
      } catch (err) {
        throw duplicateAs(err, new DuplicateEventError(e.source, e.eventId));
      }
    }
    for (const { record, expectedRevision } of c.kpis ?? []) {
      if (expectedRevision === null) {
        try {
          await this.col('kpis').insertOne(toDoc(record.id, record), { session });
        } catch (err) {
          throw duplicateAs(err, new ConflictError(`KPI ${record.id} exists already`));
        }
      } else if ((await this.col('kpis').replaceOne({ _id: record.id, revision: expectedRevision }, toDoc(record.id, record), { session })).matchedCount !== 1) {
        throw new RevisionConflict(`KPI ${record.id} is no longer at revision ${expectedRevision}`);
      }
    }
    for (const v of c.kpiValues ?? []) {
      await this.col('kpi_values').replaceOne({ _id: v.id }, toDoc(v.id, v), { upsert: true, session });
    }
    if (c.audit.length) {
      const head = await this.col('audit_head').findOne({ _id: 'head' }, { session });
      let seq = head ? Number(head.seq) : 0;
      let prevHash = head ? String(head.hash) : GENESIS_HASH;
      const events: Doc[] = [];
      for (const input of c.audit) {
        const event = sealAuditEvent(input, (seq += 1), prevHash);
        events.push(toDoc(event.seq, event));
        prevHash = event.hash;
      }
      // Head first: a concurrent commit that moved it fails here with a write conflict (retried by the
      // driver), before it could collide on an event's seq (a duplicate key, which is not retried).
      await this.col('audit_head').updateOne({ _id: 'head' }, { $set: { seq, hash: prevHash } }, { upsert: true, session });
      await this.col('audit').insertMany(events, { session, ordered: true });
    }
  }

  // ---- definitions -----------------------------------------------------------------------------------

  async getDefinition(key: string, version?: number): Promise<DefinitionRecord | undefined> {
    if (version !== undefined) return fromDoc(await this.col('definitions').findOne({ key, version }));
    return fromDoc(await this.col('definitions').find({ key }).sort({ version: -1 }).limit(1).next());
  }

  async findDefinitionByHash(key: string, hash: string): Promise<DefinitionRecord | undefined> {
    return fromDoc(await this.col('definitions').find({ key, hash }).sort({ version: -1 }).limit(1).next());
  }

  async listDefinitions(): Promise<DefinitionRecord[]> {
    return this.list('definitions', {}, { key: 1, version: 1 });
  }

  /** effectiveAt, or deployedAt for versions that have none (SQLite's effective_at column holds the same). */
  async getEffectiveDefinition(key: string, at: string): Promise<DefinitionRecord | undefined> {
    const filter: Filter = { key, $or: [{ effectiveAt: { $lte: at } }, { effectiveAt: null, deployedAt: { $lte: at } }] };
    return fromDoc(await this.col('definitions').find(filter).sort({ version: -1 }).limit(1).next());
  }

  // ---- drafts ----------------------------------------------------------------------------------------

  async getDraft(id: string): Promise<DraftRecord | undefined> {
    return fromDraftDoc(await this.col('drafts').findOne({ _id: id }));
  }

  async listDrafts(query: DraftQuery): Promise<DraftRecord[]> {
    const filter = all([conditions({ key: query.key }), ...(query.status ? [{ status: { $in: query.status } }] : [])]);
    const drafts = await this.list<DraftRecord & { openKey?: string }>('drafts', filter, { updatedAt: -1, _id: 1 }, query.limit ?? 1000);
    return drafts.map(({ openKey: _openKey, ...draft }) => draft);
  }

  // ---- instances -------------------------------------------------------------------------------------

  async countInstancesByVersion(key: string): Promise<VersionCount[]> {
    const rows = await this.col('instances')
      .aggregate<{ _id: { version: number; status: InstanceRecord['status'] }; count: number }>([
        { $match: { key } },
        { $group: { _id: { version: '$version', status: '$status' }, count: { $sum: 1 } } },
        { $sort: { '_id.version': 1, '_id.status': 1 } },
      ])
      .toArray();
    return rows.map((row) => ({ version: row._id.version, status: row._id.status, count: row.count }));
  }

  async getInstance(id: string): Promise<InstanceRecord | undefined> {
    return fromDoc(await this.col('instances').findOne({ _id: id }));
  }

  async listInstances(query: InstanceQuery): Promise<InstanceRecord[]> {
    const filter = all([conditions({ key: query.key, status: query.status }), ...siteFilter(query.sites)]);
    return this.list('instances', filter, { startedAt: -1, _id: 1 }, query.limit ?? 100, query.offset ?? 0);
  }

  async nextSequence(name: string): Promise<number> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const doc = await this.col('sequences').findOneAndUpdate({ _id: name }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' });
        return Number(doc!.value);
      } catch (err) {
        // two first calls for a new name can race on the upsert; the loser simply increments
        if (errorCode(err) !== DUPLICATE_KEY || attempt >= 5) throw err;
      }
    }
  }

  // ---- tasks -----------------------------------------------------------------------------------------

  async getTask(id: string): Promise<TaskRecord | undefined> {
    return fromDoc(await this.col('tasks').findOne({ _id: id }));
  }

  async listTasks(query: TaskQuery): Promise<TaskRecord[]> {
    const parts: Filter[] = [conditions({ assignee: query.assignee, candidateRole: query.role, status: query.status, instanceId: query.instanceId })];
    // `status = 'open' AND due_at < ?`, and-ed with any status asked for (then nothing matches)
    if (query.dueBefore !== undefined) parts.push({ status: 'open', dueAt: { $lt: query.dueBefore } });
    if (query.instanceIds !== undefined) parts.push({ instanceId: { $in: query.instanceIds } });
    parts.push(...siteFilter(query.sites));
    if (query.forUser) {
      // assigned to them, or unassigned (unset, as SQL's IS NULL) with a candidate role among theirs;
      // an unset candidateRole never matches $in, as SQL's NULL IN (...) is not true
      const { id, roles } = query.forUser;
      parts.push({ $or: [{ assignee: id }, { assignee: null, candidateRole: { $in: roles } }] });
    }
    return this.list('tasks', all(parts), { createdAt: 1, _id: 1 }, query.limit ?? 100, query.offset ?? 0);
  }

  // ---- jobs ------------------------------------------------------------------------------------------

  async getJob(id: string): Promise<JobRecord | undefined> {
    return fromDoc(await this.col('jobs').findOne({ _id: id }));
  }

  async listJobs(query: { instanceId?: string; status?: JobRecord['status'] }): Promise<JobRecord[]> {
    return this.list('jobs', conditions({ instanceId: query.instanceId, status: query.status }), { runAt: 1, _id: 1 });
  }

  /** One findOneAndUpdate per job: each claim is atomic, so two workers never get the same job. */
  async claimDueJobs(now: string, worker: string, leaseUntil: string, limit: number): Promise<JobRecord[]> {
    const claimed: JobRecord[] = [];
    while (claimed.length < limit) {
      const doc = await this.col('jobs').findOneAndUpdate(
        { $or: [{ status: 'scheduled', runAt: { $lte: now } }, { status: 'running', lockedUntil: { $lte: now } }] },
        { $set: { status: 'running', lockedBy: worker, lockedUntil: leaseUntil }, $inc: { attempts: 1 } },
        { sort: { runAt: 1, _id: 1 }, returnDocument: 'after' },
      );
      if (!doc) break;
      claimed.push(fromDoc<JobRecord>(doc)!);
    }
    return claimed;
  }

  async failJob(id: string, lockedBy: string, error: string, retryAt: string | null): Promise<void> {
    const status = retryAt ? 'scheduled' : 'failed';
    await this.col('jobs').updateOne(
      { _id: id, status: 'running', lockedBy },
      { $set: { status, ...(retryAt ? { runAt: retryAt } : {}), lastError: error.slice(0, MAX_ERROR) }, $unset: { lockedBy: '', lockedUntil: '' } },
    );
  }

  /** One atomic findOneAndUpdate: whatever the job's run time, it is claimed when scheduled or its lease expired. */
  async claimJob(id: string, worker: string, now: string, leaseUntil: string): Promise<JobRecord | undefined> {
    const doc = await this.col('jobs').findOneAndUpdate(
      { _id: id, $or: [{ status: 'scheduled' }, { status: 'running', lockedUntil: { $lte: now } }] },
      { $set: { status: 'running', lockedBy: worker, lockedUntil: leaseUntil }, $inc: { attempts: 1 } },
      { returnDocument: 'after' },
    );
    return fromDoc<JobRecord>(doc);
  }

  async listUnqueuedJobs(limit: number): Promise<JobRecord[]> {
    return this.list('jobs', { status: 'scheduled', queuedAt: null }, { runAt: 1, _id: 1 }, limit);
  }

  async markJobsQueued(ids: string[], at: string): Promise<void> {
    if (!ids.length) return;
    await this.col('jobs').updateMany({ _id: { $in: ids }, status: 'scheduled' }, { $set: { queuedAt: at } });
  }

  // ---- users -----------------------------------------------------------------------------------------

  async getUser(id: string): Promise<UserRecord | undefined> {
    return fromDoc(await this.col('users').findOne({ _id: id }));
  }

  async listUsers(query: { role?: string; active?: boolean }): Promise<UserRecord[]> {
    // `roles: role` matches when the array holds the role
    return this.list('users', conditions({ roles: query.role, active: query.active }), { _id: 1 });
  }

  /** Emails are stored lower-case, so the lower-cased address finds its user whatever case it was given in. */
  async getUserByEmail(email: string): Promise<UserRecord | undefined> {
    return fromDoc(await this.col('users').findOne({ email: email.toLowerCase() }));
  }

  // ---- sessions and API tokens -----------------------------------------------------------------------

  async getSession(id: string): Promise<SessionRecord | undefined> {
    return fromDoc(await this.col('sessions').findOne({ _id: id }));
  }

  async getApiToken(id: string): Promise<ApiTokenRecord | undefined> {
    return fromDoc(await this.col('api_tokens').findOne({ _id: id }));
  }

  async listApiTokens(userId: string): Promise<ApiTokenRecord[]> {
    return this.list('api_tokens', { userId }, { createdAt: 1, _id: 1 });
  }

  // ---- outbox ----------------------------------------------------------------------------------------

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    return fromDoc(await this.col('messages').findOne({ _id: id }));
  }

  async listMessages(query: { status?: MessageRecord['status']; taskId?: string; limit?: number }): Promise<MessageRecord[]> {
    return this.list('messages', conditions({ status: query.status, taskId: query.taskId }), { createdAt: 1, _id: 1 }, query.limit ?? 1000);
  }

  // ---- link tokens -----------------------------------------------------------------------------------

  async getLinkToken(id: string): Promise<LinkTokenRecord | undefined> {
    return fromDoc(await this.col('link_tokens').findOne({ _id: id }));
  }

  async listLinkTokens(taskId: string): Promise<LinkTokenRecord[]> {
    return this.list('link_tokens', { taskId }, { createdAt: 1, _id: 1 });
  }

  async listOpenLinkTokensOfUser(userId: string): Promise<LinkTokenRecord[]> {
    // `null` matches an unset field, as SQL's IS NULL does
    return this.list('link_tokens', { userId, revokedAt: null, usedAt: null }, { createdAt: 1, _id: 1 });
  }

  // ---- schedules -------------------------------------------------------------------------------------

  async getSchedule(id: string): Promise<ScheduleRecord | undefined> {
    return fromDoc(await this.col('schedules').findOne({ _id: id }));
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.list('schedules', {}, { _id: 1 });
  }

  // ---- incidents -------------------------------------------------------------------------------------

  async getIncident(id: string): Promise<IncidentRecord | undefined> {
    return fromDoc(await this.col('incidents').findOne({ _id: id }));
  }

  async listIncidents(query: { status?: IncidentRecord['status']; instanceId?: string }): Promise<IncidentRecord[]> {
    return this.list('incidents', conditions({ status: query.status, instanceId: query.instanceId }), { createdAt: 1, _id: 1 });
  }

  // ---- signatures ------------------------------------------------------------------------------------

  async listSignatures(query: { instanceId?: string; taskId?: string }): Promise<SignatureRecord[]> {
    return this.list('signatures', conditions({ instanceId: query.instanceId, taskId: query.taskId }), { signedAt: 1, _id: 1 });
  }

  // ---- audit -----------------------------------------------------------------------------------------

  async listAudit(query: AuditQuery): Promise<AuditEvent[]> {
    const filter = conditions({ target: query.target, instanceId: query.instanceId });
    if (query.afterSeq !== undefined) filter._id = { $gt: query.afterSeq };
    return this.list('audit', filter, { _id: 1 }, query.limit ?? 1000);
  }

  // ---- webhooks and inbound events --------------------------------------------------------------------

  async getWebhookSubscription(id: string): Promise<WebhookSubscriptionRecord | undefined> {
    return fromDoc(await this.col('webhook_subscriptions').findOne({ _id: id }));
  }

  async listWebhookSubscriptions(): Promise<WebhookSubscriptionRecord[]> {
    return this.list('webhook_subscriptions', {}, { _id: 1 });
  }

  async getWebhookDelivery(id: string): Promise<WebhookDeliveryRecord | undefined> {
    return fromDoc(await this.col('webhook_deliveries').findOne({ _id: id }));
  }

  async listWebhookDeliveries(query: { subscriptionId: string; status?: WebhookDeliveryRecord['status']; limit?: number }): Promise<WebhookDeliveryRecord[]> {
    return this.list('webhook_deliveries', conditions({ subscriptionId: query.subscriptionId, status: query.status }), { createdAt: -1, _id: -1 }, query.limit ?? 100);
  }

  async getInboundEvent(source: string, eventId: string): Promise<InboundEventRecord | undefined> {
    return fromDoc(await this.col('inbound_events').findOne({ source, eventId }));
  }

  // ---- backup and restore ----------------------------------------------------------------------------

  async countRecords(): Promise<Record<BackupCollection, number>> {
    const counts = {} as Record<BackupCollection, number>;
    for (const name of BACKUP_COLLECTIONS) counts[name] = await this.col(name).countDocuments({});
    return counts;
  }

  /** By _id (the seq for audit events), read through one cursor in batches. */
  async *exportRecords(collection: BackupCollection, batchSize = 1000): AsyncIterable<unknown[]> {
    const cursor = this.col(collection).find({}).sort({ _id: 1 }).batchSize(batchSize);
    let batch: unknown[] = [];
    for await (const doc of cursor) {
      batch.push(collection === 'sequences' ? ({ name: String(doc._id), value: Number(doc.value) } satisfies SequenceRecord) : collection === 'drafts' ? fromDraftDoc(doc) : fromDoc(doc));
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  /**
   * Plain ordered inserts, not a transaction: a restore can be larger than a MongoDB transaction may be.
   * The import checks everything before its first write; should a write still fail, drop the database and
   * import again. The audit head follows the last event imported.
   */
  async importRecords(collection: BackupCollection, records: unknown[]): Promise<void> {
    if (!records.length) return;
    const docs = records.map((record) => backupDoc(collection, record));
    try {
      await this.col(collection).insertMany(docs, { ordered: true });
    } catch (err) {
      throw duplicateAs(err, new ConflictError(`${collection}: a record exists already; restore into an empty store`));
    }
    if (collection === 'audit') {
      const last = records[records.length - 1] as AuditEvent;
      await this.col('audit_head').updateOne({ _id: 'head' }, { $set: { seq: last.seq, hash: last.hash } }, { upsert: true });
    }
  }

  // ---- dashboard figures: aggregation pipelines ------------------------------------------------------

  async openTaskGroups(query: OpenTaskGroupQuery): Promise<OpenTaskGroup[]> {
    const edges = query.dueEdges;
    const hasDue = { $eq: [{ $type: '$dueAt' }, 'string'] };
    const band = (lo: string | undefined, hi: string | undefined) => ({
      $sum: { $cond: [{ $and: [hasDue, ...(lo !== undefined ? [{ $gte: ['$dueAt', lo] }] : []), ...(hi !== undefined ? [{ $lt: ['$dueAt', hi] }] : [])] }, 1, 0] },
    });
    const bands = [undefined, ...edges].map((lo, i) => band(lo, edges[i]));
    const rows = await this.col('tasks')
      .aggregate([
        { $match: all([{ $or: [{ status: 'open' }, { _closedAt: { $gt: query.at } }] }, { createdAt: { $lte: query.at } }, ...scopeFilter(query)]) },
        {
          $group: {
            // unset fields group as null, as SQL's NULL; a task without escalationLevel is at level 0
            _id: Object.fromEntries(TASK_GROUPINGS[query.by].map((d) => [d, d === 'escalationLevel' ? { $ifNull: ['$escalationLevel', 0] } : { $ifNull: [`$${d}`, null] }])),
            noDue: { $sum: { $cond: [hasDue, 0, 1] } },
            ...Object.fromEntries(bands.map((b, i) => [`b${i}`, b])),
          },
        },
      ])
      .toArray();
    return rows.map((r) => ({
      values: Object.fromEntries(TASK_GROUPINGS[query.by].map((d) => [d, (r._id?.[d] as string | number | null) ?? null])),
      noDue: Number(r.noDue),
      bands: bands.map((_b, i) => Number(r[`b${i}`] ?? 0)),
    }));
  }

  async taskSeries(query: TaskSeriesQuery): Promise<TaskSeries> {
    const { edges } = query;
    const first = edges[0];
    const last = edges[edges.length - 1];
    const scope = scopeFilter(query);
    const created = await this.histogram([{ createdAt: { $gte: first, $lt: last } }, ...scope], 'createdAt', edges, false);
    const completed = await this.histogram([{ _completedAt: { $gte: first, $lt: last } }, ...scope], '_completedAt', edges, false);
    const openDue = await this.histogram([{ status: 'open', dueAt: { $lt: last } }, ...scope], 'dueAt', edges, false);
    const lateClosed = await this.histogram([{ _lateClosedAt: { $gt: first } }, ...scope], '_lateClosedAt', edges, true);
    const lateDue = await this.histogram([{ _lateClosedAt: { $type: 'string' }, dueAt: { $gte: first } }, ...scope], 'dueAt', edges, false);
    const n = edges.length;
    return {
      created: created.slice(1, n),
      completed: completed.slice(1, n),
      overdueAtEnd: overdueSeries(openDue.slice(0, n), lateClosed.slice(1), lateDue.slice(1)),
    };
  }

  /**
   * Counts of the matching tasks per band of `field` against the edges: band 0 before edges[0], band i
   * between edges[i-1] and edges[i], band n after the last; intervals are [lo, hi), or (lo, hi] when
   * rightClosed.
   */
  private async histogram(match: Filter[], field: string, edges: string[], rightClosed: boolean): Promise<number[]> {
    const value = `$${field}`;
    const rows = await this.col('tasks')
      .aggregate([
        { $match: all(match) },
        { $group: { _id: { $switch: { branches: edges.map((edge, i) => ({ case: { [rightClosed ? '$lte' : '$lt']: [value, edge] }, then: i })), default: edges.length } }, n: { $sum: 1 } } },
      ])
      .toArray();
    const counts: number[] = new Array(edges.length + 1).fill(0);
    for (const row of rows) counts[Number(row._id)] += Number(row.n);
    return counts;
  }

  async searchTasks(query: TaskSearch): Promise<TaskRecord[]> {
    const parts: Filter[] = [];
    const range = (field: string, from?: string, before?: string) => {
      if (from !== undefined) parts.push({ [field]: { $gte: from } });
      if (before !== undefined) parts.push({ [field]: { $lt: before } });
    };
    if (query.openAt !== undefined) parts.push({ $or: [{ status: 'open' }, { _closedAt: { $gt: query.openAt } }], createdAt: { $lte: query.openAt } });
    if (query.overdueAt !== undefined) {
      parts.push({ dueAt: { $lt: query.overdueAt, $type: 'string' }, $or: [{ status: 'open' }, { _closedAt: { $gt: query.overdueAt } }], createdAt: { $lte: query.overdueAt } });
    }
    range('dueAt', query.dueFrom, query.dueBefore);
    if (query.dueFrom !== undefined || query.dueBefore !== undefined) parts.push({ dueAt: { $type: 'string' } });
    range('createdAt', query.createdFrom, query.createdBefore);
    range('_completedAt', query.completedFrom, query.completedBefore);
    if (query.completedFrom !== undefined || query.completedBefore !== undefined) parts.push({ _completedAt: { $type: 'string' } });
    // null matches the unset field, as SQL's IS NULL
    if (query.assignee !== undefined) parts.push({ assignee: query.assignee });
    if (query.candidateRole !== undefined) parts.push({ candidateRole: query.candidateRole });
    if (query.escalationLevel !== undefined) parts.push(query.escalationLevel === 0 ? { $or: [{ escalationLevel: 0 }, { escalationLevel: null }] } : { escalationLevel: query.escalationLevel });
    if (query.minEscalationLevel !== undefined) parts.push({ escalationLevel: { $gte: query.minEscalationLevel } });
    parts.push(...scopeFilter(query));
    const limit = query.limit ?? 1000;
    if (limit <= 0) return [];
    const docs = await this.col('tasks')
      .aggregate([{ $match: all(parts) }, { $addFields: { _noDue: { $cond: [{ $eq: [{ $type: '$dueAt' }, 'string'] }, 0, 1] } } }, { $sort: { _noDue: 1, dueAt: 1, _id: 1 } }, { $limit: limit }])
      .toArray();
    return docs.map((doc) => fromDoc<TaskRecord>(doc as Doc)!);
  }

  async closedInstances(query: ClosedInstanceQuery): Promise<ClosedInstance[]> {
    const rows = await this.col('instances')
      .aggregate([
        { $match: all([{ key: query.key, status: 'completed', endedAt: { $gte: query.endedFrom, $lt: query.endedBefore } }, ...siteScope(query)]) },
        {
          $lookup: {
            from: 'tasks',
            let: { id: '$_id' },
            pipeline: [{ $match: { $expr: { $eq: ['$instanceId', '$$id'] }, status: 'completed', _lateClosedAt: { $type: 'string' } } }, { $count: 'n' }],
            as: 'late',
          },
        },
        { $project: { businessKey: 1, site: 1, startedAt: 1, endedAt: 1, late: { $ifNull: [{ $first: '$late.n' }, 0] } } },
        { $sort: { endedAt: 1, _id: 1 } },
      ])
      .toArray();
    return rows.map((r) => ({ id: String(r._id), businessKey: String(r.businessKey), site: r.site ?? null, startedAt: String(r.startedAt), endedAt: String(r.endedAt), lateTasks: Number(r.late) }));
  }

  private findingStages(query: FindingQuery): object[] {
    return [
      { $match: all([{ key: query.key, status: { $ne: 'cancelled' }, startedAt: { $gte: query.startedFrom, $lt: query.startedBefore } }, ...siteScope(query)]) },
      { $unwind: '$output.findings.findings' },
      { $replaceWith: { instanceId: '$_id', businessKey: '$businessKey', site: '$site', startedAt: '$startedAt', f: '$output.findings.findings' } },
      { $match: conditions({ 'f.clause': query.clause, 'f.grade': query.grade }) },
    ];
  }

  async countFindings(query: FindingQuery): Promise<FindingCount[]> {
    const rows = await this.col('instances')
      .aggregate([
        ...this.findingStages(query),
        { $group: { _id: { clause: '$f.clause', grade: '$f.grade' }, number: { $max: '$f.number' }, title: { $max: '$f.title' }, n: { $sum: 1 } } },
        { $sort: { '_id.clause': 1, '_id.grade': 1 } },
      ])
      .toArray();
    return rows.map((r) => ({ clause: String(r._id.clause ?? ''), number: String(r.number ?? ''), title: String(r.title ?? ''), grade: String(r._id.grade ?? ''), count: Number(r.n) }));
  }

  async listFindings(query: FindingQuery): Promise<FindingRow[]> {
    const limit = query.limit ?? 1000;
    if (limit <= 0) return [];
    const rows = await this.col('instances')
      .aggregate([...this.findingStages(query), { $sort: { startedAt: 1, instanceId: 1, 'f.n': 1 } }, { $limit: limit }])
      .toArray();
    return rows.map((r) => ({
      instanceId: String(r.instanceId),
      businessKey: String(r.businessKey),
      site: r.site ?? null,
      startedAt: String(r.startedAt),
      n: Number(r.f?.n ?? 0),
      clause: String(r.f?.clause ?? ''),
      number: String(r.f?.number ?? ''),
      title: String(r.f?.title ?? ''),
      grade: String(r.f?.grade ?? ''),
      statement: String(r.f?.statement ?? ''),
    }));
  }

  async gapReports(query: GapReportQuery): Promise<GapReportRow[]> {
    const rows = await this.col('instances')
      .aggregate([
        { $match: all([{ key: query.key, status: { $ne: 'cancelled' }, startedAt: { $lte: query.startedBefore }, 'output.gapReport.coverage': { $type: 'array' } }, ...siteScope(query)]) },
        { $project: { businessKey: 1, site: 1, startedAt: 1, status: 1, signed: { $ne: [{ $type: '$output.signOff' }, 'missing'] }, coverage: '$output.gapReport.coverage' } },
        { $sort: { startedAt: 1, _id: 1 } },
      ])
      .toArray();
    return rows.map((r) => ({
      instanceId: String(r._id),
      businessKey: String(r.businessKey),
      site: r.site ?? null,
      startedAt: String(r.startedAt),
      status: r.status,
      signedOff: Boolean(r.signed),
      coverage: coverageRows(r.coverage),
    }));
  }

  // ---- KPIs ------------------------------------------------------------------------------------------

  async getKpi(id: string): Promise<KpiRecord | undefined> {
    return fromDoc(await this.col('kpis').findOne({ _id: id }));
  }

  async listKpis(): Promise<KpiRecord[]> {
    return this.list('kpis', {}, { system: 1, _id: 1 });
  }

  async listKpiValues(kpiIds: string[]): Promise<KpiValueRecord[]> {
    return this.list('kpi_values', { kpiId: { $in: kpiIds } }, { kpiId: 1, period: 1 });
  }

  // ---- helpers ---------------------------------------------------------------------------------------

  /** A sorted find with SQL's LIMIT/OFFSET meaning: limit 0 returns nothing, a negative limit means no limit. */
  private async list<T>(name: CollectionName, filter: Filter, sort: Sort, limit = -1, offset = 0): Promise<T[]> {
    if (limit === 0) return [];
    const cursor = this.col(name).find(filter).sort(sort);
    if (offset > 0) cursor.skip(offset);
    // MongoDB's limit is a 64-bit integer; anything this large means "all" anyway
    if (limit > 0 && limit < 2 ** 31) cursor.limit(limit);
    return (await cursor.toArray()).map((doc) => fromDoc<T>(doc)!);
  }
}

/**
 * The record as a document: a JSON round trip, exactly what SQLite stores, so `undefined` fields are
 * dropped (not stored as null) and only JSON values reach BSON.
 */
function toDoc(id: Id, record: object): Doc {
  return { _id: id, ...(JSON.parse(JSON.stringify(record)) as Record<string, unknown>) };
}

/** A draft as stored, without the `openKey` marker the unique index of open drafts reads. */
function fromDraftDoc(doc: Doc | null): DraftRecord | undefined {
  const record = fromDoc<DraftRecord & { openKey?: string }>(doc);
  if (!record) return undefined;
  const { openKey: _openKey, ...draft } = record;
  return draft;
}

/** A backed-up record as the document `commit` would have written. */
function backupDoc(collection: BackupCollection, record: unknown): Doc {
  const r = record as Record<string, any>;
  if (collection === 'sequences') return { _id: String(r.name), value: Number(r.value) };
  if (collection === 'audit') return toDoc(Number(r.seq), r);
  if (collection === 'definitions') return toDoc(`${r.key}@${r.version}`, r);
  if (collection === 'tasks') return taskDoc(r as TaskRecord);
  // an open draft carries the key of its unique "one open draft per process" index, as commit writes it
  if (collection === 'drafts') return { ...toDoc(String(r.id), r), ...(OPEN_DRAFT_STATUSES.includes(r.status) && { openKey: r.key }) };
  return toDoc(String(r.id), r);
}

/** A task as a document, with the derived times the dashboard ranges on (stripped again by fromDoc). */
function taskDoc(t: TaskRecord): Doc {
  const f = taskFigureFields(t);
  return { ...toDoc(t.id, t), ...(f.completedAt && { _completedAt: f.completedAt }), ...(f.closedAt && { _closedAt: f.closedAt }), ...(f.lateClosedAt && { _lateClosedAt: f.lateClosedAt }) };
}

function fromDoc<T>(doc: Doc | null): T | undefined {
  if (!doc) return undefined;
  const { _id: _ignored, _completedAt: _c, _closedAt: _d, _lateClosedAt: _l, _noDue: _n, ...record } = doc;
  return record as T;
}

/** Equality conditions for the fields that are set. */
function conditions(fields: Record<string, unknown>): Filter {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Filter;
}

/** All of the filters: one alone as it is, several and-ed (two may constrain the same field). */
function all(filters: Filter[]): Filter {
  const used = filters.filter((f) => Object.keys(f).length > 0);
  return used.length <= 1 ? (used[0] ?? {}) : { $and: used };
}

/** Records of the given sites, and records that belong to no site (`null` matches the unset field). */
function siteFilter(sites: string[] | undefined): Filter[] {
  return sites === undefined ? [] : [{ $or: [{ site: null }, { site: { $in: sites } }] }];
}

/** The dashboard's scope: of these processes, of these sites (and site-less records when asked). */
function scopeFilter(scope: FigureScope): Filter[] {
  return [...(scope.processes ? [{ definitionKey: { $in: scope.processes } }] : []), ...siteScope(scope)];
}

function siteScope(scope: FigureScope): Filter[] {
  if (!scope.sites) return [];
  return scope.sites.orNone ? [{ $or: [{ site: null }, { site: { $in: scope.sites.in } }] }] : [{ site: { $in: scope.sites.in } }];
}

function errorCode(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

function duplicateAs(err: unknown, replacement: Error): Error {
  return errorCode(err) === DUPLICATE_KEY ? replacement : (err as Error);
}
