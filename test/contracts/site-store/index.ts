/**
 * The contract of the SiteStore port (engine/ports/site-store.ts): the site register. Every store adapter
 * runs it through test/contracts/index.ts.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { sitesContract } from './sites.js';

export function siteStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`SiteStore contract: ${name}`, makeStore, cleanup, [sitesContract]);
}
