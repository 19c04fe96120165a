/**
 * The contract of the AccountStore port (engine/ports/account-store.ts): users, sessions and API tokens,
 * task links. Every store adapter runs it from its test file (test/contracts/sqlite.test.ts,
 * mongo.test.ts); one file per concern sits next to this one.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { usersContract } from './users.js';
import { sessionsAndApiTokensContract } from './sessions-and-api-tokens.js';
import { linkTokensContract } from './link-tokens.js';

export function accountStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`AccountStore contract: ${name}`, makeStore, cleanup, [usersContract, sessionsAndApiTokensContract, linkTokensContract]);
}
