import { randomBytes, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Logger } from 'pino';
import type { Accounts } from '../engine/features/accounts/index.js';
import { ValidationError } from '../engine/kernel/errors.js';
import type { ProcessEngine } from '../engine/process-engine.js';
import { passwordProblems } from '../engine/features/accounts/index.js';
import { e, sendPage } from './ui/html.js';

/**
 * The first admin. From IMSFLOW_ADMIN_EMAIL/IMSFLOW_ADMIN_PASSWORD when set; otherwise a one-time setup
 * link is written to the log, valid until used or until the server restarts.
 */
export async function bootstrapAdmin(
  imsflow: ProcessEngine,
  accounts: Accounts,
  admin: { email: string; password: string } | undefined,
  logger: Logger,
): Promise<string | undefined> {
  if (await imsflow.queries.hasActiveAdmin()) return undefined;
  if (admin) {
    await createAdmin(imsflow, accounts, { email: admin.email, name: 'Administrator', password: admin.password }, 'configuration');
    logger.info({ email: admin.email }, 'first admin created from IMSFLOW_ADMIN_EMAIL');
    return undefined;
  }
  return randomBytes(24).toString('base64url');
}

async function createAdmin(imsflow: ProcessEngine, accounts: Accounts, input: { email: string; name: string; password: string }, actor: string): Promise<void> {
  // A new id: never take over an existing person's account by sharing the part before the @.
  const base = input.email.toLowerCase().split('@')[0].replace(/[^\w.-]/g, '') || 'admin';
  let id = base;
  for (let n = 2; await imsflow.queries.findPerson(id); n += 1) id = `${base}-${n}`;
  // Check the password before saving the user: an admin saved without one would end the setup for good.
  const problems = passwordProblems(input.password, input);
  if (problems.length) throw new ValidationError('the password does not meet the rules', problems.map((message) => ({ field: 'password', message: `password ${message}` })));
  await imsflow.saveUser({ id, email: input.email, name: input.name, roles: ['admin'] }, actor);
  await accounts.setPassword(id, input.password, actor, 'first administrator');
}

/** GET/POST /setup/<token>: a form that creates the first admin, once. */
export function setupPages(imsflow: ProcessEngine, accounts: Accounts, token: string | undefined): express.Router {
  const router = express.Router();
  let pending = token;
  const valid = (given: string) => pending !== undefined && Buffer.byteLength(given) === Buffer.byteLength(pending) && timingSafeEqual(Buffer.from(given), Buffer.from(pending));
  router.use('/setup', express.urlencoded({ extended: false, limit: '16kb' }));
  router.get('/setup/:token', (req, res) => {
    if (!valid(req.params.token)) return sendPage(res, 404, { title: 'No setup here', body: '<p>This setup link is not valid, or the first administrator exists already.</p>' });
    sendPage(res, 200, { title: 'Create the first administrator', body: form(req.params.token, {}, []) });
  });
  router.post('/setup/:token', async (req, res) => {
    if (!valid(req.params.token)) return sendPage(res, 404, { title: 'No setup here', body: '<p>This setup link is not valid, or the first administrator exists already.</p>' });
    const body = req.body as Record<string, string>;
    try {
      await createAdmin(imsflow, accounts, { email: String(body.email ?? ''), name: String(body.name ?? ''), password: String(body.password ?? '') }, 'setup-link');
      pending = undefined;
      sendPage(res, 200, { title: 'Administrator created', body: '<p>You can now <a href="/login">sign in</a>.</p>' });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      sendPage(res, 400, { title: 'Create the first administrator', body: form(req.params.token, body, err.fields.map((f) => `${f.field}: ${f.message}`)) });
    }
  });
  return router;
}

function form(token: string, values: Record<string, string>, errors: string[]): string {
  const field = (name: string, label: string, type: string) =>
    `<p><label for="${name}">${label}</label><br><input id="${name}" name="${name}" type="${type}" required value="${type === 'password' ? '' : e(values[name] ?? '')}"></p>`;
  return `${errors.length ? `<ul role="alert">${errors.map((error) => `<li>${e(error)}</li>`).join('')}</ul>` : ''}
<form method="post" action="/setup/${e(token)}">${field('name', 'Name', 'text')}${field('email', 'Email', 'email')}${field('password', 'Password (at least 12 characters)', 'password')}<p><button type="submit">Create</button></p></form>`;
}

