import express, { type ErrorRequestHandler, type Request } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  ConflictError,
  ImsflowError,
  InvalidDefinitionError,
  NotFoundError,
  TooLargeError,
  ValidationError,
  type FieldError,
} from '../engine/errors.js';
import type { Imsflow } from '../engine/imsflow.js';
import { PARSE_LIMITS } from '../engine/bpmn/parse.js';
import type { Assembly } from '../workers/assemble.js';
import { taskLinkPages } from './pages.js';

export interface AppOptions {
  imsflow: Imsflow;
  /** Link signing for the task pages opened from emails. */
  assembly: Pick<Assembly, 'links'>;
  logger?: Logger;
}

/** Request bodies, validated before they reach the engine. */
const schemas = {
  startInstance: z
    .object({
      variables: z.record(z.string(), z.unknown()).optional(),
      businessKey: z.string().optional(),
    })
    .strict(),
  completeTask: z.object({ data: z.record(z.string(), z.unknown()).optional() }).strict(),
  cancelInstance: z.object({ reason: z.string().trim().min(1, 'a reason is required') }).strict(),
  taskQuery: z.object({
    assignee: z.string().optional(),
    role: z.string().optional(),
    status: z.enum(['open', 'completed', 'cancelled']).optional(),
    instance: z.string().optional(),
    overdue: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    offset: z.coerce.number().int().min(0).optional(),
  }),
  instanceQuery: z.object({
    key: z.string().optional(),
    status: z.enum(['running', 'completed', 'cancelled', 'incident']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    offset: z.coerce.number().int().min(0).optional(),
  }),
  incidentQuery: z.object({ status: z.enum(['open', 'resolved']).optional() }),
  changeTask: z
    .object({
      dueAt: z.string().optional(),
      assignee: z.string().optional(),
      candidateRole: z.string().optional(),
      reason: z.string().trim().min(1, 'a reason is required'),
    })
    .strict(),
  user: z
    .object({
      email: z.string(),
      name: z.string(),
      roles: z.array(z.string()).optional(),
      managerId: z.string().optional(),
      active: z.boolean().optional(),
    })
    .strict(),
  userQuery: z.object({ role: z.string().optional() }),
  schedule: z
    .object({
      processKey: z.string(),
      cron: z.string(),
      timezone: z.string().optional(),
      variables: z.record(z.string(), z.unknown()).optional(),
      enabled: z.boolean().optional(),
    })
    .strict(),
  outboxQuery: z.object({
    status: z.enum(['queued', 'sent', 'failed', 'held']).optional(),
    task: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  }),
};

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : what),
    message: issue.message,
  }));
  throw new ValidationError(`invalid ${what}`, fields);
}

/**
 * Until accounts arrive (API issue), every request acts as one local user and the server listens on
 * 127.0.0.1 only. The audit trail records this name.
 */
function actorOf(_req: Request): string {
  return 'local-user';
}

