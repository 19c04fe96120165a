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

/** A base class whose constructor takes the port methods `P` and makes them the new instance's own. */
export function composedOf<P extends object>(): new (methods: P) => P {
  return class {
    constructor(methods: P) {
      Object.assign(this, methods);
    }
  } as new (methods: P) => P;
}
