import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import type { ProcessEngine } from '../engine/process-engine.js';
import type { Mailer } from '../engine/ports/mailer.js';
import type { JobRunner } from '../engine/ports/job-runner.js';
import { BullmqRunner } from '../workers/runners/bullmq/index.js';
import { configuredRunner } from '../workers/runners/index.js';
import { redisCheck, storeCheck, type Check } from '../workers/health.js';
import { settlesWithin } from '../engine/boot/lifecycle.js';
import { storeLocation } from '../engine/boot/store.js';
import { Metrics } from './metrics.js';
import { opsRouter } from './ops.js';
import { Accounts } from '../engine/features/accounts/index.js';
import { bootstrapAdmin, setupPages } from './setup.js';
import { applyConfiguredSchedules } from '../engine/boot/configured-starts.js';
import type { Clock } from '../engine/kernel/clock.js';
import type { ProcessPack } from '../engine/packs.js';
import { shippedCatalogue, shippedPacks, shippedProcesses } from '../processes/index.js';
import { assemble, type Assembly, type JobRunnerFactory } from '../engine/boot/assemble.js';
import { createApp } from './app.js';
import { localUrl, type Config } from '../engine/boot/config.js';

export interface RunningServer {
  url: string;
  imsflow: ProcessEngine;
  accounts: Accounts;
  assembly: Assembly;
  scheduler: JobRunner;
  logger: Logger;
  metrics: Metrics;
  /**
   * Graceful shutdown: /readyz turns 503, the listening socket closes (no new connections), requests in
   * flight finish (cut after `deadlineMs`, default IMSFLOW_SHUTDOWN_MS), then jobs in hand finish and the
   * store and Redis connections close. `clean` is false when the deadline cut requests short.
   */
  close(deadlineMs?: number): Promise<{ clean: boolean }>;
}

/**
 * Starts imsflow: the store the configuration names, the shipped processes deployed (a no-op when
 * unchanged), jobs on the embedded scheduler or handed to BullMQ (REDIS_URL), and the HTTP server with
 * the operations endpoints (api/ops.ts).
 */
export async function startServer(
  config: Config,
  options: { clock?: Clock; logger?: Logger; mailer?: Mailer; packs?: readonly ProcessPack[]; runner?: JobRunnerFactory } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  // the packs and the runner api/main hands over (tests that start a server get the shipped packs and
  // the runner the configuration names: BullMQ relay with REDIS_URL, else the embedded scheduler)
  const packs = options.packs ?? shippedPacks;
  const runner = options.runner ?? configuredRunner(config, logger);
  const assembly = await assemble(config, { clock: options.clock, logger, mailer: options.mailer, packs, catalogue: shippedCatalogue(), runner });
  const { imsflow, store } = assembly;
  for (const { file, xml } of shippedProcesses(packs)) {
    const deployed = await imsflow.deploy(xml, 'system', `shipped process ${file}`, { via: 'shipped' });
    if (deployed.created) logger.info({ file, key: deployed.key, version: deployed.version }, 'deployed shipped process');
  }
  if (config.schedulesFile) await applyConfiguredSchedules(imsflow, config.schedulesFile, logger);

  const accounts = new Accounts(store, imsflow.clock);
  const setupToken = await bootstrapAdmin(imsflow, accounts, config.admin, logger);

  // Jobs run here on the embedded default; with REDIS_URL this process only hands them to BullMQ.
  const scheduler: JobRunner = assembly.runner!;
  const queues = scheduler instanceof BullmqRunner ? Object.values(scheduler.queues) : undefined;
  const metrics = new Metrics({ figures: imsflow.queries, queues });
  let stopping = false;
  const checks: Record<string, Check> = { store: storeCheck(store), ...(config.redisUrl && { redis: redisCheck(config.redisUrl) }) };
  const ops = opsRouter({ logger, accounts, metrics, checks, stopping: () => stopping, metricsToken: config.metricsToken, queues });

  const app = createApp({ imsflow, accounts, logger, assembly, secureCookies: config.secureCookies, trustProxy: config.trustProxy, before: setupPages(imsflow, accounts, setupToken), ops });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  // While stopping, a keep-alive connection is closed as soon as its last request is answered.
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    res.once('finish', () => {
      if (stopping) setImmediate(() => server.closeIdleConnections());
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = localUrl(config.host, port);
  if (!config.baseUrl) assembly.notifier.baseUrl = url;
  if (setupToken) logger.warn({ link: `${config.baseUrl ?? url}/setup/${setupToken}` }, 'no administrator yet: open this one-time link to create one (or set IMSFLOW_ADMIN_EMAIL and IMSFLOW_ADMIN_PASSWORD)');

  if (config.pollMs > 0 || config.redisUrl) scheduler.start();
  logger.info({ url, store: config.store.kind, database: storeLocation(config), jobs: queues ? 'bullmq' : 'embedded' }, 'imsflow is listening');

  let closing: Promise<{ clean: boolean }> | undefined;
  return {
    url,
    imsflow,
    accounts,
    assembly,
    scheduler,
    logger,
    metrics,
    close(deadlineMs = config.shutdownMs) {
      closing ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const clean = await settlesWithin(closed, deadlineMs);
        if (!clean) {
          logger.warn({ deadlineMs }, 'shutdown deadline passed: closing the requests still open');
          server.closeAllConnections();
          await closed;
        }
        await scheduler.stop();
        await assembly.close();
        return { clean };
      })();
      return closing;
    },
  };
}
