import type { Logger } from 'pino';
import type { JobRunnerFactory } from '../../../engine/boot/assemble.js';
import type { Config } from '../../../engine/boot/config.js';
import { EmbeddedScheduler } from './scheduler.js';

export { EmbeddedScheduler, type EmbeddedSchedulerOptions } from './scheduler.js';

/** The embedded default: jobs run in this process, polled from the store every IMSFLOW_POLL_MS. */
export function embeddedRunner(config: Pick<Config, 'pollMs'>, logger: Logger): JobRunnerFactory {
  return async (assembly) =>
    new EmbeddedScheduler(assembly.store, assembly.imsflow.clock, assembly.handlers, {
      pollMs: config.pollMs,
      onError: (job, err) => logger.warn({ job: job.id, err: err.message }, 'job failed; will retry'),
    });
}
