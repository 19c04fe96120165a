import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import type { Imsflow } from '../engine/imsflow.js';
import type { Mailer } from '../engine/mail/mailer.js';
import { EmbeddedScheduler } from '../engine/scheduler/embedded.js';
import type { Scheduler } from '../engine/scheduler/scheduler.js';
import { startBullmqRelay } from '../workers/bullmq.js';
import { Accounts } from '../engine/accounts.js';
import { bootstrapAdmin, setupPages } from './setup.js';
import { applyConfiguredSchedules } from '../workers/config-schedules.js';
import type { Clock } from '../engine/clock.js';
import { shippedProcesses } from '../processes/index.js';
import { assemble, type Assembly } from '../workers/assemble.js';
import { createApp } from './app.js';
import type { Config } from '../workers/config.js';

export interface RunningServer {
  url: string;
  imsflow: Imsflow;
  accounts: Accounts;
  assembly: Assembly;
  scheduler: Scheduler;
  logger: Logger;
  /** Stops taking requests and jobs, finishes those in hand, closes the store. */
  close(): Promise<void>;
}

/**
 * Starts imsflow on its embedded default: SQLite file, embedded scheduler, the shipped processes
 * deployed (a no-op when unchanged).
 */
export async function startServer(config: Config, options: { clock?: Clock; logger?: Logger; mailer?: Mailer } = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const assembly = await assemble(config, { clock: options.clock, logger, mailer: options.mailer });
  const { imsflow, store } = assembly;
  for (const { file, xml } of shippedProcesses()) {
    const deployed = await imsflow.deploy(xml, 'system', `shipped process ${file}`, { via: 'shipped' });
    if (deployed.created) logger.info({ file, key: deployed.key, version: deployed.version }, 'deployed shipped process');
  }
  if (config.schedulesFile) await applyConfiguredSchedules(imsflow, config.schedulesFile, logger);

  const accounts = new Accounts(store, imsflow.clock);
  const setupToken = await bootstrapAdmin(imsflow, accounts, config.admin, logger);

  const app = createApp({ imsflow, accounts, logger, assembly, secureCookies: config.secureCookies, before: setupPages(imsflow, accounts, setupToken) });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  if (!config.baseUrl) assembly.notifier.baseUrl = url;
  if (setupToken) logger.warn({ link: `${config.baseUrl ?? url}/setup/${setupToken}` }, 'no administrator yet: open this one-time link to create one (or set IMSFLOW_ADMIN_EMAIL and IMSFLOW_ADMIN_PASSWORD)');

  // Jobs run here on the embedded default; with REDIS_URL this process only hands them to BullMQ.
  const scheduler: Scheduler = config.redisUrl
    ? await startBullmqRelay(config, assembly, logger)
    : new EmbeddedScheduler(store, imsflow.clock, assembly.handlers, {
        pollMs: config.pollMs,
        onError: (job, err) => logger.warn({ job: job.id, err: err.message }, 'job failed; will retry'),
      });
  if (config.pollMs > 0 || config.redisUrl) scheduler.start();
  logger.info({ url, database: config.databaseFile, jobs: config.redisUrl ? 'bullmq' : 'embedded' }, 'imsflow is listening');

  return {
    url,
    imsflow,
    accounts,
    assembly,
    scheduler,
    logger,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await scheduler.stop();
      await assembly.close();
    },
  };
}
