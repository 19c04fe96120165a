import { createHash } from 'node:crypto';
import { createReadStream, openSync, readFileSync, readSync, closeSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile, open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import * as tar from 'tar';
import { GENESIS_HASH, verifyAuditChain } from '../../kernel/audit-chain.js';
import { DEFAULT_EXTRACTION_LIMITS, unpackWithinLimits, type ExtractionLimits } from './backup-unpack.js';
import type { Clock } from '../../kernel/clock.js';
import { ImsflowError } from '../../kernel/errors.js';
import { auditEvent } from '../../kernel/audit-event.js';
import type { AuditEvent, JobRecord } from '../../kernel/model.js';
import { BACKUP_COLLECTIONS, type BackupCollection, type BackupStore } from '../../ports/backup-store.js';
import type { StoreOperations } from '../../ports/store-operations.js';
import type { CommitStore } from '../../ports/commit-store.js';

/**
 * Backup and restore: every record of a store, and the attachment files, in one gzipped tar archive with a
 * manifest (counts, store kind and schema, app version, and the SHA-256 and size of every file).
 *
 *   manifest.json
 *   data/<collection>.ndjson     one record per line, exactly as the store holds it (audit events by seq)
 *   attachments/<sha256>         the bytes of each attachment, named by their own hash
 *
 * An import checks the whole archive before it writes anything: every file against the manifest (no file
 * missing, none added, none changed), every attachment against its name, every record count, and the audit
 * trail's hash chain from the first event to the head the manifest names. A tampered or damaged archive is
 * refused with what failed (the file, the audit seq). Only then are the records written, as they are
 * (audit events keep their seq and hashes: nothing is re-hashed), into a store that must be empty: that is
 * how a site moves from the embedded SQLite store to MongoDB.
 */

export const BACKUP_FORMAT = 'imsflow-backup';
/** The archive layout; an import refuses a newer one. */
export const BACKUP_FORMAT_VERSION = 1;

export interface BackupFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  createdAt: string;
  createdBy: string;
  appVersion: string;
  store: { kind: string; schemaVersion: string };
  counts: Record<BackupCollection, number>;
  attachments: number;
  /** The last audit event: whoever keeps this elsewhere can tell a whole trail from a truncated one. */
  auditHead: { seq: number; hash: string };
  files: BackupFile[];
}

/** The archive was refused; nothing was written. `problems` say what failed, e.g. "audit event 17: …". */
export class BackupRejected extends ImsflowError {
  override name = 'BackupRejected';
  constructor(readonly problems: string[]) {
    super(`backup refused, nothing was written: ${problems.join('; ')}`);
  }
}

export interface BackupOptions extends UnpackOptions {
  /** The attachments folder (`<IMSFLOW_DATA>/attachments`); absent: no attachments. */
  attachmentsDir?: string;
  clock: Clock;
  actor: string;
}

/** Where and within what an archive is unpacked to be checked. */
export interface UnpackOptions {
  /** The folder the staging folder is made in (default: the system's temporary folder). */
  tempDir?: string;
  /** Caps on what the archive may expand to (defaults: DEFAULT_EXTRACTION_LIMITS). */
  limits?: Partial<ExtractionLimits>;
}

/** package.json's version, written into each manifest (from the source tree, or next to the built files). */
export const APP_VERSION = ((): string => {
  for (const path of ['../../../package.json', '../../../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // try the next place
    }
  }
  return 'unknown';
})();

const RECORDS_PER_BATCH = 1000;
/** One record (one line) is kilobytes; a line this long is no record, and reading on would fill memory. */
const MAX_RECORD_CHARS = 64 * 1024 * 1024;
const SHA256 = /^[a-f0-9]{64}$/;

// ---- export -------------------------------------------------------------------------------------------

/**
 * Writes the archive to `file`. A `backup.exported` audit event is committed first, so the archive holds
 * the record of its own making. Records are read in batches (a large store is never held in memory); an
 * export taken while the site runs is consistent per kind of record, so take it with the site stopped
 * (or quiet) when it is meant for a move.
 */
