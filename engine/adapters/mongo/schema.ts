import mongoose from 'mongoose';
import { GENESIS_HASH } from '../../kernel/audit-chain.js';
import type { MigrationReport } from '../../ports/store-operations.js';
import { type MongoHandle } from './handle.js';
import { COLLECTIONS, type CollectionName, DUPLICATE_KEY, NAMESPACE_EXISTS, errorCode } from './helpers.js';

/** The schema and its migrations. */

/** What the SQLite schema indexes, the same here. `_id` is always unique and indexed. */
export const INDEXES: Record<CollectionName, mongoose.mongo.IndexDescription[]> = {
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
  // the site register, by key (_id)
  sites: [],
  // the packs' figure facts (engine/ports/figure-store.ts), as SQLite's figure_facts; _id is `<instance>/<figure>/<seq>`
  figure_facts: [
    { key: { instanceId: 1 }, name: 'figure_facts_instance' },
    { key: { figure: 1, startedAt: 1, process: 1, site: 1 }, name: 'figure_facts_started' },
    { key: { figure: 1, endedAt: 1, process: 1, site: 1 }, name: 'figure_facts_ended' },
  ],
  figure_meta: [],
  // the records register (engine/ports/register-store.ts), as SQLite's register; _id is the record's id
  register: [
    { key: { startedAt: -1, _id: 1 }, name: 'register_started' },
    { key: { businessKey: 1, _id: 1 }, name: 'register_number' },
    { key: { status: 1, startedAt: -1 }, name: 'register_status' },
    { key: { process: 1, startedAt: -1 }, name: 'register_process' },
    { key: { site: 1, startedAt: -1 }, name: 'register_site' },
    { key: { endedAt: 1 }, name: 'register_ended' },
    { key: { links: 1 }, name: 'register_links' },
    { key: { startedBy: 1 }, name: 'register_started_by' },
  ],
  register_meta: [],
};

/** Connects (once) and creates what is missing: collections, indexes, the audit head; reports what it created. */
export async function applyMigrations(h: MongoHandle): Promise<MigrationReport> {
  if (!h.connection) {
    const connection = mongoose.createConnection(h.uri, { dbName: h.options.dbName, autoIndex: false, autoCreate: false });
    try {
      h.connection = await connection.asPromise();
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw err;
    }
  }
  const db = h.db;
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
  const last = await h.col('audit').find({}).sort({ _id: -1 }).limit(1).next();
  const seeded = await h.col('audit_head')
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
  const scoped = await h.col('api_tokens').updateMany({ scope: { $exists: false } }, { $set: { scope: 'full' } });
  if (scoped.modifiedCount) ran.push(`gave ${scoped.modifiedCount} API tokens made before scopes the scope full`);
  return { store: 'mongodb', ran, version: `${COLLECTIONS.length} collections, ${indexCount} indexes` };
}
