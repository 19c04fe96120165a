import { join } from 'node:path';
import express, { type Request } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Accounts } from '../engine/features/accounts/index.js';
import { PARSE_LIMITS } from '../engine/kernel/bpmn/parse.js';
import { ConflictError, NotFoundError, NotPermittedError, TooLargeError, ValidationError } from '../engine/kernel/errors.js';
import { profileOf, type ProcessEngine } from '../engine/process-engine.js';
import { TOKEN_SCOPES, type TaskRecord } from '../engine/kernel/model.js';
import { FILE_KINDS } from '../engine/kernel/file-kinds.js';
import { acceptedKinds } from '../engine/kernel/forms.js';
import type { Assembly } from '../engine/boot/assemble.js';
import {
  canSee,
  checkCsrf,
  clientAddress,
  hasRole,
  holdsTask,
  identify,
  LoginRateLimiter,
  OVERSEERS,
  principalOf,
  requireRole,
  requireTokenScope,
  SESSION_COOKIE,
  visibleSites,
} from './auth.js';
import { apiErrorHandler } from './http/errors.js';
import { integrationRoutes } from './integrations.js';
import { RouteRegistry } from './openapi.js';
import { processRoutes } from './processes.js';
import { registerDashboardRoutes } from './dashboard-api.js';
import { AttachmentStore, checkUpload, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_LABEL, recordUpload } from './pages/attachments.js';
import { uiPages } from './pages/index.js';
import { signatureReply } from './signing.js';
import { changeControlRoutes } from './change-control.js';
import { siteRoutes } from './sites.js';
import { accountRoutes } from './account.js';
import { recordsRoutes } from './records.js';
import { packRoutes } from './pack-routes.js';
import { peopleRoutes } from './people.js';
import { inboxRoutes } from './inbox.js';
import { PAGE_MESSAGES, pageReaders } from './pages/reader.js';
import { INSTALLATION_DEFAULTS, MessageCatalogue } from '../engine/kernel/i18n/index.js';
import { uiAssets } from '../modeler/build.js';
import { shippedCatalogue } from '../processes/index.js';

export interface AppOptions {
  imsflow: ProcessEngine;
  accounts: Accounts;
  /** Link signing for the task pages opened from emails; the data folder for attachments. */
  assembly: Pick<Assembly, 'links'> & Partial<Pick<Assembly, 'dataDir' | 'webhooks' | 'readers' | 'titleFields' | 'packMessages' | 'packs' | 'notifier' | 'baseUrl'>>;
  logger?: Logger;
  /** Send cookies with `Secure` (set when served over HTTPS). */
  secureCookies?: boolean;
  /** Reverse proxies in front (IMSFLOW_TRUST_PROXY): the client address is read that many X-Forwarded-For hops back. */
  trustProxy?: number;
  /** Routes mounted before the API (the first-admin setup pages). */
  before?: express.Router;
  /** Mounted first: request ids and logs, metrics, readiness, the job dashboard (api/ops.ts). */
  ops?: express.Router;
}

const page = { limit: z.coerce.number().int().min(1).max(1000).optional(), offset: z.coerce.number().int().min(0).optional() };

