/**
 * The contract of the TaskFigureStore port (engine/ports/task-figure-store.ts): the dashboard's counts over
 * tasks. Every store adapter runs it through test/contracts/index.ts.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { taskFiguresContract } from './task-figures.js';

export function taskFigureStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`TaskFigureStore contract: ${name}`, makeStore, cleanup, [taskFiguresContract]);
}
