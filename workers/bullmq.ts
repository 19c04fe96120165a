import type { Logger } from 'pino';
import type { Scheduler } from '../engine/scheduler/scheduler.js';
import type { Assembly } from './assemble.js';
import type { Config } from './config.js';

/**
 * Placeholder until the BullMQ runner lands: relays store jobs to Redis for `npm run worker`.
 */
export async function startBullmqRelay(_config: Config, _assembly: Assembly, _logger: Logger): Promise<Scheduler> {
  throw new Error('the BullMQ runner is not built yet: unset REDIS_URL');
}
