import { pino } from 'pino';
import { assemble } from './assemble.js';
import { startBullmqWorker } from './bullmq.js';
import { loadConfig } from './config.js';

/**
 * `npm run worker`: runs durable jobs from BullMQ against the same store as the API (REDIS_URL, IMSFLOW_DATA
 * and SMTP_URL as for the API). Start as many as needed. On SIGTERM/SIGINT it stops taking jobs, finishes
 * the ones in hand, closes its connections and the store, and exits 0.
 */
const config = loadConfig();
if (!config.redisUrl) {
  console.error(
    'invalid configuration:\n  REDIS_URL: required by npm run worker, e.g. REDIS_URL=redis://127.0.0.1:6379 (without REDIS_URL the API runs jobs itself on its embedded scheduler, and no worker is needed)',
  );
  process.exit(1);
}
const logger = pino({ level: config.logLevel });
const assembly = await assemble(config, { logger });
const runner = await startBullmqWorker(config, assembly, logger);
runner.start();
logger.info({ worker: runner.workerId, database: config.databaseFile, prefix: config.queue.prefix, concurrency: config.queue.concurrency }, 'imsflow worker is running');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing the jobs in hand');
    runner
      .stop()
      .then(() => assembly.close())
      .then(
        () => {
          logger.info('worker stopped');
          process.exit(0);
        },
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
