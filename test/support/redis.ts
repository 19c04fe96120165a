import { Redis } from 'ioredis';
import { redisProblem } from '../../workers/runners/bullmq/index.js';

/**
 * The shared Redis of tests (TEST_REDIS_URL, or the local default): the check a suite needing it runs
 * first, and the clean-up of a run's keys. Every run uses key prefixes of its own.
 */

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * For a `before` hook: returns when Redis answers. Otherwise fails with CI=true (CI must run `what`; its
 * script starts a redis-server) and skips the suite elsewhere, saying why.
 */
export async function requireRedis(context: Mocha.Context, what: string, url = TEST_REDIS_URL): Promise<void> {
  const problem = await redisProblem(url, 2000);
  if (!problem) return;
  if (process.env.CI === 'true') throw new Error(`${problem}: CI must run ${what} (.ci/run starts a redis-server)`);
  console.log(`    skipping ${what}: ${problem}; start redis-server or set TEST_REDIS_URL`);
  context.skip();
}

/** Deletes every key matching `pattern` (SCAN, so a large keyspace is never blocked); nothing when Redis is down. */
export async function deleteKeys(pattern: string, url = TEST_REDIS_URL): Promise<void> {
  if (await redisProblem(url, 2000)) return;
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
