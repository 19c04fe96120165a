/**
 * The contract of the dashboard figures that `Store` still declares itself (engine/ports/store.ts): the
 * figures the dashboard and KPIs read. Every other method belongs to a port with its own contract under
 * test/contracts/<port>/; test/contracts/index.ts runs them all.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { dashboardFiguresContract } from './dashboard-figures.js';

export function storeContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`Store contract (dashboard figures): ${name}`, makeStore, cleanup, [dashboardFiguresContract]);
}
