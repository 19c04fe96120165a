/**
 * The contract every `Store` adapter must pass (see engine/store/store.ts). Adapters run it from their own
 * test file: `storeContract('sqlite (:memory:)', () => ..., cleanup)`.
 *
 * `makeStore` must return a fresh, empty store, each time a new one (a new database): every test starts
 * from nothing. The suite calls `init()` itself (a second time if makeStore already did, which init must
 * tolerate). `cleanup` runs after each test and must close the store; without it the suite calls `close()`.
 */
import { expect } from 'chai';
import { GENESIS_HASH, sealAuditEvent, verifyAuditChain } from '../engine/audit.js';
import { ConflictError, DuplicateEventError, RevisionConflict } from '../engine/errors.js';
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
  WebhookDeliveryRecord,
  WebhookSubscriptionRecord,
  InboundEventRecord,
} from '../engine/model.js';
import type { SignatureRecord } from '../engine/signatures.js';
import { BACKUP_COLLECTIONS, type BackupCollection, type ChangeSet, type Store, type TaskDimension } from '../engine/store/store.js';

// ---- fixtures -----------------------------------------------------------------------------------------

/** 2026-11-22 10:00 UTC plus `minutes` (may be fractional), as the ISO string stores keep. */
function at(minutes: number): string {
  return new Date(Date.UTC(2026, 10, 22, 10, 0, 0) + Math.round(minutes * 60_000)).toISOString();
}

