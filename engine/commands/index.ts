import { exportBackup, type BackupManifest, type BackupOptions } from '../features/backup/index.js';
import type { Clock } from '../kernel/clock.js';
import { auditEvent } from '../kernel/audit-event.js';
import { KpiRegister } from '../features/kpis/index.js';
import { SiteRegister } from '../features/sites/index.js';
import type { ReaderDefaults } from '../kernel/i18n/index.js';
import { RecordRegister } from '../features/register/index.js';
import type { TaskRecord } from '../kernel/model.js';
import type { Store } from '../ports/store.js';
import { Webhooks, type WebhooksOptions } from '../features/webhooks/index.js';

/** An uploaded file as the audit trail records it (checked by api/pages/attachments.ts before it is stored). */
export interface StoredUpload {
  sha256: string;
  name: string;
  size: number;
  contentType: string;
}

/**
 * The writes api/ made on the store itself, now commands in the engine (one commit each, with its
 * audit entry), and the engine's registers api/ used to build around the store.
 */
export class Commands {
  /** Defining KPIs and entering their values. */
  readonly kpis: KpiRegister;
  /** The site register: names, locale and zone defaults, active flag (the reader defaults follow it). */
  readonly sites: SiteRegister;
  /** The records register's saved views (saveView, deleteView), each a commit with its audit event. */
  readonly register: RecordRegister;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    readers?: ReaderDefaults,
  ) {
    this.kpis = new KpiRegister(store, clock);
    this.sites = new SiteRegister(store, clock, readers);
    this.register = new RecordRegister(store, clock);
  }

  /** Records a stored upload in the audit trail (`attachment.uploaded`): downloads are checked against it. */
  async recordAttachmentUpload(actor: string, task: Pick<TaskRecord, 'id' | 'instanceId'>, field: string, upload: StoredUpload): Promise<void> {
    await this.store.commit({
      audit: [
        auditEvent(this.clock, {
          actor,
          action: 'attachment.uploaded',
          target: `attachment:${upload.sha256}`,
          instanceId: task.instanceId,
          new: { task: task.id, field, name: upload.name, size: upload.size, contentType: upload.contentType },
        }),
      ],
    });
  }

  /**
   * Records what a person did through a pack's route or page that changes no record but must be traceable
   * (a controlled copy downloaded): one audit event `<pack>.<action>`, in its own commit.
   */
  async recordPackEvent(actor: string, pack: string, event: { action: string; target: string; instanceId?: string; details?: Record<string, unknown> }): Promise<void> {
    if (!/^[a-z][\w.-]*$/.test(event.action)) throw new Error(`a pack event's action must be a plain name, not "${event.action}"`);
    await this.store.commit({
      audit: [auditEvent(this.clock, { actor, action: `${pack}.${event.action}`, target: event.target, ...(event.instanceId && { instanceId: event.instanceId }), ...(event.details && { new: event.details }) })],
    });
  }

  /** Writes a backup archive to `file`, its `backup.exported` audit event committed first (engine/features/backup/backup.ts). */
  exportBackup(file: string, options: Omit<BackupOptions, 'clock'> & { appVersion?: string; reason?: string }): Promise<BackupManifest> {
    return exportBackup(this.store, file, { ...options, clock: this.clock });
  }

  /** Webhook subscriptions and their deliveries over this store. */
  webhooks(options: Omit<WebhooksOptions, 'store' | 'clock'> = {}): Webhooks {
    return new Webhooks({ ...options, store: this.store, clock: this.clock });
  }
}
