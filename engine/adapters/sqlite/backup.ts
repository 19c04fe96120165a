import { ConflictError } from '../../kernel/errors.js';
import type { AuditEvent, DefinitionRecord, DraftRecord, IncidentRecord, InstanceRecord, JobRecord, KpiRecord, KpiValueRecord, ApiTokenRecord, LinkTokenRecord, MessageRecord, ScheduleRecord, TaskRecord, UserRecord, WebhookDeliveryRecord, WebhookSubscriptionRecord, InboundEventRecord } from '../../kernel/model.js';
import type { SiteRecord } from '../../kernel/site.js';
import type { SignatureRecord } from '../../features/signatures/index.js';
import { BACKUP_COLLECTIONS, type BackupCollection, type SequenceRecord } from '../../ports/backup-store.js';
import { taskFigureFields } from '../../ports/store.js';
import { type SqliteHandle } from './handle.js';
import { constraintAs, describe } from './helpers.js';

/** Backup and restore: counting, paging out and inserting records as they are. */

/** The table behind each kind of backed-up record. */
export const TABLES: Record<BackupCollection, string> = {
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
  sites: 'sites',
  audit: 'audit',
};

export async function countRecords(h: SqliteHandle): Promise<Record<BackupCollection, number>> {
  const counts = {} as Record<BackupCollection, number>;
  for (const name of BACKUP_COLLECTIONS) counts[name] = (h.query(`SELECT COUNT(*) AS n FROM ${TABLES[name]}`).get() as { n: number }).n;
  return counts;
}

/** Pages by rowid (insertion order; the seq for audit events), so a large table is read in constant memory. */
export async function* exportRecords(h: SqliteHandle, collection: BackupCollection, batchSize = 1000): AsyncIterable<unknown[]> {
  const columns = collection === 'sequences' ? 'name, value' : 'doc';
  const page = h.query(`SELECT rowid AS r, ${columns} FROM ${TABLES[collection]} WHERE rowid > ? ORDER BY rowid LIMIT ?`);
  let after = 0;
  for (;;) {
    const rows = page.all(after, batchSize) as { r: number; doc?: string; name?: string; value?: number }[];
    if (!rows.length) return;
    after = rows[rows.length - 1].r;
    yield rows.map((row) => (collection === 'sequences' ? ({ name: row.name!, value: row.value! } satisfies SequenceRecord) : JSON.parse(row.doc!)));
  }
}

export async function importRecords(h: SqliteHandle, collection: BackupCollection, records: unknown[]): Promise<void> {
  const insert = importStatement(h, collection);
  const run = h.db.transaction(() => {
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
export function importStatement(h: SqliteHandle, collection: BackupCollection): (record: any) => void {
  const doc = (r: unknown) => JSON.stringify(r);
  const s = h.statements;
  switch (collection) {
    case 'definitions':
      return (d: DefinitionRecord) => s.insertDefinition.run(d.key, d.version, d.hash, d.effectiveAt ?? d.deployedAt, doc(d));
    case 'instances':
      // restored records bypass the projections: forgetting the version has their facts rebuilt at the next start
      h.query('DELETE FROM figure_meta').run();
      h.query('DELETE FROM register_meta').run();
      return (r: InstanceRecord) => s.insertInstance.run(r.id, r.key, r.version, r.businessKey, r.status, r.revision, r.startedAt, r.site ?? null, r.endedAt ?? null, doc(r));
    case 'tasks':
      return (t: TaskRecord) => {
        const f = taskFigureFields(t);
        s.insertTask.run(t.id, t.instanceId, t.status, t.assignee ?? null, t.candidateRole ?? null, t.dueAt ?? null, t.createdAt, t.revision, t.site ?? null, t.definitionKey, f.escalationLevel, f.completedAt, f.closedAt, f.lateClosedAt, doc(t));
      };
    case 'jobs': {
      const insert = h.query('INSERT INTO jobs (id, kind, status, run_at, instance_id, locked_by, locked_until, queued_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
      return (j: JobRecord) => insert.run(j.id, j.kind, j.status, j.runAt, j.instanceId ?? null, j.lockedBy ?? null, j.lockedUntil ?? null, j.queuedAt ?? null, doc(j));
    }
    case 'incidents':
      return (i: IncidentRecord) => h.query('INSERT INTO incidents (id, instance_id, status, created_at, doc) VALUES (?, ?, ?, ?, ?)').run(i.id, i.instanceId, i.status, i.createdAt, doc(i));
    case 'users':
      return (u: UserRecord) => {
        h.query('INSERT INTO users (id, email, active, doc) VALUES (?, ?, ?, ?)').run(u.id, u.email, u.active ? 1 : 0, doc(u));
        for (const role of new Set(u.roles)) s.addRole.run(u.id, role);
      };
    case 'messages':
      return (m: MessageRecord) => h.query('INSERT INTO messages (id, status, task_id, created_at, doc) VALUES (?, ?, ?, ?, ?)').run(m.id, m.status, m.taskId ?? null, m.createdAt, doc(m));
    case 'link_tokens':
      return (t: LinkTokenRecord) => h.query('INSERT INTO link_tokens (id, task_id, doc) VALUES (?, ?, ?)').run(t.id, t.taskId, doc(t));
    case 'schedules':
      return (r: ScheduleRecord) => s.insertSchedule.run(r.id, r.revision, doc(r));
    case 'api_tokens':
      return (t: ApiTokenRecord) => h.query('INSERT INTO api_tokens (id, user_id, doc) VALUES (?, ?, ?)').run(t.id, t.userId, doc(t));
    case 'signatures':
      return (sig: SignatureRecord) => s.insertSignature.run(sig.id, sig.taskId, sig.instanceId, sig.signedAt, doc(sig));
    case 'sequences':
      return (q: SequenceRecord) => h.query('INSERT INTO sequences (name, value) VALUES (?, ?)').run(q.name, q.value);
    case 'webhook_subscriptions':
      return (w: WebhookSubscriptionRecord) => s.insertWebhook.run(w.id, w.revision, doc(w));
    case 'webhook_deliveries':
      return (d: WebhookDeliveryRecord) => h.query('INSERT INTO webhook_deliveries (id, subscription_id, status, created_at, doc) VALUES (?, ?, ?, ?, ?)').run(d.id, d.subscriptionId, d.status, d.createdAt, doc(d));
    case 'inbound_events':
      return (e: InboundEventRecord) => s.insertInbound.run(e.id, e.source, e.eventId, doc(e));
    case 'drafts':
      return (d: DraftRecord) => s.insertDraft.run(d.id, d.key, d.status, d.revision, d.updatedAt, doc(d));
    case 'kpis':
      return (k: KpiRecord) => s.insertKpi.run(k.id, k.revision, doc(k));
    case 'kpi_values':
      return (v: KpiValueRecord) => s.upsertKpiValue.run(v.id, v.kpiId, v.period, doc(v));
    case 'sites':
      return (site: SiteRecord) => s.insertSite.run(site.key, site.revision, doc(site));
    case 'audit':
      return (e: AuditEvent) => s.insertAudit.run(e.seq, e.at, e.actor, e.action, e.target, e.instanceId ?? null, e.hash, doc(e));
  }
}
