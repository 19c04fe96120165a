import type { AccountStore } from './account-store.js';
import type { BackupStore } from './backup-store.js';
import type { CommitStore } from './commit-store.js';
import type { FigureStore } from './figure-store.js';
import type { JobStore } from './job-store.js';
import type { KpiStore } from './kpi-store.js';
import type { OutboxStore } from './outbox-store.js';
import type { RecordStore } from './record-store.js';
import type { SiteStore } from './site-store.js';
import type { RegisterStore } from './register-store.js';
import type { StoreOperations } from './store-operations.js';
import type { TaskFigureStore } from './task-figure-store.js';

export type { FigureScope } from './figure-store.js';
export * from './task-figure-store.js';

/**
 * A whole store: every port (engine/ports/) in one object, as both adapters implement it (sqlite/ for the
 * embedded default, mongo/ for scale mode). Code that needs a part of it asks for that port; the assembly
 * (engine/boot/assemble.ts) and the adapters' own tests hold the whole. Each port's contract suite is under
 * test/contracts/<port>/.
 */
export interface Store extends StoreOperations, CommitStore, RecordStore, AccountStore, JobStore, OutboxStore, BackupStore, FigureStore, TaskFigureStore, KpiStore, RegisterStore, SiteStore {}