/** Request schemas: they validate requests and generate /api/openapi.json. */
const schemas = {
  login: z.object({ email: z.string().min(1, 'is required'), password: z.string().min(1, 'is required') }).strict(),
  token: z
    .object({
      name: z.string().trim().min(1, 'give the token a name').max(100),
      scope: z.enum(TOKEN_SCOPES).optional().describe('read: GET only; integration: reading plus inbound events, starting records, completing tasks, attachments and KPI values; full: everything you may, creating tokens included. Default integration. A token may create tokens only with scope full'),
    })
    .strict(),
  deployQuery: z.object({ reason: z.string().optional() }),
  completeTask: z
    .object({
      data: z.record(z.string(), z.unknown()).optional(),
      signature: z
        .object({ password: z.string().optional(), email: z.string().optional() })
        .strict()
        .optional()
        .describe('for a task with a signature meaning: your password, and your email (user id) for the first signing of a session or with an API token (21 CFR 11.200)'),
    })
    .strict(),
  releaseTask: z.object({ reason: z.string().trim().max(2000).optional().describe('why you give the task back: goes into the audit trail') }).strict(),
  cancelInstance: z.object({ reason: z.string().trim().min(1, 'a reason is required') }).strict(),
  taskQuery: z.object({
    assignee: z.string().optional(),
    role: z.string().optional(),
    status: z.enum(['open', 'completed', 'cancelled']).optional(),
    instance: z.string().optional(),
    overdue: z.enum(['true', 'false']).optional(),
    mine: z.enum(['true', 'false']).optional(),
    ...page,
  }),
  instanceQuery: z.object({ key: z.string().optional(), status: z.enum(['running', 'completed', 'cancelled', 'incident']).optional(), ...page }),
  incidentQuery: z.object({ status: z.enum(['open', 'resolved']).optional() }),
  changeTask: z
    .object({
      dueAt: z.string().optional(),
      assignee: z.string().optional(),
      candidateRole: z.string().optional(),
      reason: z.string().trim().min(1, 'a reason is required'),
    })
    .strict(),
  requestExtension: z
    .object({
      dueAt: z.string().min(1, 'is required').describe('the due date asked for: a date (YYYY-MM-DD, due at the end of that day, UTC) or an ISO 8601 date and time; after the current due date and in the future'),
      reason: z.string().trim().min(1, 'a reason is required').max(2000),
    })
    .strict(),
  decideExtension: z
    .object({
      decision: z.enum(['approve', 'reject']),
      reason: z.string().trim().min(1, 'a reason is required').max(2000),
    })
    .strict(),
  attachmentQuery: z.object({
    field: z.string().min(1, 'name the file field of the task').describe('the key of a file field of the task'),
    name: z.string().min(1, 'give the file name').max(1000).describe('the file name, e.g. report.pdf (shown with the record; its extension counts when the Content-Type is generic)'),
  }),
  user: z
    .object({
      email: z.string(),
      name: z.string(),
      roles: z.array(z.string()).optional(),
      sites: z.array(z.string()).optional(),
      managerId: z.string().optional(),
      locale: z.string().optional().describe('the language and formats the person reads in, e.g. de-CH; none: their site\'s'),
      timeZone: z.string().optional().describe('the person\'s time zone, e.g. Europe/Zurich; none: their site\'s'),
      active: z.boolean().optional(),
    })
    .strict(),
  password: z.object({ password: z.string(), currentPassword: z.string().optional(), reason: z.string().optional() }).strict(),
  userQuery: z.object({ role: z.string().optional() }),
  schedule: z
    .object({
      processKey: z.string(),
      cron: z.string(),
      timezone: z.string().optional(),
      variables: z.record(z.string(), z.unknown()).optional(),
      site: z.string().optional().describe('the site each started record belongs to; none: all sites'),
      enabled: z.boolean().optional(),
    })
    .strict(),
  outboxQuery: z.object({ status: z.enum(['queued', 'sent', 'failed', 'held', 'dropped', 'waiting', 'digested']).optional(), task: z.string().optional(), ...page }),
};

