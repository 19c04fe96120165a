/**
 * The contract of the BackupStore port (engine/ports/backup-store.ts): bulk export and import. Every store
 * adapter runs it from its test file (test/contracts/sqlite.test.ts, mongo.test.ts); one file per concern
 * sits next to this one.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { backupContract } from './backup.js';

export function backupStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`BackupStore contract: ${name}`, makeStore, cleanup, [backupContract]);
}
