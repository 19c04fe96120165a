/**
 * The contract of the CommitStore port (engine/ports/commit-store.ts): the commit hooks: their order and
 * error rules (the change set itself is pinned by each port that reads what it writes). Every store adapter
 * runs it from its test file (test/contracts/sqlite.test.ts, mongo.test.ts); one file per concern sits next
 * to this one.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { commitHooksContract } from './commit-hooks.js';

export function commitStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`CommitStore contract: ${name}`, makeStore, cleanup, [commitHooksContract]);
}
