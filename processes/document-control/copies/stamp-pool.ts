import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { CopyError } from './errors.js';
import type { CopyStamp } from './stamp.js';
import type { StampOutcome, StampTask } from './stamp-worker.js';

/**
 * Stamps PDFs in one worker thread (piscina) with a time and a memory budget: a PDF over budget has its
 * thread ended and replaced and the caller gets a CopyError; the server's event loop never parses a PDF.
 * The thread starts with the first copy and ends after a minute without one.
 */

export interface StampLimits {
  /** Longest one stamping may run, counted from when the thread begins it (default 30 s). */
  timeoutMs: number;
  /** Pages at most (default 1000). */
  maxPages: number;
}

/** Heap of the stamping thread: pdf-lib holds the whole document as objects, several times its size. */
const MAX_MEMORY_MB = 768;
/** Longest a copy may wait for the thread (other copies before it). */
const QUEUE_TIMEOUT_MS = 120_000;

let pool: Piscina<StampTask, StampOutcome> | undefined;

function threads(): Piscina<StampTask, StampOutcome> {
  // stamp-worker.ts under tsx (tests), stamp-worker.js once built
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  pool ??= new Piscina({
    filename: new URL(`./stamp-worker${extension}`, import.meta.url).href,
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: MAX_MEMORY_MB, maxYoungGenerationSizeMb: 64 },
  });
  return pool;
}

export async function stampInWorker(pdf: Uint8Array, stamp: CopyStamp, limits: StampLimits): Promise<Uint8Array> {
  const { port1, port2 } = new MessageChannel();
  const abort = new AbortController();
  let overTime = false;
  let timer = setTimeout(() => abort.abort(), QUEUE_TIMEOUT_MS);
  port1.once('message', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      overTime = true;
      abort.abort();
    }, limits.timeoutMs);
  });
  try {
    const outcome = await threads().run({ pdf, stamp, maxPages: limits.maxPages, started: port2 }, { transferList: [port2], signal: abort.signal });
    if (outcome instanceof Uint8Array) return outcome;
    throw new CopyError(outcome.refused, outcome.message);
  } catch (err) {
    if (err instanceof CopyError) throw err;
    if (overTime) throw new CopyError('too-costly', `stamping this PDF took longer than ${Math.round(limits.timeoutMs / 1000)} s and was stopped`);
    if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') throw new CopyError('too-costly', `stamping this PDF needed more than ${MAX_MEMORY_MB} MB of memory and was stopped`);
    if ((err as Error).name === 'AbortError') throw new CopyError('busy', 'the server is busy making other controlled copies: try again in a minute');
    throw err;
  } finally {
    clearTimeout(timer);
    port1.close();
  }
}

/** Ends the stamping thread (a server's shutdown; tests). Copies still running are refused. */
export async function closeStampThreads(): Promise<void> {
  const running = pool;
  pool = undefined;
  await running?.destroy();
}
