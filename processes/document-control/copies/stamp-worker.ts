import { setPriority } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { stampPdf, StampRefused, type CopyStamp, type StampRefusal } from './stamp.js';

/**
 * Runs in a worker thread of stamp-pool.ts: stamping a large PDF parses and rewrites all of it, which must
 * not hold the event loop that answers everyone. Refusals come back as tagged values (error classes do not
 * survive the structured clone); the stamped bytes are moved, not copied.
 */

// yield the CPU to the server's event loop: with pid 0 the nice value applies to this thread only (Linux)
try {
  setPriority(0, 10);
} catch {
  // not permitted here: stamping still runs, at normal priority
}

export interface StampTask {
  pdf: Uint8Array;
  stamp: CopyStamp;
  maxPages: number;
  /** Told when the work begins, so the time budget does not count the queue or the thread's start. */
  started: MessagePort;
}

/** The stamped PDF, or why it was refused. */
export type StampOutcome = Uint8Array | { refused: StampRefusal; message: string };

export default async function stamp(task: StampTask): Promise<StampOutcome> {
  task.started.postMessage('started');
  task.started.close();
  try {
    const pdf = await stampPdf(task.pdf, task.stamp, task.maxPages);
    return Piscina.move(pdf) as Uint8Array;
  } catch (err) {
    if (err instanceof StampRefused) return { refused: err.refusal, message: err.message };
    throw err;
  }
}
