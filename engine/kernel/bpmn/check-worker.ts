import { setPriority } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { InvalidDefinitionError, TooLargeError } from '../errors.js';
import { checkDefinition, type CheckResult } from './lint.js';

/**
 * Runs in a worker thread of engine/kernel/bpmn/check-pool.ts: the full rule set on untrusted BPMN. The moddle
 * context cannot cross threads, so what comes back is plain data (problems, the spec, the process) and
 * the errors as tagged values (their classes do not survive the structured clone).
 */

// Checks yield the CPU to the event loop that answers everyone: on Linux a nice value set with pid 0
// applies to the calling thread only (setpriority(2)), so this lowers this worker thread, not the server.
try {
  setPriority(0, 10);
} catch {
  // not permitted or not supported here: the check still runs, only at normal priority
}

export interface CheckTask {
  xml: string;
  services: string[];
  /** The packs' field types by name (ValidationOptions.fieldTypes). */
  fieldTypes?: string[] | 'any';
  /** Told as soon as the work begins, so the pool's time budget does not count the queue or thread start-up. */
  started: MessagePort;
}

export type CheckOutcome =
  | { result: Omit<CheckResult, 'context'> }
  | { invalid: InvalidDefinitionError['problems'] }
  | { tooLarge: string };

export default async function check(task: CheckTask): Promise<CheckOutcome> {
  task.started.postMessage('started');
  task.started.close();
  try {
    const { context: _context, ...result } = await checkDefinition(task.xml, { services: new Set(task.services), fieldTypes: task.fieldTypes === 'any' ? 'any' : new Set(task.fieldTypes ?? []) });
    return { result };
  } catch (err) {
    if (err instanceof InvalidDefinitionError) return { invalid: err.problems };
    if (err instanceof TooLargeError) return { tooLarge: err.message };
    throw err;
  }
}
