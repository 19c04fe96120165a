import type { Logger } from 'pino';
import type { JobRunnerFactory } from '../../engine/boot/assemble.js';
import type { Config } from '../../engine/boot/config.js';
import { bullmqRelay } from './bullmq/index.js';
import { embeddedRunner } from './embedded/index.js';

/**
 * The runner the API process uses: with REDIS_URL it only hands jobs to BullMQ (`npm run worker` runs
 * them); without, it runs them itself on the embedded scheduler.
 */
export function configuredRunner(config: Config, logger: Logger): JobRunnerFactory {
  return config.redisUrl ? bullmqRelay(config, logger) : embeddedRunner(config, logger);
}
