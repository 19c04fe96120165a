/**
 * What the port contracts' files share (test/contracts/<port>/): fixture builders (records as a test writes
 * them), assertion helpers, the suite handle through which each file reaches the store of the running test,
 * and `portContract`, which every port's index runs its files through.
 */
import { expect } from 'chai';
import { GENESIS_HASH, sealAuditEvent } from '../../engine/kernel/audit-chain.js';
import type {
  AuditEvent,
  AuditInput,
  DefinitionRecord,
  DraftRecord,
  IncidentRecord,
  InstanceRecord,
  JobRecord,
  ApiTokenRecord,
  LinkTokenRecord,
  MessageRecord,
  ScheduleRecord,
  SessionRecord,
  TaskRecord,
  UserRecord,
} from '../../engine/kernel/model.js';
import type { Store } from '../../engine/ports/store.js';

// ---- fixtures -----------------------------------------------------------------------------------------

/** 2026-11-22 10:00 UTC plus `minutes` (may be fractional), as the ISO string stores keep. */
export function at(minutes: number): string {
  return new Date(Date.UTC(2026, 10, 22, 10, 0, 0) + Math.round(minutes * 60_000)).toISOString();
}

export function definition(key: string, version: number, overrides: Partial<DefinitionRecord> = {}): DefinitionRecord {
  return {
    key,
    version,
    name: `${key} process v${version}`,
    hash: `${key}-hash-${version}`.padEnd(64, '0'),
    xml: `<bpmn:definitions id="${key}-${version}"><bpmn:process id="${key}" /></bpmn:definitions>`,
    businessKeyPrefix: key.toUpperCase(),
    deployedAt: at(version),
    deployedBy: 'quality.manager',
    ...overrides,
  };
}

export function draft(id: string, overrides: Partial<DraftRecord> = {}): DraftRecord {
  return {
    id,
    key: 'capa',
    name: 'CAPA',
    status: 'draft',
    xml: `<bpmn:definitions id="draft-${id}"><bpmn:process id="capa" /></bpmn:definitions>`,
    revision: 0,
    baseVersion: 1,
    createdAt: at(0),
    createdBy: 'owner',
    updatedAt: at(0),
    updatedBy: 'owner',
    editors: ['owner'],
    ...overrides,
  };
}

export function instance(id: string, overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    id,
    key: 'capa',
    version: 1,
    businessKey: `CAPA-2026-${id}`,
    status: 'running',
    variables: { severity: 'major', site: 'Plant 2', lines: [1, 2, 3], nested: { ok: true, note: null } },
    output: { triage: { decision: 'investigate', score: 3.5 } },
    engineState: { name: 'capa', state: 'running', environment: { variables: { a: 1 } }, definitions: [{ id: 'd1' }] },
    revision: 1,
    startedAt: at(0),
    startedBy: 'alice',
    ...overrides,
  };
}

export function task(id: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    instanceId: 'i1',
    definitionKey: 'capa',
    businessKey: 'CAPA-2026-i1',
    elementId: 'triage',
    executionId: `triage_${id}`,
    name: 'Triage the nonconformity',
    status: 'open',
    createdAt: at(0),
    form: [
      { key: 'decision', label: 'Decision', type: 'select', required: true, options: [{ value: 'investigate', label: 'Investigate' }] },
      { key: 'notes', label: 'Notes', type: 'longtext', required: false },
    ],
    revision: 1,
    ...overrides,
  };
}

export function job(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    kind: 'timer',
    runAt: at(10),
    status: 'scheduled',
    instanceId: 'i1',
    payload: { executionId: `timer_${id}`, elementId: 'reminder' },
    attempts: 0,
    ...overrides,
  };
}

export function incident(id: string, overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  return {
    id,
    instanceId: 'i1',
    elementId: 'verify',
    message: 'expression failed: variables.owner is not defined',
    action: { type: 'complete', taskId: 't1' },
    status: 'open',
    createdAt: at(0),
    attempts: 1,
    ...overrides,
  };
}

export function user(id: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return { id, email: `${id}@example.com`, name: `User ${id}`, roles: ['qa'], active: true, createdAt: at(0), ...overrides };
}

export function message(id: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id,
    kind: 'assigned',
    to: 'alice@example.com',
    userId: 'alice',
    subject: 'CAPA-2026-i1: Triage the nonconformity',
    text: 'A task is waiting for you.',
    html: '<p>A task is waiting for you. <a href="http://localhost/t/abc">Open</a></p>',
    taskId: 't1',
    instanceId: 'i1',
    link: 'http://localhost/t/abc',
    status: 'queued',
    attempts: 0,
    createdAt: at(0),
    ...overrides,
  };
}

export function token(id: string, overrides: Partial<LinkTokenRecord> = {}): LinkTokenRecord {
  return { id, taskId: 't1', userId: 'alice', createdAt: at(0), expiresAt: at(7 * 24 * 60), ...overrides };
}

