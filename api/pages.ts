import escapeHtml from 'escape-html';
import express from 'express';
import { ConflictError, ValidationError, type FieldError } from '../engine/errors.js';
import type { Imsflow } from '../engine/imsflow.js';
import { LINK_REFUSALS, resolveLink, type LinkSigner } from '../engine/links.js';
import type { FormField, TaskRecord } from '../engine/model.js';

/**
 * Task pages opened from email links (`/t/<token>`): the signed token stands in for a login for that one
 * task and that one person. Server-rendered, no JavaScript needed. The accessible, styled version with
 * attachments and signatures comes with the accounts issue; the token rules here stay.
 */
export function taskLinkPages(imsflow: Imsflow, links: LinkSigner): express.Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '256kb' }));

  router.get('/t/:token', async (req, res) => {
    const opened = await resolveLink(links, imsflow.store, imsflow.clock.now(), req.params.token);
    if (!opened.ok) return refusal(res, opened.reason);
    res.type('html').send(formPage(opened.task, req.params.token, {}, []));
  });

  router.post('/t/:token', async (req, res) => {
    const opened = await resolveLink(links, imsflow.store, imsflow.clock.now(), req.params.token);
    if (!opened.ok) return refusal(res, opened.reason);
    const data = fromForm(opened.task.form, req.body ?? {});
    try {
      const result = await imsflow.completeTask(opened.task.id, data, opened.record.userId, { linkTokenId: opened.record.id });
      res.type('html').send(page('Thank you', `<p>“${escapeHtml(opened.task.name)}” for ${escapeHtml(opened.task.businessKey)} is complete.</p><p>${next(result.instanceStatus)}</p>`));
    } catch (err) {
      if (err instanceof ValidationError) return res.status(400).type('html').send(formPage(opened.task, req.params.token, req.body ?? {}, err.fields));
      if (err instanceof ConflictError) {
        // Something got there first: the same form posted twice (a double click), the task completed or
        // reassigned meanwhile, an incident in the instance. Say why on a page, as for a refused link.
        const again = await resolveLink(links, imsflow.store, imsflow.clock.now(), req.params.token);
        if (!again.ok) return refusal(res, again.reason);
        return res.status(409).type('html').send(page('This task cannot be completed now', `<p>${escapeHtml(err.message)}</p><p>Nothing was saved. Try again later, or ask the process owner.</p>`));
      }
      throw err;
    }
  });
  return router;
}

function refusal(res: express.Response, reason: keyof typeof LINK_REFUSALS) {
  const { status, title, message } = LINK_REFUSALS[reason];
  res.status(status).type('html').send(page(title, `<p>${escapeHtml(message)}</p>`));
}

function next(status: string): string {
  if (status === 'completed') return 'The process is complete. Nothing more is needed from you.';
  if (status === 'incident') return 'Your answer is saved. The next step hit a problem that an administrator has been shown.';
  return 'Your answer is saved and the next step has started; whoever it is for has been told.';
}

/** HTML forms send strings; checkboxes send nothing when unticked. */
function fromForm(fields: FormField[], body: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of fields) {
    const value = body[field.key];
    if (field.type === 'checkbox') data[field.key] = value === 'on' || value === 'true';
    else if (value !== undefined && value !== '') data[field.key] = value;
  }
  return data;
}

function formPage(task: TaskRecord, token: string, values: Record<string, unknown>, errors: FieldError[]): string {
  const errorOf = (key: string) => errors.find((e) => e.field === key)?.message;
  const inputs = task.form
    .map((field) => {
      const id = `f-${field.key}`;
      const error = errorOf(field.key);
      const value = values[field.key] === undefined ? '' : String(values[field.key]);
      const described = error ? ` aria-invalid="true" aria-describedby="${id}-error"` : '';
      const required = field.required ? ' required' : '';
      let control: string;
      switch (field.type) {
        case 'longtext':
          control = `<textarea id="${id}" name="${escapeHtml(field.key)}" rows="5"${required}${described}>${escapeHtml(value)}</textarea>`;
          break;
        case 'select':
          control = `<select id="${id}" name="${escapeHtml(field.key)}"${required}${described}><option value="">Choose…</option>${(field.options ?? [])
            .map((o) => `<option value="${escapeHtml(o.value)}"${o.value === value ? ' selected' : ''}>${escapeHtml(o.label)}</option>`)
            .join('')}</select>`;
          break;
        case 'checkbox':
          control = `<input type="checkbox" id="${id}" name="${escapeHtml(field.key)}"${value === 'on' || value === 'true' ? ' checked' : ''}${described}>`;
          break;
        default: {
          const type = field.type === 'number' ? 'number' : field.type === 'date' ? 'date' : 'text';
          control = `<input type="${type}" id="${id}" name="${escapeHtml(field.key)}" value="${escapeHtml(value)}"${required}${described}>`;
        }
      }
      return `<p><label for="${id}">${escapeHtml(field.label)}${field.required ? ' (required)' : ''}</label><br>${control}${
        error ? `<br><strong id="${id}-error" role="alert">${escapeHtml(error)}</strong>` : ''
      }</p>`;
    })
    .join('\n');
  const due = task.dueAt ? `<p>Due ${escapeHtml(task.dueAt.slice(0, 16).replace('T', ' '))} UTC</p>` : '';
  return page(
    task.name,
    `<p>${escapeHtml(task.businessKey)}</p>${due}${errors.length ? `<p role="alert">Please correct ${errors.length} field${errors.length === 1 ? '' : 's'}.</p>` : ''}
<form method="post" action="/t/${escapeHtml(token)}">${inputs}<p><button type="submit">Complete task</button></p></form>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · imsflow</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}
