/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren, VNode } from 'preact';
import { hasRole } from '../../auth.js';
import { administers } from '../../../engine/features/people/index.js';
import { AUDIT_ROLES, DASHBOARD_ROLES, PROCESS_ROLES, type Section, type Viewer } from '../basics.js';
import { FAVICON_PATH } from '../favicon.js';
import { CSS_PATH } from '../assets.js';
import { useReader } from '../reader.js';
import { CsrfField } from './Form.js';

/**
 * The one layout of the pages: skip link, header with the signed-in person and sign-out, the navigation,
 * one column that works on a phone. No inline script or style: the CSP (basics.ts) refuses both. Styled by
 * the design system (/ui/ims.css, USWDS): usa-skipnav, then our own header (ims-header; no US-government
 * banner); see README.md here for the classes pages use.
 */
export interface ShellProps {
  title: string;
  viewer?: Viewer;
  current?: Section;
  /** Extra elements for <head> (a page's script or stylesheet). */
  head?: ComponentChildren;
  /** A page of figures side by side (the dashboard): a wider column on large screens. */
  wide?: boolean;
  /** What comes before the heading (a breadcrumb trail). */
  before?: ComponentChildren;
  children?: ComponentChildren;
}

export function Shell({ title, viewer, current, head, wide = false, before, children }: ShellProps) {
  const { t, locale } = useReader();
  return (
    <html lang={locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{t('shell.documentTitle', { title })}</title>
        <link rel="icon" href={FAVICON_PATH} type="image/svg+xml" />
        <link rel="stylesheet" href={CSS_PATH} />
        {head}
      </head>
      <body>
        <a class="usa-skipnav" href="#main">
          {t('shell.skipToContent')}
        </a>
        {viewer ? <SignedInHeader viewer={viewer} current={current} /> : <SignedOutHeader />}
        <main id="main" tabIndex={-1} class={wide ? 'wide' : undefined}>
          {before}
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
}

function SignedOutHeader() {
  return (
    <header class="ims-header">
      <span class="ims-header__brand">imsflow</span>
    </header>
  );
}

function SignedInHeader({ viewer, current }: { viewer: Viewer; current?: Section }) {
  const { user } = viewer;
  const { t, rich } = useReader();
  const link = (section: Section, href: string, label: string) => (
    <li>
      <a href={href} aria-current={current === section ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
  return (
    <header class="ims-header">
      <a class="ims-header__brand" href="/inbox">
        imsflow
      </a>
      <nav class="ims-header__nav" aria-label={t('shell.nav.label')}>
        <ul>
          <li>
            <a href="/inbox" aria-current={current === 'inbox' ? 'page' : undefined}>
              {t('shell.nav.inbox')}
              {viewer.inboxCount ? (
                <>
                  {' '}
                  <span class="usa-tag ims-nav-count" aria-hidden="true">
                    {viewer.inboxCount}
                  </span>
                  <span class="usa-sr-only">{t('shell.nav.waiting', { count: viewer.inboxCount })}</span>
                </>
              ) : null}
            </a>
          </li>
          {link('tasks', '/tasks', t('shell.nav.tasks'))}
          {viewer.mayStart ? link('new', '/new', t('shell.nav.new')) : null}
          {link('records', '/records', t('shell.nav.records'))}
          {(viewer.packLinks ?? []).map(({ path, message }) => link(`pack:${path}`, path, t(message)))}
          {hasRole(user, AUDIT_ROLES) ? link('audit', '/audit', t('shell.nav.audit')) : null}
          {hasRole(user, DASHBOARD_ROLES) ? link('dashboard', '/dashboard', t('shell.nav.dashboard')) : null}
          {hasRole(user, PROCESS_ROLES) ? link('processes', '/modeler', t('shell.nav.processes')) : null}
          {administers(user) ? link('admin', '/admin', t('shell.nav.admin')) : null}
        </ul>
      </nav>
      <div class="ims-header__who">
        <span>{rich<VNode>('shell.signedInAs', { name: user.name, b: (chunks: ComponentChildren) => <strong>{chunks}</strong> })}</span>
        <a href="/account" aria-current={current === 'account' ? 'page' : undefined}>
          {t('shell.account')}
        </a>
        {viewer.csrf ? (
          <form method="post" action="/logout">
            <CsrfField token={viewer.csrf} />
            <button type="submit" class="usa-button usa-button--unstyled">
              {t('shell.signOut')}
            </button>
          </form>
        ) : null}
      </div>
    </header>
  );
}
