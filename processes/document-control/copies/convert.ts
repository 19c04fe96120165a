import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DocumentKind } from './detect.js';
import type { UnstampedReason } from './labels.js';

/**
 * DOCX, XLSX and ODT into PDF with LibreOffice headless: a child process without a shell, in its own
 * process group (a timeout kills soffice.bin with its launcher), with a private profile in a fresh temporary
 * directory (two servers, or a desktop session of the same user, never share one). One conversion at a time:
 * LibreOffice takes a few seconds and much memory per document, and a small machine serves everyone else.
 */

export interface ConvertOptions {
  /** The LibreOffice launcher (default `soffice` on the PATH); `false` converts nothing (as if not installed). */
  soffice?: string | false;
  /** Longest one conversion may run before its process group is killed (default 60 s). */
  timeoutMs?: number;
  /** Largest input converted, and largest PDF read back (default 50 MB). */
  maxBytes?: number;
  /** Conversions that may wait behind the running one (default 8); more get the original back at once. */
  maxQueued?: number;
}

export type Conversion = { pdf: Uint8Array } | { failed: UnstampedReason; detail: string };

const EXTENSIONS: Record<Exclude<DocumentKind, 'pdf'>, string> = { docx: 'docx', xlsx: 'xlsx', odt: 'odt' };
const DEFAULTS = { timeoutMs: 60_000, maxBytes: 50 * 1024 * 1024, maxQueued: 8 };
/** How much of LibreOffice's output is kept for the detail of a failure. */
const OUTPUT_TAIL = 2000;

let queue: Promise<unknown> = Promise.resolve();
/** Conversions running or waiting. */
let pending = 0;

/** Converts `bytes` (of `kind`) to PDF after the conversions already queued. Never throws: a failure says why. */
export async function convertToPdf(bytes: Uint8Array, kind: Exclude<DocumentKind, 'pdf'>, options: ConvertOptions = {}): Promise<Conversion> {
  const settings = { ...DEFAULTS, ...definedOf(options) };
  const soffice = options.soffice ?? 'soffice';
  if (soffice === false) return { failed: 'no-converter', detail: 'conversion is switched off' };
  if (bytes.byteLength > settings.maxBytes) return { failed: 'too-large-to-convert', detail: `the file has ${bytes.byteLength} bytes, more than ${settings.maxBytes}` };
  if (pending > settings.maxQueued) return { failed: 'converter-busy', detail: `${pending - 1} conversions are waiting already` };
  pending++;
  const turn = queue.then(() => convertNow(bytes, kind, soffice, settings)).finally(() => pending--);
  queue = turn.catch(() => undefined);
  return turn;
}

async function convertNow(bytes: Uint8Array, kind: Exclude<DocumentKind, 'pdf'>, soffice: string, settings: typeof DEFAULTS): Promise<Conversion> {
  const workDir = await mkdtemp(join(tmpdir(), 'imsflow-convert-'));
  try {
    // fixed names: the user's file name never reaches the command line or the file system
    const input = join(workDir, `document.${EXTENSIONS[kind]}`);
    const outDir = join(workDir, 'out');
    await writeFile(input, bytes);
    const run = await runSoffice(soffice, workDir, ['--headless', '--norestore', '--nologo', '--nodefault', '--nolockcheck', `-env:UserInstallation=${pathToFileURL(join(workDir, 'profile')).href}`, '--convert-to', 'pdf', '--outdir', outDir, input], settings.timeoutMs);
    if (run === 'missing') return { failed: 'no-converter', detail: `${soffice} was not found` };
    if (run === 'timeout') return { failed: 'conversion-timeout', detail: `no PDF after ${settings.timeoutMs} ms; the conversion was stopped` };
    const output = join(outDir, 'document.pdf');
    const size = await stat(output).then((s) => s.size, () => undefined);
    if (size === undefined) return { failed: 'conversion-failed', detail: `LibreOffice exited with ${run.code ?? run.signal} and wrote no PDF: ${run.output.trim()}` };
    if (size > settings.maxBytes) return { failed: 'too-large-to-convert', detail: `the PDF has ${size} bytes, more than ${settings.maxBytes}` };
    return { pdf: new Uint8Array(await readFile(output)) };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

type Run = 'missing' | 'timeout' | { code: number | null; signal: NodeJS.Signals | null; output: string };

function runSoffice(command: string, home: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      shell: false,
      detached: true, // its own process group, so the timeout reaches soffice.bin behind the launcher script
      stdio: ['ignore', 'pipe', 'pipe'],
      // nothing of the server's environment (secrets) reaches LibreOffice; its home is the private directory
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' },
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code === 'ENOENT' || err.code === 'EACCES' ? 'missing' : { code: null, signal: null, output: err.message });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve(timedOut ? 'timeout' : { code, signal, output });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

function definedOf<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
