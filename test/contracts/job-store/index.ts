/**
 * The contract of the JobStore port (engine/ports/job-store.ts): durable jobs: scheduling, claiming,
 * failing, the hand-over to a queue. Every store adapter runs it from its test file
 * (test/contracts/sqlite.test.ts, mongo.test.ts); one file per concern sits next to this one.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { ensuredJobsContract } from './ensured-jobs.js';
import { jobsContract } from './jobs.js';

export function jobStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`JobStore contract: ${name}`, makeStore, cleanup, [jobsContract, ensuredJobsContract]);
}
