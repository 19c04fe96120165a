import { createServer, type Server } from 'node:http';
import type { JobStore } from '../engine/ports/job-store.js';
import { redisProblem } from './runners/bullmq/index.js';

/** One dependency a process needs to do its work: resolves when reachable, rejects saying why not. */
export type Check = () => Promise<void>;

export interface Readiness {
  ready: boolean;
  /** Each dependency: "ok" or why it failed; `shutdown` when the process is stopping. */
  checks: Record<string, string>;
}

/** How long a check may take before it counts as failed (a dead MongoDB or Redis would otherwise hang it). */
const CHECK_TIMEOUT_MS = 3000;

/** The store answers a read (an indexed look-up of a job id that does not exist). */
export function storeCheck(store: JobStore): Check {
  return async () => {
    await store.getJob('readyz-probe');
  };
}

/** Redis answers PING (on a short-lived connection of its own, so a wedged client cannot hide an outage). */
export function redisCheck(redisUrl: string): Check {
  return async () => {
    const problem = await redisProblem(redisUrl, CHECK_TIMEOUT_MS);
    if (problem) throw new Error(problem);
  };
}

/** Runs every check at once, each with a time limit. */
export async function readiness(checks: Record<string, Check>, stopping = false): Promise<Readiness> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      });
      try {
        await Promise.race([check(), timeout]);
        return [name, 'ok'] as const;
      } catch (err) {
        return [name, (err as Error).message || String(err)] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const report: Record<string, string> = Object.fromEntries(results);
  if (stopping) report.shutdown = 'the process is shutting down';
  return { ready: !stopping && results.every(([, result]) => result === 'ok'), checks: report };
}

/**
 * A worker process's health endpoints (IMSFLOW_WORKER_PORT), for container health checks: `/healthz`
 * (the process runs) and `/readyz` (store and Redis answer; 503 naming the one that does not).
 */
export async function startHealthServer(port: number, host: string, checks: Record<string, Check>, stopping: () => boolean): Promise<Server> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { error: 'only GET' });
    if (req.url === '/healthz') return reply(200, { status: 'ok' });
    if (req.url === '/readyz') {
      void readiness(checks, stopping()).then((result) => reply(result.ready ? 200 : 503, { status: result.ready ? 'ready' : 'not ready', checks: result.checks }));
      return;
    }
    reply(404, { error: `no route ${req.method} ${req.url}` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
