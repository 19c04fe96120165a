import type { MigrationReport } from '../../ports/store-operations.js';
import { type SqliteHandle } from './handle.js';

/** The schema and its migrations. */

/** Versioned schema migrations: append only, never edit one that has shipped. */
export const MIGRATIONS: string[] = [
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
  // The packs' figure facts (engine/ports/figure-store.ts): generic rows a record's projections derive,
  // replaced in the record's commit. figure_meta holds the projection version they were built with; the
  // facts are filled at the next start (engine/features/dashboard/projections.ts), not here.
  `
  CREATE TABLE figure_facts (
    instance_id TEXT NOT NULL, figure TEXT NOT NULL, seq INTEGER NOT NULL, process TEXT NOT NULL, business_key TEXT NOT NULL,
    site TEXT, status TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, dims TEXT NOT NULL, vals TEXT NOT NULL,
    PRIMARY KEY (instance_id, figure, seq)
  );
  CREATE INDEX figure_facts_started ON figure_facts (figure, started_at, process, site);
  CREATE INDEX figure_facts_ended ON figure_facts (figure, ended_at, process, site);
  CREATE TABLE figure_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // The records register (engine/ports/register-store.ts): one generic row per record, replaced in the
  // record's commit, its words in an FTS5 index (rowid = the entry's rowid), its links by number. Filled at
  // the next start (engine/features/register/), not here.
  `
  CREATE TABLE register (
    instance_id TEXT PRIMARY KEY, process TEXT NOT NULL, business_key TEXT NOT NULL, title TEXT, site TEXT, status TEXT NOT NULL,
    started_at TEXT NOT NULL, started_by TEXT NOT NULL, ended_at TEXT
  );
  CREATE INDEX register_started ON register (started_at, instance_id);
  CREATE INDEX register_number ON register (business_key, instance_id);
  CREATE INDEX register_status ON register (status, started_at);
  CREATE INDEX register_process ON register (process, started_at);
  CREATE INDEX register_site ON register (site, started_at);
  CREATE INDEX register_ended ON register (ended_at);
  CREATE TABLE register_links (instance_id TEXT NOT NULL, linked_key TEXT NOT NULL, PRIMARY KEY (linked_key, instance_id));
  CREATE INDEX register_links_instance ON register_links (instance_id);
  -- a record's open tasks by due date: its owner, overdue and next due date in one seek
  CREATE INDEX tasks_open_instance ON tasks (instance_id, due_at, assignee) WHERE status = 'open';
  CREATE VIRTUAL TABLE register_words USING fts5 (words, tokenize = 'unicode61 remove_diacritics 2');
  CREATE TABLE register_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // The site register (engine/ports/site-store.ts): seeded from IMSFLOW_SITES at start, then kept here.
  `
  CREATE TABLE sites (key TEXT PRIMARY KEY, revision INTEGER NOT NULL, doc TEXT NOT NULL);
  `,
];

/** What a migration does, read from its SQL: "tables users, messages; columns jobs.queued_at; indexes …". */
export function describeMigration(sql: string): string {
  const names = (re: RegExp) => [...sql.matchAll(re)].map((m) => m.slice(1).filter(Boolean).join('.'));
  const parts = [
    ['tables', names(/CREATE (?:VIRTUAL )?TABLE (?:IF NOT EXISTS )?(\w+)/g)],
    ['columns', names(/ALTER TABLE (\w+) ADD COLUMN (\w+)/g)],
    ['indexes', names(/CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?(\w+)/g)],
    ['triggers', names(/CREATE TRIGGER (\w+)/g)],
    ['backfilled', names(/^[ \t]*UPDATE (\w+) SET/gm)],
  ] as const;
  return parts.filter(([, list]) => list.length).map(([what, list]) => `${what} ${list.join(', ')}`).join('; ') || 'schema change';
}

export async function applyMigrations(h: SqliteHandle): Promise<MigrationReport> {
  const count = migrate(h, );
  const ran = MIGRATIONS.slice(MIGRATIONS.length - count).map((sql, i) => `schema version ${MIGRATIONS.length - count + i + 1}: ${describeMigration(sql)}`);
  return { store: 'sqlite', ran, version: String(MIGRATIONS.length) };
}

/** Applies pending migrations in order (up to `target`, for tests of a migration); returns how many ran. */
export function migrate(h: SqliteHandle, target = MIGRATIONS.length): number {
  h.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  // Read and apply under one write lock, so two processes opening a new file never both migrate.
  const run = h.db.transaction(() => {
    const applied = (h.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
    for (let version = applied + 1; version <= Math.min(target, MIGRATIONS.length); version += 1) {
      h.db.exec(MIGRATIONS[version - 1]);
      h.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
    }
    return Math.max(0, Math.min(target, MIGRATIONS.length) - applied);
  });
  return run.immediate();
}
