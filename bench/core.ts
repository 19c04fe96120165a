import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import { ProcessEngine } from '../engine/process-engine.js';
import { compileDefinition, engineHooks, type CompiledDefinition } from '../engine/kernel/runtime.js';
import { ServiceRegistry } from '../engine/kernel/services.js';
import { SqliteStore } from '../engine/adapters/sqlite/index.js';
import type { DefinitionRecord } from '../engine/kernel/model.js';
import {
  FIXTURE_FORM,
  FIXTURE_KEY,
  elapsedMs,
  fixtureXml,
  nowNs,
  progress,
  round,
  tempDir,
  type BenchModule,
  type BenchOptions,
  type BenchResult,
} from './common.js';

/**
 * Lifecycle throughput: raw bpmn-engine in memory against imsflow on SQLite, same definition, measured
 * interleaved in one process so both see the same machine state.
 */

const VARIABLES = { title: 'benchmark run', site: 'plant-1' };
const ACTOR = 'bench';

// ---- raw bpmn-engine, with the Engine options imsflow's runStep uses ---------------------------------

/** As runtime.ts: timers are recorded, never put on the wall clock (the fixture arms none). */
function recordingTimers() {
  return {
    register(owner: any) {
      return {
        setTimeout() {
          return { owner };
        },
        clearTimeout() {},
      };
    },
    setTimeout() {
      throw new Error('durable timers only');
    },
    clearTimeout() {},
    executing: [],
  };
}

/** As runtime.ts for user tasks: completed form data goes to output[taskId]. */
const extensions = {
  ims(activity: any) {
    if (activity.type === 'bpmn:UserTask') {
      activity.on('end', (api: any) => {
        const form = api.content?.output?.form;
        if (form && typeof form === 'object') activity.environment.output[activity.id] = structuredClone(form);
      });
    }
    return undefined;
  },
};

function newEngine(compiled: CompiledDefinition, name: string): Engine {
  return new Engine({
    name,
    sourceContext: compiled.sourceContext as any,
    extensions: extensions as any,
    timers: recordingTimers() as any,
    scripts: engineHooks.scripts as any,
    expressions: engineHooks.expressions as any,
    settings: {},
    Logger: engineHooks.Logger as any,
  });
}

function endOf(engine: Engine): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    engine.once('end', () => resolve());
    engine.once('error', (err: unknown) => reject(err));
  });
}

/** Executes until the user task waits; resolves with the execution and the waiting task's api. */
async function executeToWait(engine: Engine): Promise<{ execution: any; task: any }> {
  const listener = new EventEmitter();
  const waiting = new Promise<any>((resolve) => {
    listener.on('wait', (api: any) => {
      if (api.type === 'bpmn:UserTask') resolve(api);
    });
  });
  const execution = await engine.execute({ listener, variables: structuredClone(VARIABLES) } as any);
  return { execution, task: await waiting };
}

/** new Engine → execute → wait for the user task → signal it → end. Nothing is saved. */
async function rawLifecycle(compiled: CompiledDefinition, n: number): Promise<void> {
  const engine = newEngine(compiled, `raw-${n}`);
  const ended = endOf(engine);
  const { execution, task } = await executeToWait(engine);
  execution.signal({ id: task.id, executionId: task.executionId, form: structuredClone(FIXTURE_FORM) });
  await ended;
}

/**
 * Informative second baseline: the raw lifecycle plus what durability costs inside bpmn-engine, still in
 * memory. execute → wait → getState (source dropped, as imsflow does) → JSON string → new Engine →
 * recover → resume → signal → end.
 */
async function rawDurableLifecycle(compiled: CompiledDefinition, n: number): Promise<void> {
  const first = newEngine(compiled, `durable-${n}`);
  const { task } = await executeToWait(first);
  const state: any = await first.getState();
  for (const definition of state.definitions ?? []) delete definition.source;
  const saved = JSON.stringify(state);
  const { id, executionId } = task;

  const second = newEngine(compiled, `durable-${n}`);
  const ended = endOf(second);
  second.recover(JSON.parse(saved));
  const execution = await second.resume();
  execution.signal({ id, executionId, form: structuredClone(FIXTURE_FORM) });
  await ended;
}

// ---- imsflow -----------------------------------------------------------------------------------------

/** start → listTasks to find the task → completeTask. */
async function imsflowLifecycle(imsflow: ProcessEngine): Promise<void> {
  const { id } = await imsflow.start(FIXTURE_KEY, { variables: VARIABLES }, ACTOR);
  const [task] = await imsflow.listTasks({ instanceId: id, status: 'open' });
  if (!task) throw new Error(`instance ${id} has no open task`);
  const { instanceStatus } = await imsflow.completeTask(task.id, FIXTURE_FORM, ACTOR);
  if (instanceStatus !== 'completed') throw new Error(`instance ${id} is ${instanceStatus} after its only task`);
}

async function timeBatch(count: number, lifecycle: (n: number) => Promise<void>): Promise<number> {
  const start = nowNs();
  for (let n = 0; n < count; n += 1) await lifecycle(n);
  return elapsedMs(start);
}

