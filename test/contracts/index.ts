/**
 * Every port's contract, for an adapter that implements them all (sqlite.test.ts, mongo.test.ts): each port
 * (engine/ports/) has its suite in test/contracts/<port>/, run here against the adapter's store factory.
 * `makeStore` must return a fresh, empty store each time; `cleanup` closes one and removes what it left.
 */
import type { Store } from '../../engine/ports/store.js';
import { accountStoreContract } from './account-store/index.js';
import { backupStoreContract } from './backup-store/index.js';
import { commitStoreContract } from './commit-store/index.js';
import { figureStoreContract } from './figure-store/index.js';
import { jobStoreContract } from './job-store/index.js';
import { kpiStoreContract } from './kpi-store/index.js';
import { outboxStoreContract } from './outbox-store/index.js';
import { recordStoreContract } from './record-store/index.js';
import { siteStoreContract } from './site-store/index.js';
import { registerStoreContract } from './register-store/index.js';
import { storeOperationsContract } from './store-operations/index.js';
import { taskFigureStoreContract } from './task-figure-store/index.js';

export function everyPortContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  const contracts = [storeOperationsContract, commitStoreContract, recordStoreContract, accountStoreContract, jobStoreContract, outboxStoreContract, backupStoreContract, figureStoreContract, taskFigureStoreContract, kpiStoreContract, registerStoreContract, siteStoreContract];
  for (const contract of contracts) contract(name, makeStore, cleanup);
}
