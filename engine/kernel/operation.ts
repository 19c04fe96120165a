import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from './clock.js';

// One engine operation (a start, a task completion, a timer firing …) and its attempts: a step that loses a
// compare-and-swap race is taken again from a fresh read. Two things must not change between attempts, or
// the audit trail shows what never happened:
// - the business keys it numbered: a retry takes the same keys again, so a lost race leaves no gap
//   (AUD-2026-0007 must not follow a 0001…0006 nobody ever saw);
// - its time: every read of the clock in one attempt gives the same instant, so the events of one commit
//   share one `at` and a record never completes before the task that completed it.

/** The keys an operation numbered and the instant its current attempt runs at. */
class OperationScope {
  /** Each sequence's keys, in the order the operation took them. */
  private readonly keys = new Map<string, string[]>();
  /** How many of each sequence's keys the current attempt has taken so far. */
  private taken = new Map<string, number>();
  at: Date | undefined;
  /** Set once the operation is over: continuations it left behind (timers, hooks) read the real clock. */
  closed = false;

  mark(): Map<string, number> {
    return new Map(this.taken);
  }

  rewind(to: Map<string, number>): void {
    this.taken = new Map(to);
  }

  async key(sequence: string, allocate: () => Promise<string>): Promise<string> {
    const keys = this.keys.get(sequence) ?? [];
    this.keys.set(sequence, keys);
    const index = this.taken.get(sequence) ?? 0;
    this.taken.set(sequence, index + 1);
    const kept = keys[index];
    if (kept !== undefined) return kept;
    const key = await allocate();
    keys[index] = key;
    return key;
  }
}

const operations = new AsyncLocalStorage<OperationScope>();

function current(): OperationScope | undefined {
  const scope = operations.getStore();
  return scope && !scope.closed ? scope : undefined;
}

/** A clock that, inside an operation, gives the instant its attempt began; outside one, the base clock's now. */
export function operationClock(base: Clock): Clock {
  return {
    now: () => {
      const at = current()?.at;
      return at ? new Date(at.getTime()) : base.now();
    },
  };
}

/**
 * A business key of `sequence`: inside an operation, the one this attempt's predecessors took at the same
 * place, else a new one from `allocate`.
 */
export function businessKey(sequence: string, allocate: () => Promise<string>): Promise<string> {
  const scope = current();
  return scope ? scope.key(sequence, allocate) : allocate();
}

/**
 * Runs an operation in attempts until one succeeds or `retry` (given the error and the attempt number, from
 * 0) answers false. Each attempt of the outermost operation reads the clock once; an operation run inside
 * another keeps the outer one's time and numbering, and its own attempts reuse the keys they took.
 */
export async function inOperation<T>(base: Clock, run: () => Promise<T>, retry: (err: unknown, attempt: number) => Promise<boolean> = async () => false): Promise<T> {
  const outer = current();
  const scope = outer ?? new OperationScope();
  const entry = scope.mark();
  return operations.run(scope, async () => {
    try {
      for (let attempt = 0; ; attempt += 1) {
        scope.rewind(entry);
        if (!outer) scope.at = base.now();
        try {
          return await run();
        } catch (err) {
          if (!(await retry(err, attempt))) throw err;
        }
      }
    } finally {
      if (!outer) scope.closed = true;
    }
  });
}
