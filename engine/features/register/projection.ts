import { createHash } from 'node:crypto';
import type { InstanceRecord } from '../../kernel/model.js';
import { DEFAULT_TITLE_FIELDS, recordTitle } from '../../kernel/present/index.js';
import type { BackupStore } from '../../ports/backup-store.js';
import type { CommitStore } from '../../ports/commit-store.js';
import { MAX_REGISTER_TEXT, type RegisterEntry, type RegisterStore } from '../../ports/register-store.js';

/**
 * The register's projection: every commit that saves a record gets the record's register entry (number,
 * title from its start data by the pack's title fields, its data as searchable text, its links) added by
 * a before-commit hook, so entry and record land together or not at all. Existing databases: the store
 * keeps the version its entries were built with; at start (`ensureRegister`, called by the assembly) a
 * store with another version (a new install, other title fields, a restore) has its entries rebuilt
 * from every stored record.
 */

/** Bump when what an entry holds changes: the entries are rebuilt at the next start. */
const ENTRY_VERSION = 1;

export class RegisterProjection {
  readonly version: string;

  constructor(private readonly titleFields: Record<string, string[]> = {}) {
    this.version = createHash('sha256')
      .update(JSON.stringify([ENTRY_VERSION, Object.entries(titleFields).sort(([a], [b]) => (a < b ? -1 : 1))]))
      .digest('hex')
      .slice(0, 16);
  }

  entryOf(record: InstanceRecord): RegisterEntry {
    const { title } = recordTitle(record, this.titleFields[record.key] ?? DEFAULT_TITLE_FIELDS);
    return {
      instanceId: record.id,
      process: record.key,
      businessKey: record.businessKey,
      title: title ?? null,
      site: record.site ?? null,
      status: record.status,
      startedAt: record.startedAt,
      startedBy: record.startedBy,
      endedAt: record.endedAt ?? null,
      text: recordText(record),
      links: [...new Set((record.links ?? []).map((link) => link.businessKey))],
    };
  }

  /** Registers the hook that adds the saved records' entries to each commit; returns what unregisters it. */
  attach(store: Pick<CommitStore, 'beforeCommit'>): () => void {
    return store.beforeCommit((change) => {
      const records = [...(change.instance ? [change.instance.record] : []), ...(change.linkedInstances ?? [])];
      if (records.length) change.registerEntries = [...(change.registerEntries ?? []), ...records.map((r) => this.entryOf(r))];
    });
  }

  /** Rebuilds the stored entries when they were built by another projection; true when it did. */
  async ensureRegister(store: RegisterStore & Pick<BackupStore, 'exportRecords'>, batchSize = 500): Promise<boolean> {
    if ((await store.registerVersion()) === this.version) return false;
    let clear = true;
    for await (const batch of store.exportRecords('instances', batchSize)) {
      await store.rebuildRegister((batch as InstanceRecord[]).map((r) => this.entryOf(r)), { clear });
      clear = false;
    }
    await store.rebuildRegister([], { clear, version: this.version });
    return true;
  }
}

/** What was entered on the record, as words: its start data and every completed step's data, strings and numbers only. */
export function recordText(record: Pick<InstanceRecord, 'variables' | 'output'>): string {
  const words: string[] = [];
  let length = 0;
  const walk = (value: unknown, depth: number): void => {
    if (length > MAX_REGISTER_TEXT || depth > 6) return;
    if (typeof value === 'string' || typeof value === 'number') {
      const text = String(value).trim();
      if (text) {
        words.push(text);
        length += text.length + 1;
      }
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
    } else if (value && typeof value === 'object') {
      for (const item of Object.values(value)) walk(item, depth + 1);
    }
  };
  walk(record.variables, 0);
  walk(record.output, 0);
  return words.join('\n').slice(0, MAX_REGISTER_TEXT);
}
