import type { AuditEvent } from '../../kernel/model.js';
import type { SignatureRecord } from '../../features/signatures/index.js';
import type { AuditQuery } from '../../ports/record-store.js';
import { type MongoHandle } from './handle.js';
import { conditions } from './helpers.js';

/** Reads of the audit trail and of electronic signatures. */

export async function listAudit(h: MongoHandle, query: AuditQuery): Promise<AuditEvent[]> {
  const filter = conditions({ target: query.target, instanceId: query.instanceId });
  if (query.afterSeq !== undefined) filter._id = { $gt: query.afterSeq };
  return h.list('audit', filter, { _id: 1 }, query.limit ?? 1000);
}

export async function listSignatures(h: MongoHandle, query: { instanceId?: string; taskId?: string }): Promise<SignatureRecord[]> {
  return h.list('signatures', conditions({ instanceId: query.instanceId, taskId: query.taskId }), { signedAt: 1, _id: 1 });
}
