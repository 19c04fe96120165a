import { pino } from 'pino';
import { shippedCatalogue, shippedPacks } from '../processes/index.js';
import { assemble } from '../engine/boot/assemble.js';
import { bullmqWorkers, type BullmqRunner } from './runners/bullmq/index.js';
import { redisCheck, startHealthServer, storeCheck } from './health.js';
import { configOrExit, exitOnSignal, settlesWithin } from '../engine/boot/lifecycle.js';
import { storeLocation } from '../engine/boot/store.js';

/**
 * `npm run worker`: runs durable jobs from BullMQ against the same store as the API (REDIS_URL, the store
 * and SMTP_URL as for the API). Start as many as needed. With IMSFLOW_WORKER_PORT it answers /healthz and
 * /readyz for container health checks. On SIGTERM/SIGINT it stops taking jobs, finishes the ones in hand
 * (up to IMSFLOW_SHUTDOWN_MS), closes its connections and the store, and exits 0; past the deadline it
 * exits 1 and the unfinished jobs go to another worker once their lock and lease lapse.
 */
const config = configOrExit();
const redisUrl = config.redisUrl;
if (!redisUrl) {
  console.error(
    'invalid configuration:\n  REDIS_URL is required by npm run worker, e.g. REDIS_URL=redis://127.0.0.1:6379 (without REDIS_URL the API runs jobs itself on its embedded scheduler, and no worker is needed)',
  );
  process.exit(1);
}
const logger = pino({ level: config.logLevel });
for (const warning of config.warnings) logger.warn(warning);
let stopping = false;
const started = await (async () => {
  const assembly = await assemble(config, { logger, packs: shippedPacks, catalogue: shippedCatalogue(), runner: bullmqWorkers(config, logger) });
  const runner = assembly.runner as BullmqRunner;
  const checks = { store: storeCheck(assembly.store), redis: redisCheck(redisUrl) };
  const health = config.workerPort === undefined ? undefined : await startHealthServer(config.workerPort, config.host, checks, () => stopping);
  return { assembly, runner, health };
})().catch((err: unknown) => {
  logger.fatal({ err }, 'imsflow worker could not start');
  process.exit(1);
});
const { assembly, runner, health } = started;
runner.start();
logger.info(
  { worker: runner.workerId, store: config.store.kind, database: storeLocation(config), prefix: config.queue.prefix, concurrency: config.queue.concurrency, ...(health && { health: health.address() }) },
  'imsflow worker is running',
);

exitOnSignal(logger, 'shutting down: finishing the jobs in hand', async () => {
  stopping = true;
  if (!(await settlesWithin(runner.stop(), config.shutdownMs))) {
    logger.warn({ deadlineMs: config.shutdownMs }, 'shutdown deadline passed: jobs still in hand go to another worker when their lock and lease lapse');
    return false;
  }
  await assembly.close();
  await new Promise((resolve) => (health ? health.close(resolve) : resolve(undefined)));
  return true;
});
