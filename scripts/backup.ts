import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { MAX_ATTACHMENT_BYTES } from '../api/pages/attachments.js';
import { BACKUP_COLLECTIONS } from '../engine/ports/backup-store.js';
import { BackupRejected, exportBackup, importBackup, verifyBackup } from '../engine/features/backup/index.js';
import { systemClock } from '../engine/kernel/clock.js';
import { configOrExit } from '../engine/boot/lifecycle.js';
import { createStore, storeLocation } from '../engine/boot/store.js';

/**
 * `npm run backup -- export <file>`: every record of the configured store and the attachments of the data
 * folder into one .tar.gz with its manifest. `import <file>`: checks the archive whole (file hashes, audit
 * hash chain) and restores it into the configured store, which must be empty. `verify <file>`: the checks
 * alone. Moving from the embedded store to MongoDB:
 *
 *   npm run backup -- export site.tar.gz                                              (IMSFLOW_STORE=sqlite)
 *   IMSFLOW_STORE=mongodb MONGODB_URI=mongodb://…?replicaSet=rs0 npm run backup -- import site.tar.gz
 */
const USAGE = 'usage: npm run backup -- export <file.tar.gz> | import <file.tar.gz> | verify <file.tar.gz>';

async function main(argv: string[]): Promise<number> {
  const [command, file] = argv;
  if (!['export', 'import', 'verify'].includes(command ?? '') || !file) {
    console.error(USAGE);
    return 2;
  }
  const path = resolve(file);
  const config = configOrExit();
  // the caps hold while the archive is unpacked; an attachment is no bigger than an upload may be
  const limits = { ...config.backupLimits, maxAttachmentBytes: MAX_ATTACHMENT_BYTES };
  if (command === 'verify') {
    try {
      const manifest = await verifyBackup(path, { limits });
      console.log(`imsflow backup ${path}: intact (${manifest.store.kind}, imsflow ${manifest.appVersion}, ${manifest.createdAt}; audit trail of ${manifest.auditHead.seq} events verified)`);
      return 0;
    } catch (err) {
      return failed(err);
    }
  }
  const store = await createStore(config);
  const options = { attachmentsDir: join(config.dataDir, 'attachments'), clock: systemClock, actor: `cli:${userInfo().username}`, limits };
  try {
    await store.init();
    if (command === 'export') {
      const manifest = await exportBackup(store, path, options);
      console.log(`imsflow backup: exported ${storeLocation(config)} to ${path}`);
      printCounts(manifest.counts, manifest.attachments);
    } else {
      const report = await importBackup(store, path, options);
      console.log(`imsflow backup: restored ${path} (from ${report.manifest.store.kind}, ${report.manifest.createdAt}) into ${storeLocation(config)}`);
      printCounts(report.counts, report.attachments);
    }
    return 0;
  } catch (err) {
    return failed(err);
  } finally {
    await store.close().catch(() => undefined);
  }
}

function printCounts(counts: Record<string, number>, attachments: number): void {
  for (const name of BACKUP_COLLECTIONS) console.log(`  ${name.padEnd(22)} ${counts[name]}`);
  console.log(`  ${'attachments'.padEnd(22)} ${attachments}`);
}

function failed(err: unknown): number {
  if (err instanceof BackupRejected) {
    console.error('imsflow backup refused; nothing was written:');
    for (const problem of err.problems) console.error(`  ${problem}`);
    return 1;
  }
  console.error(`imsflow backup failed: ${(err as Error).message}`);
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
