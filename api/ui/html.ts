import escapeHtml from 'escape-html';
import type { Response } from 'express';
import type { UserRecord } from '../../engine/kernel/model.js';
import { hasRole, OVERSEERS } from '../auth.js';
import { countOf } from '../../engine/kernel/words.js';
import { FAVICON_PATH } from './favicon.js';
import { CSS_PATH } from '../pages/assets.js';

/**
 * The one layout of the server-rendered pages: a skip link, a header with the signed-in person and
 * sign-out, the navigation, and one column that works on a phone, styled by the design system
 * (/ui/ims.css: USWDS and api/pages/assets/ims-legacy.scss for the class names these pages use). Pages need no JavaScript. Every value
 * that reaches HTML goes through `e()`. Pages move one at a time to components (api/pages/*.tsx, issue 15),
 * whose Shell (api/pages/components/Shell.tsx) renders the same document: change both together.
 */

/** Escapes any value for HTML text and quoted attribute values. */
export function e(value: unknown): string {
  return escapeHtml(value === undefined || value === null ? '' : String(value));
}

/** `2026-05-09 07:00 UTC` in a <time> element; times are shown in UTC everywhere. */
export function when(iso: string | undefined): string {
  if (!iso) return '';
  return `<time datetime="${e(iso)}">${e(formatUtc(iso))}</time>`;
}

export function formatUtc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** Who is looking: the user, and the session's CSRF token when signed in with a session. */
export interface Viewer {
  user: UserRecord;
  csrf?: string;
}

export type Section = 'tasks' | 'audit' | 'dashboard' | 'processes' | 'account';

export const AUDIT_ROLES = ['auditor', 'quality-manager'] as const;

/** Who sees the steering dashboard: the overseers of their sites, as GET /api/dashboard allows. */
export const DASHBOARD_ROLES = OVERSEERS;
/** Who gets the Processes link (the modeler: versions, drafts, change review); the pages admit every signed-in person. */
export const PROCESS_ROLES = OVERSEERS;

export interface PageOptions {
  title: string;
  body: string;
  viewer?: Viewer;
  current?: Section;
  /** Extra elements for <head> (a page's script or stylesheet). */
  head?: string;
  /** A page of figures side by side (the dashboard): a wider column on large screens. */
  wide?: boolean;
}

/** The hidden CSRF field every state-changing form carries. */
export function csrfField(viewer: Viewer | undefined): string {
  return viewer?.csrf ? `<input type="hidden" name="_csrf" value="${e(viewer.csrf)}">` : '';
}

export function layout({ title, body, viewer, current, head = '', wide = false }: PageOptions): string {
  const link = (section: Section, href: string, label: string) =>
    `<li><a href="${href}"${current === section ? ' aria-current="page"' : ''}>${label}</a></li>`;
  const header = viewer
    ? `<header class="ims-header"><a class="ims-header__brand" href="/tasks">imsflow</a>
<nav class="ims-header__nav" aria-label="Main"><ul>${link('tasks', '/tasks', 'Tasks')}${hasRole(viewer.user, AUDIT_ROLES) ? link('audit', '/audit', 'Audit trail') : ''}${hasRole(viewer.user, DASHBOARD_ROLES) ? link('dashboard', '/dashboard', 'Dashboard') : ''}${hasRole(viewer.user, PROCESS_ROLES) ? link('processes', '/modeler', 'Processes') : ''}</ul></nav>
<div class="ims-header__who"><span>Signed in as <strong>${e(viewer.user.name)}</strong></span>${
        viewer.csrf ? `<form method="post" action="/logout">${csrfField(viewer)}<button type="submit" class="usa-button usa-button--unstyled">Sign out</button></form>` : ''
      }</div></header>`
    : `<header class="ims-header"><span class="ims-header__brand">imsflow</span></header>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(title)} · imsflow</title><link rel="icon" href="${FAVICON_PATH}" type="image/svg+xml"><link rel="stylesheet" href="${CSS_PATH}">${head}</head><body><a class="usa-skipnav" href="#main">Skip to content</a>
${header}
<main id="main" tabindex="-1"${wide ? ' class="wide"' : ''}><h1>${e(title)}</h1>
${body}
</main></body></html>`;
}

/** Security headers for every page: no framing, no sniffing, nothing loaded from elsewhere. */
export function pageHeaders(res: Response, options: { referrer?: 'no-referrer' | 'same-origin' } = {}): void {
  res.set({
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': options.referrer ?? 'same-origin',
    'Cache-Control': 'no-store',
  });
}

export function sendPage(res: Response, status: number, options: PageOptions): void {
  pageHeaders(res);
  res.status(status).type('html').send(layout(options));
}

/** A short message in a box (USWDS slim alert, as the Notice component): `status` for confirmations, `alert` for problems. */
export function notice(kind: 'status' | 'alert', html: string): string {
  const look = kind === 'alert' ? 'usa-alert--error notice bad' : 'usa-alert--success notice good';
  return `<div class="usa-alert usa-alert--slim ${look}" role="${kind}"><div class="usa-alert__body">${html}</div></div>`;
}

/** A wait in words: "30 seconds", "2 minutes"; never a clock time, which would need the reader's zone. */
export function waitInWords(seconds: number): string {
  if (seconds < 120) return countOf(seconds, 'second');
  return countOf(Math.ceil(seconds / 60), 'minute');
}

/** "1 task", "3 tasks": the one count helper (engine/kernel/words.ts), shared with the browser bundles. */
export { countOf as plural } from '../../engine/kernel/words.js';

export function bytes(size: number | undefined): string {
  if (size === undefined) return '';
  if (size < 1024) return `${size} bytes`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / 1024 / 1024).toFixed(1)} MiB`;
}

/** A string from a form or query value: the last one when a name is sent twice, '' when absent. */
export function str(value: unknown): string {
  if (Array.isArray(value)) return str(value[value.length - 1]);
  return typeof value === 'string' ? value : '';
}
