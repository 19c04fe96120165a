import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
  type TaskDimension,
  taskFigureFields,
  type TaskQuery,
  type TaskSearch,
  type TaskSeries,
  type TaskSeriesQuery,
  type VersionCount,
} from './store.js';

/**
 * The embedded store: one SQLite file (WAL) through better-sqlite3. Each record is kept whole as JSON in
 * `doc`, with the fields that are queried copied into indexed columns. Writes are `BEGIN IMMEDIATE`
 * transactions, so several processes can share the file: SQLite serializes writers and the revision
 * columns catch any lost update.
 */

/** Versioned schema migrations: append only, never edit one that has shipped. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE definitions (
    key TEXT NOT NULL, version INTEGER NOT NULL, hash TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (key, version)
  );
  CREATE INDEX definitions_hash ON definitions (key, hash);

  CREATE TABLE instances (
    id TEXT PRIMARY KEY, key TEXT NOT NULL, business_key TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
    revision INTEGER NOT NULL, started_at TEXT NOT NULL, doc TEXT NOT NULL
  );
  CREATE INDEX instances_key_status ON instances (key, status);
  CREATE INDEX instances_status ON instances (status, started_at);

  CREATE TABLE tasks (
    id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, status TEXT NOT NULL, assignee TEXT, candidate_role TEXT,
    due_at TEXT, created_at TEXT NOT NULL, revision INTEGER NOT NULL, doc TEXT NOT NULL
  );
  CREATE INDEX tasks_instance ON tasks (instance_id);
  CREATE INDEX tasks_status_assignee ON tasks (status, assignee);
  CREATE INDEX tasks_status_role ON tasks (status, candidate_role);
  CREATE INDEX tasks_status_due ON tasks (status, due_at);

  CREATE TABLE jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, run_at TEXT NOT NULL, instance_id TEXT,
    locked_by TEXT, locked_until TEXT, doc TEXT NOT NULL
  );
  CREATE INDEX jobs_due ON jobs (status, run_at);
  CREATE INDEX jobs_lease ON jobs (status, locked_until);
  CREATE INDEX jobs_instance ON jobs (instance_id, status);

  CREATE TABLE incidents (
    id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, doc TEXT NOT NULL
  );
  CREATE INDEX incidents_status ON incidents (status, created_at);
  CREATE INDEX incidents_instance ON incidents (instance_id);

  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
    instance_id TEXT, hash TEXT NOT NULL, doc TEXT NOT NULL
  );
  CREATE INDEX audit_instance ON audit (instance_id, seq);
  CREATE INDEX audit_target ON audit (target, seq);

  CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  `,
  `
  ALTER TABLE jobs ADD COLUMN queued_at TEXT;
  CREATE INDEX jobs_unqueued ON jobs (status, queued_at, run_at);

  CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, active INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE user_roles (user_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (role, user_id));

  CREATE TABLE messages (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, task_id TEXT, created_at TEXT NOT NULL, doc TEXT NOT NULL
  );
  CREATE INDEX messages_status ON messages (status, created_at);
  CREATE INDEX messages_task ON messages (task_id);

  CREATE TABLE link_tokens (id TEXT PRIMARY KEY, task_id TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX link_tokens_task ON link_tokens (task_id);

  CREATE TABLE schedules (id TEXT PRIMARY KEY, revision INTEGER NOT NULL, doc TEXT NOT NULL);
  `,
  `
  ALTER TABLE instances ADD COLUMN site TEXT;
  ALTER TABLE tasks ADD COLUMN site TEXT;
  CREATE INDEX tasks_status_site ON tasks (status, site);
  CREATE INDEX instances_site ON instances (site, started_at);

  CREATE TABLE sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX sessions_user ON sessions (user_id);
  CREATE TABLE api_tokens (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX api_tokens_user ON api_tokens (user_id);
  `,
  `
  CREATE TABLE signatures (
    id TEXT PRIMARY KEY, task_id TEXT NOT NULL, instance_id TEXT NOT NULL, signed_at TEXT NOT NULL, doc TEXT NOT NULL
  );
  CREATE INDEX signatures_instance ON signatures (instance_id, signed_at, id);
  CREATE INDEX signatures_task ON signatures (task_id, signed_at, id);
  -- Electronic signatures are written once (21 CFR 11.70): the table refuses changes and deletions.
  CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures BEGIN SELECT RAISE(ABORT, 'signatures cannot be changed'); END;
  CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures BEGIN SELECT RAISE(ABORT, 'signatures cannot be deleted'); END;
  `,
  `
  -- change control: versions take effect at a date; instances are counted per version; drafts
  ALTER TABLE definitions ADD COLUMN effective_at TEXT;
  UPDATE definitions SET effective_at = COALESCE(json_extract(doc, '$.effectiveAt'), json_extract(doc, '$.deployedAt'));
  CREATE INDEX definitions_effective ON definitions (key, effective_at, version);
  ALTER TABLE instances ADD COLUMN version INTEGER;
  UPDATE instances SET version = json_extract(doc, '$.version');
  CREATE INDEX instances_key_version ON instances (key, version, status);

  CREATE TABLE drafts (
    id TEXT PRIMARY KEY, key TEXT NOT NULL, status TEXT NOT NULL, revision INTEGER NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL
  );
  CREATE INDEX drafts_key ON drafts (key, updated_at);
  CREATE INDEX drafts_updated ON drafts (updated_at);
  -- at most one open draft per process
  CREATE UNIQUE INDEX drafts_open ON drafts (key) WHERE status IN ('draft', 'in-review', 'approved', 'rejected');
  `,
  `
  CREATE TABLE webhook_subscriptions (id TEXT PRIMARY KEY, revision INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, doc TEXT NOT NULL
  );
  CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at, id);
  -- one record per sender's event: a repeat, even a concurrent one, is refused here
  CREATE TABLE inbound_events (id TEXT PRIMARY KEY, source TEXT NOT NULL, event_id TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (source, event_id));
  `,
  // The steering dashboard counts tasks and records in SQL: the fields it groups and ranges on become
  // columns (backfilled from the JSON doc), with covering indexes so no figure scans the tasks table.
  `
  ALTER TABLE tasks ADD COLUMN definition_key TEXT;
  ALTER TABLE tasks ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE tasks ADD COLUMN completed_at TEXT;
  ALTER TABLE tasks ADD COLUMN closed_at TEXT;
  ALTER TABLE tasks ADD COLUMN late_closed_at TEXT;
  UPDATE tasks SET
    definition_key = json_extract(doc, '$.definitionKey'),
    escalation_level = COALESCE(json_extract(doc, '$.escalationLevel'), 0),
    completed_at = CASE WHEN status = 'completed' THEN json_extract(doc, '$.completedAt') END;
  -- tasks cancelled before cancelledAt was kept: the time of their cancellation in the audit trail
  UPDATE tasks SET closed_at = CASE
    WHEN status = 'completed' THEN completed_at
    WHEN status = 'cancelled' THEN COALESCE(
      json_extract(doc, '$.cancelledAt'),
      (SELECT at FROM audit WHERE target = 'task:' || tasks.id AND action = 'task.cancelled' ORDER BY seq DESC LIMIT 1),
      created_at)
  END;
  UPDATE tasks SET late_closed_at = closed_at WHERE closed_at IS NOT NULL AND due_at IS NOT NULL AND closed_at > due_at;

  -- open tasks in the order of each grouping the dashboard counts them by, covering
  CREATE INDEX tasks_open_holders ON tasks (definition_key, site, candidate_role, escalation_level, due_at, created_at) WHERE status = 'open';
  CREATE INDEX tasks_open_assignee ON tasks (assignee, due_at, definition_key, site, created_at) WHERE status = 'open';
  CREATE INDEX tasks_closed_at ON tasks (closed_at, definition_key, site, assignee, candidate_role, escalation_level, due_at, created_at) WHERE closed_at IS NOT NULL;
  CREATE INDEX tasks_open_due ON tasks (due_at, definition_key, site) WHERE status = 'open';
  CREATE INDEX tasks_created ON tasks (created_at, definition_key, site);
  CREATE INDEX tasks_completed ON tasks (completed_at, definition_key, site) WHERE completed_at IS NOT NULL;
  CREATE INDEX tasks_late_closed ON tasks (late_closed_at, definition_key, site) WHERE late_closed_at IS NOT NULL;
  CREATE INDEX tasks_late_due ON tasks (due_at, definition_key, site, late_closed_at) WHERE late_closed_at IS NOT NULL;
  CREATE INDEX tasks_instance_late ON tasks (instance_id, late_closed_at) WHERE status = 'completed';

  ALTER TABLE instances ADD COLUMN ended_at TEXT;
  UPDATE instances SET ended_at = json_extract(doc, '$.endedAt');
  CREATE INDEX instances_key_ended ON instances (key, status, ended_at);
  CREATE INDEX instances_key_started ON instances (key, started_at);

  CREATE TABLE kpis (id TEXT PRIMARY KEY, revision INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE kpi_values (id TEXT PRIMARY KEY, kpi_id TEXT NOT NULL, period TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX kpi_values_kpi ON kpi_values (kpi_id, period);
  `,
  // Off-boarding revokes a person's open task links: find them by person. API tokens carry a scope (read,
  // integration, full); tokens made before scopes existed could do everything their person may, so they
  // keep that: full (the README asks their owners to replace them with narrower ones).
  `
  CREATE INDEX link_tokens_user ON link_tokens (json_extract(doc, '$.userId'));
  UPDATE api_tokens SET doc = json_set(doc, '$.scope', 'full') WHERE json_extract(doc, '$.scope') IS NULL;
  `,
];

/** The table behind each kind of backed-up record. */
const TABLES: Record<BackupCollection, string> = {
  definitions: 'definitions',
  instances: 'instances',
  tasks: 'tasks',
  jobs: 'jobs',
  incidents: 'incidents',
  users: 'users',
  messages: 'messages',
  link_tokens: 'link_tokens',
  schedules: 'schedules',
  api_tokens: 'api_tokens',
  signatures: 'signatures',
  sequences: 'sequences',
  webhook_subscriptions: 'webhook_subscriptions',
  webhook_deliveries: 'webhook_deliveries',
  inbound_events: 'inbound_events',
  drafts: 'drafts',
  kpis: 'kpis',
  kpi_values: 'kpi_values',
  audit: 'audit',
};

