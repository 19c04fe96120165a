import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { pino } from 'pino';
import type { JobRecord } from '../../engine/kernel/model.js';
import { assemble } from '../../engine/boot/assemble.js';
import { shippedCatalogue, shippedPacks } from '../../processes/index.js';
import { MAIN_QUEUE, startBullmqWorker } from '../../workers/runners/bullmq/index.js';
import { loadConfig } from '../../engine/boot/config.js';
import { TEST_SECRET } from '../helpers.js';
import { deleteKeys, requireRedis, TEST_REDIS_URL as REDIS_URL } from '../support/redis.js';

/**
 * Job claims in scale mode, at the moments a multi-process run makes rare: here they are staged exactly,
 * on a real Redis and a SQLite file. Redis: TEST_REDIS_URL or the local default; CI=true fails without it.
 */

const PREFIX = `imsflow-claims-${process.pid}-${randomUUID().slice(0, 8)}`;

describe('BullMQ job claims between processes', function () {
  this.timeout(30_000);
  const cleanups: (() => Promise<void>)[] = [];

  before(async function () {
    await requireRedis(this, 'the BullMQ claim tests');
  });

  after(async () => {
    while (cleanups.length) await cleanups.pop()!();
    await deleteKeys(`${PREFIX}:*`);
  });

  it('runs a redelivered job that its other holder gave back for a retry', async () => {
    // Worker A holds the row (its BullMQ lock lapsed, so BullMQ hands the job to B). B's claim fails while
    // A holds it; then A's attempt fails and the row goes back to scheduled for a retry, before B looks
    // at the row. B must run the job: BullMQ's record of it ends with B, and nothing else would.
    const dir = mkdtempSync(join(tmpdir(), 'imsflow-claims-'));
    const config = loadConfig({ IMSFLOW_DATA: dir, REDIS_URL, IMSFLOW_QUEUE_PREFIX: PREFIX, IMSFLOW_SECRET: TEST_SECRET.toString('hex'), IMSFLOW_RELAY_MS: '100', LOG_LEVEL: 'silent' });
    const assembly = await assemble(config, { logger: pino({ level: 'silent' }), packs: shippedPacks, catalogue: shippedCatalogue() });
    const events = new QueueEvents(MAIN_QUEUE, { connection: { url: REDIS_URL }, prefix: PREFIX, lastEventId: '0-0' });
    await events.waitUntilReady();
    const runner = await startBullmqWorker(config, assembly, pino({ level: 'silent' }), { relay: false });
    cleanups.push(async () => {
      await runner.stop();
      await events.close();
      await assembly.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const { store } = assembly;
    const runs: JobRecord[] = [];
    assembly.handlers.notify = async (row, worker) => {
      runs.push(row);
      await store.commit({ finishJob: { id: row.id, lockedBy: worker }, audit: [] });
    };
    const now = new Date();
    const id = `notify-staged-${now.getTime()}`;
    await store.commit({ scheduleJobs: [{ id, kind: 'notify', runAt: now.toISOString(), status: 'scheduled', payload: {}, attempts: 0 }], audit: [] });
    // worker A's claim, with a lease that has not ended
    await store.claimJob(id, 'worker-a', now.toISOString(), new Date(now.getTime() + 60_000).toISOString());
    const claim = store.claimJob.bind(store);
    let staged = false;
    store.claimJob = async (...args) => {
      const claimed = await claim(...args);
      if (!staged && !claimed) {
        staged = true;
        await store.failJob(id, 'worker-a', 'SMTP timeout', now.toISOString()); // A gives it back for a retry
      }
      return claimed;
    };
    const completed = new Promise<Record<string, unknown>>((resolve) => {
      events.on('completed', (args) => {
        if (args.jobId === id) resolve(args);
      });
    });
    runner.start();
    await runner.enqueue([(await store.getJob(id))!]);

    expect((await completed).returnvalue).to.deep.equal({ outcome: 'ran' });
    expect(staged).to.equal(true);
    expect(runs).to.have.length(1);
    expect((await store.getJob(id))?.status).to.equal('done');
  });
});