export function session(id: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    userId: 'alice',
    createdAt: at(0),
    lastSeenAt: at(0),
    expiresAt: at(8 * 60),
    csrf: `csrf-${id}`,
    authenticatedAt: at(0),
    ...overrides,
  };
}

export function apiToken(id: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return { id, userId: 'alice', name: `integration ${id}`, hash: `${id}-sha256`.padEnd(64, '0'), createdAt: at(0), ...overrides };
}

export function schedule(id: string, overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    id,
    processKey: 'capa',
    cron: '0 6 * * 1',
    timezone: 'Europe/Berlin',
    variables: { site: 'Plant 2', lines: [1, 2], nested: { note: null } },
    enabled: true,
    createdAt: at(0),
    createdBy: 'admin',
    source: 'api',
    revision: 1,
    ...overrides,
  };
}

export function event(action: string, overrides: Partial<AuditInput> = {}): AuditInput {
  return { at: at(0), actor: 'alice', action, target: 'instance:i1', instanceId: 'i1', ...overrides };
}

/** Awaits a promise that must reject, checks the error's class, and returns the error. */
export async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: any[]) => E): Promise<E> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  expect(error, `expected a ${type.name} to be thrown, but the call succeeded`).to.not.equal(undefined);
  expect(error, `expected a ${type.name}, got ${String(error)}`).to.be.instanceOf(type);
  return error as E;
}

export function ids(records: { id: string }[]): string[] {
  return records.map((r) => r.id);
}

/**
 * Ties on the sort time must be broken the same way on every call, so paging with limit/offset neither
 * repeats nor skips records. Which tie-break (id, insertion order) is the adapter's choice.
 */
export async function expectConsistentPaging(list: (page: { limit?: number; offset?: number }) => Promise<{ id: string }[]>, expectedIds: string[]): Promise<string[]> {
  const full = ids(await list({}));
  expect([...full].sort()).to.deep.equal([...expectedIds].sort());
  expect(ids(await list({}))).to.deep.equal(full);
  const paged: string[] = [];
  for (let offset = 0; offset < full.length + 2; offset += 2) paged.push(...ids(await list({ limit: 2, offset })));
  expect(paged).to.deep.equal(full);
  return full;
}

/** What a correct chain looks like for these inputs, starting after `prev` (or at the genesis). */
export function sealed(inputs: AuditInput[], prev?: AuditEvent): AuditEvent[] {
  let seq = prev?.seq ?? 0;
  let prevHash = prev?.hash ?? GENESIS_HASH;
  return inputs.map((input) => {
    const e = sealAuditEvent(input, (seq += 1), prevHash);
    prevHash = e.hash;
    return e;
  });
}

// ---- the suite handle ---------------------------------------------------------------------------------

/** What `portContract` hands each file of a contract. */
export interface StoreSuite {
  /**
   * The fresh, initialised store of the running test. Each file copies it in its own beforeEach: the
   * suite's beforeEach, which makes it, runs first; at registration time there is no store yet.
   */
  readonly store: Store;
  /** Makes another fresh, empty store (the caller inits it and cleans it up). */
  readonly makeStore: () => Promise<Store>;
  /** Closes a store and removes what it left behind; without it the suite calls `close()`. */
  readonly cleanup?: (s: Store) => Promise<void>;
}

/** Everything the store holds, for "nothing changed" assertions. */
export async function snapshot(store: Store) {
  return {
    definitions: await store.listDefinitions(),
    instances: await store.listInstances({ limit: 10_000 }),
    tasks: await store.listTasks({ limit: 10_000 }),
    jobs: await store.listJobs({}),
    incidents: await store.listIncidents({}),
    users: await store.listUsers({}),
    messages: await store.listMessages({ limit: 10_000 }),
    schedules: await store.listSchedules(),
    audit: await store.listAudit({ limit: 10_000 }),
  };
}

/** A store factory and its cleanup, as an adapter's test hands them to every port contract. */
export type StoreFactory = (name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>) => void;

/**
 * Registers one port's contract: `describe(title)` with a fresh, initialised store per test, and each of
 * `files` (one concern of the port each) registering its describe blocks, in the order given.
 *
 * `makeStore` must return a fresh, empty store, each time a new one (a new database): every test starts from
 * nothing. The harness calls `init()` itself (a second time if makeStore already did, which init must
 * tolerate). `cleanup` runs after each test and must close the store; without it the harness calls `close()`.
 * A port's contract takes a whole store: it writes through the commit port what the port then reads, and
 * checks "nothing changed" by reading everything.
 */
export function portContract(title: string, makeStore: () => Promise<Store>, cleanup: ((s: Store) => Promise<void>) | undefined, files: ((suite: StoreSuite) => void)[]): void {
  describe(title, function () {
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
    for (const register of files) register(suite);
  });
}
