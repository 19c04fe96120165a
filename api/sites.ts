import { z } from 'zod';
import type { ProcessEngine } from '../engine/process-engine.js';
import { principalOf } from './auth.js';
import type { RouteRegistry } from './openapi.js';

/**
 * The site register over JSON (engine/features/sites/): every signed-in person reads it (a site's name is
 * what pages and mails show); admins register, change and deactivate sites, each change audited.
 */

const site = {
  name: z.string().trim().min(1, 'give the site a name people know it by').max(100).describe('what people read, e.g. Dublin filling plant'),
  locale: z.string().min(1, 'is required').describe('what the site\'s people read in unless they chose: en-IE, de-CH, fr-FR …'),
  timeZone: z.string().min(1, 'is required').describe('the site\'s clock, an IANA name such as Europe/Zurich'),
  active: z.boolean().optional().describe('false: kept for its records, offered for nothing new (a reason is required)'),
  reason: z.string().trim().max(2000).optional().describe('why: goes into the audit trail; required to deactivate'),
};

const schemas = {
  create: z.object({ key: z.string().min(1, 'is required').describe('what records, people and schedules carry, e.g. dublin'), ...site }).strict(),
  update: z.object(site).strict(),
  deactivate: z.object({ reason: z.string().trim().min(1, 'a reason is required').max(2000) }).strict(),
};

export function siteRoutes(routes: RouteRegistry, imsflow: ProcessEngine): void {
  const register = imsflow.commands.sites;

  routes.add({ method: 'get', path: '/sites', summary: 'The site register: key, name, locale and time zone defaults, active', tag: 'sites', access: 'signed-in', responses: { 200: 'sites' } }, async (_req, res) => {
    res.json({ items: await register.list() });
  });

  routes.add({ method: 'get', path: '/sites/:key', summary: 'One site', tag: 'sites', access: 'signed-in', responses: { 200: 'the site', 404: 'no such site' } }, async (req, res) => {
    res.json(await register.get(String(req.params.key)));
  });

  routes.add({ method: 'post', path: '/sites', summary: 'Register a site (admins; audited)', tag: 'sites', access: ['admin'], body: schemas.create, responses: { 201: 'the site', 400: 'field errors', 409: 'the key is taken' } }, async (req, res, { body }) => {
    const { key, ...input } = body;
    res.status(201).json(await register.create(key, input, principalOf(req).user));
  });

  routes.add({ method: 'put', path: '/sites/:key', summary: 'Change a site\'s name, defaults or active flag (admins; audited)', tag: 'sites', access: ['admin'], body: schemas.update, responses: { 200: 'the site', 400: 'field errors (a reason to deactivate)', 404: 'no such site', 409: 'changed meanwhile' } }, async (req, res, { body }) => {
    res.json(await register.update(String(req.params.key), body, principalOf(req).user));
  });

  routes.add({ method: 'post', path: '/sites/:key/deactivate', summary: 'Deactivate a site, with a reason: kept for its records (admins; audited)', tag: 'sites', access: ['admin'], body: schemas.deactivate, responses: { 200: 'the site', 404: 'no such site' } }, async (req, res, { body }) => {
    res.json(await register.deactivate(String(req.params.key), body.reason, principalOf(req).user));
  });
}
