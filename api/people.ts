import express, { type Request } from 'express';
import { z } from 'zod';
import { ValidationError } from '../engine/kernel/errors.js';
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, profileOf, SITE_ADMIN } from '../engine/features/people/index.js';
import type { Role } from '../engine/kernel/model.js';
import type { ProcessEngine } from '../engine/process-engine.js';
import { principalOf } from './auth.js';
import type { RouteRegistry } from './openapi.js';

// The administration of people as JSON: admins for everyone, site administrators (role site-admin) for
// the people of their sites. The commands check that rule; these routes only read and answer.

/**
 * Who gets past the route: admins and site administrators. `site-admin` is a directory role the people
 * feature defines (not one of ROLES, which processes name as task roles); the commands then decide whom
 * each may administer.
 */
const ADMINISTRATORS = ['admin', SITE_ADMIN] as readonly string[] as readonly Role[];

const reason = z.string().trim().min(1, 'is required: why').max(2000);
const names = z.array(z.string()).max(100);
const schemas = {
  peopleQuery: z.object({
    search: z.string().max(200).optional().describe('words of a name, email or id'),
    role: z.string().max(64).optional(),
    site: z.string().max(64).optional(),
    active: z.enum(['true', 'false']).optional(),
  }),
  create: z.object({ email: z.string().max(254), name: z.string().max(200), roles: names.optional(), sites: names.optional(), managerId: z.string().max(64).optional(), locale: z.string().max(35).optional(), reason: z.string().max(2000).optional() }).strict(),
  update: z.object({ email: z.string().max(254).optional(), name: z.string().max(200).optional(), roles: names.optional(), sites: names.optional(), managerId: z.string().max(64).optional().describe('empty: no manager'), locale: z.string().max(35).optional().describe('empty: their site\'s'), reason }).strict(),
  reason: z.object({ reason }).strict(),
  importQuery: z.object({ digest: z.string().max(64).optional().describe('the dry run\'s digest: the import applies only the plan the dry run showed'), fileName: z.string().max(200).optional() }),
};

const csvBody = express.text({ type: ['text/csv', 'text/plain', 'application/csv'], limit: MAX_IMPORT_BYTES * 4 });

function csvOf(req: Request): string {
  if (typeof req.body !== 'string') throw new ValidationError('send the CSV file as the request body', [{ field: 'Content-Type', message: `must be text/csv (was ${req.get('content-type') ?? 'missing'})` }]);
  return req.body;
}

export function peopleRoutes(routes: RouteRegistry, api: express.Router, { imsflow }: { imsflow: ProcessEngine }): void {
  const actor = (req: Request) => principalOf(req).user.id;

  routes.add({ method: 'get', path: '/people', summary: 'The people you administer (admins: everyone; site administrators: their sites), by name', tag: 'people', access: ADMINISTRATORS, query: schemas.peopleQuery, responses: { 200: 'people', 403: 'not an administrator' } }, async (req, res, { query }) => {
    const people = await imsflow.people.list(actor(req), { ...query, active: query.active === undefined ? undefined : query.active === 'true' });
    res.json({ items: people.map(profileOf) });
  });

  routes.add({ method: 'post', path: '/people', summary: 'Create a person (no password until one is set); the id is made from the email', tag: 'people', access: ADMINISTRATORS, body: schemas.create, responses: { 201: 'created', 400: 'field errors', 403: 'outside your sites, or an admin-only role', 409: 'email in use' } }, async (req, res, { body }) => {
    const { reason: why, ...changes } = body;
    res.status(201).json(profileOf(await imsflow.people.create(actor(req), changes, why)));
  });

  routes.add({ method: 'get', path: '/people/:id', summary: 'A person, their manager and the open tasks they hold', tag: 'people', access: ADMINISTRATORS, responses: { 200: 'the person', 404: 'no such person of your sites' } }, async (req, res) => {
    const { person, manager, openTasks } = await imsflow.people.view(actor(req), String(req.params.id));
    res.json({ ...profileOf(person), ...(manager && { manager: { id: manager.id, name: manager.name } }), openTasks: openTasks.map((t) => ({ id: t.id, name: t.name, businessKey: t.businessKey, dueAt: t.dueAt })) });
  });

  routes.add({ method: 'patch', path: '/people/:id', summary: 'Change a person\'s name, email, roles, sites, manager or language, with a reason', tag: 'people', access: ADMINISTRATORS, body: schemas.update, responses: { 200: 'saved', 400: 'field errors', 403: 'outside your sites, or an admin-only role', 404: 'no such person of your sites', 409: 'email in use' } }, async (req, res, { body }) => {
    const { reason: why, ...changes } = body;
    res.json(profileOf(await imsflow.people.update(actor(req), String(req.params.id), changes, why)));
  });

  routes.add({ method: 'post', path: '/people/:id/deactivate', summary: 'Deactivate a person, with a reason: ends their sessions, revokes their API tokens and emailed links, hands their open tasks over (one commit)', tag: 'people', access: ADMINISTRATORS, body: schemas.reason, responses: { 200: 'deactivated, with where each open task went', 403: 'your own account, or outside your sites', 404: 'no such person of your sites', 409: 'deactivated already' } }, async (req, res, { body }) => {
    const done = await imsflow.people.deactivate(actor(req), String(req.params.id), body.reason);
    res.json({ ...done, person: profileOf(done.person) });
  });

  routes.add({ method: 'post', path: '/people/:id/reactivate', summary: 'Give a deactivated person their account back, with a reason (revoked tokens and links stay revoked)', tag: 'people', access: ADMINISTRATORS, body: schemas.reason, responses: { 200: 'active again', 404: 'no such person of your sites', 409: 'active already' } }, async (req, res, { body }) => {
    res.json(profileOf(await imsflow.people.reactivate(actor(req), String(req.params.id), body.reason)));
  });

  api.post(['/people/import', '/people/import/dry-run'], csvBody);
  const limits = `at most ${MAX_IMPORT_ROWS} people and ${MAX_IMPORT_BYTES / 1024 / 1024} MB`;
  routes.add({ method: 'post', path: '/people/import/dry-run', summary: `What importing a CSV of people would change, row by row (nothing is written). Columns: email, display name, roles, sites, manager email, locale; ${limits}`, tag: 'people', access: ADMINISTRATORS, rawBody: 'text/csv', responses: { 200: 'the plan: each row create, update (old → new), unchanged or error (row and column named); its digest', 400: 'not a CSV file, or an unknown column', 413: `more than ${limits}` } }, async (req, res) => {
    res.json(await imsflow.people.planImport(actor(req), csvOf(req)));
  });

  routes.add({ method: 'post', path: '/people/import', summary: 'Import a CSV of people: every row or none, in one audited commit, only as the dry run with this digest showed', tag: 'people', access: ADMINISTRATORS, rawBody: 'text/csv', query: schemas.importQuery, responses: { 200: 'imported: the plan applied', 400: 'a row in error (nothing imported)', 409: 'the directory or the file changed since the dry run', 413: `more than ${limits}` } }, async (req, res, { query }) => {
    res.json(await imsflow.people.applyImport(actor(req), csvOf(req), query.digest, query.fileName));
  });
}
