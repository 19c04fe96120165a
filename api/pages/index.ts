import { join } from 'node:path';
import express from 'express';
import type { Logger } from 'pino';
import type { Accounts } from '../../engine/features/accounts/index.js';
import type { ProcessEngine } from '../../engine/process-engine.js';
import type { Assembly } from '../../engine/boot/assemble.js';
import { identify, LoginRateLimiter } from '../auth.js';
import { pageErrorHandler } from '../http/errors.js';
import { designSystemAssets } from './assets.js';
import { dashboardPages } from './dashboard/routes.js';
import { taskLinkPages } from './email-link.js';
import { modelerPages } from './modeler/routes.js';
import { taskPages } from './tasks/routes.js';
import { PAGE_MESSAGES, pageReaders } from './reader.js';
import { MessageCatalogue, INSTALLATION_DEFAULTS } from '../../engine/kernel/i18n/index.js';
import { AttachmentStore } from './attachments.js';
import { auditPages } from './audit-trail/routes.js';
import { faviconRoutes } from './favicon.js';
import { pageHeaders } from './basics.js';
import { recordPages } from './record/routes.js';
import { registerPages } from './records/routes.js';
import { countInbox, sessionPages } from './session.js';
import { inboxPages } from './inbox/routes.js';
import { accountPages } from './account/routes.js';
import { adminPages } from './admin/routes.js';
import { mayStartSomething, startPages } from './start/routes.js';
import { adminPeoplePages } from './admin-people/routes.js';
import { intakePages, intakePrefixes } from './intake/routes.js';
import { packNavLinks, packPagePrefixes, packPages } from './pack/routes.js';

export interface UiOptions {
  imsflow: ProcessEngine;
  accounts: Accounts;
  /** Link signing for the email-link pages; the data folder for attachments. */
  assembly: Pick<Assembly, 'links'> & Partial<Pick<Assembly, 'dataDir' | 'readers' | 'packMessages' | 'titleFields' | 'webhooks' | 'packs' | 'notifier' | 'baseUrl'>>;
  /** The API's login limiter, so the login page and POST /api/session share one budget per address. */
  limiter?: LoginRateLimiter;
  secureCookies?: boolean;
  logger?: Logger;
}

/** Paths of signed-in pages: the session is read for these. */
const SIGNED_IN = ['/inbox', '/login', '/logout', '/account', '/tasks', '/new', '/records', '/audit', '/audit.csv', '/attachments', '/modeler', '/dashboard', '/admin'];
/** Paths whose errors are answered with a page rather than JSON. */
const PAGES = [...SIGNED_IN, '/t'];
/** What else the server answers: no pack page may take these. */
const PLATFORM_PATHS = [...PAGES, '/api', '/assets', '/ui', '/setup', '/healthz', '/readyz', '/metrics', '/favicon.ico'];

/**
 * The server-rendered pages people use, mounted on the app with one line: sign in and out, the task list
 * and task pages, record pages with attachments, the audit trail, the steering dashboard, and the
 * email-link task pages.
 */
export function uiPages({ imsflow, accounts, assembly, limiter = new LoginRateLimiter(), secureCookies = false, logger }: UiOptions): express.Router {
  const router = express.Router();
  const attachments = assembly.dataDir ? new AttachmentStore(join(assembly.dataDir, 'attachments')) : undefined;
  // the packs' pages (ProcessPack.pages) are signed-in pages too, under their own first path segment
  const packs = assembly.packs ?? [];
  const signedIn = [...SIGNED_IN, ...packPagePrefixes(packs, PLATFORM_PATHS)];
  // the packs' public intake pages (ProcessPack.intake): answered as pages, the session read for their poster
  const intake = intakePrefixes(packs, [...PLATFORM_PATHS, ...signedIn]);
  const pages = [...signedIn, '/t', ...intake];

  // The pages' messages in every language, read in each person's locale and time zone (api/pages/reader.tsx).
  router.use(pageReaders({ catalogue: new MessageCatalogue([PAGE_MESSAGES, ...(assembly.packMessages ?? [])]), defaults: assembly.readers ?? INSTALLATION_DEFAULTS }));
  router.use(faviconRoutes());
  router.use(designSystemAssets());
  router.use(pages, (_req, res, next) => {
    res.locals.uiPage = true;
    pageHeaders(res);
    next();
  });
  router.use(taskLinkPages(imsflow, assembly.links, attachments, accounts, assembly.titleFields));
  router.use([...signedIn, ...intake], identify(accounts));
  // sites are shown by their register name (components/SiteName.tsx)
  router.use(pages, async (_req, res, next) => {
    try {
      res.locals.siteNames = new Map((await imsflow.queries.sites()).map((site) => [site.key, site.name]));
      next();
    } catch (err) {
      next(err);
    }
  });
  router.use(signedIn, countInbox(imsflow));
  router.use(signedIn, mayStartSomething(imsflow));
  router.use(signedIn, packNavLinks(packs));
  router.get('/', (_req, res) => res.redirect(303, '/inbox'));
  router.use(sessionPages({ accounts, limiter, secureCookies }));
  router.use(accountPages(imsflow, accounts));
  router.use(adminPeoplePages(imsflow));
  router.use(inboxPages(imsflow, assembly.titleFields));
  router.use(startPages({ imsflow, attachments, titleFields: assembly.titleFields ?? {} }));
  router.use(taskPages({ imsflow, accounts, attachments, titleFields: assembly.titleFields }));
  router.use(registerPages(imsflow));
  router.use(recordPages(imsflow, attachments, assembly.titleFields, packs));
  router.use(auditPages(imsflow));
  router.use(modelerPages(imsflow));
  router.use(dashboardPages(imsflow, { titleFields: assembly.titleFields }));
  router.use(adminPages(imsflow, accounts, assembly.webhooks));
  router.use(intakePages({ imsflow, packs, attachments, baseUrl: () => assembly.notifier?.baseUrl ?? assembly.baseUrl ?? '' }));
  router.use(packPages(packs, { imsflow, dataDir: assembly.dataDir, baseUrl: () => assembly.notifier?.baseUrl ?? assembly.baseUrl ?? '' }));
  router.use(pageErrorHandler(logger));
  return router;
}
