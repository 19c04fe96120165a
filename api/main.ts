import { pino } from 'pino';
import { configOrExit, exitOnSignal } from '../engine/boot/lifecycle.js';
import { shippedPacks } from '../processes/index.js';
import { configuredRunner } from '../workers/runners/index.js';
import { startServer } from './server.js';

/**
 * `npm start`: the API process, with the shipped packs and the runner the configuration names (the
 * embedded scheduler, or the BullMQ relay with REDIS_URL). A bad configuration exits 1 naming each variable. On SIGTERM/SIGINT it
 * stops taking connections, lets requests in flight finish (up to IMSFLOW_SHUTDOWN_MS), lets jobs in hand
 * finish, closes the store and Redis, and exits 0 (1 when the deadline cut requests short).
 */
const config = configOrExit();
const logger = pino({ level: config.logLevel });
for (const warning of config.warnings) logger.warn(warning);
const server = await startServer(config, { logger, packs: shippedPacks, runner: configuredRunner(config, logger) }).catch((err: unknown) => {
  logger.fatal({ err }, 'imsflow could not start');
  process.exit(1);
});
exitOnSignal(logger, 'shutting down', async () => (await server.close()).clean);