export async function exportBackup(store: BackupStore & StoreOperations & CommitStore, file: string, options: BackupOptions & { appVersion?: string; reason?: string }): Promise<BackupManifest> {
  const createdAt = options.clock.now().toISOString();
  const appVersion = options.appVersion ?? APP_VERSION;
  await store.commit({
    audit: [auditEvent(options.clock, { at: createdAt, actor: options.actor, action: 'backup.exported', target: 'store:backup', new: { store: store.kind, appVersion }, reason: options.reason })],
  });
  const staging = await mkdtemp(join(tmpdir(), 'imsflow-backup-'));
  try {
    await mkdir(join(staging, 'data'));
    await mkdir(join(staging, 'attachments'));
    const counts = {} as Record<BackupCollection, number>;
    let auditHead = { seq: 0, hash: GENESIS_HASH };
    for (const collection of BACKUP_COLLECTIONS) {
      const handle = await openFile(join(staging, 'data', `${collection}.ndjson`), 'w');
      let count = 0;
      try {
        for await (const batch of store.exportRecords(collection, RECORDS_PER_BATCH)) {
          await handle.write(batch.map((record) => `${JSON.stringify(record)}\n`).join(''));
          count += batch.length;
          if (collection === 'audit' && batch.length) {
            const last = batch[batch.length - 1] as AuditEvent;
            auditHead = { seq: last.seq, hash: last.hash };
          }
        }
      } finally {
        await handle.close();
      }
      counts[collection] = count;
    }
    let attachments = 0;
    for (const name of options.attachmentsDir ? await listFiles(options.attachmentsDir) : []) {
      if (!SHA256.test(name)) continue; // uploads in progress (.upload-…) are not attachments yet
      const source = join(options.attachmentsDir!, name);
      // a file whose bytes no longer match its name is damaged: carrying it over would hide that
      const actual = await sha256Of(source);
      if (actual !== name) throw new ImsflowError(`attachment ${name} is damaged: its content has SHA-256 ${actual}; nothing was exported`);
      await copyFile(source, join(staging, 'attachments', name));
      attachments += 1;
    }
    const files: BackupFile[] = [];
    for (const path of await walk(staging)) {
      const full = join(staging, path);
      // an attachment is named by its SHA-256, checked above before it was copied: no second read
      const sha256 = path.startsWith('attachments/') ? path.slice('attachments/'.length) : await sha256Of(full);
      files.push({ path, bytes: (await stat(full)).size, sha256 });
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt,
      createdBy: options.actor,
      appVersion,
      store: { kind: store.kind, schemaVersion: (await store.applyMigrations()).version },
      counts,
      attachments,
      auditHead,
      files,
    };
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await mkdir(dirname(file), { recursive: true });
    const draft = `${file}.${process.pid}.partial`;
    await tar.c({ gzip: true, file: draft, cwd: staging, portable: true }, ['manifest.json', 'data', 'attachments']);
    await rename(draft, file);
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

// ---- import -------------------------------------------------------------------------------------------

export interface ImportReport {
  manifest: BackupManifest;
  /** Records written, by kind. */
  counts: Record<BackupCollection, number>;
  attachments: number;
}

/**
 * Verifies the archive whole, then restores it into `store`, which must be empty. Refuses (BackupRejected,
 * nothing written) a damaged or tampered archive, a newer format, or a store that holds records.
 * Jobs still to run are handed to the new site's runner: claims and queue marks of the old site are
 * cleared (a claimed job is scheduled again), since its workers and Redis are not the new site's.
 * A `backup.restored` audit event is appended after the restored trail.
 */
export async function importBackup(store: BackupStore & StoreOperations & CommitStore, file: string, options: BackupOptions): Promise<ImportReport> {
  const staging = await mkdtemp(join(options.tempDir ?? tmpdir(), 'imsflow-restore-'));
  try {
    const manifest = await unpackAndVerify(file, staging, options.limits);
    const counts = await store.countRecords();
    const held = BACKUP_COLLECTIONS.filter((c) => counts[c] > 0).map((c) => `${counts[c]} ${c}`);
    if (held.length) throw new BackupRejected([`the target store is not empty (${held.join(', ')}): restore into a new, empty store`]);

    const written = {} as Record<BackupCollection, number>;
    for (const collection of BACKUP_COLLECTIONS) {
      written[collection] = 0;
      let batch: unknown[] = [];
      const flush = async () => {
        if (!batch.length) return;
        await store.importRecords(collection, batch);
        written[collection] += batch.length;
        batch = [];
      };
      for (const record of records(join(staging, 'data', `${collection}.ndjson`))) {
        batch.push(collection === 'jobs' ? handOver(record as JobRecord) : record);
        if (batch.length >= RECORDS_PER_BATCH) await flush();
      }
      await flush();
    }
    let attachments = 0;
    if (options.attachmentsDir) {
      await mkdir(options.attachmentsDir, { recursive: true, mode: 0o700 });
      for (const name of await listFiles(join(staging, 'attachments'))) {
        const draft = join(options.attachmentsDir, `.restore-${name}`);
        await copyFile(join(staging, 'attachments', name), draft);
        await rename(draft, join(options.attachmentsDir, name));
        attachments += 1;
      }
    }
    await store.commit({
      audit: [
        auditEvent(options.clock, {
          actor: options.actor,
          action: 'backup.restored',
          target: 'store:backup',
          new: { from: manifest.store, createdAt: manifest.createdAt, appVersion: manifest.appVersion, auditHead: manifest.auditHead, counts: written, attachments },
        }),
      ],
    });
    return { manifest, counts: written, attachments };
  } finally {
    await removeStaging(staging);
  }
}

/** Checks an archive without restoring it: what `importBackup` checks before it writes. */
export async function verifyBackup(file: string, options: UnpackOptions = {}): Promise<BackupManifest> {
  const staging = await mkdtemp(join(options.tempDir ?? tmpdir(), 'imsflow-verify-'));
  try {
    return await unpackAndVerify(file, staging, options.limits);
  } finally {
    await removeStaging(staging);
  }
}

/** The staging folder goes whatever happened (unpacking has closed its files by now; retries cover a slow disk). */
async function removeStaging(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true, maxRetries: 3 });
}

