import { GENESIS_HASH, sealAuditEvent } from '../../kernel/audit-chain.js';
import { ConflictError, DuplicateEventError, RevisionConflict } from '../../kernel/errors.js';
import type { ChangeSet } from '../../ports/commit-store.js';
import { taskFigureFields } from '../../ports/store.js';
import { type SqliteHandle } from './handle.js';
import { writeFacts } from './facts.js';
import { writeRegister } from './register.js';
import { constraintAs } from './helpers.js';

/** The one write: a change set applied in one transaction. */

/** Applies a change in one immediate transaction (the commit, its hooks aside). */
export function write(h: SqliteHandle, change: ChangeSet): void {
  const s = h.statements;
  const apply = h.db.transaction((c: ChangeSet) => {
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
    for (const use of c.apiTokenUses ?? []) s.useApiToken.run(use.at, use.id);
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
    for (const { record, expectedRevision } of c.sites ?? []) {
      if (expectedRevision === null) {
        try {
          s.insertSite.run(record.key, record.revision, JSON.stringify(record));
        } catch (err) {
          throw constraintAs(err, new ConflictError(`site ${record.key} exists already`));
        }
      } else if (s.updateSite.run(record.revision, JSON.stringify(record), record.key, expectedRevision).changes !== 1) {
        throw new RevisionConflict(`site ${record.key} is no longer at revision ${expectedRevision}`);
      }
    }
    writeFacts(h, c.figureFacts ?? []);
    writeRegister(h, c.registerEntries ?? []);
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
