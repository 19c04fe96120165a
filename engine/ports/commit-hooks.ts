/**
 * The one implementation of the store's commit hooks (the `beforeCommit`/`afterCommit` half of the commit
 * port, see commit-store.ts). Each adapter owns one `CommitHooks` and writes every commit through `run`,
 * so the order and error rules below are the same for SQLite and MongoDB.
 *
 * Cross-cutting reactions (webhook deliveries, the BullMQ relay) register here instead of wrapping or
 * replacing `commit`: wrappers made the order depend on who wrapped last, which the types could not say.
 */
import type { AfterCommitHook, BeforeCommitHook, ChangeSet, CommitStore } from './commit-store.js';

/** Reports an after hook's failure; the change itself is stored by then, so it is never undone. */
export type AfterCommitFailure = (err: unknown, change: ChangeSet) => void;

export class CommitHooks {
  private readonly before: { hook: BeforeCommitHook }[] = [];
  private readonly after: { hook: AfterCommitHook }[] = [];

  /** @param onAfterFailure where an after hook's error goes; by default a process warning (never the committer). */
  constructor(private readonly onAfterFailure: AfterCommitFailure = warnAfterFailure) {}

  beforeCommit(hook: BeforeCommitHook): () => void {
    return register(this.before, hook);
  }

  afterCommit(hook: AfterCommitHook): () => void {
    return register(this.after, hook);
  }

  /**
   * One commit: every before hook in registration order (each may add to `change` and sees what earlier
   * ones added), then `write` applies the whole change atomically, then every after hook in registration
   * order. A before hook that throws, or a write that fails (a lost compare-and-swap), rejects the commit
   * with nothing written and no after hook run. An after hook's error is reported, not thrown: the change
   * is stored, and a caller told otherwise would retry it.
   */
  async run(change: ChangeSet, write: (change: ChangeSet) => void | Promise<void>): Promise<void> {
    // Copies: a hook that unregisters (itself or another) while a commit runs changes the next commit only.
    for (const { hook } of [...this.before]) await hook(change);
    await write(change);
    for (const { hook } of [...this.after]) {
      try {
        await hook(change);
      } catch (err) {
        this.onAfterFailure(err, change);
      }
    }
  }
}

/**
 * The commit port of an adapter whose one atomic write of a change is `write`: every commit runs through
 * its own `CommitHooks`, so an adapter cannot commit around its hooks.
 */
export function hookedCommit(write: (change: ChangeSet) => void | Promise<void>, hooks = new CommitHooks()): CommitStore {
  return {
    commit: (change) => hooks.run(change, write),
    beforeCommit: (hook) => hooks.beforeCommit(hook),
    afterCommit: (hook) => hooks.afterCommit(hook),
  };
}

/** The default report: a process warning (logged by Node) that says the change itself is stored. */
function warnAfterFailure(err: unknown): void {
  process.emitWarning(`an after-commit hook failed; the change is stored: ${err instanceof Error ? err.message : String(err)}`, 'AfterCommitHookFailed');
}

/** Adds a hook (the same function twice counts twice) and returns what removes exactly this registration. */
function register<T>(list: { hook: T }[], hook: T): () => void {
  const entry = { hook };
  list.push(entry);
  return () => {
    const index = list.indexOf(entry);
    if (index >= 0) list.splice(index, 1);
  };
}
