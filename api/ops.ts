import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Accounts } from '../engine/features/accounts/index.js';
import { NotPermittedError } from '../engine/kernel/errors.js';
import { readiness, type Check } from '../workers/health.js';
import { identify, requireRole, UnauthenticatedError } from './auth.js';
import type { Metrics } from './metrics.js';

/** Where the BullMQ dashboard is mounted (Redis mode only). */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** An incoming X-Request-Id is kept when it looks like an id (a proxy's or a caller's); anything else is replaced. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

/** Polled by load balancers and Prometheus: not logged per request (their failures still are). */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export interface OpsOptions {
  logger: Logger;
  accounts: Accounts;
  metrics: Metrics;
  /** The dependencies /readyz checks: `store`, and `redis` in Redis mode. */
  checks: Record<string, Check>;
  /** True once shutdown began: /readyz answers 503 so load balancers stop sending requests. */
  stopping: () => boolean;
  /** Bearer token that may read /metrics besides admins. */
  metricsToken?: string;
  /** Redis mode: the queues shown on the BullMQ dashboard. */
  queues?: Queue[];
}

/**
 * Operations endpoints and middleware, mounted first on the app: request ids and JSON request logs
 * (pino-http), request latency metrics, `/readyz`, `/metrics` and the BullMQ dashboard for admins.
 * `/healthz` (liveness) stays with the app.
 */
export function opsRouter(options: OpsOptions): express.Router {
  const router = express.Router();
  router.use(requestLogging(options.logger));
  router.use(options.metrics.timeRequests());

  router.get('/readyz', async (_req, res) => {
    const result = await readiness(options.checks, options.stopping());
    res.status(result.ready ? 200 : 503).json({ status: result.ready ? 'ready' : 'not ready', checks: result.checks });
  });

  const identifyCaller = identify(options.accounts);
  router.get('/metrics', (req, res, next) => {
    if (options.metricsToken && bearerMatches(req, options.metricsToken)) return next();
    identifyCaller(req, res, (err?: unknown) => {
      if (err) return next(err);
      try {
        requireRole(req, ['admin']);
        next();
      } catch (error) {
        next(error);
      }
    });
  });
  router.get('/metrics', async (_req, res) => {
    const { contentType, body } = await options.metrics.render();
    res.set('Content-Type', contentType).send(body);
  });

  if (options.queues?.length) router.use(QUEUE_DASHBOARD_PATH, identifyCaller, adminsOnly, queueDashboard(options.queues));
  return router;
}

/** pino-http: one JSON line per request with its id, which is also returned as X-Request-Id and bound to `req.log`. */
export function requestLogging(logger: Logger) {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.has((req.url ?? '').split('?')[0]) },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    // Only what helps to follow a request: no headers (cookies, API tokens) and no secret path segments.
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url), remoteAddress: req.remoteAddress }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

/** Task-link and setup tokens are credentials: they never reach the log. */
export function redactUrl(url: string): string {
  return url.replace(/^\/(t|setup)\/[^/?#]+/, '/$1/***');
}

function bearerMatches(req: Request, token: string): boolean {
  const given = Buffer.from((req.get('authorization') ?? '').replace(/^Bearer\s+/i, ''));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The dashboard is for admins: a browser without a session goes to the login page, anyone else gets 401/403. */
function adminsOnly(req: Request, res: Response, next: NextFunction): void {
  if (!req.principal && req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
    return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  }
  if (!req.principal) return next(new UnauthenticatedError('sign in as an admin to see the job queues'));
  if (!req.principal.user.roles.includes('admin')) return next(new NotPermittedError('the job queues are for admins only'));
  next();
}

/**
 * bull-board, read-only: the store is the source of truth for jobs (a job removed or retried in Redis by
 * hand would be lost or skipped without an audit trail), so the dashboard shows queues and never changes
 * them. Failed jobs are replayed through the incidents API instead.
 */
function queueDashboard(queues: Queue[]): express.Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'imsflow jobs' } },
  });
  return adapter.getRouter() as express.Router;
}
