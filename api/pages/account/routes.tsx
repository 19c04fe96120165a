/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request, type Response } from 'express';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { readerSettingsOf } from '../../../engine/kernel/i18n/index.js';
import { ValidationError } from '../../../engine/kernel/errors.js';
import { str } from '../basics.js';
import { readerDefaultsOf } from '../reader.js';
import { sendDocument } from '../render.js';
import { requireCsrf, requireSignIn, viewerOf } from '../session.js';
import { AccountPage, type AccountState } from './AccountPage.js';

/**
 * GET /account: the signed-in person's own account; POST /account: they choose their language and time
 * zone (engine: setReadingPreferences, audited), and the next page reads in them.
 */
export function accountPages(imsflow: ProcessEngine): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  const show = (req: Request, res: Response, status: number, state: Pick<AccountState, 'locale' | 'timeZone' | 'errors' | 'saved'>) => {
    const { user } = viewerOf(req);
    const defaults = readerDefaultsOf(res);
    const fallback = readerSettingsOf({ sites: user.sites }, defaults);
    const fromSite = Boolean(user.sites?.some((site) => defaults.sites[site]));
    sendDocument(res, status, <AccountPage viewer={viewerOf(req)} state={{ ...state, fallback, fromSite, now: imsflow.clock.now() }} />);
  };

  router.get('/account', requireSignIn, (req, res) => {
    const { user } = viewerOf(req);
    show(req, res, 200, { locale: user.locale ?? '', timeZone: user.timeZone ?? '', errors: [], saved: str(req.query.saved) === '1' });
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

  return router;
}
