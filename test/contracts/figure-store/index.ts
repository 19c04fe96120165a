/**
 * The contract every FigureStore adapter must pass (engine/ports/figure-store.ts): the facts a commit saves
 * with its records, the grouped, ranged and listed reads over them, the rebuild at start, and the shipped
 * packs' projections over it. Adapters run it from their own test file, like the store contract:
 * `figureStoreContract('sqlite (:memory:)', () => ..., cleanup)`; each test gets a fresh, empty store.
 */
import type { Store } from '../../../engine/ports/store.js';
import { factsOnCommitContract } from './facts-on-commit.js';
import { groupingContract } from './grouping.js';
import { listingContract } from './listing.js';
import { rebuildContract } from './rebuild.js';
import { shippedProjectionsContract } from './shipped-projections.js';
import type { FigureSuite } from './support.js';

export function figureStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  describe(`FigureStore contract: ${name}`, function () {
    let store: Store | undefined;

    beforeEach(async function () {
      store = undefined;
      store = await makeStore();
      await store.init();
    });

    afterEach(async function () {
      if (!store) return;
      if (cleanup) await cleanup(store);
      else await store.close();
      store = undefined;
    });

    const suite: FigureSuite = {
      get store() {
        return store!;
      },
    };
    factsOnCommitContract(suite);
    groupingContract(suite);
    listingContract(suite);
    rebuildContract(suite);
    shippedProjectionsContract(suite);
  });
}
