import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { systemClock } from '../engine/kernel/clock.js';
import type { JobRecord } from '../engine/kernel/model.js';
import { EmbeddedScheduler } from '../workers/runners/embedded/scheduler.js';
import type { JobHandler, JobHandlers } from '../engine/ports/job-runner.js';
import { SqliteStore } from '../engine/adapters/sqlite/index.js';
import { BullmqRunner, redisProblem } from '../workers/runners/bullmq/index.js';
import { loadConfig } from '../engine/boot/config.js';
import { elapsedMs, nowNs, percentile, progress, round, tempDir, type BenchModule, type BenchOptions, type BenchResult } from './common.js';

/**
 * Durable jobs on BullMQ (real Redis: BENCH_REDIS_URL or 127.0.0.1:6379) against the embedded scheduler,
 * both on a SQLite file: how fast the relay hands reminder jobs to Redis, and how late jobs start when
 * many fall due in the same second.
 */

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN_PREFIX = `imsflow-bench-${process.pid}-${randomUUID().slice(0, 8)}`;
/** The embedded scheduler's poll interval in the comparison: the configuration default (IMSFLOW_POLL_MS). */
const EMBEDDED_POLL_MS = loadConfig({}).pollMs;
/** Worker concurrency in the lateness run: the configuration default (IMSFLOW_WORKER_CONCURRENCY). */
const WORKER_CONCURRENCY = loadConfig({}).queue.concurrency;
/** Lead time between relaying the jobs and the start of the second they fall due in. */
const LEAD_MS = 1500;

const silent = pino({ level: 'silent' });

function reminderRows(count: number, firstDue: number, spreadMs: number): JobRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const runAt = new Date(firstDue + Math.floor((i * spreadMs) / count));
    const taskId = randomUUID();
    return { id: `notify-${taskId}-reminder-${runAt.getTime()}`, kind: 'notify', runAt: runAt.toISOString(), status: 'scheduled', payload: { taskId, notice: 'reminder' }, attempts: 0 };
  });
}

