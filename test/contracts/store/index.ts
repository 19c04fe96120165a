/**
 * The contract every `Store` adapter must pass (see engine/store/store.ts). Adapters run it from their own
 * test file: `storeContract('sqlite (:memory:)', () => ..., cleanup)`.
 *
 * `makeStore` must return a fresh, empty store, each time a new one (a new database): every test starts
 * from nothing. The suite calls `init()` itself (a second time if makeStore already did, which init must
 * tolerate). `cleanup` runs after each test and must close the store; without it the suite calls `close()`.
 *
 * One file per concern of the store sits next to this one; each registers its describe blocks here, in
 * this order, against the store the beforeEach below makes.
 */
import type { Store } from '../../../engine/store/store.js';
import type { StoreSuite } from './support.js';
import { initContract } from './init.js';
import { migrationsContract } from './migrations.js';
import { definitionsContract } from './definitions.js';
import { instancesContract } from './instances.js';
import { tasksContract } from './tasks.js';
import { sequencesContract } from './sequences.js';
import { jobsContract } from './jobs.js';
import { usersContract } from './users.js';
import { sessionsAndApiTokensContract } from './sessions-and-api-tokens.js';
import { outboxContract } from './outbox.js';
import { linkTokensContract } from './link-tokens.js';
import { schedulesContract } from './schedules.js';
import { incidentsContract } from './incidents.js';
import { signaturesContract } from './signatures.js';
import { dashboardFiguresContract } from './dashboard-figures.js';
import { auditContract } from './audit.js';
import { changeControlContract } from './change-control.js';
import { webhooksContract } from './webhooks.js';
import { inboundEventsContract } from './inbound-events.js';
import { backupContract } from './backup.js';
import { commitHooksContract } from './commit-hooks.js';

export function storeContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  describe(`Store contract: ${name}`, function () {
    let store: Store;
    /** The store to clean up after this test, if makeStore got that far. */
    let made: Store | undefined;

    beforeEach(async function () {
      made = undefined;
      store = made = await makeStore();
      await store.init();
    });

    afterEach(async function () {
      if (!made) return;
      if (cleanup) await cleanup(made);
      else await made.close();
      made = undefined;
    });

    const suite: StoreSuite = {
      get store() {
        return store;
      },
      makeStore,
      cleanup,
    };

    initContract(suite);
    migrationsContract(suite);
    definitionsContract(suite);
    instancesContract(suite);
    tasksContract(suite);
    sequencesContract(suite);
    jobsContract(suite);
    usersContract(suite);
    sessionsAndApiTokensContract(suite);
    outboxContract(suite);
    linkTokensContract(suite);
    schedulesContract(suite);
    incidentsContract(suite);
    signaturesContract(suite);
    dashboardFiguresContract(suite);
    auditContract(suite);
    changeControlContract(suite);
    webhooksContract(suite);
    inboundEventsContract(suite);
    backupContract(suite);
    commitHooksContract(suite);
  });
}
