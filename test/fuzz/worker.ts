import fc from 'fast-check';
import { parentPort, workerData } from 'node:worker_threads';
import { TARGETS } from './targets/index.js';

/**
 * Runs one fuzz target inside a worker thread: first every kept input, then fresh inputs until the time
 * budget is spent. Before each input it tells the parent what it is about to run, so that when an input
 * hangs the thread, the parent's watchdog knows which one to keep (see runner.ts).
 */

export interface WorkerTask {
  target: string;
  seconds: number;
  seed: number;
  perInputMs: number;
  corpus: { file: string; input: unknown }[];
}

export type WorkerMessage =
  | { type: 'begin'; input: unknown; file?: string; fresh?: boolean }
  | { type: 'end' }
  | { type: 'outcome'; outcome: string; input: unknown; replayed?: boolean }
  | { type: 'failure'; message: string; input: unknown; file?: string; shrinks?: number }
  | { type: 'done' };

const task = workerData as WorkerTask;
const post = (message: WorkerMessage) => parentPort!.postMessage(message);
const target = await TARGETS[task.target]();
const outcomes = new Set<string>();
const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 2000);

for (const { file, input } of task.corpus) {
  post({ type: 'begin', input, file });
  try {
    const outcome = await target.run(input as never);
    outcomes.add(outcome);
    post({ type: 'outcome', outcome, input, replayed: true });
  } catch (err) {
    post({ type: 'failure', message: describe(err), input, file });
  }
  post({ type: 'end' });
}

let fuzzing = true;
if (task.seconds > 0) {
  const property = fc.asyncProperty(target.arbitrary(), async (input) => {
    // fresh inputs are counted (by the parent), not fast-check's shrinking of a failure
    post({ type: 'begin', input, fresh: fuzzing });
    try {
      const outcome = await target.run(input);
      if (fuzzing && !outcomes.has(outcome)) {
        outcomes.add(outcome);
        post({ type: 'outcome', outcome, input });
      }
    } catch (err) {
      fuzzing = false;
      throw err;
    } finally {
      post({ type: 'end' });
    }
  });
  const details = await fc.check(property, {
    seed: task.seed,
    numRuns: 1_000_000_000,
    interruptAfterTimeLimit: task.seconds * 1000,
    timeout: task.perInputMs * 2,
  });
  if (details.failed && details.counterexample) {
    post({ type: 'failure', message: describe(details.errorInstance), input: details.counterexample[0], shrinks: details.numShrinks });
  }
}
post({ type: 'done' });
