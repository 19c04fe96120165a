import { z } from 'zod';
import type { Reader } from '../engine/kernel/i18n/index.js';
import type { StartableProcess } from '../engine/process-engine.js';
import type { ProcessEngine } from '../engine/process-engine.js';
import { principalOf } from './auth.js';
import type { RouteRegistry } from './openapi.js';
import { readerOf } from './pages/reader.js';
import { fieldWords } from './pages/task-form/words.js';

/**
 * Starting records: what a person may start, with its start form in their language
 * (GET /api/processes), and starting one (POST /api/processes/:key/instances). Who may start what and the
 * form's rules are checked in the start command (engine/features/starting), for the pages alike.
 */

const startInstance = z
  .object({
    variables: z.record(z.string(), z.unknown()).optional().describe("the start form's values by field key (GET /api/processes lists the fields)"),
    businessKey: z.string().optional(),
    site: z.string().optional().describe('the site the record belongs to: one of yours; required when you belong to several'),
  })
  .strict();

/** A start form's fields with their labels and options in the reader's language. */
export function startFormInWords(reader: Pick<Reader, 'translated'>, process: StartableProcess) {
  const step = { definitionKey: process.key, elementId: process.startEvent };
  return process.form.map((field) => {
    const words = fieldWords(reader, step, field);
    return { ...field, label: words.label, ...(field.options && { options: field.options.map((o) => ({ value: o.value, label: words.option(o) })) }) };
  });
}

/** A startable process's name and description in the reader's language. */
export function processWords(reader: Pick<Reader, 'translated'>, process: Pick<StartableProcess, 'key' | 'name' | 'description'>): { name: string; description?: string } {
  return {
    name: reader.translated(`${process.key}.process.name`, process.name),
    ...(process.description && { description: reader.translated(`${process.key}.process.description`, process.description) }),
  };
}

export function processRoutes(routes: RouteRegistry, imsflow: ProcessEngine): void {
  routes.add({ method: 'get', path: '/processes', summary: 'What you may start: each process with its start form (labels in your language) and the sites you may pick', tag: 'instances', access: 'signed-in', responses: { 200: '{items: [{key, name, description, version, form, sites}]}' } }, async (req, res) => {
    const reader = readerOf(res);
    const items = await imsflow.startable(principalOf(req).user);
    res.json({ items: items.map((p) => ({ key: p.key, ...processWords(reader, p), version: p.version, form: startFormInWords(reader, p), sites: p.sites })) });
  });

  routes.add({ method: 'post', path: '/processes/:key/instances', summary: 'Start a record of the version in effect from its start form (the form values as variables): by its starters (ims:starters), at one of your sites', tag: 'instances', access: 'signed-in', scope: 'integration', body: startInstance, responses: { 201: 'started', 400: 'a start-form field missing or invalid, or no site named', 403: 'not among the starters, or not your site', 404: 'no such process', 409: 'business key in use' } }, async (req, res, { body }) => {
    const started = await imsflow.startAs(String(req.params.key), body, principalOf(req).user);
    res.status(201).json(started);
  });
}
