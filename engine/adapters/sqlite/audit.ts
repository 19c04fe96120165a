import type { AuditEvent } from '../../kernel/model.js';
import type { SignatureRecord } from '../../features/signatures/index.js';
import type { AuditQuery } from '../../ports/record-store.js';
import { type SqliteHandle } from './handle.js';
import { conditions, parseDocs } from './helpers.js';

/** Reads of the audit trail and of electronic signatures. */

export async function listAudit(h: SqliteHandle, query: AuditQuery): Promise<AuditEvent[]> {
  const { where, params } = conditions([
    ['target = ?', query.target],
    ['instance_id = ?', query.instanceId],
    ['seq > ?', query.afterSeq],
  ]);
  return parseDocs(h.query(`SELECT doc FROM audit ${where} ORDER BY seq LIMIT ?`).all(...params, query.limit ?? 1000));
}

export async function listSignatures(h: SqliteHandle, query: { instanceId?: string; taskId?: string }): Promise<SignatureRecord[]> {
  const { where, params } = conditions([
    ['instance_id = ?', query.instanceId],
    ['task_id = ?', query.taskId],
  ]);
  return parseDocs(h.query(`SELECT doc FROM signatures ${where} ORDER BY signed_at, id`).all(...params));
}