/** The JSON API of the core: definitions, instances, tasks, incidents, audit verification. */
export function createApp({ imsflow, assembly, logger }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));

  api.post(
    '/definitions',
    express.text({ type: ['application/xml', 'text/xml', 'application/bpmn+xml'], limit: PARSE_LIMITS.maxBytes }),
    async (req, res) => {
      if (typeof req.body !== 'string') {
        throw new ValidationError('send the BPMN file as the request body with Content-Type: application/xml', [
          { field: 'Content-Type', message: `must be application/xml (was ${req.get('content-type') ?? 'missing'})` },
        ]);
      }
      const reason = typeof req.query.reason === 'string' ? req.query.reason : undefined;
      const deployed = await imsflow.deploy(req.body, actorOf(req), reason);
      res.status(deployed.created ? 201 : 200).json(deployed);
    },
  );

  api.get('/definitions', async (_req, res) => {
    res.json({ items: await imsflow.listDefinitions() });
  });

  api.get('/definitions/:key/versions/:version', async (req, res) => {
    const version = Number(req.params.version);
    if (!Number.isInteger(version) || version < 1) {
      throw new ValidationError('invalid version', [{ field: 'version', message: 'must be a whole number from 1' }]);
    }
    const definition = await imsflow.getDefinition(req.params.key, version);
    res.type('application/xml').send(definition.xml);
  });

  api.post('/processes/:key/instances', async (req, res) => {
    const body = parse(schemas.startInstance, req.body, 'start request');
    const started = await imsflow.start(req.params.key, body, actorOf(req));
    res.status(201).json(started);
  });

  api.get('/instances', async (req, res) => {
    const query = parse(schemas.instanceQuery, req.query, 'query');
    const items = await imsflow.store.listInstances(query);
    res.json({ items: items.map(({ engineState: _state, ...rest }) => rest) });
  });

  api.get('/instances/:id', async (req, res) => {
    res.json(await imsflow.getInstance(req.params.id));
  });

  api.post('/instances/:id/cancel', async (req, res) => {
    const { reason } = parse(schemas.cancelInstance, req.body, 'cancel request');
    await imsflow.cancelInstance(req.params.id, reason, actorOf(req));
    res.json(await imsflow.getInstance(req.params.id));
  });

  api.get('/tasks', async (req, res) => {
    const query = parse(schemas.taskQuery, req.query, 'query');
    const overdue = query.overdue === 'true';
    const items = await imsflow.listTasks({
      assignee: query.assignee,
      role: query.role,
      status: overdue ? 'open' : query.status,
      instanceId: query.instance,
      dueBefore: overdue ? imsflow.clock.now().toISOString() : undefined,
      limit: query.limit,
      offset: query.offset,
    });
    res.json({ items });
  });

  api.get('/tasks/:id', async (req, res) => {
    res.json(await imsflow.getTask(req.params.id));
  });

  api.post('/tasks/:id/complete', async (req, res) => {
    const { data } = parse(schemas.completeTask, req.body, 'completion');
    const result = await imsflow.completeTask(req.params.id, data ?? {}, actorOf(req));
    res.json(result);
  });

  api.patch('/tasks/:id', async (req, res) => {
    const body = parse(schemas.changeTask, req.body, 'task change');
    if (body.dueAt === undefined && body.assignee === undefined && body.candidateRole === undefined) {
      throw new ValidationError('nothing to change', [{ field: 'dueAt', message: 'give dueAt, assignee or candidateRole' }]);
    }
    if (body.dueAt !== undefined) await imsflow.changeDueDate(req.params.id, body.dueAt, body.reason, actorOf(req));
    if (body.assignee !== undefined || body.candidateRole !== undefined) {
      await imsflow.reassignTask(req.params.id, { assignee: body.assignee, candidateRole: body.candidateRole }, body.reason, actorOf(req));
    }
    res.json(await imsflow.getTask(req.params.id));
  });

  api.get('/users', async (req, res) => {
    const query = parse(schemas.userQuery, req.query, 'query');
    res.json({ items: await imsflow.store.listUsers({ role: query.role }) });
  });

  api.put('/users/:id', async (req, res) => {
    const body = parse(schemas.user, req.body, 'user');
    res.json(await imsflow.saveUser({ id: req.params.id, ...body }, actorOf(req)));
  });

  api.get('/schedules', async (_req, res) => {
    res.json({ items: await imsflow.store.listSchedules() });
  });

  api.put('/schedules/:id', async (req, res) => {
    const body = parse(schemas.schedule, req.body, 'schedule');
    res.json(await imsflow.saveSchedule({ id: req.params.id, ...body, source: 'api' }, actorOf(req)));
  });

  api.delete('/schedules/:id', async (req, res) => {
    await imsflow.deleteSchedule(req.params.id, actorOf(req));
    res.status(204).end();
  });

  api.get('/outbox', async (req, res) => {
    const query = parse(schemas.outboxQuery, req.query, 'query');
    res.json({ items: await imsflow.store.listMessages({ status: query.status, taskId: query.task, limit: query.limit }) });
  });

  api.get('/incidents', async (req, res) => {
    const query = parse(schemas.incidentQuery, req.query, 'query');
    res.json({ items: await imsflow.listIncidents(query) });
  });

  api.post('/incidents/:id/retry', async (req, res) => {
    res.json(await imsflow.retryIncident(req.params.id, actorOf(req)));
  });

  api.get('/audit/verify', async (_req, res) => {
    res.json(await imsflow.verifyAuditTrail());
  });

  api.use((req, _res) => {
    throw new NotFoundError(`no route ${req.method} ${req.baseUrl}${req.path}`);
  });

  app.use('/api', api);
  app.use(taskLinkPages(imsflow, assembly.links));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(errorHandler(logger));
  return app;
}

/** One place maps engine errors to HTTP: every error body is `{ error, ...details }`. */
function errorHandler(logger?: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof InvalidDefinitionError) return res.status(422).json({ error: err.message, problems: err.problems });
    if (err instanceof ValidationError) return res.status(400).json({ error: err.message, fields: err.fields });
    if (err instanceof NotFoundError) return res.status(404).json({ error: err.message });
    if (err instanceof ConflictError) return res.status(409).json({ error: err.message });
    if (err instanceof TooLargeError) return res.status(413).json({ error: err.message });
    if (err instanceof ImsflowError) return res.status(400).json({ error: err.message });
    // Errors raised by express's body parsers carry a status and a type.
    if (err?.type === 'entity.too.large') return res.status(413).json({ error: `request body is larger than ${err.limit} bytes` });
    if (err?.type === 'entity.parse.failed') return res.status(400).json({ error: 'request body is not valid JSON', fields: [{ field: 'body', message: 'is not valid JSON' }] });
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) return res.status(err.status).json({ error: err.message });
    logger?.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    return res.status(500).json({ error: 'internal error: the server logged the details' });
  };
}
