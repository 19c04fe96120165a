import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { AttachmentStore, checkUpload, recordUpload } from '../../../api/pages/attachments.js';
import { verifyAuditChain } from '../../../engine/kernel/audit-chain.js';
import { BackupRejected, exportBackup, importBackup, verifyBackup, type BackupManifest, type UnpackOptions } from '../../../engine/features/backup/index.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { ProcessEngine } from '../../../engine/process-engine.js';
import { registerImsServices } from '../../../processes/index.js';
import type { AuditEvent, JobRecord } from '../../../engine/kernel/model.js';
import { SqliteStore } from '../../../engine/adapters/sqlite/index.js';
import { BACKUP_COLLECTIONS, type BackupCollection } from '../../../engine/ports/backup-store.js';
import type { Store } from '../../../engine/ports/store.js';
import { Webhooks } from '../../../engine/features/webhooks/index.js';
import { receiveEvent } from '../../../engine/features/inbound/index.js';
import { startServer } from '../../../api/server.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { userWithToken } from '../../support/operator.js';
import { pino } from 'pino';
import { shippedCatalogue } from '../../../processes/index.js';
import { seedDemo } from '../../../scripts/demo.js';
import { forgeArchive, type ForgedEntry } from '../../support/hostile-archive.js';
import { expectNoStall } from '../../support/responsiveness.js';

/**
 * Backup and restore (engine/features/backup/backup.ts, npm run backup): a store with real records (the demo: CAPAs,
 * audits, reviews with electronic signatures) and an uploaded attachment goes into one archive and comes
 * back, record for record, into a new SQLite store; a tampered archive is refused before anything is
 * written.
 */

const run = promisify(execFile);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function all(store: Store, collection: BackupCollection): Promise<unknown[]> {
  const records: unknown[] = [];
  for await (const batch of store.exportRecords(collection)) records.push(...batch);
  return records;
}

/** Unpacks an archive, lets `edit` change files in it, and packs it again (as someone tampering would). */
async function tampered(archive: string, edit: (dir: string, manifest: BackupManifest) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'imsflow-tamper-'));
  await tar.x({ file: archive, cwd: dir });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  edit(dir, manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const out = join(dir, '..', `${dir.split('/').pop()}.tar.gz`);
  await tar.c({ gzip: true, file: out, cwd: dir }, ['manifest.json', 'data', 'attachments']);
  rmSync(dir, { recursive: true, force: true });
  return out;
}

/** Keeps the manifest's hash of a changed file right: the tamperer covers their tracks as far as they can. */
function rehash(dir: string, manifest: BackupManifest, path: string): void {
  const bytes = readFileSync(join(dir, path));
  const entry = manifest.files.find((f) => f.path === path)!;
  entry.sha256 = createHash('sha256').update(bytes).digest('hex');
  entry.bytes = bytes.length;
}

