/**
 * The contract of the StoreOperations port (engine/ports/store-operations.ts): opening a store, bringing
 * its schema up to date, monitoring counts. Every store adapter runs it from its test file
 * (test/contracts/sqlite.test.ts, mongo.test.ts); one file per concern sits next to this one.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { initContract } from './init.js';
import { migrationsContract } from './migrations.js';

export function storeOperationsContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`StoreOperations contract: ${name}`, makeStore, cleanup, [initContract, migrationsContract]);
}
