/**
 * The contract of the KpiStore port (engine/ports/kpi-store.ts): KPIs and their values. Every store adapter
 * runs it through test/contracts/index.ts.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { kpisContract } from './kpis.js';

export function kpiStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`KpiStore contract: ${name}`, makeStore, cleanup, [kpisContract]);
}