describe('backup and restore', function () {
  this.timeout(60_000);
  let root: string;
  let source: SqliteStore;
  let archive: string;
  let manifest: BackupManifest;
  let attachmentSha: string;
  let demoFiles: string[] = [];
  const clock = new FakeClock('2026-11-22T09:00:00Z');

  const freshStore = async (name: string) => {
    const store = new SqliteStore(join(root, name, 'imsflow.db'));
    await store.init();
    return store;
  };
  const engineOn = (store: Store) => new ProcessEngine({ store, clock, services: registerImsServices({ catalogue: shippedCatalogue() }), catalogue: shippedCatalogue() });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'imsflow-backup-test-'));
    await seedDemo(join(root, 'site'), { env: {} });
    source = new SqliteStore(join(root, 'site', 'imsflow.db'));
    await source.init();
    const imsflow = engineOn(source);
    // an evidence file uploaded to an open task's file field, as the upload route stores and registers it
    const task = (await source.listTasks({ status: 'open', limit: 1000 })).find((t) => t.form.some((f) => f.type === 'file'));
    expect(task, 'the demo has an open task with a file field').to.not.equal(undefined);
    const field = task!.form.find((f) => f.type === 'file')!.key;
    const checked = checkUpload({ buffer: PDF, originalname: 'evidence.pdf', mimetype: 'application/pdf' });
    if (!checked.ok) throw new Error(checked.message);
    // the demo's controlled documents brought their files; this is one more
    demoFiles = readdirSync(join(root, 'site', 'attachments')).sort();
    attachmentSha = await new AttachmentStore(join(root, 'site', 'attachments')).save(PDF);
    await recordUpload(imsflow, 'aoife.brennan', task!, field, checked.ref);
    // a webhook subscription, so integration records travel too
    await new Webhooks({ store: source, clock, allowPrivate: ['127.0.0.1'] }).create({ url: 'http://127.0.0.1:9/hooks', events: ['task.completed'] }, 'grace.obi');
    // an event from another system, so inbound records travel too
    await receiveEvent(imsflow, { source: 'mes-dublin', eventId: 'NC-77', type: 'nonconformity.raised', data: { title: 'Label mix-up', description: 'found at packing' }, site: 'dublin' }, 'grace.obi');
    archive = join(root, 'site.tar.gz');
    manifest = await exportBackup(source, archive, { attachmentsDir: join(root, 'site', 'attachments'), clock, actor: 'grace.obi', appVersion: '0.1.0' });
  });
  after(async () => {
    await source?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes one archive holding the records, the attachment and a manifest of checksums', async () => {
    const entries: string[] = [];
    await tar.t({ file: archive, onReadEntry: (entry) => void entries.push(entry.path) });
    expect(entries).to.include.members(['manifest.json', 'data/instances.ndjson', 'data/audit.ndjson', 'data/signatures.ndjson', `attachments/${attachmentSha}`]);
    expect(manifest).to.include({ format: 'imsflow-backup', formatVersion: 1, appVersion: '0.1.0', createdBy: 'grace.obi', attachments: demoFiles.length + 1 });
    expect(manifest.store).to.deep.equal({ kind: 'sqlite', schemaVersion: (await source.applyMigrations()).version });
    expect(manifest.counts).to.deep.equal(await source.countRecords());
    expect(manifest.counts.signatures).to.be.greaterThan(0);
    expect(manifest.counts.instances).to.be.greaterThan(5);
    expect(manifest.counts.webhook_subscriptions).to.equal(1);
    expect(manifest.counts.inbound_events).to.equal(1);
    expect(manifest.files.map((f) => f.path)).to.have.members(entries.filter((e) => e !== 'manifest.json' && !e.endsWith('/')));
    expect(manifest.files.every((f) => /^[a-f0-9]{64}$/.test(f.sha256) && Number.isInteger(f.bytes))).to.equal(true);
    // the export is itself on the record, and the archive holds that event as the trail's head
    const [last] = (await source.listAudit({ limit: 1_000_000 })).slice(-1);
    expect(last).to.include({ action: 'backup.exported', actor: 'grace.obi' });
    expect(manifest.auditHead).to.deep.equal({ seq: last.seq, hash: last.hash });
  });

  it('restores into a new SQLite store record for record, with the audit chain whole', async () => {
    const target = await freshStore('restored');
    const attachmentsDir = join(root, 'restored', 'attachments');
    try {
      const report = await importBackup(target, archive, { attachmentsDir, clock, actor: 'grace.obi' });
      expect(report.counts).to.deep.equal(manifest.counts);
      for (const collection of BACKUP_COLLECTIONS) {
        const [before, after] = [await all(source, collection), await all(target, collection)];
        if (collection === 'audit') {
          expect(after.slice(0, before.length), 'audit events').to.deep.equal(before);
          expect(after[before.length]).to.include({ action: 'backup.restored', actor: 'grace.obi', seq: before.length + 1 });
          expect(after).to.have.length(before.length + 1);
        } else if (collection === 'jobs') {
          // jobs to run are handed to the new site's runner: no claim, no queue mark of the old site
          const handedOver = (before as JobRecord[]).map((j) => {
            if (j.status !== 'scheduled' && j.status !== 'running') return j;
            const { lockedBy: _b, lockedUntil: _u, queuedAt: _q, ...rest } = j;
            return { ...rest, status: 'scheduled' };
          });
          expect(after, collection).to.deep.equal(handedOver);
          expect((after as JobRecord[]).filter((j) => j.status === 'scheduled').length).to.be.greaterThan(0);
        } else {
          expect(after, collection).to.deep.equal(before);
        }
      }
      expect(verifyAuditChain(await target.listAudit({ limit: 1_000_000 }))).to.include({ ok: true });
      expect(readdirSync(attachmentsDir).sort()).to.deep.equal([...demoFiles, attachmentSha].sort());
      expect(readFileSync(join(attachmentsDir, attachmentSha))).to.deep.equal(PDF);

      // the restored site works: signatures still match their records, numbering goes on, tasks complete
      const imsflow = engineOn(target);
      const signed = new Set((await target.listSignatures({})).map((s) => s.instanceId));
      for (const id of signed) {
        const views = (await imsflow.getInstance(id)).signatures;
        expect(views.every((v) => v.valid), `signatures of ${id}`).to.equal(true);
      }
      const capas = (await all(source, 'instances')).filter((i: any) => i.key === 'capa').map((i: any) => i.businessKey);
      const started = await imsflow.start('capa', { variables: { source: 'complaint', title: 'After the move', description: 'first record on the new store' } }, 'aoife.brennan');
      expect(capas).to.not.include(started.businessKey);
      expect((await target.listTasks({ instanceId: started.id })).map((t) => t.elementId)).to.deep.equal(['triage']);
    } finally {
      await target.close();
    }
  });

  it('refuses an archive with an edited audit entry, naming it and writing nothing', async () => {
    const edited = await tampered(archive, (dir, m) => {
      const path = join(dir, 'data', 'audit.ndjson');
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      const event = JSON.parse(lines[4]) as AuditEvent;
      lines[4] = JSON.stringify({ ...event, actor: 'someone.else' });
      writeFileSync(path, `${lines.join('\n')}\n`);
      rehash(dir, m, 'data/audit.ndjson');
    });
    const target = await freshStore('tampered-audit');
    const attachmentsDir = join(root, 'tampered-audit', 'attachments');
    try {
      const error = await importBackup(target, edited, { attachmentsDir, clock, actor: 'grace.obi' }).catch((err: unknown) => err);
      expect(error).to.be.instanceOf(BackupRejected);
      expect((error as BackupRejected).message).to.match(/audit trail broken at event 5: content does not match its hash/);
      expect(Object.values(await target.countRecords()).every((n) => n === 0), 'nothing written').to.equal(true);
      expect(() => readdirSync(attachmentsDir)).to.throw(/ENOENT/);
    } finally {
      await target.close();
    }
  });

  it('refuses an archive whose file no longer matches the manifest, naming the file', async () => {
    const edited = await tampered(archive, (dir) => {
      const path = join(dir, 'data', 'signatures.ndjson');
      writeFileSync(path, readFileSync(path, 'utf8').replace('"approved"', '"reviewed"'));
    });
    const target = await freshStore('tampered-file');
    try {
      const error = await importBackup(target, edited, { clock, actor: 'grace.obi' }).catch((err: unknown) => err);
      expect((error as Error).message).to.include('file data/signatures.ndjson: its SHA-256 does not match the manifest');
      expect(Object.values(await target.countRecords()).every((n) => n === 0)).to.equal(true);
    } finally {
      await target.close();
    }
  });

  it('refuses a tampered attachment, naming it, even with the manifest updated', async () => {
    const edited = await tampered(archive, (dir, m) => {
      writeFileSync(join(dir, 'attachments', attachmentSha), Buffer.concat([PDF, Buffer.from('% changed\n')]));
      rehash(dir, m, `attachments/${attachmentSha}`);
    });
    const target = await freshStore('tampered-attachment');
    try {
      const error = await importBackup(target, edited, { attachmentsDir: join(root, 'tampered-attachment', 'attachments'), clock, actor: 'grace.obi' }).catch((err: unknown) => err);
      expect(error).to.be.instanceOf(BackupRejected);
      expect((error as Error).message).to.include(`file attachments/${attachmentSha}: the attachment's content does not match its name`);
      expect(Object.values(await target.countRecords()).every((n) => n === 0)).to.equal(true);
    } finally {
      await target.close();
    }
  });

  it('refuses a data file line too long to be a record, without reading it all', async () => {
    const edited = await tampered(archive, (dir, m) => {
      writeFileSync(join(dir, 'data', 'users.ndjson'), Buffer.alloc(65 * 1024 * 1024, 'x'));
      rehash(dir, m, 'data/users.ndjson');
    });
    const error = await verifyBackup(edited).catch((err: unknown) => err);
    expect((error as BackupRejected).problems).to.include('file data/users.ndjson: line 1 is longer than 64 MiB: not a record');
  });

  it('refuses to restore into a store that holds records', async () => {
    const error = await importBackup(source, archive, { clock, actor: 'grace.obi' }).catch((err: unknown) => err);
    expect((error as Error).message).to.match(/the target store is not empty \(\d+ definitions, \d+ instances/);
  });

  it('POST /api/backup downloads an archive for an admin, the export on the record', async () => {
    const dir = join(root, 'served');
    const server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', LOG_LEVEL: 'silent' }), { clock, logger: pino({ level: 'silent' }) });
    try {
      const token = await userWithToken(server, { id: 'ops-admin', roles: ['admin'] });
      const response = await fetch(`${server.url}/api/backup`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'before the upgrade' }) });
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('application/gzip');
      expect(response.headers.get('content-disposition')).to.match(/^attachment; filename="?imsflow-backup-2026-11-22T09-00-00-000Z\.tar\.gz"?$/);
      const file = join(root, 'downloaded.tar.gz');
      writeFileSync(file, Buffer.from(await response.arrayBuffer()));
      const downloaded = await verifyBackup(file);
      expect(downloaded.counts.definitions).to.be.greaterThan(0);
      const [event] = await server.imsflow.store.listAudit({ target: 'store:backup' });
      expect(event).to.include({ action: 'backup.exported', actor: 'ops-admin', reason: 'before the upgrade' });
      expect(downloaded.auditHead.seq).to.equal(event.seq);
    } finally {
      await server.close();
    }
  });

  it('npm run backup exports, verifies and imports; a tampered archive exits 1 saying why', async () => {
    const cli = (args: string[], data: string) => run(process.execPath, ['--import', 'tsx', 'scripts/backup.ts', ...args], { env: { ...process.env, IMSFLOW_DATA: data, IMSFLOW_STORE: 'sqlite' } });
    const file = join(root, 'cli.tar.gz');
    const exported = await cli(['export', file], join(root, 'site'));
    expect(exported.stdout).to.match(/exported .*imsflow\.db/).and.match(/signatures\s+\d+/).and.match(new RegExp(`attachments\\s+${demoFiles.length + 1}\\b`));
    expect((await cli(['verify', file], join(root, 'site'))).stdout).to.include('intact');
    const restored = await cli(['import', file], join(root, 'cli-restored'));
    expect(restored.stdout).to.include('restored');
    const check = new SqliteStore(join(root, 'cli-restored', 'imsflow.db'));
    await check.init();
    try {
      expect((await check.countRecords()).instances).to.equal(manifest.counts.instances);
    } finally {
      await check.close();
    }
    const edited = await tampered(file, (dir) => writeFileSync(join(dir, 'data', 'users.ndjson'), ''));
    mkdirSync(join(root, 'cli-refused'), { recursive: true });
    const refused = await cli(['import', edited], join(root, 'cli-refused')).catch((err: { code: number; stderr: string }) => err);
    expect(refused).to.include({ code: 1 });
    expect((refused as { stderr: string }).stderr).to.include('refused').and.include('file data/users.ndjson');
  });
  describe('a hostile archive is refused with the real reason, and nothing of it stays behind', () => {
    const sha = (n: number) => createHash('sha256').update(String(n)).digest('hex');
    const manyFiles = (count: number): ForgedEntry[] => Array.from({ length: count }, (_, i) => ({ path: `attachments/${sha(i)}`, body: 'x'.repeat(4000) }));
    /** Checks `entries` as an archive with its own temporary folder; returns the error and that folder. */
    const refusal = async (name: string, entries: ForgedEntry[], limits?: UnpackOptions['limits'], forge?: Parameters<typeof forgeArchive>[2]) => {
      const dir = join(root, 'hostile', name);
      const tempDir = join(dir, 'tmp');
      mkdirSync(tempDir, { recursive: true });
      const file = join(dir, 'archive.tar.gz');
      await forgeArchive(file, entries, forge);
      const error = await verifyBackup(file, { tempDir, ...(limits && { limits }) }).catch((err: unknown) => err);
      expect(error, name).to.be.instanceOf(BackupRejected);
      expect(readdirSync(tempDir), 'the staging folder is removed').to.deep.equal([]);
      return { error: error as BackupRejected, dir };
    };

    it('names a path that climbs out of the archive (../) and writes nothing outside', async () => {
      const { error, dir } = await refusal('climbs-out', [{ path: 'data/', type: '5' }, { path: '../escape.txt', body: 'owned' }, ...manyFiles(2000)]);
      expect(error.message).to.not.include('ENOTEMPTY');
      expect(error.problems).to.deep.equal(['the archive holds ../escape.txt, a path that leaves its folder; refused']);
      expect(existsSync(join(dir, 'escape.txt'))).to.equal(false);
    });

    it('refuses an absolute path, naming it', async () => {
      const { error } = await refusal('absolute', [{ path: '/etc/cron.d/imsflow', body: '* * * * * root true' }]);
      expect(error.problems).to.deep.equal(['the archive holds /etc/cron.d/imsflow, an absolute path; refused']);
    });

    it('refuses symbolic and hard links, naming the link and its target', async () => {
      const symbolic = await refusal('symlink', [{ path: 'data/', type: '5' }, { path: 'data/users.ndjson', type: '2', linkTo: '/etc/passwd' }]);
      expect(symbolic.error.problems).to.deep.equal(['the archive holds data/users.ndjson, a link to /etc/passwd; links are refused']);
      const hard = await refusal('hardlink', [{ path: 'manifest.json', type: '1', linkTo: '/etc/shadow' }]);
      expect(hard.error.problems).to.deep.equal(['the archive holds manifest.json, a link to /etc/shadow; links are refused']);
    });

    it('refuses a device or pipe entry, naming its kind', async () => {
      const { error } = await refusal('fifo', [{ path: 'data/', type: '5' }, { path: 'data/users.ndjson', type: '6' }]);
      expect(error.problems).to.deep.equal(['the archive holds data/users.ndjson, a FIFO entry; only files and folders are accepted; refused']);
    });

    it('stops a gzip bomb once it expands beyond the size cap, before the disk fills', async () => {
      // 64 MiB of zeros in ~300 KB (gzip level 1 stays under tar's own ratio check); the cap here is 16 MiB
      const { error } = await refusal('bomb', [{ path: 'data/', type: '5' }, { path: 'data/audit.ndjson', body: { zeros: 64 * 1024 * 1024 } }], { maxBytes: 16 * 1024 * 1024 }, { level: 1 });
      expect(error.problems).to.deep.equal(['the archive expands beyond 16 MiB (IMSFLOW_BACKUP_MAX_MIB); refused']);
    });

    it('stops a gzip bomb hidden in an oversized pax header that tar skips', async () => {
      const { error } = await refusal('skipped-bomb', [{ path: 'PaxHeader/manifest.json', type: 'x', body: { zeros: 64 * 1024 * 1024 } }, { path: 'manifest.json', body: '{}' }], { maxBytes: 16 * 1024 * 1024 }, { level: 1 });
      expect(error.problems).to.deep.equal(['the archive expands beyond 16 MiB (IMSFLOW_BACKUP_MAX_MIB); refused']);
    });

    it('keeps the server responsive while it expands and refuses a bomb', async () => {
      const dir = join(root, 'hostile', 'loop-free');
      mkdirSync(join(dir, 'tmp'), { recursive: true });
      const file = join(dir, 'archive.tar.gz');
      await forgeArchive(file, [{ path: 'PaxHeader/data', type: 'x', body: { zeros: 64 * 1024 * 1024 } }], { level: 1 });
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const error = await verifyBackup(file, { tempDir: join(dir, 'tmp'), limits: { maxBytes: 48 * 1024 * 1024 } }).catch((err: unknown) => err);
      delay.disable();
      expect((error as BackupRejected).problems).to.deep.equal(['the archive expands beyond 48 MiB (IMSFLOW_BACKUP_MAX_MIB); refused']);
      expectNoStall({ eventLoopDelayP99Ms: delay.percentile(99) / 1e6 }, 'while the bomb was expanded and refused');
    });

    it('reads nothing after the archive\'s end, so a gzip bomb behind it is never expanded', async () => {
      // were the 64 MiB behind the end read, the 16 MiB cap would refuse it; the manifest is what is wrong
      const { error } = await refusal('trailing-bomb', [{ path: 'manifest.json', body: '{"format":"zip"}' }], { maxBytes: 16 * 1024 * 1024 }, { level: 1, trailingZeros: 64 * 1024 * 1024 });
      expect(error.problems).to.deep.equal(['manifest.json: not an imsflow backup (format "zip")']);
    });

    it('refuses a file declared larger than the default 2 GiB cap before reading it', async () => {
      const { error } = await refusal('declared', [{ path: 'data/', type: '5' }, { path: 'data/audit.ndjson', body: 'x', declaredBytes: 3 * 1024 ** 3 }]);
      expect(error.problems).to.deep.equal(['the archive expands beyond 2 GiB (IMSFLOW_BACKUP_MAX_MIB); refused']);
    });

    it('refuses an attachment larger than an upload may be', async () => {
      const { error } = await refusal('big-attachment', [{ path: `attachments/${sha(1)}`, body: { zeros: 11 * 1024 * 1024 } }]);
      expect(error.problems).to.deep.equal([`the archive holds attachments/${sha(1)} of 11 MiB, more than an attachment may be (10 MiB); refused`]);
    });

    it('refuses an archive holding more files than the cap', async () => {
      const { error } = await refusal('many', manyFiles(60), { maxFiles: 50 });
      expect(error.problems).to.deep.equal(['the archive holds more than 50 files (IMSFLOW_BACKUP_MAX_FILES); refused']);
    });

    it('refuses an entry that is no part of a backup, naming it', async () => {
      const { error } = await refusal('stray', [{ path: 'run.sh', body: '#!/bin/sh\n' }]);
      expect(error.problems).to.deep.equal(['the archive holds run.sh, which is no part of an imsflow backup (manifest.json, data/, attachments/); refused']);
    });

    it('npm run backup names the cap that refused the archive and exits 1', async () => {
      const refused = await run(process.execPath, ['--import', 'tsx', 'scripts/backup.ts', 'verify', archive], { env: { ...process.env, IMSFLOW_DATA: join(root, 'cli-capped'), IMSFLOW_BACKUP_MAX_FILES: '10' } }).catch((err: { code: number; stderr: string }) => err);
      expect(refused).to.include({ code: 1 });
      expect((refused as { stderr: string }).stderr).to.include('refused').and.include('the archive holds more than 10 files (IMSFLOW_BACKUP_MAX_FILES)');
    });
  });
});
