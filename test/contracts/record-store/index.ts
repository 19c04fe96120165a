/**
 * The contract of the RecordStore port (engine/ports/record-store.ts): definitions and drafts, records,
 * tasks, sequences, schedules, incidents, signatures, the audit chain, inbound events. Every store adapter
 * runs it from its test file (test/contracts/sqlite.test.ts, mongo.test.ts); one file per concern sits next
 * to this one.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { definitionsContract } from './definitions.js';
import { instancesContract } from './instances.js';
import { tasksContract } from './tasks.js';
import { sequencesContract } from './sequences.js';
import { schedulesContract } from './schedules.js';
import { incidentsContract } from './incidents.js';
import { signaturesContract } from './signatures.js';
import { auditContract } from './audit.js';
import { changeControlContract } from './change-control.js';
import { inboundEventsContract } from './inbound-events.js';

export function recordStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`RecordStore contract: ${name}`, makeStore, cleanup, [
    definitionsContract,
    instancesContract,
    tasksContract,
    sequencesContract,
    schedulesContract,
    incidentsContract,
    signaturesContract,
    auditContract,
    changeControlContract,
    inboundEventsContract,
  ]);
}