async function insert(store: SqliteStore, rows: JobRecord[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await store.commit({ scheduleJobs: rows.slice(i, i + 1000), audit: [] });
}

/** A handler that records how late it started (handler start − runAt) and finishes its row, as real ones do. */
function latenessHandlers(store: SqliteStore, samples: number[], count: number, done: () => void): JobHandlers {
  const handler: JobHandler = async (job, worker) => {
    samples.push(Date.now() - Date.parse(job.runAt));
    await store.commit({ finishJob: { id: job.id, lockedBy: worker }, audit: [] });
    if (samples.length === count) done();
  };
  const refuse: JobHandler = async (job) => {
    throw new Error(`unexpected ${job.kind} job in the benchmark`);
  };
  return { notify: handler, timer: refuse, escalation: refuse, email: refuse, 'scheduled-start': refuse, webhook: refuse, digest: refuse, absence: refuse, recurrence: refuse };
}

function openStore(dir: string, name: string): Promise<SqliteStore> {
  const store = new SqliteStore(`${dir}/${name}.db`);
  return store.init().then(() => store);
}

function runner(store: SqliteStore, prefix: string, handlers: JobHandlers, work: boolean): Promise<BullmqRunner> {
  const config = loadConfig({ REDIS_URL, IMSFLOW_QUEUE_PREFIX: prefix, IMSFLOW_DATA: '/nonexistent' });
  return BullmqRunner.open({ redisUrl: REDIS_URL, settings: config.queue, mailRatePerSecond: config.mailRatePerSecond, store, clock: systemClock, handlers, logger: silent, work, relay: false });
}

/** Relays `count` reminder-like jobs due over the coming days; returns jobs/s of the relay pass alone. */
async function relayRate(dir: string, count: number): Promise<number> {
  const store = await openStore(dir, 'relay');
  const relay = await runner(store, `${RUN_PREFIX}-relay`, latenessHandlers(store, [], 0, () => undefined), false);
  try {
    await insert(store, reminderRows(count, Date.now() + 86_400_000, 7 * 86_400_000));
    const start = nowNs();
    const relayed = await relay.runDue();
    const ms = elapsedMs(start);
    const delayed = await relay.queues.main.getDelayedCount();
    if (relayed !== count || delayed !== count) throw new Error(`relayed ${relayed} and BullMQ holds ${delayed} delayed jobs; expected ${count}`);
    return (count * 1000) / ms;
  } finally {
    await relay.stop();
    await store.close();
  }
}

/** `count` jobs due in one second, relayed ahead and run by in-process BullMQ workers. */
async function bullmqLateness(dir: string, count: number, round: number): Promise<number[]> {
  const store = await openStore(dir, `bullmq-${round}`);
  const samples: number[] = [];
  let finished!: () => void;
  const all = new Promise<void>((resolve) => (finished = resolve));
  const worker = await runner(store, `${RUN_PREFIX}-late-${round}`, latenessHandlers(store, samples, count, () => finished()), true);
  try {
    worker.start();
    await Promise.all(worker.workers.map((w) => w.waitUntilReady()));
    await insert(store, reminderRows(count, Date.now() + LEAD_MS, 1000));
    await worker.runDue();
    await all;
    return samples;
  } finally {
    await worker.stop();
    await store.close();
  }
}

/** The same with the embedded scheduler polling the store. */
async function embeddedLateness(dir: string, count: number, round: number): Promise<number[]> {
  const store = await openStore(dir, `embedded-${round}`);
  const samples: number[] = [];
  let finished!: () => void;
  const all = new Promise<void>((resolve) => (finished = resolve));
  const scheduler = new EmbeddedScheduler(store, systemClock, latenessHandlers(store, samples, count, () => finished()), { pollMs: EMBEDDED_POLL_MS });
  try {
    await insert(store, reminderRows(count, Date.now() + LEAD_MS, 1000));
    scheduler.start();
    await all;
    return samples;
  } finally {
    await scheduler.stop();
    await store.close();
  }
}

async function deleteRunKeys(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${RUN_PREFIX}-*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

export const workersModule: BenchModule = {
  name: 'workers',
  async run({ quick }: BenchOptions): Promise<BenchResult> {
    const counts = { relay_jobs: 10_000, lateness_jobs: 1_000, lateness_rounds: quick ? 1 : 3 };
    const problem = await redisProblem(REDIS_URL, 2000);
    if (problem) {
      progress(`workers: skipped: ${problem}`);
      return {
        reminders_scheduled_per_s: null,
        lateness_p50_ms_bullmq: null,
        lateness_p99_ms_bullmq: null,
        lateness_p99_target_ms: 250,
        lateness_p99_ms_embedded: null,
        notes: { workers: `not measured: ${problem}` },
      };
    }
    const { dir, cleanup } = tempDir('workers');
    try {
      progress(`workers: relaying ${counts.relay_jobs} reminder jobs to BullMQ`);
      const relayPerS = await relayRate(dir, counts.relay_jobs);
      const bullmq: number[] = [];
      const embedded: number[] = [];
      for (let r = 0; r < counts.lateness_rounds; r += 1) {
        progress(`workers: lateness round ${r + 1}/${counts.lateness_rounds}: ${counts.lateness_jobs} jobs due in one second, BullMQ then embedded`);
        bullmq.push(...(await bullmqLateness(dir, counts.lateness_jobs, r)));
        embedded.push(...(await embeddedLateness(dir, counts.lateness_jobs, r)));
      }
      return {
        reminders_scheduled_per_s: round(relayPerS, 0),
        lateness_p50_ms_bullmq: round(percentile(bullmq, 50), 1),
        lateness_p99_ms_bullmq: round(percentile(bullmq, 99), 1),
        lateness_p99_target_ms: 250,
        lateness_p50_ms_embedded: round(percentile(embedded, 50), 1),
        lateness_p99_ms_embedded: round(percentile(embedded, 99), 1),
        counts,
        notes: {
          reminders_scheduled:
            `one relay pass (BullmqRunner.runDue) over ${counts.relay_jobs} scheduled notify rows due over the next week on a SQLite file: ` +
            'listUnqueuedJobs in batches of 1000 → finished-record check (pipelined ZSCORE) → Queue.addBulk as delayed jobs → markJobsQueued; wall time of the pass, local Redis',
          lateness:
            `${counts.lateness_jobs} rows due evenly over one second, ${LEAD_MS} ms ahead, ${counts.lateness_rounds} round(s) pooled; lateness = handler start − runAt; ` +
            `the handler finishes its row in a commit. BullMQ: relayed ahead as delayed jobs, one in-process worker (concurrency ${WORKER_CONCURRENCY}, claimJob per job). ` +
            `Embedded: EmbeddedScheduler polling every ${EMBEDDED_POLL_MS} ms (IMSFLOW_POLL_MS default), so its lateness is mostly the wait for the next poll.`,
        },
      };
    } finally {
      cleanup();
      await deleteRunKeys();
    }
  },
};