/** What a migration does, read from its SQL: "tables users, messages; columns jobs.queued_at; indexes …". */
function describeMigration(sql: string): string {
  const names = (re: RegExp) => [...sql.matchAll(re)].map((m) => m.slice(1).filter(Boolean).join('.'));
  const parts = [
    ['tables', names(/CREATE TABLE (?:IF NOT EXISTS )?(\w+)/g)],
    ['columns', names(/ALTER TABLE (\w+) ADD COLUMN (\w+)/g)],
    ['indexes', names(/CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?(\w+)/g)],
    ['triggers', names(/CREATE TRIGGER (\w+)/g)],
    ['backfilled', names(/^[ \t]*UPDATE (\w+) SET/gm)],
  ] as const;
  return parts.filter(([, list]) => list.length).map(([what, list]) => `${what} ${list.join(', ')}`).join('; ') || 'schema change';
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private statements!: ReturnType<SqliteStore['prepare']>;
  /** Prepared statements for queries built from filters, one per distinct SQL text. */
  private readonly queries = new Map<string, Database.Statement>();
  private readonly hooks = new CommitHooks();

  /** @param file a path (its folder is created) or `:memory:` */
  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
  }

  async init(): Promise<void> {
    this.migrate();
    this.statements = this.prepare();
  }

  /** Applies pending migrations in order (up to `target`, for tests of a migration); returns how many ran. */
  migrate(target = MIGRATIONS.length): number {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    // Read and apply under one write lock, so two processes opening a new file never both migrate.
    const run = this.db.transaction(() => {
      const applied = (this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
      for (let version = applied + 1; version <= Math.min(target, MIGRATIONS.length); version += 1) {
        this.db.exec(MIGRATIONS[version - 1]);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
      }
      return Math.max(0, Math.min(target, MIGRATIONS.length) - applied);
    });
    return run.immediate();
  }

  async applyMigrations(): Promise<MigrationReport> {
    const count = this.migrate();
    const ran = MIGRATIONS.slice(MIGRATIONS.length - count).map((sql, i) => `schema version ${MIGRATIONS.length - count + i + 1}: ${describeMigration(sql)}`);
    return { store: 'sqlite', ran, version: String(MIGRATIONS.length) };
  }

  async counts(now: string): Promise<StoreCounts> {
    const grouped = (sql: string, ...params: unknown[]) => Object.fromEntries((this.query(sql).all(...params) as { status: string; n: number }[]).map((r) => [r.status, r.n]));
    const instances = grouped('SELECT status, COUNT(*) AS n FROM instances GROUP BY status');
    const messages = grouped('SELECT status, COUNT(*) AS n FROM messages GROUP BY status');
    const jobs = grouped(
      "SELECT CASE WHEN status = 'scheduled' AND run_at <= ? THEN 'waiting' WHEN status = 'scheduled' THEN 'delayed' ELSE status END AS status, COUNT(*) AS n FROM jobs WHERE status IN ('scheduled', 'running', 'failed') GROUP BY 1",
      now,
    );
    const one = (sql: string, ...params: unknown[]) => (this.query(sql).get(...params) as { n: number }).n;
    return {
      instances: { running: instances.running ?? 0, completed: instances.completed ?? 0, cancelled: instances.cancelled ?? 0, incident: instances.incident ?? 0 },
      tasksOpen: one("SELECT COUNT(*) AS n FROM tasks WHERE status = 'open'"),
      tasksOverdue: one("SELECT COUNT(*) AS n FROM tasks WHERE status = 'open' AND due_at IS NOT NULL AND due_at < ?", now),
      jobs: { waiting: jobs.waiting ?? 0, delayed: jobs.delayed ?? 0, running: jobs.running ?? 0, failed: jobs.failed ?? 0 },
      messages: { queued: messages.queued ?? 0, sent: messages.sent ?? 0, failed: messages.failed ?? 0, held: messages.held ?? 0, dropped: messages.dropped ?? 0 },
    };
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private prepare() {
    const db = this.db;
    return {
      insertDefinition: db.prepare('INSERT INTO definitions (key, version, hash, effective_at, doc) VALUES (?, ?, ?, ?, ?)'),
      insertInstance: db.prepare('INSERT INTO instances (id, key, version, business_key, status, revision, started_at, site, ended_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      insertDraft: db.prepare('INSERT INTO drafts (id, key, status, revision, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?)'),
      updateDraft: db.prepare('UPDATE drafts SET status = ?, revision = ?, updated_at = ?, doc = ? WHERE id = ? AND revision = ?'),
      updateInstance: db.prepare('UPDATE instances SET status = ?, revision = ?, site = ?, ended_at = ?, doc = ? WHERE id = ? AND revision = ?'),
      insertTask: db.prepare(
        `INSERT INTO tasks (id, instance_id, status, assignee, candidate_role, due_at, created_at, revision, site, definition_key, escalation_level, completed_at, closed_at, late_closed_at, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateTask: db.prepare(
        `UPDATE tasks SET status = ?, assignee = ?, candidate_role = ?, due_at = ?, revision = ?, site = ?, definition_key = ?, escalation_level = ?, completed_at = ?, closed_at = ?,
           late_closed_at = ?, doc = ? WHERE id = ? AND revision = ?`,
      ),
      ensureJob: db.prepare(
        `INSERT INTO jobs (id, kind, status, run_at, instance_id, locked_by, locked_until, queued_at, doc) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      insertKpi: db.prepare('INSERT INTO kpis (id, revision, doc) VALUES (?, ?, ?)'),
      updateKpi: db.prepare('UPDATE kpis SET revision = ?, doc = ? WHERE id = ? AND revision = ?'),
      upsertKpiValue: db.prepare('INSERT INTO kpi_values (id, kpi_id, period, doc) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc'),
      upsertJob: db.prepare(
        `INSERT INTO jobs (id, kind, status, run_at, instance_id, locked_by, locked_until, queued_at, doc) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, run_at = excluded.run_at, locked_by = NULL, locked_until = NULL, queued_at = NULL, doc = excluded.doc`,
      ),
      cancelJob: db.prepare(`UPDATE jobs SET status = 'cancelled', doc = json_set(doc, '$.status', 'cancelled') WHERE id = ? AND status IN ('scheduled', 'failed')`),
      finishJob: db.prepare(
        `UPDATE jobs SET status = 'done', locked_until = NULL, doc = json_remove(json_set(doc, '$.status', 'done'), '$.lockedUntil')
         WHERE id = ? AND status = 'running' AND locked_by = ?`,
      ),
      upsertIncident: db.prepare(
        `INSERT INTO incidents (id, instance_id, status, created_at, doc) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
      ),
      upsertUser: db.prepare(
        `INSERT INTO users (id, email, active, doc) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET email = excluded.email, active = excluded.active, doc = excluded.doc`,
      ),
      clearRoles: db.prepare('DELETE FROM user_roles WHERE user_id = ?'),
      addRole: db.prepare('INSERT INTO user_roles (user_id, role) VALUES (?, ?)'),
      upsertMessage: db.prepare(
        `INSERT INTO messages (id, status, task_id, created_at, doc) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
      ),
      upsertToken: db.prepare('INSERT INTO link_tokens (id, task_id, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc'),
      revokeTokens: db.prepare(
        `UPDATE link_tokens SET doc = json_set(doc, '$.revokedAt', ?, '$.revokedReason', ?)
         WHERE task_id = ? AND json_extract(doc, '$.revokedAt') IS NULL AND json_extract(doc, '$.usedAt') IS NULL`,
      ),
      insertSchedule: db.prepare('INSERT INTO schedules (id, revision, doc) VALUES (?, ?, ?)'),
      updateSchedule: db.prepare('UPDATE schedules SET revision = ?, doc = ? WHERE id = ? AND revision = ?'),
      deleteSchedule: db.prepare('DELETE FROM schedules WHERE id = ?'),
      claimOne: db.prepare(
        `UPDATE jobs SET status = 'running', locked_by = ?, locked_until = ?,
           doc = json_set(doc, '$.status', 'running', '$.lockedBy', ?, '$.lockedUntil', ?, '$.attempts', json_extract(doc, '$.attempts') + 1)
         WHERE id = ? AND (status = 'scheduled' OR (status = 'running' AND locked_until <= ?)) RETURNING doc`,
      ),
      markQueued: db.prepare(`UPDATE jobs SET queued_at = ?, doc = json_set(doc, '$.queuedAt', ?) WHERE id = ? AND status = 'scheduled'`),
      upsertSession: db.prepare('INSERT INTO sessions (id, user_id, expires_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at, doc = excluded.doc'),
      deleteSession: db.prepare('DELETE FROM sessions WHERE id = ?'),
      upsertApiToken: db.prepare('INSERT INTO api_tokens (id, user_id, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc'),
      insertSignature: db.prepare('INSERT INTO signatures (id, task_id, instance_id, signed_at, doc) VALUES (?, ?, ?, ?, ?)'),
      insertWebhook: db.prepare('INSERT INTO webhook_subscriptions (id, revision, doc) VALUES (?, ?, ?)'),
      updateWebhook: db.prepare('UPDATE webhook_subscriptions SET revision = ?, doc = ? WHERE id = ? AND revision = ?'),
      deleteWebhook: db.prepare('DELETE FROM webhook_subscriptions WHERE id = ?'),
      upsertDelivery: db.prepare(
        `INSERT INTO webhook_deliveries (id, subscription_id, status, created_at, doc) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
      ),
      insertInbound: db.prepare('INSERT INTO inbound_events (id, source, event_id, doc) VALUES (?, ?, ?, ?)'),
      auditHead: db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1'),
      insertAudit: db.prepare('INSERT INTO audit (seq, at, actor, action, target, instance_id, hash, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      nextSequence: db.prepare('INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value'),
      dueJobs: db.prepare(
        `SELECT id FROM jobs WHERE (status = 'scheduled' AND run_at <= ?) OR (status = 'running' AND locked_until <= ?)
         ORDER BY run_at LIMIT ?`,
      ),
      claimJob: db.prepare(
        `UPDATE jobs SET status = 'running', locked_by = ?, locked_until = ?,
           doc = json_set(doc, '$.status', 'running', '$.lockedBy', ?, '$.lockedUntil', ?, '$.attempts', json_extract(doc, '$.attempts') + 1)
         WHERE id = ? RETURNING doc`,
      ),
      failJob: db.prepare(
        `UPDATE jobs SET status = ?, run_at = COALESCE(?, run_at), locked_by = NULL, locked_until = NULL,
           doc = json_remove(json_set(doc, '$.status', ?, '$.runAt', COALESCE(?, json_extract(doc, '$.runAt')), '$.lastError', ?), '$.lockedBy', '$.lockedUntil')
         WHERE id = ? AND status = 'running' AND locked_by = ?`,
      ),
    };
  }

  async commit(change: ChangeSet): Promise<void> {
    await this.hooks.run(change, (c) => this.write(c));
  }

  beforeCommit(hook: BeforeCommitHook): () => void {
    return this.hooks.beforeCommit(hook);
  }

  afterCommit(hook: AfterCommitHook): () => void {
    return this.hooks.afterCommit(hook);
  }

  /** Applies a change in one immediate transaction (the commit, its hooks aside). */
  private write(change: ChangeSet): void {
    const s = this.statements;
    const apply = this.db.transaction((c: ChangeSet) => {
      if (c.definition) {
        const d = c.definition;
        try {
          s.insertDefinition.run(d.key, d.version, d.hash, d.effectiveAt ?? d.deployedAt, JSON.stringify(d));
        } catch (err) {
          throw constraintAs(err, new RevisionConflict(`version ${d.version} of ${d.key} was deployed meanwhile`));
        }
      }
      for (const { record: r, expectedRevision } of [...(c.instance ? [c.instance] : []), ...(c.linkedInstances ?? []).map((record) => ({ record, expectedRevision: null }))]) {
        if (expectedRevision === null) {
          try {
            s.insertInstance.run(r.id, r.key, r.version, r.businessKey, r.status, r.revision, r.startedAt, r.site ?? null, r.endedAt ?? null, JSON.stringify(r));
          } catch (err) {
            throw constraintAs(err, new ConflictError(`business key ${r.businessKey} is already in use`));
          }
        } else if (s.updateInstance.run(r.status, r.revision, r.site ?? null, r.endedAt ?? null, JSON.stringify(r), r.id, expectedRevision).changes !== 1) {
          throw new RevisionConflict(`instance ${r.id} is no longer at revision ${expectedRevision}`);
        }
      }
      for (const { record: t, expectedRevision } of c.tasks ?? []) {
        const f = taskFigureFields(t);
        const figures = [t.definitionKey, f.escalationLevel, f.completedAt, f.closedAt, f.lateClosedAt] as const;
        if (expectedRevision === null) {
          s.insertTask.run(t.id, t.instanceId, t.status, t.assignee ?? null, t.candidateRole ?? null, t.dueAt ?? null, t.createdAt, t.revision, t.site ?? null, ...figures, JSON.stringify(t));
        } else if (
          s.updateTask.run(t.status, t.assignee ?? null, t.candidateRole ?? null, t.dueAt ?? null, t.revision, t.site ?? null, ...figures, JSON.stringify(t), t.id, expectedRevision).changes !== 1
        ) {
          throw new RevisionConflict(`task ${t.id} is no longer at revision ${expectedRevision}`);
        }
      }
      // queued_at is cleared, so the record must not claim it either (undefined drops out of the JSON)
      for (const j of c.scheduleJobs ?? []) s.upsertJob.run(j.id, j.kind, j.status, j.runAt, j.instanceId ?? null, JSON.stringify({ ...j, queuedAt: undefined }));
      for (const j of c.ensureJobs ?? []) s.ensureJob.run(j.id, j.kind, j.status, j.runAt, j.instanceId ?? null, JSON.stringify({ ...j, queuedAt: undefined }));
      for (const id of c.cancelJobs ?? []) s.cancelJob.run(id);
      if (c.finishJob && s.finishJob.run(c.finishJob.id, c.finishJob.lockedBy).changes !== 1) {
        throw new RevisionConflict(`job ${c.finishJob.id} is no longer claimed by ${c.finishJob.lockedBy}`);
      }
      for (const i of c.incidents ?? []) s.upsertIncident.run(i.id, i.instanceId, i.status, i.createdAt, JSON.stringify(i));
      for (const u of c.users ?? []) {
        try {
          s.upsertUser.run(u.id, u.email, u.active ? 1 : 0, JSON.stringify(u));
        } catch (err) {
          throw constraintAs(err, new ConflictError(`the email ${u.email} belongs to another user`));
        }
        s.clearRoles.run(u.id);
        for (const role of new Set(u.roles)) s.addRole.run(u.id, role);
      }
      for (const m of c.messages ?? []) s.upsertMessage.run(m.id, m.status, m.taskId ?? null, m.createdAt, JSON.stringify(m));
      // revoke before issuing: tokens issued in the same change (a reassignment's new links) stay valid
      for (const r of c.revokeLinkTokens ?? []) s.revokeTokens.run(r.at, r.reason, r.taskId);
      for (const t of c.linkTokens ?? []) s.upsertToken.run(t.id, t.taskId, JSON.stringify(t));
      for (const { record, expectedRevision } of c.schedules ?? []) {
        if (expectedRevision === null) {
          try {
            s.insertSchedule.run(record.id, record.revision, JSON.stringify(record));
          } catch (err) {
            throw constraintAs(err, new ConflictError(`schedule ${record.id} exists already`));
          }
        } else if (s.updateSchedule.run(record.revision, JSON.stringify(record), record.id, expectedRevision).changes !== 1) {
          throw new RevisionConflict(`schedule ${record.id} is no longer at revision ${expectedRevision}`);
        }
      }
      for (const id of c.deleteSchedules ?? []) s.deleteSchedule.run(id);
      for (const session of c.sessions ?? []) s.upsertSession.run(session.id, session.userId, session.expiresAt, JSON.stringify(session));
      for (const id of c.deleteSessions ?? []) s.deleteSession.run(id);
      for (const token of c.apiTokens ?? []) s.upsertApiToken.run(token.id, token.userId, JSON.stringify(token));
      for (const sig of c.signatures ?? []) {
        try {
          s.insertSignature.run(sig.id, sig.taskId, sig.instanceId, sig.signedAt, JSON.stringify(sig));
        } catch (err) {
          throw constraintAs(err, new ConflictError(`signature ${sig.id} exists already: signatures are never replaced`));
        }
      }
      for (const { record: d, expectedRevision } of c.drafts ?? []) {
        const openDraft = new ConflictError(`process ${d.key} has an open draft already: finish or withdraw it first`);
        if (expectedRevision === null) {
          try {
            s.insertDraft.run(d.id, d.key, d.status, d.revision, d.updatedAt, JSON.stringify(d));
          } catch (err) {
            throw constraintAs(err, openDraft);
          }
        } else {
          let changed: number;
          try {
            changed = s.updateDraft.run(d.status, d.revision, d.updatedAt, JSON.stringify(d), d.id, expectedRevision).changes;
          } catch (err) {
            throw constraintAs(err, openDraft);
          }
          if (changed !== 1) throw new RevisionConflict(`draft ${d.id} is no longer at revision ${expectedRevision}`);
        }
      }
      for (const { record, expectedRevision } of c.webhookSubscriptions ?? []) {
        if (expectedRevision === null) {
          try {
            s.insertWebhook.run(record.id, record.revision, JSON.stringify(record));
          } catch (err) {
            throw constraintAs(err, new ConflictError(`webhook subscription ${record.id} exists already`));
          }
        } else if (s.updateWebhook.run(record.revision, JSON.stringify(record), record.id, expectedRevision).changes !== 1) {
          throw new RevisionConflict(`webhook subscription ${record.id} is no longer at revision ${expectedRevision}`);
        }
      }
      for (const id of c.deleteWebhookSubscriptions ?? []) s.deleteWebhook.run(id);
      for (const d of c.webhookDeliveries ?? []) s.upsertDelivery.run(d.id, d.subscriptionId, d.status, d.createdAt, JSON.stringify(d));
      for (const e of c.inboundEvents ?? []) {
        try {
          s.insertInbound.run(e.id, e.source, e.eventId, JSON.stringify(e));
        } catch (err) {
          throw constraintAs(err, new DuplicateEventError(e.source, e.eventId));
        }
      }
      for (const { record, expectedRevision } of c.kpis ?? []) {
        if (expectedRevision === null) {
          try {
            s.insertKpi.run(record.id, record.revision, JSON.stringify(record));
          } catch (err) {
            throw constraintAs(err, new ConflictError(`KPI ${record.id} exists already`));
          }
        } else if (s.updateKpi.run(record.revision, JSON.stringify(record), record.id, expectedRevision).changes !== 1) {
          throw new RevisionConflict(`KPI ${record.id} is no longer at revision ${expectedRevision}`);
        }
      }
      for (const v of c.kpiValues ?? []) s.upsertKpiValue.run(v.id, v.kpiId, v.period, JSON.stringify(v));
      if (c.audit.length) {
        const head = s.auditHead.get() as { seq: number; hash: string } | undefined;
        let seq = head?.seq ?? 0;
        let prevHash = head?.hash ?? GENESIS_HASH;
        for (const input of c.audit) {
          const event = sealAuditEvent(input, (seq += 1), prevHash);
          s.insertAudit.run(event.seq, event.at, event.actor, event.action, event.target, event.instanceId ?? null, event.hash, JSON.stringify(event));
          prevHash = event.hash;
        }
      }
    });
    apply.immediate(change);
  }

  async getDefinition(key: string, version?: number): Promise<DefinitionRecord | undefined> {
    const row =
      version === undefined
        ? this.query('SELECT doc FROM definitions WHERE key = ? ORDER BY version DESC LIMIT 1').get(key)
        : this.query('SELECT doc FROM definitions WHERE key = ? AND version = ?').get(key, version);
    return parseDoc(row);
  }

  async findDefinitionByHash(key: string, hash: string): Promise<DefinitionRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM definitions WHERE key = ? AND hash = ? ORDER BY version DESC LIMIT 1').get(key, hash));
  }

  async listDefinitions(): Promise<DefinitionRecord[]> {
    return parseDocs(this.query('SELECT doc FROM definitions ORDER BY key, version').all());
  }

  async getEffectiveDefinition(key: string, at: string): Promise<DefinitionRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM definitions WHERE key = ? AND effective_at <= ? ORDER BY version DESC LIMIT 1').get(key, at));
  }

  async getDraft(id: string): Promise<DraftRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM drafts WHERE id = ?').get(id));
  }

  async listDrafts(query: DraftQuery): Promise<DraftRecord[]> {
    const { where, params } = conditions([['key = ?', query.key], ...inList('status', query.status)]);
    return parseDocs(this.query(`SELECT doc FROM drafts ${where} ORDER BY updated_at DESC, id LIMIT ?`).all(...params, query.limit ?? 1000));
  }

  async countInstancesByVersion(key: string): Promise<VersionCount[]> {
    const rows = this.query('SELECT version, status, COUNT(*) AS count FROM instances WHERE key = ? GROUP BY version, status ORDER BY version, status').all(key) as VersionCount[];
    return rows.map(({ version, status, count }) => ({ version, status, count }));
  }

  async getInstance(id: string): Promise<InstanceRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM instances WHERE id = ?').get(id));
  }

  async listInstances(query: InstanceQuery): Promise<InstanceRecord[]> {
    const { where, params } = conditions([
      ['key = ?', query.key],
      ['status = ?', query.status],
      ...siteFilter(query.sites),
    ]);
    return parseDocs(this.query(`SELECT doc FROM instances ${where} ORDER BY started_at DESC, id LIMIT ? OFFSET ?`).all(...params, query.limit ?? 100, query.offset ?? 0));
  }

  async nextSequence(name: string): Promise<number> {
    return (this.statements.nextSequence.get(name) as { value: number }).value;
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM tasks WHERE id = ?').get(id));
  }

  async listTasks(query: TaskQuery): Promise<TaskRecord[]> {
    const { where, params } = conditions([
      ['assignee = ?', query.assignee],
      ['candidate_role = ?', query.role],
      ['status = ?', query.status],
      ['instance_id = ?', query.instanceId],
      [`status = 'open' AND due_at < ?`, query.dueBefore],
      ...inList('instance_id', query.instanceIds),
      ...siteFilter(query.sites),
      ...(query.forUser
        ? ([[`(assignee = ? OR (assignee IS NULL AND candidate_role IN (SELECT value FROM json_each(?))))`, [query.forUser.id, JSON.stringify(query.forUser.roles)]]] as Condition[])
        : []),
    ]);
    return parseDocs(this.query(`SELECT doc FROM tasks ${where} ORDER BY created_at, id LIMIT ? OFFSET ?`).all(...params, query.limit ?? 100, query.offset ?? 0));
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM jobs WHERE id = ?').get(id));
  }

  async listJobs(query: { instanceId?: string; status?: JobRecord['status'] }): Promise<JobRecord[]> {
    const { where, params } = conditions([
      ['instance_id = ?', query.instanceId],
      ['status = ?', query.status],
    ]);
    return parseDocs(this.query(`SELECT doc FROM jobs ${where} ORDER BY run_at, id`).all(...params));
  }

  async claimDueJobs(now: string, worker: string, leaseUntil: string, limit: number): Promise<JobRecord[]> {
    const s = this.statements;
    const claim = this.db.transaction(() => {
      const ids = s.dueJobs.all(now, now, limit) as { id: string }[];
      return ids.map(({ id }) => JSON.parse((s.claimJob.get(worker, leaseUntil, worker, leaseUntil, id) as { doc: string }).doc) as JobRecord);
    });
    return claim.immediate();
  }

  async failJob(id: string, lockedBy: string, error: string, retryAt: string | null): Promise<void> {
    const status = retryAt ? 'scheduled' : 'failed';
    this.statements.failJob.run(status, retryAt, status, retryAt, error.slice(0, 2000), id, lockedBy);
  }

  async claimJob(id: string, worker: string, now: string, leaseUntil: string): Promise<JobRecord | undefined> {
    const claim = this.db.transaction(() => parseDoc<JobRecord>(this.statements.claimOne.get(worker, leaseUntil, worker, leaseUntil, id, now)));
    return claim.immediate();
  }

  async listUnqueuedJobs(limit: number): Promise<JobRecord[]> {
    return parseDocs(this.query(`SELECT doc FROM jobs WHERE status = 'scheduled' AND queued_at IS NULL ORDER BY run_at, id LIMIT ?`).all(limit));
  }

  async markJobsQueued(ids: string[], at: string): Promise<void> {
    const mark = this.db.transaction(() => {
      for (const id of ids) this.statements.markQueued.run(at, at, id);
    });
    mark.immediate();
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM users WHERE id = ?').get(id));
  }

  async listUsers(query: { role?: string; active?: boolean }): Promise<UserRecord[]> {
    const { where, params } = conditions([
      ['id IN (SELECT user_id FROM user_roles WHERE role = ?)', query.role],
      ['active = ?', query.active === undefined ? undefined : query.active ? 1 : 0],
    ]);
    return parseDocs(this.query(`SELECT doc FROM users ${where} ORDER BY id`).all(...params));
  }

  async getUserByEmail(email: string): Promise<UserRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM users WHERE email = ?').get(email.toLowerCase()));
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM sessions WHERE id = ?').get(id));
  }

  async getApiToken(id: string): Promise<ApiTokenRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM api_tokens WHERE id = ?').get(id));
  }

  async listApiTokens(userId: string): Promise<ApiTokenRecord[]> {
    return parseDocs(this.query(`SELECT doc FROM api_tokens WHERE user_id = ? ORDER BY json_extract(doc, '$.createdAt'), id`).all(userId));
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM messages WHERE id = ?').get(id));
  }

  async listMessages(query: { status?: MessageRecord['status']; taskId?: string; limit?: number }): Promise<MessageRecord[]> {
    const { where, params } = conditions([
      ['status = ?', query.status],
      ['task_id = ?', query.taskId],
    ]);
    return parseDocs(this.query(`SELECT doc FROM messages ${where} ORDER BY created_at, id LIMIT ?`).all(...params, query.limit ?? 1000));
  }

  async getLinkToken(id: string): Promise<LinkTokenRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM link_tokens WHERE id = ?').get(id));
  }

  async listLinkTokens(taskId: string): Promise<LinkTokenRecord[]> {
    return parseDocs(this.query(`SELECT doc FROM link_tokens WHERE task_id = ? ORDER BY json_extract(doc, '$.createdAt'), id`).all(taskId));
  }

  async listOpenLinkTokensOfUser(userId: string): Promise<LinkTokenRecord[]> {
    // the expression is the indexed one (link_tokens_user), so the lookup uses the index
    return parseDocs(
      this.query(
        `SELECT doc FROM link_tokens WHERE json_extract(doc, '$.userId') = ?
           AND json_extract(doc, '$.revokedAt') IS NULL AND json_extract(doc, '$.usedAt') IS NULL
         ORDER BY json_extract(doc, '$.createdAt'), id`,
      ).all(userId),
    );
  }

  async getSchedule(id: string): Promise<ScheduleRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM schedules WHERE id = ?').get(id));
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return parseDocs(this.query('SELECT doc FROM schedules ORDER BY id').all());
  }

  async getIncident(id: string): Promise<IncidentRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM incidents WHERE id = ?').get(id));
  }

  async listIncidents(query: { status?: IncidentRecord['status']; instanceId?: string }): Promise<IncidentRecord[]> {
    const { where, params } = conditions([
      ['status = ?', query.status],
      ['instance_id = ?', query.instanceId],
    ]);
    return parseDocs(this.query(`SELECT doc FROM incidents ${where} ORDER BY created_at, id`).all(...params));
  }

  async listSignatures(query: { instanceId?: string; taskId?: string }): Promise<SignatureRecord[]> {
    const { where, params } = conditions([
      ['instance_id = ?', query.instanceId],
      ['task_id = ?', query.taskId],
    ]);
    return parseDocs(this.query(`SELECT doc FROM signatures ${where} ORDER BY signed_at, id`).all(...params));
  }

  async listAudit(query: AuditQuery): Promise<AuditEvent[]> {
    const { where, params } = conditions([
      ['target = ?', query.target],
      ['instance_id = ?', query.instanceId],
      ['seq > ?', query.afterSeq],
    ]);
    return parseDocs(this.query(`SELECT doc FROM audit ${where} ORDER BY seq LIMIT ?`).all(...params, query.limit ?? 1000));
  }

  async getWebhookSubscription(id: string): Promise<WebhookSubscriptionRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM webhook_subscriptions WHERE id = ?').get(id));
  }

  async listWebhookSubscriptions(): Promise<WebhookSubscriptionRecord[]> {
    return parseDocs(this.query('SELECT doc FROM webhook_subscriptions ORDER BY id').all());
  }

  async getWebhookDelivery(id: string): Promise<WebhookDeliveryRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM webhook_deliveries WHERE id = ?').get(id));
  }

  async listWebhookDeliveries(query: { subscriptionId: string; status?: WebhookDeliveryRecord['status']; limit?: number }): Promise<WebhookDeliveryRecord[]> {
    const { where, params } = conditions([
      ['subscription_id = ?', query.subscriptionId],
      ['status = ?', query.status],
    ]);
    return parseDocs(this.query(`SELECT doc FROM webhook_deliveries ${where} ORDER BY created_at DESC, id DESC LIMIT ?`).all(...params, query.limit ?? 100));
  }

  async getInboundEvent(source: string, eventId: string): Promise<InboundEventRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM inbound_events WHERE source = ? AND event_id = ?').get(source, eventId));
  }

  // ---- backup and restore ----------------------------------------------------------------------------

  async countRecords(): Promise<Record<BackupCollection, number>> {
    const counts = {} as Record<BackupCollection, number>;
    for (const name of BACKUP_COLLECTIONS) counts[name] = (this.query(`SELECT COUNT(*) AS n FROM ${TABLES[name]}`).get() as { n: number }).n;
    return counts;
  }

  /** Pages by rowid (insertion order; the seq for audit events), so a large table is read in constant memory. */
  async *exportRecords(collection: BackupCollection, batchSize = 1000): AsyncIterable<unknown[]> {
    const columns = collection === 'sequences' ? 'name, value' : 'doc';
    const page = this.query(`SELECT rowid AS r, ${columns} FROM ${TABLES[collection]} WHERE rowid > ? ORDER BY rowid LIMIT ?`);
    let after = 0;
    for (;;) {
      const rows = page.all(after, batchSize) as { r: number; doc?: string; name?: string; value?: number }[];
      if (!rows.length) return;
      after = rows[rows.length - 1].r;
      yield rows.map((row) => (collection === 'sequences' ? ({ name: row.name!, value: row.value! } satisfies SequenceRecord) : JSON.parse(row.doc!)));
    }
  }

  async importRecords(collection: BackupCollection, records: unknown[]): Promise<void> {
    const insert = this.importStatement(collection);
    const run = this.db.transaction(() => {
      for (const record of records) {
        try {
          insert(record as never);
        } catch (err) {
          throw constraintAs(err, new ConflictError(`${collection}: ${describe(record)} exists already; restore into an empty store`));
        }
      }
    });
    run.immediate();
  }

  /** One record of a kind, inserted as it is with its indexed columns, as commit would have written it. */
  private importStatement(collection: BackupCollection): (record: any) => void {
    const doc = (r: unknown) => JSON.stringify(r);
    const s = this.statements;
    switch (collection) {
      case 'definitions':
        return (d: DefinitionRecord) => s.insertDefinition.run(d.key, d.version, d.hash, d.effectiveAt ?? d.deployedAt, doc(d));
      case 'instances':
        return (r: InstanceRecord) => s.insertInstance.run(r.id, r.key, r.version, r.businessKey, r.status, r.revision, r.startedAt, r.site ?? null, r.endedAt ?? null, doc(r));
      case 'tasks':
        return (t: TaskRecord) => {
          const f = taskFigureFields(t);
          s.insertTask.run(t.id, t.instanceId, t.status, t.assignee ?? null, t.candidateRole ?? null, t.dueAt ?? null, t.createdAt, t.revision, t.site ?? null, t.definitionKey, f.escalationLevel, f.completedAt, f.closedAt, f.lateClosedAt, doc(t));
        };
      case 'jobs': {
        const insert = this.query('INSERT INTO jobs (id, kind, status, run_at, instance_id, locked_by, locked_until, queued_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
        return (j: JobRecord) => insert.run(j.id, j.kind, j.status, j.runAt, j.instanceId ?? null, j.lockedBy ?? null, j.lockedUntil ?? null, j.queuedAt ?? null, doc(j));
      }
      case 'incidents':
        return (i: IncidentRecord) => this.query('INSERT INTO incidents (id, instance_id, status, created_at, doc) VALUES (?, ?, ?, ?, ?)').run(i.id, i.instanceId, i.status, i.createdAt, doc(i));
      case 'users':
        return (u: UserRecord) => {
          this.query('INSERT INTO users (id, email, active, doc) VALUES (?, ?, ?, ?)').run(u.id, u.email, u.active ? 1 : 0, doc(u));
          for (const role of new Set(u.roles)) s.addRole.run(u.id, role);
        };
      case 'messages':
        return (m: MessageRecord) => this.query('INSERT INTO messages (id, status, task_id, created_at, doc) VALUES (?, ?, ?, ?, ?)').run(m.id, m.status, m.taskId ?? null, m.createdAt, doc(m));
      case 'link_tokens':
        return (t: LinkTokenRecord) => this.query('INSERT INTO link_tokens (id, task_id, doc) VALUES (?, ?, ?)').run(t.id, t.taskId, doc(t));
      case 'schedules':
        return (r: ScheduleRecord) => s.insertSchedule.run(r.id, r.revision, doc(r));
      case 'api_tokens':
        return (t: ApiTokenRecord) => this.query('INSERT INTO api_tokens (id, user_id, doc) VALUES (?, ?, ?)').run(t.id, t.userId, doc(t));
      case 'signatures':
        return (sig: SignatureRecord) => s.insertSignature.run(sig.id, sig.taskId, sig.instanceId, sig.signedAt, doc(sig));
      case 'sequences':
        return (q: SequenceRecord) => this.query('INSERT INTO sequences (name, value) VALUES (?, ?)').run(q.name, q.value);
      case 'webhook_subscriptions':
        return (w: WebhookSubscriptionRecord) => s.insertWebhook.run(w.id, w.revision, doc(w));
      case 'webhook_deliveries':
        return (d: WebhookDeliveryRecord) => this.query('INSERT INTO webhook_deliveries (id, subscription_id, status, created_at, doc) VALUES (?, ?, ?, ?, ?)').run(d.id, d.subscriptionId, d.status, d.createdAt, doc(d));
      case 'inbound_events':
        return (e: InboundEventRecord) => s.insertInbound.run(e.id, e.source, e.eventId, doc(e));
      case 'drafts':
        return (d: DraftRecord) => s.insertDraft.run(d.id, d.key, d.status, d.revision, d.updatedAt, doc(d));
      case 'kpis':
        return (k: KpiRecord) => s.insertKpi.run(k.id, k.revision, doc(k));
      case 'kpi_values':
        return (v: KpiValueRecord) => s.upsertKpiValue.run(v.id, v.kpiId, v.period, doc(v));
      case 'audit':
        return (e: AuditEvent) => s.insertAudit.run(e.seq, e.at, e.actor, e.action, e.target, e.instanceId ?? null, e.hash, doc(e));
    }
  }

  // ---- dashboard figures ---------------------------------------------------------------------------------

  async openTaskGroups(query: OpenTaskGroupQuery): Promise<OpenTaskGroup[]> {
    const edges = query.dueEdges;
    const dimensions = TASK_GROUPINGS[query.by];
    if (!dimensions) throw new Error(`openTaskGroups: unknown grouping ${String(query.by)}`);
    const columns = dimensions.map((d) => TASK_DIMENSIONS[d]);
    // cumulative counts (one comparison each), grouped in the order of the grouping's index: one pass, no sort
    const select = `SELECT ${columns.map((c, i) => `${c} AS d${i}`).join(', ')}, count(*) AS n, SUM(due_at IS NULL) AS no_due, ${edges.map((_e, i) => `SUM(due_at < ?) AS c${i}`).join(', ')}`;
    const scope = scopeConditions(query);
    // open now (and created by then), and closed since: the tasks open at `at`
    const openNow = conditions([[`status = 'open'`, null], ['created_at <= ?', query.at], ...scope]);
    const closedSince = conditions([['closed_at > ?', query.at], ['created_at <= ?', query.at], ...scope]);
    const groupBy = `GROUP BY ${columns.join(', ')}`;
    const rows = [
      ...this.query(`${select} FROM tasks INDEXED BY tasks_open_${query.by} ${openNow.where} ${groupBy}`).all(...edges, ...openNow.params),
      ...this.query(`${select} FROM tasks INDEXED BY tasks_closed_at ${closedSince.where} ${groupBy}`).all(...edges, ...closedSince.params),
    ] as Record<string, unknown>[];
    const groups = new Map<string, OpenTaskGroup>();
    for (const row of rows) {
      const values = Object.fromEntries(dimensions.map((d, i) => [d, (row[`d${i}`] as string | number | null) ?? null]));
      const key = JSON.stringify(values);
      const noDue = Number(row.no_due ?? 0);
      const below = edges.map((_e, i) => Number(row[`c${i}`] ?? 0));
      const bands = [...below, Number(row.n) - noDue].map((cum, i) => cum - (i === 0 ? 0 : below[i - 1]));
      const group = groups.get(key);
      if (!group) groups.set(key, { values, noDue, bands });
      else {
        group.noDue += noDue;
        group.bands = group.bands.map((n, i) => n + bands[i]);
      }
    }
    return [...groups.values()];
  }

  async taskSeries(query: TaskSeriesQuery): Promise<TaskSeries> {
    const { edges } = query;
    const scope = scopeConditions(query);
    const count = (sql: string, ...params: unknown[]) => {
      const { where, params: scoped } = conditions([[sql, params.length > 1 ? params : params[0]], ...scope]);
      // the open tasks' due dates through the index that also holds process and site
      const index = sql.startsWith(`status = 'open'`) ? 'INDEXED BY tasks_open_due' : '';
      return (this.query(`SELECT count(*) AS n FROM tasks ${index} ${where}`).get(...scoped) as { n: number }).n;
    };
    const intervals = edges.slice(1).map((hi, i) => [edges[i], hi] as const);
    const created = intervals.map(([lo, hi]) => count('created_at >= ? AND created_at < ?', lo, hi));
    const completed = intervals.map(([lo, hi]) => count('completed_at >= ? AND completed_at < ?', lo, hi));
    // overdue at T = open now and due before T, + closed late after T and due before T
    //              = openDueBefore(T) + lateClosedAfter(T) − lateDueFrom(T)   (a late task's due < its close)
    const last = edges[edges.length - 1];
    const openDue = [count(`status = 'open' AND due_at < ?`, edges[0]), ...intervals.map(([lo, hi]) => count(`status = 'open' AND due_at >= ? AND due_at < ?`, lo, hi))];
    const lateClosed = [...intervals.map(([lo, hi]) => count('late_closed_at > ? AND late_closed_at <= ?', lo, hi)), count('late_closed_at > ?', last)];
    const lateDue = [...intervals.map(([lo, hi]) => count('late_closed_at IS NOT NULL AND due_at >= ? AND due_at < ?', lo, hi)), count('late_closed_at IS NOT NULL AND due_at >= ?', last)];
    return { created, completed, overdueAtEnd: overdueSeries(openDue, lateClosed, lateDue) };
  }

  async searchTasks(query: TaskSearch): Promise<TaskRecord[]> {
    const { where, params } = conditions([
      ...(query.openAt !== undefined ? ([[`(status = 'open' OR closed_at > ?) AND created_at <= ?`, [query.openAt, query.openAt]]] as Condition[]) : []),
      ...(query.overdueAt !== undefined ? ([[`due_at < ? AND (status = 'open' OR closed_at > ?) AND created_at <= ?`, [query.overdueAt, query.overdueAt, query.overdueAt]]] as Condition[]) : []),
      ['due_at >= ?', query.dueFrom],
      ['due_at < ?', query.dueBefore],
      ['created_at >= ?', query.createdFrom],
      ['created_at < ?', query.createdBefore],
      ['completed_at >= ?', query.completedFrom],
      ['completed_at < ?', query.completedBefore],
      ...nullable('assignee', query.assignee),
      ...nullable('candidate_role', query.candidateRole),
      ['escalation_level = ?', query.escalationLevel],
      ['escalation_level >= ?', query.minEscalationLevel],
      ...scopeConditions(query),
    ]);
    return parseDocs(this.query(`SELECT doc FROM tasks ${where} ORDER BY due_at IS NULL, due_at, id LIMIT ?`).all(...params, query.limit ?? 1000));
  }

  async closedInstances(query: ClosedInstanceQuery): Promise<ClosedInstance[]> {
    const { where, params } = conditions([
      ['i.key = ?', query.key],
      [`i.status = 'completed'`, null],
      ['i.ended_at >= ? AND i.ended_at < ?', [query.endedFrom, query.endedBefore]],
      ...siteScope(query, 'i.site'),
    ]);
    const rows = this.query(
      `SELECT i.id, i.business_key, i.site, i.started_at, i.ended_at,
         (SELECT count(*) FROM tasks t WHERE t.instance_id = i.id AND t.status = 'completed' AND t.late_closed_at IS NOT NULL) AS late
       FROM instances i ${where} ORDER BY i.ended_at, i.id`,
    ).all(...params) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: String(r.id),
      businessKey: String(r.business_key),
      site: (r.site as string | null) ?? null,
      startedAt: String(r.started_at),
      endedAt: String(r.ended_at),
      lateTasks: Number(r.late),
    }));
  }

  async countFindings(query: FindingQuery): Promise<FindingCount[]> {
    const { from, where, params } = this.findingSql(query);
    const rows = this.query(
      `SELECT json_extract(f.value, '$.clause') AS clause, max(json_extract(f.value, '$.number')) AS number, max(json_extract(f.value, '$.title')) AS title,
         json_extract(f.value, '$.grade') AS grade, count(*) AS n
       ${from} ${where} GROUP BY 1, 4 ORDER BY 1, 4`,
    ).all(...params) as Record<string, unknown>[];
    return rows.map((r) => ({ clause: String(r.clause ?? ''), number: String(r.number ?? ''), title: String(r.title ?? ''), grade: String(r.grade ?? ''), count: Number(r.n) }));
  }

  async listFindings(query: FindingQuery): Promise<FindingRow[]> {
    const { from, where, params } = this.findingSql(query);
    const rows = this.query(
      `SELECT i.id, i.business_key, i.site, i.started_at, json_extract(f.value, '$.n') AS n, json_extract(f.value, '$.clause') AS clause, json_extract(f.value, '$.number') AS number,
         json_extract(f.value, '$.title') AS title, json_extract(f.value, '$.grade') AS grade, json_extract(f.value, '$.statement') AS statement
       ${from} ${where} ORDER BY i.started_at, i.id, n LIMIT ?`,
    ).all(...params, query.limit ?? 1000) as Record<string, unknown>[];
    return rows.map((r) => ({
      instanceId: String(r.id),
      businessKey: String(r.business_key),
      site: (r.site as string | null) ?? null,
      startedAt: String(r.started_at),
      n: Number(r.n ?? 0),
      clause: String(r.clause ?? ''),
      number: String(r.number ?? ''),
      title: String(r.title ?? ''),
      grade: String(r.grade ?? ''),
      statement: String(r.statement ?? ''),
    }));
  }

  private findingSql(query: FindingQuery) {
    return {
      from: `FROM instances i, json_each(i.doc, '$.output.findings.findings') f`,
      ...conditions([
        ['i.key = ?', query.key],
        ['i.started_at >= ? AND i.started_at < ?', [query.startedFrom, query.startedBefore]],
        [`i.status != 'cancelled'`, null],
        [`json_extract(f.value, '$.clause') = ?`, query.clause],
        [`json_extract(f.value, '$.grade') = ?`, query.grade],
        ...siteScope(query, 'i.site'),
      ]),
    };
  }

  async gapReports(query: GapReportQuery): Promise<GapReportRow[]> {
    const { where, params } = conditions([
      ['key = ?', query.key],
      ['started_at <= ?', query.startedBefore],
      [`status != 'cancelled'`, null],
      [`json_type(doc, '$.output.gapReport.coverage') = 'array'`, null],
      ...siteScope(query, 'site'),
    ]);
    const rows = this.query(
      `SELECT id, business_key, site, started_at, status, json_type(doc, '$.output.signOff') IS NOT NULL AS signed, json_extract(doc, '$.output.gapReport.coverage') AS coverage
       FROM instances ${where} ORDER BY started_at, id`,
    ).all(...params) as Record<string, unknown>[];
    return rows.map((r) => ({
      instanceId: String(r.id),
      businessKey: String(r.business_key),
      site: (r.site as string | null) ?? null,
      startedAt: String(r.started_at),
      status: r.status as InstanceRecord['status'],
      signedOff: Boolean(r.signed),
      coverage: coverageRows(JSON.parse(String(r.coverage))),
    }));
  }

  // ---- KPIs ----------------------------------------------------------------------------------------------

  async getKpi(id: string): Promise<KpiRecord | undefined> {
    return parseDoc(this.query('SELECT doc FROM kpis WHERE id = ?').get(id));
  }

  async listKpis(): Promise<KpiRecord[]> {
    return parseDocs(this.query("SELECT doc FROM kpis ORDER BY json_extract(doc, '$.system'), id").all());
  }

  async listKpiValues(kpiIds: string[]): Promise<KpiValueRecord[]> {
    return parseDocs(this.query('SELECT doc FROM kpi_values WHERE kpi_id IN (SELECT value FROM json_each(?)) ORDER BY kpi_id, period').all(JSON.stringify(kpiIds)));
  }

  /** The query plan of a statement, for the benchmark's check that every dashboard query uses an index. */
  explain(sql: string, ...params: unknown[]): string[] {
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
  }

  /** Every statement prepared so far, for the benchmark's query-plan report. */
  preparedSql(): string[] {
    return [...this.queries.keys()];
  }

  private query(sql: string): Database.Statement {
    let statement = this.queries.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.queries.set(sql, statement);
    }
    return statement;
  }

  /** For tests of tamper detection only: runs raw SQL against the file. */
  unsafeExecForTests(sql: string, ...params: unknown[]): void {
    this.db.prepare(sql).run(...params);
  }
}

/** A WHERE clause part and its parameter: one value, or an array for several `?`. Undefined: not used. */
type Condition = [string, unknown];

function conditions(candidates: Condition[]): { where: string; params: unknown[] } {
  const used = candidates.filter(([, value]) => value !== undefined);
  return {
    where: used.length ? `WHERE ${used.map(([sql]) => sql).join(' AND ')}` : '',
    params: used.flatMap(([sql, value]) => {
      const placeholders = (sql.match(/\?/g) ?? []).length;
      return placeholders === 0 ? [] : placeholders > 1 && Array.isArray(value) ? value : [value];
    }),
  };
}

/** The dashboard's scope of tasks: of these processes, of these sites (and site-less ones when asked). */
/** The column of each dimension open tasks are grouped by (the groupings' indexes are `tasks_open_<grouping>`). */
const TASK_DIMENSIONS: Record<TaskDimension, string> = {
  definitionKey: 'definition_key',
  site: 'site',
  assignee: 'assignee',
  candidateRole: 'candidate_role',
  escalationLevel: 'escalation_level',
};

function scopeConditions(scope: FigureScope): Condition[] {
  return [...inList('definition_key', scope.processes), ...siteScope(scope, 'site')];
}

function siteScope(scope: FigureScope, column: string): Condition[] {
  if (!scope.sites) return [];
  const list = `${column} IN (SELECT value FROM json_each(?))`;
  return [[scope.sites.orNone ? `(${column} IS NULL OR ${list})` : list, JSON.stringify(scope.sites.in)]];
}

/** `column = ?`, or `column IS NULL` for null; nothing for undefined. */
function nullable(column: string, value: string | null | undefined): Condition[] {
  if (value === undefined) return [];
  return value === null ? [[`${column} IS NULL`, null]] : [[`${column} = ?`, value]];
}

/** Records of the given sites, and records that belong to no site. */
function siteFilter(sites: string[] | undefined): Condition[] {
  return sites === undefined ? [] : [['(site IS NULL OR site IN (SELECT value FROM json_each(?)))', JSON.stringify(sites)]];
}

function inList(column: string, values: string[] | undefined): Condition[] {
  return values === undefined ? [] : [[`${column} IN (SELECT value FROM json_each(?))`, JSON.stringify(values)]];
}

function parseDoc<T>(row: unknown): T | undefined {
  return row ? (JSON.parse((row as { doc: string }).doc) as T) : undefined;
}

function parseDocs<T>(rows: unknown[]): T[] {
  return rows.map((row) => JSON.parse((row as { doc: string }).doc) as T);
}

/** A record named in an error message: its id, or what identifies it. */
function describe(record: unknown): string {
  const r = record as Record<string, unknown>;
  if (r.seq !== undefined) return `audit event ${String(r.seq)}`;
  if (r.id !== undefined) return `record ${String(r.id)}`;
  if (r.key !== undefined) return `${String(r.key)}@${String(r.version)}`;
  return `record ${String(r.name)}`;
}

function constraintAs(err: unknown, replacement: Error): Error {
  return (err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT') ? replacement : (err as Error);
}