/** The JSON API, the task pages opened from email links, and the OpenAPI document. */
export function createApp({ imsflow, accounts, assembly, logger, secureCookies = false, trustProxy = 0, before, ops }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (ops) app.use(ops);
  if (before) app.use(before);
  app.set('query parser', 'simple');
  app.set('trust proxy', trustProxy > 0 ? trustProxy : false);
  const limiter = new LoginRateLimiter();
  const actor = (req: Request) => principalOf(req).user.id;

  const api = express.Router();
  // a draft carries its BPMN XML inside JSON: room for the largest file deployment accepts
  api.use('/drafts', express.json({ limit: Math.ceil(PARSE_LIMITS.maxBytes * 1.5) }));
  api.use(express.json({ limit: '1mb' }));
  api.use(identify(accounts, { scopePerRoute: true }));
  api.use(checkCsrf);
  // Who reads the answer: definition problems come in the person's language (api/http/problems.ts).
  api.use(pageReaders({ catalogue: new MessageCatalogue([PAGE_MESSAGES, ...(assembly.packMessages ?? [])]), defaults: assembly.readers ?? INSTALLATION_DEFAULTS }));
  const routes = new RouteRegistry(api, (req, access) => {
    if (access === 'signed-in') principalOf(req);
    else if (access !== 'public') requireRole(req, access);
  });

  // ---- session and tokens ----------------------------------------------------------------------------

  routes.add({ method: 'post', path: '/session', summary: 'Sign in: sets the session cookie; returns the CSRF token', tag: 'session', access: 'public', body: schemas.login, responses: { 200: 'signed in', 401: 'wrong email or password (one answer for an unknown email, a wrong password and an inactive account)', 429: 'too many attempts from this address, or too many failed sign-ins with this email from it (Retry-After)' } }, async (req, res, { body }) => {
    if (!limiter.allow(clientAddress(req))) {
      res.status(429).set('Retry-After', '60').json({ error: 'too many login attempts from this address; wait a minute' });
      return;
    }
    const { user, session, token } = await accounts.login(body.email, body.password, clientAddress(req));
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/', maxAge: accounts.policy.absoluteHours * 3_600_000 });
    res.json({ user: profileOf(user), csrf: session.csrf, expiresAt: session.expiresAt });
  });

  routes.add({ method: 'get', path: '/session', summary: 'Who is signed in, and the CSRF token', tag: 'session', access: 'signed-in', responses: { 200: 'the signed-in user' } }, async (req, res) => {
    const { user, session } = principalOf(req);
    res.json({ user: profileOf(user), ...(session && { csrf: session.csrf, expiresAt: session.expiresAt }) });
  });

  routes.add({ method: 'delete', path: '/session', summary: 'Sign out', tag: 'session', access: 'signed-in', scope: 'read', responses: { 204: 'signed out' } }, async (req, res) => {
    const { session } = principalOf(req);
    if (session) await accounts.logout(session);
    res.clearCookie(SESSION_COOKIE, { path: '/' }).status(204).end();
  });

  routes.add({ method: 'post', path: '/tokens', summary: 'Create an API token for yourself (shown once): in a session, or with a token of scope full', tag: 'session', access: 'signed-in', scope: 'full', scopeCheckedByCommand: true, body: schemas.token, responses: { 201: 'the token', 403: 'made with a token that is not of scope full (audited)' } }, async (req, res, { body }) => {
    const { token, record } = await accounts.createApiToken(actor(req), body.name, actor(req), body.scope ?? 'integration', principalOf(req).apiToken);
    res.status(201).json({ id: record.id, name: record.name, scope: record.scope, token, createdAt: record.createdAt });
  });

  routes.add({ method: 'get', path: '/tokens', summary: 'Your API tokens (without secrets)', tag: 'session', access: 'signed-in', responses: { 200: 'tokens' } }, async (req, res) => {
    const items = (await imsflow.queries.apiTokensOf(actor(req))).map(({ hash: _hash, ...rest }) => rest);
    res.json({ items });
  });

  routes.add({ method: 'delete', path: '/tokens/:id', summary: 'Revoke one of your API tokens, and the tokens created with it; any token may revoke itself, others need a session or scope full', tag: 'session', access: 'signed-in', scope: 'read', responses: { 204: 'revoked', 403: 'another token, revoked with a token not of scope full', 404: 'no such token' } }, async (req, res) => {
    const caller = principalOf(req).apiToken;
    if (caller && caller.id !== String(req.params.id)) requireTokenScope(req, 'full');
    await accounts.revokeApiToken(actor(req), String(req.params.id), actor(req));
    res.status(204).end();
  });

  // ---- definitions -------------------------------------------------------------------------------------

  api.post('/definitions', express.text({ type: ['application/xml', 'text/xml', 'application/bpmn+xml'], limit: PARSE_LIMITS.maxBytes }));
  routes.add({ method: 'post', path: '/definitions', summary: 'Validate and deploy a BPMN definition, in effect at once: bypasses change control (no review or signature); for process owners and admins', tag: 'definitions', access: ['process-owner'], xmlBody: true, query: schemas.deployQuery, responses: { 200: 'identical to an existing version', 201: 'deployed', 413: 'too large, or too costly to check (over the check budget)', 422: 'invalid BPMN' } }, async (req, res, { query }) => {
    if (typeof req.body !== 'string') {
      throw new ValidationError('send the BPMN file as the request body with Content-Type: application/xml', [
        { field: 'Content-Type', message: `must be application/xml (was ${req.get('content-type') ?? 'missing'})` },
      ]);
    }
    const deployed = await imsflow.deploy(req.body, actor(req), query.reason);
    res.status(deployed.created ? 201 : 200).json(deployed);
  });

  routes.add({ method: 'get', path: '/definitions', summary: 'Every deployed version (without XML)', tag: 'definitions', access: 'signed-in', responses: { 200: 'definitions' } }, async (_req, res) => {
    res.json({ items: await imsflow.listDefinitions() });
  });

  routes.add({ method: 'get', path: '/definitions/:key/versions/:version', summary: 'The BPMN XML of one version', tag: 'definitions', access: 'signed-in', responses: { 200: 'BPMN XML', 404: 'no such version' } }, async (req, res) => {
    const version = Number(req.params.version);
    if (!Number.isInteger(version) || version < 1) throw new ValidationError('invalid version', [{ field: 'version', message: 'must be a whole number from 1' }]);
    const definition = await imsflow.getDefinition(String(req.params.key), version);
    res.type('application/xml').send(definition.xml);
  });

  // ---- change control: drafts, review, publication, versions, training ---------------------------------

  changeControlRoutes(routes, { imsflow, accounts });
  accountRoutes(routes, { imsflow, accounts });
  inboxRoutes(routes, { imsflow, titleFields: assembly.titleFields });

  // ---- instances ---------------------------------------------------------------------------------------

  processRoutes(routes, imsflow);

  routes.add({ method: 'get', path: '/instances', summary: 'Instances of your sites, newest first', tag: 'instances', access: OVERSEERS, query: schemas.instanceQuery, responses: { 200: 'instances' } }, async (req, res, { query }) => {
    const items = await imsflow.queries.instances({ ...query, sites: visibleSites(principalOf(req).user) });
    res.json({ items: items.map(({ engineState: _state, ...rest }) => rest) });
  });

  routes.add({ method: 'get', path: '/instances/:id', summary: 'An instance as a record: data, tasks, incidents, history, and the timers and reminders it waits on (waitingOn)', tag: 'instances', access: 'signed-in', responses: { 200: 'the record', 404: 'not found or not of your sites' } }, async (req, res) => {
    const { user } = principalOf(req);
    const instance = await imsflow.getInstance(String(req.params.id));
    const involved = instance.startedBy === user.id || instance.tasks.some((t) => holdsTask(user, t) || t.completedBy === user.id);
    if (!canSee(user, instance) || (!hasRole(user, OVERSEERS) && !involved)) throw new NotFoundError(`no instance ${req.params.id}`);
    res.json(instance);
  });

  routes.add({ method: 'post', path: '/instances/:id/cancel', summary: 'Cancel an instance, with a reason', tag: 'instances', access: ['quality-manager', 'process-owner'], body: schemas.cancelInstance, responses: { 200: 'cancelled', 404: 'not found', 409: 'not running' } }, async (req, res, { body }) => {
    await visibleInstance(req, String(req.params.id));
    await imsflow.cancelInstance(String(req.params.id), body.reason, actor(req));
    res.json(await imsflow.getInstance(String(req.params.id)));
  });

  // ---- tasks ---------------------------------------------------------------------------------------------

  routes.add({ method: 'get', path: '/tasks', summary: 'Tasks: yours and your roles\' (mine=true), or every task of your sites for overseers', tag: 'tasks', access: 'signed-in', query: schemas.taskQuery, responses: { 200: 'tasks' } }, async (req, res, { query }) => {
    const { user } = principalOf(req);
    const overdue = query.overdue === 'true';
    const onlyMine = query.mine === 'true' || !hasRole(user, OVERSEERS);
    const items = await imsflow.listTasks({
      assignee: query.assignee,
      role: query.role,
      status: overdue ? 'open' : query.status,
      instanceId: query.instance,
      dueBefore: overdue ? imsflow.clock.now().toISOString() : undefined,
      sites: visibleSites(user),
      ...(onlyMine && { forUser: { id: user.id, roles: user.roles, standingInFor: user.standingInFor } }),
      limit: query.limit,
      offset: query.offset,
    });
    res.json({ items });
  });

  routes.add({ method: 'get', path: '/tasks/:id', summary: 'One task with its form', tag: 'tasks', access: 'signed-in', responses: { 200: 'the task', 404: 'not found or not yours to see' } }, async (req, res) => {
    res.json(await visibleTask(req, String(req.params.id)));
  });

  routes.add({ method: 'post', path: '/tasks/:id/complete', summary: 'Complete a task you hold with its form data; a task with a signature meaning is signed in the same request', tag: 'tasks', access: 'signed-in', scope: 'integration', body: schemas.completeTask, responses: { 200: 'completed (with the signature\'s manifestation when signed)', 400: 'field errors (the form, a file not uploaded to this task, the signature\'s components)', 401: 'signature password or user id wrong: nothing completed', 403: 'not the holder of the task, or against its separation of duties', 404: 'not found', 409: 'already completed' } }, async (req, res, { body }) => {
    // the task as far as the caller may see it (404 otherwise); who may complete it is the command's to say
    const task = await visibleTask(req, String(req.params.id));
    const principal = principalOf(req);
    const result = await imsflow.tasks.complete({
      principal,
      arrival: { via: principal.apiToken ? 'api-token' : 'session' },
      taskId: task.id,
      data: body.data ?? {},
      ...(body.signature !== undefined && { signature: body.signature }),
      accounts,
    });
    res.json({ ...result, ...(result.signature && { signature: signatureReply(result.signature) }) });
  });

  // claim and release: the same commands as the task pages; who may is the command's to say
  routes.add({ method: 'post', path: '/tasks/:id/claim', summary: 'Take an unassigned task of one of your roles: it becomes yours and stays its role\'s, so you can release it; the other role holders\' email links stop working', tag: 'tasks', access: 'signed-in', responses: { 200: 'the task, assigned to you (also when it already was)', 403: 'the task is not for a role of yours', 404: 'not found or not yours to see', 409: 'already assigned to someone else, or closed' } }, async (req, res) => {
    const task = await visibleTask(req, String(req.params.id));
    res.json(await imsflow.tasks.claim(principalOf(req), task.id));
  });

  routes.add({ method: 'post', path: '/tasks/:id/release', summary: 'Give a task you claimed back to its role, with an optional reason; the role\'s holders are told again', tag: 'tasks', access: 'signed-in', body: schemas.releaseTask, responses: { 200: 'the task, back with its role', 400: 'reason too long', 404: 'not found or not yours to see', 409: 'not assigned to you, without a role to go back to, or closed' } }, async (req, res, { body }) => {
    const task = await visibleTask(req, String(req.params.id));
    res.json(await imsflow.tasks.release(principalOf(req), task.id, body.reason || undefined));
  });

  routes.add({ method: 'patch', path: '/tasks/:id', summary: 'Move the due date or reassign, with a reason', tag: 'tasks', access: ['quality-manager', 'process-owner'], body: schemas.changeTask, responses: { 200: 'changed', 404: 'not found', 409: 'task closed' } }, async (req, res, { body }) => {
    const task = await visibleTask(req, String(req.params.id));
    if (body.dueAt === undefined && body.assignee === undefined && body.candidateRole === undefined) {
      throw new ValidationError('nothing to change', [{ field: 'dueAt', message: 'give dueAt, assignee or candidateRole' }]);
    }
    if (body.dueAt !== undefined) await imsflow.tasks.moveDueDate(principalOf(req), task.id, body.dueAt, body.reason);
    if (body.assignee !== undefined || body.candidateRole !== undefined) {
      await imsflow.tasks.reassign(principalOf(req), task.id, { assignee: body.assignee, candidateRole: body.candidateRole }, body.reason);
    }
    res.json(await imsflow.getTask(task.id));
  });

  // ---- due-date extension requests ------------------------------------------------------------------------

  routes.add({ method: 'post', path: '/tasks/:id/extensions', summary: 'Ask for a later due date of a task you hold, with a reason; the process owner role decides', tag: 'tasks', access: 'signed-in', body: schemas.requestExtension, responses: { 201: 'the request, pending', 400: 'field errors (dueAt not after the current due date or not in the future, reason missing)', 403: 'not the holder of the task', 404: 'not found', 409: 'task closed or without a due date, or a request already pending' } }, async (req, res, { body }) => {
    const task = await visibleTask(req, String(req.params.id));
    res.status(201).json(await imsflow.requestExtension(task.id, body, actor(req)));
  });

  routes.add({ method: 'post', path: '/tasks/:id/extensions/:requestId/decision', summary: 'Approve (moves the due date) or reject a pending extension request, with a reason: a holder of the process owner role or an admin, not the person who asked', tag: 'tasks', access: 'signed-in', body: schemas.decideExtension, responses: { 200: '{request, task}', 400: 'field errors', 403: 'not an approver of this process, or your own request', 404: 'no such task or request', 409: 'already decided, or the task is closed' } }, async (req, res, { body }) => {
    const task = await visibleTask(req, String(req.params.id));
    res.json(await imsflow.decideExtension(task.id, String(req.params.requestId), body, actor(req)));
  });

  // ---- attachments of file fields ------------------------------------------------------------------------

  const attachments = assembly.dataDir ? new AttachmentStore(join(assembly.dataDir, 'attachments')) : undefined;
  const rawBody = express.raw({ type: () => true, limit: MAX_ATTACHMENT_BYTES });

  routes.add({ method: 'post', path: '/tasks/:id/attachments', summary: 'Upload a file for a file field of an open task you hold; put the reference returned in the field\'s value when completing', tag: 'tasks', access: 'signed-in', scope: 'integration', query: schemas.attachmentQuery, rawBody: `the file's bytes, with the file's Content-Type: PDF, PNG, JPEG, plain text, CSV, Excel (.xlsx) or Word (.docx), at most ${MAX_ATTACHMENT_LABEL}`, responses: { 201: '{sha256, name, size, contentType}', 400: 'not a file field, an empty file, or a type that is not accepted or not what the content is', 403: 'not the holder of the task, or against its separation of duties', 404: 'not found', 409: 'task closed', 413: 'too large' } }, async (req, res, { query }) => {
    const task = await visibleTask(req, String(req.params.id));
    if (task.status !== 'open') throw new ConflictError(`task "${task.name}" is ${task.status}: nothing can be attached to it any more`);
    // only a person who may complete the task uploads for it: the complete-task command's rule
    await imsflow.tasks.checkMayComplete(principalOf(req), task.id);
    const field = task.form.find((f) => f.key === query.field);
    if (!field || field.type !== 'file') {
      const files = task.form.filter((f) => f.type === 'file').map((f) => f.key);
      const what = field ? `“${field.label}” (${field.key}) is a ${field.type} field, not a file field` : `the task has no field “${query.field}”`;
      throw new ValidationError('not a file field of this task', [{ field: 'field', message: `${what}: ${files.length ? `use one of ${files.join(', ')}` : 'the task has no file field'}` }]);
    }
    if (!attachments) throw new ValidationError('attachments cannot be stored', [{ field: field.key, message: 'attachments cannot be stored: the server has no data folder configured' }]);
    const buffer = await new Promise<Buffer>((resolve, reject) => {
      rawBody(req, res, (err?: unknown) => {
        if ((err as { type?: string } | undefined)?.type === 'entity.too.large') reject(new TooLargeError(`${field.label}: the file is larger than ${MAX_ATTACHMENT_LABEL}; nothing was saved`));
        else if (err) reject(err);
        else if (req.body !== undefined && !Buffer.isBuffer(req.body)) {
          // a JSON body was read by the API's JSON parser: JSON is no accepted file type
          reject(new ValidationError('send the file\'s bytes', [{ field: field.key, message: `${field.label}: send the file's bytes with its own Content-Type (${req.get('content-type')} is not an accepted file type)` }]));
        } else resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      });
    });
    const checked = checkUpload({ buffer, originalname: query.name, mimetype: req.get('content-type') ?? '' });
    if (!checked.ok) throw new ValidationError(`${field.label}: ${checked.message}`, [{ field: field.key, message: `${field.label}: ${checked.message}` }]);
    // a field that takes some kinds only (ims:accept), told by the content checkUpload found
    if (field.accept && !field.accept.some((kind) => FILE_KINDS[kind] === checked.ref.contentType)) {
      const message = `${field.label}: “${checked.ref.name}” is not ${acceptedKinds(field)}`;
      throw new ValidationError(message, [{ field: field.key, message }]);
    }
    await attachments.save(buffer);
    await recordUpload(imsflow, actor(req), task, field.key, checked.ref);
    res.status(201).json(checked.ref);
  });

  // ---- people, schedules, outbox, incidents, audit -------------------------------------------------------

  peopleRoutes(routes, api, { imsflow });

  routes.add({ method: 'get', path: '/users', summary: 'The directory (for person fields and assignment)', tag: 'people', access: 'signed-in', query: schemas.userQuery, responses: { 200: 'users' } }, async (req, res, { query }) => {
    const admin = hasRole(principalOf(req).user, ['admin']);
    const users = await imsflow.queries.people({ role: query.role, ...(!admin && { active: true }) });
    res.json({ items: users.map((u) => (admin ? profileOf(u) : { id: u.id, name: u.name, roles: u.roles })) });
  });

  routes.add({ method: 'put', path: '/users/:id', summary: 'Create or update a user', tag: 'people', access: ['admin'], body: schemas.user, responses: { 200: 'saved', 400: 'field errors', 409: 'email in use' } }, async (req, res, { body }) => {
    res.json(profileOf(await imsflow.saveUser({ id: String(req.params.id), ...body }, actor(req))));
  });

  routes.add({ method: 'post', path: '/users/:id/password', summary: 'Set a password: your own (with the current one) or, as admin, anyone\'s', tag: 'people', access: 'signed-in', body: schemas.password, responses: { 204: 'set', 400: 'rules not met', 401: 'current password wrong' } }, async (req, res, { body }) => {
    const principal = principalOf(req);
    const id = String(req.params.id);
    const own = id === principal.user.id;
    if (!own && !hasRole(principal.user, ['admin'])) throw new NotPermittedError('only an admin sets another person\'s password');
    // one's own: the account's command (current password, other sessions ended), as POST /api/account/password
    if (own) await accounts.changeOwnPassword(principal, body.currentPassword ?? '', body.password);
    else await accounts.setPassword(id, body.password, principal.user.id, body.reason ?? 'set by an admin');
    res.status(204).end();
  });

  routes.add({ method: 'get', path: '/schedules', summary: 'Scheduled process starts (of your sites, and those of every site)', tag: 'schedules', access: ['process-owner', 'quality-manager', 'steering-committee'], responses: { 200: 'schedules' } }, async (req, res) => {
    const user = principalOf(req).user;
    res.json({ items: (await imsflow.queries.schedules()).filter((schedule) => canSee(user, schedule)) });
  });

  /**
   * A schedule starts records of its site, or records every site sees when it has none: a process owner
   * bound to sites schedules for those sites only, and changes or deletes no schedule of another site or
   * of every site. Admins (every site) may do all.
   */
  const checkScheduleSite = async (req: Request, id: string, site: string | undefined, deleting = false): Promise<void> => {
    const sites = visibleSites(principalOf(req).user);
    if (sites === undefined) return;
    const beyond = (s: string | undefined) => (s === undefined ? sites.length > 0 : !sites.includes(s));
    const existing = await imsflow.queries.findSchedule(id);
    if (existing && beyond(existing.site)) throw new NotPermittedError(`schedule ${id} starts records of ${existing.site === undefined ? 'every site' : `site ${existing.site}`}, not only of yours`);
    if (deleting) return;
    if (site !== undefined && beyond(site)) throw new NotPermittedError(`you do not belong to site ${site}`);
    if (site === undefined && beyond(site)) throw new ValidationError('name the site', [{ field: 'site', message: `one of your sites (${sites.join(', ')}): a schedule without a site starts records every site sees` }]);
  };

  routes.add({ method: 'put', path: '/schedules/:id', summary: 'Create or change a scheduled start', tag: 'schedules', access: ['process-owner'], body: schemas.schedule, responses: { 200: 'saved', 400: 'field errors', 403: 'a schedule of another site' } }, async (req, res, { body }) => {
    await checkScheduleSite(req, String(req.params.id), body.site);
    res.json(await imsflow.saveSchedule({ id: String(req.params.id), ...body, source: 'api' }, actor(req)));
  });

  routes.add({ method: 'delete', path: '/schedules/:id', summary: 'Delete a scheduled start', tag: 'schedules', access: ['process-owner'], responses: { 204: 'deleted', 403: 'a schedule of another site', 404: 'no such schedule' } }, async (req, res) => {
    await checkScheduleSite(req, String(req.params.id), undefined, true);
    await imsflow.deleteSchedule(String(req.params.id), actor(req));
    res.status(204).end();
  });

  routes.add({ method: 'get', path: '/outbox', summary: 'Notification emails and their state', tag: 'operations', access: ['admin'], query: schemas.outboxQuery, responses: { 200: 'messages' } }, async (_req, res, { query }) => {
    res.json({ items: await imsflow.queries.outbox({ status: query.status, taskId: query.task, limit: query.limit }) });
  });

  routes.add({ method: 'get', path: '/incidents', summary: 'Failed steps', tag: 'operations', access: ['admin'], query: schemas.incidentQuery, responses: { 200: 'incidents' } }, async (_req, res, { query }) => {
    res.json({ items: await imsflow.listIncidents(query) });
  });

  routes.add({ method: 'post', path: '/incidents/:id/retry', summary: 'Replay the failed action', tag: 'operations', access: ['admin'], responses: { 200: 'result', 404: 'no such incident', 409: 'already resolved' } }, async (req, res) => {
    res.json(await imsflow.retryIncident(String(req.params.id), actor(req)));
  });

  routes.add({ method: 'get', path: '/audit/verify', summary: 'Recompute the audit trail\'s hash chain', tag: 'audit', access: ['auditor'], responses: { 200: '{ok, checked, brokenAt?}' } }, async (_req, res) => {
    res.json(await imsflow.verifyAuditTrail());
  });

  // ---- clause catalogue (ISO 9001/14001/45001 and the site's extensions) ----------------------------------

  routes.add({ method: 'get', path: '/catalogue', summary: 'The clause catalogue with its version, optionally only the clauses of some standards', tag: 'catalogue', access: 'signed-in', query: z.object({ standards: z.string().regex(/^[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*$/, 'a comma-separated list such as 9001,14001').optional().describe('comma-separated standard codes: 9001, 14001, 45001 or an extension\'s') }), responses: { 200: '{version, publishedAt, extensions, standards, items}', 400: 'unknown standard' } }, async (_req, res, { query }) => {
    const catalogue = shippedCatalogue();
    const standards = query.standards ? [...new Set(query.standards.split(','))] : [];
    const unknown = standards.filter((s) => !catalogue.standards.includes(s));
    if (unknown.length) throw new ValidationError(`unknown standard ${unknown.join(', ')}`, [{ field: 'standards', message: `each one of ${catalogue.standards.join(', ')}` }]);
    res.json({ version: catalogue.version, publishedAt: catalogue.publishedAt, extensions: catalogue.extensions, standards: standards.length ? standards : catalogue.standards, items: catalogue.applicableClauses(standards) });
  });

  // ---- integrations: inbound events, webhooks, backup download (api/integrations.ts) -----------------------

  integrationRoutes(routes, { imsflow, webhooks: assembly.webhooks, dataDir: assembly.dataDir, packs: assembly.packs });
  // ---- steering dashboard and KPIs (api/dashboard-api.ts) ---------------------------------------------------

  registerDashboardRoutes(routes, imsflow);
  siteRoutes(routes, imsflow);
  recordsRoutes(routes, { imsflow });
  packRoutes(routes, assembly.packs ?? [], { imsflow, dataDir: assembly.dataDir, baseUrl: () => assembly.notifier?.baseUrl ?? assembly.baseUrl ?? '' });

  const openapi = routes.document({ title: 'imsflow', version: '0.1.0' });
  api.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  api.use((req) => {
    throw new NotFoundError(`no route ${req.method} ${req.baseUrl}${req.path}`);
  });

  /** A task the caller may see: of their sites, and theirs or their roles' unless they oversee. */
  async function visibleTask(req: Request, id: string): Promise<TaskRecord> {
    const { user } = principalOf(req);
    const task = await imsflow.getTask(id);
    if (!canSee(user, task)) throw new NotFoundError(`no task ${id}`);
    if (!hasRole(user, OVERSEERS) && !holdsTask(user, task) && task.completedBy !== user.id) throw new NotFoundError(`no task ${id}`);
    return task;
  }

  async function visibleInstance(req: Request, id: string): Promise<void> {
    const instance = await imsflow.queries.findInstance(id);
    if (!instance || !canSee(principalOf(req).user, instance)) throw new NotFoundError(`no instance ${id}`);
  }

  app.use('/api', api);
  app.use(uiPages({ imsflow, accounts, assembly, limiter, secureCookies, logger }));
  app.use('/assets', uiAssets(logger));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(apiErrorHandler(logger));
  return app;
}

