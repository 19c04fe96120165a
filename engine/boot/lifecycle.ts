import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';

/**
 * What `npm start` and `npm run worker` share around their work: reading the configuration (a bad one
 * exits 1 with the message naming each variable, no stack trace) and shutting down on SIGTERM/SIGINT.
 */

export function configOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

/**
 * On the first SIGTERM or SIGINT runs `stop` (which returns whether everything in hand finished) and exits
 * 0 when it did, 1 when a deadline cut something short or stopping failed. A second signal exits at once.
 */
export function exitOnSignal(logger: Logger, message: string, stop: () => Promise<boolean>): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      // stop() takes its first steps at once (the listening socket closed, /readyz 503): log after them,
      // so whoever reads the line can rely on new work being refused already
      const stopped = stop();
      logger.info({ signal }, message);
      stopped.then(
        (clean) => {
          logger.info({ clean }, 'stopped');
          process.exit(clean ? 0 : 1);
        },
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

/** Whether `promise` settles within `ms` (it keeps running either way). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
