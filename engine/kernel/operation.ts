import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from './clock.js';

// One engine operation (a start, a task completion, a timer firing …) and its attempts: a step that loses a
// compare-and-swap race is taken again from a fresh read. Two things must not change between attempts, or
// the audit trail shows what never happened:
// - the business keys it numbered: a retry takes the same keys again, so a lost race leaves no gap
//   (AUD-2026-0007 must not follow a 0001…0006 nobody ever saw); numbers it took and did not use in the end
//   (it failed, or its last attempt started fewer records) are given back while nobody numbered after them;
// - its time: every read of the clock in one attempt gives the same instant, so the events of one commit
//   share one `at` and a record never completes before the task that completed it.

/** Gives back the numbers `first`…`last` of a sequence, if nobody numbered after them (RecordStore.returnSequence). */
export type GiveBack = (sequence: string, first: number, last: number) => Promise<unknown>;

/** The numbers an operation took and the instant its current attempt runs at. */
class OperationScope {
  /** Each sequence's numbers, in the order the operation took them. */
  private readonly keys = new Map<string, number[]>();
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

  async key(sequence: string, allocate: () => Promise<number>): Promise<number> {
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

  /** The numbers taken and not used: all of them when the operation failed, else those its last attempt did not take. */
  unused(failed: boolean): Map<string, number[]> {
    const unused = new Map<string, number[]>();
    for (const [sequence, keys] of this.keys) {
      const left = keys.slice(failed ? 0 : (this.taken.get(sequence) ?? 0)).filter((n) => n !== undefined);
      if (left.length) unused.set(sequence, left);
    }
    return unused;
  }
}

/** Gives back the highest unbroken run of each sequence's unused numbers: only a tail can be given back. */
async function giveBackUnused(unused: Map<string, number[]>, giveBack: GiveBack): Promise<void> {
  for (const [sequence, numbers] of unused) {
    const held = new Set(numbers);
    const last = Math.max(...numbers);
    let first = last;
    while (held.has(first - 1)) first -= 1;
    try {
      await giveBack(sequence, first, last);
    } catch {
      // a number not given back is a gap, not a reason to fail what the operation did
    }
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
export function businessKey(sequence: string, allocate: () => Promise<number>): Promise<number> {
  const scope = current();
  return scope ? scope.key(sequence, allocate) : allocate();
}

/**
 * Runs an operation in attempts until one succeeds or `retry` (given the error and the attempt number, from
 * 0) answers false. Each attempt of the outermost operation reads the clock once; an operation run inside
 * another keeps the outer one's time and numbering, and its own attempts reuse the keys they took.
 */
export async function inOperation<T>(
  base: Clock,
  run: () => Promise<T>,
  options: { retry?: (err: unknown, attempt: number) => Promise<boolean>; giveBack?: GiveBack } = {},
): Promise<T> {
  const { retry = async () => false, giveBack } = options;
  const outer = current();
  const scope = outer ?? new OperationScope();
  const entry = scope.mark();
  return operations.run(scope, async () => {
    let failed = true;
    try {
      for (let attempt = 0; ; attempt += 1) {
        scope.rewind(entry);
        if (!outer) scope.at = base.now();
        try {
          const result = await run();
          failed = false;
          return result;
        } catch (err) {
          if (!(await retry(err, attempt))) throw err;
        }
      }
    } finally {
      if (!outer) {
        scope.closed = true;
        if (giveBack) await giveBackUnused(scope.unused(failed), giveBack);
      }
    }
  });
}

/** Where the current operation's numbering stands: taken before a step that may fail (see forgetNumbersSince). */
export function numbersTaken(): Map<string, number> | undefined {
  return current()?.mark();
}

/**
 * Counts the numbers taken since `mark` as not taken: a step that failed (an incident is committed, but
 * nothing it numbered is kept) gives them back at the operation's end, while nobody numbered after them.
 */
export function forgetNumbersSince(mark: Map<string, number> | undefined): void {
  if (mark) current()?.rewind(mark);
}

/** A pack's gapless number (ServiceContext.nextNumber): its own sequence `pack:<name>`, apart from the business keys'. */
export function packNumber(sequence: string, allocate: (name: string) => Promise<number>): Promise<number> {
  if (typeof sequence !== 'string' || !/^[\w.-]{1,64}$/.test(sequence)) return Promise.reject(new Error(`"${String(sequence)}" is not a sequence name: use 1–64 letters, digits, ".", "_" or "-"`));
  const name = `pack:${sequence}`;
  return businessKey(name, () => allocate(name));
}
