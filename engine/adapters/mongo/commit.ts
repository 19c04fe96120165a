import { GENESIS_HASH, sealAuditEvent } from '../../kernel/audit-chain.js';
import { ConflictError, DuplicateEventError, RevisionConflict } from '../../kernel/errors.js';
import { OPEN_DRAFT_STATUSES } from '../../kernel/model.js';
import type { ChangeSet } from '../../ports/commit-store.js';
import { writeFacts } from './facts.js';
import { writeRegister } from './register.js';
import { type MongoHandle } from './handle.js';
import { type Doc, type Session, duplicateAs, taskDoc, toDoc } from './helpers.js';

/** The one write: a change set applied in one transaction. */

/** Applies a change in one transaction (the commit, its hooks aside: they run outside the retried callback). */
export async function write(h: MongoHandle, change: ChangeSet): Promise<void> {
  const session = await h.open.startSession();
  try {
    // The callback may run more than once (the driver retries transient transaction errors), so it only
    // reads and writes through the session and keeps no state between attempts.
    await session.withTransaction(() => apply(h, change, session), {
      readConcern: { level: 'snapshot' },
      writeConcern: { w: 'majority' },
      readPreference: 'primary',
    });
  } finally {
    await session.endSession();
  }
}

/** The same steps in the same order as SqliteStore.commit. Every error rejects, which aborts the transaction. */
export async function apply(h: MongoHandle, c: ChangeSet, session: Session): Promise<void> {
  if (c.definition) {
    const d = c.definition;
    try {
      await h.col('definitions').insertOne(toDoc(`${d.key}@${d.version}`, d), { session });
    } catch (err) {
      throw duplicateAs(err, new RevisionConflict(`version ${d.version} of ${d.key} was deployed meanwhile`));
    }
  }
  for (const { record: r, expectedRevision } of [...(c.instance ? [c.instance] : []), ...(c.linkedInstances ?? []).map((record) => ({ record, expectedRevision: null }))]) {
    const businessKeyTaken = new ConflictError(`business key ${r.businessKey} is already in use`);
    if (expectedRevision === null) {
      try {
        await h.col('instances').insertOne(toDoc(r.id, r), { session });
      } catch (err) {
        // the id or the business key exists: SQLite reports both as ConflictError
        throw duplicateAs(err, businessKeyTaken);
      }
    } else {
      let matched: number;
      try {
        matched = (await h.col('instances').replaceOne({ _id: r.id, revision: expectedRevision }, toDoc(r.id, r), { session })).matchedCount;
      } catch (err) {
        throw duplicateAs(err, businessKeyTaken);
      }
      if (matched !== 1) throw new RevisionConflict(`instance ${r.id} is no longer at revision ${expectedRevision}`);
    }
  }
  for (const { record: t, expectedRevision } of c.tasks ?? []) {
    if (expectedRevision === null) {
      await h.col('tasks').insertOne(taskDoc(t), { session });
    } else if ((await h.col('tasks').replaceOne({ _id: t.id, revision: expectedRevision }, taskDoc(t), { session })).matchedCount !== 1) {
      throw new RevisionConflict(`task ${t.id} is no longer at revision ${expectedRevision}`);
    }
  }
  for (const j of c.scheduleJobs ?? []) {
    // upsert by id: the new record replaces the old one whole (status, runAt, no claim), and is no longer
    // handed to a queue runner: queuedAt is dropped even when the record passed in still carries it
    const { queuedAt: _queuedAt, ...record } = j;
    await h.col('jobs').replaceOne({ _id: j.id }, toDoc(j.id, record), { upsert: true, session });
  }
  for (const j of c.ensureJobs ?? []) {
    // inserted only when the id is new: a job that ran (or is running) is left as it is
    const { queuedAt: _queuedAt, ...record } = j;
    const { _id: _ignored, ...fields } = toDoc(j.id, record);
    await h.col('jobs').updateOne({ _id: j.id }, { $setOnInsert: fields }, { upsert: true, session });
  }
  if (c.cancelJobs?.length) {
    await h.col('jobs').updateMany({ _id: { $in: c.cancelJobs }, status: { $in: ['scheduled', 'failed'] } }, { $set: { status: 'cancelled' } }, { session });
  }
  if (c.finishJob) {
    const { id, lockedBy } = c.finishJob;
    const result = await h.col('jobs').updateOne({ _id: id, status: 'running', lockedBy }, { $set: { status: 'done' }, $unset: { lockedUntil: '' } }, { session });
    if (result.matchedCount !== 1) throw new RevisionConflict(`job ${id} is no longer claimed by ${lockedBy}`);
  }
  for (const i of c.incidents ?? []) {
    await h.col('incidents').replaceOne({ _id: i.id }, toDoc(i.id, i), { upsert: true, session });
  }
  for (const u of c.users ?? []) {
    try {
      await h.col('users').replaceOne({ _id: u.id }, toDoc(u.id, u), { upsert: true, session });
    } catch (err) {
      // the only unique key besides _id (which an upsert by _id cannot collide on) is the email
      throw duplicateAs(err, new ConflictError(`the email ${u.email} belongs to another user`));
    }
  }
  for (const m of c.messages ?? []) {
    await h.col('messages').replaceOne({ _id: m.id }, toDoc(m.id, m), { upsert: true, session });
  }
  for (const r of c.revokeLinkTokens ?? []) {
    // before issuing, so tokens issued in the same change (a reassignment's new links) stay valid;
    // still valid = neither revoked nor used; `null` matches an unset field as SQL's IS NULL does
    await h.col('link_tokens').updateMany(
      { taskId: r.taskId, revokedAt: null, usedAt: null },
      { $set: { revokedAt: r.at, revokedReason: r.reason } },
      { session },
    );
  }
  for (const t of c.linkTokens ?? []) {
    await h.col('link_tokens').replaceOne({ _id: t.id }, toDoc(t.id, t), { upsert: true, session });
  }
  for (const { record, expectedRevision } of c.schedules ?? []) {
    if (expectedRevision === null) {
      try {
        await h.col('schedules').insertOne(toDoc(record.id, record), { session });
      } catch (err) {
        throw duplicateAs(err, new ConflictError(`schedule ${record.id} exists already`));
      }
    } else if ((await h.col('schedules').replaceOne({ _id: record.id, revision: expectedRevision }, toDoc(record.id, record), { session })).matchedCount !== 1) {
      throw new RevisionConflict(`schedule ${record.id} is no longer at revision ${expectedRevision}`);
    }
  }
  if (c.deleteSchedules?.length) {
    await h.col('schedules').deleteMany({ _id: { $in: c.deleteSchedules } }, { session });
  }
  // sessions before deleteSessions, as in SQLite: a change may start one session and end another
  for (const record of c.sessions ?? []) {
    await h.col('sessions').replaceOne({ _id: record.id }, toDoc(record.id, record), { upsert: true, session });
  }
  if (c.deleteSessions?.length) {
    await h.col('sessions').deleteMany({ _id: { $in: c.deleteSessions } }, { session });
  }
  for (const t of c.apiTokens ?? []) {
    await h.col('api_tokens').replaceOne({ _id: t.id }, toDoc(t.id, t), { upsert: true, session });
  }
  for (const use of c.apiTokenUses ?? []) {
    await h.col('api_tokens').updateOne({ _id: use.id, revokedAt: { $exists: false } }, { $set: { lastUsedAt: use.at } }, { session });
  }
  // inserts only, as in SQLite: an existing id fails the change instead of replacing the signature
  for (const sig of c.signatures ?? []) {
    try {
      await h.col('signatures').insertOne(toDoc(sig.id, sig), { session });
    } catch (err) {
      throw duplicateAs(err, new ConflictError(`signature ${sig.id} exists already: signatures are never replaced`));
    }
  }
  for (const { record: d, expectedRevision } of c.drafts ?? []) {
    const openDraft = new ConflictError(`process ${d.key} has an open draft already: finish or withdraw it first`);
    const doc = { ...toDoc(d.id, d), ...(OPEN_DRAFT_STATUSES.includes(d.status) && { openKey: d.key }) };
    if (expectedRevision === null) {
      try {
        await h.col('drafts').insertOne(doc, { session });
      } catch (err) {
        throw duplicateAs(err, openDraft);
      }
    } else {
      let matched: number;
      try {
        matched = (await h.col('drafts').replaceOne({ _id: d.id, revision: expectedRevision }, doc, { session })).matchedCount;
      } catch (err) {
        throw duplicateAs(err, openDraft);
      }
      if (matched !== 1) throw new RevisionConflict(`draft ${d.id} is no longer at revision ${expectedRevision}`);
    }
  }
  for (const { record, expectedRevision } of c.webhookSubscriptions ?? []) {
    if (expectedRevision === null) {
      try {
        await h.col('webhook_subscriptions').insertOne(toDoc(record.id, record), { session });
      } catch (err) {
        throw duplicateAs(err, new ConflictError(`webhook subscription ${record.id} exists already`));
      }
    } else if ((await h.col('webhook_subscriptions').replaceOne({ _id: record.id, revision: expectedRevision }, toDoc(record.id, record), { session })).matchedCount !== 1) {
      throw new RevisionConflict(`webhook subscription ${record.id} is no longer at revision ${expectedRevision}`);
    }
  }
  if (c.deleteWebhookSubscriptions?.length) {
    await h.col('webhook_subscriptions').deleteMany({ _id: { $in: c.deleteWebhookSubscriptions } }, { session });
  }
  for (const d of c.webhookDeliveries ?? []) {
    await h.col('webhook_deliveries').replaceOne({ _id: d.id }, toDoc(d.id, d), { upsert: true, session });
  }
  for (const e of c.inboundEvents ?? []) {
    try {
      await h.col('inbound_events').insertOne(toDoc(e.id, e), { session });
    } catch (err) {
      throw duplicateAs(err, new DuplicateEventError(e.source, e.eventId));
    }
  }
  for (const { record, expectedRevision } of c.kpis ?? []) {
    if (expectedRevision === null) {
      try {
        await h.col('kpis').insertOne(toDoc(record.id, record), { session });
      } catch (err) {
        throw duplicateAs(err, new ConflictError(`KPI ${record.id} exists already`));
      }
    } else if ((await h.col('kpis').replaceOne({ _id: record.id, revision: expectedRevision }, toDoc(record.id, record), { session })).matchedCount !== 1) {
      throw new RevisionConflict(`KPI ${record.id} is no longer at revision ${expectedRevision}`);
    }
  }
  for (const v of c.kpiValues ?? []) {
    await h.col('kpi_values').replaceOne({ _id: v.id }, toDoc(v.id, v), { upsert: true, session });
  }
  for (const { record, expectedRevision } of c.sites ?? []) {
    if (expectedRevision === null) {
      try {
        await h.col('sites').insertOne(toDoc(record.key, record), { session });
      } catch (err) {
        throw duplicateAs(err, new ConflictError(`site ${record.key} exists already`));
      }
    } else if ((await h.col('sites').replaceOne({ _id: record.key, revision: expectedRevision }, toDoc(record.key, record), { session })).matchedCount !== 1) {
      throw new RevisionConflict(`site ${record.key} is no longer at revision ${expectedRevision}`);
    }
  }
  await writeFacts(h, c.figureFacts ?? [], session);
  await writeRegister(h, c.registerEntries ?? [], session);
  if (c.audit.length) {
    const head = await h.col('audit_head').findOne({ _id: 'head' }, { session });
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
    await h.col('audit_head').updateOne({ _id: 'head' }, { $set: { seq, hash: prevHash } }, { upsert: true, session });
    await h.col('audit').insertMany(events, { session, ordered: true });
  }
}
