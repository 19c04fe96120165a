import { type SqliteHandle } from './handle.js';

/** The statements every commit and claim uses, prepared once. */

export function prepare(h: SqliteHandle) {
  const db = h.db;
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
    deleteFacts: db.prepare('DELETE FROM figure_facts WHERE instance_id = ?'),
    insertFact: db.prepare(
      'INSERT INTO figure_facts (instance_id, figure, seq, process, business_key, site, status, started_at, ended_at, dims, vals) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertKpi: db.prepare('INSERT INTO kpis (id, revision, doc) VALUES (?, ?, ?)'),
    updateKpi: db.prepare('UPDATE kpis SET revision = ?, doc = ? WHERE id = ? AND revision = ?'),
    useApiToken: db.prepare("UPDATE api_tokens SET doc = json_set(doc, '$.lastUsedAt', ?) WHERE id = ? AND json_extract(doc, '$.revokedAt') IS NULL"),
    insertSite: db.prepare('INSERT INTO sites (key, revision, doc) VALUES (?, ?, ?)'),
    updateSite: db.prepare('UPDATE sites SET revision = ?, doc = ? WHERE key = ? AND revision = ?'),
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
    returnSequence: db.prepare('UPDATE sequences SET value = ? WHERE name = ? AND value = ?'),
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
