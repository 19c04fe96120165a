/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request, type Response } from 'express';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { AuthenticationError, type Accounts } from '../../../engine/features/accounts/index.js';
import { IMMEDIATE } from '../../../engine/features/people/index.js';
import { readerSettingsOf } from '../../../engine/kernel/i18n/index.js';
import { ROLES } from '../../../engine/kernel/model.js';
import { ValidationError } from '../../../engine/kernel/errors.js';
import { str } from '../basics.js';
import { readerDefaultsOf, readerOf } from '../reader.js';
import { sendDocument } from '../render.js';
import { requireCsrf, requireSignIn, viewerOf } from '../session.js';
import { AccountPage, type AccountState } from './AccountPage.js';
import type { AccountForms } from './AccountForms.js';

const KNOWN_ROLES: readonly string[] = ROLES;

/**
 * GET /account: the signed-in person's own account. POST /account: language and time zone
 * (setReadingPreferences); /account/password: a new password (the current one first; the person's other
 * sessions end); /account/notices: each notice at once or one daily digest; /account/absence (and /end):
 * out of office with a delegate. Each a command that audits; a refusal shows the page again with the
 * fields' problems (400), a success redirects (303) to a confirmation.
 */
export function accountPages(imsflow: ProcessEngine, accounts: Accounts): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  type Shown = Pick<AccountState, 'locale' | 'timeZone' | 'errors' | 'saved' | 'done'> & { refused?: AccountForms['refused'] };

  const show = async (req: Request, res: Response, status: number, state: Shown) => {
    const viewer = viewerOf(req);
    // the person as stored now: a form just saved changed them after the session read them
    const user = (await imsflow.queries.findPerson(viewer.user.id)) ?? viewer.user;
    const defaults = readerDefaultsOf(res);
    const fallback = readerSettingsOf({ sites: user.sites }, defaults);
    const fromSite = Boolean(user.sites?.some((site) => defaults.sites[site]));
    const { t } = readerOf(res);
    const nameOf = async (id: string) => (await imsflow.queries.findPerson(id))?.name ?? id;
    const forms: AccountForms = {
      ...(state.refused && { refused: state.refused }),
      notices: user.notices ?? IMMEDIATE,
      ...(user.absence && { absence: user.absence, delegateName: await nameOf(user.absence.delegate) }),
      standingInFor: await Promise.all(
        (user.standingInFor ?? []).map(async (id) => {
          const other = await imsflow.queries.findPerson(id);
          return { name: other?.name ?? id, ...(other?.absence && { toDay: other.absence.toDay }) };
        }),
      ),
      delegates: (await imsflow.possibleDelegates(user.id)).map((u) => ({ id: u.id, name: u.name })),
      rolesNeeded: user.roles.filter((r) => r !== 'admin').map((r) => (KNOWN_ROLES.includes(r) ? t(`account.role.${r}`) : r)).join(', ') || t('account.none'),
    };
    sendDocument(res, status, <AccountPage viewer={{ ...viewer, user }} state={{ ...state, fallback, fromSite, now: imsflow.clock.now(), forms }} />);
  };

  const stored = async (req: Request) => {
    const { user } = viewerOf(req);
    return { locale: user.locale ?? '', timeZone: user.timeZone ?? '', errors: [] as string[], saved: false };
  };

  router.get('/account', requireSignIn, async (req, res) => {
    const done = str(req.query.done);
    const sessionsEnded = Number(str(req.query.ended)) || 0;
    const state: Shown = { ...(await stored(req)), saved: str(req.query.saved) === '1' };
    if (done === 'password') state.done = { form: 'password', sessionsEnded };
    else if (done === 'notices' || done === 'absence' || done === 'absence-ended') state.done = { form: done };
    await show(req, res, 200, state);
  });

  router.post('/account', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { user } = viewerOf(req);
    const input = { locale: str(body.locale).trim(), timeZone: str(body.timeZone).trim() };
    try {
      await imsflow.setReadingPreferences(user.id, input, user.id);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return show(req, res, 400, { ...input, errors: err.fields.map((f) => f.field), saved: false });
    }
    res.redirect(303, '/account?saved=1');
  });

  router.post('/account/password', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const refuse = async (status: number, fields: string[], retrySeconds?: number) =>
      show(req, res, status, { ...(await stored(req)), refused: { form: 'password', fields, values: {}, ...(retrySeconds && { retrySeconds }) } });
    const password = str(body.password);
    if (!str(body.currentPassword)) return refuse(400, ['currentPassword']);
    if (password !== str(body.repeat)) return refuse(400, ['repeat']);
    try {
      const { sessionsEnded } = await accounts.changeOwnPassword(req.principal!, str(body.currentPassword), password);
      res.redirect(303, `/account?done=password&ended=${sessionsEnded}#account-password`);
    } catch (err) {
      if (err instanceof ValidationError) return refuse(400, ['password']);
      if (err instanceof AuthenticationError) {
        const seconds = err.retryAt ? Math.max(1, Math.ceil((Date.parse(err.retryAt) - imsflow.clock.now().getTime()) / 1000)) : undefined;
        return refuse(seconds ? 429 : 400, ['currentPassword'], seconds);
      }
      throw err;
    }
  });

  router.post('/account/notices', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = { delivery: str(body.delivery), at: str(body.at).trim() };
    const { user } = viewerOf(req);
    try {
      await imsflow.setNoticePreference(user.id, values, user.id);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return show(req, res, 400, { ...(await stored(req)), refused: { form: 'notices', fields: err.fields.map((f) => f.field), values } });
    }
    res.redirect(303, '/account?done=notices#account-notices');
  });

  router.post('/account/absence', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = { from: str(body.from).trim(), to: str(body.to).trim(), delegate: str(body.delegate) };
    const { user } = viewerOf(req);
    try {
      await imsflow.setAbsence(user.id, { fromDay: values.from, toDay: values.to, delegate: values.delegate }, user.id);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return show(req, res, 400, { ...(await stored(req)), refused: { form: 'absence', fields: [...new Set(err.fields.map((f) => f.field))], values } });
    }
    res.redirect(303, '/account?done=absence#account-absence');
  });

  router.post('/account/absence/end', requireSignIn, form, async (req, res) => {
    await requireCsrf(req, res);
    const { user } = viewerOf(req);
    await imsflow.clearAbsence(user.id, user.id);
    res.redirect(303, '/account?done=absence-ended#account-absence');
  });

  return router;
}
