/**
 * The contract of the RegisterStore port (engine/ports/register-store.ts): entries saved with their record,
 * searched, filtered, sorted and paged, and rebuilt at start. Every store adapter runs it through
 * test/contracts/index.ts.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { registerContract } from './register.js';

export function registerStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`RegisterStore contract: ${name}`, makeStore, cleanup, [registerContract]);
}
