import { randomBytes, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Logger } from 'pino';
import type { Accounts } from '../engine/features/accounts/index.js';
import { ValidationError } from '../engine/kernel/errors.js';
import type { ProcessEngine } from '../engine/process-engine.js';
import { passwordProblems } from '../engine/features/accounts/index.js';
import { str } from './pages/basics.js';
import { sendSetupDone, sendSetupForm, sendSetupNotFound } from './pages/setup.js';

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

/** GET/POST /setup/<token>: a form that creates the first admin, once (the page: api/pages/setup.tsx). */
export function setupPages(imsflow: ProcessEngine, accounts: Accounts, token: string | undefined): express.Router {
  const router = express.Router();
  let pending = token;
  const valid = (given: string) => pending !== undefined && Buffer.byteLength(given) === Buffer.byteLength(pending) && timingSafeEqual(Buffer.from(given), Buffer.from(pending));
  router.use('/setup', express.urlencoded({ extended: false, limit: '16kb' }));
  router.get('/setup/:token', (req, res) => {
    if (!valid(req.params.token)) return sendSetupNotFound(res);
    sendSetupForm(res, 200, req.params.token);
  });
  router.post('/setup/:token', async (req, res) => {
    if (!valid(req.params.token)) return sendSetupNotFound(res);
    const body = req.body as Record<string, unknown>;
    const values = { name: str(body.name), email: str(body.email) };
    try {
      await createAdmin(imsflow, accounts, { ...values, password: str(body.password) }, 'setup-link');
      pending = undefined;
      sendSetupDone(res);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      sendSetupForm(res, 400, req.params.token, values, err.fields);
    }
  });
  return router;
}
