import { createReadStream, createWriteStream, mkdirSync, type Stats, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { Parser, ReadEntry } from 'tar';

/**
 * Unpacks a backup archive into a staging folder under caps that hold while it streams, so a hostile
 * archive is refused before it fills the disk: total bytes, files, and per file what the backup layout
 * allows (an attachment is no bigger than an upload may be; the manifest no bigger than its list of files
 * needs). Only the layout's own entries are written (manifest.json, data/*.ndjson, attachments/<sha256>
 * and their two folders); a link, an absolute path, a `..` or anything else stops the unpacking at its
 * header, with a reason that names it. Writes in flight are closed before this returns or throws, so the
 * caller can remove the staging folder without racing them (that race surfaced as ENOTEMPTY).
 */

export interface ExtractionLimits {
  /** Bytes the archive may expand to (IMSFLOW_BACKUP_MAX_MIB). */
  maxBytes: number;
  /** Entries (files and folders) it may hold (IMSFLOW_BACKUP_MAX_FILES). */
  maxFiles: number;
  /** Bytes one attachment may have: the upload limit. */
  maxAttachmentBytes: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_EXTRACTION_LIMITS: ExtractionLimits = {
  maxBytes: 2048 * MIB,
  maxFiles: 100_000,
  // the upload limit of api/pages/attachments.ts (MAX_ATTACHMENT_BYTES); the CLI passes that constant itself
  maxAttachmentBytes: 10 * MIB,
};

/** tar headers, padding and the end blocks: what the stream may hold beyond the files' own bytes. */
const TAR_OVERHEAD_PER_ENTRY = 1024;
const TAR_OVERHEAD = MIB;
/** A manifest line per file (path, size, hash) is under 200 bytes. */
const MANIFEST_BYTES_PER_FILE = 256;

const ATTACHMENT = /^attachments\/[a-f0-9]{64}$/;
const DATA_FILE = /^data\/[a-z0-9_-]{1,64}\.ndjson$/;
const FOLDER = /^(data|attachments)\/?$/;

/** A size for people: "16 MiB", "2 GiB". */
export function sizeLabel(bytes: number): string {
  if (bytes >= 1024 * MIB && bytes % (1024 * MIB) === 0) return `${bytes / (1024 * MIB)} GiB`;
  if (bytes >= MIB) return `${Math.round((bytes / MIB) * 10) / 10} MiB`;
  return `${bytes} bytes`;
}

/** Unpacks `file` into `staging`; throws an Error whose message is the one reason it was refused. */
export async function unpackWithinLimits(file: string, staging: string, limits: ExtractionLimits): Promise<void> {
  let refusal: string | undefined;
  let entries = 0;
  let declared = 0;
  let expanded = 0;
  const open = new Set<WriteStream>();
  const closed: Promise<unknown>[] = [];
  let failure: Error | undefined;
  // wakes the read loop when it waits for the parser to drain and the unpacking has to stop instead
  let wake = () => {};
  const refuse = (reason: string) => {
    refusal ??= reason;
    wake();
    return false;
  };
  const stopped = () => refusal !== undefined || failure !== undefined;
  const tooBig = () => refuse(`the archive expands beyond ${sizeLabel(limits.maxBytes)} (IMSFLOW_BACKUP_MAX_MIB); refused`);

  // decided at each header, before a byte of its body is read
  const admit = (path: string, entry: ReadEntry | Stats): boolean => {
    if (stopped() || !(entry instanceof ReadEntry)) return false;
    entries += 1;
    if (entries > limits.maxFiles) return refuse(`the archive holds more than ${limits.maxFiles} files (IMSFLOW_BACKUP_MAX_FILES); refused`);
    if (entry.type === 'Link' || entry.type === 'SymbolicLink') return refuse(`the archive holds ${path}, a link to ${entry.linkpath}; links are refused`);
    if (path.startsWith('/') || /^[a-z]:/i.test(path)) return refuse(`the archive holds ${path}, an absolute path; refused`);
    if (path.split(/[/\\]/).includes('..')) return refuse(`the archive holds ${path}, a path that leaves its folder; refused`);
    if (!['File', 'OldFile', 'Directory'].includes(entry.type)) return refuse(`the archive holds ${path}, a ${entry.type} entry; only files and folders are accepted; refused`);
    const isFolder = FOLDER.test(path) && entry.type === 'Directory';
    const isFile = (path === 'manifest.json' || DATA_FILE.test(path) || ATTACHMENT.test(path)) && (entry.type === 'File' || entry.type === 'OldFile');
    if (!isFolder && !isFile) return refuse(`the archive holds ${path}, which is no part of an imsflow backup (manifest.json, data/, attachments/); refused`);
    if (ATTACHMENT.test(path) && entry.size > limits.maxAttachmentBytes) {
      return refuse(`the archive holds ${path} of ${sizeLabel(entry.size)}, more than an attachment may be (${sizeLabel(limits.maxAttachmentBytes)}); refused`);
    }
    const manifestCap = 64 * 1024 + limits.maxFiles * MANIFEST_BYTES_PER_FILE;
    if (path === 'manifest.json' && entry.size > manifestCap) return refuse(`the archive's manifest.json has ${sizeLabel(entry.size)}, more than a manifest of ${limits.maxFiles} files needs; refused`);
    declared += entry.size;
    if (declared > limits.maxBytes) return tooBig();
    return true;
  };

  const parser = new Parser({ strict: true, filter: admit, maxMetaEntrySize: 64 * 1024 });
  parser.on('entry', (entry: ReadEntry) => {
    const target = join(staging, entry.path);
    if (entry.type === 'Directory') {
      mkdirSync(target, { recursive: true });
      entry.resume();
      return;
    }
    mkdirSync(dirname(target), { recursive: true });
    // 'wx': a path packed twice is refused, not silently overwritten
    const out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
    open.add(out);
    closed.push(
      new Promise<void>((resolve) => {
        out.on('error', (err: NodeJS.ErrnoException) => {
          refuse(err.code === 'EEXIST' ? `the archive holds ${entry.path} twice; refused` : `${entry.path} could not be unpacked (${err.message})`);
          entry.resume();
        });
        out.on('close', () => {
          open.delete(out);
          resolve();
        });
      }),
    );
    entry.pipe(out);
  });
  // past the end-of-archive blocks nothing is read: tar would buffer it all (and a bomb can hide there)
  let ended = false;
  parser.on('eof', () => {
    ended = true;
    wake();
  });
  const parsed = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('error', (err: Error) => {
      failure ??= err;
      wake();
      resolve();
    });
  });

  const gunzip = createGunzip();
  const source = createReadStream(file);
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      // what gzip expands to, headers and skipped data too: a bomb stops here even where no entry counts it
      expanded += chunk.length;
      if (expanded > limits.maxBytes + TAR_OVERHEAD + entries * TAR_OVERHEAD_PER_ENTRY) tooBig();
      if (stopped() || ended) break;
      if (!parser.write(chunk)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          parser.once('drain', resolve);
        });
      }
      if (stopped() || ended) break;
    }
    if (!stopped()) {
      parser.end();
      await parsed;
    }
  } catch (err) {
    failure ??= err as Error;
  } finally {
    source.destroy();
    gunzip.destroy();
    // refused: files half written are cut off; unpacked whole: each file is flushed and closed
    if (stopped()) for (const out of open) out.destroy();
    await Promise.all(closed);
  }
  if (refusal) throw new Error(refusal);
  if (failure) throw new Error(`the file is not a readable backup archive (${failure.message})`);
}