export function coreCounts(quick: boolean) {
  return quick ? { lifecycle_warmup: 100, lifecycles: 450, lifecycle_rounds: 5 } : { lifecycle_warmup: 500, lifecycles: 5000, lifecycle_rounds: 10 };
}

export const coreModule: BenchModule = {
  name: 'core',
  async run({ quick }: BenchOptions): Promise<BenchResult> {
    const counts = coreCounts(quick);
    const { dir, cleanup } = tempDir('core');
    const store = new SqliteStore(`${dir}/imsflow.db`);
    await store.init();
    try {
      const imsflow = new ProcessEngine({ store });
      const deployed = await imsflow.deploy(fixtureXml(), ACTOR, 'benchmark fixture');
      const record: DefinitionRecord = await imsflow.getDefinition(deployed.key, deployed.version);
      // The raw baseline runs on a sourceContext built exactly as imsflow builds and caches it.
      const compiled = await compileDefinition(record, new ServiceRegistry());

      progress(`core: warm-up (${counts.lifecycle_warmup} lifecycles each)`);
      await timeBatch(counts.lifecycle_warmup, (n) => rawLifecycle(compiled, n));
      await timeBatch(counts.lifecycle_warmup, () => imsflowLifecycle(imsflow));
      await timeBatch(counts.lifecycle_warmup, (n) => rawDurableLifecycle(compiled, n));

      // Interleaved rounds in one process, so all sides see the same machine state.
      const perRound = Math.ceil(counts.lifecycles / counts.lifecycle_rounds);
      const sides = {
        raw: { ms: 0, done: 0, lifecycle: (n: number) => rawLifecycle(compiled, n) },
        imsflow: { ms: 0, done: 0, lifecycle: () => imsflowLifecycle(imsflow) },
        durable: { ms: 0, done: 0, lifecycle: (n: number) => rawDurableLifecycle(compiled, n) },
      };
      const order = Object.values(sides);
      for (let round = 0; round < counts.lifecycle_rounds; round += 1) {
        const batch = Math.min(perRound, counts.lifecycles - sides.raw.done);
        // Rotate which side goes first, so drift and GC hit all alike.
        for (let k = 0; k < order.length; k += 1) {
          const side = order[(round + k) % order.length];
          side.ms += await timeBatch(batch, side.lifecycle);
          side.done += batch;
        }
        progress(
          `core: round ${round + 1}/${counts.lifecycle_rounds} raw ${Math.round(rate(sides.raw))}/s imsflow ${Math.round(rate(sides.imsflow))}/s raw_durable ${Math.round(rate(sides.durable))}/s`,
        );
      }
      const rawRate = rate(sides.raw);
      const imsflowRate = rate(sides.imsflow);
      const durableRate = rate(sides.durable);

      // Engine state persisted for an instance waiting at its user task.
      const started = await imsflow.start(FIXTURE_KEY, { variables: VARIABLES }, ACTOR);
      const saved = await store.getInstance(started.id);
      const stateBytes = Buffer.byteLength(JSON.stringify(saved?.engineState ?? null));

      return {
        raw_lifecycles_per_s: round(rawRate, 1),
        imsflow_lifecycles_per_s: round(imsflowRate, 1),
        lifecycle_ratio: round(imsflowRate / rawRate, 3),
        lifecycle_ratio_target: 0.7,
        raw_ms_per_lifecycle: round(sides.raw.ms / sides.raw.done, 3),
        imsflow_ms_per_lifecycle: round(sides.imsflow.ms / sides.imsflow.done, 3),
        raw_durable_lifecycles_per_s: round(durableRate, 1),
        lifecycle_ratio_vs_raw_durable: round(imsflowRate / durableRate, 3),
        state_bytes: stateBytes,
        counts: { ...counts },
        notes: {
          raw:
            'bpmn-engine in memory, one Engine per lifecycle: new Engine (cached sourceContext from compileDefinition, the Engine options of runtime.ts: ' +
            'recording timers, refusing scripts, whitelisted expressions, silent Logger, ims extension copying the form to output) → execute → ' +
            'wait event of the user task → execution.signal with the form → end event. No getState, no recover, no validation, no persistence.',
          imsflow:
            'ProcessEngine on SqliteStore (WAL file in a temp dir, synchronous=NORMAL): start → listTasks({instanceId, status: open}) → completeTask, ' +
            'sequential; includes two engine steps (execute+getState, then recover+resume+signal), form validation, audit chain and SQLite commits.',
          raw_durable:
            'informative, not part of lifecycle_ratio: raw plus the durability cost inside bpmn-engine, in memory: execute → wait → getState ' +
            '(source dropped as imsflow does) → JSON.stringify/parse → second Engine → recover → resume → signal → end. ' +
            'raw→raw_durable is the cost of running one engine per event; raw_durable→imsflow is persistence and bookkeeping.',
          method: `${counts.lifecycle_warmup} warm-up lifecycles each, then ${counts.lifecycle_rounds} interleaved rounds (rotating order) in one process; wall time`,
        },
      };
    } finally {
      await store.close();
      cleanup();
    }
  },
};

function rate(side: { ms: number; done: number }): number {
  return side.ms > 0 ? (side.done * 1000) / side.ms : 0;
}
