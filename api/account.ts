import { z } from 'zod';
import type { Accounts } from '../engine/features/accounts/index.js';
import { IMMEDIATE } from '../engine/features/people/index.js';
import type { UserRecord } from '../engine/kernel/model.js';
import { profileOf, type ProcessEngine } from '../engine/process-engine.js';
import { principalOf } from './auth.js';
import type { RouteRegistry } from './openapi.js';

/**
 * The signed-in person's own account as JSON, what /account offers as a page: their password (the current
 * one first; every other session ends), how notices reach them (at once or one daily digest), and an
 * out-of-office period with the colleague who holds their tasks meanwhile. Each a command that checks it
 * is the person's own and audits the change.
 */

const DAY = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

const schemas = {
  password: z.object({ currentPassword: z.string().min(1, 'is required: your current password'), password: z.string().min(1, 'is required: the new password') }).strict(),
  notices: z
    .object({
      delivery: z.enum(['immediate', 'daily']).describe('each notice at once, or new tasks, reminders and completions in one email a day'),
      at: z.string().optional().describe('for daily: the time of day on your clock, HH:MM (default 07:00)'),
    })
    .strict(),
  absence: z
    .object({
      from: DAY.describe('the first day away, on your clock'),
      to: DAY.describe('the last day away (included)'),
      delegate: z.string().min(1, 'is required: who holds your tasks meanwhile').describe('the user id of a colleague at your site holding the roles your tasks need'),
    })
    .strict(),
};

/** What the account answers show of a person: the profile, their notice choice and out-of-office period. */
function accountOf(user: UserRecord) {
  return { ...profileOf(user), notices: user.notices ?? IMMEDIATE, ...(user.absence && { absence: user.absence }), ...(user.standingInFor?.length && { standingInFor: user.standingInFor }) };
}

export function accountRoutes(routes: RouteRegistry, { imsflow, accounts }: { imsflow: ProcessEngine; accounts: Accounts }): void {
  routes.add({ method: 'get', path: '/account', summary: 'Your account: profile, notice choice, out-of-office period', tag: 'account', access: 'signed-in', responses: { 200: 'your account' } }, async (req, res) => {
    res.json(accountOf(principalOf(req).user));
  });

  routes.add(
    {
      method: 'post',
      path: '/account/password',
      summary: 'Change your password: the current one, then the new one; your other sessions end (audited, never the password)',
      tag: 'account',
      access: 'signed-in',
      body: schemas.password,
      responses: { 200: 'changed: how many other sessions ended', 400: 'the new password breaks a rule (field password)', 401: 'the current password is wrong, or too many wrong ones were given (slowed like a sign-in: retryAt)' },
    },
    async (req, res, { body }) => {
      res.json(await accounts.changeOwnPassword(principalOf(req), body.currentPassword, body.password));
    },
  );

  routes.add({ method: 'put', path: '/account/notices', summary: 'Choose each notice at once, or one daily digest at a time of day', tag: 'account', access: 'signed-in', body: schemas.notices, responses: { 200: 'your account', 400: 'field errors' } }, async (req, res, { body }) => {
    const id = principalOf(req).user.id;
    res.json(accountOf(await imsflow.setNoticePreference(id, body, id)));
  });

  routes.add({ method: 'get', path: '/account/delegates', summary: 'Who may hold your tasks while you are out of office', tag: 'account', access: 'signed-in', responses: { 200: 'colleagues' } }, async (req, res) => {
    const people = await imsflow.possibleDelegates(principalOf(req).user.id);
    res.json({ items: people.map((u) => ({ id: u.id, name: u.name })) });
  });

  routes.add(
    {
      method: 'put',
      path: '/account/absence',
      summary: 'Set your out-of-office period and the colleague who holds your tasks meanwhile',
      tag: 'account',
      access: 'signed-in',
      body: schemas.absence,
      responses: { 200: 'your account', 400: 'field errors: from, to, delegate (named)' },
    },
    async (req, res, { body }) => {
      const id = principalOf(req).user.id;
      res.json(accountOf(await imsflow.setAbsence(id, { fromDay: body.from, toDay: body.to, delegate: body.delegate }, id)));
    },
  );

  routes.add({ method: 'delete', path: '/account/absence', summary: 'End your out-of-office period now (or cancel one not begun)', tag: 'account', access: 'signed-in', responses: { 200: 'your account' } }, async (req, res) => {
    const id = principalOf(req).user.id;
    res.json(accountOf(await imsflow.clearAbsence(id, id)));
  });
}