function definition(key: string, version: number, overrides: Partial<DefinitionRecord> = {}): DefinitionRecord {
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

function draft(id: string, overrides: Partial<DraftRecord> = {}): DraftRecord {
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

function instance(id: string, overrides: Partial<InstanceRecord> = {}): InstanceRecord {
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

function task(id: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
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

function job(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
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

function incident(id: string, overrides: Partial<IncidentRecord> = {}): IncidentRecord {
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

function user(id: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return { id, email: `${id}@example.com`, name: `User ${id}`, roles: ['qa'], active: true, createdAt: at(0), ...overrides };
}

function message(id: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
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

function token(id: string, overrides: Partial<LinkTokenRecord> = {}): LinkTokenRecord {
  return { id, taskId: 't1', userId: 'alice', createdAt: at(0), expiresAt: at(7 * 24 * 60), ...overrides };
}

function session(id: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
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

function apiToken(id: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return { id, userId: 'alice', name: `integration ${id}`, hash: `${id}-sha256`.padEnd(64, '0'), createdAt: at(0), ...overrides };
}

function schedule(id: string, overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
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

function event(action: string, overrides: Partial<AuditInput> = {}): AuditInput {
  return { at: at(0), actor: 'alice', action, target: 'instance:i1', instanceId: 'i1', ...overrides };
}

/** Awaits a promise that must reject, checks the error's class, and returns the error. */
async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: any[]) => E): Promise<E> {
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

function ids(records: { id: string }[]): string[] {
  return records.map((r) => r.id);
}

/**
 * Ties on the sort time must be broken the same way on every call, so paging with limit/offset neither
 * repeats nor skips records. Which tie-break (id, insertion order) is the adapter's choice.
 */
async function expectConsistentPaging(list: (page: { limit?: number; offset?: number }) => Promise<{ id: string }[]>, expectedIds: string[]): Promise<string[]> {
  const full = ids(await list({}));
  expect([...full].sort()).to.deep.equal([...expectedIds].sort());
  expect(ids(await list({}))).to.deep.equal(full);
  const paged: string[] = [];
  for (let offset = 0; offset < full.length + 2; offset += 2) paged.push(...ids(await list({ limit: 2, offset })));
  expect(paged).to.deep.equal(full);
  return full;
}

/** What a correct chain looks like for these inputs, starting after `prev` (or at the genesis). */
function sealed(inputs: AuditInput[], prev?: AuditEvent): AuditEvent[] {
  let seq = prev?.seq ?? 0;
  let prevHash = prev?.hash ?? GENESIS_HASH;
  return inputs.map((input) => {
    const e = sealAuditEvent(input, (seq += 1), prevHash);
    prevHash = e.hash;
    return e;
  });
}

// ---- the suite ----------------------------------------------------------------------------------------

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

    /** Everything the store holds, for "nothing changed" assertions. */
    async function snapshot() {
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

    // ---- init --------------------------------------------------------------------------------------

    describe('init', function () {
      it('is idempotent: running it again keeps every record and sequence', async function () {
        await store.init();
        await store.commit({
          definition: definition('capa', 1),
          instance: { record: instance('i1'), expectedRevision: null },
          scheduleJobs: [job('j1')],
          users: [user('alice')],
          messages: [message('m1')],
          linkTokens: [token('k1')],
          schedules: [{ record: schedule('s1'), expectedRevision: null }],
          sessions: [session('sess1')],
          apiTokens: [apiToken('tok1')],
          audit: [event('a')],
        });
        await store.markJobsQueued(['j1'], at(1));
        expect(await store.nextSequence('CAPA-2026')).to.equal(1);
        const before = await snapshot();
        await store.init();
        await store.init();
        expect(await snapshot()).to.deep.equal(before);
        expect(before.users).to.have.length(1);
        expect(before.messages).to.have.length(1);
        expect(before.schedules).to.have.length(1);
        expect(await store.listLinkTokens('t1')).to.deep.equal([token('k1')]);
        expect(await store.getSession('sess1')).to.deep.equal(session('sess1'));
        expect(await store.listApiTokens('alice')).to.deep.equal([apiToken('tok1')]);
        expect(await store.getUserByEmail('ALICE@example.com')).to.deep.equal(user('alice'));
        expect(await store.getJob('j1')).to.deep.equal({ ...job('j1'), queuedAt: at(1) });
        expect(await store.listUnqueuedJobs(10)).to.deep.equal([]);
        expect(ids(await store.listUsers({ role: 'qa' }))).to.deep.equal(['alice']);
        // the unique email still holds after init ran again
        await rejection(store.commit({ users: [user('bob', { email: 'alice@example.com' })], audit: [] }), ConflictError);
        expect(before.definitions).to.have.length(1);
        expect(before.instances).to.have.length(1);
        expect(before.audit).to.have.length(1);
        expect(await store.nextSequence('CAPA-2026')).to.equal(2);
        await store.commit({ audit: [event('b')] });
        const audit = await store.listAudit({});
        expect(audit.map((e) => e.seq)).to.deep.equal([1, 2]);
        expect(verifyAuditChain(audit).ok).to.equal(true);
      });

      it('starts empty', async function () {
        expect(await snapshot()).to.deep.equal({ definitions: [], instances: [], tasks: [], jobs: [], incidents: [], users: [], messages: [], schedules: [], audit: [] });
        expect(await store.getDefinition('capa')).to.equal(undefined);
        expect(await store.listLinkTokens('t1')).to.deep.equal([]);
        expect(await store.listUnqueuedJobs(10)).to.deep.equal([]);
        expect(await store.getSession('sess1')).to.equal(undefined);
        expect(await store.getApiToken('tok1')).to.equal(undefined);
        expect(await store.listApiTokens('alice')).to.deep.equal([]);
        expect(await store.getUserByEmail('alice@example.com')).to.equal(undefined);
      });
    });

    // ---- definitions -------------------------------------------------------------------------------

    describe('migrations and monitoring counts', function () {
      it('applyMigrations on an initialized store runs nothing, keeps every record and reports the same version', async function () {
        await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [event('instance.started', { target: 'instance:i1' })] });
        const before = await snapshot();
        const first = await store.applyMigrations();
        const second = await store.applyMigrations();
        expect(first.ran).to.deep.equal([]);
        expect(second).to.deep.equal(first);
        expect(first.store).to.equal(store.kind);
        expect(await snapshot()).to.deep.equal(before);
      });

      it('counts instances by status, open and overdue tasks, jobs waiting, delayed, running and failed, and outbox messages by status', async function () {
        const now = at(30);
        await store.commit({
          instance: { record: instance('i1'), expectedRevision: null },
          linkedInstances: [instance('i2', { businessKey: 'CAPA-2026-i2', status: 'completed' }), instance('i3', { businessKey: 'CAPA-2026-i3', status: 'incident' })],
          tasks: [
            { record: task('t-overdue', { dueAt: at(29) }), expectedRevision: null },
            { record: task('t-due-later', { dueAt: at(31) }), expectedRevision: null },
            { record: task('t-no-due'), expectedRevision: null },
            { record: task('t-done', { status: 'completed', dueAt: at(1) }), expectedRevision: null },
          ],
          scheduleJobs: [job('j-due', { runAt: at(30) }), job('j-later', { runAt: at(90) }), job('j-claimed', { runAt: at(5) }), job('j-failing', { runAt: at(6) })],
          messages: [message('m1'), message('m2'), message('m3', { status: 'sent' }), message('m4', { status: 'held' })],
          audit: [],
        });
        const claimed = await store.claimJob('j-claimed', 'w1', now, at(40));
        expect(claimed?.id).to.equal('j-claimed');
        await store.claimJob('j-failing', 'w1', now, at(40));
        await store.failJob('j-failing', 'w1', 'SMTP refused', null);

        expect(await store.counts(now)).to.deep.equal({
          instances: { running: 1, completed: 1, cancelled: 0, incident: 1 },
          tasksOpen: 3,
          tasksOverdue: 1,
          jobs: { waiting: 1, delayed: 1, running: 1, failed: 1 },
          messages: { queued: 2, sent: 1, failed: 0, held: 1, dropped: 0 },
        });
        // Later, the other task and job are due as well.
        expect(await store.counts(at(100))).to.deep.include({ tasksOverdue: 2, jobs: { waiting: 2, delayed: 0, running: 1, failed: 1 } });
      });
    });

    describe('definitions', function () {
      it('returns the latest version, a given version, and undefined for unknown ones', async function () {
        const v1 = definition('capa', 1);
        const v2 = definition('capa', 2);
        delete v2.businessKeyPrefix;
        const ncr = definition('ncr', 1);
        await store.commit({ definition: v1, audit: [] });
        await store.commit({ definition: ncr, audit: [] });
        await store.commit({ definition: v2, audit: [] });

        expect(await store.getDefinition('capa')).to.deep.equal(v2);
        expect(await store.getDefinition('capa', 1)).to.deep.equal(v1);
        expect(await store.getDefinition('capa', 2)).to.deep.equal(v2);
        expect(await store.getDefinition('ncr')).to.deep.equal(ncr);
        expect(await store.getDefinition('capa', 3)).to.equal(undefined);
        expect(await store.getDefinition('audit')).to.equal(undefined);
        expect(await store.getDefinition('ncr', 2)).to.equal(undefined);
      });

      it('latest means the highest version number, not the last inserted', async function () {
        await store.commit({ definition: definition('capa', 10), audit: [] });
        await store.commit({ definition: definition('capa', 9), audit: [] });
        await store.commit({ definition: definition('capa', 2), audit: [] });
        expect(await store.getDefinition('capa')).to.deep.equal(definition('capa', 10));
      });

      it('finds a definition by hash within its key, the latest version when a hash repeats', async function () {
        const v1 = definition('capa', 1, { hash: 'a'.repeat(64) });
        const v2 = definition('capa', 2, { hash: 'b'.repeat(64) });
        const v3 = definition('capa', 3, { hash: 'a'.repeat(64) });
        const other = definition('ncr', 1, { hash: 'c'.repeat(64) });
        for (const d of [v1, v2, v3, other]) await store.commit({ definition: d, audit: [] });

        expect(await store.findDefinitionByHash('capa', 'b'.repeat(64))).to.deep.equal(v2);
        expect(await store.findDefinitionByHash('capa', 'a'.repeat(64))).to.deep.equal(v3);
        expect(await store.findDefinitionByHash('ncr', 'a'.repeat(64))).to.equal(undefined);
        expect(await store.findDefinitionByHash('capa', 'c'.repeat(64))).to.equal(undefined);
        expect(await store.findDefinitionByHash('ncr', 'c'.repeat(64))).to.deep.equal(other);
      });

      it('lists every version ordered by key, then version', async function () {
        const all = [definition('ncr', 2), definition('capa', 2), definition('audit', 1), definition('ncr', 1), definition('capa', 1)];
        for (const d of all) await store.commit({ definition: d, audit: [] });
        expect(await store.listDefinitions()).to.deep.equal([
          definition('audit', 1),
          definition('capa', 1),
          definition('capa', 2),
          definition('ncr', 1),
          definition('ncr', 2),
        ]);
      });

      it('rejects the same (key, version) twice with RevisionConflict and applies nothing of that change', async function () {
        const original = definition('capa', 1);
        await store.commit({ definition: original, audit: [event('definition.deployed', { target: 'definition:capa@1' })] });
        const before = await snapshot();

        await rejection(
          store.commit({
            definition: definition('capa', 1, { hash: 'f'.repeat(64), xml: '<other/>', deployedBy: 'bob' }),
            instance: { record: instance('i1'), expectedRevision: null },
            tasks: [{ record: task('t1'), expectedRevision: null }],
            scheduleJobs: [job('j1')],
            incidents: [incident('x1')],
            audit: [event('definition.deployed', { target: 'definition:capa@1', actor: 'bob' })],
          }),
          RevisionConflict,
        );

        expect(await snapshot()).to.deep.equal(before);
        expect(await store.getDefinition('capa', 1)).to.deep.equal(original);
        expect(await store.getInstance('i1')).to.equal(undefined);
        // the same version number under another key is a different definition
        await store.commit({ definition: definition('ncr', 1), audit: [] });
        expect(await store.getDefinition('ncr', 1)).to.deep.equal(definition('ncr', 1));
      });
    });

    // ---- instances ---------------------------------------------------------------------------------

    describe('instances', function () {
      it('inserts an instance and reads it back exactly as written', async function () {
        const record = instance('i1');
        await store.commit({ instance: { record, expectedRevision: null }, audit: [] });
        expect(await store.getInstance('i1')).to.deep.equal(record);
        expect(await store.getInstance('i2')).to.equal(undefined);

        const ended = instance('i2', { status: 'completed', engineState: null, endedAt: at(30), variables: {}, output: {} });
        await store.commit({ instance: { record: ended, expectedRevision: null }, audit: [] });
        expect(await store.getInstance('i2')).to.deep.equal(ended);
      });

      it('replaces an instance when the expected revision matches', async function () {
        await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [] });
        const r2 = instance('i1', { revision: 2, variables: { severity: 'minor' }, output: { triage: { decision: 'close' } } });
        await store.commit({ instance: { record: r2, expectedRevision: 1 }, audit: [] });
        expect(await store.getInstance('i1')).to.deep.equal(r2);

        const r3 = instance('i1', { revision: 3, status: 'completed', engineState: null, endedAt: at(60), variables: {}, output: {} });
        await store.commit({ instance: { record: r3, expectedRevision: 2 }, audit: [] });
        expect(await store.getInstance('i1')).to.deep.equal(r3);
        expect(await store.listInstances({ status: 'completed' })).to.deep.equal([r3]);
        expect(await store.listInstances({ status: 'running' })).to.deep.equal([]);
      });

      it('rejects a stale revision with RevisionConflict and applies nothing of that change', async function () {
        const r1 = instance('i1');
        const r2 = instance('i1', { revision: 2, variables: { severity: 'minor' } });
        await store.commit({ instance: { record: r1, expectedRevision: null }, audit: [event('instance.started')] });
        await store.commit({ instance: { record: r2, expectedRevision: 1 }, audit: [event('instance.updated')] });
        const before = await snapshot();

        await rejection(
          store.commit({
            instance: { record: instance('i1', { revision: 2, variables: { severity: 'critical' } }), expectedRevision: 1 },
            tasks: [{ record: task('t1'), expectedRevision: null }],
            scheduleJobs: [job('j1')],
            incidents: [incident('x1')],
            audit: [event('task.created', { target: 'task:t1' })],
          }),
          RevisionConflict,
        );
        expect(await store.getInstance('i1')).to.deep.equal(r2);
        expect(await store.getTask('t1')).to.equal(undefined);
        expect(await store.getJob('j1')).to.equal(undefined);
        expect(await store.getIncident('x1')).to.equal(undefined);
        expect(await snapshot()).to.deep.equal(before);

        // an expected revision ahead of the stored one is just as stale
        await rejection(store.commit({ instance: { record: instance('i1', { revision: 4 }), expectedRevision: 3 }, audit: [] }), RevisionConflict);
        // and an update of an instance that does not exist
        await rejection(store.commit({ instance: { record: instance('nope', { revision: 2 }), expectedRevision: 1 }, audit: [] }), RevisionConflict);
        expect(await store.getInstance('nope')).to.equal(undefined);
        expect(await snapshot()).to.deep.equal(before);
      });

      it('rejects a duplicate business key with ConflictError (not RevisionConflict) and applies nothing', async function () {
        const first = instance('i1', { businessKey: 'CAPA-2026-0001' });
        await store.commit({ instance: { record: first, expectedRevision: null }, audit: [event('instance.started')] });
        const before = await snapshot();

        const error = await rejection(
          store.commit({
            instance: { record: instance('i2', { businessKey: 'CAPA-2026-0001', startedBy: 'bob' }), expectedRevision: null },
            tasks: [{ record: task('t2', { instanceId: 'i2' }), expectedRevision: null }],
            scheduleJobs: [job('j2', { instanceId: 'i2' })],
            audit: [event('instance.started', { target: 'instance:i2', instanceId: 'i2' })],
          }),
          ConflictError,
        );
        expect(error).to.not.be.instanceOf(RevisionConflict);
        expect(await store.getInstance('i2')).to.equal(undefined);
        expect(await store.getInstance('i1')).to.deep.equal(first);
        expect(await snapshot()).to.deep.equal(before);

        // a different business key is fine
        const second = instance('i2', { businessKey: 'CAPA-2026-0002' });
        await store.commit({ instance: { record: second, expectedRevision: null }, audit: [] });
        expect(await store.getInstance('i2')).to.deep.equal(second);
      });

      it('rejects inserting an instance id that exists and leaves the stored one alone', async function () {
        const first = instance('i1');
        await store.commit({ instance: { record: first, expectedRevision: null }, audit: [] });
        await rejection(
          store.commit({ instance: { record: instance('i1', { businessKey: 'OTHER-1', startedBy: 'mallory' }), expectedRevision: null }, audit: [event('x')] }),
          ConflictError,
        );
        expect(await store.getInstance('i1')).to.deep.equal(first);
        expect(await store.listAudit({})).to.deep.equal([]);
      });

      it('pages consistently through instances started at the same time', async function () {
        const order = ['i5', 'i2', 'i7', 'i1', 'i6', 'i3', 'i4'];
        for (const [n, id] of order.entries()) {
          await store.commit({ instance: { record: instance(id, { startedAt: at(1), status: n % 2 ? 'running' : 'completed' }), expectedRevision: null }, audit: [] });
        }
        await store.commit({ instance: { record: instance('i0', { startedAt: at(0) }), expectedRevision: null }, audit: [] });
        await store.commit({ instance: { record: instance('i9', { startedAt: at(2) }), expectedRevision: null }, audit: [] });
        const full = await expectConsistentPaging((page) => store.listInstances(page), [...order, 'i0', 'i9']);
        expect(full[0]).to.equal('i9');
        expect(full[8]).to.equal('i0');
        const running = ids(await store.listInstances({ status: 'running' }));
        expect(running).to.deep.equal(full.filter((id) => ['i2', 'i1', 'i3', 'i0', 'i9'].includes(id)));
        await store.commit({ instance: { record: instance('i7', { startedAt: at(1), revision: 2, status: 'running' }), expectedRevision: 1 }, audit: [] });
        expect(ids(await store.listInstances({}))).to.deep.equal(full);
      });

      it('lists instances by key and status, newest first, with limit and offset', async function () {
        const records = [
          instance('i1', { startedAt: at(1) }),
          instance('i2', { startedAt: at(3), key: 'ncr', businessKey: 'NCR-1' }),
          instance('i3', { startedAt: at(2), status: 'completed', engineState: null, endedAt: at(9) }),
          instance('i4', { startedAt: at(5) }),
          instance('i5', { startedAt: at(4), status: 'incident' }),
        ];
        for (const r of records) await store.commit({ instance: { record: r, expectedRevision: null }, audit: [] });

        expect(ids(await store.listInstances({}))).to.deep.equal(['i4', 'i5', 'i2', 'i3', 'i1']);
        expect(ids(await store.listInstances({ key: 'capa' }))).to.deep.equal(['i4', 'i5', 'i3', 'i1']);
        expect(ids(await store.listInstances({ key: 'ncr' }))).to.deep.equal(['i2']);
        expect(ids(await store.listInstances({ status: 'running' }))).to.deep.equal(['i4', 'i2', 'i1']);
        expect(ids(await store.listInstances({ key: 'capa', status: 'running' }))).to.deep.equal(['i4', 'i1']);
        expect(ids(await store.listInstances({ limit: 2 }))).to.deep.equal(['i4', 'i5']);
        expect(ids(await store.listInstances({ limit: 2, offset: 2 }))).to.deep.equal(['i2', 'i3']);
        expect(ids(await store.listInstances({ offset: 4 }))).to.deep.equal(['i1']);
        expect(await store.listInstances({ key: 'audit' })).to.deep.equal([]);
        expect(await store.listInstances({ key: 'capa', status: 'completed' })).to.deep.equal([records[2]]);

        // an update keeps the instance's place
        const i5 = instance('i5', { startedAt: at(4), status: 'incident', revision: 2, variables: { retried: 1 } });
        await store.commit({ instance: { record: i5, expectedRevision: 1 }, audit: [] });
        expect(ids(await store.listInstances({}))).to.deep.equal(['i4', 'i5', 'i2', 'i3', 'i1']);
        expect((await store.listInstances({ limit: 1, offset: 1 }))[0]).to.deep.equal(i5);
      });

      it('sites: lists the instances of those sites and the site-less ones, combined with key, status and paging', async function () {
        const records = [
          instance('i1', { startedAt: at(1), site: 'plant-1' }),
          instance('i2', { startedAt: at(2), site: 'plant-2' }),
          instance('i3', { startedAt: at(3) }),
          instance('i4', { startedAt: at(4), site: 'plant-1', status: 'completed', engineState: null, endedAt: at(9) }),
          instance('i5', { startedAt: at(5), site: 'plant-3', key: 'ncr', businessKey: 'NCR-5' }),
          instance('i6', { startedAt: at(6), key: 'ncr', businessKey: 'NCR-6' }),
        ];
        for (const r of records) await store.commit({ instance: { record: r, expectedRevision: null }, audit: [] });

        expect(await store.getInstance('i1')).to.deep.equal(records[0]);
        expect(await store.getInstance('i3')).to.deep.equal(records[2]);
        expect(ids(await store.listInstances({}))).to.deep.equal(['i6', 'i5', 'i4', 'i3', 'i2', 'i1']);
        expect(ids(await store.listInstances({ sites: ['plant-1'] }))).to.deep.equal(['i6', 'i4', 'i3', 'i1']);
        expect(ids(await store.listInstances({ sites: ['plant-1', 'plant-2'] }))).to.deep.equal(['i6', 'i4', 'i3', 'i2', 'i1']);
        expect(ids(await store.listInstances({ sites: ['plant-2', 'plant-3'] }))).to.deep.equal(['i6', 'i5', 'i3', 'i2']);
        // no sites, or only unknown ones: the site-less records alone
        expect(ids(await store.listInstances({ sites: [] }))).to.deep.equal(['i6', 'i3']);
        expect(ids(await store.listInstances({ sites: ['plant-9'] }))).to.deep.equal(['i6', 'i3']);
        // combined with the other filters and paging
        expect(ids(await store.listInstances({ sites: ['plant-1'], status: 'running' }))).to.deep.equal(['i6', 'i3', 'i1']);
        expect(ids(await store.listInstances({ sites: ['plant-1'], key: 'capa' }))).to.deep.equal(['i4', 'i3', 'i1']);
        expect(ids(await store.listInstances({ sites: ['plant-3'], key: 'ncr' }))).to.deep.equal(['i6', 'i5']);
        expect(ids(await store.listInstances({ sites: ['plant-2'], key: 'capa', status: 'running' }))).to.deep.equal(['i3', 'i2']);
        expect(ids(await store.listInstances({ sites: ['plant-1'], status: 'completed' }))).to.deep.equal(['i4']);
        expect(ids(await store.listInstances({ sites: ['plant-1'], limit: 2, offset: 1 }))).to.deep.equal(['i4', 'i3']);

        // the site follows an update: moved to plant-2, then to no site
        const moved = { ...records[0], site: 'plant-2', revision: 2 };
        await store.commit({ instance: { record: moved, expectedRevision: 1 }, audit: [] });
        expect(ids(await store.listInstances({ sites: ['plant-1'] }))).to.deep.equal(['i6', 'i4', 'i3']);
        expect(ids(await store.listInstances({ sites: ['plant-2'] }))).to.deep.equal(['i6', 'i3', 'i2', 'i1']);
        const siteless = instance('i1', { startedAt: at(1), revision: 3 });
        await store.commit({ instance: { record: siteless, expectedRevision: 2 }, audit: [] });
        expect(await store.getInstance('i1')).to.deep.equal(siteless);
        expect(ids(await store.listInstances({ sites: ['plant-3'] }))).to.deep.equal(['i6', 'i5', 'i3', 'i1']);
      });
    });

    // ---- tasks -------------------------------------------------------------------------------------

    describe('tasks', function () {
      it('inserts tasks and reads them back exactly, optional fields present or absent', async function () {
        const full = task('t1', {
          assignee: 'alice',
          candidateRole: 'qa',
          dueAt: at(60),
          signature: 'approved',
          data: { draft: { decision: 'investigate' } },
        });
        const bare = task('t2');
        await store.commit({ tasks: [{ record: full, expectedRevision: null }, { record: bare, expectedRevision: null }], audit: [] });
        expect(await store.getTask('t1')).to.deep.equal(full);
        expect(await store.getTask('t2')).to.deep.equal(bare);
        expect(await store.getTask('t3')).to.equal(undefined);
      });

      it('updates a task when the expected revision matches, and its queried fields follow', async function () {
        const t1 = task('t1', { assignee: 'alice', candidateRole: 'qa', dueAt: at(10) });
        await store.commit({ tasks: [{ record: t1, expectedRevision: null }], audit: [] });

        const reassigned = task('t1', { assignee: 'bob', candidateRole: 'ops', dueAt: at(20), revision: 2 });
        await store.commit({ tasks: [{ record: reassigned, expectedRevision: 1 }], audit: [] });
        expect(await store.getTask('t1')).to.deep.equal(reassigned);
        expect(await store.listTasks({ assignee: 'alice' })).to.deep.equal([]);
        expect(await store.listTasks({ role: 'qa' })).to.deep.equal([]);
        expect(await store.listTasks({ assignee: 'bob' })).to.deep.equal([reassigned]);
        expect(await store.listTasks({ role: 'ops' })).to.deep.equal([reassigned]);
        expect(await store.listTasks({ dueBefore: at(15) })).to.deep.equal([]);
        expect(await store.listTasks({ dueBefore: at(25) })).to.deep.equal([reassigned]);

        const done = task('t1', {
          assignee: 'bob',
          candidateRole: 'ops',
          dueAt: at(20),
          revision: 3,
          status: 'completed',
          completedAt: at(12),
          completedBy: 'bob',
          data: { decision: 'investigate', notes: 'root cause: worn tooling' },
        });
        await store.commit({ tasks: [{ record: done, expectedRevision: 2 }], audit: [] });
        expect(await store.getTask('t1')).to.deep.equal(done);
        expect(await store.listTasks({ status: 'open' })).to.deep.equal([]);
        expect(await store.listTasks({ status: 'completed' })).to.deep.equal([done]);
        expect(await store.listTasks({ dueBefore: at(25) })).to.deep.equal([]);
      });

      it('rejects a stale task revision with RevisionConflict and applies nothing of that change', async function () {
        const i1 = instance('i1');
        const t1 = task('t1');
        const t2 = task('t2');
        await store.commit({
          instance: { record: i1, expectedRevision: null },
          tasks: [{ record: t1, expectedRevision: null }, { record: t2, expectedRevision: null }],
          audit: [event('instance.started')],
        });
        await store.commit({ tasks: [{ record: task('t2', { revision: 2, assignee: 'carol' }), expectedRevision: 1 }], audit: [] });
        const before = await snapshot();

        // the instance update and the first task update are valid; the second task is stale: nothing may stick
        await rejection(
          store.commit({
            instance: { record: instance('i1', { revision: 2, status: 'completed' }), expectedRevision: 1 },
            tasks: [
              { record: task('t1', { revision: 2, status: 'completed', completedAt: at(5), completedBy: 'alice' }), expectedRevision: 1 },
              { record: task('t3'), expectedRevision: null },
              { record: task('t2', { revision: 2, status: 'cancelled' }), expectedRevision: 1 },
            ],
            scheduleJobs: [job('j1')],
            incidents: [incident('x1')],
            audit: [event('task.completed', { target: 'task:t1' }), event('instance.completed')],
          }),
          RevisionConflict,
        );
        expect(await store.getInstance('i1')).to.deep.equal(i1);
        expect(await store.getTask('t1')).to.deep.equal(t1);
        expect(await store.getTask('t3')).to.equal(undefined);
        expect(await store.getJob('j1')).to.equal(undefined);
        expect(await store.getIncident('x1')).to.equal(undefined);
        expect(await snapshot()).to.deep.equal(before);

        // updating a task that does not exist is a conflict too
        await rejection(store.commit({ tasks: [{ record: task('t9', { revision: 2 }), expectedRevision: 1 }], audit: [] }), RevisionConflict);
        expect(await store.getTask('t9')).to.equal(undefined);
      });

      describe('listTasks', function () {
        // inserted out of order on purpose; expected order is createdAt
        const t = {
          a: task('t-a', { instanceId: 'i1', assignee: 'alice', candidateRole: 'qa', createdAt: at(1), dueAt: at(100) }),
          b: task('t-b', { instanceId: 'i1', assignee: 'bob', candidateRole: 'qa', createdAt: at(2), dueAt: at(50) }),
          c: task('t-c', { instanceId: 'i2', candidateRole: 'ops', createdAt: at(3) }),
          d: task('t-d', { instanceId: 'i2', assignee: 'alice', candidateRole: 'ops', createdAt: at(4), dueAt: at(10), status: 'completed', completedAt: at(5), completedBy: 'alice' }),
          e: task('t-e', { instanceId: 'i1', candidateRole: 'qa', createdAt: at(0), dueAt: at(20), status: 'cancelled' }),
          f: task('t-f', { instanceId: 'i3', assignee: 'alice', createdAt: at(6), dueAt: at(30) }),
          g: task('t-g', { instanceId: 'i3', assignee: 'alice', createdAt: at(7), dueAt: at(40) }),
        };

        beforeEach(async function () {
          const order = [t.g, t.d, t.a, t.f, t.c, t.e, t.b];
          await store.commit({ tasks: order.map((record) => ({ record, expectedRevision: null })), audit: [] });
        });

        it('orders by createdAt and returns whole records', async function () {
          expect(await store.listTasks({})).to.deep.equal([t.e, t.a, t.b, t.c, t.d, t.f, t.g]);
          // an update keeps the task's place
          const f2 = { ...t.f, assignee: 'bob', revision: 2 };
          await store.commit({ tasks: [{ record: f2, expectedRevision: 1 }], audit: [] });
          expect(await store.listTasks({})).to.deep.equal([t.e, t.a, t.b, t.c, t.d, f2, t.g]);
        });

        it('filters by assignee, role, status and instance, alone and combined', async function () {
          expect(ids(await store.listTasks({ assignee: 'alice' }))).to.deep.equal(['t-a', 't-d', 't-f', 't-g']);
          expect(ids(await store.listTasks({ assignee: 'bob' }))).to.deep.equal(['t-b']);
          expect(ids(await store.listTasks({ assignee: 'nobody' }))).to.deep.equal([]);
          expect(ids(await store.listTasks({ role: 'qa' }))).to.deep.equal(['t-e', 't-a', 't-b']);
          expect(ids(await store.listTasks({ role: 'ops' }))).to.deep.equal(['t-c', 't-d']);
          expect(ids(await store.listTasks({ status: 'open' }))).to.deep.equal(['t-a', 't-b', 't-c', 't-f', 't-g']);
          expect(ids(await store.listTasks({ status: 'completed' }))).to.deep.equal(['t-d']);
          expect(ids(await store.listTasks({ status: 'cancelled' }))).to.deep.equal(['t-e']);
          expect(ids(await store.listTasks({ instanceId: 'i1' }))).to.deep.equal(['t-e', 't-a', 't-b']);
          expect(ids(await store.listTasks({ instanceId: 'i3' }))).to.deep.equal(['t-f', 't-g']);
          expect(ids(await store.listTasks({ assignee: 'alice', status: 'open' }))).to.deep.equal(['t-a', 't-f', 't-g']);
          expect(ids(await store.listTasks({ role: 'qa', status: 'open', instanceId: 'i1' }))).to.deep.equal(['t-a', 't-b']);
          expect(ids(await store.listTasks({ assignee: 'alice', role: 'ops' }))).to.deep.equal(['t-d']);
          expect(ids(await store.listTasks({ assignee: 'alice', instanceId: 'i2', status: 'open' }))).to.deep.equal([]);
        });

        it('dueBefore returns only open tasks due strictly before the time', async function () {
          // t-d (completed, due 10) and t-e (cancelled, due 20) are overdue but not open; t-c has no due date
          expect(ids(await store.listTasks({ dueBefore: at(35) }))).to.deep.equal(['t-f']);
          expect(ids(await store.listTasks({ dueBefore: at(40) }))).to.deep.equal(['t-f']);
          expect(ids(await store.listTasks({ dueBefore: at(40.001) }))).to.deep.equal(['t-f', 't-g']);
          expect(ids(await store.listTasks({ dueBefore: at(1000) }))).to.deep.equal(['t-a', 't-b', 't-f', 't-g']);
          expect(ids(await store.listTasks({ dueBefore: at(0) }))).to.deep.equal([]);
          expect(ids(await store.listTasks({ dueBefore: at(1000), assignee: 'alice' }))).to.deep.equal(['t-a', 't-f', 't-g']);
          expect(ids(await store.listTasks({ dueBefore: at(1000), instanceId: 'i1' }))).to.deep.equal(['t-a', 't-b']);
          // dueBefore means open: asking for another status at the same time matches nothing
          expect(ids(await store.listTasks({ dueBefore: at(1000), status: 'completed' }))).to.deep.equal([]);
        });

        it('pages with limit and offset over the same order', async function () {
          expect(ids(await store.listTasks({ limit: 3 }))).to.deep.equal(['t-e', 't-a', 't-b']);
          expect(ids(await store.listTasks({ limit: 3, offset: 3 }))).to.deep.equal(['t-c', 't-d', 't-f']);
          expect(ids(await store.listTasks({ limit: 3, offset: 6 }))).to.deep.equal(['t-g']);
          expect(ids(await store.listTasks({ limit: 3, offset: 7 }))).to.deep.equal([]);
          expect(ids(await store.listTasks({ offset: 5 }))).to.deep.equal(['t-f', 't-g']);
          expect(ids(await store.listTasks({ assignee: 'alice', limit: 2, offset: 1 }))).to.deep.equal(['t-d', 't-f']);
          expect(ids(await store.listTasks({ limit: 1, offset: 6 }))).to.deep.equal(['t-g']);
          expect(await store.listTasks({ limit: 0 })).to.deep.equal([]);
        });
      });

      describe('listTasks by person, site and instances', function () {
        // alice: roles qa; bob: qa; dave: ops. Inserted out of order; expected order is createdAt.
        const v = {
          a: task('v-a', { instanceId: 'i1', assignee: 'alice', candidateRole: 'qa', site: 'plant-1', createdAt: at(1), dueAt: at(30) }),
          b: task('v-b', { instanceId: 'i1', candidateRole: 'qa', site: 'plant-2', createdAt: at(2), dueAt: at(10) }),
          // in alice's role, but assigned to bob: not hers
          c: task('v-c', { instanceId: 'i1', assignee: 'bob', candidateRole: 'qa', site: 'plant-1', createdAt: at(3) }),
          d: task('v-d', { instanceId: 'i2', candidateRole: 'ops', createdAt: at(4) }),
          e: task('v-e', { instanceId: 'i2', assignee: 'alice', site: 'plant-3', createdAt: at(5), status: 'completed', completedAt: at(6), completedBy: 'alice' }),
          // unassigned and without a candidate role: nobody's by role
          f: task('v-f', { instanceId: 'i3', site: 'plant-1', createdAt: at(6) }),
          g: task('v-g', { instanceId: 'i3', candidateRole: 'qa', createdAt: at(7), status: 'cancelled' }),
          h: task('v-h', { instanceId: 'i2', assignee: 'carol', candidateRole: 'ops', site: 'plant-2', createdAt: at(8) }),
        };

        beforeEach(async function () {
          const order = [v.h, v.c, v.f, v.a, v.g, v.d, v.b, v.e];
          await store.commit({ tasks: order.map((record) => ({ record, expectedRevision: null })), audit: [] });
        });

        it('reads the site back exactly, present or absent', async function () {
          expect(await store.getTask('v-a')).to.deep.equal(v.a);
          expect(await store.getTask('v-d')).to.deep.equal(v.d);
        });

        it("forUser: the person's own tasks and the unassigned ones of their roles, not those assigned to others", async function () {
          expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] } }))).to.deep.equal(['v-a', 'v-b', 'v-e', 'v-g']);
          expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] }, status: 'open' }))).to.deep.equal(['v-a', 'v-b']);
          expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: [] } }))).to.deep.equal(['v-a', 'v-e']);
          expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa', 'ops'] } }))).to.deep.equal(['v-a', 'v-b', 'v-d', 'v-e', 'v-g']);
          // bob has the same role: v-c is his, v-a is alice's
          expect(ids(await store.listTasks({ forUser: { id: 'bob', roles: ['qa'] } }))).to.deep.equal(['v-b', 'v-c', 'v-g']);
          // v-h is for ops but assigned to carol
          expect(ids(await store.listTasks({ forUser: { id: 'dave', roles: ['ops'] } }))).to.deep.equal(['v-d']);
          expect(ids(await store.listTasks({ forUser: { id: 'carol', roles: [] } }))).to.deep.equal(['v-h']);
          expect(ids(await store.listTasks({ forUser: { id: 'nobody', roles: ['auditor'] } }))).to.deep.equal([]);
          expect(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] }, status: 'open', limit: 1 })).to.deep.equal([v.a]);
          expect(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] }, limit: 2, offset: 1 })).to.deep.equal([v.b, v.e]);
        });

        it('forUser follows reassignment: a task taken by someone else leaves the role pool', async function () {
          const taken = { ...v.b, assignee: 'bob', revision: 2 };
          await store.commit({ tasks: [{ record: taken, expectedRevision: 1 }], audit: [] });
          expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] }, status: 'open' }))).to.deep.equal(['v-a']);
          expect(ids(await store.listTasks({ forUser: { id: 'bob', roles: [] }, status: 'open' }))).to.deep.equal(['v-b', 'v-c']);
          // released again: back in the pool of its role
          const released = { ...v.b, revision: 3 };
          await store.commit({ tasks: [{ record: released, expectedRevision: 2 }], audit: [] });
          expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa'] }, status: 'open' }))).to.deep.equal(['v-a', 'v-b']);
        });

        it('sites: the tasks of those sites and the site-less ones', async function () {
          expect(ids(await store.listTasks({ sites: ['plant-1'] }))).to.deep.equal(['v-a', 'v-c', 'v-d', 'v-f', 'v-g']);
          expect(ids(await store.listTasks({ sites: ['plant-2'] }))).to.deep.equal(['v-b', 'v-d', 'v-g', 'v-h']);
          expect(ids(await store.listTasks({ sites: ['plant-1', 'plant-3'] }))).to.deep.equal(['v-a', 'v-c', 'v-d', 'v-e', 'v-f', 'v-g']);
          expect(ids(await store.listTasks({ sites: [] }))).to.deep.equal(['v-d', 'v-g']);
          expect(ids(await store.listTasks({ sites: ['plant-9'] }))).to.deep.equal(['v-d', 'v-g']);
          expect(ids(await store.listTasks({ sites: ['plant-1'], status: 'open' }))).to.deep.equal(['v-a', 'v-c', 'v-d', 'v-f']);
          expect(ids(await store.listTasks({ sites: ['plant-2'], role: 'qa' }))).to.deep.equal(['v-b', 'v-g']);
        });

        it('sites follow an update of the task', async function () {
          const moved = { ...v.a, site: 'plant-2', revision: 2 };
          await store.commit({ tasks: [{ record: moved, expectedRevision: 1 }], audit: [] });
          expect(ids(await store.listTasks({ sites: ['plant-1'], status: 'open' }))).to.deep.equal(['v-c', 'v-d', 'v-f']);
          expect(ids(await store.listTasks({ sites: ['plant-2'], status: 'open' }))).to.deep.equal(['v-a', 'v-b', 'v-d', 'v-h']);
          const { site: _site, ...withoutSite } = v.c;
          const siteless = { ...withoutSite, revision: 2 };
          await store.commit({ tasks: [{ record: siteless, expectedRevision: 1 }], audit: [] });
          expect(await store.getTask('v-c')).to.deep.equal(siteless);
          expect(ids(await store.listTasks({ sites: ['plant-3'] }))).to.deep.equal(['v-c', 'v-d', 'v-e', 'v-g']);
        });

        it('instanceIds: the tasks of any of those instances', async function () {
          expect(ids(await store.listTasks({ instanceIds: ['i1', 'i3'] }))).to.deep.equal(['v-a', 'v-b', 'v-c', 'v-f', 'v-g']);
          expect(ids(await store.listTasks({ instanceIds: ['i2'] }))).to.deep.equal(['v-d', 'v-e', 'v-h']);
          expect(ids(await store.listTasks({ instanceIds: ['i9'] }))).to.deep.equal([]);
          expect(await store.listTasks({ instanceIds: [] })).to.deep.equal([]);
          // and-ed with a single instanceId
          expect(ids(await store.listTasks({ instanceIds: ['i1', 'i3'], instanceId: 'i3' }))).to.deep.equal(['v-f', 'v-g']);
          expect(ids(await store.listTasks({ instanceIds: ['i1', 'i3'], instanceId: 'i2' }))).to.deep.equal([]);
        });

        it('combines forUser, sites, instanceIds, status, dueBefore and paging', async function () {
          const alice = { id: 'alice', roles: ['qa'] };
          expect(ids(await store.listTasks({ forUser: alice, sites: ['plant-1'] }))).to.deep.equal(['v-a', 'v-g']);
          expect(ids(await store.listTasks({ forUser: alice, sites: ['plant-1'], status: 'open' }))).to.deep.equal(['v-a']);
          expect(ids(await store.listTasks({ forUser: alice, sites: ['plant-2', 'plant-3'] }))).to.deep.equal(['v-b', 'v-e', 'v-g']);
          expect(ids(await store.listTasks({ forUser: { id: 'alice', roles: ['qa', 'ops'] }, sites: ['plant-2'], instanceIds: ['i1', 'i2'] }))).to.deep.equal([
            'v-b',
            'v-d',
          ]);
          expect(ids(await store.listTasks({ forUser: alice, instanceIds: ['i2', 'i3'] }))).to.deep.equal(['v-e', 'v-g']);
          expect(ids(await store.listTasks({ forUser: alice, dueBefore: at(20) }))).to.deep.equal(['v-b']);
          expect(ids(await store.listTasks({ forUser: alice, dueBefore: at(40), sites: ['plant-1'] }))).to.deep.equal(['v-a']);
          expect(ids(await store.listTasks({ forUser: { id: 'bob', roles: ['qa'] }, sites: ['plant-2'], instanceIds: ['i1'], status: 'open' }))).to.deep.equal(['v-b']);
          expect(ids(await store.listTasks({ sites: ['plant-1'], instanceIds: ['i1', 'i2'], limit: 2, offset: 1 }))).to.deep.equal(['v-c', 'v-d']);
          expect(ids(await store.listTasks({ forUser: alice, assignee: 'alice', role: 'qa' }))).to.deep.equal(['v-a']);
        });
      });

      it('pages consistently through tasks created at the same time', async function () {
        const order = ['t5', 't2', 't7', 't1', 't6', 't3', 't4'];
        const records = order.map((id, n) => task(id, { createdAt: at(1), ...(n % 2 ? { assignee: 'alice' } : {}) }));
        await store.commit({ tasks: records.slice(0, 4).map((record) => ({ record, expectedRevision: null })), audit: [] });
        await store.commit({ tasks: records.slice(4).map((record) => ({ record, expectedRevision: null })), audit: [] });
        await store.commit({ tasks: [{ record: task('t0', { createdAt: at(0) }), expectedRevision: null }, { record: task('t9', { createdAt: at(2) }), expectedRevision: null }], audit: [] });
        const full = await expectConsistentPaging((page) => store.listTasks(page), [...order, 't0', 't9']);
        expect(full[0]).to.equal('t0');
        expect(full[8]).to.equal('t9');
        expect(ids(await store.listTasks({ assignee: 'alice' }))).to.deep.equal(full.filter((id) => ['t2', 't1', 't3'].includes(id)));
        await store.commit({ tasks: [{ record: task('t7', { createdAt: at(1), revision: 2, status: 'completed' }), expectedRevision: 1 }], audit: [] });
        expect(ids(await store.listTasks({}))).to.deep.equal(full);
      });

      it('returns at most 100 tasks when no limit is given', async function () {
        const many = Array.from({ length: 105 }, (_, n) => task(`t${String(n).padStart(3, '0')}`, { createdAt: at(n) }));
        await store.commit({ tasks: many.map((record) => ({ record, expectedRevision: null })), audit: [] });
        const page = await store.listTasks({});
        expect(page).to.have.length(100);
        expect(page[0]).to.deep.equal(many[0]);
        expect(page[99]).to.deep.equal(many[99]);
        expect(ids(await store.listTasks({ offset: 100 }))).to.deep.equal(['t100', 't101', 't102', 't103', 't104']);
        expect(await store.listTasks({ limit: 1000 })).to.have.length(105);
      });
    });

    // ---- sequences ---------------------------------------------------------------------------------

    describe('nextSequence', function () {
      it('counts 1, 2, 3 per name, independently', async function () {
        expect(await store.nextSequence('CAPA-2026')).to.equal(1);
        expect(await store.nextSequence('CAPA-2026')).to.equal(2);
        expect(await store.nextSequence('NCR-2026')).to.equal(1);
        expect(await store.nextSequence('CAPA-2026')).to.equal(3);
        expect(await store.nextSequence('CAPA-2027')).to.equal(1);
        expect(await store.nextSequence('NCR-2026')).to.equal(2);
      });

      it('never hands out the same number twice under concurrency', async function () {
        const got = await Promise.all(Array.from({ length: 25 }, () => store.nextSequence('CAPA-2026')));
        expect([...got].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 25 }, (_, n) => n + 1));
        expect(await store.nextSequence('CAPA-2026')).to.equal(26);
      });
    });

    // ---- jobs --------------------------------------------------------------------------------------

    describe('jobs', function () {
      const lease = at(15);

      it('schedules jobs and lists them by instance and status, ordered by runAt', async function () {
        const j1 = job('j1', { runAt: at(20) });
        const j2 = job('j2', { runAt: at(5), instanceId: 'i2' });
        const j3 = job('j3', { runAt: at(10), payload: { executionId: 'x', nested: { list: [1, 'two'] } } });
        const j4 = job('j4', { runAt: at(1) });
        delete j4.instanceId;
        await store.commit({ scheduleJobs: [j1, j2, j3, j4], audit: [] });
        expect(await store.getJob('j1')).to.deep.equal(j1);
        expect(await store.getJob('j3')).to.deep.equal(j3);
        expect(await store.getJob('j4')).to.deep.equal(j4);
        expect(await store.getJob('nope')).to.equal(undefined);
        expect(await store.listJobs({})).to.deep.equal([j4, j2, j3, j1]);
        expect(ids(await store.listJobs({ instanceId: 'i1' }))).to.deep.equal(['j3', 'j1']);
        expect(ids(await store.listJobs({ instanceId: 'i2', status: 'scheduled' }))).to.deep.equal(['j2']);
        expect(ids(await store.listJobs({ status: 'scheduled' }))).to.deep.equal(['j4', 'j2', 'j3', 'j1']);
        expect(await store.listJobs({ status: 'running' })).to.deep.equal([]);

        await store.commit({ cancelJobs: ['j3'], audit: [] });
        expect(ids(await store.listJobs({ status: 'scheduled' }))).to.deep.equal(['j4', 'j2', 'j1']);
        expect(ids(await store.listJobs({ status: 'cancelled', instanceId: 'i1' }))).to.deep.equal(['j3']);
      });

      it('claims only due scheduled jobs, marks them running for the worker, and counts the attempt', async function () {
        const j1 = job('j1', { runAt: at(1), attempts: 2 });
        const j2 = job('j2', { runAt: at(5) });
        const j3 = job('j3', { runAt: at(5.001) });
        const j4 = job('j4', { runAt: at(0) });
        await store.commit({ scheduleJobs: [j3, j2, j1, j4], audit: [] });
        await store.commit({ cancelJobs: ['j4'], audit: [] });

        const claimed = await store.claimDueJobs(at(5), 'w1', lease, 10);
        expect(ids(claimed)).to.deep.equal(['j1', 'j2']);
        expect(claimed[0]).to.deep.equal({ ...j1, status: 'running', lockedBy: 'w1', lockedUntil: lease, attempts: 3 });
        expect(claimed[1]).to.deep.equal({ ...j2, status: 'running', lockedBy: 'w1', lockedUntil: lease, attempts: 1 });
        expect(await store.getJob('j1')).to.deep.equal(claimed[0]);
        expect(await store.getJob('j2')).to.deep.equal(claimed[1]);
        expect(await store.getJob('j3')).to.deep.equal(j3);
        expect((await store.getJob('j4'))?.status).to.equal('cancelled');
        expect(ids(await store.listJobs({ status: 'running' }))).to.deep.equal(['j1', 'j2']);

        // a second claim at the same time finds nothing: the claims hold
        expect(await store.claimDueJobs(at(5), 'w2', lease, 10)).to.deep.equal([]);
        expect(await store.claimDueJobs(at(5), 'w1', lease, 10)).to.deep.equal([]);
        expect((await store.getJob('j1'))?.lockedBy).to.equal('w1');
      });

      it('claims at most `limit` jobs, earliest runAt first', async function () {
        await store.commit({ scheduleJobs: [job('j3', { runAt: at(3) }), job('j1', { runAt: at(1) }), job('j2', { runAt: at(2) })], audit: [] });
        expect(ids(await store.claimDueJobs(at(10), 'w1', lease, 1))).to.deep.equal(['j1']);
        expect(ids(await store.claimDueJobs(at(10), 'w2', lease, 1))).to.deep.equal(['j2']);
        expect(ids(await store.claimDueJobs(at(10), 'w3', lease, 5))).to.deep.equal(['j3']);
        expect((await store.listJobs({})).map((j) => j.lockedBy)).to.deep.equal(['w1', 'w2', 'w3']);
      });

      it('hands a job whose lease expired to another worker, and only then', async function () {
        await store.commit({ scheduleJobs: [job('j1', { runAt: at(1) })], audit: [] });
        expect(ids(await store.claimDueJobs(at(1), 'w1', lease, 10))).to.deep.equal(['j1']);

        // one millisecond before the lease ends it is still w1's
        expect(await store.claimDueJobs(at(14.99), 'w2', at(30), 10)).to.deep.equal([]);
        const taken = await store.claimDueJobs(lease, 'w2', at(30), 10);
        expect(taken).to.deep.equal([{ ...job('j1', { runAt: at(1) }), status: 'running', lockedBy: 'w2', lockedUntil: at(30), attempts: 2 }]);
        expect(await store.getJob('j1')).to.deep.equal(taken[0]);
        expect(await store.claimDueJobs(lease, 'w3', at(30), 10)).to.deep.equal([]);

        // the first worker lost the claim: it can neither finish nor fail the job
        await rejection(store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
        await store.failJob('j1', 'w1', 'late worker', at(40));
        expect(await store.getJob('j1')).to.deep.equal(taken[0]);
        await store.commit({ finishJob: { id: 'j1', lockedBy: 'w2' }, audit: [] });
        expect((await store.getJob('j1'))?.status).to.equal('done');
      });

      it('concurrent claims never hand one job to two workers', async function () {
        const jobs = Array.from({ length: 20 }, (_, n) => job(`j${String(n).padStart(2, '0')}`, { runAt: at(n / 10) }));
        await store.commit({ scheduleJobs: jobs, audit: [] });
        const claims = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((w) => store.claimDueJobs(at(5), w, lease, 8)));
        const all = claims.flat();
        expect(all).to.have.length(20);
        expect(new Set(ids(all)).size).to.equal(20);
        for (const [n, w] of ['w1', 'w2', 'w3', 'w4'].entries()) {
          for (const claimed of claims[n]) expect((await store.getJob(claimed.id))?.lockedBy).to.equal(w);
        }
      });

      it('finishJob by the claiming worker marks the job done and drops the lease', async function () {
        const j1 = job('j1', { runAt: at(1) });
        await store.commit({ scheduleJobs: [j1, job('j2', { runAt: at(1) })], audit: [] });
        await store.claimDueJobs(at(1), 'w1', lease, 10);
        await store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [event('timer.fired')] });

        const done = await store.getJob('j1');
        expect(done?.status).to.equal('done');
        expect(done?.lockedUntil).to.equal(undefined);
        expect(done?.attempts).to.equal(1);
        expect(done?.runAt).to.equal(j1.runAt);
        expect(done?.payload).to.deep.equal(j1.payload);
        expect((await store.getJob('j2'))?.status).to.equal('running');
        expect(await store.listAudit({})).to.have.length(1);
        // a done job is never claimed again, not even after the lease
        expect(ids(await store.claimDueJobs(at(1000), 'w2', at(1010), 10))).to.deep.equal(['j2']);
        // and cannot be finished twice
        await rejection(store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
      });

      it('finishJob with the wrong worker throws RevisionConflict and applies nothing of that change', async function () {
        await store.commit({
          instance: { record: instance('i1'), expectedRevision: null },
          scheduleJobs: [job('j1', { runAt: at(1) })],
          audit: [event('instance.started')],
        });
        const [claimed] = await store.claimDueJobs(at(1), 'w1', lease, 10);
        const before = await snapshot();

        await rejection(
          store.commit({
            definition: definition('capa', 7),
            instance: { record: instance('i1', { revision: 2, variables: { fired: true } }), expectedRevision: 1 },
            tasks: [{ record: task('t1'), expectedRevision: null }],
            scheduleJobs: [job('j2', { runAt: at(30) })],
            cancelJobs: ['j1'],
            finishJob: { id: 'j1', lockedBy: 'w2' },
            incidents: [incident('x1')],
            audit: [event('timer.fired'), event('task.created', { target: 'task:t1' })],
          }),
          RevisionConflict,
        );
        expect(await store.getJob('j1')).to.deep.equal(claimed);
        expect(await store.getInstance('i1')).to.deep.equal(instance('i1'));
        expect(await store.getDefinition('capa', 7)).to.equal(undefined);
        expect(await store.getTask('t1')).to.equal(undefined);
        expect(await store.getJob('j2')).to.equal(undefined);
        expect(await store.getIncident('x1')).to.equal(undefined);
        expect(await snapshot()).to.deep.equal(before);

        // finishing a job nobody claimed, or one that does not exist, is a conflict too
        await store.commit({ scheduleJobs: [job('j3', { runAt: at(500) })], audit: [] });
        await rejection(store.commit({ finishJob: { id: 'j3', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
        await rejection(store.commit({ finishJob: { id: 'nope', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
        expect(await store.getJob('j3')).to.deep.equal(job('j3', { runAt: at(500) }));
      });

      it('rescheduling an existing id replaces it: scheduled again at the new time, claim dropped', async function () {
        await store.commit({ scheduleJobs: [job('j1', { runAt: at(1) })], audit: [] });
        await store.claimDueJobs(at(1), 'w1', lease, 10);
        expect((await store.getJob('j1'))?.status).to.equal('running');

        const again = job('j1', { runAt: at(60), payload: { executionId: 'timer_j1', elementId: 'reminder', round: 2 } });
        await store.commit({ scheduleJobs: [again], audit: [] });
        expect(await store.getJob('j1')).to.deep.equal(again);
        expect(await store.listJobs({})).to.deep.equal([again]);
        expect(ids(await store.listJobs({ status: 'running' }))).to.deep.equal([]);
        // due at the new time only, and free for any worker
        expect(await store.claimDueJobs(at(59.99), 'w2', at(100), 10)).to.deep.equal([]);
        expect(ids(await store.claimDueJobs(at(60), 'w2', at(100), 10))).to.deep.equal(['j1']);
        // the old worker's claim is gone
        await rejection(store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [] }), RevisionConflict);

        // rescheduling a cancelled or failed job revives it the same way
        await store.commit({ scheduleJobs: [job('j2', { runAt: at(1) })], audit: [] });
        await store.commit({ cancelJobs: ['j2'], audit: [] });
        await store.commit({ scheduleJobs: [job('j2', { runAt: at(2) })], audit: [] });
        expect(await store.getJob('j2')).to.deep.equal(job('j2', { runAt: at(2) }));
      });

      it('cancelJobs cancels scheduled and failed jobs, leaves running and done ones alone, ignores unknown ids', async function () {
        await store.commit({
          scheduleJobs: [job('s', { runAt: at(1) }), job('r', { runAt: at(1) }), job('d', { runAt: at(1) }), job('f', { runAt: at(1) }), job('later', { runAt: at(90) })],
          audit: [],
        });
        await store.commit({ cancelJobs: ['s'], audit: [] });
        // a long lease, so the running job stays out of the claim below
        expect(ids(await store.claimDueJobs(at(1), 'w1', at(5000), 10)).sort()).to.deep.equal(['d', 'f', 'r']);
        await store.commit({ finishJob: { id: 'd', lockedBy: 'w1' }, audit: [] });
        await store.failJob('f', 'w1', 'boom', null);
        const running = await store.getJob('r');
        const done = await store.getJob('d');

        await store.commit({ cancelJobs: ['r', 'd', 'f', 'later', 'unknown'], audit: [] });
        expect(await store.getJob('s')).to.deep.equal({ ...job('s', { runAt: at(1) }), status: 'cancelled' });
        expect(await store.getJob('later')).to.deep.equal({ ...job('later', { runAt: at(90) }), status: 'cancelled' });
        expect((await store.getJob('f'))?.status).to.equal('cancelled');
        expect(await store.getJob('r')).to.deep.equal(running);
        expect(await store.getJob('d')).to.deep.equal(done);
        expect(await store.getJob('unknown')).to.equal(undefined);
        // cancelled jobs are never claimed
        expect(await store.claimDueJobs(at(1000), 'w2', at(1010), 10)).to.deep.equal([]);
      });

      it('failJob with retryAt puts the job back to scheduled at retryAt with the error', async function () {
        const j1 = job('j1', { runAt: at(1), attempts: 0 });
        await store.commit({ scheduleJobs: [j1], audit: [] });
        await store.claimDueJobs(at(1), 'w1', lease, 10);
        await store.failJob('j1', 'w1', 'SMTP server unreachable', at(20));

        expect(await store.getJob('j1')).to.deep.equal({ ...j1, status: 'scheduled', runAt: at(20), attempts: 1, lastError: 'SMTP server unreachable' });
        expect(await store.claimDueJobs(at(19.99), 'w2', at(40), 10)).to.deep.equal([]);
        const [again] = await store.claimDueJobs(at(20), 'w2', at(40), 10);
        expect(again).to.deep.equal({ ...j1, status: 'running', runAt: at(20), attempts: 2, lastError: 'SMTP server unreachable', lockedBy: 'w2', lockedUntil: at(40) });
      });

      it('failJob with null retryAt fails the job for good, keeping its runAt', async function () {
        const j1 = job('j1', { runAt: at(1), attempts: 9 });
        await store.commit({ scheduleJobs: [j1], audit: [] });
        await store.claimDueJobs(at(1), 'w1', lease, 10);
        await store.failJob('j1', 'w1', 'x'.repeat(5000), null);

        const failed = await store.getJob('j1');
        expect(failed).to.deep.equal({ ...j1, status: 'failed', attempts: 10, lastError: 'x'.repeat(2000) });
        expect(ids(await store.listJobs({ status: 'failed' }))).to.deep.equal(['j1']);
        expect(await store.claimDueJobs(at(10_000), 'w2', at(10_010), 10)).to.deep.equal([]);
        await rejection(store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
      });

      it('failJob by a worker that does not hold the claim changes nothing', async function () {
        await store.commit({ scheduleJobs: [job('j1', { runAt: at(1) }), job('j2', { runAt: at(100) })], audit: [] });
        const [claimed] = await store.claimDueJobs(at(1), 'w1', lease, 10);
        await store.failJob('j1', 'w2', 'not mine', null);
        await store.failJob('j2', 'w1', 'not claimed', at(5));
        await store.failJob('nope', 'w1', 'no such job', null);
        expect(await store.getJob('j1')).to.deep.equal(claimed);
        expect(await store.getJob('j2')).to.deep.equal(job('j2', { runAt: at(100) }));
        expect(await store.getJob('nope')).to.equal(undefined);
      });
      describe('claimJob', function () {
        it('claims a scheduled job by id whatever its run time, for that worker, counting the attempt', async function () {
          const later = job('later', { runAt: at(600), attempts: 3 });
          const other = job('other', { runAt: at(1) });
          await store.commit({ scheduleJobs: [later, other], audit: [] });

          const claimed = await store.claimJob('later', 'w1', at(0), lease);
          expect(claimed).to.deep.equal({ ...later, status: 'running', lockedBy: 'w1', lockedUntil: lease, attempts: 4 });
          expect(await store.getJob('later')).to.deep.equal(claimed);
          // only the job asked for: the other one, due long ago, is untouched
          expect(await store.getJob('other')).to.deep.equal(other);
          // the claim holds: the worker can finish it, nobody else can
          await rejection(store.commit({ finishJob: { id: 'later', lockedBy: 'w2' }, audit: [] }), RevisionConflict);
          await store.commit({ finishJob: { id: 'later', lockedBy: 'w1' }, audit: [] });
          expect((await store.getJob('later'))?.status).to.equal('done');
        });

        it('does not take a running job whose lease is live, and takes it once the lease expired', async function () {
          const j1 = job('j1', { runAt: at(1) });
          await store.commit({ scheduleJobs: [j1], audit: [] });
          const first = await store.claimJob('j1', 'w1', at(1), lease);
          expect(first).to.deep.equal({ ...j1, status: 'running', lockedBy: 'w1', lockedUntil: lease, attempts: 1 });

          // one millisecond before the lease ends, not even the same worker gets it again
          expect(await store.claimJob('j1', 'w2', at(14.99), at(30))).to.equal(undefined);
          expect(await store.claimJob('j1', 'w1', at(14.99), at(30))).to.equal(undefined);
          expect(await store.getJob('j1')).to.deep.equal(first);

          const taken = await store.claimJob('j1', 'w2', lease, at(30));
          expect(taken).to.deep.equal({ ...j1, status: 'running', lockedBy: 'w2', lockedUntil: at(30), attempts: 2 });
          expect(await store.getJob('j1')).to.deep.equal(taken);
          expect(await store.claimJob('j1', 'w3', lease, at(40))).to.equal(undefined);
          await rejection(store.commit({ finishJob: { id: 'j1', lockedBy: 'w1' }, audit: [] }), RevisionConflict);
          // claimDueJobs respects the lease claimJob took
          expect(await store.claimDueJobs(at(29.99), 'w4', at(50), 10)).to.deep.equal([]);
        });

        it('refuses done, cancelled, failed and unknown jobs and leaves them unchanged', async function () {
          await store.commit({ scheduleJobs: [job('done', { runAt: at(1) }), job('cancelled', { runAt: at(1) }), job('failed', { runAt: at(1) })], audit: [] });
          await store.claimJob('done', 'w1', at(1), lease);
          await store.commit({ finishJob: { id: 'done', lockedBy: 'w1' }, cancelJobs: ['cancelled'], audit: [] });
          await store.claimJob('failed', 'w1', at(1), lease);
          await store.failJob('failed', 'w1', 'gave up', null);
          const before = await store.listJobs({});
          expect(before.map((j) => j.status)).to.deep.equal(['cancelled', 'done', 'failed']);

          for (const id of ['done', 'cancelled', 'failed', 'unknown']) expect(await store.claimJob(id, 'w2', at(10_000), at(10_010)), id).to.equal(undefined);
          expect(await store.listJobs({})).to.deep.equal(before);
          expect(await store.getJob('unknown')).to.equal(undefined);
        });

        it('hands one job to exactly one of several concurrent claimers', async function () {
          await store.commit({ scheduleJobs: [job('j1', { runAt: at(1) })], audit: [] });
          const workers = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
          const results = await Promise.all(workers.map((w) => store.claimJob('j1', w, at(1), lease)));
          const winners = results.filter((r) => r !== undefined);
          expect(winners).to.have.length(1);
          expect(winners[0]?.attempts).to.equal(1);
          expect(await store.getJob('j1')).to.deep.equal(winners[0]);
        });
      });

      describe('queue hand-over', function () {
        it('listUnqueuedJobs lists scheduled jobs not yet queued, by runAt then id, at most `limit`', async function () {
          const b = job('j-b', { runAt: at(1) });
          const a = job('j-a', { runAt: at(1) });
          const c = job('j-c', { runAt: at(5) });
          // ids sort differently from run times on purpose
          const early = job('j-z', { runAt: at(0), kind: 'email', payload: { messageId: 'm1' } });
          delete early.instanceId;
          const running = job('j-r', { runAt: at(0) });
          const cancelled = job('j-x', { runAt: at(0) });
          const future = job('j-f', { runAt: at(10_000) });
          await store.commit({ scheduleJobs: [c, b, running, future, a, cancelled, early], audit: [] });
          await store.commit({ cancelJobs: ['j-x'], audit: [] });
          await store.claimJob('j-r', 'w1', at(0), lease);

          // run time in the future does not matter: the queue runner delays it
          expect(await store.listUnqueuedJobs(100)).to.deep.equal([early, a, b, c, future]);
          expect(ids(await store.listUnqueuedJobs(2))).to.deep.equal(['j-z', 'j-a']);
          expect(await store.listUnqueuedJobs(0)).to.deep.equal([]);
        });

        it('markJobsQueued marks only scheduled jobs; they leave the unqueued list and keep their record', async function () {
          const q1 = job('q1', { runAt: at(1) });
          const q2 = job('q2', { runAt: at(2) });
          const q3 = job('q3', { runAt: at(3) });
          await store.commit({ scheduleJobs: [q1, q2, q3, job('run', { runAt: at(0) }), job('done', { runAt: at(0) }), job('gone', { runAt: at(0) })], audit: [] });
          await store.claimJob('run', 'w1', at(0), lease);
          await store.claimJob('done', 'w1', at(0), lease);
          await store.commit({ finishJob: { id: 'done', lockedBy: 'w1' }, cancelJobs: ['gone'], audit: [] });
          const untouched = await Promise.all(['run', 'done', 'gone'].map((id) => store.getJob(id)));

          await store.markJobsQueued(['q1', 'q3', 'run', 'done', 'gone', 'unknown'], at(4));
          expect(await store.getJob('q1')).to.deep.equal({ ...q1, queuedAt: at(4) });
          expect(await store.getJob('q3')).to.deep.equal({ ...q3, queuedAt: at(4) });
          expect(await store.getJob('q2')).to.deep.equal(q2);
          expect(await Promise.all(['run', 'done', 'gone'].map((id) => store.getJob(id)))).to.deep.equal(untouched);
          expect(await store.getJob('unknown')).to.equal(undefined);
          expect(await store.listUnqueuedJobs(100)).to.deep.equal([q2]);
          await store.markJobsQueued([], at(5));
          expect(await store.listUnqueuedJobs(100)).to.deep.equal([q2]);

          // claiming a queued job keeps the hand-over time on the record
          expect(await store.claimJob('q1', 'w2', at(5), lease)).to.deep.equal({ ...q1, queuedAt: at(4), status: 'running', lockedBy: 'w2', lockedUntil: lease, attempts: 1 });
        });

        it('rescheduling a job clears queuedAt, so it is handed to the queue again', async function () {
          const q1 = job('q1', { runAt: at(1) });
          const q2 = job('q2', { runAt: at(2) });
          await store.commit({ scheduleJobs: [q1, q2], audit: [] });
          await store.markJobsQueued(['q1', 'q2'], at(3));
          expect(await store.listUnqueuedJobs(100)).to.deep.equal([]);

          const again = job('q1', { runAt: at(30) });
          await store.commit({ scheduleJobs: [again], audit: [] });
          expect(await store.getJob('q1')).to.deep.equal(again);
          expect(await store.listUnqueuedJobs(100)).to.deep.equal([again]);

          // even when the record handed in still carries the old queuedAt (a copy of the stored job)
          await store.claimJob('q2', 'w1', at(3), lease);
          await store.commit({ scheduleJobs: [{ ...q2, runAt: at(40), queuedAt: at(3) }], audit: [] });
          expect(await store.getJob('q2')).to.deep.equal({ ...q2, runAt: at(40) });
          expect(await store.listUnqueuedJobs(100)).to.deep.equal([again, { ...q2, runAt: at(40) }]);
          // and queued again afterwards like any new job
          await store.markJobsQueued(['q2'], at(41));
          expect(await store.listUnqueuedJobs(100)).to.deep.equal([again]);
        });
      });
    });

    // ---- users -------------------------------------------------------------------------------------

    describe('users', function () {
      it('upserts users by id and lists them by role and active, ordered by id', async function () {
        const carol = user('carol', { roles: ['qa', 'ops'], managerId: 'dave' });
        const alice = user('alice', { roles: ['qa'] });
        const bob = user('bob', { roles: ['ops'], active: false, createdAt: at(5) });
        const dave = user('dave', { roles: [], name: 'Dave Müller-Øster' });
        await store.commit({ users: [carol, alice], audit: [] });
        await store.commit({ users: [dave, bob], audit: [] });

        expect(await store.getUser('carol')).to.deep.equal(carol);
        expect(await store.getUser('bob')).to.deep.equal(bob);
        expect(await store.getUser('dave')).to.deep.equal(dave);
        expect(await store.getUser('erin')).to.equal(undefined);
        expect(await store.listUsers({})).to.deep.equal([alice, bob, carol, dave]);
        expect(await store.listUsers({ role: 'qa' })).to.deep.equal([alice, carol]);
        expect(ids(await store.listUsers({ role: 'ops' }))).to.deep.equal(['bob', 'carol']);
        expect(await store.listUsers({ role: 'manager' })).to.deep.equal([]);
        expect(ids(await store.listUsers({ active: true }))).to.deep.equal(['alice', 'carol', 'dave']);
        expect(await store.listUsers({ active: false })).to.deep.equal([bob]);
        expect(ids(await store.listUsers({ role: 'ops', active: true }))).to.deep.equal(['carol']);
        expect(ids(await store.listUsers({ role: 'ops', active: false }))).to.deep.equal(['bob']);
        expect(ids(await store.listUsers({ role: 'qa', active: false }))).to.deep.equal([]);
      });

      it('re-upserting a user replaces the record: roles, active flag and email follow', async function () {
        const alice = user('alice', { roles: ['qa', 'ops'] });
        await store.commit({ users: [alice, user('bob', { roles: ['ops'] })], audit: [] });

        const changed = user('alice', { roles: ['manager', 'manager'], active: false, email: 'alice.new@example.com', managerId: 'bob' });
        await store.commit({ users: [changed], audit: [] });
        expect(await store.getUser('alice')).to.deep.equal(changed);
        expect(await store.listUsers({ role: 'qa' })).to.deep.equal([]);
        expect(ids(await store.listUsers({ role: 'ops' }))).to.deep.equal(['bob']);
        // a role given twice lists the user once
        expect(await store.listUsers({ role: 'manager' })).to.deep.equal([changed]);
        expect(await store.listUsers({ active: false })).to.deep.equal([changed]);
        expect(ids(await store.listUsers({ active: true }))).to.deep.equal(['bob']);

        // upserting with its own email is no conflict, and the old address is free for someone else
        await store.commit({ users: [{ ...changed, name: 'Alice A.' }], audit: [] });
        const carol = user('carol', { email: 'alice@example.com' });
        await store.commit({ users: [carol], audit: [] });
        expect(await store.getUser('carol')).to.deep.equal(carol);
        expect((await store.getUser('alice'))?.name).to.equal('Alice A.');

        // back to active with the old role
        const back = { ...changed, name: 'Alice A.', roles: ['qa'], active: true };
        await store.commit({ users: [back], audit: [] });
        expect(await store.listUsers({ role: 'qa', active: true })).to.deep.equal([back, carol]);
        expect(await store.listUsers({ role: 'manager' })).to.deep.equal([]);
      });

      it('rejects an email that belongs to another user with ConflictError and applies nothing of that change', async function () {
        const alice = user('alice', { roles: ['qa'] });
        const bob = user('bob', { roles: ['ops'] });
        await store.commit({
          users: [alice, bob],
          messages: [message('m1')],
          linkTokens: [token('k1')],
          schedules: [{ record: schedule('s1'), expectedRevision: null }],
          audit: [event('users.imported')],
        });
        const before = await snapshot();

        const change: ChangeSet = {
          instance: { record: instance('i1'), expectedRevision: null },
          tasks: [{ record: task('t1'), expectedRevision: null }],
          scheduleJobs: [job('j1')],
          incidents: [incident('x1')],
          users: [
            user('carol', { roles: ['manager'] }),
            { ...alice, roles: ['manager'], name: 'renamed' },
            // bob takes alice's address
            { ...bob, email: 'alice@example.com' },
          ],
          messages: [message('m2'), message('m1', { status: 'sent', sentAt: at(1), attempts: 1 })],
          revokeLinkTokens: [{ taskId: 't1', reason: 'completed', at: at(1) }],
          linkTokens: [token('k2')],
          schedules: [{ record: schedule('s2'), expectedRevision: null }],
          deleteSchedules: ['s1'],
          audit: [event('user.updated', { target: 'user:bob' })],
        };
        const error = await rejection(store.commit(change), ConflictError);
        expect(error).to.not.be.instanceOf(RevisionConflict);
        expect(await snapshot()).to.deep.equal(before);
        expect(await store.getUser('carol')).to.equal(undefined);
        expect(await store.getUser('alice')).to.deep.equal(alice);
        expect(await store.getUser('bob')).to.deep.equal(bob);
        expect(await store.listUsers({ role: 'manager' })).to.deep.equal([]);
        expect(await store.listLinkTokens('t1')).to.deep.equal([token('k1')]);
        expect(await store.getInstance('i1')).to.equal(undefined);

        // a new user with a taken email, alone, is refused the same way
        await rejection(store.commit({ users: [user('carol', { email: 'bob@example.com' })], audit: [] }), ConflictError);
        expect(await store.getUser('carol')).to.equal(undefined);
        // two users of one change may not share an address either
        await rejection(store.commit({ users: [user('dan', { email: 'x@example.com' }), user('erin', { email: 'x@example.com' })], audit: [] }), ConflictError);
        expect(await snapshot()).to.deep.equal(before);
      });

      it('getUserByEmail finds the user whatever the case of the address asked for, and follows email changes', async function () {
        const alice = user('alice', { email: 'alice.smith@example.com' });
        const bob = user('bob');
        await store.commit({ users: [alice, bob], audit: [] });
        expect(await store.getUserByEmail('alice.smith@example.com')).to.deep.equal(alice);
        expect(await store.getUserByEmail('Alice.Smith@Example.COM')).to.deep.equal(alice);
        expect(await store.getUserByEmail('BOB@EXAMPLE.COM')).to.deep.equal(bob);
        expect(await store.getUserByEmail('alice@example.com')).to.equal(undefined);
        expect(await store.getUserByEmail('alice.smith@example.co')).to.equal(undefined);
        expect(await store.getUserByEmail('')).to.equal(undefined);

        const renamed = { ...alice, email: 'a.smith@example.com' };
        await store.commit({ users: [renamed], audit: [] });
        expect(await store.getUserByEmail('ALICE.SMITH@example.com')).to.equal(undefined);
        expect(await store.getUserByEmail('A.Smith@example.com')).to.deep.equal(renamed);
      });

      it('keeps password and lockout fields whole; a re-upsert without them drops them', async function () {
        const locked = user('alice', {
          sites: ['plant-1', 'plant-2'],
          passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
          passwordChangedAt: at(1),
          failedLogins: 5,
          lockedUntil: at(20),
        });
        await store.commit({ users: [locked], audit: [] });
        expect(await store.getUser('alice')).to.deep.equal(locked);
        expect(await store.getUserByEmail('ALICE@example.com')).to.deep.equal(locked);

        // a successful login resets the counter and lifts the lock
        const { lockedUntil: _lockedUntil, ...rest } = locked;
        const unlocked: UserRecord = { ...rest, failedLogins: 0 };
        await store.commit({ users: [unlocked], audit: [] });
        expect(await store.getUser('alice')).to.deep.equal(unlocked);
        expect(await store.getUser('alice')).to.not.have.property('lockedUntil');
        expect(await store.listUsers({ role: 'qa' })).to.deep.equal([unlocked]);
      });
    });

    // ---- sessions and API tokens -------------------------------------------------------------------

    describe('sessions', function () {
      it('upserts sessions by id, reads them back exactly, and deletes them, ignoring unknown ids', async function () {
        const s1 = session('s1');
        const s2 = session('s2', { userId: 'bob', signedAt: at(3) });
        await store.commit({ sessions: [s1, s2], audit: [] });
        expect(await store.getSession('s1')).to.deep.equal(s1);
        expect(await store.getSession('s2')).to.deep.equal(s2);
        expect(await store.getSession('s3')).to.equal(undefined);

        // seen again, re-authenticated: the record is replaced whole (signedAt not carried over)
        const touched = session('s2', { userId: 'bob', lastSeenAt: at(30), expiresAt: at(30 + 8 * 60), authenticatedAt: at(29) });
        await store.commit({ sessions: [touched], audit: [] });
        expect(await store.getSession('s2')).to.deep.equal(touched);
        expect(await store.getSession('s2')).to.not.have.property('signedAt');

        await store.commit({ deleteSessions: ['s1', 'unknown'], audit: [] });
        expect(await store.getSession('s1')).to.equal(undefined);
        expect(await store.getSession('s2')).to.deep.equal(touched);
        await store.commit({ deleteSessions: [], audit: [] });
        expect(await store.getSession('s2')).to.deep.equal(touched);
        // a deleted id can be used again
        await store.commit({ sessions: [s1], audit: [] });
        expect(await store.getSession('s1')).to.deep.equal(s1);
      });

      it('starts one session and ends another in the same change, with the user and audit events', async function () {
        const old = session('old');
        await store.commit({ users: [user('alice')], sessions: [old], audit: [] });
        const fresh = session('fresh', { createdAt: at(10), lastSeenAt: at(10), authenticatedAt: at(10), expiresAt: at(10 + 8 * 60) });
        const loggedIn = user('alice', { failedLogins: 0, passwordChangedAt: at(9) });
        await store.commit({
          users: [loggedIn],
          sessions: [fresh],
          deleteSessions: ['old'],
          audit: [event('user.login', { target: 'user:alice', instanceId: undefined })],
        });
        expect(await store.getSession('old')).to.equal(undefined);
        expect(await store.getSession('fresh')).to.deep.equal(fresh);
        expect(await store.getUser('alice')).to.deep.equal(loggedIn);
        expect((await store.listAudit({ target: 'user:alice' })).map((e) => e.action)).to.deep.equal(['user.login']);
      });

      it('applies none of the session and token changes when the change is rejected', async function () {
        const keep = session('keep');
        const tok = apiToken('tok1');
        await store.commit({ users: [user('alice'), user('bob')], sessions: [keep], apiTokens: [tok], audit: [event('setup')] });
        const before = await snapshot();

        // stale instance revision
        await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [] });
        const afterInstance = await snapshot();
        await rejection(
          store.commit({
            instance: { record: instance('i1', { revision: 3 }), expectedRevision: 2 },
            sessions: [session('new'), session('keep', { lastSeenAt: at(50) })],
            deleteSessions: ['keep'],
            apiTokens: [apiToken('tok2'), { ...tok, revokedAt: at(50) }],
            audit: [event('x')],
          }),
          RevisionConflict,
        );
        expect(await snapshot()).to.deep.equal(afterInstance);
        expect(await store.getSession('keep')).to.deep.equal(keep);
        expect(await store.getSession('new')).to.equal(undefined);
        expect(await store.getApiToken('tok1')).to.deep.equal(tok);
        expect(await store.getApiToken('tok2')).to.equal(undefined);
        expect(await store.listApiTokens('alice')).to.deep.equal([tok]);

        // an email conflict rejects it the same way
        await rejection(
          store.commit({
            users: [user('bob', { email: 'alice@example.com' })],
            sessions: [session('new')],
            deleteSessions: ['keep'],
            apiTokens: [apiToken('tok2')],
            audit: [],
          }),
          ConflictError,
        );
        expect(await store.getSession('keep')).to.deep.equal(keep);
        expect(await store.getSession('new')).to.equal(undefined);
        expect(await store.listApiTokens('alice')).to.deep.equal([tok]);
        expect(before.users).to.have.length(2);
      });
    });

    describe('API tokens', function () {
      it("upserts tokens by id, reads them back exactly, and lists a user's tokens by createdAt, then id", async function () {
        const k3 = apiToken('k3', { createdAt: at(3) });
        const k1b = apiToken('k1b', { createdAt: at(1) });
        const k1a = apiToken('k1a', { createdAt: at(1), lastUsedAt: at(2) });
        const k0 = apiToken('k0', { createdAt: at(5) });
        const bobs = apiToken('k2', { userId: 'bob', createdAt: at(2) });
        await store.commit({ apiTokens: [k3, k1b], audit: [] });
        await store.commit({ apiTokens: [bobs, k0, k1a], audit: [] });

        expect(await store.getApiToken('k1a')).to.deep.equal(k1a);
        expect(await store.getApiToken('k2')).to.deep.equal(bobs);
        expect(await store.getApiToken('k9')).to.equal(undefined);
        expect(await store.listApiTokens('alice')).to.deep.equal([k1a, k1b, k3, k0]);
        expect(await store.listApiTokens('bob')).to.deep.equal([bobs]);
        expect(await store.listApiTokens('carol')).to.deep.equal([]);
      });

      it('re-upserting a token replaces it (used, revoked) and keeps its place in the list', async function () {
        const k1 = apiToken('k1', { createdAt: at(1) });
        const k2 = apiToken('k2', { createdAt: at(2) });
        await store.commit({ apiTokens: [k1, k2], audit: [] });

        const used = { ...k1, lastUsedAt: at(10) };
        await store.commit({ apiTokens: [used], audit: [] });
        expect(await store.getApiToken('k1')).to.deep.equal(used);
        const revoked = { ...used, revokedAt: at(11) };
        await store.commit({ apiTokens: [revoked], audit: [event('api-token.revoked', { target: 'api-token:k1', instanceId: undefined })] });
        expect(await store.getApiToken('k1')).to.deep.equal(revoked);
        expect(await store.listApiTokens('alice')).to.deep.equal([revoked, k2]);
        expect(await store.listAudit({ target: 'api-token:k1' })).to.have.length(1);
      });
    });

    // ---- outbox ------------------------------------------------------------------------------------

    describe('messages', function () {
      it('upserts messages by id and lists them by status and task, oldest first, with a limit', async function () {
        const m1 = message('m1', { createdAt: at(3) });
        const m2 = message('m2', { createdAt: at(1), taskId: 't2', to: 'bob@example.com', userId: 'bob' });
        const m3 = message('m3', { createdAt: at(2), status: 'held', kind: 'escalation' });
        delete m3.taskId;
        delete m3.instanceId;
        delete m3.userId;
        delete m3.link;
        const m0 = message('m0', { createdAt: at(2), status: 'sent', sentAt: at(2.5), attempts: 1 });
        await store.commit({ messages: [m1, m3], audit: [] });
        await store.commit({ messages: [m2, m0], audit: [] });

        expect(await store.getMessage('m1')).to.deep.equal(m1);
        expect(await store.getMessage('m3')).to.deep.equal(m3);
        expect(await store.getMessage('m9')).to.equal(undefined);
        // ties on createdAt (m0, m3) by id
        expect(await store.listMessages({})).to.deep.equal([m2, m0, m3, m1]);
        expect(ids(await store.listMessages({ status: 'queued' }))).to.deep.equal(['m2', 'm1']);
        expect(await store.listMessages({ status: 'held' })).to.deep.equal([m3]);
        expect(await store.listMessages({ status: 'failed' })).to.deep.equal([]);
        expect(ids(await store.listMessages({ taskId: 't1' }))).to.deep.equal(['m0', 'm1']);
        expect(ids(await store.listMessages({ taskId: 't2' }))).to.deep.equal(['m2']);
        expect(await store.listMessages({ taskId: 't9' })).to.deep.equal([]);
        expect(ids(await store.listMessages({ status: 'queued', taskId: 't1' }))).to.deep.equal(['m1']);
        expect(ids(await store.listMessages({ limit: 2 }))).to.deep.equal(['m2', 'm0']);
        expect(ids(await store.listMessages({ status: 'queued', limit: 1 }))).to.deep.equal(['m2']);
        expect(await store.listMessages({ limit: 0 })).to.deep.equal([]);

        // status changes: the filters follow, the order stays
        const sent = { ...m1, status: 'sent' as const, attempts: 1, sentAt: at(4) };
        const failed = { ...m2, status: 'failed' as const, attempts: 1, lastError: '421 try again later' };
        await store.commit({ messages: [sent, failed], audit: [] });
        expect(await store.getMessage('m1')).to.deep.equal(sent);
        expect(await store.getMessage('m2')).to.deep.equal(failed);
        expect(await store.listMessages({})).to.deep.equal([failed, m0, m3, sent]);
        expect(await store.listMessages({ status: 'queued' })).to.deep.equal([]);
        expect(await store.listMessages({ status: 'sent' })).to.deep.equal([m0, sent]);
        expect(await store.listMessages({ status: 'failed', taskId: 't2' })).to.deep.equal([failed]);
        const retried = { ...failed, status: 'queued' as const };
        await store.commit({ messages: [retried], audit: [] });
        expect(await store.listMessages({ status: 'queued' })).to.deep.equal([retried]);
        expect(await store.listMessages({ status: 'failed' })).to.deep.equal([]);
      });
    });

    // ---- link tokens -------------------------------------------------------------------------------

    describe('link tokens', function () {
      it("upserts tokens by id and lists a task's tokens oldest first", async function () {
        const k3 = token('k3', { createdAt: at(2) });
        const k1 = token('k1', { createdAt: at(1), userId: 'bob' });
        const k2 = token('k2', { createdAt: at(2) });
        const k4 = token('k4', { taskId: 't2' });
        await store.commit({ linkTokens: [k3, k4], audit: [] });
        await store.commit({ linkTokens: [k2, k1], audit: [] });

        expect(await store.getLinkToken('k1')).to.deep.equal(k1);
        expect(await store.getLinkToken('k4')).to.deep.equal(k4);
        expect(await store.getLinkToken('k9')).to.equal(undefined);
        expect(await store.listLinkTokens('t1')).to.deep.equal([k1, k2, k3]);
        expect(await store.listLinkTokens('t2')).to.deep.equal([k4]);
        expect(await store.listLinkTokens('t9')).to.deep.equal([]);

        const used = { ...k2, usedAt: at(5) };
        await store.commit({ linkTokens: [used], audit: [] });
        expect(await store.getLinkToken('k2')).to.deep.equal(used);
        expect(await store.listLinkTokens('t1')).to.deep.equal([k1, used, k3]);
      });

      it('revokeLinkTokens revokes the still-valid tokens of that task only, leaving used and revoked ones alone', async function () {
        const valid1 = token('k-valid1', { createdAt: at(1) });
        const valid2 = token('k-valid2', { createdAt: at(2), userId: 'bob' });
        const used = token('k-used', { createdAt: at(3), usedAt: at(4) });
        const revoked = token('k-revoked', { createdAt: at(4), revokedAt: at(5), revokedReason: 'reassigned' });
        const other = token('k-other', { taskId: 't2', createdAt: at(1) });
        await store.commit({ linkTokens: [valid1, valid2, used, revoked, other], audit: [] });

        await store.commit({
          revokeLinkTokens: [
            { taskId: 't1', reason: 'task completed', at: at(10) },
            { taskId: 't9', reason: 'no such task', at: at(10) },
          ],
          audit: [],
        });
        const revokedNow = (t: LinkTokenRecord) => ({ ...t, revokedAt: at(10), revokedReason: 'task completed' });
        expect(await store.listLinkTokens('t1')).to.deep.equal([revokedNow(valid1), revokedNow(valid2), used, revoked]);
        expect(await store.getLinkToken('k-used')).to.deep.equal(used);
        expect(await store.getLinkToken('k-revoked')).to.deep.equal(revoked);
        expect(await store.listLinkTokens('t2')).to.deep.equal([other]);
        expect(await store.listLinkTokens('t9')).to.deep.equal([]);

        // a second revocation finds nothing left to revoke: the first reason and time stay
        await store.commit({ revokeLinkTokens: [{ taskId: 't1', reason: 'cancelled', at: at(20) }], audit: [] });
        expect(await store.listLinkTokens('t1')).to.deep.equal([revokedNow(valid1), revokedNow(valid2), used, revoked]);
      });

      it('tokens issued in the same change as a revocation of their task stay valid', async function () {
        const old = token('k-old', { createdAt: at(1), userId: 'alice' });
        await store.commit({ linkTokens: [old], audit: [] });
        // a reassignment: the old assignee's links are revoked, the new assignee's are issued
        const fresh = token('k-new', { createdAt: at(5), userId: 'bob' });
        await store.commit({ revokeLinkTokens: [{ taskId: 't1', reason: 'reassigned', at: at(5) }], linkTokens: [fresh], audit: [] });
        expect(await store.listLinkTokens('t1')).to.deep.equal([{ ...old, revokedAt: at(5), revokedReason: 'reassigned' }, fresh]);
      });

      it("lists a person's still-valid tokens of every task, oldest first: what deactivation revokes", async function () {
        const first = token('k-p1', { createdAt: at(1), userId: 'dora' });
        const second = token('k-p2', { taskId: 't2', createdAt: at(2), userId: 'dora' });
        const used = token('k-p3', { createdAt: at(3), userId: 'dora', usedAt: at(4) });
        const revoked = token('k-p4', { taskId: 't3', createdAt: at(4), userId: 'dora', revokedAt: at(5), revokedReason: 'reassigned' });
        const others = token('k-p5', { createdAt: at(1), userId: 'bob' });
        await store.commit({ linkTokens: [second, used, revoked, others, first], audit: [] });
        expect(await store.listOpenLinkTokensOfUser('dora')).to.deep.equal([first, second]);
        expect(await store.listOpenLinkTokensOfUser('nobody')).to.deep.equal([]);
      });
    });

    // ---- schedules ---------------------------------------------------------------------------------

    describe('schedules', function () {
      it('inserts schedules, reads them back exactly and lists them by id', async function () {
        const s2 = schedule('s2');
        const s1 = schedule('s1', { processKey: 'audit', cron: '0 0 1 * *', timezone: 'UTC', variables: {}, source: 'config' });
        const s3 = schedule('s3', { enabled: false });
        await store.commit({ schedules: [{ record: s2, expectedRevision: null }], audit: [] });
        await store.commit({ schedules: [{ record: s3, expectedRevision: null }, { record: s1, expectedRevision: null }], audit: [] });
        expect(await store.getSchedule('s1')).to.deep.equal(s1);
        expect(await store.getSchedule('s2')).to.deep.equal(s2);
        expect(await store.getSchedule('s9')).to.equal(undefined);
        expect(await store.listSchedules()).to.deep.equal([s1, s2, s3]);
      });

      it('updates a schedule by compare-and-swap; a stale or missing revision is a RevisionConflict and applies nothing', async function () {
        await store.commit({ schedules: [{ record: schedule('s1'), expectedRevision: null }, { record: schedule('s2'), expectedRevision: null }], audit: [] });
        const r2 = schedule('s1', { revision: 2, cron: '30 7 * * 1-5', enabled: false, variables: { site: 'Plant 3' } });
        await store.commit({ schedules: [{ record: r2, expectedRevision: 1 }], audit: [event('schedule.updated', { target: 'schedule:s1' })] });
        expect(await store.getSchedule('s1')).to.deep.equal(r2);
        const before = await snapshot();

        // the valid update of s2 comes first in the change; the stale one of s1 must undo it
        await rejection(
          store.commit({
            users: [user('alice')],
            messages: [message('m1')],
            linkTokens: [token('k1')],
            schedules: [
              { record: schedule('s2', { revision: 2, cron: '* * * * *' }), expectedRevision: 1 },
              { record: schedule('s3'), expectedRevision: null },
              { record: schedule('s1', { revision: 2, cron: '0 0 * * *' }), expectedRevision: 1 },
            ],
            deleteSchedules: ['s2'],
            audit: [event('schedule.updated', { target: 'schedule:s1' })],
          }),
          RevisionConflict,
        );
        expect(await snapshot()).to.deep.equal(before);
        expect(await store.getSchedule('s2')).to.deep.equal(schedule('s2'));
        expect(await store.getSchedule('s3')).to.equal(undefined);
        expect(await store.listLinkTokens('t1')).to.deep.equal([]);

        // an expected revision ahead of the stored one is as stale; a schedule that does not exist is not created
        await rejection(store.commit({ schedules: [{ record: schedule('s1', { revision: 6 }), expectedRevision: 5 }], audit: [] }), RevisionConflict);
        await rejection(store.commit({ schedules: [{ record: schedule('s9', { revision: 2 }), expectedRevision: 1 }], audit: [] }), RevisionConflict);
        expect(await store.getSchedule('s9')).to.equal(undefined);
        expect(await snapshot()).to.deep.equal(before);

        const r3 = { ...r2, revision: 3, enabled: true };
        await store.commit({ schedules: [{ record: r3, expectedRevision: 2 }], audit: [] });
        expect(await store.listSchedules()).to.deep.equal([r3, schedule('s2')]);
      });

      it('rejects inserting a schedule id that exists with ConflictError (not RevisionConflict) and applies nothing', async function () {
        const s1 = schedule('s1');
        await store.commit({ schedules: [{ record: s1, expectedRevision: null }], audit: [] });
        const before = await snapshot();
        const error = await rejection(
          store.commit({
            instance: { record: instance('i1'), expectedRevision: null },
            users: [user('alice')],
            schedules: [
              { record: schedule('s2'), expectedRevision: null },
              { record: schedule('s1', { cron: '0 0 * * *', source: 'config', createdBy: 'config' }), expectedRevision: null },
            ],
            audit: [event('schedule.created', { target: 'schedule:s1' })],
          }),
          ConflictError,
        );
        expect(error).to.not.be.instanceOf(RevisionConflict);
        expect(await store.getSchedule('s1')).to.deep.equal(s1);
        expect(await store.getSchedule('s2')).to.equal(undefined);
        expect(await snapshot()).to.deep.equal(before);
      });

      it('deletes schedules by id, ignoring unknown ids; a deleted id can be created again', async function () {
        await store.commit({ schedules: ['s1', 's2', 's3'].map((id) => ({ record: schedule(id), expectedRevision: null })), audit: [] });
        await store.commit({ deleteSchedules: ['s1', 's3', 'unknown'], audit: [] });
        expect(await store.getSchedule('s1')).to.equal(undefined);
        expect(await store.listSchedules()).to.deep.equal([schedule('s2')]);
        await store.commit({ deleteSchedules: [], audit: [] });
        expect(await store.listSchedules()).to.deep.equal([schedule('s2')]);

        const recreated = schedule('s1', { cron: '0 12 * * *' });
        await store.commit({ schedules: [{ record: recreated, expectedRevision: null }], audit: [] });
        expect(await store.listSchedules()).to.deep.equal([recreated, schedule('s2')]);
        // a compare-and-swap on a deleted schedule is a conflict
        await store.commit({ deleteSchedules: ['s2'], audit: [] });
        await rejection(store.commit({ schedules: [{ record: schedule('s2', { revision: 2 }), expectedRevision: 1 }], audit: [] }), RevisionConflict);
        expect(await store.listSchedules()).to.deep.equal([recreated]);
      });
    });

    // ---- incidents ---------------------------------------------------------------------------------

    describe('incidents', function () {
      it('upserts incidents by id and lists them by status and instance, oldest first', async function () {
        const x1 = incident('x1', { createdAt: at(3) });
        const x0 = incident('x0', { createdAt: at(4), instanceId: 'i2' });
        const x2 = incident('x2', { createdAt: at(1), instanceId: 'i2', action: { type: 'timer', jobId: 'j1', executionId: 'e1' } });
        const x3 = incident('x3', { createdAt: at(2), action: { type: 'start' } });
        delete x3.elementId;
        await store.commit({ incidents: [x1, x2, x3], audit: [] });
        await store.commit({ incidents: [x0], audit: [] });

        expect(await store.getIncident('x1')).to.deep.equal(x1);
        expect(await store.getIncident('x2')).to.deep.equal(x2);
        expect(await store.getIncident('x3')).to.deep.equal(x3);
        expect(await store.getIncident('x4')).to.equal(undefined);
        expect(await store.listIncidents({})).to.deep.equal([x2, x3, x1, x0]);
        expect(ids(await store.listIncidents({ instanceId: 'i1' }))).to.deep.equal(['x3', 'x1']);
        expect(ids(await store.listIncidents({ status: 'resolved' }))).to.deep.equal([]);

        const resolved = { ...x1, status: 'resolved' as const, resolvedAt: at(9), attempts: 2 };
        const retried = { ...x3, message: 'still failing', attempts: 5 };
        await store.commit({ incidents: [resolved, retried], audit: [] });
        expect(await store.getIncident('x1')).to.deep.equal(resolved);
        expect(await store.getIncident('x3')).to.deep.equal(retried);
        // an upsert of an existing id updates it in place, keeping its position
        expect(await store.listIncidents({})).to.deep.equal([x2, retried, resolved, x0]);
        expect(ids(await store.listIncidents({ status: 'open' }))).to.deep.equal(['x2', 'x3', 'x0']);
        expect(ids(await store.listIncidents({ instanceId: 'i2' }))).to.deep.equal(['x2', 'x0']);
        expect(await store.listIncidents({ status: 'resolved' })).to.deep.equal([resolved]);
        expect(ids(await store.listIncidents({ status: 'open', instanceId: 'i1' }))).to.deep.equal(['x3']);
        expect(ids(await store.listIncidents({ status: 'resolved', instanceId: 'i2' }))).to.deep.equal([]);
      });
    });

    // ---- signatures --------------------------------------------------------------------------------

    describe('signatures', function () {
      function signature(id: string, overrides: Partial<SignatureRecord> = {}): SignatureRecord {
        return {
          id,
          taskId: 't1',
          instanceId: 'i1',
          userId: 'alice',
          printedName: 'Alice Example',
          meaning: 'verified',
          signedAt: at(5),
          timeZone: 'UTC',
          recordHash: `${id}-hash`.padEnd(64, '0'),
          method: 'password+userid',
          content: {
            instanceId: 'i1',
            businessKey: 'CAPA-2026-i1',
            definition: { key: 'capa', version: 1 },
            taskId: 't1',
            elementId: 'verify',
            taskName: 'Verify effectiveness',
            data: { effective: 'yes', score: 1.5, none: null, rows: [{ item: 'a', result: 'conforms' }] },
            priorOutput: { triage: { decision: 'investigate' } },
          },
          ...overrides,
        };
      }
      const completing = (t: TaskRecord): NonNullable<ChangeSet['tasks']>[number] => ({
        record: { ...t, status: 'completed', completedAt: at(5), completedBy: 'alice', revision: t.revision + 1 },
        expectedRevision: t.revision,
      });

      it('stores signatures with the completion they sign and lists them by instance and by task, by signedAt, then id', async function () {
        const t1 = task('t1');
        await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, tasks: [{ record: t1, expectedRevision: null }], audit: [] });
        const s2 = signature('s2');
        const s1 = signature('s1', { method: 'password' });
        await store.commit({ tasks: [completing(t1)], signatures: [s2, s1], audit: [event('task.signed', { target: 'task:t1' })] });
        const s3 = signature('s3', { taskId: 't2', signedAt: at(3), meaning: 'approved' });
        const s4 = signature('s4', { taskId: 't9', instanceId: 'i2', signedAt: at(1), meaning: 'authored' });
        await store.commit({ signatures: [s3, s4], audit: [] });

        expect(await store.listSignatures({ instanceId: 'i1' })).to.deep.equal([s3, s1, s2]);
        expect(await store.listSignatures({ taskId: 't1' })).to.deep.equal([s1, s2]);
        expect(await store.listSignatures({ taskId: 't2' })).to.deep.equal([s3]);
        expect(await store.listSignatures({ instanceId: 'i2' })).to.deep.equal([s4]);
        expect(await store.listSignatures({ instanceId: 'i1', taskId: 't1' })).to.deep.equal([s1, s2]);
        expect(await store.listSignatures({ instanceId: 'i1', taskId: 't9' })).to.deep.equal([]);
        expect(await store.listSignatures({ taskId: 'none' })).to.deep.equal([]);
        expect(await store.listSignatures({})).to.deep.equal([s4, s3, s1, s2]);
        expect((await store.getTask('t1'))?.status).to.equal('completed');

        // init again keeps them
        await store.init();
        expect(await store.listSignatures({})).to.deep.equal([s4, s3, s1, s2]);
      });

      it('never replaces a signature: an id that exists fails the whole change with ConflictError', async function () {
        const t1 = task('t1');
        const s1 = signature('s1');
        await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, tasks: [{ record: t1, expectedRevision: null }], signatures: [s1], audit: [event('a')] });
        const before = await snapshot();

        await rejection(
          store.commit({ tasks: [completing(t1)], signatures: [signature('s2'), { ...s1, printedName: 'Mallory', taskId: 't2' }], audit: [event('task.signed')] }),
          ConflictError,
        );
        expect(await snapshot()).to.deep.equal(before);
        expect(await store.listSignatures({})).to.deep.equal([s1]);

        // the same id twice in one change
        await rejection(store.commit({ signatures: [signature('s3'), signature('s3', { taskId: 't2' })], audit: [event('b')] }), ConflictError);
        expect(await store.listSignatures({})).to.deep.equal([s1]);
        expect(await snapshot()).to.deep.equal(before);
      });

      it('a change rejected for another reason stores none of its signatures', async function () {
        const t1 = task('t1');
        await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, tasks: [{ record: t1, expectedRevision: null }], audit: [] });
        const before = await snapshot();
        // the completion lost a race: the task moved on meanwhile
        await rejection(store.commit({ tasks: [{ ...completing(t1), expectedRevision: 7 }], signatures: [signature('s1')], audit: [event('task.signed')] }), RevisionConflict);
        expect(await store.listSignatures({})).to.deep.equal([]);
        expect(await snapshot()).to.deep.equal(before);
        // the id was not taken by the rejected change
        await store.commit({ tasks: [completing(t1)], signatures: [signature('s1')], audit: [] });
        expect(await store.listSignatures({ taskId: 't1' })).to.deep.equal([signature('s1')]);
      });
    });

    // ---- audit -------------------------------------------------------------------------------------

    // ---- dashboard figures -------------------------------------------------------------------------

    describe('dashboard figures', function () {
      const day = (n: number) => at(n * 24 * 60);
      const AT = day(0);
      /** Due bands against these edges: < −30 d, [−30, −7), [−7, 0), [0, +7), ≥ +7 d. */
      const EDGES = [day(-30), day(-7), day(0), day(7)];
      const t = (id: string, o: Partial<TaskRecord>) => task(id, { instanceId: `i-${id}`, businessKey: `BK-${id}`, createdAt: day(-60), ...o });
      const seed = () =>
        store.commit({
          tasks: [
            t('a', { site: 'A', assignee: 'alice', candidateRole: 'qm', dueAt: day(-40), escalationLevel: 2 }),
            t('b', { site: 'A', candidateRole: 'qm', dueAt: day(-3), escalationLevel: 1 }),
            t('c', { site: 'B', definitionKey: 'nc', assignee: 'bob', dueAt: day(3) }),
            t('d', { definitionKey: 'nc', candidateRole: 'staff' }),
            t('e', { site: 'A', assignee: 'alice', candidateRole: 'qm', dueAt: day(-40), createdAt: day(-50) }),
            // completed after AT: still open at AT; completed late (due −10)
            t('f', { site: 'A', assignee: 'alice', candidateRole: 'qm', dueAt: day(-10), status: 'completed', completedAt: day(2), completedBy: 'alice' }),
            // completed on time long ago; cancelled late; created after AT
            t('g', { site: 'B', dueAt: day(-20), status: 'completed', completedAt: day(-25), completedBy: 'bob' }),
            t('h', { site: 'B', dueAt: day(-20), status: 'cancelled', cancelledAt: day(-5) }),
            t('i', { site: 'A', dueAt: day(1), createdAt: day(1) }),
          ].map((record) => ({ record, expectedRevision: null })),
          audit: [],
        });
      /** Sums the groups by one dimension: {value: [noDue, ...bands]}. */
      const groups = async (dimension: TaskDimension, extra: Partial<Parameters<Store['openTaskGroups']>[0]> = {}) => {
        const by = dimension === 'assignee' ? 'assignee' : 'holders';
        const sums: Record<string, number[]> = {};
        for (const g of await store.openTaskGroups({ at: AT, dueEdges: EDGES, by, ...extra })) {
          const key = String(g.values[dimension] ?? null);
          const row = [g.noDue, ...g.bands];
          sums[key] = sums[key] ? sums[key].map((n, i) => n + row[i]) : row;
        }
        return sums;
      };

      it('groups the tasks open at a time by holder (process, site, role, level) or by assignee, counted per due band', async function () {
        await seed();
        // [no due date, < −30, [−30, −7), [−7, 0), [0, 7), ≥ 7]; f is open at AT (completed later), g, h closed, i not yet made
        expect(await groups('assignee')).to.deep.equal({ alice: [0, 2, 1, 0, 0, 0], null: [1, 0, 0, 1, 0, 0], bob: [0, 0, 0, 0, 1, 0] });
        expect(await groups('escalationLevel')).to.deep.equal({ 2: [0, 1, 0, 0, 0, 0], 1: [0, 0, 0, 1, 0, 0], 0: [1, 1, 1, 0, 1, 0] });
        expect(await groups('site')).to.deep.equal({ A: [0, 2, 1, 1, 0, 0], B: [0, 0, 0, 0, 1, 0], null: [1, 0, 0, 0, 0, 0] });
        expect(await groups('definitionKey')).to.deep.equal({ capa: [0, 2, 1, 1, 0, 0], nc: [1, 0, 0, 0, 1, 0] });
        expect(await groups('candidateRole')).to.deep.equal({ qm: [0, 2, 1, 1, 0, 0], null: [0, 0, 0, 0, 1, 0], staff: [1, 0, 0, 0, 0, 0] });
        const holders = await store.openTaskGroups({ at: AT, dueEdges: EDGES, by: 'holders' });
        expect(holders.map((g) => Object.keys(g.values).sort())).to.deep.equal(holders.map(() => ['candidateRole', 'definitionKey', 'escalationLevel', 'site']));
        expect(holders.map((g) => typeof g.values.escalationLevel)).to.deep.equal(holders.map(() => 'number'));
        expect(holders).to.have.length(5);
        // ten days earlier: h (cancelled at −5) was open, b and f not yet overdue
        expect(await groups('site', { at: day(-10), dueEdges: [day(-40), day(-17), day(-10), day(-3)] })).to.deep.equal({ A: [0, 0, 2, 0, 1, 1], B: [0, 0, 1, 0, 0, 1], null: [1, 0, 0, 0, 0, 0] });
      });

      it('scopes the groups by process and by site (with or without site-less records)', async function () {
        await seed();
        const count = async (extra: Partial<Parameters<Store['openTaskGroups']>[0]>) =>
          (await store.openTaskGroups({ at: AT, dueEdges: EDGES, by: 'holders', ...extra })).reduce((n, g) => n + g.noDue + g.bands.reduce((a, b) => a + b, 0), 0);
        expect(await count({})).to.equal(6);
        expect(await count({ processes: ['nc'] })).to.equal(2);
        expect(await count({ sites: { in: ['B'], orNone: false } })).to.equal(1);
        expect(await count({ sites: { in: ['B'], orNone: true } })).to.equal(2);
        expect(await count({ sites: { in: [], orNone: true }, processes: ['capa', 'nc'] })).to.equal(1);
        expect(await count({ by: 'assignee', processes: ['capa'], sites: { in: ['A'], orNone: false } })).to.equal(4);
      });

      it('counts tasks created, completed and overdue per interval, late-closed and cancelled ones included', async function () {
        await seed();
        const edges = [day(-60), day(-30), day(-15), day(-4), day(0)];
        const series = await store.taskSeries({ edges });
        expect(series.created).to.deep.equal([8, 0, 0, 0]);
        expect(series.completed).to.deep.equal([0, 1, 0, 0]);
        // at −30: a, e; at −15: a, e, h (due −20, cancelled −5; g was completed on time); at −4: a, e, f (h was
        // cancelled at −5); at 0: a, b, e, f
        expect(series.overdueAtEnd).to.deep.equal([2, 3, 3, 4]);
        expect(await store.taskSeries({ edges, sites: { in: ['B'], orNone: false } })).to.deep.equal({ created: [3, 0, 0, 0], completed: [0, 1, 0, 0], overdueAtEnd: [0, 1, 0, 0] });
        expect((await store.taskSeries({ edges, processes: ['nc'] })).created).to.deep.equal([2, 0, 0, 0]);
      });

      it('keeps the figures right as tasks change: completed, escalated, cancelled', async function () {
        await seed();
        const b = (await store.getTask('b'))!;
        await store.commit({ tasks: [{ record: { ...b, status: 'completed', completedAt: day(0), completedBy: 'x', revision: 2 }, expectedRevision: 1 }], audit: [] });
        const c = (await store.getTask('c'))!;
        await store.commit({ tasks: [{ record: { ...c, escalationLevel: 3, revision: 2 }, expectedRevision: 1 }], audit: [] });
        const after = await groups('escalationLevel', { at: day(1) });
        expect(after['1']).to.equal(undefined);
        expect(after['3']).to.deep.equal([0, 0, 0, 0, 1, 0]);
        expect((await store.taskSeries({ edges: [day(-1), day(1)] })).completed).to.deep.equal([1]);
        expect((await store.searchTasks({ completedFrom: day(-1), completedBefore: day(1) })).map((x) => x.id)).to.deep.equal(['b']);
      });

      it('finds the tasks behind a figure, oldest due first', async function () {
        await seed();
        const ids$ = async (q: Parameters<Store['searchTasks']>[0]) => (await store.searchTasks(q)).map((x) => x.id);
        expect(await ids$({ openAt: AT })).to.deep.equal(['a', 'e', 'f', 'b', 'c', 'd']);
        expect(await ids$({ openAt: AT, dueBefore: AT })).to.deep.equal(['a', 'e', 'f', 'b']);
        expect(await ids$({ overdueAt: day(-15) })).to.deep.equal(['a', 'e', 'h']);
        expect(await ids$({ openAt: AT, dueFrom: day(0), dueBefore: day(7) })).to.deep.equal(['c']);
        expect(await ids$({ openAt: AT, assignee: null })).to.deep.equal(['b', 'd']);
        expect(await ids$({ openAt: AT, candidateRole: null })).to.deep.equal(['c']);
        expect(await ids$({ openAt: AT, escalationLevel: 0 })).to.deep.equal(['e', 'f', 'c', 'd']);
        expect(await ids$({ openAt: AT, minEscalationLevel: 1 })).to.deep.equal(['a', 'b']);
        expect(await ids$({ createdFrom: day(0), createdBefore: day(2) })).to.deep.equal(['i']);
        expect(await ids$({ openAt: AT, sites: { in: ['A'], orNone: false }, processes: ['capa'], limit: 2 })).to.deep.equal(['a', 'e']);
      });

      it('lists closed records with their late tasks, audit findings and gap reports', async function () {
        const inst = (id: string, o: Partial<InstanceRecord>) => instance(id, { businessKey: `BK-${id}`, engineState: null, ...o });
        await store.commit({
          linkedInstances: [
            inst('k1', { site: 'A', status: 'completed', startedAt: day(-50), endedAt: day(-10) }),
            inst('k2', { site: 'B', status: 'completed', startedAt: day(-40), endedAt: day(-20) }),
            inst('k3', { site: 'A', status: 'cancelled', startedAt: day(-40), endedAt: day(-5) }),
            inst('k4', { key: 'other', status: 'completed', startedAt: day(-40), endedAt: day(-5) }),
            inst('a1', { key: 'internal-audit', site: 'A', startedAt: day(-30), output: { findings: { findings: [{ n: 1, clause: '8.4', number: '8.4', title: 'Suppliers', grade: 'major', statement: 's1' }, { n: 2, clause: '7.2', number: '7.2', title: 'Competence', grade: 'ofi', statement: 's2' }] } } }),
            inst('a2', { key: 'internal-audit', site: 'B', startedAt: day(-20), output: { findings: { findings: [{ n: 1, clause: '8.4', number: '8.4', title: 'Suppliers', grade: 'major', statement: 's3' }] } } }),
            inst('a3', { key: 'internal-audit', status: 'cancelled', startedAt: day(-20), output: { findings: { findings: [{ n: 1, clause: '8.4', grade: 'major' }] } } }),
            inst('g1', { key: 'gap-analysis', site: 'A', startedAt: day(-90), output: { signOff: {}, gapReport: { coverage: [{ standard: '9001', applicable: 10, assessed: 9, conforms: 7, partial: 1, gap: 1, na: 0, conformityPct: 75 }] } } }),
            inst('g2', { key: 'gap-analysis', startedAt: day(-9), output: { gapReport: {} } }),
          ],
          tasks: [
            { record: t('k1-late', { instanceId: 'k1', dueAt: day(-30), status: 'completed', completedAt: day(-12), completedBy: 'x' }), expectedRevision: null },
            { record: t('k1-ok', { instanceId: 'k1', dueAt: day(-30), status: 'completed', completedAt: day(-31), completedBy: 'x' }), expectedRevision: null },
            { record: t('k2-cancelled-late', { instanceId: 'k2', dueAt: day(-30), status: 'cancelled', cancelledAt: day(-21) }), expectedRevision: null },
          ],
          audit: [],
        });
        const closed = await store.closedInstances({ key: 'capa', endedFrom: day(-60), endedBefore: day(0) });
        expect(closed).to.deep.equal([
          { id: 'k2', businessKey: 'BK-k2', site: 'B', startedAt: day(-40), endedAt: day(-20), lateTasks: 0 },
          { id: 'k1', businessKey: 'BK-k1', site: 'A', startedAt: day(-50), endedAt: day(-10), lateTasks: 1 },
        ]);
        expect((await store.closedInstances({ key: 'capa', endedFrom: day(-15), endedBefore: day(0), sites: { in: ['B'], orNone: true } })).map((c) => c.id)).to.deep.equal([]);
        const query = { key: 'internal-audit', startedFrom: day(-60), startedBefore: day(0) };
        expect(await store.countFindings(query)).to.deep.equal([
          { clause: '7.2', number: '7.2', title: 'Competence', grade: 'ofi', count: 1 },
          { clause: '8.4', number: '8.4', title: 'Suppliers', grade: 'major', count: 2 },
        ]);
        expect(await store.countFindings({ ...query, sites: { in: ['B'], orNone: false } })).to.deep.equal([{ clause: '8.4', number: '8.4', title: 'Suppliers', grade: 'major', count: 1 }]);
        const rows = await store.listFindings({ ...query, clause: '8.4', grade: 'major' });
        expect(rows.map((r) => [r.instanceId, r.businessKey, r.site, r.n, r.statement])).to.deep.equal([
          ['a1', 'BK-a1', 'A', 1, 's1'],
          ['a2', 'BK-a2', 'B', 1, 's3'],
        ]);
        expect(await store.listFindings({ ...query, limit: 1 })).to.have.length(1);
        expect(await store.gapReports({ key: 'gap-analysis', startedBefore: day(0) })).to.deep.equal([
          { instanceId: 'g1', businessKey: 'BK-g1', site: 'A', startedAt: day(-90), status: 'running', signedOff: true, coverage: [{ standard: '9001', applicable: 10, assessed: 9, conforms: 7, partial: 1, gap: 1, na: 0 }] },
        ]);
        expect(await store.gapReports({ key: 'gap-analysis', startedBefore: day(-100) })).to.deep.equal([]);
      });

      it('keeps KPIs with compare-and-swap and one value per period', async function () {
        const kpi = { id: 'capa-on-time', system: 'quality' as const, name: 'CAPA on time', unit: '%', target: 80, direction: 'up' as const, owner: 'qm', source: 'manual' as const, createdAt: at(0), createdBy: 'qm', updatedAt: at(0), revision: 1 };
        await store.commit({ kpis: [{ record: kpi, expectedRevision: null }], audit: [] });
        await rejection(store.commit({ kpis: [{ record: kpi, expectedRevision: null }], audit: [] }), ConflictError);
        await store.commit({ kpis: [{ record: { ...kpi, target: 90, revision: 2 }, expectedRevision: 1 }], audit: [] });
        await rejection(store.commit({ kpis: [{ record: { ...kpi, target: 70, revision: 2 }, expectedRevision: 1 }], audit: [] }), RevisionConflict);
        const safety = { ...kpi, id: 'ltis', system: 'safety' as const, site: 'A' };
        await store.commit({ kpis: [{ record: safety, expectedRevision: null }], audit: [] });
        expect(await store.getKpi('capa-on-time')).to.deep.equal({ ...kpi, target: 90, revision: 2 });
        expect((await store.listKpis()).map((k) => k.id)).to.deep.equal(['capa-on-time', 'ltis']);
        const value = (period: string, v: number) => ({ id: `ltis@${period}`, kpiId: 'ltis', period, value: v, enteredBy: 'qm', enteredAt: at(1) });
        await store.commit({ kpiValues: [value('2026-10', 2), value('2026-09', 1), { ...value('2026-Q3', 3), kpiId: 'ltis' }], audit: [] });
        await store.commit({ kpiValues: [{ ...value('2026-10', 0), note: 'reclassified' }], audit: [] });
        expect((await store.listKpiValues(['ltis'])).map((v) => [v.period, v.value, v.note])).to.deep.equal([
          ['2026-09', 1, undefined],
          ['2026-10', 0, 'reclassified'],
          ['2026-Q3', 3, undefined],
        ]);
        expect(await store.listKpiValues(['capa-on-time'])).to.deep.equal([]);
      });

      it('ensures a job without touching one that exists (scheduled, running or done)', async function () {
        await store.commit({ ensureJobs: [job('digest-w1', { kind: 'digest', runAt: at(10), payload: { week: 'w1' } })], audit: [] });
        expect((await store.getJob('digest-w1'))?.status).to.equal('scheduled');
        const [claimed] = await store.claimDueJobs(at(10), 'w', at(20), 10);
        expect(claimed.id).to.equal('digest-w1');
        await store.commit({ finishJob: { id: 'digest-w1', lockedBy: 'w' }, audit: [] });
        await store.commit({ ensureJobs: [job('digest-w1', { kind: 'digest', runAt: at(30), payload: { week: 'w1' } })], audit: [] });
        const kept = await store.getJob('digest-w1');
        expect(kept).to.include({ status: 'done', runAt: at(10) });
        expect(await store.claimDueJobs(at(40), 'w2', at(50), 10)).to.deep.equal([]);
      });
    });

    // ---- audit ------------------------------------------------------------------------------------------

    describe('audit', function () {
      it('appends events in order with seq 1..n, chained from the genesis hash', async function () {
        const inputs = [
          event('instance.started', { new: { key: 'capa', variables: { severity: 'major' } } }),
          event('task.created', { target: 'task:t1', at: at(1), actor: 'system' }),
          event('task.completed', { target: 'task:t1', at: at(2), old: { status: 'open' }, new: { status: 'completed', data: { n: 1.5, ok: false, none: null } }, reason: 'done' }),
          { at: at(3), actor: 'admin', action: 'definition.deployed', target: 'definition:capa@1' },
        ];
        await store.commit({ audit: inputs });
        const events = await store.listAudit({});
        expect(events).to.deep.equal(sealed(inputs));
        expect(events.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4]);
        expect(events[0].prevHash).to.equal(GENESIS_HASH);
        for (let n = 1; n < events.length; n += 1) expect(events[n].prevHash).to.equal(events[n - 1].hash);
        expect(verifyAuditChain(events)).to.deep.equal({ ok: true, checked: 4 });
        expect(events[3]).to.not.have.property('instanceId');
      });

      it('chains events of sequential commits continuously', async function () {
        const first = [event('instance.started'), event('task.created', { target: 'task:t1' })];
        const second = [event('task.completed', { target: 'task:t1', at: at(5) })];
        const third = [event('instance.completed', { at: at(6) }), event('instance.archived', { at: at(7) })];
        await store.commit({ audit: first });
        await store.commit({ audit: [] });
        await store.commit({ audit: second });
        await store.commit({ scheduleJobs: [job('j1')], audit: [] });
        await store.commit({ audit: third });
        const events = await store.listAudit({});
        expect(events).to.deep.equal(sealed([...first, ...second, ...third]));
        expect(verifyAuditChain(events)).to.deep.equal({ ok: true, checked: 5 });
      });

      it('a rejected commit leaves no gap: the next commit continues the chain', async function () {
        await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, audit: [event('a')] });
        await rejection(store.commit({ instance: { record: instance('i1', { revision: 9 }), expectedRevision: 5 }, audit: [event('b'), event('c')] }), RevisionConflict);
        await rejection(store.commit({ instance: { record: instance('i2', { businessKey: instance('i1').businessKey }), expectedRevision: null }, audit: [event('d')] }), ConflictError);
        await store.commit({ audit: [event('e')] });
        const events = await store.listAudit({});
        expect(events).to.deep.equal(sealed([event('a'), event('e')]));
        expect(verifyAuditChain(events).ok).to.equal(true);
      });

      it('filters by target, instance and afterSeq, with a limit, in seq order', async function () {
        await store.commit({
          audit: [
            event('instance.started', { target: 'instance:i1', instanceId: 'i1' }), // 1
            event('task.created', { target: 'task:t1', instanceId: 'i1' }), // 2
            event('instance.started', { target: 'instance:i2', instanceId: 'i2' }), // 3
            { at: at(0), actor: 'admin', action: 'definition.deployed', target: 'definition:capa@2' }, // 4
          ],
        });
        await store.commit({
          audit: [
            event('task.completed', { target: 'task:t1', instanceId: 'i1' }), // 5
            event('task.created', { target: 'task:t2', instanceId: 'i2' }), // 6
            event('instance.completed', { target: 'instance:i1', instanceId: 'i1' }), // 7
          ],
        });
        const seqs = (events: AuditEvent[]) => events.map((e) => e.seq);
        const all = await store.listAudit({});
        expect(seqs(all)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
        expect(await store.listAudit({ target: 'task:t1' })).to.deep.equal([all[1], all[4]]);
        expect(seqs(await store.listAudit({ target: 'instance:i1' }))).to.deep.equal([1, 7]);
        expect(seqs(await store.listAudit({ target: 'task:t9' }))).to.deep.equal([]);
        expect(seqs(await store.listAudit({ instanceId: 'i1' }))).to.deep.equal([1, 2, 5, 7]);
        expect(seqs(await store.listAudit({ instanceId: 'i2' }))).to.deep.equal([3, 6]);
        expect(seqs(await store.listAudit({ afterSeq: 4 }))).to.deep.equal([5, 6, 7]);
        expect(seqs(await store.listAudit({ afterSeq: 0 }))).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
        expect(seqs(await store.listAudit({ afterSeq: 7 }))).to.deep.equal([]);
        expect(seqs(await store.listAudit({ limit: 3 }))).to.deep.equal([1, 2, 3]);
        expect(seqs(await store.listAudit({ afterSeq: 2, limit: 2 }))).to.deep.equal([3, 4]);
        expect(seqs(await store.listAudit({ instanceId: 'i1', afterSeq: 2, limit: 1 }))).to.deep.equal([5]);
        expect(seqs(await store.listAudit({ instanceId: 'i1', target: 'task:t1' }))).to.deep.equal([2, 5]);
        expect(seqs(await store.listAudit({ instanceId: 'i2', target: 'task:t1' }))).to.deep.equal([]);
        expect(seqs(await store.listAudit({ limit: Number.MAX_SAFE_INTEGER }))).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
        expect(await store.listAudit({ limit: 0 })).to.deep.equal([]);
      });

      it('concurrent commits produce one valid chain with every commit contiguous and no duplicate seq', async function () {
        const commits: ChangeSet[] = Array.from({ length: 20 }, (_, n) => ({
          instance: { record: instance(`i${n}`, { businessKey: `CAPA-2026-${String(n).padStart(4, '0')}` }), expectedRevision: null },
          tasks: [{ record: task(`t${n}`, { instanceId: `i${n}` }), expectedRevision: null }],
          audit: [
            event('instance.started', { target: `instance:i${n}`, instanceId: `i${n}`, reason: `commit ${n}` }),
            event('task.created', { target: `task:t${n}`, instanceId: `i${n}`, reason: `commit ${n}` }),
            event('timer.scheduled', { target: `instance:i${n}`, instanceId: `i${n}`, reason: `commit ${n}` }),
          ],
        }));
        await Promise.all(commits.map((c) => store.commit(c)));

        const events = await store.listAudit({ limit: 10_000 });
        expect(events).to.have.length(60);
        expect(events.map((e) => e.seq)).to.deep.equal(Array.from({ length: 60 }, (_, n) => n + 1));
        expect(verifyAuditChain(events)).to.deep.equal({ ok: true, checked: 60 });
        // each commit's events are adjacent and in the order given
        const seen = new Set<string>();
        for (let n = 0; n < 60; n += 3) {
          const reason = events[n].reason;
          expect(events.slice(n, n + 3).map((e) => [e.action, e.reason])).to.deep.equal([
            ['instance.started', reason],
            ['task.created', reason],
            ['timer.scheduled', reason],
          ]);
          seen.add(String(reason));
        }
        expect(seen.size).to.equal(20);
        expect(await store.listInstances({ limit: 100 })).to.have.length(20);
        expect(await store.listTasks({ limit: 100 })).to.have.length(20);
      });
    });

    // ---- change control --------------------------------------------------------------------------------

    describe('change control', function () {
      it('getEffectiveDefinition: the highest version in effect at a time (effectiveAt, else deployedAt)', async function () {
        await store.commit({ definition: definition('capa', 1), audit: [] });
        await store.commit({ definition: definition('capa', 2, { effectiveAt: at(100) }), audit: [] });
        await store.commit({ definition: definition('capa', 3, { effectiveAt: at(200) }), audit: [] });
        await store.commit({ definition: definition('nc', 1, { effectiveAt: at(50) }), audit: [] });
        expect(await store.getEffectiveDefinition('capa', at(0))).to.equal(undefined);
        expect((await store.getEffectiveDefinition('capa', at(1)))?.version).to.equal(1);
        expect((await store.getEffectiveDefinition('capa', at(99)))?.version).to.equal(1);
        expect((await store.getEffectiveDefinition('capa', at(100)))?.version).to.equal(2);
        expect(await store.getEffectiveDefinition('capa', at(150))).to.deep.equal(definition('capa', 2, { effectiveAt: at(100) }));
        expect((await store.getEffectiveDefinition('capa', at(250)))?.version).to.equal(3);
        expect((await store.getEffectiveDefinition('nc', at(49)))).to.equal(undefined);
        expect((await store.getEffectiveDefinition('nc', at(50)))?.key).to.equal('nc');
        expect(await store.getEffectiveDefinition('unknown', at(1000))).to.equal(undefined);
        // the latest version is still the latest, in effect or not
        expect((await store.getDefinition('capa'))?.version).to.equal(3);
      });

      it('keeps a draft whole and updates it by compare-and-swap on its revision', async function () {
        const d = draft('d1', { reason: 'longer due dates', impact: 'none', review: { decision: 'reject', by: 'qm', name: 'Q M', at: at(1), reason: 'no', signatureId: 's1', xmlHash: 'h' } });
        await store.commit({ drafts: [{ record: d, expectedRevision: null }], audit: [] });
        expect(await store.getDraft('d1')).to.deep.equal(d);
        expect(await store.getDraft('nope')).to.equal(undefined);
        const saved = { ...d, xml: '<changed/>', revision: 1, updatedAt: at(2), updatedBy: 'other', editors: ['owner', 'other'] };
        await store.commit({ drafts: [{ record: saved, expectedRevision: 0 }], audit: [event('draft.saved', { target: 'draft:d1', instanceId: undefined })] });
        expect(await store.getDraft('d1')).to.deep.equal(saved);

        const before = await snapshot();
        const stale = { ...d, xml: '<lost/>', revision: 1, updatedAt: at(3) };
        await rejection(store.commit({ drafts: [{ record: stale, expectedRevision: 0 }], audit: [event('draft.saved', { target: 'draft:d1', instanceId: undefined })] }), RevisionConflict);
        expect(await store.getDraft('d1')).to.deep.equal(saved);
        expect(await snapshot()).to.deep.equal(before);
      });

      it('holds at most one open draft per process (draft, in-review, approved, rejected); closed ones do not count', async function () {
        await store.commit({ drafts: [{ record: draft('d1', { status: 'rejected' }), expectedRevision: null }], audit: [] });
        const before = await snapshot();
        const error = await rejection(store.commit({ drafts: [{ record: draft('d2'), expectedRevision: null }], audit: [event('draft.created', { target: 'draft:d2' })] }), ConflictError);
        expect(error.message).to.include('capa');
        expect(await store.getDraft('d2')).to.equal(undefined);
        expect(await snapshot()).to.deep.equal(before);
        for (const status of ['in-review', 'approved'] as const) {
          await store.commit({ drafts: [{ record: draft('d1', { status, revision: status === 'in-review' ? 1 : 2 }), expectedRevision: status === 'in-review' ? 0 : 1 }], audit: [] });
          await rejection(store.commit({ drafts: [{ record: draft('d2'), expectedRevision: null }], audit: [] }), ConflictError);
        }
        // another process may have its own open draft
        await store.commit({ drafts: [{ record: draft('n1', { key: 'nc' }), expectedRevision: null }], audit: [] });
        // once published, a new draft of the process may start; closed drafts pile up freely
        await store.commit({ drafts: [{ record: draft('d1', { status: 'published', revision: 3, updatedAt: at(5) }), expectedRevision: 2 }], audit: [] });
        await store.commit({ drafts: [{ record: draft('d2', { updatedAt: at(6) }), expectedRevision: null }], audit: [] });
        await store.commit({ drafts: [{ record: draft('d2', { status: 'withdrawn', revision: 1, updatedAt: at(7) }), expectedRevision: 0 }], audit: [] });
        await store.commit({ drafts: [{ record: draft('d3', { updatedAt: at(8) }), expectedRevision: null }], audit: [] });
        // reopening a closed draft while another is open is refused too
        await rejection(store.commit({ drafts: [{ record: draft('d2', { status: 'draft', revision: 2, updatedAt: at(9) }), expectedRevision: 1 }], audit: [] }), ConflictError);
        expect((await store.getDraft('d2'))?.status).to.equal('withdrawn');

        expect(ids(await store.listDrafts({}))).to.deep.equal(['d3', 'd2', 'd1', 'n1']);
        expect(ids(await store.listDrafts({ key: 'capa' }))).to.deep.equal(['d3', 'd2', 'd1']);
        expect(ids(await store.listDrafts({ key: 'capa', status: ['draft', 'in-review', 'approved', 'rejected'] }))).to.deep.equal(['d3']);
        expect(ids(await store.listDrafts({ status: ['draft'] }))).to.deep.equal(['d3', 'n1']);
        expect(ids(await store.listDrafts({ status: ['published', 'withdrawn'] }))).to.deep.equal(['d2', 'd1']);
        expect(ids(await store.listDrafts({ limit: 1 }))).to.deep.equal(['d3']);
        expect(await store.listDrafts({ key: 'unknown' })).to.deep.equal([]);
      });

      it('a publication (new version, draft closed, training instances) lands in one commit or not at all', async function () {
        await store.commit({ definition: definition('capa', 1), audit: [] });
        await store.commit({ drafts: [{ record: draft('d1', { status: 'approved', revision: 4 }), expectedRevision: null }], audit: [] });
        const before = await snapshot();
        // the version number was taken meanwhile: nothing of the publication is kept
        await rejection(
          store.commit({
            definition: definition('capa', 1, { via: 'change-control' }),
            drafts: [{ record: draft('d1', { status: 'published', revision: 5, publishedVersion: 1 }), expectedRevision: 4 }],
            linkedInstances: [instance('t1', { key: 'training-acknowledgement' })],
            audit: [event('definition.published', { target: 'definition:capa@1' })],
          }),
          RevisionConflict,
        );
        expect(await snapshot()).to.deep.equal(before);
        expect((await store.getDraft('d1'))?.status).to.equal('approved');
        const published = definition('capa', 2, { via: 'change-control', draftId: 'd1', effectiveAt: at(60), change: { reason: 'r', impact: 'i', author: 'owner' }, approvals: [{ signatureId: 's1', signer: 'qm', name: 'Q M', meaning: 'approved', signedAt: at(1), reason: 'ok' }] });
        await store.commit({
          definition: published,
          drafts: [{ record: draft('d1', { status: 'published', revision: 5, publishedVersion: 2 }), expectedRevision: 4 }],
          linkedInstances: [instance('t1', { key: 'training-acknowledgement' })],
          audit: [event('definition.published', { target: 'definition:capa@2' })],
        });
        expect(await store.getDefinition('capa', 2)).to.deep.equal(published);
        expect((await store.getDraft('d1'))?.status).to.equal('published');
        expect(ids(await store.listInstances({ key: 'training-acknowledgement' }))).to.deep.equal(['t1']);
      });

      it('countInstancesByVersion: instances of a process by version and status', async function () {
        const runs: [string, string, number, InstanceRecord['status']][] = [
          ['a', 'capa', 1, 'running'],
          ['b', 'capa', 1, 'running'],
          ['c', 'capa', 1, 'completed'],
          ['d', 'capa', 2, 'running'],
          ['e', 'capa', 2, 'cancelled'],
          ['f', 'capa', 3, 'incident'],
          ['g', 'nc', 1, 'running'],
        ];
        for (const [id, key, version, status] of runs) {
          await store.commit({ instance: { record: instance(id, { key, version, status, businessKey: `${key}-${id}` }), expectedRevision: null }, audit: [] });
        }
        // a status change is counted where the instance is now
        const b = (await store.getInstance('b'))!;
        await store.commit({ instance: { record: { ...b, status: 'completed', revision: b.revision + 1 }, expectedRevision: b.revision }, audit: [] });
        expect(await store.countInstancesByVersion('capa')).to.deep.equal([
          { version: 1, status: 'completed', count: 2 },
          { version: 1, status: 'running', count: 1 },
          { version: 2, status: 'cancelled', count: 1 },
          { version: 2, status: 'running', count: 1 },
          { version: 3, status: 'incident', count: 1 },
        ]);
        expect(await store.countInstancesByVersion('nc')).to.deep.equal([{ version: 1, status: 'running', count: 1 }]);
        expect(await store.countInstancesByVersion('unknown')).to.deep.equal([]);
      });
    });

    // ---- webhooks ----------------------------------------------------------------------------------

    describe('webhook subscriptions and deliveries', function () {
      const subscription = (id: string, overrides: Partial<WebhookSubscriptionRecord> = {}): WebhookSubscriptionRecord => ({
        id,
        url: `https://erp.example.com/hooks/${id}`,
        events: ['task.completed', 'instance.completed'],
        secret: `whsec_${id}`,
        active: true,
        createdAt: at(0),
        createdBy: 'admin',
        revision: 0,
        ...overrides,
      });
      const delivery = (id: string, overrides: Partial<WebhookDeliveryRecord> = {}): WebhookDeliveryRecord => ({
        id,
        subscriptionId: 'w1',
        eventId: `event-${id}`,
        event: 'task.completed',
        target: 'task:t1',
        instanceId: 'i1',
        body: JSON.stringify({ id: `event-${id}`, type: 'task.completed', data: { n: 1.5, none: null } }),
        status: 'pending',
        attempts: 0,
        createdAt: at(0),
        history: [],
        ...overrides,
      });

      it('inserts, lists by id, updates with compare-and-swap and deletes subscriptions', async function () {
        await store.commit({ webhookSubscriptions: [{ record: subscription('w2'), expectedRevision: null }, { record: subscription('w1', { description: 'ERP' }), expectedRevision: null }], audit: [event('webhook.subscription-created')] });
        expect(await store.listWebhookSubscriptions()).to.deep.equal([subscription('w1', { description: 'ERP' }), subscription('w2')]);
        expect(await store.getWebhookSubscription('w9')).to.equal(undefined);
        await rejection(store.commit({ webhookSubscriptions: [{ record: subscription('w1'), expectedRevision: null }], audit: [] }), ConflictError);
        const paused = subscription('w1', { active: false, revision: 1 });
        await store.commit({ webhookSubscriptions: [{ record: paused, expectedRevision: 0 }], audit: [] });
        await rejection(store.commit({ webhookSubscriptions: [{ record: subscription('w1', { revision: 2 }), expectedRevision: 0 }], audit: [event('x')] }), RevisionConflict);
        expect(await store.getWebhookSubscription('w1')).to.deep.equal(paused);
        await store.commit({ deleteWebhookSubscriptions: ['w2'], audit: [] });
        expect(ids(await store.listWebhookSubscriptions())).to.deep.equal(['w1']);
      });

      it('upserts deliveries and lists a subscription\'s newest first, by status, with a limit', async function () {
        await store.commit({
          webhookDeliveries: [delivery('d1'), delivery('d2', { createdAt: at(2) }), delivery('d3', { createdAt: at(1) }), delivery('d4', { subscriptionId: 'w2', createdAt: at(5) })],
          scheduleJobs: [job('d1', { kind: 'webhook' })],
          audit: [],
        });
        expect(ids(await store.listWebhookDeliveries({ subscriptionId: 'w1' }))).to.deep.equal(['d2', 'd3', 'd1']);
        const failed = delivery('d3', { createdAt: at(1), status: 'failed', attempts: 1, responseStatus: 503, lastError: 'HTTP 503', history: [{ at: at(1), statusCode: 503, error: 'HTTP 503', durationMs: 12 }] });
        await store.commit({ webhookDeliveries: [failed], audit: [] });
        expect(await store.getWebhookDelivery('d3')).to.deep.equal(failed);
        expect(await store.listWebhookDeliveries({ subscriptionId: 'w1', status: 'failed' })).to.deep.equal([failed]);
        expect(ids(await store.listWebhookDeliveries({ subscriptionId: 'w1', limit: 1 }))).to.deep.equal(['d2']);
        expect(ids(await store.listWebhookDeliveries({ subscriptionId: 'w2' }))).to.deep.equal(['d4']);
        expect(await store.getWebhookDelivery('d9')).to.equal(undefined);
      });
    });

    // ---- inbound events ----------------------------------------------------------------------------

    describe('inbound events', function () {
      const inbound = (source: string, eventId: string, overrides: Partial<InboundEventRecord> = {}): InboundEventRecord => ({
        id: `${source}:${eventId}`,
        source,
        eventId,
        type: 'nonconformity.raised',
        receivedAt: at(0),
        receivedBy: 'mes',
        dataHash: 'a'.repeat(64),
        instanceId: 'i1',
        businessKey: 'CAPA-2026-i1',
        processKey: 'capa',
        ...overrides,
      });

      it('keeps one record per (source, eventId), found by the pair', async function () {
        const first = inbound('mes-dublin', 'NC-1');
        await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, inboundEvents: [first], audit: [event('inbound.received')] });
        expect(await store.getInboundEvent('mes-dublin', 'NC-1')).to.deep.equal(first);
        expect(await store.getInboundEvent('mes-basel', 'NC-1')).to.equal(undefined);
        // the same event id from another source is another event
        await store.commit({ inboundEvents: [inbound('mes-basel', 'NC-1', { instanceId: 'i2' })], audit: [] });
        expect((await store.getInboundEvent('mes-basel', 'NC-1'))?.instanceId).to.equal('i2');
      });

      it('refuses a repeat with DuplicateEventError and rolls back the whole change (its record, its audit)', async function () {
        await store.commit({ instance: { record: instance('i1'), expectedRevision: null }, inboundEvents: [inbound('mes', 'NC-7')], audit: [event('inbound.received')] });
        const before = await snapshot();
        const error = await rejection(
          store.commit({ instance: { record: instance('i2'), expectedRevision: null }, inboundEvents: [inbound('mes', 'NC-7', { id: 'other-id', instanceId: 'i2' })], audit: [event('inbound.received')] }),
          DuplicateEventError,
        );
        expect(error).to.be.instanceOf(ConflictError);
        expect(error).to.include({ source: 'mes', eventId: 'NC-7' });
        expect(await snapshot()).to.deep.equal(before);
      });

      it('lets one of many concurrent repeats win', async function () {
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, n) =>
            store.commit({ instance: { record: instance(`i${n}`, { businessKey: `CAPA-2026-${n}` }), expectedRevision: null }, inboundEvents: [inbound('mes', 'NC-9', { id: `mes:NC-9:${n}`, instanceId: `i${n}` })], audit: [event('inbound.received')] }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
        expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof DuplicateEventError)).to.equal(true);
        expect(await store.listInstances({})).to.have.length(1);
        expect(await store.listAudit({})).to.have.length(1);
      });
    });

    // ---- backup and restore ------------------------------------------------------------------------

    describe('bulk export and import', function () {
      async function exported(from: Store, collection: BackupCollection, batchSize?: number): Promise<unknown[][]> {
        const batches: unknown[][] = [];
        for await (const batch of from.exportRecords(collection, batchSize)) batches.push(batch);
        return batches;
      }

      it('exports every kind of record as stored and imports it into an empty store unchanged, audit seq and hashes kept', async function () {
        const t1 = task('t1');
        await store.commit({
          definition: definition('capa', 1),
          instance: { record: instance('i1'), expectedRevision: null },
          tasks: [{ record: t1, expectedRevision: null }],
          scheduleJobs: [job('j1', { status: 'scheduled' }), job('j2', { kind: 'email', instanceId: undefined })],
          incidents: [incident('x1')],
          users: [user('alice', { roles: ['qa', 'auditor'], sites: ['A'] }), user('bob')],
          messages: [message('m1')],
          linkTokens: [token('lt1')],
          schedules: [{ record: schedule('s1'), expectedRevision: null }],
          apiTokens: [apiToken('at1')],
          webhookSubscriptions: [{ record: { id: 'w1', url: 'https://erp.example.com/h', events: ['task.completed'], secret: 's', active: true, createdAt: at(0), createdBy: 'admin', revision: 0 }, expectedRevision: null }],
          inboundEvents: [{ id: 'mes:1', source: 'mes', eventId: '1', type: 'nonconformity.raised', receivedAt: at(0), receivedBy: 'mes', dataHash: 'b'.repeat(64), instanceId: 'i1', businessKey: 'CAPA-2026-i1', processKey: 'capa' }],
          audit: [event('instance.started'), event('task.created', { target: 'task:t1' })],
        });
        await store.commit({ tasks: [{ record: { ...t1, status: 'completed', revision: t1.revision + 1 }, expectedRevision: t1.revision }], audit: [event('task.completed', { target: 'task:t1', new: { data: { n: 1.5, none: null } } })] });
        await store.nextSequence('CAPA-2026');
        await store.nextSequence('CAPA-2026');
        const counts = await store.countRecords();
        expect(counts).to.include({ definitions: 1, instances: 1, tasks: 1, jobs: 2, users: 2, audit: 3, sequences: 1, webhook_subscriptions: 1, inbound_events: 1, signatures: 0 });
        expect(Object.keys(counts).sort()).to.deep.equal([...BACKUP_COLLECTIONS].sort());

        const target = await makeStore();
        try {
          await target.init();
          expect(Object.values(await target.countRecords()).every((n) => n === 0)).to.equal(true);
          for (const collection of BACKUP_COLLECTIONS) {
            for (const batch of await exported(store, collection)) await target.importRecords(collection, batch);
          }
          expect(await target.countRecords()).to.deep.equal(counts);
          for (const collection of BACKUP_COLLECTIONS) expect((await exported(target, collection)).flat(), collection).to.deep.equal((await exported(store, collection)).flat());
          expect(await exported(store, 'sequences')).to.deep.equal([[{ name: 'CAPA-2026', value: 2 }]]);
          // the imported records answer queries as committed ones do
          expect(await target.listAudit({})).to.deep.equal(await store.listAudit({}));
          expect(ids(await target.listUsers({ role: 'auditor' }))).to.deep.equal(['alice']);
          expect(await target.getUserByEmail('ALICE@example.com')).to.deep.equal(await store.getUserByEmail('alice@example.com'));
          expect(ids(await target.listJobs({ status: 'scheduled' }))).to.deep.equal(['j1', 'j2']);
          expect((await target.getInboundEvent('mes', '1'))?.instanceId).to.equal('i1');
          // the chain goes on from the imported head, and numbering from the imported counter
          await target.commit({ audit: [event('backup.restored')] });
          const trail = await target.listAudit({});
          expect(trail).to.have.length(4);
          expect(trail[3]).to.deep.equal(sealed([event('backup.restored')], trail[2])[0]);
          expect(verifyAuditChain(trail)).to.deep.equal({ ok: true, checked: 4 });
          expect(await target.nextSequence('CAPA-2026')).to.equal(3);
          // an import over records that exist is refused
          await rejection(target.importRecords('instances', [instance('i1')]), ConflictError);
        } finally {
          if (cleanup) await cleanup(target);
          else await target.close();
        }
      });

      it('exports in batches of at most the batch size, audit events in seq order', async function () {
        await store.commit({ audit: Array.from({ length: 7 }, (_, n) => event(`e${n}`)) });
        const batches = await exported(store, 'audit', 3);
        expect(batches.map((b) => b.length)).to.deep.equal([3, 3, 1]);
        expect(batches.flat().map((e) => (e as AuditEvent).seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
        expect(await exported(store, 'instances')).to.deep.equal([]);
      });
    });
  });
}
