import type { AuditEvent, TaskRecord } from '../../kernel/model.js';
import type { Store } from '../../ports/store.js';

// The upload register: a file stored for a task's file field is recorded in the audit trail
// (`attachment.uploaded`, target `attachment:<sha256>`); completions and downloads are checked against it.

/** A stored file as a file field's value cites it. */
export interface UploadRef {
  sha256: string;
  name: string;
  size: number;
  contentType: string;
}

/** One recorded upload of some bytes: to which record, task and field, and the audit event saying so. */
export interface Upload {
  instanceId: string;
  task: string;
  field: string;
  ref: UploadRef;
  event: AuditEvent;
}

const SHA256 = /^[a-f0-9]{64}$/;

/** Every recorded upload of these bytes. */
export async function uploadsOf(store: Pick<Store, 'listAudit'>, sha256: string): Promise<Upload[]> {
  if (!SHA256.test(sha256)) return [];
  const events = await store.listAudit({ target: `attachment:${sha256}`, limit: 10_000 });
  return events
    .filter((event) => event.action === 'attachment.uploaded' && event.instanceId)
    .map((event) => {
      const details = (event.new ?? {}) as Record<string, unknown>;
      return {
        instanceId: event.instanceId!,
        task: String(details.task ?? ''),
        field: String(details.field ?? ''),
        ref: { sha256, name: String(details.name ?? 'attachment'), size: Number(details.size ?? 0), contentType: String(details.contentType ?? 'application/octet-stream') },
        event,
      };
    });
}

/** The upload of these bytes made to this task's field, if there was one. */
export async function uploadOf(store: Pick<Store, 'listAudit'>, sha256: string, task: Pick<TaskRecord, 'id'>, field: string): Promise<UploadRef | undefined> {
  const uploads = await uploadsOf(store, sha256);
  return uploads.find((u) => u.task === task.id && u.field === field)?.ref;
}
