import type { Clock } from './clock.js';
import type { AuditInput } from './model.js';

/** What an audit event says: who did what to which record, the values before and after, and why. */
export interface AuditEventFields {
  /** Who: a user id, `system`, or `cli:<name>`. */
  actor: string;
  /** What, as `<kind>.<verb>`, e.g. `task.completed`. */
  action: string;
  /** Which record, as `kind:id`, e.g. `task:…`, `definition:capa@3`. */
  target: string;
  /** The instance the event belongs to, so the instance's history shows it. */
  instanceId?: string | undefined;
  old?: unknown;
  new?: unknown;
  reason?: string | undefined;
  /** When; defaults to the clock's now. Given when the time must equal one stored on the record (e.g. `sentAt`). */
  at?: Date | string | undefined;
}

/**
 * The one builder of audit events. Empty parts are left out (an undefined old or new, an empty instance id or
 * reason), and the keys keep one order, so the same change always yields the same hash-chained entry.
 */
export function auditEvent(clock: Clock, fields: AuditEventFields): AuditInput {
  const at = fields.at ?? clock.now();
  return {
    at: typeof at === 'string' ? at : at.toISOString(),
    actor: fields.actor,
    action: fields.action,
    target: fields.target,
    ...(fields.instanceId && { instanceId: fields.instanceId }),
    ...(fields.old !== undefined && { old: fields.old }),
    ...(fields.new !== undefined && { new: fields.new }),
    ...(fields.reason && { reason: fields.reason }),
  };
}
