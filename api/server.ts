import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { Imsflow } from '../engine/imsflow.js';
import { EmbeddedScheduler } from '../engine/scheduler/embedded.js';
import { SqliteStore } from '../engine/store/sqlite.js';
import type { Clock } from '../engine/clock.js';
import { shippedProcesses } from '../processes/index.js';
import { jobHandlers } from '../workers/handlers.js';
import { createApp } from './app.js';
import type { Config } from './config.js';

export interface RunningServer {
  url: string;
  imsflow: Imsflow;
  scheduler: EmbeddedScheduler;
  logger: Logger;
  /** Stops taking requests and jobs, finishes those in hand, closes the store. */
  close(): Promise<void>;
}

/**
 * Starts imsflow on its embedded default: SQLite file, embedded scheduler, the shipped processes
 * deployed (a no-op when unchanged).
 */
export async function startServer(config: Config, options: { clock?: Clock; logger?: Logger } = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const store = new SqliteStore(config.databaseFile);
  await store.init();
  const imsflow = new Imsflow({ store, clock: options.clock });
  for (const { file, xml } of shippedProcesses()) {
    const deployed = await imsflow.deploy(xml, 'system', `shipped process ${file}`);
    if (deployed.created) logger.info({ file, key: deployed.key, version: deployed.version }, 'deployed shipped process');
  }
  const scheduler = new EmbeddedScheduler(
    store,
    imsflow.clock,
    jobHandlers(imsflow),
    { pollMs: config.pollMs, onError: (job, err) => logger.warn({ job: job.id, err: err.message }, 'job failed; will retry') },
  );
  scheduler.start();

  const app = createApp({ imsflow, logger });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  logger.info({ url, database: config.databaseFile }, 'imsflow is listening');

  return {
    url,
    imsflow,
    scheduler,
    logger,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await scheduler.stop();
      await store.close();
    },
  };
}
