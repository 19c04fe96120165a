import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { NotPermittedError, ValidationError } from '../engine/kernel/errors.js';
import type { ProcessEngine } from '../engine/process-engine.js';
import { INBOUND_TYPES, receiveEvent } from '../engine/features/inbound/index.js';
import { WEBHOOK_EVENTS } from '../engine/kernel/model.js';
import type { Webhooks } from '../engine/features/webhooks/index.js';
import { principalOf, visibleSites } from './auth.js';
import type { RouteRegistry } from './openapi.js';

/**
 * Integrations: inbound events from other systems (POST /api/events, the `integration` role, with an API
 * token), outgoing webhook subscriptions and their delivery log (admins), and the backup download
 * (admins). The work is done in engine/features/inbound/inbound.ts, engine/features/webhooks/webhooks.ts and engine/features/backup/backup.ts.
 */

const schemas = {
  event: z
    .object({
      source: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'name the sending system: 1–64 letters, digits, ".", "_" or "-"').describe('the sending system, e.g. mes-dublin'),
      eventId: z.string().trim().min(1, 'is required').max(200).describe("the sender's id of this event: a repeat with the same source and eventId returns the first record"),
      type: z.string().min(1, 'is required').describe(`one of ${Object.keys(INBOUND_TYPES).join(', ')}, or one a process pack brings`),
      data: z.record(z.string(), z.unknown()).describe('nonconformity.raised: {title, description, category?, reference?, occurredOn?}'),
      site: z.string().optional().describe('the site the record belongs to; default the sender account\'s only site'),
    })
    .strict(),
  subscription: z
    .object({
      url: z.string().min(1, 'is required').describe('http:// or https:// address that receives POSTs; private addresses only when IMSFLOW_WEBHOOK_ALLOW_PRIVATE allows them'),
      events: z.array(z.string()).describe(`any of ${WEBHOOK_EVENTS.join(', ')}`),
      description: z.string().max(500).optional(),
      active: z.boolean().optional(),
    })
    .strict(),
  subscriptionPatch: z
    .object({
      url: z.string().min(1).optional(),
      events: z.array(z.string()).optional(),
      description: z.string().max(500).optional(),
      active: z.boolean().optional().describe('false pauses deliveries: events while paused are logged as not sent'),
    })
    .strict(),
  rotate: z.object({ reason: z.string().trim().min(1, 'a reason is required').max(2000) }).strict(),
  deliveryQuery: z.object({ status: z.enum(['pending', 'delivered', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
  backup: z.object({ reason: z.string().trim().max(2000).optional() }).strict(),
};

export interface IntegrationDeps {
  imsflow: ProcessEngine;
  webhooks?: Webhooks;
  /** The data folder: attachments travel with a backup. */
  dataDir?: string;
}

export function integrationRoutes(routes: RouteRegistry, { imsflow, webhooks = imsflow.commands.webhooks(), dataDir }: IntegrationDeps): void {
  // ---- inbound events ----------------------------------------------------------------------------------

  routes.add({ method: 'post', path: '/events', summary: 'An event from another system (MES, ERP) that starts a record, e.g. nonconformity.raised starts a CAPA; idempotent on (source, eventId)', tag: 'integrations', access: ['integration'], scope: 'integration', body: schemas.event, responses: { 200: 'a repeat: the record the first one started', 201: '{created, event, instance}', 400: 'field errors (unknown type, data fields)', 403: 'not an integration account, or a site not the account\'s', 409: 'the eventId was used before with other data' } }, async (req, res, { body }) => {
    const { user } = principalOf(req);
    const sites = visibleSites(user);
    const site = body.site ?? (user.sites?.length === 1 ? user.sites[0] : undefined);
    if (site !== undefined && sites !== undefined && !sites.includes(site)) throw new NotPermittedError(`this account does not belong to site ${site}`);
    if (site === undefined && sites !== undefined && sites.length > 1) throw new ValidationError('say which site the record belongs to', [{ field: 'site', message: `one of ${sites.join(', ')}` }]);
    const result = await receiveEvent(imsflow, { ...body, ...(site && { site }) }, user.id);
    const instance = await imsflow.queries.findInstance(result.event.instanceId);
    res.status(result.created ? 201 : 200).json({ created: result.created, event: result.event, instance: { id: result.event.instanceId, businessKey: result.event.businessKey, status: instance?.status } });
  });

  // ---- webhooks ------------------------------------------------------------------------------------------

  routes.add({ method: 'get', path: '/webhooks', summary: 'Webhook subscriptions (without secrets)', tag: 'integrations', access: ['admin'], responses: { 200: 'subscriptions' } }, async (_req, res) => {
    res.json({ items: await webhooks.list(), events: WEBHOOK_EVENTS });
  });

  routes.add({ method: 'post', path: '/webhooks', summary: 'Subscribe a URL to record events; the signing secret is shown once', tag: 'integrations', access: ['admin'], body: schemas.subscription, responses: { 201: 'the subscription and its secret', 400: 'field errors (url not http(s) or private, unknown events)' } }, async (req, res, { body }) => {
    const { subscription, secret } = await webhooks.create(body, principalOf(req).user.id);
    res.status(201).json({ ...subscription, secret });
  });

  routes.add({ method: 'get', path: '/webhooks/:id', summary: 'One webhook subscription (without its secret)', tag: 'integrations', access: ['admin'], responses: { 200: 'the subscription', 404: 'no such subscription' } }, async (req, res) => {
    const { secret: _secret, ...view } = await webhooks.get(String(req.params.id));
    res.json(view);
  });

  routes.add({ method: 'patch', path: '/webhooks/:id', summary: 'Change a subscription\'s URL, events or description, or pause and resume it', tag: 'integrations', access: ['admin'], body: schemas.subscriptionPatch, responses: { 200: 'the subscription', 400: 'field errors', 404: 'no such subscription', 409: 'changed meanwhile' } }, async (req, res, { body }) => {
    res.json(await webhooks.update(String(req.params.id), body, principalOf(req).user.id));
  });

  routes.add({ method: 'post', path: '/webhooks/:id/secret', summary: 'Rotate the signing secret, with a reason; the new secret is shown once', tag: 'integrations', access: ['admin'], body: schemas.rotate, responses: { 200: 'the subscription and its new secret', 404: 'no such subscription' } }, async (req, res, { body }) => {
    const { subscription, secret } = await webhooks.rotateSecret(String(req.params.id), body.reason, principalOf(req).user.id);
    res.json({ ...subscription, secret });
  });

  routes.add({ method: 'delete', path: '/webhooks/:id', summary: 'Delete a subscription (its delivery log stays)', tag: 'integrations', access: ['admin'], responses: { 204: 'deleted', 404: 'no such subscription' } }, async (req, res) => {
    await webhooks.delete(String(req.params.id), principalOf(req).user.id);
    res.status(204).end();
  });

  routes.add({ method: 'get', path: '/webhooks/:id/deliveries', summary: 'The delivery log of a subscription, newest first: status, attempts, response code, error, next attempt', tag: 'integrations', access: ['admin'], query: schemas.deliveryQuery, responses: { 200: 'deliveries', 404: 'no such subscription' } }, async (req, res, { query }) => {
    res.json({ items: await webhooks.deliveries(String(req.params.id), query) });
  });

  // ---- backup --------------------------------------------------------------------------------------------

  routes.add({ method: 'post', path: '/backup', summary: 'Download a backup of every record and attachment (.tar.gz with its manifest); the export is recorded in the audit trail', tag: 'operations', access: ['admin'], body: schemas.backup, responses: { 200: 'application/gzip: the archive' } }, async (req, res, { body }) => {
    const dir = await mkdtemp(join(tmpdir(), 'imsflow-download-'));
    const file = join(dir, 'backup.tar.gz');
    try {
      const manifest = await imsflow.commands.exportBackup(file, {
        ...(dataDir && { attachmentsDir: join(dataDir, 'attachments') }),
        actor: principalOf(req).user.id,
        ...(body.reason && { reason: body.reason }),
      });
      const name = `imsflow-backup-${manifest.createdAt.replace(/[:.]/g, '-')}.tar.gz`;
      res.status(200).type('application/gzip').attachment(name);
      await new Promise<void>((resolve, reject) => {
        const stream = createReadStream(file);
        stream.on('error', reject);
        res.on('close', () => resolve());
        stream.pipe(res);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