async function unpackAndVerify(file: string, staging: string, limits: Partial<ExtractionLimits> = {}): Promise<BackupManifest> {
  try {
    await unpackWithinLimits(file, staging, { ...DEFAULT_EXTRACTION_LIMITS, ...limits });
  } catch (err) {
    throw new BackupRejected([(err as Error).message]);
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(staging, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch {
    throw new BackupRejected(['manifest.json is missing or not JSON']);
  }
  if (manifest.format !== BACKUP_FORMAT) throw new BackupRejected([`manifest.json: not an imsflow backup (format ${JSON.stringify(manifest.format)})`]);
  if (!(manifest.formatVersion >= 1 && manifest.formatVersion <= BACKUP_FORMAT_VERSION)) {
    throw new BackupRejected([`manifest.json: backup format ${manifest.formatVersion} is newer than this imsflow reads (${BACKUP_FORMAT_VERSION}); restore with imsflow ${manifest.appVersion} or later`]);
  }

  const problems: string[] = [];
  // every file as the manifest says, and nothing besides
  const listed = new Map((manifest.files ?? []).map((f) => [f.path, f]));
  const present = (await walk(staging)).filter((p) => p !== 'manifest.json');
  for (const path of present) {
    const entry = listed.get(path);
    if (!entry) {
      problems.push(`file ${path} is not in the manifest`);
      continue;
    }
    const full = join(staging, path);
    const [bytes, sha256] = [(await stat(full)).size, await sha256Of(full)];
    if (sha256 !== entry.sha256 || bytes !== entry.bytes) problems.push(`file ${path}: its SHA-256 does not match the manifest (changed or damaged)`);
    if (path.startsWith('attachments/') && sha256 !== path.slice('attachments/'.length)) problems.push(`file ${path}: the attachment's content does not match its name (SHA-256 ${sha256})`);
  }
  for (const path of listed.keys()) if (!present.includes(path)) problems.push(`file ${path} is missing from the archive`);
  for (const collection of BACKUP_COLLECTIONS) if (!listed.has(`data/${collection}.ndjson`)) problems.push(`file data/${collection}.ndjson is missing`);
  if (problems.length) throw new BackupRejected(problems);

  // the records: readable, as many as the manifest says
  for (const collection of BACKUP_COLLECTIONS) {
    let count = 0;
    try {
      for (const _record of records(join(staging, 'data', `${collection}.ndjson`))) count += 1;
    } catch (err) {
      problems.push(`file data/${collection}.ndjson: ${(err as Error).message}`);
      continue;
    }
    if (count !== manifest.counts?.[collection]) problems.push(`file data/${collection}.ndjson holds ${count} records, the manifest says ${manifest.counts?.[collection]}`);
  }
  if (problems.length) throw new BackupRejected(problems);

  // the audit trail: an unbroken chain up to the head the manifest names (one read: the check notes the last event)
  let last: AuditEvent | undefined;
  const chain = verifyAuditChain(
    (function* (events) {
      for (const event of events) yield (last = event as AuditEvent);
    })(records(join(staging, 'data', 'audit.ndjson'))),
  );
  if (!chain.ok) throw new BackupRejected([`audit trail broken at event ${chain.brokenAt!.seq}: ${chain.brokenAt!.reason}`]);
  const head = { seq: last?.seq ?? 0, hash: last?.hash ?? GENESIS_HASH };
  if (head.seq !== manifest.auditHead?.seq || head.hash !== manifest.auditHead?.hash) {
    throw new BackupRejected([`audit trail ends at event ${head.seq}, the manifest names event ${manifest.auditHead?.seq} as its head`]);
  }
  return manifest;
}

/** A job as the new site's runner takes it over: nothing claimed, nothing queued at the old site. */
function handOver(job: JobRecord): JobRecord {
  if (job.status !== 'scheduled' && job.status !== 'running') return job;
  const { lockedBy: _by, lockedUntil: _until, queuedAt: _queued, ...rest } = job;
  return { ...rest, status: 'scheduled' };
}

// ---- files --------------------------------------------------------------------------------------------

/** The records of an ndjson file, read synchronously line by line (so a chain check can iterate it). */
function* records(path: string): Generator<unknown> {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(1 << 20);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let line = 0;
  const parse = (text: string) => {
    line += 1;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`line ${line} is not JSON`);
    }
  };
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      const lines = (rest + decoder.write(buffer.subarray(0, n))).split('\n');
      rest = lines.pop()!;
      if (rest.length > MAX_RECORD_CHARS) throw new Error(`line ${line + lines.length + 1} is longer than 64 MiB: not a record`);
      for (const text of lines) yield parse(text);
    }
    rest += decoder.end();
    if (rest.trim()) yield parse(rest);
  } finally {
    closeSync(fd);
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Files directly in a folder (none when it does not exist). */
async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Every file under a folder, as `/`-separated paths relative to it, sorted. */
async function walk(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}
