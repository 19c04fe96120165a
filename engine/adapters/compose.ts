/**
 * How a store adapter implements its ports without a forwarding method per port method. Each per-concern
 * module of an adapter (records.ts, jobs.ts, …) exports one function per port method, taking the adapter's
 * handle first; `bindHandle` turns such a module into those port methods, and a class that extends
 * `composedOf<Ports>()` carries them as its own. The adapter's class then holds only what is not a plain
 * read: lifecycle, commit and its hooks, backup streams.
 *
 * SQLite's modules answer synchronously, MongoDB's with promises: bound, both answer with a promise and
 * report errors by rejecting, as the ports say.
 */
import type { AccountStore } from '../ports/account-store.js';
import type { CommitStore } from '../ports/commit-store.js';
import type { JobStore } from '../ports/job-store.js';
import type { OutboxStore } from '../ports/outbox-store.js';
import type { FigureStore } from '../ports/figure-store.js';
import type { RecordStore } from '../ports/record-store.js';
import type { RegisterStore } from '../ports/register-store.js';
import type { KpiStore } from '../ports/kpi-store.js';
import type { SiteStore } from '../ports/site-store.js';
import type { StoreOperations } from '../ports/store-operations.js';
import type { TaskFigureStore } from '../ports/task-figure-store.js';


/**
 * The ports an adapter takes whole from its modules: the reads of records.ts, tasks.ts, audit.ts,
 * accounts.ts, jobs.ts, outbox.ts, figures.ts and facts.ts, and commit.ts's one atomic write run through
 * the commit hooks.
 */
export type ModulePorts = RecordStore & AccountStore & JobStore & OutboxStore & CommitStore & FigureStore & TaskFigureStore & KpiStore & RegisterStore & SiteStore & Pick<StoreOperations, 'counts'>;

/** The functions of `M` that take the handle `H` first, with the handle bound and the answer a promise. */
export type BoundModule<H, M> = {
  [K in keyof M as M[K] extends (h: H, ...args: any[]) => unknown ? K : never]: M[K] extends (h: H, ...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/** Every exported function of `module`, called with `h` as its first argument. */
export function bindHandle<H, M extends object>(h: H, module: M): BoundModule<H, M> {
  const bound: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(module)) {
    if (typeof fn === 'function') bound[name] = async (...args: unknown[]) => fn(h, ...args);
  }
  return bound as BoundModule<H, M>;
}

/** Only the named members of a bound module: a module may export helpers that are not port methods (the adapter's commit writes facts through one). */
export function only<T extends object, K extends keyof T>(bound: T, ...names: K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const name of names) picked[name] = bound[name];
  return picked;
}

/** A base class whose constructor takes the port methods `P` and makes them the new instance's own. */
export function composedOf<P extends object>(): new (methods: P) => P {
  return class {
    constructor(methods: P) {
      Object.assign(this, methods);
    }
  } as new (methods: P) => P;
}
