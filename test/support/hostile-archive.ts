import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * Writes .tar.gz archives byte by byte, the way someone crafting a hostile backup would: entries tar
 * itself would never pack (`../` paths, absolute paths, links), sizes that are only declared, and long
 * runs of zeros that gzip shrinks a thousandfold (a gzip bomb), streamed so the test never holds them.
 */

export interface ForgedEntry {
  path: string;
  /** tar type flag: '0' file (default), '5' folder, '1' hard link, '2' symbolic link, '6' FIFO, 'x' pax header. */
  type?: '0' | '1' | '2' | '5' | '6' | 'x';
  linkTo?: string;
  /** The content; `{ zeros: n }` streams n zero bytes. */
  body?: Buffer | string | { zeros: number };
  /** The size the header claims, when it should differ from the body's (a truncated archive). */
  declaredBytes?: number;
}

const BLOCK = 512;

function header(entry: ForgedEntry, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const text = (value: string, offset: number, length: number) => block.write(value, offset, length, 'utf8');
  const octal = (value: number, offset: number, length: number) => text(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  text(entry.path, 0, 100);
  octal(entry.type === '5' ? 0o755 : 0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(1_764_000_000, 136, 12);
  block.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  text(entry.type ?? '0', 156, 1);
  if (entry.linkTo) text(entry.linkTo, 157, 100);
  text('ustar\u000000', 257, 8);
  let sum = 0;
  for (const byte of block) sum += byte;
  text(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

async function* tarStream(entries: ForgedEntry[], trailingZeros: number): AsyncGenerator<Buffer> {
  const chunk = Buffer.alloc(1 << 20);
  for (const entry of entries) {
    const body = typeof entry.body === 'string' ? Buffer.from(entry.body) : entry.body;
    const size = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.zeros;
    yield header(entry, entry.declaredBytes ?? size);
    if (Buffer.isBuffer(body)) yield body;
    else if (body) for (let left = size; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (size % BLOCK) yield Buffer.alloc(BLOCK - (size % BLOCK));
  }
  yield Buffer.alloc(2 * BLOCK);
  for (let left = trailingZeros; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
}

/** Writes the entries as a gzipped tar to `file`; `trailingZeros` more zero bytes after the archive's end. */
export async function forgeArchive(file: string, entries: ForgedEntry[], options: { level?: number; trailingZeros?: number } = {}): Promise<void> {
  await pipeline(tarStream(entries, options.trailingZeros ?? 0), createGzip({ level: options.level ?? 9 }), createWriteStream(file));
}
