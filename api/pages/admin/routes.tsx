/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express from 'express';
import type { Accounts } from '../../../engine/features/accounts/index.js';
import type { Webhooks } from '../../../engine/features/webhooks/index.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { administers } from '../../../engine/features/people/index.js';
import { NotPermittedError } from '../../../engine/kernel/errors.js';
import type { Viewer } from '../basics.js';
import { useReader } from '../reader.js';
import { sendDocument } from '../render.js';
import { requireSignIn, viewerOf } from '../session.js';
import { AdminShell, COPY_SCRIPT, COPY_SCRIPT_PATH } from './parts.js';
import { schedulePages } from './schedules.js';
import { sitePages } from './sites.js';
import { tokenPages } from './tokens.js';
import { webhookPages } from './webhooks.js';

/**
 * Administration (/admin, for admins): a landing page with one section per register (people, sites,
 * schedules, webhooks, API tokens) and how many each holds, and the pages of each. People are the people
 * pages' (/admin/people); the rest are here.
 */

interface Counts {
  people: number;
  sites: number;
  schedules: number;
  webhooks: number;
  tokens: number;
}

/** Admins see every register; a site administrator (role site-admin) the people of their sites only. */
function AdminPage({ viewer, counts }: { viewer: Viewer; counts: Counts }) {
  const admin = viewer.user.roles.includes('admin');
  const { t } = useReader();
  const section = (id: string, href: string, count: string, extra?: { href: string; label: string }) => (
    <li class="usa-card tablet:grid-col-6" key={id}>
      <div class="usa-card__container">
        <div class="usa-card__header">
          <h2 class="usa-card__heading">
            <a class="usa-link" href={href}>
              {t(`admin.section.${id}.title`)}
            </a>
          </h2>
        </div>
        <div class="usa-card__body">
          <p>{t(`admin.section.${id}.about`)}</p>
          <p class="text-bold">{count}</p>
          {extra ? (
            <p>
              <a class="usa-link" href={extra.href}>
                {extra.label}
              </a>
            </p>
          ) : null}
        </div>
      </div>
    </li>
  );
  return (
    <AdminShell title={t('admin.title')} viewer={viewer} back={false}>
      <p>{t('admin.intro')}</p>
      <ul class="usa-card-group">
        {section('people', '/admin/people', t('admin.count.people', { count: counts.people }), { href: '/admin/people/import', label: t('admin.section.people.import') })}
        {admin ? section('sites', '/admin/sites', t('admin.count.sites', { count: counts.sites })) : null}
        {admin ? section('schedules', '/admin/schedules', t('admin.count.schedules', { count: counts.schedules })) : null}
        {admin ? section('webhooks', '/admin/webhooks', t('admin.count.webhooks', { count: counts.webhooks })) : null}
        {admin ? section('tokens', '/admin/tokens', t('admin.count.tokens', { count: counts.tokens })) : null}
      </ul>
    </AdminShell>
  );
}

export function adminPages(imsflow: ProcessEngine, accounts: Accounts, webhooks: Webhooks = imsflow.commands.webhooks()): express.Router {
  const router = express.Router();

  router.get('/admin', requireSignIn, async (req, res) => {
    const { user } = viewerOf(req);
    if (!administers(user)) throw new NotPermittedError('administration is for administrators and site administrators');
    if (!user.roles.includes('admin')) {
      const theirs = (await imsflow.queries.people()).filter((p) => p.active && p.sites?.some((site) => user.sites?.includes(site)));
      return sendDocument(res, 200, <AdminPage viewer={viewerOf(req)} counts={{ people: theirs.length, sites: 0, schedules: 0, webhooks: 0, tokens: 0 }} />);
    }
    const people = await imsflow.queries.people();
    let tokens = 0;
    for (const person of people) tokens += (await imsflow.queries.apiTokensOf(person.id)).filter((token) => !token.revokedAt).length;
    const counts: Counts = {
      people: people.filter((p) => p.active).length,
      sites: (await imsflow.queries.sites()).filter((s) => s.active).length,
      schedules: (await imsflow.queries.schedules()).length,
      webhooks: (await webhooks.list()).length,
      tokens,
    };
    sendDocument(res, 200, <AdminPage viewer={viewerOf(req)} counts={counts} />);
  });

  router.get(COPY_SCRIPT_PATH, (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').send(COPY_SCRIPT);
  });

  router.use(sitePages(imsflow));
  router.use(schedulePages(imsflow));
  router.use(webhookPages(webhooks));
  router.use(tokenPages(imsflow, accounts));
  return router;
}
